"""Lesson 04's explorer: the recorded runs Python hands over, and the page's smoothing, stop rule,
suggestions and words against lrlab.finder (in headless Chromium, tests/explorer_page.py)."""

import itertools
import json
import pathlib

import numpy as np
import pytest

from lrlab import finder
from lrlab.explorers.range_test import encode_losses
from lrlab.widgets import RangeTestExplorer

LESSON = pathlib.Path(__file__).resolve().parent.parent / (
    "notebooks/04_finding_a_good_learning_rate.ipynb"
)
RANGES = [(1e-5, 10.0), (1e-2, 10.0), (1e-5, 0.1)]  # the lesson's
STEPS = [25, 50, 100]
SMOOTHINGS = [0.0, 0.3, 0.5, 0.9, 0.98, 0.99]


def _synthetic_runs():
    """Like the lesson's: flat, falling, a bottom near lr = 0.3 and a blow-up past lr = 1."""
    runs = {}
    for low, high in RANGES:
        for n in STEPS:
            lrs = np.geomspace(low, high, n)
            u = np.log10(lrs)
            raw = 2.3 - 2.0 / (1 + np.exp(-(u + 1.3) / 0.25)) + 0.3 * np.exp((u - 0.2) / 0.15)
            raw = raw * (1 + 0.05 * np.random.default_rng(n).standard_normal(n))
            runs[(low, high, n)] = finder.RangeTestResult(lrs, raw)
    return runs


def _awkward_runs():
    """Runs that reach every branch: a NaN or inf loss (first, mid-run), exact ties (losses
    rounded to 0.1: plateaus for the valley's tie rules and argmin), a loss of exactly 0 (the
    stop rule's `best > 0`), curves too short to suggest anything, and no descent at all."""
    runs = {}
    for n in (6, 12, 40):
        lrs = np.geomspace(1e-3, 10.0, n)
        u = np.log10(lrs)
        plateaus = np.round(2.0 - np.tanh(2 * (u + 1)) + 0.8 * np.exp(2 * (u - 0.5)), 1)
        plateaus[int(0.8 * n)] = np.inf
        runs[(1e-3, 10.0, n)] = finder.RangeTestResult(lrs, plateaus)
        lrs = np.geomspace(1e-4, 1.0, n)
        raw = {
            6: np.array([np.nan, 1.0, 0.9, 0.8, 0.7, 0.6]),  # the first loss is not finite
            12: np.array([2.0, 1.9, 1.7, 1.2, 0.6, 0.0, 0.0, 0.5, 3.0, np.nan, 1.0, 1.0]),
            40: 1.0 + 0.01 * np.arange(40.0),  # rises from the start: no valley, no descent
        }[n]
        runs[(1e-4, 1.0, n)] = finder.RangeTestResult(lrs, raw)
    return runs


def _real_runs():
    """The lesson's own recorded runs, from its executed notebook's widget state."""
    notebook = json.loads(LESSON.read_text())
    states = notebook["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]
    saved = [
        model["state"]
        for model in states["state"].values()
        if model["model_module"] == "anywidget" and "divergence_factor" in model["state"]
    ]
    assert len(saved) == 1, "the executed lesson 04 holds its RangeTestExplorer's state"
    return {
        (run["low"], run["high"], run["steps"]): finder.RangeTestResult(
            run["lrs"], [float(v) for v in run["raw_losses"]]
        )
        for run in saved[0]["runs"]
    }


# ---- Python: the data and settings handed over -----------------------------------------------


def test_the_state_carries_every_run_and_the_first_settings():
    runs = _awkward_runs()
    state = RangeTestExplorer(runs, smoothing=0.5, method="steepest").get_state()
    assert state["lr_range"] == (1e-4, 1.0)  # the first of the two widest ranges
    assert (state["steps"], state["smoothing"], state["method"]) == (12, 0.5, "steepest")
    assert (state["divergence_factor"], state["methods"]) == (4.0, list(finder.SUGGESTION_METHODS))
    assert [(r["low"], r["high"], r["steps"]) for r in state["runs"]] == [
        (low, high, n) for low, high in [(1e-4, 1.0), (1e-3, 10.0)] for n in (6, 12, 40)
    ]
    for run in state["runs"]:
        recorded = runs[(run["low"], run["high"], run["steps"])]
        assert run["lrs"] == recorded.lrs.tolist()
        decoded = np.array([float(v) for v in run["raw_losses"]])  # float("nan"), float("inf")
        np.testing.assert_array_equal(decoded, recorded.raw_losses)
        json.dumps(run, allow_nan=False)  # valid JSON: no NaN or Infinity literals
    assert "function smoothRecorded" in state["_esm"] and "export default" in state["_esm"]


def test_non_finite_losses_are_encoded_as_strings():
    assert encode_losses([1.5, np.nan, np.inf, -np.inf, 0.0]) == [1.5, "nan", "inf", "-inf", 0.0]


def test_without_widgets_a_reader_is_told_where_it_moves():
    data, _ = RangeTestExplorer(_synthetic_runs())._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].startswith("RangeTestExplorer: an interactive explorer")


def test_bad_runs_raise_value_errors_naming_them():
    with pytest.raises(ValueError, match="`runs`.*{}"):
        RangeTestExplorer({})
    with pytest.raises(ValueError, match="`runs`.*RangeTestResult"):
        RangeTestExplorer({(1e-3, 1.0, 10): [1.0, 2.0]})
    runs = _synthetic_runs()
    del runs[(1e-2, 10.0, 50)]
    with pytest.raises(ValueError, match=r"missing \[\(0.01, 10.0, 50\)\]"):
        RangeTestExplorer(runs)


@pytest.mark.parametrize(
    ("argument", "value"),
    [("smoothing", -0.1), ("smoothing", 0.995), ("method", "median"), ("divergence_factor", 1.0)],
)
def test_bad_settings_raise_value_errors_naming_them(argument, value):
    with pytest.raises(ValueError, match=f"`{argument}`.*{value}"):
        RangeTestExplorer(_synthetic_runs(), **{argument: value})


# ---- the page against lrlab.finder ---------------------------------------------------------------


def _suggestions(result):
    """Each rule's suggestion, None where the finder refuses (too few finite losses)."""
    out = {}
    for method in finder.SUGGESTION_METHODS:
        try:
            out[method] = result.suggestion(method)
        except ValueError:
            out[method] = None
    return out


def _describe(result, steps):
    """The picture in words, from lrlab's curve: the shape, the bottom, the end."""
    lrs, losses = result.lrs, result.losses
    finite = np.flatnonzero(np.isfinite(losses))
    if len(finite) == 0:
        return f"the first loss was not finite: the test stopped at once (step 1 of {steps})"
    bottom = int(finite[np.argmin(losses[finite])])
    start = float(losses[0])
    falling = np.flatnonzero(losses[: bottom + 1] <= start - 0.25 * (start - losses[bottom]))
    shape = (
        f"the smoothed loss starts at {start:.3g}, "
        + (f"falls from about lr = {lrs[falling[0]]:.3g} " if bottom > 0 and len(falling) else "")
        + f"to its lowest, {losses[bottom]:.3g}, at lr = {lrs[bottom]:.3g}"
    )
    if result.stopped_early:
        end = (
            f"then blows up: the test stopped early at step {len(result)} of {steps} "
            f"(lr = {lrs[-1]:.3g}, marked ×)"
        )
    elif bottom == len(losses) - 1:
        end = f"the end of the range: it ran all {steps} steps without blowing up"
    else:
        end = f"then ends at {losses[-1]:.3g}: it ran all {steps} steps without blowing up"
    return f"{shape}, {end}"


def _expected_status(result, lr_range, steps, smoothing, method):
    suggestions = _suggestions(result)
    if suggestions[method] is None:
        verdict = "too few finite losses to suggest a learning rate"
    else:
        others = ", ".join(
            f"{m} {suggestions[m]:.3g}" for m in finder.SUGGESTION_METHODS if m != method
        )
        verdict = (
            f"the {method} rule suggests lr = {suggestions[method]:.3g} "
            f"(dashed line; other rules: {others})"
        )
    decades = np.log10(lr_range[1] / lr_range[0])
    return (
        f"{steps} steps over {decades:.0f} decades ({steps / decades:.0f} per decade), smoothing "
        f"ρ = {smoothing:.2f}: {_describe(result, steps)}; {verdict}."
    )


def _decoded(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _relative(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300), initial=0.0))


def _compare_over_the_grid(page, runs):
    """Drive the page over every range x steps x smoothing x rule; return (settings, worst
    relative difference of the smoothed losses)."""
    ranges = sorted({(low, high) for low, high, _ in runs})
    counts = sorted({n for _, _, n in runs})
    top = None
    worst, settings = 0.0, 0
    combos = list(itertools.product(ranges, counts, SMOOTHINGS))
    methods = finder.SUGGESTION_METHODS
    shown = iter(
        page.sweep(
            [
                {"lr_range": [low, high], "steps": steps, "smoothing": smoothing, "method": method}
                for (low, high), steps, smoothing in combos
                for method in methods
            ]
        )
    )
    for (low, high), steps, smoothing in combos:
        result = finder.resmoothed(runs[(low, high, steps)], smoothing)
        suggestions = _suggestions(result)
        for method in methods:
            drawn, words = next(shown)
            where = (low, high, steps, smoothing, method)
            assert drawn["lrs"] == result.lrs.tolist(), where
            smoothed = _decoded(drawn["smoothed"])
            finite = np.isfinite(result.losses)
            np.testing.assert_array_equal(np.isnan(smoothed), ~finite, err_msg=str(where))
            np.testing.assert_allclose(
                smoothed[finite], result.losses[finite], rtol=1e-12, atol=0, err_msg=str(where)
            )
            worst = max(worst, _relative(smoothed[finite], result.losses[finite]))
            np.testing.assert_array_equal(
                _decoded(drawn["raw"]), np.clip(result.raw_losses, 0, 1e6), err_msg=str(where)
            )
            assert drawn["stopped_early"] == result.stopped_early, where
            top = drawn["ylim"][1]
            if result.stopped_early:
                assert drawn["stop_index"] == len(result) - 1, where
                assert drawn["stop_lr"] == result.lrs[-1], where
                last = result.losses[-1]
                assert drawn["stop_y"] == min(last if np.isfinite(last) else top, 0.95 * top)
                assert drawn["ylim"][0] < drawn["stop_y"] < top  # inside the top edge
            else:
                assert drawn["stop_index"] is drawn["stop_lr"] is drawn["stop_y"] is None, where
            assert drawn["suggestions"] == suggestions, where  # exactly: the same index
            assert drawn["suggested"] == suggestions[method], where
            assert words == _expected_status(result, (low, high), steps, smoothing, method), where
            settings += 1
    return settings, worst


def _axes_limits(runs):
    first = np.nanmedian([run.raw_losses[0] for run in runs.values()])  # a NaN first is left out
    low_loss = min(
        np.nanmin(np.where(np.isfinite(r.raw_losses), r.raw_losses, np.nan)) for r in runs.values()
    )
    ranges = {(low, high) for low, high, _ in runs}
    return (
        [min(r[0] for r in ranges) / 1.5, max(r[1] for r in ranges) * 1.5],
        [max(low_loss - 0.1 * first, 0), 1.5 * first],
    )


@pytest.mark.parametrize(
    "make_runs", [_synthetic_runs, _awkward_runs], ids=["lesson-like", "awkward"]
)
def test_the_page_smooths_stops_and_suggests_as_lrlab(explorer_page, make_runs):
    runs = make_runs()
    page = explorer_page.show(RangeTestExplorer(runs))
    xlim, ylim = _axes_limits(runs)
    drawn = page.observed()
    np.testing.assert_allclose(drawn["xlim"], xlim, rtol=1e-15)
    np.testing.assert_allclose(drawn["ylim"], ylim, rtol=1e-15)
    settings, worst = _compare_over_the_grid(page, runs)
    assert settings == len(runs) * len(SMOOTHINGS) * 3
    print(f"{make_runs.__name__}: {settings} settings, worst relative difference {worst:.1e}")
    assert worst < 1e-12


def test_the_page_reads_the_lessons_recorded_runs_as_lrlab(explorer_page):
    runs = _real_runs()
    assert len(runs) == 9
    page = explorer_page.show(RangeTestExplorer(runs))
    settings, worst = _compare_over_the_grid(page, runs)
    print(f"lesson 04's runs: {settings} settings, worst relative difference {worst:.1e}")
    assert worst < 1e-12


def test_a_nan_first_loss_and_a_short_curve_are_said_in_words(explorer_page):
    page = explorer_page.show(RangeTestExplorer(_awkward_runs(), smoothing=0.0))
    page.set(lr_range=[1e-4, 1.0], steps=6)
    assert page.status().startswith(
        "6 steps over 4 decades (2 per decade), smoothing ρ = 0.00: the first loss was not "
        "finite: the test stopped at once (step 1 of 6); too few finite losses"
    )
    assert page.observed()["suggested"] is None
    assert page.page.locator("path[stroke-dasharray]").first.get_attribute("style") == (
        "display: none;"
    )


# ---- the controls ------------------------------------------------------------------------------


def test_the_controls_move_the_page_from_mouse_and_keyboard(explorer_page):
    runs = _synthetic_runs()
    page = explorer_page.show(RangeTestExplorer(runs, smoothing=0.9))
    steps = page.page.get_by_label("steps", exact=True)
    assert steps.get_attribute("aria-valuetext") == "steps 50"
    steps.press("ArrowRight")
    assert page.observed()["steps"] == 100 and steps.get_attribute("aria-valuetext") == "steps 100"
    smoothing = page.page.get_by_label("smoothing ρ")
    assert smoothing.get_attribute("aria-valuetext") == "smoothing ρ 0.90"
    smoothing.press("ArrowLeft")
    assert page.observed()["smoothing"] == 0.89
    assert smoothing.get_attribute("aria-valuetext") == "smoothing ρ 0.89"
    page.page.get_by_label("LR range", exact=True).select_option(label="1e-05 → 0.1")
    assert page.observed()["lr_range"] == [1e-5, 0.1]
    page.page.get_by_role("radio", name="steepest").click()
    drawn = page.observed()
    result = finder.resmoothed(runs[(1e-5, 0.1, 100)], 0.89)
    assert drawn["method"] == "steepest" and drawn["suggested"] == result.suggestion("steepest")
    assert page.status() == _expected_status(result, (1e-5, 0.1), 100, 0.89, "steepest")
    explorer_page.check_errors()


def test_an_exact_tie_is_rounded_to_even_as_python_prints_it(explorer_page):
    page = explorer_page.show(RangeTestExplorer(_synthetic_runs()))
    page.set(lr_range=[1e-5, 0.1], steps=50)  # 50 steps over 4 decades: 12.5 per decade
    assert "(12 per decade)" in page.status()
    cases = [(12.5, 0), (13.5, 0), (0.125, 2), (0.375, 2), (-2.5, 0), (0.5, 0), (2.675, 2)]
    cases += [(0.98, 2), (0.57, 2), (1e-7, 2), (123456.5, 0), (4.166666666666667, 0)]
    module = RangeTestExplorer(_synthetic_runs()).get_state()["_esm"]
    formatted = page.page.evaluate(
        """async ([source, cases]) => {
            const text = source + "\\nexport { formatF };";
            const url = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
            const { formatF } = await import(url);
            return cases.map(([value, decimals]) => formatF(value, decimals));
        }""",
        [module, cases],
    )
    assert formatted == [f"{value:.{decimals}f}" for value, decimals in cases]
