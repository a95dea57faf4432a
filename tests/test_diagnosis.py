"""`lrlab.diagnosis`: naming a loss curve, checked on closed-form gradient descent and on
curves built by hand at each threshold's boundary."""

import numpy as np
import pytest

from lrlab import diagnosis, landscapes
from lrlab.diagnosis import classify_loss_curve, curve_statistics

nan, inf = float("nan"), float("inf")


def _bowl_losses(lr, curvature=(1.0, 20.0), steps=40, x0=(-4.0, 1.5)):
    path = landscapes.quadratic_trajectory(np.array(x0), curvature, lr, steps)
    with np.errstate(over="ignore", invalid="ignore"):
        return landscapes.quadratic_loss(path, curvature)


def test_gradient_descent_on_a_bowl_is_named_by_its_learning_rate():
    # Independent reference: closed-form descent; the limit is 2 / 20 = 0.1.
    assert classify_loss_curve(_bowl_losses(1e-4)) == "too slow"  # factors 0.9999, 0.998
    assert classify_loss_curve(_bowl_losses(0.05)) == "good"
    assert classify_loss_curve(_bowl_losses(0.11)) == "diverged"  # factor 1 - 0.11*20 = -1.2


@pytest.mark.parametrize("lr", np.linspace(1e-3, 0.0999, 25))
def test_a_stable_quadratic_never_reads_as_unstable(lr):
    # Each loss term shrinks by (1 - lr c)^2 >= 0: the loss falls monotonically even while the
    # weights zig-zag (converge with overshoot), so a stable bowl's loss curve is never unstable.
    assert classify_loss_curve(_bowl_losses(lr)) in ("too slow", "good")


@pytest.mark.parametrize(
    "curve",
    [
        [2.3, 1.0, nan],
        [2.3, nan, 0.1],
        [2.3, 1.0, inf, 0.5],
        [2.3, 1.0, -inf],
        [2.3, 2.4],  # ends above its start
        [2.3, 7.0, 0.2],  # peak above 3x the start, even though it ends low
    ],
)
def test_diverged(curve):
    assert classify_loss_curve(curve) == "diverged"


def test_blow_up_boundary_is_strict():
    assert classify_loss_curve([1.0, 3.0, 0.1], blow_up=3.0) != "diverged"
    assert classify_loss_curve([1.0, 3.0001, 0.1], blow_up=3.0) == "diverged"
    assert classify_loss_curve([1.0, 3.0001, 0.1], blow_up=4.0) != "diverged"


def test_unstable_real_curve_and_bouncing_curve():
    assert classify_loss_curve([2.36, 3.71, 2.29, 2.32, 2.32, 2.32, 2.31, 2.29]) == "unstable"
    assert classify_loss_curve([2.3, 1.2, 2.0, 0.9, 1.8, 0.8, 1.6]) == "unstable"


def test_the_labels_are_not_the_words_for_the_weights_path():
    # "oscillating" used to name both a stable zig-zag of the weights and a broken loss curve;
    # the loss-curve labels and the path regimes now share no word.
    assert diagnosis.DIAGNOSES == ("too slow", "good", "unstable", "diverged")
    assert not {word for label in diagnosis.DIAGNOSES for word in label.split()} - {
        "too",
        "slow",
    } & {word for regime in landscapes.REGIMES for word in regime.split()}
    assert "oscillat" not in " ".join(diagnosis.DIAGNOSES + landscapes.REGIMES)


def test_rise_share_threshold():
    # rises 0.5, falls 1.5: rise share 0.25, drop 0.5.
    curve = [2.0, 1.0, 1.5, 1.0]
    assert curve_statistics(curve)["rise_share"] == pytest.approx(0.25)
    assert classify_loss_curve(curve, max_rise_share=0.25) == "good"  # strict >
    assert classify_loss_curve(curve, max_rise_share=0.2) == "unstable"


def test_noise_floor_ignores_tiny_wiggles_on_a_flat_curve():
    flat = [2.357, 2.356, 2.3568, 2.3556, 2.3566, 2.3555]  # rises 35% of the movement
    assert classify_loss_curve(flat) == "too slow"
    assert classify_loss_curve(flat, noise=0.0) == "unstable"


def test_min_drop_boundary():
    assert classify_loss_curve([2.0, 1.5], min_drop=0.25) == "good"  # drop exactly 0.25
    assert classify_loss_curve([2.0, 1.5001], min_drop=0.25) == "too slow"
    assert classify_loss_curve([2.0, 1.5001], min_drop=0.1) == "good"


def test_statistics_by_hand():
    stats = curve_statistics([4.0, 2.0, 3.0, 1.0])
    # rises 1, falls 2 + 2 = 4: share 1/5; drop 3/4; rises / first = 1/4; peak 1.
    assert stats == {"finite": True, "peak": 1.0, "drop": 0.75, "rise_share": 0.2, "rises": 0.25}
    assert curve_statistics([1.0, nan])["finite"] is False


def test_accepts_lists_tuples_and_arrays_and_returns_a_known_label():
    for curve in ([2.0, 1.0], (2.0, 1.0), np.array([2.0, 1.0], dtype=np.float32)):
        label = classify_loss_curve(curve)
        assert label == "good" and label in diagnosis.DIAGNOSES


@pytest.mark.parametrize(
    "losses, match",
    [
        ([2.0], "losses"),
        ([[2.0, 1.0]], "losses"),
        ([0.0, 1.0], "losses"),
        ([-1.0, -2.0], "losses"),
        ([nan, 1.0], "losses"),
        ("2.0 1.0", "losses"),
        ([2.0, "x"], "losses"),
    ],
)
def test_bad_losses_raise_value_error(losses, match):
    with pytest.raises(ValueError, match=match):
        classify_loss_curve(losses)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"min_drop": 0}, "min_drop"),
        ({"max_rise_share": 0}, "max_rise_share"),
        ({"max_rise_share": 1.5}, "max_rise_share"),
        ({"noise": -0.1}, "noise"),
        ({"blow_up": 1.0}, "blow_up"),
    ],
)
def test_bad_thresholds_raise_value_error_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        classify_loss_curve([2.0, 1.0], **kwargs)


def test_dead_unit_fraction_against_a_loop_over_units():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(50, 4)), rng.normal(size=(4, 7)), rng.normal(size=7)
    b[:3] = -100.0  # three units can never fire
    dead = [all(x[i] @ w[:, j] + b[j] <= 0 for i in range(len(x))) for j in range(7)]
    assert diagnosis.dead_unit_fraction(x, w, b) == pytest.approx(np.mean(dead))
    assert np.mean(dead) >= 3 / 7
    assert diagnosis.dead_unit_fraction(x, w, b + 1000.0) == 0.0


@pytest.mark.parametrize(
    "args, name",
    [
        (([[1.0, 2.0]], [[1.0], [1.0], [1.0]], [0.0]), "kernel"),
        (([[1.0, 2.0]], [[1.0], [1.0]], [0.0, 1.0]), "bias"),
    ],
)
def test_dead_unit_fraction_bad_shapes(args, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        diagnosis.dead_unit_fraction(*args)
