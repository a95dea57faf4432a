"""Lesson 03's explorer: the data Python hands over, and the page's heavy-ball path, eigenvalues,
regime and words against lrlab.landscapes (in headless Chromium, tests/explorer_page.py)."""

import numpy as np
import pytest

from lrlab import landscapes
from lrlab.explorers.bowl_2d import BowlExplorer2D

LESSON = {"curvatures": (1.0, 20.0), "x0": (-4.0, 1.5), "steps": 40}
OTHER = {"curvatures": (0.5, 4.0), "x0": (3.0, -2.0), "steps": 25}


def test_the_state_carries_the_bowl_the_settings_and_the_module():
    state = BowlExplorer2D(**LESSON, lr=0.09, momentum=0.5).get_state()
    assert (state["curvatures"], state["x0"], state["steps"]) == ([1.0, 20.0], [-4.0, 1.5], 40)
    assert (state["lr"], state["momentum"]) == (0.09, 0.5)
    # The slider spans 1/100 to 3 times the plain limit 2/max c = 0.1, so both sides of it, and
    # of the limit at the largest momentum, 2(1 + 0.95)/20 = 0.195.
    assert (state["lr_min"], state["lr_max"]) == pytest.approx((1e-3, 0.3), rel=1e-12)
    assert state["momentum_max"] == 0.95
    limit = landscapes.stability_limit([1.0, 20.0], momentum=state["momentum_max"])
    assert state["lr_min"] < landscapes.stability_limit([1.0, 20.0]) < limit < state["lr_max"]
    assert "function heavyBallTrajectory" in state["_esm"] and "export default" in state["_esm"]
    assert "function formatG" in state["_esm"] and ".lrlab-explorer" in state["_css"]


def test_settings_outside_the_sliders_are_kept_within_them_as_a_slider_does():
    explorer = BowlExplorer2D(lr=10.0, momentum=0.99)
    assert (explorer.lr, explorer.momentum) == (explorer.lr_max, 0.95)
    assert BowlExplorer2D(lr=1e-9).lr == explorer.lr_min


def test_without_widgets_a_reader_is_told_where_it_moves():
    data, _ = BowlExplorer2D()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].startswith("BowlExplorer2D: an interactive explorer")


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("curvatures", (1.0, 2.0, 3.0)),
        ("curvatures", (1.0, -2.0)),
        ("curvatures", (1.0, float("inf"))),
        ("curvatures", "ab"),
        ("lr", -1.0),
        ("x0", (1.0, 2.0, 3.0)),
        ("x0", (float("nan"), 0.0)),
        ("steps", 0),
        ("steps", 2.5),
        ("momentum", 1.0),
        ("momentum", -0.1),
    ],
)
def test_bad_settings_raise_value_errors_naming_them(argument, value):
    with pytest.raises(ValueError, match=f"`{argument}`") as error:
        BowlExplorer2D(**{argument: value})
    assert f"Received: {argument}={value!r}" in str(error.value)


# ---- the page against lrlab.landscapes ------------------------------------------------------------


def _direction(i, c, root):
    """One direction of the path in words, from its dominant eigenvalue (as the explorer says)."""
    name = ("w₁ (flat", "w₂ (steep")[i] + f", c{'₁₂'[i]} = {c:g})"
    rate = abs(root)
    if rate == 0:
        return f"{name} lands on the minimum in one step"
    if root.imag == 0 and root.real > 0:
        how = "approaches the minimum from one side"
    elif root.imag == 0:
        how = "crosses the minimum every step (zig-zag)"
    else:
        every = np.pi / np.angle(root)
        how = f"swings past the minimum and back, crossing it about every {every:.0f} steps"
    if rate < 1:
        change = f"shrinking ×{rate:.3f} per step"
    elif rate == 1:
        change = "neither shrinking nor growing"
    else:
        change = f"growing ×{rate:.3f} per step"
    return f"{name} {how}, {change}"


def _path_words(path, steps):
    start = f"Path (left): from ({path[0, 0]:g}, {path[0, 1]:g})"
    with np.errstate(invalid="ignore"):
        outside = np.flatnonzero(~(np.abs(path).max(axis=1) <= 5))
    if outside.size:
        return f"{start}, it leaves the picture at step {outside[0]}."
    first, end = np.linalg.norm(path[0]), np.linalg.norm(path[-1])
    if end < first:
        closer = f"{first / end:.3g}× closer to the minimum"
    else:
        closer = f"{end / first:.3g}× farther from the minimum"
    return f"{start} to ({path[-1, 0]:.2g}, {path[-1, 1]:.2g}) after {steps} steps, {closer}:"


def _loss_words(losses):
    finite = np.isfinite(losses)
    if not finite.all():
        first = int(np.argmin(finite))
        return f"Loss (right, log scale): from {losses[0]:.3g}, it overflows at step {first}."
    rises = int(np.sum(np.diff(losses) > 0))
    if rises == 0:
        trend = "falling at every step"
    elif losses[-1] < losses[0]:
        trend = f"falling overall but rising at {rises} of {len(losses) - 1} steps"
    else:
        trend = "growing"
    return f"Loss (right, log scale): from {losses[0]:.3g} to {losses[-1]:.3g}, {trend}."


def _speed_words(needed, best, momentum):
    best_text = f"the best lr for this bowl at momentum {momentum:.2f} needs about {best:.0f}"
    if not np.isfinite(needed):
        return f"It never gets 100× closer; {best_text}."
    ratio = f" ({needed / best:.1f} times as many)" if needed > best * 1.05 else ""
    return f"Speed: about {needed:.0f} steps to shrink the path 100×{ratio}; {best_text}."


def _expected(curvatures, x0, steps, lr, momentum):
    """What the page should draw and say, from lrlab.landscapes alone."""
    path = landscapes.heavy_ball_trajectory(x0, curvatures, lr, steps, momentum=momentum)
    with np.errstate(over="ignore", invalid="ignore"):
        losses = landscapes.quadratic_loss(path, curvatures)
    roots = landscapes.dominant_eigenvalue(curvatures, lr, momentum)
    fastest = landscapes.fastest_rate(curvatures, momentum)
    numbers = {
        "path": path,
        "losses": losses,
        "roots": np.stack([roots.real, roots.imag], axis=-1),
        "rates": landscapes.convergence_rate(curvatures, lr, momentum),
        "limit": landscapes.stability_limit(curvatures, momentum),
        "effective": landscapes.effective_learning_rate(lr, momentum),
        "fastest": fastest,
        "needed": landscapes.steps_to_shrink(float(np.abs(roots).max())),
        "best": landscapes.steps_to_shrink(fastest),
        "levels": np.geomspace(0.05, landscapes.quadratic_loss([5.0, 5.0], curvatures), 12),
    }
    regime = landscapes.descent_regime(curvatures, lr, momentum)
    settings = (
        f"lr = {lr:.3g}, momentum β = {momentum:.2f} (effective lr α/(1−β) = "
        f"{numbers['effective']:.3g}; stability limit 2(1+β)/max c = {numbers['limit']:.3g})"
    )
    directions = "; ".join(_direction(i, c, r) for i, (c, r) in enumerate(zip(curvatures, roots)))
    status = (
        f"{regime} at {settings}. {_path_words(path, steps)} {directions}. "
        f"{_loss_words(losses)} {_speed_words(numbers['needed'], numbers['best'], momentum)}"
    )
    return numbers, regime, status


def _floats(value):
    """data-observed's numbers as floats ("Infinity", "-Infinity" and "NaN" travel as text)."""
    return np.array(value, dtype=float) if isinstance(value, list) else float(value)


def _relative_difference(drawn, expected):
    drawn, expected = np.asarray(drawn, dtype=float), np.asarray(expected, dtype=float)
    same = (drawn == expected) | (np.isnan(drawn) & np.isnan(expected))
    scale = np.maximum(np.abs(expected), 1e-300)
    with np.errstate(invalid="ignore"):
        return float(np.max(np.where(same, 0.0, np.abs(drawn - expected) / scale)))


MOMENTA = [0.0, 0.05, 0.3, 0.4, 0.5, 0.9, 0.95]
# Learning rates as multiples of the plain limit 2/max c, from the slider's low end to its high end:
# too slow at both ends of the converging range, smooth, overshoot, the limit itself (bounces
# forever), 1/max c (one direction lands in one step), beyond the limit (diverges, or converges
# with momentum). Each momentum adds its own limit 2(1+β)/max c.
FACTORS = [0.01, 0.03, 0.0724, 0.2, 0.4, 0.5, 0.8, 0.9, 0.9524, 0.995, 1.0, 1.2, 1.5, 1.9, 3.0]


def _grid(curvatures):
    limit = landscapes.stability_limit(curvatures)
    grid = []
    for momentum in MOMENTA:
        lrs = [factor * limit for factor in FACTORS]
        lrs.append(landscapes.stability_limit(curvatures, momentum))
        grid += [(lr, momentum) for lr in lrs]
    return grid


@pytest.mark.parametrize("bowl", [LESSON, OTHER], ids=["lesson", "other"])
def test_the_page_draws_lrlabs_heavy_ball_and_says_its_regime(explorer_page, bowl):
    page = explorer_page.show(BowlExplorer2D(**bowl))
    worst, seen = {}, set()
    grid = _grid(bowl["curvatures"])
    shown = page.sweep([{"momentum": momentum, "lr": lr} for lr, momentum in grid])
    for (lr, momentum), (drawn, words) in zip(grid, shown):
        numbers, regime, status = _expected(**bowl, lr=lr, momentum=momentum)
        assert (drawn["lr"], drawn["momentum"]) == (lr, momentum)
        for name, expected in numbers.items():
            got = _floats(drawn[name])
            assert np.shape(got) == np.shape(expected), name
            # The same operations in the same order; only Math.hypot, log and exp may round
            # differently from the C library's in the last bit.
            np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0, equal_nan=True)
            worst[name] = max(worst.get(name, 0.0), _relative_difference(got, expected))
        assert drawn["regime"] == regime, (lr, momentum)
        assert words == status, (lr, momentum)
        seen.add(regime)
    assert seen == set(landscapes.REGIMES)
    print(f"{len(grid)} settings, worst relative difference per quantity: {worst}")
    # The path, the losses and the eigenvalues are bit for bit NumPy's.
    assert worst["path"] == worst["losses"] == worst["roots"] == 0.0


def test_the_issue_case_reads_too_slow_in_words(explorer_page):
    """Issue 16: lr 0.00724 at β = 0 converges, but 20 times too slowly to call it good."""
    page = explorer_page.show(BowlExplorer2D(**LESSON, lr=0.00724))
    text = page.status()
    assert text.startswith("too slow") and "about 63" in text and "times as many" in text


def test_the_picture_has_the_old_panels_and_every_point_of_a_diverging_run(explorer_page):
    page = explorer_page.show(BowlExplorer2D(**LESSON, lr=0.12))
    svg = page.page.locator(".lrlab-explorer svg")
    texts = svg.locator("text").evaluate_all("ts => ts.map(t => t.textContent)")
    for label in [
        "Path on L = 1/2·w₁² + 20/2·w₂²",
        "weight w₁ (flat direction)",
        "weight w₂ (steep direction)",
        "Loss per step",
        "step t",
        "loss L(w_t) (log scale)",
    ]:
        assert label in texts
    assert svg.locator("ellipse").count() == 12 and svg.locator("polygon").count() == 1
    # The loss overflows at step 40 at the latest, yet all 41 points are drawn (at 1e30, clipped).
    losses = page.observed()["losses"]
    assert losses[-1] == "Infinity" or np.isfinite(losses[-1])
    lines = svg.locator("path").evaluate_all("ps => ps.map(p => p.getAttribute('d'))")
    assert max(d.count("L") + 1 for d in lines if d and "a" not in d) == 41


def test_keyboard_steps_the_lr_by_a_twentieth_of_a_decade_and_momentum_by_005(explorer_page):
    page = explorer_page.show(BowlExplorer2D(**LESSON, lr=0.09, momentum=0.9))
    slider = page.page.get_by_label("learning rate")
    assert slider.get_attribute("aria-valuetext") == "learning rate 0.09"
    # The grid runs from the slider's low end (0.001) through 0.09 in whole steps of ~1/20 decade.
    presses = round(np.log10(0.09 / 0.001) * 20)
    step = np.log10(0.09 / 0.001) / presses
    slider.press("ArrowRight")
    lr = page.observed()["lr"]
    assert lr == pytest.approx(0.09 * 10**step, rel=1e-9)
    assert slider.get_attribute("aria-valuetext") == f"learning rate {lr:.3g}"
    momentum = page.page.get_by_label("momentum β")
    assert momentum.get_attribute("aria-valuetext") == "momentum β 0.90"
    momentum.press("ArrowRight")
    assert page.observed()["momentum"] == pytest.approx(0.95)
    momentum.press("ArrowRight")  # the slider's end
    assert page.observed()["momentum"] == pytest.approx(0.95)
    for _ in range(3):
        momentum.press("ArrowLeft")
    assert page.observed()["momentum"] == pytest.approx(0.8)
    assert momentum.get_attribute("aria-valuetext") == "momentum β 0.80"
    assert page.status().startswith(landscapes.descent_regime([1.0, 20.0], lr, 0.8))
