"""The classic learning-rate schedules as pure NumPy formulas: one source of truth.

Each function maps a counter to a learning rate. Scalar in -> Python float out, array in ->
array of the same shape out, so the same function drives a plot, a
`keras.callbacks.LearningRateScheduler` and the exercise checkers. The Keras 3 built-ins that
reproduce them step for step are in `lrlab.keras_schedules`.

What the counters count (the seed notes get this wrong, see notebook 05):
- `step` is the optimizer's step (batch) counter, `optimizer.iterations`, starting at 0.
- `epoch` is the epoch index Keras passes to `LearningRateScheduler`, starting at 0.
"""

import numpy as np

from lrlab import _validation as check

__all__ = ["constant", "time_based_decay", "step_decay", "exponential_decay"]


def _out(values, is_scalar):
    return float(values) if is_scalar else values


def constant(step, initial_lr):
    """The baseline: the learning rate never changes.

    ```
    lr = initial_lr
    ```

    Args:
        step: A non-negative number or array: the optimizer step (only its shape matters).
        initial_lr: A Python float. Must be positive.

    Returns:
        `initial_lr`, as a float or an array shaped like `step`.

    >>> constant(10, 0.1)
    0.1
    """
    steps, is_scalar = check.counter("step", step)
    lr = check.positive("initial_lr", initial_lr)
    return _out(np.full_like(steps, lr), is_scalar)


def time_based_decay(step, initial_lr, decay_rate):
    """Time-based (inverse-time) decay, counted in optimizer steps.

    ```
    lr = initial_lr / (1 + decay_rate * step)
    ```

    Keras 2's `SGD(decay=k)` applied this per batch; Keras 3 ignores `decay=`, and
    `keras.optimizers.schedules.InverseTimeDecay(initial_lr, 1, decay_rate)` is the replacement.

    Args:
        step: A non-negative number or array: the optimizer step, starting at 0.
        initial_lr: A Python float. Must be positive.
        decay_rate: A Python float `k`. Must be >= 0.

    Returns:
        The learning rate, as a float or an array shaped like `step`.

    >>> time_based_decay(0, 0.1, 0.5)
    0.1
    >>> time_based_decay(2, 0.1, 0.5)
    0.05
    """
    steps, is_scalar = check.counter("step", step)
    lr = check.positive("initial_lr", initial_lr)
    k = check.non_negative("decay_rate", decay_rate)
    return _out(lr / (1.0 + k * steps), is_scalar)


def step_decay(epoch, initial_lr, factor, step_size):
    """Step decay: multiply the learning rate by `factor` every `step_size` epochs.

    ```
    lr = initial_lr * factor ** floor(epoch / step_size)
    ```

    Args:
        epoch: A non-negative number or array: the epoch index, starting at 0.
        initial_lr: A Python float. Must be positive.
        factor: A Python float in (0, 1]: the multiplier applied at each drop.
        step_size: A Python int >= 1: how many epochs between drops.

    Returns:
        The learning rate, as a float or an array shaped like `epoch`.

    >>> step_decay(9, 0.1, 0.5, 10)
    0.1
    >>> step_decay(10, 0.1, 0.5, 10)
    0.05
    """
    epochs, is_scalar = check.counter("epoch", epoch)
    lr = check.positive("initial_lr", initial_lr)
    f = check.fraction("factor", factor)
    size = check.integer("step_size", step_size, minimum=1)
    return _out(lr * f ** np.floor(epochs / size), is_scalar)


def exponential_decay(step, initial_lr, decay_rate):
    """Exponential decay with rate `k` per optimizer step.

    ```
    lr = initial_lr * exp(-decay_rate * step)
    ```

    Args:
        step: A non-negative number or array: the optimizer step, starting at 0.
        initial_lr: A Python float. Must be positive.
        decay_rate: A Python float `k`. Must be >= 0.

    Returns:
        The learning rate, as a float or an array shaped like `step`.

    >>> round(exponential_decay(10, 0.1, 0.1), 6)
    0.036788
    """
    steps, is_scalar = check.counter("step", step)
    lr = check.positive("initial_lr", initial_lr)
    k = check.non_negative("decay_rate", decay_rate)
    return _out(lr * np.exp(-k * steps), is_scalar)
