"""Keras callbacks: see the learning rate actually used, and set it every batch (one-cycle included)."""

import functools

import keras

from lrlab import _validation as check
from lrlab import cyclical

__all__ = [
    "LearningRateRecorder",
    "BatchLearningRateScheduler",
    "OneCycleScheduler",
    "current_learning_rate",
    "holds_schedule",
]


def holds_schedule(optimizer):
    """True when `optimizer` was built on a `LearningRateSchedule` (its LR is then not settable)."""
    return isinstance(optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule)


def current_learning_rate(optimizer, step=None):
    """The learning rate `optimizer` uses at `step` (default: its next step), as a float.

    Works for a float LR and for a `LearningRateSchedule`; a schedule is evaluated at `step`.
    """
    if holds_schedule(optimizer):
        if step is None:
            step = int(optimizer.iterations)
        return float(optimizer._learning_rate(step))
    return float(optimizer.learning_rate)


class LearningRateRecorder(keras.callbacks.Callback):
    """Record the learning rate each training batch really used, and each epoch's first.

    It reads the LR at the end of every batch, after any scheduler callback and the update
    itself: for a schedule optimizer that is `schedule(iterations - 1)`, the step just taken.
    With `steps_per_execution=N`, Keras calls batch hooks once per N batches, so one value is
    recorded per N steps.

    Attributes:
        batch_lrs: The LR used at each recorded batch, in training order, across epochs.
        steps: The optimizer step (`iterations`, from 0) of each entry of `batch_lrs`.
        epoch_lrs: The LR used by the first batch of each epoch.

    Example:

    >>> recorder = LearningRateRecorder()
    >>> # model.fit(x, y, epochs=3, callbacks=[recorder]); recorder.batch_lrs
    """

    def __init__(self):
        super().__init__()
        self.batch_lrs, self.steps, self.epoch_lrs = [], [], []
        self._epoch_started = False

    def on_train_begin(self, logs=None):
        self.batch_lrs, self.steps, self.epoch_lrs = [], [], []

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_started = True

    def on_train_batch_end(self, batch, logs=None):
        optimizer = self.model.optimizer
        step = int(optimizer.iterations) - 1
        lr = current_learning_rate(optimizer, step)
        self.batch_lrs.append(lr)
        self.steps.append(step)
        if self._epoch_started:
            self.epoch_lrs.append(lr)
            self._epoch_started = False


class BatchLearningRateScheduler(keras.callbacks.Callback):
    """Set the learning rate before every training batch from `schedule(step)`.

    The per-batch counterpart of `keras.callbacks.LearningRateScheduler` (which acts once per
    epoch): `step` is the optimizer's step counter, 0 on the first batch, so it keeps counting
    across epochs and across repeated `fit` calls. The optimizer must hold a float learning rate
    (one built on a `LearningRateSchedule` cannot be set).

    Example:

    >>> from lrlab import schedules
    >>> scheduler = BatchLearningRateScheduler(lambda step: schedules.time_based_decay(step, 0.1, 0.01))

    Args:
        schedule: A callable `schedule(step) -> float`, the LR for that step. Must return a
            positive finite number.

    Raises:
        ValueError: if `schedule` is not callable, returns a bad LR, or the optimizer holds a
            `LearningRateSchedule`.
    """

    def __init__(self, schedule):
        super().__init__()
        if not callable(schedule):
            check.fail("schedule", "must be callable as schedule(step) -> float", schedule)
        self.schedule = schedule

    def on_train_begin(self, logs=None):
        if holds_schedule(self.model.optimizer):
            raise ValueError(
                f"{type(self).__name__} needs an optimizer with a float learning rate; this "
                "one was built on a LearningRateSchedule, whose learning rate is not settable. "
                f"Received: optimizer.learning_rate={self.model.optimizer._learning_rate!r}"
            )

    def on_train_batch_begin(self, batch, logs=None):
        step = int(self.model.optimizer.iterations)
        lr = check.positive("schedule(step)", self.schedule(step))
        self.model.optimizer.learning_rate = lr


class _MomentumVariable(keras.Variable):
    """A momentum held in a variable, so a compiled train step reads its current value.

    `SGD` asks `momentum != 0` in Python to decide whether it keeps velocities; a plain
    variable would answer with a tensor. The scheduler only uses this with a momentum > 0.
    """

    def __ne__(self, other):
        if isinstance(other, (int, float)) and other == 0:
            return True
        return super().__ne__(other)

    __hash__ = keras.Variable.__hash__


class OneCycleScheduler(BatchLearningRateScheduler):
    """Set the learning rate (and optionally the momentum) before every batch, one-cycle style.

    A `BatchLearningRateScheduler` whose schedule is `cyclical.one_cycle(step, total_steps,
    max_lr, ...)`, where `step` is `optimizer.iterations` (0 on the first batch, counting on
    across epochs). The peak is at step `pct_start * (total_steps - 1)`, not PyTorch's
    `pct_start * total_steps - 1` nor fastai's `pct_start * total_steps`, and there are two
    phases only (no `three_phase`): see `lrlab.cyclical`. With `cycle_momentum=True` it also
    sets SGD's `momentum` or Adam's/AdamW's `beta_1` to `cyclical.one_cycle_momentum(step, ...)`.

    Keras bakes a Python-float momentum into the compiled train step, so setting it later would
    change nothing. To cycle it, the scheduler swaps the optimizer's `momentum` (or `beta_1`)
    for a variable at the start of training, re-traces the train step, and puts a plain float
    (the last value) back at the end, so the model still saves.

    With `steps_per_execution=N`, Keras calls batch hooks once per N batches: the LR then
    changes every N steps. Keep `steps_per_execution=1` for a smooth cycle.

    Example:

    >>> scheduler = OneCycleScheduler(total_steps=101, max_lr=0.5)   # peak at step 30
    >>> scheduler.learning_rate_at(0), scheduler.learning_rate_at(30)
    (0.02, 0.5)
    >>> # model.fit(x, y, epochs=..., callbacks=[scheduler]) with epochs * steps_per_epoch == 101

    Args:
        total_steps: A Python int >= 2: epochs * steps_per_epoch of the planned training.
        max_lr: A Python float. Must be positive: the peak LR.
        pct_start, div_factor, final_div_factor, anneal: as in `cyclical.one_cycle`.
        cycle_momentum: A Python bool: also cycle SGD's `momentum` / Adam's `beta_1`.
        base_momentum, max_momentum: as in `cyclical.one_cycle_momentum`.

    Attributes:
        momentum_name: "momentum", "beta_1" or None: what is cycled besides the LR.

    Raises:
        ValueError: for a bad argument; at the start of training, if the optimizer holds a
            `LearningRateSchedule` (its LR is not settable), or if `cycle_momentum=True` and it
            has no momentum to cycle (SGD built with momentum=0, or an optimizer without one).
    """

    def __init__(
        self,
        total_steps,
        max_lr,
        pct_start=0.3,
        div_factor=25.0,
        final_div_factor=1e4,
        anneal="cos",
        cycle_momentum=False,
        base_momentum=0.85,
        max_momentum=0.95,
    ):
        schedule = functools.partial(
            cyclical.one_cycle,
            total_steps=total_steps,
            max_lr=max_lr,
            pct_start=pct_start,
            div_factor=div_factor,
            final_div_factor=final_div_factor,
            anneal=anneal,
        )
        schedule(0)  # validates every argument now, not mid-fit
        super().__init__(schedule)
        if not isinstance(cycle_momentum, bool):
            check.fail("cycle_momentum", "must be a bool", cycle_momentum)
        self.cycle_momentum = cycle_momentum
        self.momentum_schedule = functools.partial(
            cyclical.one_cycle_momentum,
            total_steps=total_steps,
            base_momentum=base_momentum,
            max_momentum=max_momentum,
            pct_start=pct_start,
            anneal=anneal,
        )
        if cycle_momentum:
            self.momentum_schedule(0)
        self.momentum_name = None
        self._momentum = None

    def learning_rate_at(self, step):
        """The LR this scheduler sets at optimizer step `step`."""
        return self.schedule(step)

    def momentum_at(self, step):
        """The momentum (or beta_1) this scheduler sets at optimizer step `step`."""
        return self.momentum_schedule(step)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)  # refuses an optimizer built on a LearningRateSchedule
        if not self.cycle_momentum:
            return
        optimizer = self.model.optimizer
        if isinstance(optimizer, keras.optimizers.SGD):
            name = "momentum"
        else:
            name = "beta_1" if hasattr(optimizer, "beta_1") else None
        value = getattr(optimizer, name, None) if name else None
        if (
            name is None
            or isinstance(value, bool)
            or not isinstance(value, (int, float, keras.Variable))
        ):
            raise ValueError(
                "OneCycleScheduler(cycle_momentum=True) needs an optimizer with a float "
                f"`momentum` (SGD) or `beta_1` (Adam, AdamW, Nadam...). Received: {optimizer!r}"
            )
        if name == "momentum" and not isinstance(value, keras.Variable) and value == 0:
            raise ValueError(
                "OneCycleScheduler(cycle_momentum=True) needs SGD built with momentum > 0 "
                "(with 0 it keeps no velocity to cycle). Received: momentum=0.0"
            )
        self.momentum_name = name
        self._momentum = _MomentumVariable(
            self.momentum_at(int(optimizer.iterations)), dtype="float32", trainable=False, name=name
        )
        setattr(optimizer, name, self._momentum)
        self.model.make_train_function(force=True)  # the old trace holds the float

    def on_train_batch_begin(self, batch, logs=None):
        super().on_train_batch_begin(batch, logs)
        if self._momentum is not None:
            self._momentum.assign(self.momentum_at(int(self.model.optimizer.iterations)))

    def on_train_end(self, logs=None):
        if self._momentum is not None:
            setattr(self.model.optimizer, self.momentum_name, float(self._momentum.numpy()))
            self.model.make_train_function(force=True)
            self._momentum = None
