"""Learning-rate warm-up as a Keras 3 schedule that saves and loads: lesson 06's worked example.

`LinearWarmup` puts a linear ramp in front of any schedule (or constant): the LR climbs from
`initial_learning_rate` to the wrapped schedule's first value over `warmup_steps` optimizer
steps, then the wrapped schedule runs, its own step counter starting at 0 when warm-up ends.
`linear_warmup` is the same ramp in NumPy, for plots and checks.
"""

import keras
import numpy as np
from keras import ops

from lrlab import _validation as check

__all__ = ["LinearWarmup", "linear_warmup"]


def linear_warmup(step, initial_learning_rate, warmup_target, warmup_steps):
    """A linear ramp to `warmup_target`, reached exactly at step `warmup_steps`, then flat.

    ```
    lr = initial_learning_rate + (warmup_target - initial_learning_rate) * min(step, warmup_steps) / warmup_steps
    ```

    >>> linear_warmup([0, 5, 10, 20], 0.0, 0.1, 10).round(6).tolist()
    [0.0, 0.05, 0.1, 0.1]
    """
    steps, is_scalar = check.counter("step", step)
    start = check.non_negative("initial_learning_rate", initial_learning_rate)
    target = check.positive("warmup_target", warmup_target)
    n = check.integer("warmup_steps", warmup_steps, minimum=1)
    lr = start + (target - start) * np.minimum(steps, n) / n
    return float(lr) if is_scalar else lr


@keras.saving.register_keras_serializable(package="lrlab")
class LinearWarmup(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up in front of another schedule.

    ```python
    def schedule(step):
        if step < warmup_steps:
            return initial_learning_rate + (after(0) - initial_learning_rate) * step / warmup_steps
        return after(step - warmup_steps)
    ```

    Written graph-safe: the step is cast to float32 and both branches are combined with
    `ops.where` (a Python `if` on a symbolic step fails inside `fit`).

    Example:

    >>> cosine = keras.optimizers.schedules.CosineDecay(0.1, decay_steps=100)
    >>> schedule = LinearWarmup(cosine, warmup_steps=10)
    >>> [round(float(schedule(s)), 4) for s in (0, 5, 10, 60)]
    [0.0, 0.05, 0.1, 0.05]

    Args:
        after: A `LearningRateSchedule` or a Python float: what runs after warm-up.
        warmup_steps: A Python int >= 1: optimizer steps spent warming up.
        initial_learning_rate: A Python float >= 0: the LR at step 0.

    Raises:
        ValueError: if an argument is out of range.
    """

    def __init__(self, after, warmup_steps, initial_learning_rate=0.0):
        super().__init__()
        if isinstance(after, dict):  # a nested config, when loading
            after = keras.optimizers.schedules.deserialize(after)
        if not isinstance(after, keras.optimizers.schedules.LearningRateSchedule):
            after = check.positive("after", after)
        self.after = after
        self.warmup_steps = check.integer("warmup_steps", warmup_steps, minimum=1)
        self.initial_learning_rate = check.non_negative("initial_learning_rate", initial_learning_rate)

    def _after(self, step):
        if isinstance(self.after, float):
            return ops.convert_to_tensor(self.after, "float32")
        return ops.cast(self.after(step), "float32")

    def __call__(self, step):
        step = ops.cast(step, "float32")
        peak = self._after(ops.convert_to_tensor(0.0, "float32"))
        ramp = self.initial_learning_rate + (peak - self.initial_learning_rate) * step / self.warmup_steps
        later = self._after(ops.maximum(step - self.warmup_steps, 0.0))
        return ops.where(step < self.warmup_steps, ramp, later)

    def get_config(self):
        after = self.after
        if not isinstance(after, float):
            after = keras.optimizers.schedules.serialize(after)
        return {
            "after": after,
            "warmup_steps": self.warmup_steps,
            "initial_learning_rate": self.initial_learning_rate,
        }
