"""Toy loss landscapes and plain gradient descent on them, in NumPy (fast enough for sliders).

The quadratic bowl f(x) = sum_i c_i / 2 * x_i**2 has gradient c * x and curvatures c_i. Gradient
descent multiplies coordinate i by (1 - lr * c_i) each step, so it converges exactly when
|1 - lr * c_i| < 1 for every i, i.e. lr < 2 / max(c): the stability limit.
"""

import numpy as np

from lrlab import _validation as check

__all__ = [
    "quadratic_loss",
    "quadratic_grad",
    "gradient_descent",
    "quadratic_trajectory",
    "stability_limit",
]


def _curvatures(curvature):
    c = np.asarray(curvature, dtype=float) if not isinstance(curvature, str) else None
    if c is None or c.ndim > 1 or c.size == 0 or not np.all(np.isfinite(c)) or np.any(c <= 0):
        check.fail("curvature", "must be a positive number or a 1-D array of positive numbers", curvature)
    return c


def quadratic_loss(x, curvature):
    """Loss of the bowl sum(c/2 * x**2); `x` is a point (or the last axis of many points).

    >>> quadratic_loss([1.0, 2.0], [2.0, 0.5])
    2.0
    """
    c = _curvatures(curvature)
    x = np.asarray(x, dtype=float)
    loss = 0.5 * c * x**2
    return float(loss.sum()) if loss.ndim <= 1 else loss.sum(axis=-1)


def quadratic_grad(x, curvature):
    """Gradient c * x of the bowl; same shape as `x`.

    >>> quadratic_grad(3.0, 2.0)
    6.0
    """
    c = _curvatures(curvature)
    g = c * np.asarray(x, dtype=float)
    return float(g) if g.ndim == 0 else g


def gradient_descent(grad_fn, x0, lr, steps):
    """Run `steps` plain gradient-descent updates x <- x - lr * grad_fn(x).

    Args:
        grad_fn: A callable mapping a point to its gradient (same shape).
        x0: A float (1-D problem) or 1-D array (a point in several dimensions).
        lr: A Python float. Must be positive.
        steps: A Python int >= 0.

    Returns:
        The trajectory, x0 first: shape (steps + 1,) for a scalar x0, (steps + 1, dim) otherwise.
        Once it overflows, the remaining entries are inf or nan, as real divergence looks.

    >>> gradient_descent(lambda x: 2 * x, 1.0, 0.25, 2).tolist()
    [1.0, 0.5, 0.25]
    """
    if not callable(grad_fn):
        check.fail("grad_fn", "must be callable", grad_fn)
    lr = check.positive("lr", lr)
    steps = check.integer("steps", steps, minimum=0)
    try:
        x = np.array(x0, dtype=float)
    except (TypeError, ValueError):
        check.fail("x0", "must be a number or a 1-D array of numbers", x0)
    if x.ndim > 1 or not np.all(np.isfinite(x)):
        check.fail("x0", "must be a finite number or a 1-D array of finite numbers", x0)
    path = np.empty((steps + 1,) + x.shape)
    path[0] = x
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps):
            x = x - lr * np.asarray(grad_fn(x), dtype=float)
            path[k + 1] = x
    return path


def quadratic_trajectory(x0, curvature, lr, steps):
    """Closed form of `gradient_descent` on the bowl: x_k = x0 * (1 - lr * c)**k.

    Same arguments and return shape as `gradient_descent`; about ten times faster, for widgets.

    >>> quadratic_trajectory(1.0, 2.0, 0.25, 2).tolist()
    [1.0, 0.5, 0.25]
    """
    c = _curvatures(curvature)
    lr = check.positive("lr", lr)
    steps = check.integer("steps", steps, minimum=0)
    x0 = np.asarray(x0, dtype=float)
    k = np.arange(steps + 1).reshape((-1,) + (1,) * x0.ndim)
    with np.errstate(over="ignore", invalid="ignore"):
        return x0 * (1.0 - lr * c) ** k


def stability_limit(curvature):
    """The largest stable learning rate for gradient descent on the bowl: 2 / max(curvature).

    At exactly this value the iterate flips sign forever without shrinking; above it, it grows.

    >>> stability_limit(4.0)
    0.5
    >>> stability_limit([1.0, 10.0])
    0.2
    """
    return float(2.0 / _curvatures(curvature).max())
