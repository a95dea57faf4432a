"""Lesson 03: `lrlab.diagnosis`, the `BowlExplorer2D` widget callback, and the exercise
`classify_curve` (reference passes, stub not attempted, plausible wrong answers fail)."""

import math

import numpy as np
import pytest

from lrlab import diagnosis, grading, landscapes, solutions
from lrlab.diagnosis import classify_loss_curve, curve_statistics
from lrlab.exercises import check

nan, inf = float("nan"), float("inf")


# ---- classify_loss_curve -------------------------------------------------------------------

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
def test_a_stable_quadratic_never_reads_as_oscillating(lr):
    # Each loss term shrinks by (1 - lr c)^2 >= 0: the loss falls monotonically even while the
    # weights zig-zag, so only real (non-quadratic) training oscillates.
    assert classify_loss_curve(_bowl_losses(lr)) in ("too slow", "good")


@pytest.mark.parametrize("curve", [
    [2.3, 1.0, nan],
    [2.3, nan, 0.1],
    [2.3, 1.0, inf, 0.5],
    [2.3, 1.0, -inf],
    [2.3, 2.4],                     # ends above its start
    [2.3, 7.0, 0.2],                # peak above 3x the start, even though it ends low
])
def test_diverged(curve):
    assert classify_loss_curve(curve) == "diverged"


def test_blow_up_boundary_is_strict():
    assert classify_loss_curve([1.0, 3.0, 0.1], blow_up=3.0) != "diverged"
    assert classify_loss_curve([1.0, 3.0001, 0.1], blow_up=3.0) == "diverged"
    assert classify_loss_curve([1.0, 3.0001, 0.1], blow_up=4.0) != "diverged"


def test_oscillating_real_curve_and_zigzag():
    assert classify_loss_curve([2.36, 3.71, 2.29, 2.32, 2.32, 2.32, 2.31, 2.29]) == "oscillating"
    assert classify_loss_curve([2.3, 1.2, 2.0, 0.9, 1.8, 0.8, 1.6]) == "oscillating"


def test_rise_share_threshold():
    # rises 0.5, falls 1.5: rise share 0.25, drop 0.5.
    curve = [2.0, 1.0, 1.5, 1.0]
    assert curve_statistics(curve)["rise_share"] == pytest.approx(0.25)
    assert classify_loss_curve(curve, max_rise_share=0.25) == "good"  # strict >
    assert classify_loss_curve(curve, max_rise_share=0.2) == "oscillating"


def test_noise_floor_ignores_tiny_wiggles_on_a_flat_curve():
    flat = [2.357, 2.356, 2.3568, 2.3556, 2.3566, 2.3555]  # rises 35% of the movement
    assert classify_loss_curve(flat) == "too slow"
    assert classify_loss_curve(flat, noise=0.0) == "oscillating"


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


@pytest.mark.parametrize("losses, match", [
    ([2.0], "losses"),
    ([[2.0, 1.0]], "losses"),
    ([0.0, 1.0], "losses"),
    ([-1.0, -2.0], "losses"),
    ([nan, 1.0], "losses"),
    ("2.0 1.0", "losses"),
    ([2.0, "x"], "losses"),
])
def test_bad_losses_raise_value_error(losses, match):
    with pytest.raises(ValueError, match=match):
        classify_loss_curve(losses)


@pytest.mark.parametrize("kwargs, name", [
    ({"min_drop": 0}, "min_drop"),
    ({"max_rise_share": 0}, "max_rise_share"),
    ({"max_rise_share": 1.5}, "max_rise_share"),
    ({"noise": -0.1}, "noise"),
    ({"blow_up": 1.0}, "blow_up"),
])
def test_bad_thresholds_raise_value_error_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        classify_loss_curve([2.0, 1.0], **kwargs)


# ---- BowlExplorer2D ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def explorer():
    from lrlab.widgets import BowlExplorer2D

    return BowlExplorer2D(curvatures=(1.0, 20.0), lr=0.05, x0=(-4.0, 1.5), steps=40)


def test_explorer_moving_the_slider_updates_path_loss_status_and_image(explorer):
    explorer.controls["lr"].value = 0.05
    before = (explorer.path_line.get_xydata().copy(), explorer.loss_line.get_ydata().copy(),
              explorer.status.value, explorer.image.value)
    assert "good" in explorer.status.value and "+0.950" in explorer.status.value
    explorer.controls["lr"].value = 0.12
    path = landscapes.quadratic_trajectory(np.array([-4.0, 1.5]), [1.0, 20.0], 0.12, 40)
    np.testing.assert_allclose(explorer.path_line.get_xdata(), np.clip(path[:, 0], -6, 6))
    np.testing.assert_allclose(explorer.path_line.get_ydata(), np.clip(path[:, 1], -6, 6))
    assert explorer.loss_line.get_ydata()[0] == pytest.approx(0.5 * 16 + 10 * 2.25)
    assert not np.array_equal(explorer.loss_line.get_ydata(), before[1])
    assert "diverged" in explorer.status.value and "-1.400" in explorer.status.value
    assert explorer.status.value != before[2]
    assert explorer.image.value != before[3] and explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_explorer_slider_spans_both_sides_of_the_limit(explorer):
    slider = explorer.controls["lr"]
    limit = landscapes.stability_limit([1.0, 20.0])
    assert 10**slider.min < limit < 10**slider.max


def test_explorer_refresh_is_fast(explorer):
    explorer.latencies.clear()
    for lr in np.geomspace(0.002, 0.14, 12):
        explorer.controls["lr"].value = float(lr)
    # The budget is 0.1 s median (measured by benchmarks); a loose bound keeps this test stable.
    assert len(explorer.latencies) == 12
    assert np.median(explorer.latencies) < 0.5


def test_explorer_static_fallback_is_the_current_png(explorer):
    import base64

    bundle = explorer._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == explorer.image.value


def test_explorer_rejects_wrong_number_of_curvatures():
    from lrlab.widgets import BowlExplorer2D

    with pytest.raises(ValueError, match="curvatures"):
        BowlExplorer2D(curvatures=(1.0, 2.0, 3.0))


# ---- exercise classify_curve ---------------------------------------------------------------

ID = "classify_curve"


def test_reference_solution_passes():
    assert check(ID, solutions.classify_curve).passed


def test_reference_agrees_with_the_library_on_many_curves():
    rng = np.random.default_rng(0)
    for _ in range(300):
        curve = np.abs(rng.normal(2.0, 1.0)) + 0.1 + np.cumsum(rng.normal(-0.1, 0.3, size=8))
        curve = np.concatenate([[abs(curve[0]) + 0.1], np.abs(curve[1:])])
        assert solutions.classify_curve(curve) == classify_loss_curve(curve)


def test_untouched_stub_is_not_attempted():
    namespace = {}
    exec(grading.student_source(ID), namespace)
    assert check(ID, namespace["classify_curve"]).status == "not attempted"


def _nan_blind(losses):
    # Comparisons with NaN are False: NaN curves slip through as "too slow" or "good".
    first, last = losses[0], losses[-1]
    if last > first or losses.max() > 3 * first:
        return "diverged"
    changes = np.diff(losses)
    rises, falls = changes[changes > 0].sum(), -changes[changes < 0].sum()
    if rises > 0.25 * (rises + falls) and rises > 0.05 * first:
        return "oscillating"
    return "too slow" if (first - last) / first < 0.2 else "good"


def _first_vs_last(losses):
    if not np.all(np.isfinite(losses)) or losses[-1] > losses[0]:
        return "diverged"
    return "too slow" if (losses[0] - losses[-1]) / losses[0] < 0.2 else "good"


def _slow_before_oscillating(losses):
    first, last = losses[0], losses[-1]
    if not np.all(np.isfinite(losses)) or last > first or losses.max() > 3 * first:
        return "diverged"
    if (first - last) / first < 0.2:
        return "too slow"
    changes = np.diff(losses)
    return "oscillating" if np.any(changes > 0) else "good"


def _no_spike_rule(losses):
    first, last = losses[0], losses[-1]
    if not np.all(np.isfinite(losses)) or last > first:
        return "diverged"
    changes = np.diff(losses)
    rises, falls = changes[changes > 0].sum(), -changes[changes < 0].sum()
    if rises > 0.25 * (rises + falls):
        return "oscillating"
    return "too slow" if (first - last) / first < 0.2 else "good"


def _any_rise_oscillates(losses):
    if not np.all(np.isfinite(losses)) or losses[-1] > losses[0] or losses.max() > 3 * losses[0]:
        return "diverged"
    if np.any(np.diff(losses) > 0):
        return "oscillating"
    return "too slow" if (losses[0] - losses[-1]) / losses[0] < 0.2 else "good"


WRONG = {
    "ignores NaN": _nan_blind,
    "only first vs last": _first_vs_last,
    "too slow checked before oscillating": _slow_before_oscillating,
    "a spike is not divergence (and no noise floor)": _no_spike_rule,
    "any rise means oscillating": _any_rise_oscillates,
    "capitalised labels": lambda losses: classify_loss_curve(losses).capitalize(),
    "always good": lambda losses: "good",
    "returns a number": lambda losses: 1,
}


@pytest.mark.parametrize("answer", WRONG.values(), ids=WRONG.keys())
def test_plausible_wrong_answers_fail(answer):
    result = check(ID, answer)
    assert result.status == "failed", result
    assert "Hint" in result.message or "expected one of" in result.message


def test_every_label_appears_among_the_checker_cases():
    from lrlab import exercises

    labels = {classify_loss_curve(curve) for curve, _ in exercises._CURVE_CASES}
    assert labels == set(diagnosis.DIAGNOSES)
    assert any(not math.isfinite(v) for curve, _ in exercises._CURVE_CASES for v in curve)
