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
    "norm_trajectory",
    "equilibrium_norm",
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


def norm_trajectory(steps, learning_rate, weight_decay, gradient_norm, start_norm):
    """The norm |w_t| of scale-invariant weights under Keras's SGD with weight decay, step by
    step, in the model where the gradient at unit norm keeps one size G = `gradient_norm`.

    For weights a normalization divides out, the gradient is orthogonal to w and its size is
    |∇L(w)| = |∇L(ŵ)| / |w|; this model holds |∇L(ŵ)| at G. Then Keras's update
    w <- (1 - lr*wd) w - lr ∇L(w) changes the squared norm s = |w|**2 by Pythagoras:

    ```python
    s[t + 1] = rho * rho * s[t] + (lr * lr * G * G) / s[t]     # rho = 1 - lr * wd
    norms = np.sqrt(s)                                         # s[0] = start_norm**2
    ```

    The effective learning rate is `learning_rate / norms**2`. With weight decay the norm goes
    to `equilibrium_norm`; without (wd = 0) it grows for ever, s[t]**2 gaining about
    2 lr**2 G**2 a step.

    Example:

    >>> (norm_trajectory(2, 0.1, 0.0, 3.0, 1.0) ** 2).round(4)  # 1 + 0.09, then + 0.09 / 1.09
    array([1.    , 1.09  , 1.1726])

    Args:
        steps: A Python int >= 0: the number of steps.
        learning_rate: A Python float. Must be positive.
        weight_decay: A Python float >= 0, with learning_rate * weight_decay < 1.
        gradient_norm: A Python float. Must be positive: G, the gradient's size at unit norm.
        start_norm: A Python float. Must be positive: |w_0|.

    Returns:
        A NumPy array of steps + 1 floats: |w_0|, ..., |w_steps|.

    Raises:
        ValueError: naming the argument out of range.
    """
    n = check.integer("steps", steps)
    lr = check.positive("learning_rate", learning_rate)
    wd = check.non_negative("weight_decay", weight_decay)
    if lr * wd >= 1:
        check.fail("weight_decay", f"must be < 1 / learning_rate = {1 / lr:g}", weight_decay)
    g = check.positive("gradient_norm", gradient_norm)
    start = check.positive("start_norm", start_norm)
    rho = 1 - lr * wd
    # Python floats, in the order the explorer's JavaScript computes them: the same numbers.
    squared = [start * start]
    for _ in range(n):
        squared.append(rho * rho * squared[-1] + (lr * lr * g * g) / squared[-1])
    return np.sqrt(np.array(squared))


def equilibrium_norm(learning_rate, weight_decay, gradient_norm):
    """The norm at which `norm_trajectory` stands still: weight decay's shrink balances the
    gradient steps' growth.

    Setting s[t + 1] = s[t] = s in `norm_trajectory`'s recursion, s**2 (1 - rho**2) =
    lr**2 G**2, with 1 - rho**2 = lr*wd (2 - lr*wd):

    ```python
    np.sqrt(lr * G / np.sqrt(lr * wd * (2 - lr * wd)))
    ```

    So the effective learning rate there, lr / |w|**2 = sqrt(lr*wd (2 - lr*wd)) / G, depends
    on the product lr*wd only: lr and wd with the same product settle at the same effective
    learning rate, with norms in the ratio (lr / wd)**(1/4). Near it, each step multiplies the
    gap s - s* by 2 rho**2 - 1 = 1 - 2 lr*wd (2 - lr*wd), about 1 - 4 lr*wd.

    Example:

    >>> round(equilibrium_norm(0.1, 0.1, 5.0), 4)
    1.8827
    >>> round(0.1 / equilibrium_norm(0.1, 0.1, 5.0) ** 2, 6) == round(
    ...     0.4 / equilibrium_norm(0.4, 0.025, 5.0) ** 2, 6)
    True

    Args:
        learning_rate: A Python float. Must be positive.
        weight_decay: A Python float. Must be positive (without decay there is no equilibrium),
            with learning_rate * weight_decay < 1.
        gradient_norm: A Python float. Must be positive: G, the gradient's size at unit norm.

    Returns:
        A Python float.

    Raises:
        ValueError: naming the argument out of range.
    """
    lr = check.positive("learning_rate", learning_rate)
    wd = check.positive("weight_decay", weight_decay)
    if lr * wd >= 1:
        check.fail("weight_decay", f"must be < 1 / learning_rate = {1 / lr:g}", weight_decay)
    g = check.positive("gradient_norm", gradient_norm)
    return math.sqrt(lr * g / math.sqrt(lr * wd * (2 - lr * wd)))


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
