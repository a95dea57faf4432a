"""Keras-facing schedules: each bridge equals its pure formula at every step; the custom
schedule is graph-safe and survives save/load (with its step count) and clone_model; the
linear warm-up equals Keras's own warm-up and the NumPy ramp, and round-trips its config."""

import keras
import numpy as np
import pytest

from lrlab import data, keras_schedules, models, schedules

STEPS = np.arange(1500)


def _evaluate(schedule, steps=STEPS):
    return np.array([float(schedule(int(s))) for s in steps])


def _assert_close(keras_values, formula_values):
    # 1e-6 relative to the schedule's scale (its initial LR). Keras computes in float32, and
    # rate ** (step / decay_steps) loses about step * 6e-8 of relative precision, so deep into
    # a decay (LR << lr0) the error relative to the *current* value can reach ~1e-5.
    scale = formula_values[0]
    np.testing.assert_allclose(keras_values, formula_values, rtol=1e-6, atol=1e-6 * scale)


def test_time_based_bridge_counts_steps():
    _assert_close(
        _evaluate(keras_schedules.time_based_decay_schedule(0.2, 0.03)),
        schedules.time_based_decay(STEPS, 0.2, 0.03),
    )


def test_time_based_bridge_counts_epochs_with_staircase():
    spe = 17
    _assert_close(
        _evaluate(keras_schedules.time_based_decay_schedule(0.2, 0.3, steps_per_epoch=spe)),
        schedules.time_based_decay(STEPS // spe, 0.2, 0.3),
    )


def test_exponential_bridge_counts_steps():
    _assert_close(
        _evaluate(keras_schedules.exponential_decay_schedule(0.2, 0.002)),
        schedules.exponential_decay(STEPS, 0.2, 0.002),
    )
    # Stays precise relative to the current LR too, deep into the decay.
    long = np.arange(0, 5000, 7)
    np.testing.assert_allclose(
        _evaluate(keras_schedules.exponential_decay_schedule(0.2, 1e-3), long),
        schedules.exponential_decay(long, 0.2, 1e-3),
        rtol=1e-6,
    )


def test_exponential_bridge_with_zero_decay_is_constant():
    assert float(keras_schedules.exponential_decay_schedule(0.2, 0.0)(10_000)) == pytest.approx(0.2)


def test_exponential_bridge_counts_epochs_with_staircase():
    spe = 13
    _assert_close(
        _evaluate(keras_schedules.exponential_decay_schedule(0.2, 0.05, steps_per_epoch=spe)),
        schedules.exponential_decay(STEPS // spe, 0.2, 0.05),
    )


@pytest.mark.parametrize("spe, step_size", [(10, 3), (7, 1), (32, 5)])
def test_step_bridge_matches_epoch_formula_at_every_step(spe, step_size):
    _assert_close(
        _evaluate(keras_schedules.step_decay_schedule(0.2, 0.6, step_size, spe)),
        schedules.step_decay(STEPS // spe, 0.2, 0.6, step_size),
    )


def test_step_bridge_boundaries():
    schedule = keras_schedules.step_decay_schedule(0.2, 0.5, step_size=2, steps_per_epoch=10)
    # epoch 1 ends at step 19 (old LR); epoch 2 starts at step 20 (dropped once).
    assert float(schedule(19)) == pytest.approx(0.2)
    assert float(schedule(20)) == pytest.approx(0.1)


def test_custom_schedule_matches_formula():
    schedule = keras_schedules.CustomLearningRateSchedule(0.1, decay_steps=100, decay_rate=0.5)
    _assert_close(_evaluate(schedule), 0.1 * 0.5 ** (STEPS / 100))


def test_custom_schedule_get_config_round_trip():
    schedule = keras_schedules.CustomLearningRateSchedule(0.1, 250, 0.9)
    config = schedule.get_config()
    assert config == {"initial_learning_rate": 0.1, "decay_steps": 250.0, "decay_rate": 0.9}
    again = keras_schedules.CustomLearningRateSchedule.from_config(config)
    assert float(again(123)) == pytest.approx(float(schedule(123)))
    restored = keras.optimizers.schedules.deserialize(
        keras.optimizers.schedules.serialize(schedule)
    )
    assert isinstance(restored, keras_schedules.CustomLearningRateSchedule)


def test_linear_warmup_matches_keras_cosine_warmup_and_round_trips():
    steps = np.arange(0, 1200, 7)
    ours = keras_schedules.LinearWarmup(
        keras.optimizers.schedules.CosineDecay(0.2, 1000, alpha=0.05), 30, 0.01
    )
    keras_builtin = keras.optimizers.schedules.CosineDecay(
        0.01, 1000, alpha=0.05, warmup_target=0.2, warmup_steps=30
    )
    got = np.asarray(ours(steps))
    np.testing.assert_allclose(
        got[::10], _evaluate(keras_builtin, steps[::10]), rtol=1e-5, atol=1e-8
    )
    np.testing.assert_allclose(
        got[steps < 30], schedules.linear_warmup(steps[steps < 30], 0.01, 0.2, 30), rtol=1e-6
    )
    rebuilt = keras_schedules.LinearWarmup.from_config(ours.get_config())
    np.testing.assert_allclose(np.asarray(rebuilt(steps)), got, rtol=1e-7)
    assert (
        keras.saving.get_registered_name(keras_schedules.LinearWarmup) == "lrlab>LinearWarmup"
    )  # saved models load
    constant_after = keras_schedules.LinearWarmup(0.5, 10)
    assert float(constant_after(5)) == pytest.approx(0.25) and float(
        constant_after(50)
    ) == pytest.approx(0.5)


@pytest.fixture(scope="module")
def digits():
    return data.load_digits()


def test_custom_schedule_trains_in_graph_mode_and_survives_save_load(tmp_path, digits):
    (x, y), _ = digits
    schedule = keras_schedules.CustomLearningRateSchedule(0.05, decay_steps=20, decay_rate=0.5)
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=schedule))
    model.fit(x[:512], y[:512], epochs=2, batch_size=64, verbose=0)
    assert int(model.optimizer.iterations) == 16
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.optimizer._learning_rate, keras_schedules.CustomLearningRateSchedule)
    assert int(loaded.optimizer.iterations) == 16
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.05 * 0.5 ** (16 / 20), rel=1e-6)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    clone = keras.models.clone_model(model)
    clone.compile(
        optimizer=keras.optimizers.SGD(learning_rate=schedule),
        loss="sparse_categorical_crossentropy",
    )
    clone.fit(x[:64], y[:64], epochs=1, batch_size=64, verbose=0)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: keras_schedules.CustomLearningRateSchedule(0, 10, 0.5), "initial_learning_rate"),
        (lambda: keras_schedules.CustomLearningRateSchedule(0.1, 0, 0.5), "decay_steps"),
        (lambda: keras_schedules.CustomLearningRateSchedule(0.1, 10, -0.5), "decay_rate"),
        (lambda: keras_schedules.CustomLearningRateSchedule(0.1, "10", 0.5), "decay_steps"),
        (lambda: keras_schedules.time_based_decay_schedule(-0.1, 0.5), "initial_lr"),
        (
            lambda: keras_schedules.time_based_decay_schedule(0.1, 0.5, steps_per_epoch=0),
            "steps_per_epoch",
        ),
        (lambda: keras_schedules.step_decay_schedule(0.1, 0.5, 2, None), "steps_per_epoch"),
        (lambda: keras_schedules.step_decay_schedule(0.1, 2.0, 2, 10), "factor"),
        (lambda: keras_schedules.step_decay_schedule(0.1, 0.5, 0, 10), "step_size"),
        (lambda: keras_schedules.exponential_decay_schedule(0.1, -1.0), "decay_rate"),
        (lambda: keras_schedules.LinearWarmup(0.1, 0), "warmup_steps"),
        (lambda: keras_schedules.LinearWarmup(-0.1, 5), "after"),
        (
            lambda: keras_schedules.LinearWarmup(0.1, 5, initial_learning_rate=-0.1),
            "initial_learning_rate",
        ),
    ],
)
def test_bad_arguments(call, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        call()


# ---- WarmupStableDecay ---------------------------------------------------------------------------

WSD = (0.3, 7, 11, 5)  # peak_learning_rate, warmup_steps, stable_steps, decay_steps


@pytest.mark.parametrize("w, s, d", [(7, 11, 5), (0, 3, 4), (5, 0, 1), (1, 1, 1)])
def test_warmup_stable_decay_matches_its_closed_form_at_every_boundary_eagerly_and_in_graph_mode(
    w, s, d
):
    import tensorflow as tf

    schedule = keras_schedules.WarmupStableDecay(0.3, w, s, d)
    steps = sorted(
        {
            max(k, 0)
            for k in (
                0,
                1,
                w - 1,
                w,
                w + 1,
                w + s - 1,
                w + s,
                w + s + 1,
                w + s + d - 1,
                w + s + d,
                w + s + d + 1,
                3 * (w + s + d) + 2,
            )
        }
    )
    want = schedules.warmup_stable_decay(np.array(steps), 0.3, w, s, d)
    traced = tf.function(lambda step: schedule(step))
    np.testing.assert_allclose([float(schedule(k)) for k in steps], want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(
        [float(traced(tf.constant(k, tf.int64))) for k in steps], want, rtol=1e-6, atol=1e-8
    )


def test_warmup_stable_decay_saves_and_loads_with_a_model(tmp_path):
    schedule = keras_schedules.WarmupStableDecay(*WSD)
    assert (
        keras_schedules.WarmupStableDecay.from_config(schedule.get_config()).get_config()
        == schedule.get_config()
    )
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(schedule), "mse")
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 1), "float32")
    model.fit(x, y, batch_size=4, epochs=3, verbose=0)  # 6 steps, in graph mode
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras").optimizer
    assert (
        isinstance(loaded._learning_rate, keras_schedules.WarmupStableDecay)
        and int(loaded.iterations) == 6
    )
    assert float(loaded.learning_rate) == pytest.approx(schedules.warmup_stable_decay(6, *WSD))


@pytest.mark.parametrize(
    "args, name",
    [
        ((0.0, 1, 1, 1), "peak_learning_rate"),
        ((0.1, -1, 1, 1), "warmup_steps"),
        ((0.1, 1, 2.5, 1), "stable_steps"),
        ((0.1, 1, 1, 0), "decay_steps"),
    ],
)
def test_warmup_stable_decay_bad_arguments_name_the_argument(args, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        keras_schedules.WarmupStableDecay(*args)
