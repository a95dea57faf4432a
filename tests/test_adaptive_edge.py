"""The edge of stability with momentum and with Adam (lrlab.sharpness, lesson 09, issue 23).

On a linear model with the MSE loss the Hessian is known exactly: for inputs diag(1, 2) and
targets 0, L(w) = (w1**2 + 4 w2**2) / 2, so H = diag(1, 4). Every expected value below is
computed in NumPy from the update rules in Keras's source, not by lrlab.
"""

import keras
import numpy as np
import pytest

from lrlab import sharpness

X = np.array([[1.0, 0.0], [0.0, 2.0]], "float32")
Y = np.zeros((2, 1), "float32")
H = np.array([1.0, 4.0])  # the Hessian's diagonal


def linear_model():
    model = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")]
    )
    return model


def test_momentum_run_follows_keras_heavy_ball_and_moves_the_limit():
    run = sharpness.full_batch_gradient_descent(
        linear_model(), "mse", X, Y, learning_rate=0.1, steps=6, measure_every=3, momentum=0.5
    )
    w, v, losses = np.ones(2), np.zeros(2), []
    for _ in range(6):  # Keras SGD: v <- beta v - lr g; w <- w + v
        losses.append(0.5 * np.sum(H * w**2))
        v = 0.5 * v - 0.1 * H * w
        w = w + v
    losses.append(0.5 * np.sum(H * w**2))
    np.testing.assert_allclose(run.losses, losses, rtol=1e-5)
    np.testing.assert_allclose(run.sharpness, 4.0, rtol=1e-3)
    assert run.momentum == 0.5
    assert run.stability_limit == pytest.approx(2 * 1.5 / 0.1)


def test_plain_run_keeps_two_over_lr():
    run = sharpness.full_batch_gradient_descent(
        linear_model(), "mse", X, Y, learning_rate=0.2, steps=2, measure_every=2
    )
    assert run.momentum == 0.0 and run.stability_limit == pytest.approx(10.0)


@pytest.mark.parametrize("scale, expected", [([2.0, 0.5], 4.0), ([3.0, 0.5], 9.0)])
def test_scaled_meter_is_the_largest_eigenvalue_of_s_h_s(scale, expected):
    meter = sharpness.SharpnessMeter(linear_model(), "mse", X, Y)
    assert meter(500, 1e-8, scale=np.array(scale)) == pytest.approx(expected, rel=1e-5)
    fresh = sharpness.SharpnessMeter(linear_model(), "mse", X, Y)  # a new random start
    assert fresh(500, 1e-8) == pytest.approx(4.0, rel=1e-5)  # no scale: H itself


def test_scale_must_match_the_weights():
    meter = sharpness.SharpnessMeter(linear_model(), "mse", X, Y)
    with pytest.raises(ValueError, match="scale"):
        meter(scale=np.ones(3))
    with pytest.raises(ValueError, match="scale"):
        meter(scale=np.array([1.0, -1.0]))


def test_momentum_must_be_below_one():
    with pytest.raises(ValueError, match="momentum"):
        sharpness.full_batch_gradient_descent(
            linear_model(), "mse", X, Y, learning_rate=0.1, steps=1, momentum=1.0
        )


def test_adam_run_measures_the_preconditioned_sharpness_of_kerass_adam():
    lr, b1, b2, eps = 0.05, 0.8, 0.9, 1e-3
    run = sharpness.full_batch_adam(
        linear_model(),
        "mse",
        X,
        Y,
        learning_rate=lr,
        steps=4,
        measure_every=2,
        iterations=500,
        tolerance=1e-8,
        beta_1=b1,
        beta_2=b2,
        epsilon=eps,
    )
    w, m, v, expected = np.ones(2), np.zeros(2), np.zeros(2), [4.0]  # step 0: plain sharpness
    for t in range(1, 5):  # keras/src/optimizers/adam.py, update_step
        g = H * w
        m += (g - m) * (1 - b1)
        v += (g**2 - v) * (1 - b2)
        w = w - lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        if t % 2 == 0:
            preconditioner = (np.sqrt(v) + eps) / np.sqrt(1 - b2**t)
            expected.append(np.max(H / preconditioner))  # P^-1 H is diagonal here
    np.testing.assert_allclose(run.sharpness, expected, rtol=1e-4)
    np.testing.assert_allclose(run.losses[-1], 0.5 * np.sum(H * w**2), rtol=1e-4)
    assert run.stability_limit == pytest.approx((2 + 2 * b1) / ((1 - b1) * lr))


def test_adam_limit_is_38_over_lr_at_the_default_beta_1():
    run = sharpness.full_batch_adam(
        linear_model(), "mse", X, Y, learning_rate=0.01, steps=1, measure_every=1
    )
    assert run.stability_limit == pytest.approx(3800.0)
