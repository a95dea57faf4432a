"""lrlab.keras_scale (Keras): lesson 10's scale-invariant digits model, the SP and μP MLPs and
their per-layer Adam learning rates, the learning-rate sweep and `UpdateRatioRecorder`.

Independent references: numeric derivatives of the loss along the scale of the weights, Keras's
own SGD and Adam steps, a fresh model and optimizer per learning rate, and SGD steps replayed by
hand with tf.GradientTape.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from lrlab import data, fine_tuning, keras_scale, scale

LOGITS_LOSS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@pytest.fixture(scope="module")
def digits():
    (x, y), _ = data.load_digits()
    return x[:256], y[:256]


def _loss(model, x, y):
    return LOGITS_LOSS(y, model(x, training=True))


@pytest.mark.parametrize("normalization", ["layer", "batch"])
def test_normalized_mlp_is_scale_invariant_with_a_gradient_orthogonal_to_the_kernel(
    normalization, digits
):
    x, y = digits
    model = keras_scale.normalized_mlp(normalization)
    kernel = model.get_layer("normalized_dense").kernel
    w = kernel.numpy()

    def loss_grad(values):
        kernel.assign(values)
        with tf.GradientTape() as tape:
            loss = _loss(model, x, y)
        return float(loss), tape.gradient(loss, kernel).numpy()

    loss, grad = loss_grad(w)
    for c in (0.5, 4.0):
        loss_c, grad_c = loss_grad(c * w)
        assert loss_c == pytest.approx(loss, abs=1e-4)
        np.testing.assert_allclose(c * grad_c, grad, atol=1e-4 * np.abs(grad).max())
    assert abs(np.sum(w * grad)) < 1e-5 * np.linalg.norm(w) * np.linalg.norm(grad)
    # The numeric derivative of the loss along w (a central difference in the scale) is 0.
    up, down = loss_grad(1.01 * w)[0], loss_grad(0.99 * w)[0]
    assert abs(up - down) / 0.02 < 1e-3
    # BatchNorm: one column alone is scale-invariant too; LayerNorm: it is not.
    one = w.copy()
    one[:, 0] *= 5.0
    changed = abs(loss_grad(one)[0] - loss)
    assert changed < 1e-5 if normalization == "batch" else changed > 1e-3


def test_normalized_mlp_arguments():
    with pytest.raises(ValueError, match="`normalization`"):
        keras_scale.normalized_mlp("group")
    with pytest.raises(ValueError, match="`epsilon`"):
        keras_scale.normalized_mlp(epsilon=0.0)


def test_a_scaled_copy_with_the_squared_lr_takes_the_same_sgd_steps(digits):
    # The effective learning rate: kernel x3 with LR x9 (per_layer_optimizer) == the original.
    x, y = digits
    kernels, losses = [], []
    for factor in (1.0, 3.0):
        model = keras_scale.normalized_mlp("layer")
        layer = model.get_layer("normalized_dense")
        layer.kernel.assign(factor * layer.kernel)
        optimizer = fine_tuning.per_layer_optimizer(
            keras.optimizers.SGD, {layer: 0.2 * factor**2}, 0.2
        )
        model.compile(optimizer=optimizer, loss=LOGITS_LOSS)
        keras.utils.set_random_seed(0)
        history = model.fit(x, y, batch_size=32, epochs=2, verbose=0)
        kernels.append(layer.kernel.numpy() / factor)
        losses.append(history.history["loss"])
    np.testing.assert_allclose(kernels[1], kernels[0], atol=1e-5 * np.abs(kernels[0]).max())
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-5)


def test_mlp_at_the_base_width_is_the_same_network_in_both_parametrizations():
    sp, mup = keras_scale.mlp(32, "sp"), keras_scale.mlp(32, "mup")
    for a, b in zip(sp.get_weights(), mup.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).random((5, 64)).astype("float32")
    np.testing.assert_allclose(sp(x), mup(x), rtol=1e-6)


def test_mlp_follows_the_rules_init_multiplier_and_layers():
    model = keras_scale.mlp(256, "mup", base_width=16, depth=3, seed=1)
    names = [layer.name for layer in model.layers]
    assert names == ["input_dense", "hidden_1", "hidden_2", "output_multiplier", "output"]
    kernels = {
        layer.name: layer.kernel.numpy() for layer in model.layers if hasattr(layer, "kernel")
    }
    assert np.std(kernels["input_dense"]) == pytest.approx(math.sqrt(2 / 64), rel=0.05)
    assert np.std(kernels["hidden_1"]) == pytest.approx(math.sqrt(2 / 256), rel=0.02)
    assert np.std(kernels["output"]) == pytest.approx(math.sqrt(1 / 16), rel=0.05)
    x = np.random.default_rng(0).random((4, 64)).astype("float32")
    hidden = keras.Sequential(model.layers[:3])(x)
    logits = hidden.numpy() / 16 @ kernels["output"] + model.layers[-1].bias.numpy()
    np.testing.assert_allclose(model(x), logits, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="`depth`"):
        keras_scale.mlp(64, depth=1)


@pytest.mark.parametrize("use_multi_optimizer", [None, False])
def test_parametrized_optimizer_gives_hidden_kernels_lr_over_m_and_adam_steps_to_match(
    use_multi_optimizer,
):
    if use_multi_optimizer is None and not fine_tuning.has_multi_optimizer():
        pytest.skip("needs keras.optimizers.MultiOptimizer")
    model = keras_scale.mlp(128, "mup", base_width=32)
    optimizer = keras_scale.parametrized_optimizer(
        model, 0.01, 32, use_multi_optimizer=use_multi_optimizer
    )
    rates = fine_tuning.variable_learning_rates(optimizer, model.trainable_variables)
    for variable in model.trainable_variables:
        expected = 0.01 / 4 if variable.path.endswith("hidden_1/kernel") else 0.01
        assert rates[variable.path] == pytest.approx(expected, rel=1e-6)
    # One step with fixed gradients == a separate Adam with that LR per variable.
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=v.shape).astype("float32") for v in model.trainable_variables]
    before = [v.numpy() for v in model.trainable_variables]
    optimizer.apply(grads, model.trainable_variables)
    for variable, start, grad in zip(model.trainable_variables, before, grads):
        reference = keras.Variable(start)
        keras.optimizers.Adam(rates[variable.path]).apply([grad], [reference])
        np.testing.assert_allclose(variable.numpy(), reference.numpy(), rtol=1e-6, atol=1e-7)
    sp = keras_scale.mup_learning_rates(model, 0.01, 32, "sp")
    assert set(sp.values()) == {0.01}


def test_learning_rate_sweep_equals_a_fresh_model_and_optimizer_per_learning_rate(digits):
    x, y = digits
    lrs = [3e-3, 3e-2]
    model = keras_scale.mlp(64, "mup")
    swept = keras_scale.learning_rate_sweep(
        model,
        keras_scale.parametrized_optimizer(model, 1e-3, 32),
        lrs,
        x,
        y,
        epochs=2,
        batch_size=64,
        seed=3,
    )
    for lr, got in zip(lrs, swept):
        fresh = keras_scale.mlp(64, "mup")
        once = keras_scale.learning_rate_sweep(
            fresh,
            keras_scale.parametrized_optimizer(fresh, lr, 32),
            [lr],
            x,
            y,
            epochs=2,
            batch_size=64,
            seed=3,
        )
        assert got == pytest.approx(once[0], rel=1e-5)
    assert swept[0] != pytest.approx(swept[1], rel=1e-3)  # the runs did differ
    np.testing.assert_array_equal(
        model.get_weights()[0], keras_scale.mlp(64, "mup").get_weights()[0]
    )
    with pytest.raises(ValueError, match="`learning_rates`"):
        keras_scale.learning_rate_sweep(
            model, keras.optimizers.Adam(), [], x, y, epochs=1, batch_size=8
        )


def test_update_ratio_recorder_matches_keras_sgd_steps_by_hand(digits):
    x, y = digits
    model = keras_scale.normalized_mlp("layer")
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss=LOGITS_LOSS)
    kernel = model.get_layer("normalized_dense").kernel
    start = kernel.numpy()
    recorder = keras_scale.UpdateRatioRecorder()
    fro_epoch = keras_scale.UpdateRatioRecorder(["normalized_dense"], every="epoch", ord=2)
    model.fit(
        x, y, batch_size=64, epochs=2, shuffle=False, verbose=0, callbacks=[recorder, fro_epoch]
    )
    assert set(recorder.ratios) == {"normalized_dense", "output"}
    assert len(recorder.ratios["output"]) == 8 and len(fro_epoch.ratios["normalized_dense"]) == 2
    # Replay the 8 SGD steps by hand with tf.GradientTape: the first ratio and the final norm.
    replay = keras_scale.normalized_mlp("layer")
    replay_kernel = replay.get_layer("normalized_dense").kernel
    with tf.GradientTape() as tape:
        loss = LOGITS_LOSS(y[:64], replay(x[:64]))
    step = 0.5 * tape.gradient(loss, replay_kernel).numpy()
    assert recorder.ratios["normalized_dense"][0] == pytest.approx(
        np.linalg.norm(step) / np.linalg.norm(start), rel=1e-4
    )
    assert recorder.start_norms["normalized_dense"] == pytest.approx(np.linalg.norm(start))
    assert recorder.norms["normalized_dense"][-1] == pytest.approx(np.linalg.norm(kernel.numpy()))
    assert fro_epoch.norms["normalized_dense"][-1] == pytest.approx(
        np.linalg.norm(kernel.numpy(), ord=2), rel=1e-5
    )
    # Without weight decay, Pythagoras at every step (the gradient is orthogonal to the kernel).
    norms, ratios = recorder.trajectory("normalized_dense")
    assert norms[0] == recorder.start_norms["normalized_dense"] and len(norms) == len(ratios) + 1
    np.testing.assert_allclose(norms[1:] ** 2, norms[:-1] ** 2 * (1 + ratios**2), rtol=1e-4)
    with pytest.raises(ValueError, match="layer.*no_such_layer"):
        recorder.trajectory("no_such_layer")


@pytest.mark.parametrize(
    "kwargs, name",
    [({"every": "step"}, "every"), ({"ord": 1}, "ord"), ({"layers": "dense"}, "layers")],
)
def test_update_ratio_recorder_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        keras_scale.UpdateRatioRecorder(**kwargs)


def test_update_ratio_recorder_names_a_missing_layer(digits):
    x, y = digits
    model = keras_scale.normalized_mlp("layer")
    model.compile(optimizer="sgd", loss=LOGITS_LOSS)
    with pytest.raises(ValueError, match="no_such_layer"):
        model.fit(
            x,
            y,
            epochs=1,
            verbose=0,
            callbacks=[keras_scale.UpdateRatioRecorder(["no_such_layer"])],
        )


def test_learning_rate_sweep_gives_the_same_losses_with_the_fallback_optimizer(digits):
    # Keras < 3.15 has no MultiOptimizer: per_layer_optimizer's fallback scales each variable's LR
    # inside one Adam, and the sweep sets that Adam's base LR; the runs must be the same.
    if not fine_tuning.has_multi_optimizer():
        pytest.skip("compares the fallback with keras.optimizers.MultiOptimizer")
    x, y = digits
    losses = []
    for use_multi_optimizer in (True, False):
        model = keras_scale.mlp(128, "mup")
        optimizer = keras_scale.parametrized_optimizer(
            model, 1e-3, 32, use_multi_optimizer=use_multi_optimizer
        )
        losses.append(
            keras_scale.learning_rate_sweep(
                model, optimizer, [1e-3, 1e-2], x, y, epochs=2, batch_size=64
            )
        )
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-4)


@pytest.mark.parametrize("lr, wd", [(0.4, 0.025), (0.1, 0.1), (0.1, 0.0)])
def test_norm_trajectory_is_the_norm_under_keras_sgd_with_weight_decay(lr, wd):
    # scale.norm_trajectory's model: every gradient orthogonal to w, of size G/|w| (a random
    # direction each step), applied by Keras's own SGD(weight_decay=wd) to a float64 variable.
    rng = np.random.default_rng(0)
    w = rng.normal(size=16)
    variable = keras.Variable(2.0 * w / np.linalg.norm(w), dtype="float64")
    optimizer = keras.optimizers.SGD(lr, weight_decay=wd)
    norms = [2.0]
    for _ in range(300):
        now = variable.numpy()
        direction = rng.normal(size=16)
        direction -= (direction @ now) / (now @ now) * now
        gradient = 5.0 / np.linalg.norm(now) * direction / np.linalg.norm(direction)
        optimizer.apply([keras.ops.convert_to_tensor(gradient)], [variable])
        norms.append(np.linalg.norm(variable.numpy()))
    # Keras holds the learning rate in float32: agreement to that precision, not float64's.
    np.testing.assert_allclose(norms, scale.norm_trajectory(300, lr, wd, 5.0, 2.0), rtol=1e-7)
