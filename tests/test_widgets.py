"""The lesson-01 explorer and the Explorer base, driven without a browser."""

import base64
import types

import ipywidgets
import numpy as np
import pytest

from lrlab import landscapes
from lrlab.widgets import DescentExplorer1D, widget_view_bundle


def test_dragging_the_lr_redraws_the_path_from_the_closed_form():
    explorer = DescentExplorer1D(curvature=2.0, lr=0.1, x0=3.0, steps=10)
    image, status = explorer.image.value, explorer.status.value
    explorer.controls["lr"].value = 0.8  # 1 - lr*c = -0.6: oscillating convergence
    assert explorer.image.value != image and explorer.status.value != status
    assert "oscillating" in explorer.status.value and "-0.600" in explorer.status.value
    _, distances = explorer.dist_line.get_data()
    np.testing.assert_allclose(distances, np.abs(landscapes.quadratic_trajectory(3.0, 2.0, 0.8, 10)))


def test_status_names_every_regime():
    explorer = DescentExplorer1D(curvature=1.0, lr=0.5)
    for lr, words in [(0.5, "monotonically"), (1.5, "oscillating"), (2.0, "bounces forever"), (2.5, "diverges")]:
        explorer.controls["lr"].value = lr
        assert words in explorer.status.value, (lr, explorer.status.value)


def test_moving_the_start_point_moves_the_path():
    explorer = DescentExplorer1D(lr=0.3, x0=3.0)
    explorer.controls["x0"].value = -2.0
    xs, _ = explorer.path_line.get_data()
    assert xs[0] == -2.0
    assert len(explorer.latencies) == 2  # one refresh at start, one per change


def test_static_fallback_is_the_current_png():
    explorer = DescentExplorer1D()
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == explorer.image.value
    assert bytes(explorer.image.value).startswith(b"\x89PNG")
    assert "DescentExplorer1D" in bundle["text/plain"]


@pytest.mark.skipif(not hasattr(ipywidgets.VBox, "_repr_mimebundle_"), reason="the reference is ipywidgets 8's own bundle")
def test_on_ipywidgets_7_the_explorer_shows_the_same_widget_view_as_on_8():
    """Colab ships ipywidgets 7, whose widgets have no `_repr_mimebundle_`: the explorer builds the view itself."""
    explorer = DescentExplorer1D()
    as_on_7 = types.SimpleNamespace(model_id=explorer.widget.model_id)  # a widget without `_repr_mimebundle_`
    view = "application/vnd.jupyter.widget-view+json"
    assert widget_view_bundle(as_on_7)[view] == explorer.widget._repr_mimebundle_()[view]
