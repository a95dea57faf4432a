"""The tiny models: the digits MLP learns and is seeded; the capstone's budget fits its data."""

import numpy as np
import pytest

from lrlab import data, models


@pytest.mark.slow  # trains a model: full suite only
def test_digits_mlp_learns_and_is_seeded():
    import keras

    (x, y), (xv, yv) = data.load_digits()
    model = models.digits_mlp(optimizer=keras.optimizers.Adam(0.01))
    same = models.digits_mlp()
    for a, b in zip(model.get_weights(), same.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.fit(x, y, epochs=5, batch_size=64, verbose=0)
    _, accuracy = model.evaluate(xv, yv, verbose=0)
    assert accuracy > 0.9


def test_digits_mlp_bad_units():
    with pytest.raises(ValueError, match="`hidden_units`.*Received: hidden_units=0"):
        models.digits_mlp(hidden_units=0)


def test_the_capstone_budget_is_one_pass_over_its_data_per_epoch():
    (x, _), _ = data.capstone_data()
    budget = models.CAPSTONE
    assert -(-len(x) // budget["batch_size"]) == budget["steps_per_epoch"]


def test_deep_mlp_has_depth_hidden_layers_and_is_seeded():
    import keras

    model = models.deep_mlp(depth=3, optimizer=keras.optimizers.SGD(0.1))
    assert [layer.units for layer in model.layers] == [64, 64, 64, 10]
    for a, b in zip(model.get_weights(), models.deep_mlp(depth=3).get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.loss == "sparse_categorical_crossentropy"
    with pytest.raises(ValueError, match="`depth`.*Received: depth=0"):
        models.deep_mlp(depth=0)


def test_evaluate_agrees_with_keras_evaluate():
    import keras

    (x, y), (xv, yv) = data.load_digits()
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(0.1))
    loss, accuracy = model.evaluate(xv, yv, verbose=0)
    assert models.evaluate(model, xv, yv) == pytest.approx((accuracy, loss), rel=1e-4)


@pytest.mark.slow  # trains a model: full suite only
def test_train_digits_is_seeded_and_counts_global_steps():
    import keras

    (x, y), _ = data.load_digits()
    runs = [
        models.train_digits(
            keras.optimizers.SGD(0.05, momentum=0.9), x[:256], y[:256], batch_size=64, epochs=2
        )
        for _ in range(2)
    ]
    assert int(runs[0].optimizer.iterations) == 8
    for a, b in zip(runs[0].get_weights(), runs[1].get_weights()):
        np.testing.assert_array_equal(a, b)
    # a function making the optimizer, as inside a strategy's scope
    model = models.train_digits(
        lambda: keras.optimizers.SGD(0.05), x[:256], y[:256], batch_size=128, epochs=1
    )
    assert int(model.optimizer.iterations) == 2


# ---- branch: fork a training run (lesson 09's WSD cooldowns) -----------------------------------


def _tiny_model():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, activation="tanh"), keras.layers.Dense(1)]
    )


@pytest.mark.slow  # trains a model: full suite only
def test_branch_copies_weights_and_optimizer_state_so_both_continue_alike():
    import keras

    from lrlab.keras_schedules import WarmupStableDecay

    x = np.random.default_rng(0).standard_normal((16, 4)).astype("float32")
    y = x[:, :1] * 2
    model = _tiny_model()
    model.compile(keras.optimizers.Adam(WarmupStableDecay(0.05, 2, 10, 4)), "mse")
    model.fit(x, y, batch_size=16, epochs=5, verbose=0, shuffle=False)
    copy = models.branch(model, WarmupStableDecay(0.05, 2, 10, 4), loss="mse")
    assert int(copy.optimizer.iterations) == 5 and copy.optimizer is not model.optimizer
    for m in (model, copy):
        m.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), copy.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_branch_needs_a_trained_model():
    with pytest.raises(ValueError, match="`model`"):
        models.branch(_tiny_model(), 0.1, loss="mse")
