"""The explorers and the Explorer base, driven without a browser: each control changes the
status, the picture and the plotted data, which are checked against the pure modules."""

import re

import numpy as np
import pytest

from lrlab import landscapes, widgets
from lrlab.explorers.figure import _lr_slider
from lrlab.widgets import (
    BowlExplorer2D,
)

# ---- BowlExplorer2D (lesson 03) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def bowl():
    return BowlExplorer2D(curvatures=(1.0, 20.0), lr=0.05, x0=(-4.0, 1.5), steps=40)


def _plain(html):
    return re.sub(r"<[^>]+>", "", html)


def test_bowl_moving_the_slider_updates_path_loss_status_and_image(bowl):
    bowl.controls["momentum"].value = 0.0
    bowl.controls["lr"].value = 0.05
    before = (
        bowl.path_line.get_xydata().copy(),
        bowl.loss_line.get_ydata().copy(),
        bowl.status.value,
        bowl.image.value,
    )
    assert "converges smoothly" in bowl.status.value and "×0.950" in bowl.status.value
    bowl.controls["lr"].value = 0.12
    path = landscapes.quadratic_trajectory(np.array([-4.0, 1.5]), [1.0, 20.0], 0.12, 40)
    np.testing.assert_allclose(bowl.path_line.get_xdata(), np.clip(path[:, 0], -6, 6))
    np.testing.assert_allclose(bowl.path_line.get_ydata(), np.clip(path[:, 1], -6, 6))
    assert bowl.loss_line.get_ydata()[0] == pytest.approx(0.5 * 16 + 10 * 2.25)
    assert not np.array_equal(bowl.loss_line.get_ydata(), before[1])
    assert "diverges" in bowl.status.value and "×1.400" in bowl.status.value
    assert bowl.status.value != before[2]
    assert bowl.image.value != before[3] and bowl.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_bowl_momentum_control_moves_the_path_and_the_limit(bowl):
    bowl.controls["lr"].value = 0.15  # above the plain limit 0.1, below 2(1 + 0.9)/20 = 0.19
    bowl.controls["momentum"].value = 0.0
    assert _plain(bowl.status.value).startswith("diverges")
    bowl.controls["momentum"].value = 0.9
    path = landscapes.heavy_ball_trajectory(
        np.array([-4.0, 1.5]), [1.0, 20.0], 0.15, 40, momentum=0.9
    )
    np.testing.assert_allclose(bowl.path_line.get_xdata(), np.clip(path[:, 0], -6, 6))
    text = _plain(bowl.status.value)
    assert (
        text.startswith("converges with overshoot")
        and "stability limit 2(1+β)/max c = 0.19" in text
    )
    assert "effective lr α/(1−β) = 1.5" in text and "swings past the minimum" in text
    bowl.controls["momentum"].value = 0.0


# The slider's own positions (0.01 decade apart) from one end to the other, at three momenta.
@pytest.mark.slow  # trains a model: full suite only
@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_bowl_verdict_is_the_lessons_regime_across_the_slider_range(bowl, momentum):
    slider = bowl.controls["lr"]
    bowl.controls["momentum"].value = momentum
    seen = set()
    for exponent in np.arange(slider.min, slider.max + 1e-9, 0.05):
        slider.value = 10**exponent
        lr = slider.value
        regime = landscapes.descent_regime([1.0, 20.0], lr, momentum)
        text = _plain(bowl.status.value)
        assert text.startswith(regime), (lr, text)
        seen.add(regime)
        needed = landscapes.steps_to_shrink(
            landscapes.convergence_rate([1.0, 20.0], lr, momentum).max()
        )
        best = landscapes.steps_to_shrink(landscapes.fastest_rate([1.0, 20.0], momentum))
        if lr < 0.02 and momentum == 0.0:
            assert regime == "too slow" and needed > 3 * best  # issue 16: these used to read "good"
        if regime in ("converges smoothly", "converges with overshoot"):
            assert needed <= 3 * best
    bowl.controls["momentum"].value = 0.0
    assert {"too slow", "converges with overshoot", "diverges"} <= seen
    if momentum == 0.0:
        assert "converges smoothly" in seen


def test_bowl_issue_case_is_too_slow_and_says_so_in_words(bowl):
    bowl.controls["momentum"].value = 0.0
    bowl.controls["lr"].value = 0.00724
    text = _plain(bowl.status.value)
    assert text.startswith("too slow") and "about 63" in text and "times as many" in text


@pytest.mark.parametrize(
    "lr, momentum, words",
    [
        (
            0.04,
            0.0,
            [
                "approaches the minimum from one side",
                "falling at every step",
                "closer to the minimum",
            ],
        ),
        (0.09, 0.0, ["crosses the minimum every step (zig-zag)", "falling at every step"]),
        (0.12, 0.0, ["leaves the picture at step", "growing"]),
        (0.09, 0.9, ["swings past the minimum and back", "rising at"]),
    ],
)
def test_bowl_status_describes_both_panels_in_words(bowl, lr, momentum, words):
    bowl.controls["momentum"].value = momentum
    bowl.controls["lr"].value = lr
    text = _plain(bowl.status.value)
    assert "Path (left)" in text and "Loss (right" in text
    for word in words:
        assert word in text, (word, text)
    bowl.controls["momentum"].value = 0.0


def test_bowl_slider_spans_both_sides_of_the_limit(bowl):
    slider = bowl.controls["lr"]
    assert 10**slider.min < landscapes.stability_limit([1.0, 20.0]) < 10**slider.max
    assert (
        landscapes.stability_limit([1.0, 20.0], momentum=bowl.controls["momentum"].max)
        < 10**slider.max
    )


def test_bowl_rejects_wrong_number_of_curvatures():
    with pytest.raises(ValueError, match="curvatures"):
        BowlExplorer2D(curvatures=(1.0, 2.0, 3.0))


def test_all_lists_every_public_name_and_nothing_else():
    public = {
        name
        for name, value in vars(widgets).items()
        if not name.startswith("_")
        and getattr(value, "__module__", "").startswith((widgets.__name__, "lrlab.explorers."))
    }
    assert set(widgets.__all__) == public


# ---- the Explorer base and the shared learning-rate slider (issue 16, items 9 and 10) ----------


@pytest.mark.parametrize(
    "value, low, high", [(0.3, 1e-2, 3.0), (0.05, 1e-3, 0.3), (0.1, 1e-3, 1.0), (1e-3, 1e-3, 1.0)]
)
def test_lr_slider_steps_about_a_twentieth_of_a_decade_from_a_grid_through_its_value(
    value, low, high
):
    """One arrow-key press in the browser is one `step` of the exponent, counted from `min`
    (noUiSlider): ×1.12, not the ×1.023 of a 0.01 step; and the start value is on that grid, so
    showing the slider does not snap it (0.3 used to become 0.302 on display)."""
    slider = _lr_slider(value, low, high)
    assert (slider.min, slider.max) == pytest.approx((np.log10(low), np.log10(high)))
    assert 0.045 <= slider.step <= 0.055
    presses = (np.log10(value) - slider.min) / slider.step
    assert presses == pytest.approx(round(presses), abs=1e-9)
    assert slider.value == pytest.approx(value)


def test_lr_slider_clamps_a_value_outside_its_range_as_floatlogslider_does():
    assert _lr_slider(10.0, 1e-2, 3.0).value == pytest.approx(3.0)


def test_explorer_picture_is_shown_at_the_png_width_and_may_only_shrink():
    """A VBox stretched the 720 px PNG to the notebook's width (~970 px), blurring its text."""
    import io

    import PIL.Image

    explorer = BowlExplorer2D()
    width, _ = PIL.Image.open(io.BytesIO(explorer.image.value)).size
    layout = explorer.image.layout
    assert layout.width == f"{width}px" and layout.max_width == "100%" and layout.height == "auto"
