"""Sharpness: the largest eigenvalue of the Hessian of a Keras model's loss (lesson 09).

Lesson 03 showed that gradient descent on a quadratic with curvature c is stable only for
learning rates below 2/c. For a network the curvature that matters is the *sharpness*, the
largest eigenvalue of the Hessian of the loss with respect to all the weights. The Hessian of
even a small MLP has millions of entries, so it is never built: power iteration needs only
Hessian-vector products, and a nested `tf.GradientTape` gives one for the price of about two
gradients (the gradient of `grad(loss) . v` is `H v`).

`SharpnessMeter` measures it repeatedly during training (warm-started from the previous
eigenvector, so each measurement takes a few products); `full_batch_gradient_descent` runs
plain gradient descent on the whole data set and records the loss at every step and the
sharpness every few steps: the edge-of-stability experiment of Cohen et al. (ICLR 2021).
"""

import dataclasses

import numpy as np

from lrlab import _validation as check

__all__ = [
    "SharpnessMeter",
    "largest_hessian_eigenvalue",
    "full_batch_gradient_descent",
    "GradientDescentRun",
]


def _loss_function(loss):
    import keras

    loss_fn = keras.losses.get(loss) if isinstance(loss, str) else loss
    if not callable(loss_fn):
        check.fail("loss", "must be a Keras loss, a loss name or a callable(y_true, y_pred)", loss)
    return loss_fn


def _power_iteration(apply, vector, iterations, tolerance):
    """(eigenvalue of largest magnitude, unit eigenvector, products used) of the symmetric
    operator `apply`, from the start `vector`. Stops when the residual |Av - λv| is at most
    `tolerance` * |λ|: for a symmetric operator some eigenvalue then lies within that distance
    of λ (a change-in-λ test can stop early and far off when the top two eigenvalues are close)."""
    vector = vector / np.linalg.norm(vector)
    value, used = 0.0, 0
    for used in range(1, iterations + 1):
        product = apply(vector)
        value = float(vector @ product)  # the Rayleigh quotient of a unit vector
        residual = np.linalg.norm(product - value * vector)
        norm = np.linalg.norm(product)
        if norm == 0:  # the operator is 0 along every direction tried: eigenvalue 0
            return 0.0, vector, used
        vector = product / norm
        if residual <= tolerance * abs(value):
            break
    return value, vector, used


class SharpnessMeter:
    """Largest Hessian eigenvalue of `loss(y, model(x))` at the model's current weights.

    Hessian-vector products use a nested `tf.GradientTape` inside one compiled `tf.function`;
    power iteration runs in NumPy (float64) on the flattened weights. Power iteration finds the
    eigenvalue of largest *magnitude*; if that one is negative, a second run on the shifted
    operator H - λI finds the largest one, which is what the sharpness is. Like any power
    iteration it can stop near the second eigenvalue when the start is almost orthogonal to the
    top eigenvector and the two are close; a tight `tolerance` avoids that, and during training
    each call starts from the previous eigenvector, which is close to the new one.

    Example:

    >>> import keras, numpy as np
    >>> x = np.array([[1.0, 0.0], [0.0, 2.0]], "float32"); y = np.zeros((2, 1), "float32")
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    >>> round(SharpnessMeter(model, "mse", x, y)(), 4)  # MSE Hessian: 2 X^T X / n = diag(1, 4)
    4.0

    Args:
        model: A built Keras model (its trainable variables are the Hessian's coordinates).
        loss: A Keras loss instance, a loss name such as "mse", or a callable(y_true, y_pred);
            per-example values are averaged.
        x, y: The data the loss is measured on (the whole training set, for full-batch GD).
        seed: A Python int: the random start of the first power iteration.

    Attributes:
        products: Hessian-vector products computed so far (the cost of the measurements).
        vector: The latest eigenvector estimate (flat, unit length); the next call starts there.
    """

    def __init__(self, model, loss, x, y, seed=0):
        import tensorflow as tf

        self.model = model
        self.loss_fn = _loss_function(loss)
        self.variables = list(model.trainable_variables)
        if not self.variables:
            check.fail("model", "must be built and have trainable weights", model)
        self.shapes = [tuple(v.shape) for v in self.variables]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.x = tf.convert_to_tensor(x)
        self.y = tf.convert_to_tensor(y)
        self.products = 0
        self._rng = np.random.default_rng(check.integer("seed", seed))
        self.vector = self._rng.standard_normal(sum(self.sizes))
        self._hvp = tf.function(self._flat_hvp)

    def loss(self):
        """The loss at the current weights, as a scalar tensor."""
        from keras import ops

        return ops.mean(self.loss_fn(self.y, self.model(self.x, training=False)))

    def _flat_hvp(self, flat):
        import tensorflow as tf

        pieces = [tf.reshape(p, s) for p, s in zip(tf.split(flat, self.sizes), self.shapes)]
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                value = self.loss()
            grads = inner.gradient(value, self.variables)
            # d/dw (grad . v) = H v, with v held constant.
            directional = tf.add_n([tf.reduce_sum(g * p) for g, p in zip(grads, pieces)])
        return tf.concat(
            [tf.reshape(h, [-1]) for h in outer.gradient(directional, self.variables)], 0
        )

    def get_flat_weights(self):
        """All trainable weights as one flat float64 NumPy array (model order)."""
        return np.concatenate([np.ravel(v.numpy()) for v in self.variables]).astype(np.float64)

    def set_flat_weights(self, flat):
        """Assign the trainable weights from one flat array (as `get_flat_weights` returns)."""
        for variable, piece in zip(
            self.variables, np.split(np.asarray(flat), np.cumsum(self.sizes)[:-1])
        ):
            variable.assign(piece.reshape(variable.shape).astype(variable.dtype))

    def gradient(self):
        """The gradient of the loss at the current weights, flat, as float64 NumPy."""
        import tensorflow as tf

        with tf.GradientTape() as tape:
            value = self.loss()
        return np.concatenate(
            [np.ravel(g.numpy()) for g in tape.gradient(value, self.variables)]
        ).astype(np.float64)

    def hessian_vector_product(self, vector):
        """H @ vector, both flat NumPy arrays over all trainable weights (in model order)."""
        dtype = self.variables[0].dtype
        self.products += 1
        return np.asarray(self._hvp(np.asarray(vector, dtype=dtype)), dtype=np.float64)

    def __call__(self, iterations=200, tolerance=1e-3):
        """The largest Hessian eigenvalue now (a Python float), warm-started from the last call.

        Args:
            iterations: A Python int >= 1: at most this many products per power iteration.
            tolerance: A Python float > 0: stop when |Hv - λv| <= tolerance * |λ| (the estimate
                is then within that fraction of an eigenvalue of H).
        """
        iterations = check.integer("iterations", iterations, minimum=1)
        tolerance = check.positive("tolerance", tolerance)
        value, self.vector, _ = _power_iteration(
            self.hessian_vector_product, self.vector, iterations, tolerance
        )
        if (
            value < 0
        ):  # the largest-magnitude eigenvalue is negative: find the top one of H - value*I
            start = self._rng.standard_normal(len(self.vector))
            shifted, _, _ = _power_iteration(
                lambda v: self.hessian_vector_product(v) - value * v, start, iterations, tolerance
            )
            return float(shifted + value)
        return float(value)


def largest_hessian_eigenvalue(model, loss, x, y, iterations=1000, tolerance=1e-5, seed=0):
    """The sharpness of `loss(y, model(x))` at the model's current weights (a Python float).

    One-off form of `SharpnessMeter(model, loss, x, y, seed)(iterations, tolerance)`.
    """
    return SharpnessMeter(model, loss, x, y, seed=seed)(iterations, tolerance)


@dataclasses.dataclass
class GradientDescentRun:
    """What `full_batch_gradient_descent` recorded.

    Attributes:
        learning_rate: The (constant) learning rate α.
        losses: The full-batch loss before each step and after the last: shape (steps + 1,).
        sharpness_steps: The steps at which the sharpness was measured (0, every, 2*every, ...).
        sharpness: The largest Hessian eigenvalue at those steps.
        products: The Hessian-vector products all the measurements took.
    """

    learning_rate: float
    losses: np.ndarray
    sharpness_steps: np.ndarray
    sharpness: np.ndarray
    products: int = 0

    @property
    def stability_limit(self):
        """2/α: the largest curvature gradient descent at this learning rate is stable on."""
        return 2.0 / self.learning_rate


def full_batch_gradient_descent(
    model, loss, x, y, *, learning_rate, steps, measure_every=10, iterations=50, tolerance=2e-2
):
    """Train `model` by gradient descent on all of (x, y) at once, measuring its sharpness.

    Each step is one `keras.optimizers.SGD(learning_rate)` update (no momentum) with the gradient
    of the loss over the whole data set. The loss is recorded before every step and after the
    last; the sharpness (warm-started power iteration) at steps 0, `measure_every`, ...

    Args:
        model: A built Keras model; it is trained in place.
        loss: A Keras loss, loss name or callable(y_true, y_pred).
        x, y: The whole training set.
        learning_rate: A Python float > 0.
        steps: A Python int >= 1: gradient-descent steps.
        measure_every: A Python int >= 1: steps between sharpness measurements.
        iterations, tolerance: Passed to `SharpnessMeter.__call__` at each measurement.

    Returns:
        A `GradientDescentRun`.
    """
    import keras
    import tensorflow as tf

    learning_rate = check.positive("learning_rate", learning_rate)
    steps = check.integer("steps", steps, minimum=1)
    every = check.integer("measure_every", measure_every, minimum=1)
    meter = SharpnessMeter(model, loss, x, y)
    optimizer = keras.optimizers.SGD(learning_rate)
    optimizer.build(meter.variables)

    @tf.function
    def run_steps(n):
        # n gradient-descent steps in one compiled loop; the loss before each of them.
        losses = tf.TensorArray(tf.float32, size=n)
        for i in tf.range(n):
            with tf.GradientTape() as tape:
                value = meter.loss()
            optimizer.apply(tape.gradient(value, meter.variables), meter.variables)
            losses = losses.write(i, tf.cast(value, tf.float32))
        return losses.stack()

    losses, measured_at, sharpness = [], [], []
    for start in range(0, steps, every):
        measured_at.append(start)
        sharpness.append(meter(iterations, tolerance))
        losses.extend(run_steps(tf.constant(min(every, steps - start))).numpy().tolist())
    if steps % every == 0:
        measured_at.append(steps)
        sharpness.append(meter(iterations, tolerance))
    losses.append(float(meter.loss()))
    return GradientDescentRun(
        learning_rate, np.array(losses), np.array(measured_at), np.array(sharpness), meter.products
    )
