"""Callbacks checked in a real (tiny) fit against the formulas that should drive them."""

import keras
import numpy as np
import pytest

from lrlab import callbacks, cyclical, data, keras_schedules, models, schedules


@pytest.fixture(scope="module")
def digits():
    (x, y), _ = data.load_digits()
    return x[:640], y[:640]  # 10 batches of 64


def test_recorder_sees_every_step_of_a_schedule_optimizer(digits):
    x, y = digits
    schedule = keras_schedules.time_based_decay_schedule(0.1, 0.2)
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=schedule))
    recorder = callbacks.LearningRateRecorder()
    model.fit(x, y, epochs=3, batch_size=64, verbose=0, callbacks=[recorder])
    assert recorder.steps == list(range(30))
    np.testing.assert_allclose(
        recorder.batch_lrs, schedules.time_based_decay(np.arange(30), 0.1, 0.2), rtol=1e-6
    )
    np.testing.assert_allclose(
        recorder.epoch_lrs, schedules.time_based_decay([0, 10, 20], 0.1, 0.2), rtol=1e-6
    )


def test_recorder_with_keras_epoch_scheduler(digits):
    x, y = digits
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    recorder = callbacks.LearningRateRecorder()
    scheduler = keras.callbacks.LearningRateScheduler(
        lambda epoch: schedules.step_decay(epoch, 0.1, 0.5, 2)
    )
    history = model.fit(x, y, epochs=5, batch_size=64, verbose=0, callbacks=[recorder, scheduler])
    expected_epochs = schedules.step_decay(np.arange(5), 0.1, 0.5, 2)
    np.testing.assert_allclose(recorder.epoch_lrs, expected_epochs, rtol=1e-6)
    np.testing.assert_allclose(recorder.batch_lrs, np.repeat(expected_epochs, 10), rtol=1e-6)
    np.testing.assert_allclose(history.history["learning_rate"], expected_epochs, rtol=1e-6)


def test_batch_scheduler_sets_the_lr_of_every_step_across_fits(digits):
    x, y = digits
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=0.5))
    recorder = callbacks.LearningRateRecorder()
    scheduler = callbacks.BatchLearningRateScheduler(
        lambda step: schedules.exponential_decay(step, 0.1, 0.05)
    )
    model.fit(x, y, epochs=2, batch_size=64, verbose=0, callbacks=[scheduler, recorder])
    model.fit(x, y, epochs=1, batch_size=64, verbose=0, callbacks=[scheduler, recorder])
    # The second fit keeps counting from optimizer.iterations (20), not from 0.
    assert recorder.steps == list(range(20, 30))
    np.testing.assert_allclose(
        recorder.batch_lrs, schedules.exponential_decay(np.arange(20, 30), 0.1, 0.05), rtol=1e-6
    )


def test_batch_scheduler_changes_the_update_itself():
    # One weight, loss w**2/2 (gradient w): after a step at lr, w1 = w0 * (1 - lr).
    model = keras.Sequential(
        [keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.9),
        loss=lambda y, p: 0.5 * keras.ops.square(p),
    )
    scheduler = callbacks.BatchLearningRateScheduler(lambda step: 0.25)
    model.fit(np.ones((1, 1)), np.zeros((1, 1)), epochs=1, verbose=0, callbacks=[scheduler])
    assert float(model.get_weights()[0][0, 0]) == pytest.approx(0.75, rel=1e-6)


@pytest.mark.parametrize(
    "scheduler",
    [callbacks.BatchLearningRateScheduler(lambda step: 0.1), callbacks.OneCycleScheduler(30, 0.1)],
    ids=lambda s: type(s).__name__,
)
def test_batch_schedulers_refuse_a_schedule_optimizer(digits, scheduler):
    x, y = digits
    schedule = keras_schedules.exponential_decay_schedule(0.1, 0.01)
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=schedule))
    with pytest.raises(ValueError, match=f"{type(scheduler).__name__} needs .* not settable"):
        model.fit(x, y, epochs=1, batch_size=64, verbose=0, callbacks=[scheduler])


def test_batch_scheduler_bad_arguments(digits):
    with pytest.raises(ValueError, match="`schedule`.*Received: schedule=0.1"):
        callbacks.BatchLearningRateScheduler(0.1)
    x, y = digits
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    bad = callbacks.BatchLearningRateScheduler(lambda step: -1.0)
    with pytest.raises(ValueError, match=r"`schedule\(step\)`.*Received: schedule\(step\)=-1.0"):
        model.fit(x, y, epochs=1, batch_size=64, verbose=0, callbacks=[bad])


def test_holds_schedule_tells_schedule_optimizers_from_float_ones():
    assert callbacks.holds_schedule(
        keras.optimizers.SGD(keras_schedules.time_based_decay_schedule(0.1, 1.0))
    )
    assert not callbacks.holds_schedule(keras.optimizers.SGD(0.1))


def test_current_learning_rate_reads_floats_and_schedules():
    assert callbacks.current_learning_rate(keras.optimizers.Adam(0.003)) == pytest.approx(0.003)
    optimizer = keras.optimizers.SGD(
        learning_rate=keras_schedules.time_based_decay_schedule(0.1, 1.0)
    )
    assert callbacks.current_learning_rate(optimizer, step=3) == pytest.approx(0.025)


# ---- OneCycleScheduler: a BatchLearningRateScheduler on cyclical.one_cycle, plus momentum ------


def _tiny_fit(optimizer, callback_list, epochs=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(96, 5)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=epochs, verbose=0, callbacks=callback_list)
    return model


class _MomentumRecorder(keras.callbacks.Callback):
    def __init__(self, name):
        super().__init__()
        self.name, self.values = name, []

    def on_train_batch_end(self, batch, logs=None):
        self.values.append(
            float(keras.ops.convert_to_numpy(getattr(self.model.optimizer, self.name)))
        )


def test_one_cycle_sets_the_closed_form_lr_every_batch():
    total = 3 * 6  # 96 rows / 16 per batch = 6 steps per epoch
    scheduler = callbacks.OneCycleScheduler(total, max_lr=0.4, pct_start=0.4)
    recorder = callbacks.LearningRateRecorder()
    _tiny_fit(keras.optimizers.SGD(0.01), [scheduler, recorder])
    expected = cyclical.one_cycle(np.arange(total), total, 0.4, pct_start=0.4)
    assert recorder.steps == list(range(total))
    np.testing.assert_allclose(recorder.batch_lrs, expected, rtol=1e-6)


@pytest.mark.parametrize(
    "optimizer, name",
    [
        (lambda: keras.optimizers.SGD(0.01, momentum=0.9), "momentum"),
        (lambda: keras.optimizers.Adam(0.01), "beta_1"),
    ],
)
def test_one_cycle_cycles_momentum_and_restores_a_float(optimizer, name):
    total = 18
    scheduler = callbacks.OneCycleScheduler(
        total, 0.1, cycle_momentum=True, base_momentum=0.8, max_momentum=0.95
    )
    recorder = _MomentumRecorder(name)
    model = _tiny_fit(optimizer(), [scheduler, recorder])
    expected = cyclical.one_cycle_momentum(np.arange(total), total, 0.8, 0.95)
    np.testing.assert_allclose(recorder.values, expected, rtol=1e-6)
    assert scheduler.momentum_name == name
    value = getattr(model.optimizer, name)
    assert isinstance(value, float) and value == pytest.approx(0.95)
    assert model.optimizer.get_config()[name] == pytest.approx(0.95)


@pytest.mark.slow  # trains a model: full suite only
def test_cycled_momentum_really_drives_the_update():
    # SGD built with momentum 0.9, scheduler holding it at 0.5 == SGD built with momentum 0.5
    total = 18
    held = callbacks.OneCycleScheduler(
        total, 0.2, cycle_momentum=True, base_momentum=0.5, max_momentum=0.5
    )
    a = _tiny_fit(keras.optimizers.SGD(0.01, momentum=0.9), [held])
    b = _tiny_fit(
        keras.optimizers.SGD(0.01, momentum=0.5), [callbacks.OneCycleScheduler(total, 0.2)]
    )
    c = _tiny_fit(
        keras.optimizers.SGD(0.01, momentum=0.9), [callbacks.OneCycleScheduler(total, 0.2)]
    )
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    assert not all(
        np.allclose(wa, wc, atol=1e-4) for wa, wc in zip(a.get_weights(), c.get_weights())
    )


def test_one_cycle_refuses_what_it_cannot_drive():
    with pytest.raises(ValueError, match="momentum > 0"):
        _tiny_fit(
            keras.optimizers.SGD(0.1),
            [callbacks.OneCycleScheduler(18, 0.1, cycle_momentum=True)],
            epochs=1,
        )
    with pytest.raises(ValueError, match="beta_1"):
        _tiny_fit(
            keras.optimizers.RMSprop(0.1),
            [callbacks.OneCycleScheduler(18, 0.1, cycle_momentum=True)],
            epochs=1,
        )
    with pytest.raises(ValueError, match="`max_lr`"):
        callbacks.OneCycleScheduler(18, 0.0)
    with pytest.raises(ValueError, match="`cycle_momentum`"):
        callbacks.OneCycleScheduler(18, 0.1, cycle_momentum="yes")
