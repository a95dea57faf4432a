"""Lesson 01's exercise checker: the weight changes Keras's Adam makes, predicted from its state."""

import contextlib
import sys

import numpy as np

from lrlab.exercises import framework
from lrlab.exercises.framework import Failure, exercise, short

# ---- lesson 01: Adam's step at every step, from m, v and t --------------------------------------


def _adam_reference(gradients, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """The change Keras 3's `Adam.update_step` makes to one weight at each step t = 1, 2, ...,
    whose gradient at step t is gradients[t - 1] (defaults: `keras.optimizers.Adam`'s). Float64
    NumPy, no TensorFlow: tests/test_exercises_lesson01.py proves it equal to Keras's Adam. Off
    while the exercise is checked, like Keras's Adam."""
    m = v = 0.0
    changes = np.empty(len(gradients))
    for t, g in enumerate(np.asarray(gradients, dtype=np.float64), start=1):
        m += (g - m) * (1 - beta_1)  # as Keras writes it: m <- beta_1 m + (1 - beta_1) g
        v += (g * g - v) * (1 - beta_2)
        alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        changes[t - 1] = -alpha * m / (np.sqrt(v) + epsilon)
    return changes


# Every wrong answer in tests/test_exercises_lesson01.py differs from Keras's changes by far more
# than 1e-4 on some case, and is told why on that case. Only then are the changes held to 1e-6,
# the autograder's hidden cases' tolerance: float64 answers agree to 1e-13, float32 ones (Keras's
# own arithmetic) to about 1e-5.
_ADAM_RTOL = 1e-4
_PRECISION_RTOL = 1e-6


def _spike():
    return np.concatenate([np.zeros(999), [1.0], np.zeros(3)])


# (gradients, learning rate, how the case is named, hint). Order matters: each wrong answer
# should first fail on the case whose hint is about its mistake.
_ADAM_CASES = [
    (
        np.full(5, 2.0),
        0.01,
        "a constant gradient of 2.0",
        "with the same gradient at every step, the bias-corrected m̂ and v̂ of §4 are g and g² "
        "exactly, so every step is about α, downhill. Check the bias corrections, and which t "
        "each step uses (the first step is t = 1).",
    ),
    (
        np.full(3, -300.0),
        0.001,
        "a constant gradient of -300",
        "a large, constant, negative gradient: each step should be about α in size, and raise the "
        "weight. Adam's step does not grow with the gradient's size.",
    ),
    (
        _spike(),
        0.001,
        "999 zero gradients, a spike of 1 at t = 1000, then 3 zeros",
        "lesson 01 §4 printed Keras's step at such a spike (in units of α). After the spike the "
        "gradient is 0 again, yet m and v still hold it, so the weight keeps moving: each step "
        "depends on every gradient before it, through m, v and t carried from step to step.",
    ),
    (
        np.full(4, 1e-6),
        0.1,
        "a constant gradient of 1e-6",
        "a gradient of 1e-6 is only ten times ε = 1e-7, so ε changes the step, and by how much "
        "depends on where it enters: §4 says where Keras adds it, and what that becomes in the "
        "hat form.",
    ),
    (
        np.array([0.5, -1.5, 2.0, -0.25, 1.0, 3.0, 0.0, -0.75]),
        0.05,
        "a gradient that changes size and sign",
        "m and v follow every gradient, each with its own decay rate (β₁ for m, β₂ for v), and "
        "the step at t uses both.",
    ),
]


def _as_changes(got, where, n):
    """The answer as a float array of n changes, or a `Failure` saying what came back."""
    if hasattr(got, "numpy") and not isinstance(got, np.ndarray):  # a TensorFlow/Keras tensor
        got = got.numpy()
    if got is None or isinstance(got, (str, bytes, dict, set)) or np.iscomplexobj(got):
        raise Failure(
            f"{where} returned {type(got).__name__} {short(got)}; expected a NumPy array of "
            f"{n} weight changes, one per step."
        )
    try:
        changes = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise Failure(
            f"{where} returned {type(got).__name__} {short(got)}; expected a NumPy array of "
            f"{n} weight changes, one per step."
        ) from None
    if changes.shape != (n,):
        what = "a single number" if changes.ndim == 0 else f"shape {changes.shape}"
        raise Failure(
            f"{where} returned {what}, expected shape ({n},). Hint: return the change of the "
            "weight at every step, one per gradient, in order."
        )
    return changes


def _pattern(got, expected, gradients, lr):
    """A hint for a recognisable mistake over the whole case, or None."""
    close = lambda a, b: np.allclose(a, b, rtol=_ADAM_RTOL, atol=1e-6 * lr)
    if close(got, -expected):
        return (
            "every change has the wrong sign: a positive gradient means the loss rises with the "
            "weight, so the weight must go down (a negative change), as in §1."
        )
    if close(got, np.cumsum(expected)) or close(got[1:], np.cumsum(expected)[1:]):
        return (
            "each of your values is the sum of Keras's changes so far, that is the weight (from 0), "
            "not the change made at that step."
        )
    if close(got, expected / lr) or close(np.abs(got), np.abs(expected) / lr):
        return (
            "your values are Keras's changes measured in units of α; return the changes themselves."
        )
    if close(np.abs(got), np.abs(expected)):
        return "the sizes are right but some signs are not: the change is downhill, against the gradient."
    if not close(gradients, gradients[0]) or gradients[0] == 0:
        return None
    sgd = -lr * gradients
    if close(got, sgd) or close(np.abs(got), np.abs(sgd)):
        return (
            "your steps are α times the gradient, as SGD's are (§3). Adam divides by its running "
            "estimate of the gradient's size: with a steady gradient its step is about α, whatever "
            "the gradient's scale (§4)."
        )
    return None


def _first_problem_step(got, expected, gradients, lr, where, hint):
    """The verdict for the first step where `got` differs from Keras's change; None if none."""
    finite = np.isfinite(got)
    wrong = ~finite | ~np.isclose(got, expected, rtol=_ADAM_RTOL, atol=1e-6 * lr)
    if not wrong.any():
        return None
    k = int(np.argmax(wrong))
    step = f"step t = {k + 1} (gradient {gradients[k]:g})"
    if not finite[k]:
        if gradients[k] == 0 and not np.any(gradients[:k]):
            why = (
                "the gradient is 0 and so are m and v: 0/0. Keras's ε is there to keep the step "
                "finite (§4)."
            )
        elif k == 0:
            why = (
                "something divides by zero at the first step. Steps count from t = 1 (§4): what "
                "are the bias corrections at t = 1?"
            )
        else:
            why = hint
        return f"{where} returned {got[k]} at {step}, expected {expected[k]:.6g}. Hint: {why}"
    hint = _pattern(got, expected, gradients, lr) or hint
    returned = (
        f"returned {short(got + 0.0)}, expected {short(expected + 0.0)}: the first difference is"
        if len(got) <= 8
        else f"returned {len(got)} changes; the first that differs from Keras's is"
    )
    return (
        f"{where} {returned} at {step}, a change of {got[k]:.6g} ({got[k] / lr:.4g}α) where "
        f"Keras's Adam changes the weight by {expected[k]:.6g} ({expected[k] / lr:.4g}α). "
        f"Hint: {hint}"
    )


@contextlib.contextmanager
def _prebuilt_adams_off():
    """An Adam built before the check (in the exercise cell, say) cannot take steps during it: its
    `update_step` raises as `keras.optimizers.Adam` (off) does. Only if Keras is imported already."""
    keras = sys.modules.get("keras")
    adam = getattr(getattr(keras, "optimizers", None), "Adam", None)
    if adam is None:
        yield
        return
    saved = adam.__dict__["update_step"]
    adam.update_step = framework._raiser("keras.optimizers.Adam")
    try:
        yield
    finally:
        adam.update_step = saved


@exercise(
    "adam_steps",
    off=["keras.optimizers.Adam", "lrlab.exercises.lesson01._adam_reference"],
)
def _verify_adam_steps(call):
    answers = []
    for gradients, lr, name, hint in _ADAM_CASES:
        shown = short(gradients) if len(gradients) <= 8 else "gradients"
        where = f"adam_steps({shown}, {short(lr)}) ({name})"
        with _prebuilt_adams_off():
            got = call(gradients.copy(), lr)
        got = _as_changes(got, where, len(gradients))
        expected = _adam_reference(gradients, lr)
        problem = _first_problem_step(got, expected, gradients, lr, where, hint)
        if problem:
            return problem
        answers.append((where, got, expected))
    for where, got, expected in answers:
        if not np.allclose(got, expected, rtol=_PRECISION_RTOL, atol=1e-12):
            k = int(np.argmax(~np.isclose(got, expected, rtol=_PRECISION_RTOL, atol=1e-12)))
            return (
                f"{where}: your changes agree with Keras's Adam to about 5 significant digits, "
                f"not 6: at step t = {k + 1} you return {got[k]:.9g}, expected {expected[k]:.9g}. "
                "Hint: compute in float64 (NumPy's default), with β₁ = 0.9, β₂ = 0.999 and "
                "ε = 1e-7 exactly; float32 rounding (Keras's own) is off by this much."
            )
    return None
