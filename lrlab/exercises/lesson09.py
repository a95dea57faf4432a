"""Lesson 09's exercise checkers: the sharpness from Hessian-vector products, and a
warmup-stable-decay schedule class."""

import dataclasses
import functools
import math

import numpy as np

from lrlab import schedules
from lrlab.exercises.framework import (
    Probe,
    as_number,
    exercise,
    first_problem,
    guarded,
    mismatch,
    short,
)
from lrlab.exercises.schedule_class import (
    close,
    config_round_trips,
    is_a_schedule,
    is_registered,
    schedule_probe,
    survives_save_and_load,
    works_in_graph_mode,
)

# ---- lesson 09: the sharpness of a Hessian known only through Hessian-vector products ----------

_DIM = 2000  # too many columns to build H from: 2000 products, 4x the budget
_BUDGET = 500  # Hessian-vector products per case; power iteration needs a few dozen to ~200
_REL = 1e-3  # the answer must be within 0.1% of λ_max


@dataclasses.dataclass(frozen=True)
class _HiddenHessian:
    """A symmetric _DIM x _DIM matrix given by its spectrum, never formed.

    H = U diag(top) Uᵀ + P diag(bulk) P, P = I - U Uᵀ: the orthonormal columns of U are
    eigenvectors with the eigenvalues `top`; the rest of the spectrum (the compression of
    diag(bulk) to the complement of U) lies between min(bulk) and max(bulk), below top[0], so
    λ_max = top[0] exactly.
    """

    label: str  # the case, as the verdict names it
    top: tuple  # eigenvalues with explicit eigenvectors; top[0] is λ_max
    bulk: tuple  # (low, high): every other eigenvalue lies in between
    seed: int
    # The top eigenvector is (e0 - e1)/√2 and the second the all-ones direction: a start with
    # v[0] == v[1] (all ones, say) keeps them equal at every product, exactly, so it never finds
    # the top (H commutes with swapping coordinates 0 and 1).
    top_orthogonal_to_ones: bool = False
    why: str = ""  # the hint when the value is off and nothing more specific explains it

    @property
    def sharpness(self):
        return self.top[0]

    @functools.cached_property
    def parts(self):
        """(U, top eigenvalues, bulk diagonal)."""
        rng = np.random.default_rng(self.seed)
        k = len(self.top)
        if self.top_orthogonal_to_ones:
            u = np.zeros((_DIM, k))
            u[:2, 0] = (1 / math.sqrt(2), -1 / math.sqrt(2))
            u[:, 1] = 1 / math.sqrt(_DIM)
        else:
            u, r = np.linalg.qr(rng.standard_normal((_DIM, k)))
        bulk = rng.uniform(*self.bulk, _DIM)
        bulk[1] = bulk[0]  # keeps the swap symmetry of the all-ones case (harmless elsewhere)
        return u, np.asarray(self.top, dtype=float), bulk

    def product(self, v):
        u, top, bulk = self.parts
        c = u.T @ v
        w = bulk * (v - u @ c)
        return u @ (top * c) + w - u @ (u.T @ w)

    def dense(self):
        """H as a matrix (for the tests: an independent check of the spectrum)."""
        u, top, bulk = self.parts
        p = np.eye(_DIM) - u @ u.T
        return (u * top) @ u.T + (p * bulk) @ p  # x * d: x @ diag(d) without a dense product


_SHARPNESS_CONVERGES_SLOWLY = (
    "power iteration had not converged yet: here the second eigenvalue is {ratio:.2g} λ_max, so "
    "each product shrinks the error only by about ({ratio:.2g})². Stop when the estimate has "
    "settled (its relative change far below the 0.1% asked), not after a fixed handful of "
    "products."
)

_SHARPNESS_CASES = [
    _HiddenHessian(
        "a Hessian whose top eigenvalue stands clear of the rest",
        (3.0,),
        (-1.0, 1.2),
        seed=1,
        why="here the next eigenvalue is at most 0.4 λ_max, so a few dozen products pin λ_max "
        "down to 0.1%: check what your function returns at the end, the eigenvalue of the last "
        "vector (how much H stretches it).",
    ),
    _HiddenHessian(
        "a Hessian whose second eigenvalue is close to the top one",
        (10.0, 9.0),
        (0.0, 8.8),
        seed=2,
        why=_SHARPNESS_CONVERGES_SLOWLY.format(ratio=0.9),
    ),
    _HiddenHessian(
        "a Hessian with a negative eigenvalue larger in size than its largest one",
        (4.0, -12.0),
        (-3.0, 1.5),
        seed=3,
        why="your value is near λ_max = 4 but not within 0.1%. Here the eigenvalue of largest "
        "magnitude is -12 and the others lie between -3 and 1.5, so getting from -12 to 4 takes a "
        "run that converges slowly: stop when the estimate has settled (its relative change far "
        "below the 0.1% asked), not after a fixed handful of products.",
    ),
    _HiddenHessian(
        "a Hessian whose top eigenvector is orthogonal to the all-ones vector",
        (2.0, 1.8),
        (0.0, 1.6),
        seed=4,
        top_orthogonal_to_ones=True,
        why=_SHARPNESS_CONVERGES_SLOWLY.format(ratio=0.9),
    ),
    _HiddenHessian(
        "a Hessian of large curvature (λ_max = 5000)",
        (5000.0,),
        (0.0, 3750.0),
        seed=6,
        why=_SHARPNESS_CONVERGES_SLOWLY.format(ratio=0.75),
    ),
    _HiddenHessian(
        "a Hessian of tiny curvature (λ_max = 0.001)",
        (0.001,),
        (0.0, 0.00085),
        seed=5,
        why="λ_max is only 0.001 here, so a change of 0.0001 is 10% of it: compare the change of "
        "your estimate with the estimate itself, not with a fixed number.",
    ),
]


class _OverBudget(BaseException):
    """Raised by a case's hvp past its budget; a BaseException, so `except Exception` in the
    student's code cannot swallow it."""


class _BudgetedHvp:
    """The `hvp` a student's function gets for one case: H @ v, counting its calls (`calls`),
    refusing more than _BUDGET, one vector at a time; a verdict shows it as `hvp`."""

    def __init__(self, case):
        self.case, self.calls = case, 0

    def __call__(self, v):
        self.calls += 1
        if self.calls > _BUDGET:
            raise _OverBudget()
        v = np.asarray(v, dtype=float)
        if v.shape not in ((_DIM,), (_DIM, 1)):
            raise ValueError(
                f"hvp(v) takes one vector of {_DIM} numbers, got an array of shape {v.shape}: "
                "on a network each product costs about two gradients, one vector at a time."
            )
        return self.case.product(v.reshape(_DIM)).reshape(v.shape)

    def __repr__(self):
        return "hvp"


def _close(got, want, rel=_REL):
    return math.isclose(got, want, rel_tol=rel, abs_tol=0.0)


def _sharpness_hint(got, case):
    """Why `got` (a finite number, not λ_max) came back on `case`, in the lesson's words."""
    expected = case.sharpness
    if _close(got, 1.0, 1e-6):
        return (
            "1 is the length of a unit vector, not an eigenvalue: λ_max is how much H stretches "
            "its top eigenvector (the Rayleigh quotient in lesson 09 section 1)."
        )
    if len(case.top) > 1 and case.top[1] < 0:
        negative = case.top[1]
        explained = (
            "The sharpness is the largest eigenvalue, the most positive one (the one 2/α is "
            "compared with); power iteration finds the one of largest magnitude. Lesson 09 "
            "section 1 says how the meter gets from one to the other."
        )
        if _close(got, negative):
            return f"{negative:g} is the eigenvalue of largest magnitude, and it is negative. " + (
                explained
            )
        if _close(got, -negative):
            return (
                f"{-negative:g} is the size of the eigenvalue of largest magnitude, {negative:g}: "
                "a length has no sign. " + explained
            )
        if _close(got, expected - negative):
            return (
                f"{got:.6g} is the top eigenvalue of H shifted by {-negative:g}: shift the answer "
                "back as well."
            )
    if case.top_orthogonal_to_ones and _close(got, case.top[1]):
        return (
            f"{got:.6g} is this Hessian's second eigenvalue. Its top eigenvector has entries "
            "that sum to 0, so it is orthogonal to the all-ones vector: a start with no "
            "component along the top eigenvector never finds it. The start vector must be "
            "random, as the meter's is."
        )
    return case.why


def _nonfinite(got):
    """True if `got` is a number (or a one-number array or tensor) that is NaN or infinite."""
    try:
        return not isinstance(got, str) and not math.isfinite(float(got))
    except (TypeError, ValueError):
        return False


def _sharpness_verdict(got, case, where):
    """None if `got` is λ_max within _REL, else the verdict."""
    if isinstance(got, (list, tuple)) or np.size(got) > 1:
        return (
            f"{where} returned {type(got).__name__} {short(got)} ({np.size(got)} numbers); "
            "expected one number, λ_max. Hint: power iteration ends with a vector, the top "
            "eigenvector; the sharpness is its eigenvalue."
        )
    if got is None:
        return (
            f"{where} returned None; expected a number, λ_max. Hint: the function ends without "
            "returning its estimate."
        )
    if _nonfinite(got):
        return (
            f"{where} returned {float(got)}; expected a number. Hint: here λ_max = "
            f"{case.sharpness:g}, and k products multiply a vector's length by about λ_max^k: "
            "unless it is brought back to length 1 after each product it overflows (or, below "
            "λ_max = 1, underflows) to inf or 0, and then the estimate becomes nan."
        )
    value = as_number(got, where)
    if _close(value, case.sharpness):
        return None
    return mismatch(where, case.sharpness, value, _sharpness_hint(value, case))


# ---- class grading: a Hessian drawn when the class is graded ----------------------------------
# The answer takes `hvp`, a function only the student's process can call: the exercise is
# observed. The grader draws a spectrum like the visible cases' (a close second eigenvalue, or a
# negative one larger in size), the student's process runs the answer on it with the same budget,
# and the grader judges the value and the count of products.


def _draw_hessian(rng):
    """A hidden Hessian's spectrum and seed, drawn with `rng` (a random.Random)."""
    top = 10 ** rng.uniform(-2.0, 3.0)
    if rng.random() < 0.5:  # a close second eigenvalue
        ratio = rng.uniform(0.85, 0.9)
        spectrum = {"top": [top, ratio * top], "bulk": [0.0, (ratio - 0.02) * top]}
    else:  # a negative eigenvalue 2.5 to 3 times larger in size than the top one
        spectrum = {
            "top": [top, -rng.uniform(2.5, 3.0) * top],
            "bulk": [-0.75 * top, rng.uniform(0.3, 0.375) * top],
        }
    return {**spectrum, "seed": rng.randrange(2**31)}


def _drawn(inputs):
    return _HiddenHessian(
        "the grader's own Hessian", tuple(inputs["top"]), tuple(inputs["bulk"]), inputs["seed"]
    )


def _observe_sharpness(answer, inputs):
    """In the student's process: [the answer's value as a float (None if not a number), products]."""
    hvp = _BudgetedHvp(_drawn(inputs))
    try:
        got = answer(hvp, _DIM)
    except _OverBudget:
        return [None, hvp.calls]
    try:
        number = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return [None, hvp.calls]
    return [float(number.reshape(-1)[0]) if number.size == 1 else None, hvp.calls]


def _judge_sharpness(inputs, values):
    value, calls = values
    case = _drawn(inputs)
    where = (
        f"on a Hessian with λ_max = {case.sharpness:.6g} (its other eigenvalues "
        f"{', '.join(f'{t:.6g}' for t in case.top[1:])} and between {case.bulk[0]:.6g} and "
        f"{case.bulk[1]:.6g})"
    )
    if calls > _BUDGET:
        return f"{where}, sharpness_from_hvp asked for more than {_BUDGET} products."
    if value is None or not math.isfinite(value) or not _close(value, case.sharpness):
        return f"{where}, sharpness_from_hvp returned {value}, expected {case.sharpness:.6g}."
    return None


@exercise(
    "sharpness_from_hvp",
    timeout=10.0,
    observed=True,  # its answer calls `hvp`, which only the student's process can run
    probe=Probe(_draw_hessian, _observe_sharpness, _judge_sharpness),
    off=[
        "lrlab.sharpness.SharpnessMeter",
        "lrlab.sharpness.largest_hessian_eigenvalue",
        "lrlab.sharpness._power_iteration",
    ],
)
def _verify_sharpness_from_hvp(call):
    for case in _SHARPNESS_CASES:
        where = f"sharpness_from_hvp(hvp, {_DIM}) on {case.label}"
        hvp = _BudgetedHvp(case)
        try:
            got = call(hvp, _DIM)
        except _OverBudget:
            got = None
        if hvp.calls > _BUDGET:
            return (
                f"{where} asked for more than {_BUDGET} Hessian-vector products. Hint: each one "
                "costs about two gradients on a network, and building H column by column would "
                f"take {_DIM} here (one per weight on a network); power iteration needs only "
                "tens to a couple of hundred: stop once the estimate has converged."
            )
        problem = _sharpness_verdict(got, case, where)
        if problem:
            return problem
    return None


# ---- lesson 09: a warmup-stable-decay schedule CLASS --------------------------------------------

# Checked with two parameter sets: the second has no stable phase and W != D, so swapped
# arguments and hard-coded numbers show up.
_WSD_CASES = [
    (0.2, 8, 12, 10),
    (0.05, 3, 0, 6),
]  # peak_learning_rate, warmup_steps, stable_steps, decay_steps
_WSD_ARGUMENTS = ["peak_learning_rate", "warmup_steps", "stable_steps", "decay_steps"]
_WSD_GRAPH_HINT = (
    "Inside fit `step` is a symbolic int64 tensor, not a number: convert it to a float tensor and "
    "combine the phases with keras.ops functions, not math, np or a Python `if` (lesson 06 section 3)."
)


def _wsd_lr(case, step):
    return schedules.warmup_stable_decay(step, *case)


def _wsd_telling_steps(w, s, d):
    end = w + s + d
    return sorted(
        {
            0,
            1,
            w // 2,
            w - 1,
            w,
            w + 1,
            w + s // 2,
            w + s - 1,
            w + s,
            w + s + 1,
            w + s + d // 2,
            end - 1,
            end,
            end + 1,
            3 * end,
        }
    )


def _wsd_hint(lr, case):
    """(first wrong step, hint naming the likely mistake) from the student's LRs {step: value}."""
    peak, w, s, d = case
    end = w + s + d
    step = next(k for k in sorted(lr) if not close(lr[k], _wsd_lr(case, k)))
    if step <= w:
        if close(lr[w - 1], peak) and close(lr[0], peak / w):
            return step, (
                "the peak is reached one step early: at step warmup_steps - 1 the warm-up is not "
                "over yet; the LR reaches the peak exactly at step warmup_steps."
            )
        if not close(lr[w], peak) and close(lr[w + 1], peak):
            return step, (
                "the peak is reached one step late: it must be reached exactly at step warmup_steps, "
                "not one step after."
            )
        if step == 0:
            return step, "at step 0 the LR is 0: the warm-up starts from 0."
        return step, (
            "during the warm-up the LR climbs in a straight line, from 0 at step 0 to the peak at "
            "step warmup_steps."
        )
    if step <= w + s:
        if lr[w + s] > peak * (1 + 1e-5):
            return step, "after the warm-up the LR stays at the peak: cap the ramp at 1."
        if close(lr[w + s - 1], peak):
            return step, (
                "the decay starts one step early: at step warmup_steps + stable_steps the LR is still the "
                "peak, and it falls from the next step on."
            )
        return (
            step,
            "between steps warmup_steps and warmup_steps + stable_steps the LR stays at the peak.",
        )
    if any(value < -1e-9 for k, value in lr.items() if k > end):
        return step, "after the decay the LR went negative: clip it at 0."
    if step <= end:
        if close(lr[w + s + 1], peak):
            return step, (
                "the decay starts one step late: at step warmup_steps + stable_steps + 1 the LR is "
                "already below the peak."
            )
        floor = lr[3 * end]
        if floor > 1e-9 and close(lr[end], floor):
            return step, (
                f"the LR decays to {floor:.4g} instead of 0: the cooldown goes linearly from the peak all "
                "the way to 0 at step warmup_steps + stable_steps + decay_steps."
            )
        if close(lr[end - 1], 0.0):
            return (
                step,
                "the LR reaches 0 one step early: it is 0 exactly at step warmup_steps + stable_steps + decay_steps.",
            )
        if close(lr[end], peak / d) and close(lr[end + 1], 0.0):
            return (
                step,
                "the LR reaches 0 one step late: it is 0 exactly at step warmup_steps + stable_steps + decay_steps.",
            )
        return step, (
            "the cooldown falls in a straight line, from the peak at step warmup_steps + stable_steps "
            "to 0 at step warmup_steps + stable_steps + decay_steps."
        )
    return step, "after the cooldown the LR stays at 0."


def _wsd_values_at_the_telling_steps(schedule, case):
    name = f"WSDSchedule({case[0]:g}, {case[1]}, {case[2]}, {case[3]})"
    lr = {
        k: as_number(guarded(f"{name}({k})", schedule, k), f"{name}({k})")
        for k in _wsd_telling_steps(*case[1:])
    }
    if all(close(value, _wsd_lr(case, k)) for k, value in lr.items()):
        return None
    step, hint = _wsd_hint(lr, case)
    return mismatch(f"{name}({step})", _wsd_lr(case, step), lr[step], hint)


@exercise(
    "wsd_schedule",
    kind="class",
    answer_name="WSDSchedule",
    timeout=30.0,
    off=["lrlab.keras_schedules.WarmupStableDecay", "lrlab.schedules.warmup_stable_decay"],
    probe=schedule_probe(
        lambda rng: [
            round(rng.uniform(0.01, 1.0), 3),
            rng.randint(1, 30),
            rng.randint(0, 60),
            rng.randint(1, 40),
        ],
        lambda args, step: schedules.warmup_stable_decay(step, *args),
        lambda args: 2 * sum(args[1:]),
    ),
)
def _verify_wsd_schedule(call):
    built = [call(*case) for case in _WSD_CASES]
    problem = is_a_schedule(built[0])
    for schedule, case in zip(built, _WSD_CASES):
        problem = problem or _wsd_values_at_the_telling_steps(schedule, case)
    if problem:
        return problem
    case = _WSD_CASES[0]
    _, w, s, d = case
    expected_lr = functools.partial(_wsd_lr, case)
    return first_problem(
        [
            functools.partial(
                works_in_graph_mode,
                expected_lr=expected_lr,
                steps=(w - 1, w + s + 1, w + s + d + 5),
                hint=_WSD_GRAPH_HINT,
            ),
            functools.partial(
                config_round_trips,
                arguments=dict(zip(_WSD_ARGUMENTS, case)),
                expected_lr=expected_lr,
                step=w + s + 2,
            ),
            is_registered,
            functools.partial(
                survives_save_and_load,
                steps_done=w + s + 3,
                expected_lr=expected_lr,  # mid-cooldown
                steps=(0, w, w + s, w + s + 3, w + s + d, 2 * (w + s + d)),
            ),
        ],
        built[0],
    )
