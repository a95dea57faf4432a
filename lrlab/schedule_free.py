"""Schedule-free AdamW in Keras: the averaged weights it implies, and its recursion in NumPy (lesson 09).

`keras.optimizers.ScheduleFreeAdamW` (Keras >= 3.14; Defazio et al., NeurIPS 2024) stores only
the interpolated point y (the model's weights) and the base sequence z (its "momentum" slot);
the average x that the paper evaluates is implied by y = (1 - β₁) z + β₁ x. Keras never swaps x
in: `evaluate`, `predict` and `save` see y. `schedule_free_average` recovers x,
`schedule_free_evaluation_weights` puts it in the model for a `with` block, and
`schedule_free_adamw_reference` is the update written out in NumPy, to check Keras step by step.
"""

import contextlib

import keras
import numpy as np
from keras import ops

from lrlab import _validation as check
from lrlab import schedules

__all__ = [
    "has_schedule_free_adamw",
    "schedule_free_average",
    "schedule_free_evaluation_weights",
    "schedule_free_adamw_reference",
]


def has_schedule_free_adamw():
    """True if this Keras has `keras.optimizers.ScheduleFreeAdamW` (Keras >= 3.14)."""
    return hasattr(keras.optimizers, "ScheduleFreeAdamW")


def _schedule_free(optimizer):
    if not has_schedule_free_adamw() or not isinstance(
        optimizer, keras.optimizers.ScheduleFreeAdamW
    ):
        check.fail("optimizer", "must be a built keras.optimizers.ScheduleFreeAdamW", optimizer)
    return optimizer


def schedule_free_average(model):
    """The averaged weights x of a model trained with Keras's `ScheduleFreeAdamW`, as NumPy arrays.

    ```
    x = (y - (1 - beta_1) * z) / beta_1     # y: the weights, z: the optimizer's "momentum" slot
    ```

    Args:
        model: A Keras model compiled with a built `ScheduleFreeAdamW`.

    Returns:
        A list of NumPy arrays, one per trainable variable, in `model.trainable_variables` order.

    Raises:
        ValueError: if the model's optimizer is not a `ScheduleFreeAdamW`.
    """
    optimizer = _schedule_free(model.optimizer)
    beta_1 = float(optimizer.beta_1)
    averages = []
    for variable in model.trainable_variables:
        z = ops.convert_to_numpy(optimizer._momentums[optimizer._get_variable_index(variable)])
        y = ops.convert_to_numpy(variable)
        averages.append((y - (1 - beta_1) * z) / beta_1)
    return averages


@contextlib.contextmanager
def schedule_free_evaluation_weights(model):
    """Inside the block the model holds the averaged weights x; its weights y come back afterwards.

    What the authors' PyTorch optimizer does with `optimizer.eval()` / `.train()`; Keras has no
    such switch.

    Args:
        model: A Keras model compiled with a built `ScheduleFreeAdamW`.

    Raises:
        ValueError: if the model's optimizer is not a `ScheduleFreeAdamW`.
    """
    y = [ops.convert_to_numpy(v) for v in model.trainable_variables]
    try:
        for variable, x in zip(model.trainable_variables, schedule_free_average(model)):
            variable.assign(x)
        yield model
    finally:
        for variable, value in zip(model.trainable_variables, y):
            variable.assign(value)


def schedule_free_adamw_reference(
    grad_fn,
    w0,
    learning_rate,
    steps,
    beta_1=0.9,
    beta_2=0.999,
    epsilon=1e-8,
    warmup_steps=0,
    x_from_updated_z=False,
):
    """Schedule-free AdamW (no weight decay) as Keras 3.15 writes it, in NumPy.

    At step t = 1, 2, ... with g the gradient at the current weights y:
    ```
    lr_t = learning_rate * min(t / warmup_steps, 1)          # if warmup_steps > 0
    v   = beta_2 v + (1 - beta_2) g**2
    z   = z - lr_t g / (sqrt(v / (1 - beta_2**t)) + epsilon) # the "momentum" slot
    x   = (1 - 1/t) x + (1/t) z                              # uniform average of the z's
    y   = (1 - beta_1) z + beta_1 x                          # the model's weights
    ```
    Keras does not store x: it recovers the previous x from the weights as
    (y - (1 - beta_1) z_old) / beta_1. With the TensorFlow backend, Keras 3.15 reads z *after* its
    update there (its `momentum.value` is the live variable, not a copy); `x_from_updated_z=True`
    reproduces that: x_old = (y - (1 - beta_1) z_new) / beta_1.

    Args:
        grad_fn: A callable: the gradient (a NumPy array shaped like `w0`) at given weights.
        w0: A number or NumPy array: the starting weights.
        learning_rate: A Python float > 0: the peak LR.
        steps: A Python int >= 1.
        beta_1, beta_2, epsilon: Keras's `ScheduleFreeAdamW` arguments.
        warmup_steps: A Python int >= 0: the linear warm-up (`lrlab.schedules.linear_warmup` from 0).
        x_from_updated_z: A Python bool: recover x from the already updated z, as Keras 3.15 does
            with TensorFlow.

    Returns:
        (ys, zs, xs): float64 arrays of shape (steps + 1,) + w0.shape, starting from w0.

    Raises:
        ValueError: for a bad argument (the message names it).
    """
    peak = check.positive("learning_rate", learning_rate)
    warmup = check.integer("warmup_steps", warmup_steps, minimum=0)
    y = np.asarray(w0, dtype=np.float64)
    z, x, v = y.copy(), y.copy(), np.zeros_like(y)
    ys, zs, xs = [y], [z], [x]
    for t in range(1, check.integer("steps", steps, minimum=1) + 1):
        lr = schedules.linear_warmup(t, 0.0, peak, warmup) if warmup else peak
        g = np.asarray(grad_fn(y), dtype=np.float64)
        v = beta_2 * v + (1 - beta_2) * g**2
        z = z - lr * g / (np.sqrt(v / (1 - beta_2**t)) + epsilon)
        if x_from_updated_z:
            x = (y - (1 - beta_1) * z) / beta_1
        x = (1 - 1 / t) * x + z / t
        y = (1 - beta_1) * z + beta_1 * x
        ys.append(y), zs.append(z), xs.append(x)
    return np.array(ys), np.array(zs), np.array(xs)
