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
