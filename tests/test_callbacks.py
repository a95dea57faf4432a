"""Callbacks checked in a real (tiny) fit against the formulas that should drive them."""

import keras
import numpy as np
import pytest

from lrlab import callbacks, data, keras_schedules, models, schedules


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
    np.testing.assert_allclose(recorder.batch_lrs, schedules.time_based_decay(np.arange(30), 0.1, 0.2), rtol=1e-6)
    np.testing.assert_allclose(recorder.epoch_lrs, schedules.time_based_decay([0, 10, 20], 0.1, 0.2), rtol=1e-6)


def test_recorder_with_keras_epoch_scheduler(digits):
    x, y = digits
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    recorder = callbacks.LearningRateRecorder()
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch: schedules.step_decay(epoch, 0.1, 0.5, 2))
    history = model.fit(x, y, epochs=5, batch_size=64, verbose=0, callbacks=[recorder, scheduler])
    expected_epochs = schedules.step_decay(np.arange(5), 0.1, 0.5, 2)
    np.testing.assert_allclose(recorder.epoch_lrs, expected_epochs, rtol=1e-6)
    np.testing.assert_allclose(recorder.batch_lrs, np.repeat(expected_epochs, 10), rtol=1e-6)
    np.testing.assert_allclose(history.history["learning_rate"], expected_epochs, rtol=1e-6)


def test_batch_scheduler_sets_the_lr_of_every_step_across_fits(digits):
    x, y = digits
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=0.5))
    recorder = callbacks.LearningRateRecorder()
    scheduler = callbacks.BatchLearningRateScheduler(lambda step: schedules.exponential_decay(step, 0.1, 0.05))
    model.fit(x, y, epochs=2, batch_size=64, verbose=0, callbacks=[scheduler, recorder])
    model.fit(x, y, epochs=1, batch_size=64, verbose=0, callbacks=[scheduler, recorder])
    # The second fit keeps counting from optimizer.iterations (20), not from 0.
    assert recorder.steps == list(range(20, 30))
    np.testing.assert_allclose(recorder.batch_lrs, schedules.exponential_decay(np.arange(20, 30), 0.1, 0.05), rtol=1e-6)


def test_batch_scheduler_changes_the_update_itself():
    # One weight, loss w**2/2 (gradient w): after a step at lr, w1 = w0 * (1 - lr).
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.9), loss=lambda y, p: 0.5 * keras.ops.square(p))
    scheduler = callbacks.BatchLearningRateScheduler(lambda step: 0.25)
    model.fit(np.ones((1, 1)), np.zeros((1, 1)), epochs=1, verbose=0, callbacks=[scheduler])
    assert float(model.get_weights()[0][0, 0]) == pytest.approx(0.75, rel=1e-6)


def test_batch_scheduler_refuses_a_schedule_optimizer(digits):
    x, y = digits
    schedule = keras_schedules.exponential_decay_schedule(0.1, 0.01)
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=schedule))
    scheduler = callbacks.BatchLearningRateScheduler(lambda step: 0.1)
    with pytest.raises(ValueError, match="not settable"):
        model.fit(x, y, epochs=1, batch_size=64, verbose=0, callbacks=[scheduler])


def test_batch_scheduler_bad_arguments(digits):
    with pytest.raises(ValueError, match="`schedule`.*Received: schedule=0.1"):
        callbacks.BatchLearningRateScheduler(0.1)
    x, y = digits
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    bad = callbacks.BatchLearningRateScheduler(lambda step: -1.0)
    with pytest.raises(ValueError, match=r"`schedule\(step\)`.*Received: schedule\(step\)=-1.0"):
        model.fit(x, y, epochs=1, batch_size=64, verbose=0, callbacks=[bad])


def test_current_learning_rate_reads_floats_and_schedules():
    assert callbacks.current_learning_rate(keras.optimizers.Adam(0.003)) == pytest.approx(0.003)
    optimizer = keras.optimizers.SGD(learning_rate=keras_schedules.time_based_decay_schedule(0.1, 1.0))
    assert callbacks.current_learning_rate(optimizer, step=3) == pytest.approx(0.025)
