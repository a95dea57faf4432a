"""Lesson 09's explorer: the runs Python hands over, and what the page draws and says of them
against the recorded runs themselves (in headless Chromium, tests/explorer_page.py)."""

import itertools
import re

import numpy as np
import pytest

from lrlab import sharpness
from lrlab.explorers.edge_of_stability import EdgeOfStabilityExplorer


def _runs():
    """Recorded runs as lesson 09's look: losses falling in jerks (rises and one exact tie),
    sharpness every 10 steps; plain GD, heavy ball (limit 2(1 + β)/α) and Adam (38/α), and one
    run shorter than the others."""
    rng = np.random.default_rng(9)
    runs = []
    for lr, kind, steps in [(0.4, "gd", 300), (1.0, "momentum", 300), (0.04, "adam", 200)]:
        losses = 0.1 * np.exp(-np.arange(steps + 1) / 150) * (1 + 0.3 * rng.random(steps + 1))
        losses[5] = losses[4]  # a step that leaves the loss unchanged: not a rise
        measured = np.arange(0, steps + 1, 10)
        if kind == "gd":
            run = sharpness.GradientDescentRun(
                lr, losses, measured, 0.8 + rng.random(len(measured))
            )
        elif kind == "momentum":
            run = sharpness.GradientDescentRun(
                lr, losses, measured, 2 + 2 * rng.random(len(measured)), momentum=0.5
            )
        else:
            run = sharpness.AdamRun(
                lr, losses, measured, 900 * rng.random(len(measured)), momentum=0.9
            )
        runs.append(run)
    return runs


RUNS = _runs()


def _plain(html):
    return re.sub(r"<[^>]+>", "", html)


def _count(n, noun):
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _expected(run, step):
    """What the matplotlib explorer drew and said for `run` at `step`, from the run's arrays."""
    step = min(step, len(run.losses) - 1)
    seen = run.sharpness_steps <= step
    k = int(np.flatnonzero(seen)[-1])
    ups = int(np.sum(np.diff(run.losses[: step + 1]) > 0))
    history = (
        "before the first step"
        if step == 0
        else f"it went up {_count(ups, 'time')} in {_count(step, 'step')} so far"
    )
    status = (
        f"α = {run.learning_rate:g}, step {step}: loss {run.losses[step]:.4f}, {history}; "
        f"sharpness {run.sharpness[k]:.2f} (measured at step {run.sharpness_steps[k]}) = "
        f"{run.sharpness[k] / run.stability_limit:.0%} of 2/α = {run.stability_limit:.2f}."
    )
    drawn = {
        "step": step,
        "losses": run.losses[: step + 1],
        "sharpness_steps": run.sharpness_steps[seen],
        "sharpness": run.sharpness[seen],
        "limit": [[0, len(run.losses) - 1], [run.stability_limit] * 2],
        "ups": ups,
    }
    return drawn, status


# ---- Python: the data and the settings handed to the page ----------------------------------------


def test_the_state_carries_every_run_and_starts_at_the_last_run_and_step():
    state = EdgeOfStabilityExplorer(RUNS).get_state()
    assert [run["label"] for run in state["runs"]] == ["0.4", "1", "0.04"]
    assert (state["lr"], state["step"]) == (0.04, 300)
    for sent, run in zip(state["runs"], RUNS):
        assert sent["losses"] == run.losses.tolist()
        assert sent["sharpness_steps"] == run.sharpness_steps.tolist()
        assert sent["sharpness"] == run.sharpness.tolist()
        assert sent["stability_limit"] == run.stability_limit
    assert [run["stability_limit"] for run in state["runs"]] == pytest.approx([5.0, 3.0, 950.0])
    assert "function replay" in state["_esm"] and "export default" in state["_esm"]


def test_the_first_step_is_kept_within_the_runs_and_a_loss_that_blew_up_is_sent_as_null():
    assert EdgeOfStabilityExplorer(RUNS, step=7).step == 7
    assert EdgeOfStabilityExplorer(RUNS, step=10_000).step == 300
    broken = sharpness.GradientDescentRun(3.0, np.array([0.1, 5.0, np.inf]), np.array([0]), [1.0])
    assert EdgeOfStabilityExplorer([broken]).runs[0]["losses"] == [0.1, 5.0, None]


def test_without_widgets_a_reader_is_told_where_it_moves():
    data, _ = EdgeOfStabilityExplorer(RUNS)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].startswith("EdgeOfStabilityExplorer: an interactive explorer")


@pytest.mark.parametrize("runs", [[], None, [1.0], "runs"])
def test_what_is_not_a_list_of_runs_is_refused_naming_runs(runs):
    with pytest.raises(ValueError, match=f"`runs`.*Received: runs={re.escape(repr(runs))}"):
        EdgeOfStabilityExplorer(runs)


@pytest.mark.parametrize("step", [-1, 2.5, "3"])
def test_a_bad_first_step_is_refused_naming_step(step):
    with pytest.raises(ValueError, match=f"`step`.*Received: step={re.escape(repr(step))}"):
        EdgeOfStabilityExplorer(RUNS, step=step)


def test_only_a_recorded_learning_rate_can_be_chosen():
    explorer = EdgeOfStabilityExplorer(RUNS)
    explorer.lr = 0.4
    with pytest.raises(ValueError, match="`lr`.*Received: lr=0.7"):
        explorer.lr = 0.7
    assert explorer.lr == 0.4


# ---- the page: what it draws and says, against the runs ------------------------------------------

STEPS = [0, 1, 4, 5, 6, 9, 10, 11, 99, 150, 199, 200, 201, 299, 300]


def test_the_page_draws_the_runs_up_to_the_step_and_says_what_python_said(explorer_page):
    page = explorer_page.show(EdgeOfStabilityExplorer(RUNS))
    compared = 0
    for (index, run), step in itertools.product(enumerate(RUNS), STEPS):
        page.set(lr=run.learning_rate, step=step)
        drawn, status = _expected(run, step)
        seen = page.observed()
        assert seen["lr"] == run.learning_rate and seen["step"] == drawn["step"]
        # Sliced, not recomputed: the very numbers Python sent.
        assert seen["losses"] == drawn["losses"].tolist()
        assert seen["loss_steps"] == list(range(drawn["step"] + 1))
        assert seen["dot"] == [drawn["step"], run.losses[drawn["step"]]]
        assert seen["sharpness_steps"] == drawn["sharpness_steps"].tolist()
        assert seen["sharpness"] == drawn["sharpness"].tolist()
        assert seen["limit"] == drawn["limit"] and seen["ups"] == drawn["ups"]
        assert seen["colour"] == ["#0072B2", "#E69F00", "#009E73"][index]
        assert page.status() == status, (run.learning_rate, step)
        compared += 1
    assert compared == 45


def test_the_status_counts_rises_in_words_with_the_tables_precisions(explorer_page):
    runs = _runs()
    runs[0].losses[:3] = [0.02, 0.04708, 0.03]  # one rise, then a fall
    page = explorer_page.show(EdgeOfStabilityExplorer(runs[:1], step=0))
    assert page.status().startswith("α = 0.4, step 0: loss 0.0200, before the first step;")
    page.set(step=1)
    assert "loss 0.0471, it went up 1 time in 1 step so far;" in page.status()
    page.set(step=2)
    assert "loss 0.0300, it went up 1 time in 2 steps so far;" in page.status()
    share = runs[0].sharpness[0] / 5.0
    assert f"(measured at step 0) = {share:.0%} of 2/α = 5.00." in page.status()


def test_buttons_choose_the_run_and_the_keyboard_moves_the_step(explorer_page):
    page = explorer_page.show(EdgeOfStabilityExplorer(RUNS, step=100))
    buttons = page.page.get_by_role("radio")
    assert buttons.all_inner_texts() == ["0.4", "1", "0.04"]
    assert buttons.nth(2).get_attribute("aria-checked") == "true"
    buttons.nth(1).click()
    assert page.observed()["lr"] == 1.0 and page.status().startswith("α = 1, step 100:")
    assert buttons.nth(1).get_attribute("aria-checked") == "true"
    slider = page.page.get_by_label("step")
    assert slider.get_attribute("aria-valuetext") == "step 100"
    slider.press("ArrowRight")
    assert page.observed()["step"] == 101 and slider.get_attribute("aria-valuetext") == "step 101"
    for _ in range(3):
        slider.press("ArrowLeft")
    assert page.observed()["step"] == 98 and page.status() == _expected(RUNS[1], 98)[1]
    slider.press("End")
    assert page.observed()["step"] == 300
    slider.press("Home")
    assert page.status() == _expected(RUNS[1], 0)[1]
    # The shorter Adam run at a step beyond its end: its last step is shown.
    slider.press("End")
    buttons.nth(2).click()
    assert page.observed()["step"] == 200 and page.status() == _expected(RUNS[2], 300)[1]
    page.check_errors()
