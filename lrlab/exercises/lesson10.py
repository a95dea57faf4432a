"""Lesson 10's exercise checker: the effective learning rate of a Dense layer followed by a
LayerNormalization (one number) or a BatchNormalization (one per unit)."""

import numpy as np

from lrlab import scale
from lrlab.exercises.framework import as_number, exercise, mismatch, short

# ---- lesson 10: the effective learning rate of a normalized layer ------------------------------

_NOT_SQUARED = (
    "the step turns the weights by about (learning rate x gradient) / |w|, and the gradient "
    "itself shrinks as 1/|w| (section 1): how many powers of the norm is that?"
)
_LAYER_IS_ONE_NUMBER = (
    "LayerNormalization divides out only a common scale of the whole kernel (section 1 scaled "
    "one unit's column and the loss changed), so the layer has one effective learning rate: "
    "return one number."
)
_BATCH_IS_PER_UNIT = (
    "BatchNormalization normalizes each unit on its own, so each unit's weights are "
    "scale-invariant on their own (section 1): return one effective learning rate per unit."
)
_COLUMNS = (
    "Keras stores a Dense kernel as (fan_in, units): a unit's weights are a column, "
    "kernel[:, j], not a row."
)

# (learning_rate, kernel, normalization, what the case is, hint when nothing more specific fits).
# The kernels are not square where rows and columns must be told apart by shape, square where by
# value, with negative entries (a sum of entries is not a squared norm) and norms far from 1.
_CASES = [
    (
        0.1,
        np.array([[0.5, -1.0], [2.0, 0.0], [-1.0, 0.5]]),
        "layer",
        "a 3x2 kernel before a LayerNormalization",
        "the effective learning rate is the learning rate over the squared norm of all the "
        "weights the normalization divides out.",
    ),
    (
        0.1,
        np.array([[0.5, -1.0], [2.0, 0.0], [-1.0, 0.5]]),
        "batch",
        "the same 3x2 kernel before a BatchNormalization",
        _BATCH_IS_PER_UNIT,
    ),
    (
        0.004,
        np.array([[3.0, -0.2, 1.0], [0.0, 0.4, -2.0], [4.0, 0.1, 2.0]]),
        "batch",
        "a square kernel before a BatchNormalization (rows and columns have the same length)",
        _COLUMNS,
    ),
    (
        0.3,
        np.array([[30.0, -40.0], [0.0, 50.0], [-20.0, 10.0], [10.0, 0.0]]),
        "layer",
        "a kernel of large weights (norm about 76) before a LayerNormalization",
        "a kernel whose norm has grown far above 1 has a much smaller effective learning rate.",
    ),
    (
        2e-4,
        np.array([[0.01, -0.02, 0.005, 0.0], [0.0, 0.01, -0.01, 0.02]]),
        "batch",
        "a kernel of small weights (norms about 0.01 to 0.02) before a BatchNormalization",
        "a kernel whose weights are small has a much larger effective learning rate.",
    ),
]


def _expected(lr, kernel, normalization):
    return scale.effective_learning_rate(lr, kernel, normalization)


def _candidates(lr, kernel, normalization):
    """{what a tempting wrong reading computes: its value} for this case."""
    squares = kernel**2
    layer, batch = normalization == "layer", normalization == "batch"
    found = {
        _NOT_SQUARED: lr / np.sqrt(squares.sum(axis=0 if batch else None)),
        "the learning rate is divided by the squared norm, not multiplied by it.": lr
        * squares.sum(axis=0 if batch else None),
        "a squared norm is the sum of the squared weights, not their mean.": lr
        / squares.mean(axis=0 if batch else None),
        "the squared norm sums the squares of the weights, not the weights themselves.": lr
        / np.abs(kernel.sum(axis=0 if batch else None)),
    }
    if batch:
        found[_COLUMNS] = lr / squares.sum(axis=1)
    if layer:
        found[_LAYER_IS_ONE_NUMBER] = lr / squares.sum(axis=0)
    else:
        found[_BATCH_IS_PER_UNIT] = lr / squares.sum()
    return found


def _hint(lr, kernel, normalization, got, fallback):
    for hint, value in _candidates(lr, kernel, normalization).items():
        value = np.asarray(value, dtype=float)
        if value.shape == got.shape and np.allclose(got, value, rtol=1e-6, atol=0):
            return hint
    return fallback


def _verdict(got, lr, kernel, normalization, where, hint):
    """None if `got` is the effective learning rate of this case, else the verdict."""
    expected = _expected(lr, kernel, normalization)
    if normalization == "layer":
        if np.ndim(got) > 0 and np.size(got) > 1:
            return (
                f"{where} returned {np.size(got)} numbers, {short(np.asarray(got))}; expected one. "
                f"Hint: {_LAYER_IS_ONE_NUMBER}"
            )
        value = as_number(got, where)
        if np.isclose(value, expected, rtol=1e-6, atol=0):
            return None
        return mismatch(
            where, expected, value, _hint(lr, kernel, normalization, np.asarray(value), hint)
        )
    try:
        array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"{where} returned {type(got).__name__} {short(got)}; expected an array."
    if array.shape != expected.shape:
        if array.size == 1:
            return (
                f"{where} returned one number, {short(got)}; expected {expected.size}, one per "
                f"unit. Hint: {_BATCH_IS_PER_UNIT}"
            )
        if array.shape == (kernel.shape[0],):
            return (
                f"{where} returned {array.size} numbers, one per row; expected {expected.size}, "
                f"one per unit. Hint: {_COLUMNS}"
            )
        return f"{where} returned shape {array.shape}, expected {expected.shape}. Hint: {hint}"
    if np.allclose(array, expected, rtol=1e-6, atol=0):
        return None
    return mismatch(where, expected, array, _hint(lr, kernel, normalization, array, hint))


@exercise("effective_learning_rate", off=["lrlab.scale.effective_learning_rate"])
def _verify_effective_learning_rate(call):
    for lr, kernel, normalization, label, hint in _CASES:
        where = f"effective_learning_rate({lr:g}, kernel, {normalization!r}) on {label}"
        got = call(lr, kernel.copy(), normalization)
        problem = _verdict(got, lr, kernel, normalization, where, hint)
        if problem:
            return problem
    return None
