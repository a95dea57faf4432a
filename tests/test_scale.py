"""lrlab.scale (pure NumPy): lesson 10's effective learning rate, update ratio, weight-decay
equilibrium, Li & Arora's exponential learning rate and μP's per-layer rules.

Independent references: hand computations and plain gradient descent on a scale-invariant loss
written out in NumPy. The Keras side (models, optimizers, the recorder) is in test_keras_scale.py.
"""

import math

import numpy as np
import pytest

from lrlab import scale

KERNEL = np.array([[3.0, 0.0, 1.0], [4.0, -2.0, 0.0]])  # columns' squared norms 25, 4, 1


# ---- lrlab.scale ---------------------------------------------------------------------------------


def test_effective_learning_rate_by_hand():
    assert scale.effective_learning_rate(0.3, KERNEL) == pytest.approx(0.3 / 30)
    np.testing.assert_allclose(
        scale.effective_learning_rate(0.3, KERNEL, "batch"), [0.3 / 25, 0.3 / 4, 0.3 / 1]
    )
    assert isinstance(scale.effective_learning_rate(0.3, KERNEL), float)


def test_effective_learning_rate_falls_as_the_square_of_the_scale():
    for c in (0.01, 2.0, 1e3):
        assert scale.effective_learning_rate(0.1, c * KERNEL) == pytest.approx(
            scale.effective_learning_rate(0.1, KERNEL) / c**2
        )


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"kernel": np.zeros((2, 3))}, "kernel"),
        ({"kernel": [1.0, 2.0]}, "kernel"),
        ({"kernel": [[np.nan, 1.0]]}, "kernel"),
        ({"kernel": [[1.0, 0.0], [2.0, 0.0]], "normalization": "batch"}, "kernel"),
        ({"normalization": "group"}, "normalization"),
    ],
)
def test_effective_learning_rate_rejects_bad_arguments_naming_them(kwargs, name):
    arguments = {"learning_rate": 0.1, "kernel": KERNEL, "normalization": "layer", **kwargs}
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        scale.effective_learning_rate(**arguments)


def test_update_ratio_in_both_norms_by_hand():
    before = np.diag([3.0, 4.0])
    after = before + np.array([[0.0, 0.5], [0.0, 0.0]])
    assert scale.update_ratio(before, after) == pytest.approx(0.5 / 5.0)
    assert scale.update_ratio(before, after, ord=2) == pytest.approx(0.5 / 4.0)
    assert scale.update_ratio([1.0, -1.0], [1.0, -1.0]) == 0.0


@pytest.mark.parametrize(
    "before, after, ord, name",
    [
        ([1.0, 2.0], [1.0], "fro", "after"),
        ([0.0, 0.0], [1.0, 1.0], "fro", "before"),
        ([1.0, 2.0], [1.0, 2.0], 2, "ord"),
        ([[1.0]], [[1.0]], 1, "ord"),
    ],
)
def test_update_ratio_rejects_bad_arguments(before, after, ord, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        scale.update_ratio(before, after, ord=ord)


def _scale_invariant_gradient_descent(lr, wd, steps, seed=0):
    """Plain GD with Keras's decoupled decay, w <- (1 - lr wd) w - lr ∇L(w), on the scale-
    invariant loss L(w) = -(a·w)/|w| (the cosine to a fixed a): norms before each step and ratios."""
    rng = np.random.default_rng(seed)
    a, w = rng.normal(size=20), rng.normal(size=20)
    norms, ratios = [np.linalg.norm(w)], []
    for _ in range(steps):
        n = np.linalg.norm(w)
        grad = -(a / n - (a @ w) * w / n**3)
        new = (1 - lr * wd) * w - lr * grad
        ratios.append(np.linalg.norm(new - w) / n)
        w = new
        norms.append(np.linalg.norm(w))
    return np.array(norms), np.array(ratios)


def test_the_update_ratio_identity_behind_the_equilibrium_holds_at_every_step():
    # |Δw|²/|w|² = 2 lr wd + (|w'|²/|w|² - 1) for scale-invariant weights: at a standing norm the
    # ratio is sqrt(2 lr wd).
    norms, ratios = _scale_invariant_gradient_descent(0.5, 0.02, 400)
    identity = ratios**2 - (2 * 0.5 * 0.02 + norms[1:] ** 2 / norms[:-1] ** 2 - 1)
    np.testing.assert_allclose(identity, 0.0, atol=1e-12)
    assert scale.equilibrium_update_ratio(0.5, 0.02) == pytest.approx(math.sqrt(0.02))


def test_equilibrium_update_ratio_arguments():
    with pytest.raises(ValueError, match="`weight_decay`"):
        scale.equilibrium_update_ratio(0.1, 0.0)
    with pytest.raises(ValueError, match="`weight_decay` must be < 1 / learning_rate"):
        scale.equilibrium_update_ratio(2.0, 0.6)
    with pytest.raises(ValueError, match="`learning_rate`"):
        scale.equilibrium_update_ratio(-0.1, 0.1)


def test_exponential_learning_rate_replays_gradient_descent_with_weight_decay():
    # Li & Arora 2020: on a scale-invariant loss, GD with decay == GD without it at the growing LR,
    # weights in the ratio (1 - lr wd)^t.
    rng = np.random.default_rng(1)
    a, w0 = rng.normal(size=8), rng.normal(size=8)

    def grad(w):
        n = np.linalg.norm(w)
        return -(a / n - (a @ w) * w / n**3)

    lr, wd = 0.3, 0.2
    decayed, grown = w0.copy(), w0.copy()
    for t in range(60):
        decayed = (1 - lr * wd) * decayed - lr * grad(decayed)
        grown = grown - scale.exponential_learning_rate(t, lr, wd) * grad(grown)
    np.testing.assert_allclose(decayed, (1 - lr * wd) ** 60 * grown, rtol=1e-6)


def test_exponential_learning_rate_values_arrays_and_errors():
    assert scale.exponential_learning_rate(0, 0.1, 0.5) == pytest.approx(0.1 / 0.95)
    assert scale.exponential_learning_rate(3, 0.1, 0.0) == 0.1
    rates = scale.exponential_learning_rate(np.arange(4), 0.2, 0.5)
    np.testing.assert_allclose(rates, 0.2 * 0.9 ** (-2 * np.arange(4) - 1))
    with pytest.raises(ValueError, match="`step`"):
        scale.exponential_learning_rate(-1, 0.1, 0.1)
    with pytest.raises(ValueError, match="`weight_decay`"):
        scale.exponential_learning_rate(1, 0.5, 2.0)


def _angle_loss_norms(lr, wd, gradient_norm, start_norm, steps, seed=0):
    """|w_t| of plain GD with Keras's decoupled decay on L(w) = G·angle(w, a): scale-invariant,
    with |∇L(w)| = G/|w| exactly (the angle's gradient has size 1/|w|), in 12 dimensions."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=12)
    a /= np.linalg.norm(a)
    w = rng.normal(size=12)
    w *= start_norm / np.linalg.norm(w)
    norms = [np.linalg.norm(w)]
    for _ in range(steps):
        n = np.linalg.norm(w)
        cosine = a @ w / n
        grad = -gradient_norm * (a - cosine * w / n) / (n * math.sqrt(1 - cosine**2))
        w = (1 - lr * wd) * w - lr * grad
        norms.append(np.linalg.norm(w))
    return np.array(norms)


def test_the_angle_loss_is_scale_invariant_with_a_gradient_of_size_g_over_the_norm():
    # The reference's own check, by central differences: L(cw) = L(w), |∇L(w)| = G/|w|.
    rng = np.random.default_rng(3)
    a, w = rng.normal(size=5), rng.normal(size=5)
    a /= np.linalg.norm(a)

    def loss(v):
        return 2.5 * math.acos(a @ v / np.linalg.norm(v))

    eye = np.eye(5) * 1e-6
    numeric = np.array([(loss(w + e) - loss(w - e)) / 2e-6 for e in eye])
    assert loss(3 * w) == pytest.approx(loss(w), rel=1e-12)
    assert np.linalg.norm(numeric) == pytest.approx(2.5 / np.linalg.norm(w), rel=1e-6)
    assert abs(numeric @ w) < 1e-6


@pytest.mark.parametrize(
    "lr, wd, start_norm",
    [(0.1, 0.1, 2.0), (0.4, 0.025, 2.0), (0.1, 0.0, 2.0), (0.03, 0.5, 0.3), (1.0, 0.02, 9.0)],
)
def test_norm_trajectory_is_the_norm_of_gradient_descent_on_a_scale_invariant_loss(
    lr, wd, start_norm
):
    expected = _angle_loss_norms(lr, wd, 5.0, start_norm, 400)
    np.testing.assert_allclose(
        scale.norm_trajectory(400, lr, wd, 5.0, start_norm), expected, rtol=1e-11
    )


def test_the_norm_settles_at_the_equilibrium_norm_found_by_gradient_descent():
    for lr, wd, g in [(0.1, 0.1, 5.0), (0.4, 0.025, 5.0), (0.5, 0.2, 0.7)]:
        settled = _angle_loss_norms(lr, wd, g, 2.0, 3000)[-1]
        assert scale.equilibrium_norm(lr, wd, g) == pytest.approx(settled, rel=1e-10)
        # Started there, it stays there.
        start = scale.equilibrium_norm(lr, wd, g)
        np.testing.assert_allclose(scale.norm_trajectory(50, lr, wd, g, start), start, rtol=1e-13)


def test_equal_products_settle_at_one_effective_learning_rate_sqrt_lr_wd_2_minus_lr_wd_over_g():
    for product in (1e-4, 0.01, 0.3):
        rates = [lr / scale.equilibrium_norm(lr, product / lr, 3.0) ** 2 for lr in (0.05, 0.2, 1.0)]
        np.testing.assert_allclose(rates, math.sqrt(product * (2 - product)) / 3.0, rtol=1e-12)
    # The norms in the ratio (lr / wd)**(1/4): lr x4 and wd / 4 -> norm x2.
    assert scale.equilibrium_norm(0.4, 0.025, 5.0) == pytest.approx(
        2 * scale.equilibrium_norm(0.1, 0.1, 5.0), rel=1e-12
    )


def test_near_the_equilibrium_each_step_multiplies_the_gap_by_2_rho_squared_minus_1():
    lr, wd, g = 0.2, 0.05, 4.0
    target = scale.equilibrium_norm(lr, wd, g) ** 2
    squared = scale.norm_trajectory(40, lr, wd, g, math.sqrt(target * 1.001)) ** 2
    factors = (squared[1:] - target) / (squared[:-1] - target)
    rho = 1 - lr * wd
    np.testing.assert_allclose(factors[:20], 2 * rho**2 - 1, rtol=1e-2)


def test_without_decay_the_squared_norm_squared_grows_by_about_2_lr2_g2_a_step():
    s = scale.norm_trajectory(1000, 0.1, 0.0, 5.0, 2.0) ** 2
    growth = np.diff(s**2)
    assert np.all(growth > 2 * 0.1**2 * 25) and growth[-1] == pytest.approx(0.5, rel=1e-3)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"steps": -1}, "steps"),
        ({"steps": 2.5}, "steps"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"weight_decay": -0.1}, "weight_decay"),
        ({"weight_decay": 20.0}, "weight_decay"),
        ({"gradient_norm": 0.0}, "gradient_norm"),
        ({"start_norm": -2.0}, "start_norm"),
    ],
)
def test_norm_trajectory_rejects_bad_arguments_naming_them(kwargs, name):
    arguments = {
        "steps": 10,
        "learning_rate": 0.1,
        "weight_decay": 0.1,
        "gradient_norm": 5.0,
        "start_norm": 2.0,
        **kwargs,
    }
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        scale.norm_trajectory(**arguments)


@pytest.mark.parametrize(
    "args, name",
    [
        ((0.1, 0.0, 5.0), "weight_decay"),
        ((0.5, 3.0, 5.0), "weight_decay"),
        ((0.1, 0.1, -1.0), "gradient_norm"),
    ],
)
def test_equilibrium_norm_rejects_bad_arguments_naming_them(args, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        scale.equilibrium_norm(*args)


def test_parametrization_rules_are_tensor_programs_v_table_8_relative_to_the_base_width():
    mup = scale.parametrization_rules(512, 32, "mup")
    sp = scale.parametrization_rules(512, 32, "sp")
    assert mup["width_multiplier"] == 16
    assert mup["hidden"]["lr_multiplier"] == 1 / 16 and sp["hidden"]["lr_multiplier"] == 1.0
    assert mup["input"]["lr_multiplier"] == mup["output"]["lr_multiplier"] == 1.0
    assert mup["output_multiplier"] == 1 / 16 and sp["output_multiplier"] == 1.0
    assert mup["output"]["init_std"] == pytest.approx(math.sqrt(1 / 32))
    assert sp["output"]["init_std"] == pytest.approx(math.sqrt(1 / 512))
    # Table 3's form: the output weights' effective variance (init var x multiplier^2) ~ 1/fan_in^2
    effective = mup["output"]["init_std"] ** 2 * mup["output_multiplier"] ** 2
    assert effective == pytest.approx(32 / 512**2)
    assert scale.parametrization_rules(32, 32, "mup") == scale.parametrization_rules(32, 32, "sp")
    with pytest.raises(ValueError, match="`parametrization`"):
        scale.parametrization_rules(64, 32, "ntk")
    with pytest.raises(ValueError, match="`width`"):
        scale.parametrization_rules(0, 32)
