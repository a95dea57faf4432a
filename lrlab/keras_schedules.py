"""Keras 3 schedule objects: the seed's custom schedule done right, linear warm-up in front of
any schedule, warmup-stable-decay, and bridges from each classic `lrlab.schedules` formula to the Keras built-in
that reproduces it step for step.

A Keras schedule is called with `optimizer.iterations` (0 on the first batch) inside the
compiled train step, so everything here is written with `keras.ops` on a float32 step.
The classes are registered under package "lrlab", so a model that uses them saves and loads.
"""

import math

import keras
from keras import ops

from lrlab import _validation as check

__all__ = [
    "CustomLearningRateSchedule",
    "LinearWarmup",
    "WarmupStableDecay",
    "time_based_decay_schedule",
    "step_decay_schedule",
    "exponential_decay_schedule",
]


@keras.saving.register_keras_serializable(package="lrlab")
class CustomLearningRateSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """Smooth exponential decay, written by subclassing `LearningRateSchedule`.

    The seed notes' `CustomLearningRateScheduler`, fixed: it is a *schedule* (a function of
    the step), it is graph-safe (the step is cast to float32 before any arithmetic), and it has
    `get_config` and is registered, so a model using it can be saved, loaded and cloned.

    ```python
    def schedule(step):
        return initial_learning_rate * decay_rate ** (step / decay_steps)
    ```

    Example:

    >>> schedule = CustomLearningRateSchedule(0.1, decay_steps=1000, decay_rate=0.96)
    >>> round(float(schedule(1000)), 6)
    0.096
    >>> optimizer = keras.optimizers.Adam(learning_rate=schedule)

    Args:
        initial_learning_rate: A Python float. Must be positive.
        decay_steps: A Python number. Must be positive: the steps over which the LR is
            multiplied by `decay_rate` once.
        decay_rate: A Python float. Must be positive (below 1 decays, above 1 grows).

    Returns:
        A 1-arg callable: `schedule(step)` returns the learning rate, a float32 scalar tensor.

    Raises:
        ValueError: if an argument is not a positive finite number.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate):
        super().__init__()
        self.initial_learning_rate = check.positive("initial_learning_rate", initial_learning_rate)
        self.decay_steps = check.positive("decay_steps", decay_steps)
        self.decay_rate = check.positive("decay_rate", decay_rate)

    def __call__(self, step):
        # A Python `if`, math.exp or np.exp on `step` would break: it is a symbolic tensor here.
        progress = ops.cast(step, "float32") / self.decay_steps
        return self.initial_learning_rate * ops.power(
            ops.cast(self.decay_rate, "float32"), progress
        )

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
        }


@keras.saving.register_keras_serializable(package="lrlab")
class LinearWarmup(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up in front of another schedule: lesson 06's worked example.

    The LR climbs from `initial_learning_rate` to the wrapped schedule's first value over
    `warmup_steps` optimizer steps, then the wrapped schedule runs, its own step counter
    starting at 0 when warm-up ends. The ramp is `lrlab.schedules.linear_warmup`.

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

    Returns:
        A 1-arg callable: `schedule(step)` returns the learning rate, a float32 scalar tensor.

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
        self.initial_learning_rate = check.non_negative(
            "initial_learning_rate", initial_learning_rate
        )

    def _after(self, step):
        if isinstance(self.after, float):
            return ops.convert_to_tensor(self.after, "float32")
        return ops.cast(self.after(step), "float32")

    def __call__(self, step):
        step = ops.cast(step, "float32")
        peak = self._after(ops.convert_to_tensor(0.0, "float32"))
        ramp = (
            self.initial_learning_rate
            + (peak - self.initial_learning_rate) * step / self.warmup_steps
        )
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


@keras.saving.register_keras_serializable(package="lrlab")
class WarmupStableDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Warmup-stable-decay: linear warm-up from 0, a constant peak, a linear cooldown to 0.

    The schedule behind "train at a constant LR as long as you like, then cool down": the
    stable phase does not depend on the training budget, so runs of several lengths can share
    it and each branch off with its own short cooldown (lesson 09). Its closed form is
    `lrlab.schedules.warmup_stable_decay`.

    ```python
    def schedule(step):
        W, S, D = warmup_steps, stable_steps, decay_steps
        return peak_learning_rate * min(step / W, 1, max(0, (W + S + D - step) / D))
    ```

    Graph-safe: the step is cast to float32 and the phases are combined with `ops.minimum` /
    `ops.clip` (no Python `if` on the step). Registered and with `get_config`, so a model
    that uses it saves and loads.

    Example:

    >>> schedule = WarmupStableDecay(0.1, warmup_steps=10, stable_steps=20, decay_steps=10)
    >>> [round(float(schedule(s)), 4) for s in (0, 5, 10, 30, 35, 40, 50)]
    [0.0, 0.05, 0.1, 0.1, 0.05, 0.0, 0.0]

    Args:
        peak_learning_rate: A Python float. Must be positive.
        warmup_steps: A Python int >= 0: steps to reach the peak (0: start at the peak).
        stable_steps: A Python int >= 0: steps held at the peak after the warm-up.
        decay_steps: A Python int >= 1: steps of the linear cooldown to 0.
        name: A Python string, for the ops' name scope.

    Returns:
        A 1-arg callable: `schedule(step)` returns the learning rate, a float32 scalar tensor.

    Raises:
        ValueError: if an argument is out of range.
    """

    def __init__(
        self, peak_learning_rate, warmup_steps, stable_steps, decay_steps, name="WarmupStableDecay"
    ):
        super().__init__()
        self.peak_learning_rate = check.positive("peak_learning_rate", peak_learning_rate)
        self.warmup_steps = check.integer("warmup_steps", warmup_steps, minimum=0)
        self.stable_steps = check.integer("stable_steps", stable_steps, minimum=0)
        self.decay_steps = check.integer("decay_steps", decay_steps, minimum=1)
        self.name = name

    def __call__(self, step):
        step = ops.cast(step, "float32")
        w, s, d = float(self.warmup_steps), float(self.stable_steps), float(self.decay_steps)
        warm = (
            ops.minimum(step / w, 1.0) if w else ops.ones_like(step)
        )  # `if` on a Python int: fine in graph mode
        cool = ops.clip((w + s + d - step) / d, 0.0, 1.0)
        return self.peak_learning_rate * ops.minimum(warm, cool)

    def get_config(self):
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "warmup_steps": self.warmup_steps,
            "stable_steps": self.stable_steps,
            "decay_steps": self.decay_steps,
            "name": self.name,
        }


def _steps_per_epoch(steps_per_epoch, required=False):
    if steps_per_epoch is None:
        if required:
            check.fail("steps_per_epoch", "is required when the formula counts epochs", None)
        return None
    return check.integer("steps_per_epoch", steps_per_epoch, minimum=1)


def time_based_decay_schedule(initial_lr, decay_rate, steps_per_epoch=None):
    """`InverseTimeDecay` equal to `schedules.time_based_decay` at every optimizer step.

    With `steps_per_epoch=None`, t counts steps; with it, t counts whole epochs (staircase).

    ```python
    lr = initial_lr / (1 + decay_rate * t)   # t = step, or floor(step / steps_per_epoch)
    ```

    >>> round(float(time_based_decay_schedule(0.1, 0.5)(2)), 6)
    0.05

    Args:
        initial_lr: A Python float. Must be positive.
        decay_rate: A Python float `k`. Must be >= 0.
        steps_per_epoch: None (t counts optimizer steps) or a Python int >= 1 (t counts epochs).

    Returns:
        A `keras.optimizers.schedules.InverseTimeDecay`.

    Raises:
        ValueError: for a bad argument (the message names it).
    """
    lr = check.positive("initial_lr", initial_lr)
    k = check.non_negative("decay_rate", decay_rate)
    spe = _steps_per_epoch(steps_per_epoch)
    return keras.optimizers.schedules.InverseTimeDecay(
        lr, decay_steps=spe or 1, decay_rate=k, staircase=spe is not None
    )


def step_decay_schedule(initial_lr, factor, step_size, steps_per_epoch):
    """Staircase `ExponentialDecay` equal to `schedules.step_decay` at every optimizer step.

    Epoch e covers steps e*steps_per_epoch .. (e+1)*steps_per_epoch - 1, so the LR drops by
    `factor` every `step_size * steps_per_epoch` steps.

    ```python
    lr = initial_lr * factor ** floor(step / (step_size * steps_per_epoch))
    ```

    >>> schedule = step_decay_schedule(0.1, 0.5, step_size=2, steps_per_epoch=10)
    >>> round(float(schedule(19)), 6), round(float(schedule(20)), 6)
    (0.1, 0.05)

    Args:
        initial_lr: A Python float. Must be positive.
        factor: A Python float in (0, 1]: the multiplier applied at each drop.
        step_size: A Python int >= 1: how many epochs between drops.
        steps_per_epoch: A Python int >= 1: optimizer steps (batches) per epoch. Required.

    Returns:
        A `keras.optimizers.schedules.ExponentialDecay` with `staircase=True`.

    Raises:
        ValueError: for a bad argument (the message names it).
    """
    lr = check.positive("initial_lr", initial_lr)
    f = check.fraction("factor", factor)
    size = check.integer("step_size", step_size, minimum=1)
    spe = _steps_per_epoch(steps_per_epoch, required=True)
    return keras.optimizers.schedules.ExponentialDecay(
        lr, decay_steps=size * spe, decay_rate=f, staircase=True
    )


def exponential_decay_schedule(initial_lr, decay_rate, steps_per_epoch=None):
    """`ExponentialDecay` equal to `schedules.exponential_decay`: `lr0 * exp(-k * t)`.

    Keras's form is `lr0 * rate ** (step / decay_steps)`. Per step we use rate = e**-1 and
    decay_steps = 1/k: the same curve as rate = exp(-k), decay_steps = 1, but float32 keeps it
    to ~1e-8 instead of drifting ~1e-5 over thousands of steps. With `steps_per_epoch`, t counts
    whole epochs (staircase: rate = exp(-k) every `steps_per_epoch` steps).

    ```python
    lr = initial_lr * exp(-decay_rate * t)   # t = step, or floor(step / steps_per_epoch)
    ```

    >>> round(float(exponential_decay_schedule(0.1, 0.1)(10)), 6)
    0.036788

    Args:
        initial_lr: A Python float. Must be positive.
        decay_rate: A Python float `k`. Must be >= 0.
        steps_per_epoch: None (t counts optimizer steps) or a Python int >= 1 (t counts epochs).

    Returns:
        A `keras.optimizers.schedules.ExponentialDecay`.

    Raises:
        ValueError: for a bad argument (the message names it).
    """
    lr = check.positive("initial_lr", initial_lr)
    k = check.non_negative("decay_rate", decay_rate)
    spe = _steps_per_epoch(steps_per_epoch)
    if spe is not None:
        return keras.optimizers.schedules.ExponentialDecay(lr, spe, math.exp(-k), staircase=True)
    if k == 0:
        return keras.optimizers.schedules.ExponentialDecay(lr, 1, 1.0)
    return keras.optimizers.schedules.ExponentialDecay(
        lr, decay_steps=1 / k, decay_rate=math.exp(-1)
    )
