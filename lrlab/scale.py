"""The learning rate and the network's scale, in NumPy: the effective learning rate of a layer
followed by a normalization, the update-to-weight ratio, the equilibrium that weight decay
reaches, and the per-layer rules of the maximal-update parametrization (μP) for Adam.

Pure NumPy (no TensorFlow), like `lrlab.schedules`: `lrlab.keras_scale` builds the Keras models,
optimizers and the `UpdateRatioRecorder` callback on these formulas, and lesson 10's exercise
checker takes its expected values from here.
"""

import math

import numpy as np

from lrlab import _validation as check

__all__ = [
    "NORMALIZATIONS",
    "PARAMETRIZATIONS",
    "effective_learning_rate",
    "update_ratio",
    "equilibrium_update_ratio",
    "exponential_learning_rate",
    "parametrization_rules",
]

NORMALIZATIONS = ("layer", "batch")
PARAMETRIZATIONS = ("sp", "mup")


def _matrix(name, value):
    """A finite 2-D float array (a Dense kernel, shape (fan_in, units)), or raise."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        check.fail(name, "must be a 2-D array of numbers (a Dense kernel)", value)
    if array.ndim != 2 or array.size == 0:
        check.fail(name, "must be a non-empty 2-D array (a Dense kernel)", value)
    if not np.all(np.isfinite(array)):
        check.fail(name, "must be finite", value)
    return array


def effective_learning_rate(learning_rate, kernel, normalization="layer"):
    """The effective learning rate of a bias-free Dense layer followed by a normalization.

    The loss does not change when the weights a normalization divides out are scaled, so a
    plain gradient step of size `learning_rate` turns them by the angle an identical step of
    `learning_rate / |w|**2` would on the same weights scaled to norm 1:

    ```python
    learning_rate / np.sum(kernel**2)          # "layer": LayerNormalization, the whole kernel
    learning_rate / np.sum(kernel**2, axis=0)  # "batch": BatchNormalization, each unit's column
    ```

    LayerNormalization divides each example's pre-activations by their spread across units, so
    only a common scale of the whole kernel cancels; BatchNormalization divides each unit by its
    spread across the batch, so each unit's column of the kernel (Keras stores a Dense kernel as
    (fan_in, units)) cancels on its own.

    Example:

    >>> effective_learning_rate(0.1, [[3.0, 0.0], [0.0, 4.0]])
    0.004
    >>> effective_learning_rate(0.1, [[3.0, 0.0], [0.0, 4.0]], "batch").round(5)
    array([0.01111, 0.00625])

    Args:
        learning_rate: A Python float. Must be positive: the optimizer's learning rate.
        kernel: A 2-D array of shape (fan_in, units), the Dense layer's kernel; not all zero
            (for "batch": no column all zero).
        normalization: "layer" (LayerNormalization) or "batch" (BatchNormalization).

    Returns:
        A Python float for "layer"; a NumPy array of `units` floats for "batch".

    Raises:
        ValueError: if an argument is out of range.
    """
    lr = check.positive("learning_rate", learning_rate)
    weights = _matrix("kernel", kernel)
    if normalization not in NORMALIZATIONS:
        check.fail("normalization", f"must be one of {NORMALIZATIONS}", normalization)
    squared = np.sum(weights**2, axis=0 if normalization == "batch" else None)
    if np.any(squared == 0):
        check.fail(
            "kernel", "must not be all zero (nor have a column of zeros, for 'batch')", kernel
        )
    return lr / squared if normalization == "batch" else float(lr / squared)


def update_ratio(before, after, ord="fro"):
    """The update-to-weight ratio |after - before| / |before| of one weight tensor.

    CS231n's sanity check for a learning rate: about 1e-3 per step is a common range (for the
    Frobenius norm; the number depends on the norm and, lesson 10 shows, on the width).

    Example:

    >>> update_ratio([[3.0, 4.0]], [[3.0, 4.5]])
    0.1

    Args:
        before: An array of numbers, not all zero: the weights before the update(s).
        after: An array of the same shape: the weights after.
        ord: "fro" (the Frobenius norm: the square root of the sum of squares, default) or 2
            (the spectral norm, the largest singular value; 2-D arrays only).

    Returns:
        A Python float >= 0.

    Raises:
        ValueError: on shapes that differ, weights all zero, or another `ord`.
    """
    old, new = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if old.shape != new.shape:
        check.fail("after", f"must have the shape of `before`, {old.shape}", new.shape)
    if ord == "fro":
        norm = lambda a: float(np.sqrt(np.sum(a**2)))
    elif ord == 2 and old.ndim == 2:
        norm = lambda a: float(np.linalg.norm(a, ord=2))
    else:
        check.fail("ord", "must be 'fro', or 2 for a 2-D array", ord)
    size = norm(old)
    if size == 0 or not math.isfinite(size):
        check.fail("before", "must be finite and not all zero", before)
    return norm(new - old) / size


def equilibrium_update_ratio(learning_rate, weight_decay):
    """The update-to-weight ratio per step at which plain SGD with weight decay holds the norm
    of scale-invariant weights still: sqrt(2 * learning_rate * weight_decay).

    Keras's SGD (no momentum) with `weight_decay=wd` takes w <- (1 - lr*wd) w - lr*g. For
    weights a normalization divides out, g is orthogonal to w, so
    |w'|**2 = (1 - lr*wd)**2 |w|**2 + lr**2 |g|**2; the norm stands still when the second term
    makes up for the first, and then the whole update d = -lr*wd*w - lr*g has
    |d|**2 / |w|**2 = (lr*wd)**2 + 1 - (1 - lr*wd)**2 = 2*lr*wd exactly, whatever the gradient.
    (van Laarhoven 2017; Zhang et al. 2019. To first order in lr*wd it is the angle w turns by
    per step, the "angular update" of Wan et al. 2021, "Spherical motion dynamics", who derive
    sqrt(2*lr*wd / (1 + beta)) with momentum beta; momentum is not implemented here.)

    Example:

    >>> round(equilibrium_update_ratio(0.1, 0.02), 6)
    0.063246

    Args:
        learning_rate: A Python float. Must be positive.
        weight_decay: A Python float. Must be positive (without decay the norm only grows).

    Returns:
        A Python float.
    """
    lr = check.positive("learning_rate", learning_rate)
    wd = check.positive("weight_decay", weight_decay)
    if lr * wd >= 1:
        check.fail("weight_decay", f"must be < 1 / learning_rate = {1 / lr:g}", weight_decay)
    return math.sqrt(2 * lr * wd)


def exponential_learning_rate(step, learning_rate, weight_decay):
    """The learning rate at `step` of a run WITHOUT weight decay that reproduces plain gradient
    descent WITH it, on scale-invariant weights (Li & Arora 2020):

    ```python
    learning_rate * (1 - learning_rate * weight_decay) ** (-2 * step - 1)
    ```

    With decay, w_t = (1 - lr*wd)**t * v_t, where v follows gradient descent without decay at
    this exponentially growing learning rate (the loss sees only the direction, so the two runs
    have the same loss at every step).

    Example:

    >>> exponential_learning_rate(0, 0.1, 0.5)
    0.10526315789473684

    Args:
        step: A step count (0 for the first step) or an array of them, >= 0.
        learning_rate: A Python float. Must be positive.
        weight_decay: A Python float >= 0, with learning_rate * weight_decay < 1.

    Returns:
        A Python float for a scalar step; a NumPy array for an array of steps.
    """
    steps, scalar = check.counter("step", step)
    lr = check.positive("learning_rate", learning_rate)
    wd = check.non_negative("weight_decay", weight_decay)
    if lr * wd >= 1:
        check.fail("weight_decay", f"must be < 1 / learning_rate = {1 / lr:g}", weight_decay)
    rates = lr * (1 - lr * wd) ** (-2 * steps - 1)
    return float(rates) if scalar else rates


def parametrization_rules(width, base_width, parametrization="mup"):
    """The per-layer rules of an MLP trained with Adam, standard (SP) or μP (Yang et al. 2022,
    "Tensor Programs V", Table 8, relative to a base width, as its `mup` package does).

    With m = width / base_width, hidden width `width`, He initialisation (std sqrt(2/fan_in))
    for the ReLU layers and one Adam learning rate lr:

    | layer | init std | Adam LR | forward |
    |---|---|---|---|
    | input (and every bias) | sqrt(2/fan_in) | lr | W x |
    | hidden (width x width) | sqrt(2/fan_in) | lr / m in μP, lr in SP | W x |
    | output (width -> classes) | sqrt(1/base_width) in μP, sqrt(1/width) in SP | lr | (W x) / m in μP |

    At width == base_width both parametrizations are the same network and the same optimizer.
    In μP the output layer's weights keep one size at every width and the multiplier 1/m
    shrinks the logits, so the network starts near the same function at every width and each
    layer's update changes its output by about the same amount whatever the width.

    Example:

    >>> rules = parametrization_rules(128, 32)
    >>> rules["hidden"]["lr_multiplier"], rules["output_multiplier"]
    (0.25, 0.25)

    Args:
        width: A Python int >= 1: the hidden width.
        base_width: A Python int >= 1: the width at which the LR is tuned.
        parametrization: "mup" (default) or "sp".

    Returns:
        A dict: "width_multiplier" m; "output_multiplier"; and for "input", "hidden" and
        "output", a dict {"init_std": float or "sqrt(2/fan_in)", "lr_multiplier": float}.
    """
    n = check.integer("width", width, minimum=1)
    n0 = check.integer("base_width", base_width, minimum=1)
    if parametrization not in PARAMETRIZATIONS:
        check.fail("parametrization", f"must be one of {PARAMETRIZATIONS}", parametrization)
    m = n / n0
    mup = parametrization == "mup"
    he = "sqrt(2/fan_in)"
    return {
        "width_multiplier": m,
        "input": {"init_std": he, "lr_multiplier": 1.0},
        "hidden": {"init_std": he, "lr_multiplier": 1 / m if mup else 1.0},
        "output": {"init_std": math.sqrt(1 / (n0 if mup else n)), "lr_multiplier": 1.0},
        "output_multiplier": 1 / m if mup else 1.0,
    }
