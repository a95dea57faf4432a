"""Sharpness: the largest eigenvalue of the Hessian of a Keras model's loss (lesson 09).

Lesson 03 showed that gradient descent on a quadratic with curvature c is stable only for
learning rates below 2/c. For a network the curvature that matters is the *sharpness*, the
largest eigenvalue of the Hessian of the loss with respect to all the weights. The Hessian of
even a small MLP has millions of entries, so it is never built: power iteration needs only
Hessian-vector products, and a nested `tf.GradientTape` gives one for the price of about two
gradients (the gradient of `grad(loss) . v` is `H v`).

`SharpnessMeter` measures it repeatedly during training (warm-started from the previous
eigenvector, so each measurement takes a few products); `full_batch_gradient_descent` runs
plain gradient descent (optionally with heavy-ball momentum) on the whole data set and records
the loss at every step and the sharpness every few steps: the edge-of-stability experiment of
Cohen et al. (ICLR 2021). `full_batch_adam` does the same for Adam and records the
*preconditioned* sharpness, whose limit is (2 + 2 beta_1) / ((1 - beta_1) lr) (Cohen et al.,
"Adaptive gradient methods at the edge of stability", 2022).
"""

import dataclasses

import numpy as np

from lrlab import _validation as check

__all__ = [
    "SharpnessMeter",
    "largest_hessian_eigenvalue",
    "full_batch_gradient_descent",
    "full_batch_adam",
    "GradientDescentRun",
    "AdamRun",
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

    def __call__(self, iterations=200, tolerance=1e-3, scale=None):
        """The largest Hessian eigenvalue now (a Python float), warm-started from the last call.

        Args:
            iterations: A Python int >= 1: at most this many products per power iteration.
            tolerance: A Python float > 0: stop when |Hv - λv| <= tolerance * |λ| (the estimate
                is then within that fraction of an eigenvalue of H).
            scale: None, or a flat positive NumPy array s (one entry per weight): then the
                largest eigenvalue of diag(s) H diag(s) instead, which for s = P**-0.5 is the
                *preconditioned* sharpness, the largest eigenvalue of P^-1 H.
        """
        iterations = check.integer("iterations", iterations, minimum=1)
        tolerance = check.positive("tolerance", tolerance)
        if scale is None:
            product = self.hessian_vector_product
        else:
            scale = np.asarray(scale, dtype=np.float64)
            if scale.shape != self.vector.shape or not np.all(scale > 0):
                check.fail("scale", f"must be {len(self.vector)} positive numbers", scale)

            def product(v):
                return scale * self.hessian_vector_product(scale * v)

        value, self.vector, _ = _power_iteration(product, self.vector, iterations, tolerance)
        if (
            value < 0
        ):  # the largest-magnitude eigenvalue is negative: find the top one of H - value*I
            start = self._rng.standard_normal(len(self.vector))
            shifted, _, _ = _power_iteration(
                lambda v: product(v) - value * v, start, iterations, tolerance
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
    momentum: float = 0.0

    @property
    def stability_limit(self):
        """2(1 + β)/α: the largest curvature gradient descent at this learning rate (with
        heavy-ball momentum β) is stable on; 2/α without momentum."""
        return 2.0 * (1.0 + self.momentum) / self.learning_rate


@dataclasses.dataclass
class AdamRun(GradientDescentRun):
    """What `full_batch_adam` recorded: as `GradientDescentRun`, but `sharpness` is the
    preconditioned sharpness (the largest eigenvalue of P^-1 H, P = sqrt(v_hat) + epsilon) and
    `momentum` is Adam's beta_1."""

    @property
    def stability_limit(self):
        """(2 + 2 beta_1) / ((1 - beta_1) α): 38/α at beta_1 = 0.9. With P frozen, Adam on a
        quadratic is heavy ball with learning rate (1 - beta_1) α on P^-1 H."""
        return (2.0 + 2.0 * self.momentum) / ((1.0 - self.momentum) * self.learning_rate)


def full_batch_gradient_descent(
    model,
    loss,
    x,
    y,
    *,
    learning_rate,
    steps,
    measure_every=10,
    iterations=50,
    tolerance=2e-2,
    momentum=0.0,
):
    """Train `model` by gradient descent on all of (x, y) at once, measuring its sharpness.

    Each step is one `keras.optimizers.SGD(learning_rate, momentum=momentum)` update with the
    gradient of the loss over the whole data set. The loss is recorded before every step and
    after the last; the sharpness (warm-started power iteration) at steps 0, `measure_every`, ...

    Args:
        model: A built Keras model; it is trained in place.
        loss: A Keras loss, loss name or callable(y_true, y_pred).
        x, y: The whole training set.
        learning_rate: A Python float > 0.
        steps: A Python int >= 1: gradient-descent steps.
        measure_every: A Python int >= 1: steps between sharpness measurements.
        iterations, tolerance: Passed to `SharpnessMeter.__call__` at each measurement.
        momentum: A Python float in [0, 1): Keras's heavy-ball momentum (0: plain descent).

    Returns:
        A `GradientDescentRun`.
    """
    import keras

    learning_rate = check.positive("learning_rate", learning_rate)
    momentum = float(check.number("momentum", momentum))
    if not 0 <= momentum < 1:
        check.fail("momentum", "must be in [0, 1)", momentum)
    optimizer = keras.optimizers.SGD(learning_rate, momentum=momentum)
    losses, measured_at, sharpness, products = _full_batch(
        model,
        loss,
        x,
        y,
        optimizer,
        steps,
        measure_every,
        lambda meter: meter(iterations, tolerance),
    )
    return GradientDescentRun(
        learning_rate, losses, measured_at, sharpness, products, momentum=momentum
    )


def full_batch_adam(
    model,
    loss,
    x,
    y,
    *,
    learning_rate,
    steps,
    measure_every=10,
    iterations=50,
    tolerance=2e-2,
    beta_1=0.9,
    beta_2=0.999,
    epsilon=1e-7,
):
    """Train `model` by full-batch `keras.optimizers.Adam`, measuring its preconditioned sharpness.

    Keras's Adam step is lr * m_hat / P with P = sqrt(v_hat) + epsilon / sqrt(1 - beta_2**t)
    (`keras/src/optimizers/adam.py`: lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m /
    (sqrt(v) + epsilon)). The preconditioned sharpness is the largest eigenvalue of P^-1 H,
    measured as that of P^-1/2 H P^-1/2 with the P of the last step (at step 0, before Adam has
    a v, the plain sharpness is recorded). Arguments as `full_batch_gradient_descent`, plus
    Adam's `beta_1`, `beta_2` and `epsilon`.

    Returns:
        An `AdamRun` (its `stability_limit` is (2 + 2 beta_1) / ((1 - beta_1) lr)).
    """
    import keras

    learning_rate = check.positive("learning_rate", learning_rate)
    optimizer = keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)

    def measure(meter):
        t = int(optimizer.iterations)
        if t == 0:
            return meter(iterations, tolerance)
        v = np.concatenate([np.ravel(s.numpy()) for s in optimizer._velocities]).astype(float)
        preconditioner = (np.sqrt(v) + epsilon) / np.sqrt(1.0 - beta_2**t)
        return meter(iterations, tolerance, scale=preconditioner**-0.5)

    losses, measured_at, sharpness, products = _full_batch(
        model, loss, x, y, optimizer, steps, measure_every, measure
    )
    return AdamRun(learning_rate, losses, measured_at, sharpness, products, momentum=beta_1)


def _full_batch(model, loss, x, y, optimizer, steps, measure_every, measure):
    """Full-batch training with `optimizer`; `measure(meter)` every `measure_every` steps."""
    import tensorflow as tf

    steps = check.integer("steps", steps, minimum=1)
    every = check.integer("measure_every", measure_every, minimum=1)
    meter = SharpnessMeter(model, loss, x, y)
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
        sharpness.append(measure(meter))
        losses.extend(run_steps(tf.constant(min(every, steps - start))).numpy().tolist())
    if steps % every == 0:
        measured_at.append(steps)
        sharpness.append(measure(meter))
    losses.append(float(meter.loss()))
    return np.array(losses), np.array(measured_at), np.array(sharpness), meter.products
