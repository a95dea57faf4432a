"""The explorers and the Explorer base, driven without a browser: each control changes the
status, the picture and the plotted data, which are checked against the pure modules."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from lrlab import widgets
from lrlab.explorers.figure import Explorer, _lr_slider


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


class _TinyExplorer(Explorer):
    """The smallest matplotlib explorer: one slider, one line."""

    def __init__(self):
        figure = Figure(figsize=(9, 3.6), dpi=80)
        (self.line,) = figure.subplots().plot([0, 1], [0, 1])
        self.moving = (self.line,)
        super().__init__({"lr": _lr_slider(0.3, 1e-2, 3.0)}, figure)

    def draw(self, lr):
        self.line.set_ydata([0, lr])
        return f"lr = {lr:.3g}"


def test_explorer_picture_is_shown_at_the_png_width_and_may_only_shrink():
    """A VBox stretched the 720 px PNG to the notebook's width (~970 px), blurring its text."""
    import io

    import PIL.Image

    explorer = _TinyExplorer()
    width, _ = PIL.Image.open(io.BytesIO(explorer.image.value)).size
    layout = explorer.image.layout
    assert layout.width == f"{width}px" and layout.max_width == "100%" and layout.height == "auto"
