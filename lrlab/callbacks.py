"""Keras callbacks: see the learning rate actually used, and set it every batch."""

import keras

from lrlab import _validation as check

__all__ = ["LearningRateRecorder", "BatchLearningRateScheduler", "current_learning_rate", "holds_schedule"]


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
                "BatchLearningRateScheduler needs an optimizer with a float learning rate; this "
                "one was built on a LearningRateSchedule, whose learning rate is not settable. "
                f"Received: optimizer.learning_rate={self.model.optimizer._learning_rate!r}"
            )

    def on_train_batch_begin(self, batch, logs=None):
        step = int(self.model.optimizer.iterations)
        lr = check.positive("schedule(step)", self.schedule(step))
        self.model.optimizer.learning_rate = lr
