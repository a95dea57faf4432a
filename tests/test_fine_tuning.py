"""lrlab.fine_tuning: layer-wise decay against its closed form, per-layer optimizers (MultiOptimizer
and the old-Keras fallback, forced) against one plain optimizer per layer, the resumable recorder."""

import math

import keras
import numpy as np
import pytest

from lrlab import fine_tuning

HAS_MULTI = fine_tuning.has_multi_optimizer()
PATHS = [
    pytest.param(
        True, id="MultiOptimizer", marks=pytest.mark.skipif(not HAS_MULTI, reason="Keras < 3.15")
    ),
    pytest.param(False, id="fallback"),
]


# ---- layerwise_decay -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, base, decay",
    [(1, 0.1, 0.5), (4, 0.01, 0.5), (6, 3e-4, 0.8), (3, 2.0, 1.0), (12, 1e-3, 0.65)],
)
def test_layerwise_decay_matches_the_closed_form(n, base, decay):
    got = fine_tuning.layerwise_decay(n, base, decay)
    assert isinstance(got, list) and len(got) == n and all(type(v) is float for v in got)
    assert got[-1] == pytest.approx(base)  # the head gets base_lr
    for i, value in enumerate(got):
        assert value == pytest.approx(base * decay ** (n - 1 - i), rel=1e-12)
    if decay < 1:
        assert all(a < b for a, b in zip(got, got[1:]))  # increasing towards the head
        assert got[0] == pytest.approx(base * math.exp((n - 1) * math.log(decay)))


@pytest.mark.parametrize(
    "args, name",
    [
        ((0, 0.1, 0.5), "num_layers"),
        ((2.5, 0.1, 0.5), "num_layers"),
        ((True, 0.1, 0.5), "num_layers"),
        ((3, 0.0, 0.5), "base_lr"),
        ((3, -1e-3, 0.5), "base_lr"),
        ((3, float("nan"), 0.5), "base_lr"),
        ((3, "0.1", 0.5), "base_lr"),
        ((3, 0.1, 0.0), "decay"),
        ((3, 0.1, 1.5), "decay"),
        ((3, 0.1, -0.5), "decay"),
    ],
)
def test_layerwise_decay_rejects_bad_arguments_naming_them(args, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        fine_tuning.layerwise_decay(*args)


# ---- per_layer_optimizer ---------------------------------------------------------------------


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(4, activation="relu", name="first"),
            keras.layers.Dense(4, activation="relu", name="second"),
            keras.layers.Dense(3, name="head"),
        ]
    )


def _gradients(model, step):
    rng = np.random.default_rng(step)
    return [rng.normal(size=v.shape).astype("float32") for v in model.trainable_variables]


def _reference(optimizer_class, rates, steps, **kwargs):
    """Weights after `steps` updates with one plain optimizer per layer (the independent reference)."""
    model = _model()
    optimizers = [optimizer_class(learning_rate=lr, **kwargs) for lr in rates]
    for step in range(steps):
        grads = _gradients(model, step)
        for i, (layer, optimizer) in enumerate(zip(model.layers, optimizers)):
            optimizer.apply(grads[2 * i : 2 * i + 2], layer.trainable_variables)
    return model.get_weights()


@pytest.mark.parametrize("use_multi", PATHS)
@pytest.mark.parametrize(
    "optimizer_class, kwargs",
    [
        (keras.optimizers.Adam, {}),
        (keras.optimizers.SGD, {"momentum": 0.9}),
        (keras.optimizers.RMSprop, {}),
    ],
)
def test_per_layer_optimizer_equals_one_optimizer_per_layer(use_multi, optimizer_class, kwargs):
    rates = [1e-3, 3e-3, 2e-2]
    model = _model()
    optimizer = fine_tuning.per_layer_optimizer(
        optimizer_class,
        dict(zip(model.layers[:2], rates[:2])),
        rates[2],
        use_multi_optimizer=use_multi,
        **kwargs,
    )
    for step in range(4):
        optimizer.apply(_gradients(model, step), model.trainable_variables)
    for got, want in zip(model.get_weights(), _reference(optimizer_class, rates, 4, **kwargs)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    assert model.get_weights()[0].tolist() != _model().get_weights()[0].tolist()  # it did train


def _fit_weights(use_multi):
    model = _model()
    optimizer = fine_tuning.per_layer_optimizer(
        keras.optimizers.Adam,
        {model.layers[0]: 1e-4, ".*/head/.*": 3e-3},
        1e-2,
        use_multi_optimizer=use_multi,
    )
    model.compile(optimizer, keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(48, 5)).astype("float32"), rng.integers(0, 3, 48)
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    return model, optimizer


@pytest.mark.slow  # trains a model: full suite only
@pytest.mark.skipif(not HAS_MULTI, reason="Keras < 3.15 has no MultiOptimizer to compare with")
def test_inside_fit_the_fallback_trains_exactly_like_multi_optimizer():
    (multi, multi_optimizer), (fallback, fallback_optimizer) = (
        _fit_weights(True),
        _fit_weights(False),
    )
    assert isinstance(multi_optimizer, keras.optimizers.MultiOptimizer)
    assert not isinstance(fallback_optimizer, keras.optimizers.MultiOptimizer)
    for a, b in zip(multi.get_weights(), fallback.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert int(fallback_optimizer.iterations) == 6


def test_the_gate_picks_multi_optimizer_when_keras_has_it_and_the_fallback_otherwise(monkeypatch):
    model = _model()
    default = fine_tuning.per_layer_optimizer(keras.optimizers.SGD, {model.layers[0]: 0.01}, 0.1)
    assert (
        type(default).__name__ == "MultiOptimizer"
    ) == HAS_MULTI  # no such class before Keras 3.15
    monkeypatch.setattr(fine_tuning, "has_multi_optimizer", lambda: False)  # as on Keras 3.7-3.14
    old = fine_tuning.per_layer_optimizer(keras.optimizers.SGD, {model.layers[0]: 0.01}, 0.1)
    assert isinstance(old, keras.optimizers.SGD) and type(old).__name__ == "LayerwiseScaledSGD"
    assert old.lr_multipliers == {v.path: pytest.approx(0.1) for v in model.layers[0].weights}
    with pytest.raises(ValueError, match="use_multi_optimizer.*3.15"):
        fine_tuning.per_layer_optimizer(
            keras.optimizers.SGD, {model.layers[0]: 0.01}, 0.1, use_multi_optimizer=True
        )


@pytest.mark.parametrize("use_multi", PATHS)
def test_variable_learning_rates_reports_each_variables_lr(use_multi):
    model = _model()
    optimizer = fine_tuning.per_layer_optimizer(
        keras.optimizers.Adam,
        {model.layers[1]: 2e-4, ".*/bias": 5e-3},
        1e-3,
        use_multi_optimizer=use_multi,
    )
    rates = fine_tuning.variable_learning_rates(optimizer, model.trainable_variables)
    kernel0, bias0, kernel1, bias1, kernel2, bias2 = (
        rates[v.path] for v in model.trainable_variables
    )
    # Exact paths (from the layer) win over the regex, as in OptimizerMap.
    assert (kernel1, bias1) == (pytest.approx(2e-4), pytest.approx(2e-4))
    assert (bias0, bias2) == (pytest.approx(5e-3), pytest.approx(5e-3))
    assert (kernel0, kernel2) == (pytest.approx(1e-3), pytest.approx(1e-3))


def test_variable_learning_rates_of_a_plain_optimizer_is_its_lr_everywhere():
    model = _model()
    rates = fine_tuning.variable_learning_rates(
        keras.optimizers.SGD(0.05), model.trainable_variables
    )
    assert len(rates) == 6 and list(rates.values()) == [pytest.approx(0.05)] * 6


@pytest.mark.parametrize("use_multi", PATHS)
def test_two_regex_keys_matching_one_variable_raise(use_multi):
    model = _model()
    optimizer = fine_tuning.per_layer_optimizer(
        keras.optimizers.SGD,
        {".*kernel": 0.01, ".*/(first|second|head)/.*": 0.02},
        0.1,
        use_multi_optimizer=use_multi,
    )
    with pytest.raises(ValueError, match="(?i)multiple|several"):
        optimizer.apply(_gradients(model, 0), model.trainable_variables)


def test_the_fallback_decays_weights_with_the_default_lr_as_documented():
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(2, use_bias=False),
            keras.layers.Dense(2, use_bias=False),
        ]
    )
    model.set_weights([np.ones((2, 2), "float32")] * 2)
    optimizer = fine_tuning.per_layer_optimizer(
        keras.optimizers.SGD,
        {model.layers[0]: 0.01},
        0.1,
        use_multi_optimizer=False,
        weight_decay=0.5,
    )
    optimizer.apply([np.zeros((2, 2), "float32")] * 2, model.trainable_variables)
    first, second = model.get_weights()
    np.testing.assert_allclose(first, 1 - 0.1 * 0.5)  # not 1 - 0.01 * 0.5
    np.testing.assert_allclose(second, 1 - 0.1 * 0.5)


def test_the_fallback_config_round_trips_its_multipliers():
    model = _model()
    optimizer = fine_tuning.per_layer_optimizer(
        keras.optimizers.Adam, {model.layers[0]: 1e-4}, 1e-3, use_multi_optimizer=False, beta_1=0.8
    )
    config = optimizer.get_config()
    rebuilt = type(optimizer).from_config(config)
    assert rebuilt.lr_multipliers == optimizer.lr_multipliers and rebuilt.beta_1 == 0.8
    assert float(rebuilt.learning_rate) == pytest.approx(1e-3)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"optimizer_class": keras.optimizers.SGD(0.1)}, "optimizer_class"),
        ({"optimizer_class": dict}, "optimizer_class"),
        ({"learning_rates": {}}, "learning_rates"),
        ({"learning_rates": [0.1]}, "learning_rates"),
        ({"learning_rates": {3: 0.1}}, "learning_rates"),
        ({"learning_rates": {"dense(": 0.1}}, "learning_rates"),
        ({"learning_rates": {".*": -0.1}}, "learning_rates"),
        (
            {"learning_rates": {keras.layers.Dense(3): 0.1}},
            "learning_rates",
        ),  # not built: no weights
        ({"default_learning_rate": 0}, "default_learning_rate"),
        ({"default_learning_rate": 1}, None),  # an int default LR is fine: it is converted
        ({"use_multi_optimizer": "yes"}, "use_multi_optimizer"),
    ],
)
def test_per_layer_optimizer_rejects_bad_arguments_naming_them(kwargs, name):
    arguments = {
        "optimizer_class": keras.optimizers.SGD,
        "learning_rates": {".*kernel": 0.01},
        "default_learning_rate": 0.1,
        **kwargs,
    }
    if name is None:
        assert fine_tuning.per_layer_optimizer(**arguments) is not None
        return
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        fine_tuning.per_layer_optimizer(**arguments)


# ---- StepLearningRateRecorder ----------------------------------------------------------------


def _digits_like():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 5)).astype("float32")
    return x, (x[:, 0] > 0).astype("int32")


def _compiled(learning_rate):
    model = _model()
    model.compile(
        keras.optimizers.SGD(learning_rate),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def test_recorder_logs_every_step_of_a_schedule_across_fit_calls_and_a_reload(tmp_path):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)
    x, y = _digits_like()
    recorder = fine_tuning.StepLearningRateRecorder()
    model = _compiled(schedule)
    model.fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[recorder])
    model.save(tmp_path / "run.keras")
    keras.models.load_model(tmp_path / "run.keras").fit(
        x, y, batch_size=10, initial_epoch=2, epochs=3, verbose=0, callbacks=[recorder]
    )
    assert recorder.steps == list(range(12)) and recorder.rewinds() == []
    np.testing.assert_allclose(
        recorder.learning_rates, [0.1 * 0.5 ** (t / 3) for t in range(12)], rtol=1e-6
    )


def test_recorder_shows_where_a_rebuilt_optimizer_restarted_the_schedule():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)
    x, y = _digits_like()
    recorder = fine_tuning.StepLearningRateRecorder()
    _compiled(schedule).fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[recorder])
    _compiled(schedule).fit(x, y, batch_size=10, epochs=1, verbose=0, callbacks=[recorder])
    assert recorder.steps == list(range(8)) + list(range(4))
    assert recorder.rewinds() == [8] and recorder.learning_rates[8] == pytest.approx(0.1)


def test_recorder_reads_a_float_lr_set_by_an_epoch_callback():
    x, y = _digits_like()
    recorder = fine_tuning.StepLearningRateRecorder()
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    _compiled(0.1).fit(x, y, batch_size=20, epochs=3, verbose=0, callbacks=[scheduler, recorder])
    np.testing.assert_allclose(
        recorder.learning_rates, [0.1, 0.1, 0.05, 0.05, 0.1 / 3, 0.1 / 3], rtol=1e-6
    )


@pytest.mark.slow  # trains a model: full suite only
@pytest.mark.skipif(not HAS_MULTI, reason="Keras < 3.15 has no MultiOptimizer")
def test_recorder_logs_a_multi_optimizers_default_member():
    model, _ = _fit_weights(True)
    recorder = fine_tuning.StepLearningRateRecorder()
    x, y = _digits_like()
    model.fit(x, y, batch_size=20, epochs=1, verbose=0, callbacks=[recorder])
    assert recorder.steps == [6, 7] and recorder.learning_rates == [pytest.approx(1e-2)] * 2


# ---- transfer_digits -------------------------------------------------------------------------


def test_transfer_digits_is_a_fixed_few_shot_split():
    (x_pre, y_pre), (x_new, y_new), (x_val, y_val) = fine_tuning.transfer_digits(n_per_class=4)
    assert x_pre.shape == (900, 64) and set(y_pre.tolist()) == set(range(10))
    assert x_new.shape == (20, 64) and np.bincount(y_new).tolist() == [4] * 5
    assert set(y_val.tolist()) == set(range(5)) and 300 < len(x_val) < 897
    assert x_pre.dtype == np.float32 and 0 <= x_pre.min() and x_pre.max() <= 1
    again = fine_tuning.transfer_digits(n_per_class=4)
    assert np.array_equal(again[1][0], x_new) and np.array_equal(again[2][1], y_val)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_per_class": 0}, "n_per_class"),
        ({"n_per_class": 500}, "n_per_class"),
        ({"seed": -1}, "seed"),
        ({"n_per_class": 2.5}, "n_per_class"),
    ],
)
def test_transfer_digits_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        fine_tuning.transfer_digits(**kwargs)
