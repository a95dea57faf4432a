"""Lesson 03's exercise checkers: the stability limit from a Hessian, and naming a loss curve."""

import math

import numpy as np

from lrlab import diagnosis, landscapes
from lrlab.exercises.framework import (
    as_number,
    exercise,
    mismatch,
    short,
)

# ---- lesson 03: the stability limit of heavy-ball momentum on a quadratic, from its Hessian ------


def _regression_hessian():
    """(2/n) XᵀX of a least-squares fit: 40 rows, 5 features of different scales and a bias."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 5)) * [1.0, 2.0, 0.5, 1.0, 3.0]
    x = np.hstack([x, np.ones((40, 1))])
    hessian = 2 / 40 * x.T @ x
    return (hessian + hessian.T) / 2  # symmetric to the last bit


# (hessian, momentum, what the case is, hint). Each matrix is symmetric positive semi-definite;
# together their largest diagonal entry, trace, Frobenius norm, mean and smallest eigenvalue all
# differ from the largest eigenvalue somewhere (tests/test_exercises_lesson03.py checks it).
_LIMIT_CASES = [
    (
        np.array([[4.0]]),
        0.9,
        "one weight, curvature c = 4",
        "A 1×1 Hessian is the one-weight bowl L(w) = c/2·w² of §1 with c = 4; §3 printed its "
        "limit with momentum 0.9.",
    ),
    (
        np.array([[2.0, 1.0], [1.0, 2.0]]),
        0.0,
        "two weights coupled by an off-diagonal entry, no momentum",
        "This H has off-diagonal entries, so its diagonal entries are not its curvatures: the "
        "curvatures are the eigenvalues of H (the regression of §5), and the steepest one sets "
        "the limit (§2).",
    ),
    (
        np.array([[1.0, 1.5], [1.5, 3.0]]),
        0.9,
        "an ill-conditioned 2×2 Hessian",
        "One direction of this H is steep and one is almost flat; the steepest sets the limit, "
        "and with momentum the limit moves (§3).",
    ),
    (
        np.outer([1.0, 2.0, -1.0], [1.0, 2.0, -1.0]),
        0.5,
        "a 3×3 Hessian with two flat directions (eigenvalue 0)",
        "Along a flat direction (curvature 0) the gradient is 0 whatever the learning rate: flat "
        "directions never limit it, only the steepest direction does.",
    ),
    (
        np.array([[3.0, -1.0, 0.5], [-1.0, 5.0, 2.0], [0.5, 2.0, 1.5]]),
        0.99,
        "a 3×3 Hessian, heavy momentum 0.99",
        "The steepest direction of this H is not along any one weight, and momentum 0.99 moves "
        "the limit a long way (§3).",
    ),
    (
        _regression_hessian(),
        0.9,
        "the Hessian (2/n)XᵀX of a linear regression (5 features and a bias, 40 rows)",
        "As in §5's regression, the curvatures of this loss are the eigenvalues of H.",
    ),
]
_LIMIT_RTOL = 1e-5  # an eigenvalue found by power iteration to 1e-6 passes; 1.01x the limit fails


def _describe_matrix(hessian):
    if hessian.size > 9:
        return f"H ({hessian.shape[0]}×{hessian.shape[1]})"
    return np.array2string(hessian, precision=6, separator=", ").replace("\n", "")


def _stable_lr_hint(lr, hessian, beta, case_hint):
    """What the student's learning rate does to heavy-ball on this H, in the lesson's words."""
    if not lr > 0 or not math.isfinite(lr):
        return (
            "the limit is a positive, finite learning rate. An answer of inf or a negative "
            "number often comes from dividing by a curvature of 0 (or a rounding error just "
            f"below 0), which a flat direction has. {case_hint}"
        )
    curvatures = np.linalg.eigvalsh(hessian)
    steepest = curvatures[-1]
    if beta > 0 and math.isclose(lr * steepest, 2.0, rel_tol=1e-3):
        return (
            f"that is the limit without momentum; with momentum β = {beta:g} the heavy-ball "
            "iteration tolerates larger learning rates in the steep directions (§3)."
        )
    if beta > 0 and math.isclose(lr * steepest, 2.0 * (1 - beta), rel_tol=1e-3):
        return f"momentum β = {beta:g} raises the limit; yours lowers it. §3 derives the factor."
    curved = curvatures[curvatures > 1e-9 * steepest]
    rate = float(np.max(landscapes.convergence_rate(curved, lr, momentum=beta)))
    method = f"heavy-ball with momentum {beta:g}" if beta else "gradient descent (no momentum)"
    said = f"at lr = {lr:.6g}, {method} on this H"
    if rate < 1 - 1e-9:
        return (
            f"{said} converges: every direction shrinks (by a factor {rate:.4g} per step, or faster), so "
            f"the limit is larger. {case_hint}"
        )
    return (
        f"{said} diverges: its steepest direction grows by a factor {rate:.4g} per step, so the limit is "
        f"smaller. {case_hint}"
    )


@exercise("stable_lr_limit", off=["lrlab.landscapes.stability_limit"])
def _verify_stable_lr_limit(call):
    for hessian, beta, name, hint in _LIMIT_CASES:
        where = f"stable_lr_limit({_describe_matrix(hessian)}, {beta:g}) ({name})"
        got = call(hessian.copy(), beta)
        if isinstance(got, complex) or np.iscomplexobj(got):
            return (
                f"{where} returned a complex number, {short(got)}; expected a float. Hint: a "
                "symmetric matrix has real eigenvalues, but not every NumPy routine knows that H "
                "is symmetric."
            )
        got = as_number(got, where)
        expected = 2 * (1 + beta) / np.linalg.eigvalsh(hessian)[-1]
        if not math.isclose(got, expected, rel_tol=_LIMIT_RTOL):
            return mismatch(where, expected, got, _stable_lr_hint(got, hessian, beta, hint))
    return None


# ---- lesson 03: name a loss curve ------------------------------------------------------------

_nan, _inf = float("nan"), float("inf")

# (curve, other labels a sound rule may give, hint). The label `diagnosis.classify_loss_curve`
# gives is always accepted; a curve whose reading honestly depends on a threshold (a spike that
# is "unstable" to one rule and "diverged" to another) accepts both. No case sits near a
# boundary between too small and too large, so every wrong direction is caught.
_CURVE_CASES = [
    (
        [2.3, 1.5, 0.9, 0.55, 0.35, 0.25, 0.2],
        (),
        "the loss fell at every epoch, to a small fraction of its start: nothing is wrong here.",
    ),
    (
        [2.30, 2.295, 2.29, 2.286, 2.281, 2.277, 2.272],
        (),
        "the loss falls at every epoch but has lost only about 1% of its start: does your rule ask "
        "how much of the starting loss is gone?",
    ),
    (
        [2.3, 1.2, 2.0, 0.9, 1.8, 0.8, 1.6],
        (),
        "the loss keeps climbing back up between drops, yet it stays finite, never passes its start "
        "and ends below it: compare how much it climbs with how much it falls.",
    ),
    (
        [2.3, 8.0, 95.0, 4.1e3, _inf, _nan, _nan],
        (),
        "this curve ends in inf and NaN: training blew up. Every comparison with NaN is False, "
        "so a rule made only of comparisons lets NaN slip through.",
    ),
    (
        [2.3, 1.9, 1.6, _nan, _nan, _nan, _nan],
        (),
        "it fell nicely, then became NaN: one NaN is enough to call a run diverged, whatever came before.",
    ),
    (
        [2.3, 2.5, 2.8, 3.1, 3.5, 3.9, 4.4],
        (),
        "the loss rose at every epoch and ended almost twice as high as it began: it is running "
        "away, not bouncing around a level.",
    ),
    (
        [2.36, 3.71, 2.29, 2.32, 2.32, 2.32, 2.31, 2.29],
        ("diverged",),
        "a real curve at lr = 3: the loss jumped up by half in the first epoch, then sat near its "
        "start for good. That is a learning rate that is too large, not too small: look for the "
        "spike before deciding the curve barely moved.",
    ),
    (
        [2.36, 35.4, 3.25, 2.35, 2.35, 2.39, 2.35, 2.35],
        ("unstable",),
        "a real curve at lr = 10: the loss blew up fifteen-fold, then sat at its start. A learning "
        "rate far too large, even though the last loss is a hair below the first.",
    ),
    (
        [2.36, 1.72, 0.84, 0.40, 0.26, 0.18, 0.15, 0.13, 0.12],
        (),
        "a real curve at a good learning rate: a big, steady fall.",
    ),
    (
        [2.357, 2.356, 2.3568, 2.3556, 2.3566, 2.3555, 2.3562],
        (),
        "tiny wiggles on a flat curve: the climbs are a third of the movement, but each is under a "
        "thousandth of the loss, noise rather than instability, and the loss has barely moved.",
    ),
    (
        [0.9, 0.5, 0.55, 0.3, 0.32, 0.2, 0.21, 0.15],
        (),
        "a mostly falling curve with small bumps (each under a tenth of the start) that lost most "
        "of its loss: small bumps are not instability.",
    ),
    (
        [40.0, 22.0, 11.0, 6.0, 3.5, 2.2, 1.6],
        (),
        "the good shape again, at a larger scale (the loss starts at 40, as a regression's can): "
        "measure everything relative to the first loss, not against fixed numbers.",
    ),
    (
        [0.004, 0.001, 0.003, 0.0008, 0.0025, 0.0006, 0.002],
        (),
        "a bouncing curve at a small scale (the loss starts at 0.004): measure the climbs relative "
        "to the first loss, not against fixed numbers.",
    ),
]


def _curve_accepts(curve, also):
    """The labels accepted for `curve`: the library's reading plus the other sound ones."""
    return (diagnosis.classify_loss_curve(curve),) + tuple(also)


@exercise("classify_curve", off=["lrlab.diagnosis.classify_loss_curve"])
def _verify_classify_curve(call):
    for curve, also, hint in _CURVE_CASES:
        losses = np.array(curve)
        accepted = _curve_accepts(losses, also)
        where = f"classify_curve({short(losses)})"
        got = call(losses.copy())
        if not isinstance(got, str) or got not in diagnosis.DIAGNOSES:
            extra = (
                ' (this course does not say "oscillating": weights that zig-zag while they converge '
                '"converge with overshoot", and a loss curve that keeps climbing back up is "unstable")'
                if got == "oscillating"
                else ""
            )
            return (
                f"{where} returned {short(got)}; expected one of "
                f"{', '.join(map(repr, diagnosis.DIAGNOSES))}{extra}."
            )
        if got not in accepted:
            expected = " or ".join(map(repr, accepted))
            return f"{where} returned {got!r}, expected {expected}. Hint: {hint}"
    return None
