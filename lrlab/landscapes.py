"""Toy loss landscapes and gradient descent on them, in NumPy (fast enough for sliders).

The quadratic bowl L(w) = sum_i c_i / 2 * w_i**2 has gradient c * w and curvatures c_i. Plain
gradient descent multiplies coordinate i by (1 - lr * c_i) each step, so it converges exactly
when |1 - lr * c_i| < 1 for every i, i.e. lr < 2 / max(c): the stability limit.

With momentum β (heavy ball, as Keras `SGD(momentum=β)` updates: v <- β v - lr * grad,
w <- w + v) each coordinate follows w_{t+1} = (1 + β - lr c) w_t - β w_{t-1}, whose iteration
matrix [[1 + β - lr c, -β], [1, 0]] has both eigenvalues inside the unit circle exactly when
lr < 2 (1 + β) / c: the limit grows by 1 + β, while on a gentle slope the step grows to
lr / (1 - β), the effective learning rate.
"""

import numpy as np

from lrlab import _validation as check

__all__ = [
    "quadratic_loss",
    "quadratic_grad",
    "gradient_descent",
    "quadratic_trajectory",
    "stability_limit",
    "heavy_ball_trajectory",
    "effective_learning_rate",
    "dominant_eigenvalue",
    "convergence_rate",
    "fastest_rate",
    "steps_to_shrink",
    "REGIMES",
    "descent_regime",
]

REGIMES = (
    "too slow",
    "converges smoothly",
    "converges with overshoot",
    "bounces forever",
    "diverges",
)


def _curvatures(curvature):
    c = np.asarray(curvature, dtype=float) if not isinstance(curvature, str) else None
    if c is None or c.ndim > 1 or c.size == 0 or not np.all(np.isfinite(c)) or np.any(c <= 0):
        check.fail(
            "curvature", "must be a positive number or a 1-D array of positive numbers", curvature
        )
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


def _momentum(momentum):
    beta = check.number("momentum", momentum)
    if not 0 <= beta < 1:
        check.fail("momentum", "must be in [0, 1)", momentum)
    return beta


def stability_limit(curvature, momentum=0.0):
    """The largest stable learning rate on the bowl: 2 (1 + momentum) / max(curvature).

    At exactly this value the iterate flips sign forever without shrinking; above it, it grows.
    Without momentum that is 2 / max(c); heavy-ball momentum β raises it by a factor 1 + β.

    >>> stability_limit(4.0)
    0.5
    >>> stability_limit([1.0, 10.0])
    0.2
    >>> round(stability_limit(4.0, momentum=0.9), 12)
    0.95
    """
    return float(2.0 * (1.0 + _momentum(momentum)) / _curvatures(curvature).max())


def heavy_ball_trajectory(x0, curvature, lr, steps, momentum=0.0):
    """Gradient descent with momentum on the bowl, updated as Keras `SGD(momentum=β)` does:
    v <- momentum * v - lr * c * x; x <- x + v, with v = 0 at the start.

    Same arguments and return shape as `quadratic_trajectory`, plus `momentum` (a Python float
    in [0, 1)); with momentum 0 it is plain gradient descent.

    >>> heavy_ball_trajectory(1.0, 1.0, 0.5, 3, momentum=0.5).tolist()
    [1.0, 0.5, 0.0, -0.25]
    """
    c = _curvatures(curvature)
    lr = check.positive("lr", lr)
    steps = check.integer("steps", steps, minimum=0)
    beta = _momentum(momentum)
    x = np.array(x0, dtype=float)
    path = np.empty((steps + 1,) + x.shape)
    path[0] = x
    velocity = np.zeros_like(x)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps):
            velocity = beta * velocity - lr * c * x
            x = x + velocity
            path[k + 1] = x
    return path


def effective_learning_rate(lr, momentum):
    """lr / (1 - momentum): the step momentum builds up on a gentle slope (a constant gradient).

    >>> round(effective_learning_rate(0.01, 0.9), 12)
    0.1
    """
    return float(check.positive("lr", lr) / (1.0 - _momentum(momentum)))


def _dominant_roots(c, lr, beta):
    """Per direction: the eigenvalue of [[1 + β - lr c, -β], [1, 0]] with the largest modulus."""
    b = 1.0 + beta - lr * c
    disc = b * b - 4.0 * beta
    sqrt = np.sqrt(np.abs(disc))
    real = np.where(b >= 0, (b + sqrt) / 2, (b - sqrt) / 2)
    return np.where(disc >= 0, real + 0j, b / 2 + 0.5j * sqrt)


def dominant_eigenvalue(curvature, lr, momentum=0.0):
    """Per direction, the eigenvalue of the iteration matrix [[1 + β - lr c, -β], [1, 0]] with
    the largest modulus (a complex number): real and positive, the direction approaches the
    minimum from one side; real and negative, it crosses the minimum every step (a zig-zag);
    complex, it swings past the minimum and back every pi / angle steps. Its modulus is the
    `convergence_rate`.

    >>> dominant_eigenvalue(4.0, 0.45)
    (-0.8+0j)
    """
    c = _curvatures(curvature)
    roots = _dominant_roots(c, check.positive("lr", lr), _momentum(momentum))
    return complex(roots) if roots.ndim == 0 else roots


def convergence_rate(curvature, lr, momentum=0.0):
    """How much the distance to the minimum shrinks per step in the long run, per direction:
    the spectral radius of the iteration (|1 - lr c| without momentum). Below 1: converges.

    Returns a float for one curvature, an array for several.

    >>> convergence_rate(4.0, 0.1)
    0.6
    >>> round(convergence_rate(4.0, 0.1, momentum=0.81), 12)
    0.9
    """
    c = _curvatures(curvature)
    rate = np.abs(_dominant_roots(c, check.positive("lr", lr), _momentum(momentum)))
    return float(rate) if rate.ndim == 0 else rate


def steps_to_shrink(rate, factor=100.0):
    """Steps until the distance has shrunk `factor`-fold at `rate` per step (inf if rate >= 1).

    >>> round(steps_to_shrink(0.1), 12)
    2.0
    """
    rate = check.non_negative("rate", rate)
    factor = check.positive("factor", factor)
    if rate >= 1:
        return float("inf")
    if rate == 0:
        return 1.0
    return float(max(np.log(factor) / -np.log(rate), 1.0))


def fastest_rate(curvature, momentum=0.0):
    """The best convergence rate per step any single learning rate reaches on the bowl at
    this momentum (the slowest direction's rate, minimised over lr).

    Without momentum it is (κ - 1) / (κ + 1), κ = max c / min c, reached at
    lr = 2 / (min c + max c). Found by a ternary search over log(lr): the slowest direction's
    rate first falls, (with momentum stays flat at sqrt(β),) then rises as lr grows.

    >>> round(fastest_rate([1.0, 20.0]), 6)
    0.904762
    """
    c = _curvatures(curvature)
    beta = _momentum(momentum)
    low, high = np.log(stability_limit(c, beta) * 1e-9), np.log(stability_limit(c, beta))

    def slowest(log_lr):
        return float(np.abs(_dominant_roots(c, np.exp(log_lr), beta)).max())

    for _ in range(100):
        a, b = low + (high - low) / 3, high - (high - low) / 3
        if slowest(a) <= slowest(b):
            high = b
        else:
            low = a
    return slowest((low + high) / 2)


def descent_regime(curvature, lr, momentum=0.0, slow=3.0):
    """Name how gradient descent (with momentum) on the bowl behaves at this learning rate.

    One of `REGIMES`, tried in this order:

    - "diverges": some direction grows (rate > 1); "bounces forever": exactly on the limit;
    - "too slow": converges, but needs more than `slow` times as many steps to get 100x closer
      to the minimum as the best learning rate for this bowl and momentum (`fastest_rate`);
    - "converges with overshoot": some direction crosses the minimum and comes back (a
      negative or complex eigenvalue: a zig-zag every step, or longer swings with momentum);
    - "converges smoothly": every direction approaches the minimum from one side.

    >>> [descent_regime([1.0, 20.0], lr) for lr in (0.005, 0.04, 0.09, 0.1, 0.12)]
    ['too slow', 'converges smoothly', 'converges with overshoot', 'bounces forever', 'diverges']
    """
    c = _curvatures(curvature)
    lr = check.positive("lr", lr)
    beta = _momentum(momentum)
    slow = check.positive("slow", slow)
    roots = _dominant_roots(c, lr, beta)
    rate = float(np.abs(roots).max())
    if rate > 1 + 1e-12:
        return "diverges"
    if rate >= 1 - 1e-12:
        return "bounces forever"
    best = steps_to_shrink(fastest_rate(c, beta))
    if steps_to_shrink(rate) > slow * best:
        return "too slow"
    if np.any((roots.real < 0) | (np.abs(roots.imag) > 0)):
        return "converges with overshoot"
    return "converges smoothly"
