"""Lesson 03's exercise checkers: the stability limit, and naming a loss curve."""

import math

import numpy as np

from lrlab import diagnosis, landscapes
from lrlab.exercises.framework import (
    as_number,
    describe_call,
    exercise,
    mismatch,
    short,
)

# ---- lesson 03: the stability limit -------------------------------------------------------------

_STABLE_LR_CURVATURES = (1.0, 4.0, 0.25, 50.0)


def _stable_lr_hint(lr, c):
    """What the student's learning rate does on L(w) = c/2 w², in the lesson's words."""
    if lr <= 0:
        return "a learning rate must be positive: a zero or negative one never moves towards the minimum."
    factor = 1 - lr * c
    said = f"at lr = {lr:.6g} and c = {c:g}, one step multiplies w by 1 - lr·c = {factor:+.4g}"
    if abs(factor) < 1:
        where = (
            " That is where w lands on the minimum in one step; a little above it, w overshoots "
            "but still converges."
            if abs(factor) < 1e-9
            else ""
        )
        return (
            f"{said}, whose size is below 1: this learning rate converges, and so do somewhat "
            f"larger ones.{where} The limit is the learning rate at which that size reaches 1."
        )
    return (
        f"{said}, whose size is above 1: this learning rate diverges, so the limit is smaller. "
        "Check how your answer changes with c: a steeper bowl needs smaller steps."
    )


@exercise("largest_stable_lr", off=["lrlab.landscapes.stability_limit"])
def _verify_largest_stable_lr(call):
    for c in _STABLE_LR_CURVATURES:
        where = describe_call("largest_stable_lr", (c,))
        got = as_number(call(c), where)
        expected = landscapes.stability_limit(c)
        if not math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-12):
            return mismatch(where, expected, got, _stable_lr_hint(got, c))
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
