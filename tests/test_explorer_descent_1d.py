"""Lesson 01's explorer: the data Python hands over, and the page's path and words against
lrlab.landscapes (in headless Chromium, tests/explorer_page.py)."""

import itertools

import numpy as np
import pytest

from lrlab import landscapes
from lrlab.widgets import DescentExplorer1D


def test_the_state_carries_the_bowl_the_settings_and_the_module():
    state = DescentExplorer1D(curvature=2.0, lr=0.1, x0=-1.5, steps=12).get_state()
    assert (state["curvature"], state["lr"], state["x0"], state["steps"]) == (2.0, 0.1, -1.5, 12)
    assert (state["lr_min"], state["lr_max"]) == (0.01, 3.0)
    assert "function descentPath" in state["_esm"] and "export default" in state["_esm"]
    assert ".lrlab-explorer" in state["_css"]


def test_without_widgets_a_reader_is_told_where_it_moves():
    data, _ = DescentExplorer1D()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].startswith("DescentExplorer1D: an interactive explorer")


@pytest.mark.parametrize(
    ("argument", "value"),
    [("curvature", 0.0), ("lr", -1.0), ("steps", 0), ("steps", 2.5), ("x0", 7.0)],
)
def test_bad_settings_raise_value_errors_naming_them(argument, value):
    with pytest.raises(ValueError, match=f"`{argument}`.*{value}"):
        DescentExplorer1D(**{argument: value})


def _expected_status(lr, curvature):
    factor = 1 - lr * curvature
    if abs(factor) >= 1:
        verdict = "diverges" if abs(factor) > 1 else "bounces forever"
    elif factor < 0:
        verdict = "converges with overshoot (a zig-zag)"
    else:
        verdict = "converges smoothly"
    return (
        f"lr = {lr:.3g}: each step multiplies x by 1 − lr·c = {factor:+.3f}, so it {verdict} "
        f"(stability limit 2/c = {landscapes.stability_limit(curvature):.3g})."
    )


GRID = list(itertools.product([0.01, 0.3, 0.999, 1.0, 1.5, 2.0, 2.9], [-4.0, -0.3, 0.0, 3.0]))


@pytest.mark.parametrize("curvature", [1.0, 0.7])
def test_the_page_draws_lrlabs_path_and_says_its_regime(explorer_page, curvature):
    page = explorer_page.show(DescentExplorer1D(curvature=curvature, steps=20))
    worst = 0.0
    for lr, x0 in GRID:
        page.set(lr=lr, x0=x0)
        drawn = page.observed()
        expected = landscapes.quadratic_trajectory(x0, curvature, lr, 20)
        path = np.array([np.inf if v is None else v for v in drawn["path"]])
        np.testing.assert_allclose(path, expected, rtol=1e-12, atol=0)
        worst = max(
            worst, float(np.max(np.abs(path - expected) / np.maximum(np.abs(expected), 1e-300)))
        )
        assert page.status() == _expected_status(lr, curvature), (lr, x0)
    assert worst < 1e-12


def test_keyboard_steps_a_twentieth_of_a_decade_and_says_the_lr(explorer_page):
    page = explorer_page.show(DescentExplorer1D(lr=0.3))
    slider = page.page.get_by_label("learning rate")
    assert slider.get_attribute("aria-valuetext") == "learning rate 0.3"
    # The grid runs from the slider's low end (0.01) through 0.3 in whole steps of ~1/20 decade.
    presses = round(np.log10(0.3 / 0.01) * 20)
    step = np.log10(0.3 / 0.01) / presses
    assert abs(step - 1 / 20) < 1 / 400
    slider.press("ArrowRight")
    lr = page.observed()["lr"]
    assert lr == pytest.approx(0.3 * 10**step, rel=1e-9)
    assert slider.get_attribute("aria-valuetext") == f"learning rate {lr:.3g}"
    for _ in range(20):
        slider.press("ArrowLeft")
    assert page.observed()["lr"] == pytest.approx(0.3 / 10 ** (19 * step), rel=1e-9)
