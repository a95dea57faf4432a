"""Lesson 10's explorer: the settings Python hands over, and the page's norm, effective learning
rate, equilibrium and words against lrlab.scale (in headless Chromium, tests/explorer_page.py)."""

import itertools
import math

import numpy as np
import pytest

from lrlab import scale
from lrlab.explorers.norm_equilibrium import NormEquilibriumExplorer


def _half_life(lr, wd):
    """Steps for the gap to the equilibrium to halve near it, as the page computes it."""
    rho = 1 - lr * wd
    return math.log(2) / -math.log(abs(2 * rho * rho - 1))


def _expected(lr, wd, gradient_norm, start_norm, steps):
    """What the page should draw and say, from lrlab.scale's functions."""
    norms = scale.norm_trajectory(steps, lr, wd, gradient_norm, start_norm)
    effective = lr / norms**2
    norm = scale.equilibrium_norm(lr, wd, gradient_norm)
    target = lr / norm**2
    outside = np.flatnonzero(np.abs(effective / target - 1) > 0.01)
    settled = int(outside[-1]) + 1 if outside.size else 0
    if settled == 0:
        when = "within 1% of it from the start"
    elif settled <= steps:
        when = f"within 1% of it from step {settled} on"
    else:
        gap = abs(effective[-1] / target - 1)
        when = f"still {100 * gap:.3g}% away from it at step {steps}"
    status = (
        f"α = {lr:.3g}, λ = {wd:.3g}, αλ = {lr * wd:.3g}: the norm settles at |w| = {norm:.3g} "
        f"and the effective LR at α/|w|² = {target:.3g}, {when}; near there the gap halves every "
        f"{_half_life(lr, wd):.3g} steps. All α and λ with αλ = {lr * wd:.3g} settle at this "
        "effective LR; only the norm differs (it grows as the fourth root of α/λ)."
    )
    drawn = {
        "norms": norms,
        "effective": effective,
        "no_decay": scale.norm_trajectory(steps, lr, 0.0, gradient_norm, start_norm),
        "equilibrium_norm": norm,
        "equilibrium_rate": target,
        "settled": settled,
    }
    return drawn, status


# ---- Python: the settings handed to the page, and the reference the words use -----------------


def test_the_state_carries_the_model_the_settings_the_ranges_and_the_module():
    state = NormEquilibriumExplorer(5.1, 2.0, lr=0.4, weight_decay=0.025, steps=330).get_state()
    assert (state["gradient_norm"], state["start_norm"], state["steps"]) == (5.1, 2.0, 330)
    assert (state["lr"], state["weight_decay"]) == (0.4, 0.025)
    assert (state["lr_min"], state["lr_max"], state["wd_min"], state["wd_max"]) == (
        1e-3,
        1.0,
        1e-4,
        0.3,
    )
    assert "function normTrajectory" in state["_esm"] and "export default" in state["_esm"]


def test_settings_beyond_the_sliders_are_shown_at_their_ends():
    explorer = NormEquilibriumExplorer(lr=5.0, weight_decay=1e-6)
    assert (explorer.lr, explorer.weight_decay) == (1.0, 1e-4)


def test_without_widgets_a_reader_is_told_where_it_moves():
    data, _ = NormEquilibriumExplorer()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].startswith("NormEquilibriumExplorer: an interactive explorer")


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("gradient_norm", 0.0),
        ("start_norm", -1.0),
        ("lr", 0.0),
        ("weight_decay", -0.1),
        ("steps", 0),
        ("steps", 2.5),
    ],
)
def test_bad_settings_raise_value_errors_naming_them(argument, value):
    with pytest.raises(ValueError, match=f"`{argument}`.*Received: {argument}={value}"):
        NormEquilibriumExplorer(**{argument: value})


@pytest.mark.parametrize("lr, wd", [(0.1, 0.1), (0.1, 0.025), (1.0, 1e-3), (0.3, 0.3)])
def test_the_half_life_in_the_words_is_the_half_life_of_lrlabs_trajectory(lr, wd):
    # Started 0.1% off the equilibrium, the squared norm's gap shrinks by the same factor per step
    # that the page's half-life is computed from.
    target = scale.equilibrium_norm(lr, wd, 5.0) ** 2
    squared = scale.norm_trajectory(30, lr, wd, 5.0, math.sqrt(target * 1.001)) ** 2
    factor = abs((squared[6] - target) / (squared[5] - target))
    assert math.log(2) / -math.log(factor) == pytest.approx(_half_life(lr, wd), rel=2e-3)


# ---- the page: what it draws and says, against lrlab.scale --------------------------------------

LRS = [1e-3, 0.01, 0.1, 0.4, 1.0]
DECAYS = [1e-4, 1e-3, 0.025, 0.1, 0.3]
MODELS = [(5.1, 2.0, 1000), (0.7, 8.0, 300)]  # (G, |w_0|, steps)


@pytest.mark.parametrize(("gradient_norm", "start_norm", "steps"), MODELS)
def test_the_page_draws_lrlabs_trajectory_and_equilibrium_and_says_its_words(
    explorer_page, gradient_norm, start_norm, steps
):
    page = explorer_page.show(NormEquilibriumExplorer(gradient_norm, start_norm, steps=steps))
    worst = 0.0
    for lr, wd in itertools.product(LRS, DECAYS):
        page.set(lr=lr, weight_decay=wd)
        seen = page.observed()
        drawn, status = _expected(lr, wd, gradient_norm, start_norm, steps)
        for name in ("norms", "effective", "no_decay", "equilibrium_norm", "equilibrium_rate"):
            got, want = np.array(seen[name]), drawn[name]
            np.testing.assert_allclose(got, want, rtol=1e-15, atol=0, err_msg=name)
            worst = max(worst, float(np.max(np.abs(got - want) / np.abs(want))))
        assert seen["settled"] == drawn["settled"]
        assert seen["halving"] == pytest.approx(_half_life(lr, wd), rel=1e-14)
        assert page.status() == status, (lr, wd)
    # The same operations in the same order on float64: the same numbers, bit for bit.
    assert worst == 0.0


def test_the_words_cover_settled_from_the_start_later_and_not_yet(explorer_page):
    start = scale.equilibrium_norm(0.1, 0.1, 5.0)
    page = explorer_page.show(NormEquilibriumExplorer(5.0, start, lr=0.1, weight_decay=0.1))
    assert "within 1% of it from the start;" in page.status()
    page.set(weight_decay=0.025)
    assert "within 1% of it from step" in page.status()
    page.set(lr=1e-3, weight_decay=1e-4)
    assert "still " in page.status() and "away from it at step 1000" in page.status()


def test_equal_products_draw_one_equilibrium_rate_and_two_norms(explorer_page):
    page = explorer_page.show(NormEquilibriumExplorer(5.1, 2.0))
    page.set(lr=0.1, weight_decay=0.1)
    first = page.observed()
    page.set(lr=0.4, weight_decay=0.025)
    second = page.observed()
    assert first["equilibrium_rate"] == pytest.approx(second["equilibrium_rate"], rel=1e-12)
    assert second["equilibrium_norm"] == pytest.approx(2 * first["equilibrium_norm"], rel=1e-12)


def test_keyboard_steps_a_twentieth_of_a_decade_and_says_the_weight_decay(explorer_page):
    page = explorer_page.show(NormEquilibriumExplorer(lr=0.1, weight_decay=0.025))
    slider = page.page.get_by_label("weight decay λ")
    assert slider.get_attribute("aria-valuetext") == "weight decay λ 0.025"
    presses = round(np.log10(0.025 / 1e-4) * 20)
    step = np.log10(0.025 / 1e-4) / presses
    assert abs(step - 1 / 20) < 1 / 400
    slider.press("ArrowRight")
    wd = page.observed()["weight_decay"]
    assert wd == pytest.approx(0.025 * 10**step, rel=1e-9)
    assert slider.get_attribute("aria-valuetext") == f"weight decay λ {wd:.3g}"
    assert page.status() == _expected(0.1, wd, 5.0, 2.0, 1000)[1]
    lr_slider = page.page.get_by_label("learning rate α")
    for _ in range(20):
        lr_slider.press("ArrowLeft")
    assert page.observed()["lr"] == pytest.approx(0.01, rel=0.02)
    assert (
        lr_slider.get_attribute("aria-valuetext") == f"learning rate α {page.observed()['lr']:.3g}"
    )
    page.check_errors()


def test_twelve_presses_up_on_alpha_and_down_on_lambda_keep_the_product_as_lesson_10_says(
    explorer_page,
):
    # Both sliders step exactly 1/20 decade from 0.1 (their grids are fitted through it), so the
    # lesson's twelve presses each reach α ≈ 0.4, λ ≈ 0.025 with αλ = 0.01 and one α_eff*.
    page = explorer_page.show(NormEquilibriumExplorer(5.05, 2.0, lr=0.1, weight_decay=0.1))
    before = page.observed()
    for _ in range(12):
        page.page.get_by_label("learning rate α").press("ArrowRight")
        page.page.get_by_label("weight decay λ").press("ArrowLeft")
    after = page.observed()
    assert (round(after["lr"], 3), round(after["weight_decay"], 4)) == (0.398, 0.0251)
    assert after["lr"] * after["weight_decay"] == pytest.approx(0.01, rel=1e-12)
    assert after["equilibrium_rate"] == pytest.approx(before["equilibrium_rate"], rel=1e-12)
    assert 1.9 < after["equilibrium_norm"] / before["equilibrium_norm"] < 2
    assert "αλ = 0.01:" in page.status()
