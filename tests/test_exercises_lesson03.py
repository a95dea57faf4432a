"""Lesson 03's exercise `stable_lr_limit`: the largest learning rate at which gradient descent
with heavy-ball momentum converges on L(w) = ½ wᵀHw, computed from the Hessian H.

Below: the premise (at 0.99 times the expected limit heavy-ball converges on every case, at 1.01
times it diverges, simulated with a plain loop; the cases tell apart the tempting wrong readings of
H), plausible wrong answers (each rejected with a verdict whose hint names the case), and right
answers written differently (each accepted). The generic tests (stub not attempted, solution cell
passes, shortcuts refused) are in test_checkers.py and test_shortcuts.py. `classify_curve`'s
tables stay in test_checkers.py.
"""

import numpy as np
import pytest
from reference_code import telling_code

from instructor import cells, solutions
from lrlab import exercises, landscapes
from lrlab.exercises import check
from lrlab.exercises import lesson03 as checker

EXERCISE = "stable_lr_limit"
CASES = [(h, beta) for h, beta, _, _ in checker._LIMIT_CASES]
HIDDEN = [args for args, _ in solutions.hidden_cases(EXERCISE)]


def _expected(hessian, beta):
    return 2 * (1 + beta) / np.linalg.eigvalsh(hessian)[-1]


def _heavy_ball_loss(hessian, beta, lr, steps=3000):
    """½ wᵀHw after `steps` heavy-ball steps (as Keras's SGD with momentum: v <- βv - lr·Hw,
    w <- w + v) from a fixed start, divided by the loss at the start."""
    w = np.random.default_rng(0).normal(size=len(hessian))
    start, velocity = 0.5 * w @ hessian @ w, np.zeros_like(w)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            velocity = beta * velocity - lr * (hessian @ w)
            w = w + velocity
        return 0.5 * w @ hessian @ w / start


@pytest.mark.parametrize("args", CASES + HIDDEN, ids=lambda a: f"{a[0].shape}, beta={a[1]:g}")
def test_the_expected_limit_is_where_heavy_ball_stops_converging(args):
    hessian, beta = args
    limit = _expected(hessian, beta)
    assert _heavy_ball_loss(hessian, beta, 0.99 * limit) < 1e-6  # converges
    assert not _heavy_ball_loss(hessian, beta, 1.01 * limit) < 1e6  # diverges (or overflows)


def test_the_expected_limit_is_lrlabs_stability_limit_of_the_eigenvalues():
    for hessian, beta in CASES + HIDDEN:
        curvatures = np.linalg.eigvalsh(hessian)
        curvatures = curvatures[curvatures > 1e-12]
        assert landscapes.stability_limit(curvatures, momentum=beta) == pytest.approx(
            _expected(hessian, beta), rel=1e-12
        )


def test_the_cases_are_symmetric_positive_semidefinite_and_tell_wrong_readings_apart():
    for hessian, _ in CASES + HIDDEN:
        assert np.array_equal(hessian, hessian.T)
        assert np.linalg.eigvalsh(hessian)[0] > -1e-12
    readings = {
        "largest diagonal entry": lambda h: h.diagonal().max(),
        "trace": np.trace,
        "Frobenius norm": np.linalg.norm,
        "mean eigenvalue": lambda h: np.linalg.eigvalsh(h).mean(),
        "smallest eigenvalue": lambda h: np.linalg.eigvalsh(h)[0],
        "np.linalg.eigvals(h)[0]": lambda h: np.linalg.eigvals(h)[0],
        "largest absolute entry": lambda h: np.abs(h).max(),
        "largest absolute row sum": lambda h: np.abs(h).sum(axis=1).max(),
    }
    for name, reading in readings.items():
        # some visible case where the reading is off by far more than the checker's tolerance
        assert any(
            abs(reading(h) / np.linalg.eigvalsh(h)[-1] - 1) > 100 * checker._LIMIT_RTOL
            for h, _ in CASES
        ), name
    # where a reading is right on one case, another case catches it: each is off on >= 2 cases
    for name, reading in readings.items():
        off = sum(
            abs(reading(h) / np.linalg.eigvalsh(h)[-1] - 1) > 100 * checker._LIMIT_RTOL
            for h, _ in CASES
        )
        assert off >= 2, name
    assert {beta for _, beta in CASES} >= {0.0, 0.5, 0.9, 0.99}
    # power iteration converges: the two largest eigenvalues are well apart (hidden: wider still)
    gap = lambda h: np.linalg.eigvalsh(h)[-2] / np.linalg.eigvalsh(h)[-1] if len(h) > 1 else 0
    assert max(gap(h) for h, _ in CASES) < 0.6 and max(gap(h) for h, _ in HIDDEN) < 0.4
    # and no case's steepest direction is orthogonal to the usual starting vectors
    for hessian, _ in CASES + HIDDEN:
        top = np.linalg.eigh(hessian)[1][:, -1]
        assert abs(top.sum()) / np.sqrt(len(top)) > 0.1 and abs(top[0]) > 0.01


# ---- plausible wrong answers ---------------------------------------------------------------------

_top = lambda h: np.linalg.eigvalsh(h)[-1]

# {name: (answer, words its verdict must contain)}
WRONG = {
    "2/λ_max, momentum ignored": (lambda h, b: 2 / _top(h), "without momentum"),
    "2(1 − β)/λ_max": (lambda h, b: 2 * (1 - b) / _top(h), "yours lowers it"),
    "2/((1 − β)λ_max), the effective LR's factor": (
        lambda h, b: 2 / ((1 - b) * _top(h)),
        "diverges",
    ),
    "1/λ_max": (lambda h, b: 1 / _top(h), "converges"),
    "(1 + β)/λ_max": (lambda h, b: (1 + b) / _top(h), "converges"),
    "largest diagonal entry": (lambda h, b: 2 * (1 + b) / h.diagonal().max(), "diagonal"),
    "trace": (lambda h, b: 2 * (1 + b) / np.trace(h), "converges"),
    "Frobenius norm": (lambda h, b: 2 * (1 + b) / np.linalg.norm(h), "converges"),
    "mean eigenvalue": (
        lambda h, b: 2 * (1 + b) / np.linalg.eigvalsh(h).mean(),
        "diverges",
    ),
    "smallest eigenvalue (eigvalsh()[0])": (
        lambda h, b: 2 * (1 + b) / np.linalg.eigvalsh(h)[0],
        "diverges",
    ),
    "np.linalg.eigvals()[0], unsorted": (
        lambda h, b: 2 * (1 + b) / np.linalg.eigvals(h)[0],
        "diverges",
    ),
    "np.linalg.eigvals as complex numbers": (
        lambda h, b: 2 * (1 + b) / np.linalg.eigvals(h.astype(complex)).max(),
        "complex",
    ),
    "largest absolute entry": (lambda h, b: 2 * (1 + b) / np.abs(h).max(), "diverges"),
    "largest absolute row sum (Gershgorin bound)": (
        lambda h, b: 2 * (1 + b) / np.abs(h).sum(axis=1).max(),
        "converges",
    ),
    "a 1% safety margin": (lambda h, b: 0.99 * 2 * (1 + b) / _top(h), "converges"),
    "the limit of the largest entry of the eigenvector": (
        lambda h, b: 2 * (1 + b) / np.abs(np.linalg.eigh(h)[1][:, -1]).max(),
        "expected",
    ),
    "an array of limits, one per direction": (
        lambda h, b: 2 * (1 + b) / np.linalg.eigvalsh(h),
        "expected a number",
    ),
    "a string": (lambda h, b: str(2 * (1 + b) / _top(h)), "expected a number"),
    "None": (lambda h, b: None, "expected a number"),
}


@pytest.mark.parametrize("name", WRONG)
def test_wrong_answers_fail_with_a_hint_on_the_case(name):
    answer, words = WRONG[name]
    with np.errstate(divide="ignore"):
        result = check(EXERCISE, answer)
    assert result.status == exercises.FAILED, result
    assert words in result.message, result.message
    assert "stable_lr_limit(" in result.message and "Traceback" not in result.message


def test_hints_describe_the_case_and_what_the_answer_does_without_the_formula():
    for name, (answer, _) in WRONG.items():
        with np.errstate(divide="ignore"):
            text = check(EXERCISE, answer).message
        squeezed = text.replace(" ", "")
        assert not any(
            formula in squeezed
            for formula in ("2(1+β)/", "2*(1+", "eigvalsh", "norm(", "/λ_max", "[-1]")
        ), (name, text)
    text = check(EXERCISE, WRONG["largest diagonal entry"][0]).message
    assert "off-diagonal" in text and "diverges" in text
    text = check(EXERCISE, WRONG["trace"][0]).message
    assert "converges" in text and "the limit is larger" in text


def test_no_verdict_writes_the_reference_code():
    keys = telling_code(EXERCISE)
    assert "np.linalg.eigvalsh(hessian)[-1]" in keys
    for name, (answer, _) in WRONG.items():
        with np.errstate(divide="ignore"):
            verdict = "".join(check(EXERCISE, answer).message.split())
        assert not [key for key in keys if key in verdict], name


# ---- right answers, written differently ----------------------------------------------------------


def _power_iteration(h, b, start=None):
    """λ_max by power iteration with a Rayleigh quotient, until it changes by < 1e-6 (relative)."""
    v = np.ones(len(h)) if start is None else start
    v = v / np.linalg.norm(v)
    estimate = v @ h @ v
    for _ in range(10_000):
        v = h @ v
        v = v / np.linalg.norm(v)
        new = v @ h @ v
        if abs(new - estimate) < 1e-6 * abs(new):
            break
        estimate = new
    return 2 * (1 + b) / new


def _power_iteration_by_norm(h, b):
    """λ_max as the growth ‖Hv‖ of a unit vector, from a random start, to 1e-6."""
    v = np.random.default_rng(1).normal(size=len(h))
    growth = 0.0
    for _ in range(10_000):
        w = h @ v
        new = np.linalg.norm(w) / np.linalg.norm(v)
        v = w / np.linalg.norm(w)
        if abs(new - growth) < 1e-6 * new:
            break
        growth = new
    return 2 * (1 + b) / new


def _by_simulation(h, b):
    """Bisection on whether heavy-ball grows: no eigenvalue formula at all (slow but right)."""

    eye, zero = np.eye(len(h)), np.zeros_like(h)

    def grows(lr):  # the iteration (w_k+1, w_k) = M (w_k, w_k-1) of section 3, for all of H
        iteration = np.block([[(1 + b) * eye - lr * h, -b * eye], [eye, zero]])
        return np.abs(np.linalg.eigvals(iteration)).max() > 1 + 1e-9

    low, high = 0.0, 1.0
    while not grows(high):
        high *= 2
    for _ in range(80):
        middle = (low + high) / 2
        low, high = (low, middle) if grows(middle) else (middle, high)
    return low


RIGHT = {
    "eigvalsh()[-1]": lambda h, b: 2 * (1 + b) / np.linalg.eigvalsh(h)[-1],
    "eigvalsh().max(), a Python float": lambda h, b: float(
        2.0 * (1.0 + b) / np.linalg.eigvalsh(h).max()
    ),
    "the spectral norm, np.linalg.norm(H, 2)": lambda h, b: 2 * (1 + b) / np.linalg.norm(h, 2),
    "the largest singular value": lambda h, b: 2 * (1 + b) / np.linalg.svd(h, compute_uv=False)[0],
    "np.linalg.eigvals, real part, max": lambda h, b: 2 * (1 + b) / np.linalg.eigvals(h).real.max(),
    "power iteration from ones, to 1e-6": _power_iteration,
    "power iteration by the norm, random start, to 1e-6": _power_iteration_by_norm,
    "bisection on the heavy-ball iteration matrix's spectral radius": _by_simulation,
    "a 0-d array": lambda h, b: np.array(2 * (1 + b) / np.linalg.eigvalsh(h)[-1]),
}


@pytest.mark.parametrize("name", RIGHT)
def test_right_answers_written_differently_pass(name):
    result = check(EXERCISE, RIGHT[name])
    assert result.passed, result


@pytest.mark.parametrize(
    "name", ["power iteration from ones, to 1e-6", "the spectral norm, np.linalg.norm(H, 2)"]
)
def test_right_answers_pass_the_hidden_cases_too(name):
    from instructor import hidden

    assert hidden.verify(EXERCISE, RIGHT[name]).passed


def test_the_solution_cell_passes_visible_and_hidden_cases():
    from instructor import hidden

    namespace = {}
    exec(cells.solution_source(EXERCISE), namespace)  # as the student's cell
    assert hidden.verify(EXERCISE, namespace[EXERCISE]).passed


def test_lrlabs_stability_limit_is_off():
    spec = exercises.EXERCISES[EXERCISE]
    assert spec.off == ("lrlab.landscapes.stability_limit",)

    def through_lrlab(hessian, momentum):
        return landscapes.stability_limit(np.linalg.eigvalsh(hessian)[-1], momentum=momentum)

    result = check(EXERCISE, through_lrlab)
    assert not result.passed
    assert "`lrlab.landscapes.stability_limit` is off while this exercise is checked" in str(result)
    assert landscapes.stability_limit(4.0, momentum=0.9) == pytest.approx(0.95)  # on again
