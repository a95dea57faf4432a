"""Lesson 09's exercise `sharpness_from_hvp`: the sharpness of a Hessian known only through
Hessian-vector products, as lesson 09 section 1 measures it on a network.

The premises of the hidden cases (their spectra, against dense NumPy and ARPACK), a table of
plausible wrong answers (each fails with a verdict that points at its case) and right answers
written differently (each passes, whatever its random start). The generic tests of
tests/test_checkers.py and tests/test_shortcuts.py cover it too (stub, solution cell, off names).
"""

import functools
import random

import numpy as np
import pytest
from reference_code import telling_code
from scipy.sparse.linalg import LinearOperator, eigsh

from instructor import cells
from lrlab import sharpness
from lrlab.exercises import EXERCISES, check, lesson09, remote

EXERCISE = "sharpness_from_hvp"
CASES = lesson09._SHARPNESS_CASES
DIM, BUDGET = lesson09._DIM, lesson09._BUDGET


def _case(words):
    return next(case for case in CASES if words in case.label)


# ---- the premises of the hidden cases ------------------------------------------------------------


def _operator(case):
    return LinearOperator((DIM, DIM), matvec=case.product, dtype=float)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.label)
def test_each_hidden_hessians_sharpness_is_its_first_top_eigenvalue_by_arpack(case):
    top, second = sorted(eigsh(_operator(case), k=2, which="LA", tol=1e-12)[0])[::-1]
    lowest = eigsh(_operator(case), k=1, which="SA", tol=1e-12)[0][0]
    assert top == pytest.approx(case.sharpness, rel=1e-9)
    assert second < (1 - 0.05) * top  # never within 5%: the top is one, well-defined eigenvalue
    assert lowest >= min(case.top + case.bulk) - 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.label)
def test_each_hidden_hessian_is_symmetric_and_its_products_are_the_matrix_times_v(case):
    dense = case.dense()
    np.testing.assert_allclose(dense, dense.T, atol=1e-12)
    eigenvalues = np.linalg.eigvalsh(dense)
    assert eigenvalues[-1] == pytest.approx(case.sharpness, rel=1e-10)
    v = np.random.default_rng(0).standard_normal(DIM)
    np.testing.assert_allclose(case.product(v), dense @ v, rtol=1e-10, atol=1e-12)


def test_the_cases_are_what_their_hints_say():
    eig = {
        case.label: np.sort(eigsh(_operator(case), k=2, which="LA", tol=1e-12)[0])[::-1]
        for case in CASES
    }
    close = _case("second eigenvalue is close")
    assert eig[close.label][1] / eig[close.label][0] == pytest.approx(0.9)
    negative = _case("negative eigenvalue")
    lowest = eigsh(_operator(negative), k=1, which="SA", tol=1e-12)[0][0]
    assert lowest == pytest.approx(-12.0) and abs(lowest) > 2 * negative.sharpness
    assert eig[_case("stands clear").label][1] <= 0.4 * 3.0
    assert 0.001 == _case("tiny").sharpness and 5000 == _case("large curvature").sharpness
    # Building H column by column is out of reach: one product per column, 4x the budget.
    assert DIM >= 4 * BUDGET


def test_a_start_of_all_ones_never_finds_the_top_of_the_orthogonal_case():
    case = _case("orthogonal to the all-ones")
    u, _, _ = case.parts
    assert abs(u[:, 0].sum()) < 1e-12 and abs(u[:, 0] @ u[:, 1]) < 1e-12
    v = np.ones(DIM) / np.sqrt(DIM)
    for _ in range(2000):  # far past the budget: the symmetry v[0] == v[1] holds exactly
        w = case.product(v)
        v = w / np.linalg.norm(w)
        assert v[0] == v[1]
    assert v @ case.product(v) == pytest.approx(1.8)
    random = np.random.default_rng(0).standard_normal(DIM)
    assert abs(random @ u[:, 0]) > 1e-3  # while a random start has a component along the top


def test_the_hvp_a_student_gets_counts_its_calls_and_takes_one_vector_at_a_time():
    hvp = lesson09._BudgetedHvp(CASES[0])
    v = np.random.default_rng(1).standard_normal(DIM)
    np.testing.assert_allclose(hvp(v), CASES[0].product(v))
    assert hvp(v.reshape(DIM, 1)).shape == (DIM, 1) and hvp(list(v)).shape == (DIM,)
    assert hvp.calls == 3 and repr(hvp) == "hvp"
    with pytest.raises(ValueError, match="one vector of 2000 numbers"):
        hvp(np.eye(DIM))
    w = hvp(v)
    w[:] = 0  # the student's copy: changing it changes nothing for the next call
    assert np.any(hvp(v))


# ---- plausible wrong answers fail with a verdict that points at the case ---------------------------


def _power(hvp, dim, iterations=100, seed=0, start=None, normalise=True):
    """Power iteration: the Rayleigh quotient of the last vector."""
    v = np.random.default_rng(seed).standard_normal(dim) if start is None else start(dim)
    v = v / np.linalg.norm(v)
    estimate = 0.0
    with np.errstate(all="ignore"):  # without normalising, the vector overflows
        for _ in range(iterations):
            product = hvp(v)
            estimate = v @ product / (v @ v)
            v = product / np.linalg.norm(product) if normalise else product
    return float(estimate)


def _with_shift(top):
    """The most positive eigenvalue from `top(apply, dim)`, a largest-magnitude solver."""

    def answer(hvp, dim):
        value = top(hvp, dim)
        if value >= 0:
            return value
        return top(lambda v: hvp(v) - value * v, dim) + value

    return answer


def _norm_of_product(hvp, dim):
    v = np.random.default_rng(0).standard_normal(dim)
    for _ in range(100):
        product = hvp(v / np.linalg.norm(v))
        v = product
    return float(np.linalg.norm(product))  # |λ|: the sign is lost


def _the_eigenvector(hvp, dim):
    v = np.random.default_rng(0).standard_normal(dim)
    for _ in range(100):
        product = hvp(v)
        v = product / np.linalg.norm(product)
    return v


def _length_of_the_unit_vector(hvp, dim):
    return float(np.linalg.norm(_the_eigenvector(hvp, dim)))


def _whole_matrix(hvp, dim):
    matrix = np.column_stack([hvp(column) for column in np.eye(dim)])
    return float(np.linalg.eigvalsh(matrix)[-1])


def _over_budget_swallowing_errors(hvp, dim):
    """Far too many products, the budget's error caught, and the right value returned."""
    for column in np.eye(dim)[:600]:
        try:
            hvp(column)
        except BaseException:  # a student's bare except
            pass
    return 3.0  # the first case's λ_max


def _whole_matrix_in_one_call(hvp, dim):
    return float(np.linalg.eigvalsh(hvp(np.eye(dim)))[-1])


def _shift_not_undone(hvp, dim):
    value = _power(hvp, dim)
    if value >= 0:
        return value
    return _power(lambda v: hvp(v) - value * v, dim)


def _absolute_tolerance(hvp, dim):
    v = np.random.default_rng(1).standard_normal(dim)
    v /= np.linalg.norm(v)
    previous = np.inf
    for _ in range(200):
        product = hvp(v)
        estimate = v @ product
        if abs(estimate - previous) < 1e-4:
            break
        previous, v = estimate, product / np.linalg.norm(product)
    return float(estimate)


def _absolute_tolerance_with_shift(hvp, dim):
    return _with_shift(_absolute_tolerance)(hvp, dim)


def _arpack_largest_magnitude(hvp, dim):
    operator = LinearOperator((dim, dim), matvec=hvp, dtype=float)
    return float(eigsh(operator, k=1, which="LM", return_eigenvectors=False)[0])


def _no_return(hvp, dim):
    _the_eigenvector(hvp, dim)


# (what is wrong, the answer, words its verdict must contain)
WRONG = [
    ("too few iterations (20)", _with_shift(functools.partial(_power, iterations=20)), "converged"),
    ("no shift: the largest magnitude", _power, "-12 is the eigenvalue of largest magnitude"),
    ("the norm of Hv: the sign is lost", _norm_of_product, "a length has no sign"),
    (
        "ARPACK's largest magnitude (which='LM')",
        _arpack_largest_magnitude,
        "largest magnitude, and it is negative",
    ),
    ("shifted but not shifted back", _shift_not_undone, "shift the answer back"),
    ("returns the eigenvector", _the_eigenvector, "expected one number"),
    (
        "returns the length of the unit vector",
        _length_of_the_unit_vector,
        "length of a unit vector",
    ),
    (
        "starts from all ones",
        _with_shift(functools.partial(_power, iterations=200, start=np.ones)),
        "start vector must be random",
    ),
    (
        "no normalisation: overflows",
        _with_shift(functools.partial(_power, iterations=60, normalise=False)),
        "back to length 1",
    ),
    (
        "an absolute tolerance",
        _absolute_tolerance_with_shift,
        "compare the change of your estimate with the estimate itself",
    ),
    ("builds H column by column", _whole_matrix, f"more than {BUDGET} Hessian-vector products"),
    (
        "too many products, the budget's error swallowed",
        _over_budget_swallowing_errors,
        f"more than {BUDGET}",
    ),
    ("H in one call of a matrix", _whole_matrix_in_one_call, "one vector of 2000 numbers"),
    ("returns nothing", _no_return, "without returning"),
    ("returns nan", lambda hvp, dim: float("nan"), "back to length 1"),
    ("raises", lambda hvp, dim: hvp(np.zeros(dim))[dim], "IndexError"),
]


@pytest.mark.parametrize("answer, words", [pytest.param(a, w, id=n) for n, a, w in WRONG])
def test_plausible_wrong_answers_fail_with_a_hint_about_their_case(answer, words):
    result = check(EXERCISE, answer)
    assert not result.passed and result.status == "failed", result
    assert words in result.message, result.message
    assert "Traceback" not in result.message


def test_each_hint_names_the_case_it_failed_on():
    named = {"too few iterations (20)", "no shift: the largest magnitude", "starts from all ones"}
    named |= {"no normalisation: overflows", "an absolute tolerance"}
    verdicts = {name: check(EXERCISE, answer).message for name, answer, _ in WRONG if name in named}
    assert "second eigenvalue is close" in verdicts["too few iterations (20)"]
    assert "negative eigenvalue" in verdicts["no shift: the largest magnitude"]
    assert "orthogonal to the all-ones" in verdicts["starts from all ones"]
    assert "λ_max = 5000" in verdicts["no normalisation: overflows"]
    assert "λ_max = 0.001" in verdicts["an absolute tolerance"]


def test_no_verdict_writes_the_reference_code():
    keys = telling_code(EXERCISE)
    assert "estimate=v@product" in keys
    for name, answer, _ in WRONG:
        verdict = "".join(check(EXERCISE, answer).message.split())
        assert not [key for key in keys if key in verdict], name


# ---- right answers, written differently, pass ------------------------------------------------------


def _until_settled(hvp, dim, seed=3):
    """Power iteration until the Rayleigh quotient's relative change is below 1e-7."""
    v = np.random.default_rng(seed).standard_normal(dim)
    previous = np.inf
    for _ in range(240):
        v /= np.linalg.norm(v)
        product = hvp(v)
        estimate = float(np.dot(v, product))
        if abs(estimate - previous) <= 1e-7 * abs(estimate):
            break
        previous, v = estimate, product
    return estimate


def _norm_ratio_with_sign(hvp, dim):
    """|Hv| for a unit v at convergence, the sign from v·Hv (the norm alone loses it)."""

    def magnitude(apply, dim):
        v = np.random.default_rng(5).standard_normal(dim)
        for _ in range(150):
            v = v / np.linalg.norm(v)
            product = apply(v)
            v, unit = product, v
        return float(np.sign(unit @ product) * np.linalg.norm(product))

    return _with_shift(magnitude)(hvp, dim)


def _arpack_largest_algebraic(hvp, dim):
    operator = LinearOperator((dim, dim), matvec=hvp, dtype=float)
    return float(eigsh(operator, k=1, which="LA", return_eigenvectors=False)[0])


def _shift_up_front(hvp, dim):
    """First the largest magnitude m, then power iteration on H + |m| I (all eigenvalues >= 0)."""
    m = abs(_power(hvp, dim, iterations=60, seed=2))
    return _power(lambda v: hvp(v) + m * v, dim, iterations=200, seed=4) - m


def _float32_vectors(hvp, dim):
    """Power iteration in float32, a NumPy float32 returned."""

    def top(apply, dim):
        v = np.random.default_rng(6).standard_normal(dim).astype("float32")
        for _ in range(150):
            v /= np.linalg.norm(v)
            product = apply(v).astype("float32")
            estimate = float(v @ product)
            v = product
        return estimate

    return np.float32(_with_shift(top)(hvp, dim))


RIGHT = {
    "power iteration, 100 products, shift if negative": _with_shift(_power),
    "until the estimate settles, shift if negative": _with_shift(_until_settled),
    "norm ratio with the sign of the Rayleigh quotient": _norm_ratio_with_sign,
    "scipy's eigsh (Lanczos) on a LinearOperator, which='LA'": _arpack_largest_algebraic,
    "shift by the largest magnitude first": _shift_up_front,
    "float32 vectors, a NumPy float32 returned": _float32_vectors,
}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_right_answers_written_differently_pass(name):
    result = check(EXERCISE, RIGHT[name])
    assert result.passed, result.message


@pytest.mark.parametrize("seed", range(25))
def test_a_right_answer_passes_whatever_its_random_start(seed):
    answer = _with_shift(functools.partial(_power, iterations=100, seed=seed))
    assert check(EXERCISE, answer).passed


def test_the_reference_needs_far_fewer_products_than_the_budget_and_the_check_is_quick():
    reference = cells.solution_source(EXERCISE)
    namespace = {}
    exec(reference, namespace)
    used = []
    for case in CASES:
        hvp = lesson09._BudgetedHvp(case)
        assert namespace[EXERCISE](hvp, DIM) == pytest.approx(case.sharpness, rel=1e-4)
        used.append(hvp.calls)
    assert max(used) <= 0.6 * BUDGET, used
    assert check(EXERCISE, _with_shift(_power)).passed


# ---- an answer has to be the student's own ---------------------------------------------------------


def _meter_subclass(hvp, dim):
    """The lesson's meter, fed the hidden hvp instead of a model."""

    class Meter(sharpness.SharpnessMeter):
        def __init__(self):
            self.vector = np.random.default_rng(0).standard_normal(dim)
            self._rng = np.random.default_rng(1)
            self.products = 0

        def hessian_vector_product(self, v):
            return hvp(v)

    return Meter()(iterations=300, tolerance=1e-6)


def _private_power_iteration(hvp, dim):
    from lrlab.sharpness import _power_iteration

    value, _, _ = _power_iteration(hvp, np.random.default_rng(0).standard_normal(dim), 200, 1e-7)
    return value


@pytest.mark.parametrize(
    "answer, dotted",
    [
        (_meter_subclass, "lrlab.sharpness.SharpnessMeter"),
        (_private_power_iteration, "lrlab.sharpness._power_iteration"),
    ],
)
def test_the_lessons_meter_and_its_power_iteration_are_off(answer, dotted):
    result = check(EXERCISE, answer)
    assert not result.passed
    assert f"`{dotted}` is off while this exercise is checked" in result.message, result
    # ... and on again afterwards: the meter's machinery still answers outside the check.
    value, _, _ = sharpness._power_iteration(
        lambda v: np.array([2.0, 0.5]) * v, np.ones(2), 100, 1e-9
    )
    assert value == pytest.approx(2.0)


# ---- class grading: the answer runs on a Hessian drawn at grading time -----------------------------


def _graded(answer, inputs):
    """The grader's judgement of `answer` on the drawn `inputs` (observed in this process)."""
    probe = EXERCISE_SPEC.probe
    return probe.judge(inputs, remote.decode(remote.encode(probe.observe(answer, inputs))))


EXERCISE_SPEC = EXERCISES[EXERCISE]
DRAWS = [EXERCISE_SPEC.probe.draw(random.Random(seed)) for seed in range(12)]


def test_the_exercise_is_observed_its_drawn_hessians_are_what_they_say():
    assert EXERCISE_SPEC.observed and EXERCISE_SPEC.probe is not None
    kinds = set()
    for inputs in DRAWS:
        case = lesson09._drawn(inputs)
        top = eigsh(_operator(case), k=1, which="LA", tol=1e-12, return_eigenvectors=False)
        assert top[0] == pytest.approx(case.sharpness, rel=1e-9)
        kinds.add(case.top[1] < 0)
    assert kinds == {True, False}  # both kinds among the draws: close second, negative


@pytest.mark.parametrize("inputs", DRAWS, ids=lambda inputs: f"{inputs['seed']}")
def test_right_answers_pass_on_the_drawn_hessians(inputs):
    reference = {}
    exec(cells.solution_source(EXERCISE), reference)
    assert _graded(reference[EXERCISE], inputs) is None
    assert _graded(_arpack_largest_algebraic, inputs) is None
    answer = _with_shift(functools.partial(_power, iterations=100, seed=inputs["seed"] % 1000))
    assert _graded(answer, inputs) is None


def test_wrong_answers_fail_on_a_drawn_hessian_with_what_came_back():
    close = next(d for d in DRAWS if d["top"][1] > 0)
    negative = next(d for d in DRAWS if d["top"][1] < 0)
    few = _with_shift(functools.partial(_power, iterations=20))
    assert "expected" in _graded(few, close)
    assert "returned" in _graded(_power, negative)  # no shift: the largest magnitude
    assert f"more than {BUDGET} products" in _graded(_whole_matrix, close)
    assert "returned None" in _graded(_the_eigenvector, close)
