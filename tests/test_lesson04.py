"""Lesson 04: the range-test explorer (widgets.RangeTestExplorer, range_test_runs, resmooth) and
the exercise `pick_lr`, judged on synthetic range-test curves with known good regions."""

import numpy as np
import pytest

from lrlab import exercises, finder, grading, solutions
from lrlab.exercises import check, good_lr_window, range_test_curve
from lrlab.widgets import RangeTestExplorer, range_test_runs, resmooth

CURVES = [curve for _, curve, _ in exercises._PICK_LR_CASES]


# ---- the exercise ------------------------------------------------------------------------------

def test_reference_pick_lr_passes():
    assert check("pick_lr", solutions.pick_lr).passed


def test_untouched_stub_is_not_attempted():
    namespace = {}
    exec(grading.student_source("pick_lr"), namespace)
    assert check("pick_lr", namespace["pick_lr"]).status == "not attempted"


def _finite(lrs, losses):
    keep = np.isfinite(losses)
    return lrs[keep], losses[keep]


def _steepest_whole_curve(lrs, losses):
    lrs, losses = _finite(lrs, losses)
    return float(lrs[np.argmin(np.gradient(losses, np.log10(lrs)))])


WRONG = {
    "LR at the minimum loss": lambda lrs, losses: float(lrs[np.nanargmin(losses)]),
    "LR at the minimum, NaN-naive": lambda lrs, losses: float(lrs[np.argmin(losses)]),
    "LR where the loss explodes (largest loss)": lambda lrs, losses: float(_finite(lrs, losses)[0][np.argmax(_finite(lrs, losses)[1])]),
    "first LR": lambda lrs, losses: float(lrs[0]),
    "last LR": lambda lrs, losses: float(lrs[-1]),
    "first LR whose loss exceeds the start": lambda lrs, losses: float(lrs[np.flatnonzero(~(losses <= losses[0]))[0]]),
    "half the minimum's LR": lambda lrs, losses: float(lrs[np.nanargmin(losses)] / 2),
    "ten times the minimum's LR": lambda lrs, losses: float(lrs[np.nanargmin(losses)] * 10),
    "steepest *rise* (sign error)": lambda lrs, losses: float(_finite(lrs, losses)[0][np.argmax(np.gradient(_finite(lrs, losses)[1]))]),
    "a fixed favourite, 1e-3": lambda lrs, losses: 1e-3,
    "the loss instead of the LR": lambda lrs, losses: float(np.nanmin(losses)),
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_plausible_wrong_answers_fail(name):
    result = check("pick_lr", WRONG[name])
    assert result.status == "failed", name
    assert "Hint:" in result.message and "Traceback" not in result.message


RIGHT = {
    "the minimum's LR / 10": lambda lrs, losses: float(lrs[np.nanargmin(losses)] / 10),
    "finder valley": lambda lrs, losses: finder.RangeTestResult(lrs, losses).suggestion("valley"),
    "finder steepest": lambda lrs, losses: finder.RangeTestResult(lrs, losses).suggestion("steepest"),
}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_other_sound_rules_pass(name):
    assert check("pick_lr", RIGHT[name]).passed, name


def test_hints_say_which_side_the_answer_fell():
    too_small = check("pick_lr", lambda lrs, losses: float(lrs[0])).message
    past_bottom = check("pick_lr", lambda lrs, losses: float(lrs[np.nanargmin(losses)])).message
    assert "hardly started to fall" in too_small
    assert "at or past the lowest loss" in past_bottom


def test_nan_and_non_numbers_get_verdicts_not_tracebacks():
    assert "expected a number" in check("pick_lr", lambda lrs, losses: float("nan")).message
    assert "expected a number" in check("pick_lr", lambda lrs, losses: "0.01").message


def test_curves_look_like_range_tests():
    for lrs, losses in CURVES:
        finite = losses[np.isfinite(losses)]
        assert np.all(np.diff(lrs) > 0)
        assert finite[-1] > 4 * losses[0] or not np.all(np.isfinite(losses))  # ends where the finder stops
        low, high, bottom = good_lr_window(lrs, losses)
        assert lrs[0] < low < high < bottom < lrs[-1]
        assert high / low > 5  # a real window, not a needle


def test_window_of_a_hand_made_curve():
    lrs = np.geomspace(1e-4, 1.0, 41)  # 10 points per decade
    losses = np.r_[np.full(10, 2.0), np.linspace(2.0, 0.5, 16)[1:], [0.6, 1.0, 3.0, 9.0, np.inf], np.full(11, np.nan)]
    low, high, bottom = good_lr_window(lrs, losses)
    assert bottom == pytest.approx(lrs[24])  # loss 0.5
    assert high == pytest.approx(lrs[24] / 3)
    assert low == pytest.approx(lrs[11])  # loss 1.8: the first <= 2 - 0.1 * (2 - 0.5) = 1.85


def test_range_test_curve_nan_tail():
    lrs, losses = range_test_curve(np.geomspace(1e-5, 1, 80), 1.0, 0.1, -2.5, 0.35, -0.9, nan_tail=True)
    stop = np.flatnonzero(~np.isfinite(losses))[0]
    assert len(lrs) == 80 and np.isinf(losses[stop]) and np.all(np.isnan(losses[stop + 1:]))
    assert np.all(losses[:stop] <= 4 * losses[0])


# ---- resmooth: the finder's smoothing and stop rule, in NumPy -----------------------------------

def _ema(raw, beta):
    out, avg = [], 0.0
    for i, loss in enumerate(raw):
        avg = beta * avg + (1 - beta) * loss
        out.append(avg / (1 - beta ** (i + 1)))
    return np.array(out)


def test_resmooth_is_the_bias_corrected_average():
    raw = np.array([2.0, 1.5, 1.2, 1.0, 0.9, 0.8])
    np.testing.assert_allclose(resmooth(raw, 0.9), _ema(raw, 0.9), rtol=0, atol=0)
    np.testing.assert_array_equal(resmooth(raw, 0.0), raw)
    assert resmooth(raw, 0.9)[0] == 2.0  # bias correction: not pulled towards 0


def test_resmooth_stops_like_the_finder():
    raw = np.array([2.0, 1.0, 0.5, 1.9, 2.1, 5.0, 7.0])
    out = resmooth(raw, 0.0, divergence_factor=4.0)
    assert len(out) == 5 and out[-1] == 2.1  # first value > 4 x best (0.5), recorded then stop
    assert len(resmooth([1.0, np.nan, 1.0], 0.5)) == 2


def test_runs_resmoothed_equal_the_finders_own_curve():
    import keras

    from lrlab import data, models

    (x, y), _ = data.load_digits()
    x, y = x[:256], y[:256]
    model = models.digits_mlp(hidden_units=16, optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9))
    runs = range_test_runs(model, x, y, ranges=[(1e-4, 30.0)], steps=[40], batch_size=32)
    direct = finder.lr_range_test(model, x, y, min_lr=1e-4, max_lr=30.0, steps=40, batch_size=32, smoothing=0.9)
    again = resmooth(runs[(1e-4, 30.0, 40)].raw_losses, 0.9)
    assert len(again) == len(direct)
    np.testing.assert_array_equal(again, direct.losses)


# ---- the explorer ------------------------------------------------------------------------------

RANGES = [(1e-5, 10.0), (1e-2, 10.0), (1e-5, 0.1)]
STEPS = [25, 50, 100]


def _synthetic_runs():
    runs = {}
    for low, high in RANGES:
        for n in STEPS:
            lrs = np.geomspace(low, high, n)
            u = np.log10(lrs)
            raw = 2.3 - 2.0 / (1 + np.exp(-(u + 1.3) / 0.25)) + 0.3 * np.exp((u - 0.2) / 0.15)
            raw = raw * (1 + 0.05 * np.random.default_rng(n).standard_normal(n))
            runs[(low, high, n)] = finder.RangeTestResult(lrs, raw)
    return runs


@pytest.fixture
def explorer():
    return RangeTestExplorer(_synthetic_runs(), smoothing=0.9, method="valley")


def test_defaults_widest_range_and_middle_steps(explorer):
    assert explorer.values["lr_range"] == (1e-5, 10.0) and explorer.values["steps"] == 50
    assert explorer.result.stopped_early  # the synthetic curve blows up near lr = 1
    assert "stopped early" in explorer.status.value


def test_smoothing_moves_the_curve_and_the_picture(explorer):
    run = explorer.runs[(1e-5, 10.0, 50)]
    before_y, before_png = explorer.smooth_line.get_ydata().copy(), explorer.image.value
    explorer.controls["smoothing"].value = 0.0
    n = len(explorer.result)
    np.testing.assert_array_equal(explorer.smooth_line.get_ydata(), run.raw_losses[:n])  # beta 0: raw
    assert not np.array_equal(explorer.smooth_line.get_ydata()[: len(before_y)], before_y[: n])
    assert explorer.image.value != before_png
    assert "β = 0.00" in explorer.status.value


def test_steps_and_range_select_the_matching_run(explorer):
    explorer.controls["smoothing"].value = 0.5
    explorer.controls["steps"].value = 100
    np.testing.assert_array_equal(explorer.raw_line.get_xdata(), explorer.runs[(1e-5, 10.0, 100)].lrs[: len(explorer.result)])
    explorer.controls["lr_range"].value = (1e-5, 0.1)  # never reaches the blow-up
    assert not explorer.result.stopped_early and len(explorer.result) == 100
    assert len(explorer.stop_mark.get_xdata()) == 0
    assert "ran all 100 steps" in explorer.status.value and "4 decades (25 per decade)" in explorer.status.value


@pytest.mark.parametrize("method", finder.SUGGESTION_METHODS)
def test_suggestion_line_matches_the_finders_rule(explorer, method):
    explorer.controls["method"].value = method
    expected = explorer.result.suggestion(method)
    assert explorer.suggested == expected
    assert list(explorer.pick_line.get_xdata()) == [expected, expected]
    assert f"lr = {expected:.3g}" in explorer.status.value


def test_too_short_a_curve_gives_no_suggestion():
    lrs = np.geomspace(1e-3, 10, 6)
    raw = np.array([2.0, 50.0, 50.0, 50.0, 50.0, 50.0])  # blows up at step 1: 2 losses, 3 needed
    explorer = RangeTestExplorer({(1e-3, 10.0, 6): finder.RangeTestResult(lrs, raw)}, smoothing=0.0)
    assert explorer.suggested is None and not explorer.pick_line.get_visible()
    assert "too few finite losses" in explorer.status.value


def test_refresh_is_fast(explorer):
    explorer.latencies.clear()
    for value in np.linspace(0.0, 0.99, 12):
        explorer.controls["smoothing"].value = float(value)
    for n in STEPS:
        explorer.controls["steps"].value = n
    assert np.median(explorer.latencies) < 0.1


def test_bad_runs_are_refused():
    with pytest.raises(ValueError, match="runs"):
        RangeTestExplorer({})
    runs = _synthetic_runs()
    del runs[(1e-2, 10.0, 50)]
    with pytest.raises(ValueError, match=r"missing \[\(0.01, 10.0, 50\)\]"):
        RangeTestExplorer(runs)
