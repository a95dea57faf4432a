"""The matplotlib explorers' base (a PNG redrawn in the kernel), until each explorer runs in the page."""

import base64
import io
import time

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg


def widget_view_bundle(widget):
    """A widget's display data. ipywidgets 8 builds it; 7 (what Colab ships and imports at
    start-up) only sends it from `_ipython_display_`, so build the same view reference here."""
    if hasattr(widget, "_repr_mimebundle_"):
        return widget._repr_mimebundle_()
    view = {"version_major": 2, "version_minor": 0, "model_id": widget.model_id}
    return {"text/plain": repr(widget), "application/vnd.jupyter.widget-view+json": view}


class Explorer:
    """Base class: subclasses build `self.figure`, list the artists that move in
    `self.moving`, pass their controls, and implement `draw`.

    Rendering blits: the axes, ticks and labels are drawn once and cached; a refresh only
    redraws the moving artists over that background and encodes the PNG (about 10 ms).
    """

    def __init__(self, controls, figure):
        self.controls = controls
        self.figure = figure
        for artist in self.moving:
            artist.set_animated(True)  # left out of the cached background
        self.canvas = FigureCanvasAgg(figure)
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(figure.bbox)
        # Shown at the PNG's own pixel width (a VBox would stretch it to the notebook's width and
        # blur the text); max_width lets it shrink in a narrow window, keeping its proportions.
        width, _ = self.canvas.get_width_height()
        self.image = widgets.Image(
            format="png",
            layout=widgets.Layout(
                width=f"{width}px", max_width="100%", height="auto", object_fit="contain"
            ),
        )
        self.status = widgets.HTML()
        self.latencies = []  # seconds per refresh, for benchmarks
        for control in controls.values():
            control.observe(lambda change: self.refresh(), names="value")
        row = widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        self.widget = widgets.VBox([row, self.image, self.status])
        self.refresh()

    moving = ()

    @property
    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def draw(self, **values):
        """Update the moving artists for these control values; return a status line (HTML)."""
        raise NotImplementedError

    def refresh(self):
        start = time.perf_counter()
        self.status.value = self.draw(**self.values) or ""
        self.canvas.restore_region(self._background)
        for artist in self.moving:
            artist.axes.draw_artist(artist)
        buffer = io.BytesIO()
        PIL.Image.frombuffer(
            "RGBA", self.canvas.get_width_height(), self.canvas.buffer_rgba()
        ).save(buffer, format="png", compress_level=1)
        self.image.value = buffer.getvalue()
        self.latencies.append(time.perf_counter() - start)

    def _repr_mimebundle_(self, **kwargs):
        # Live JupyterLab renders the widget; GitHub, nbviewer or a Lab without the widget
        # extension fall back to the PNG of the current state, so the lesson still reads.
        bundle = widget_view_bundle(self.widget)
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        bundle["text/plain"] = (
            f"{type(self).__name__}: move the controls to explore (needs a running kernel)."
        )
        return bundle


def _lr_slider(value, low, high, description="learning rate", steps_per_decade=20):
    """A log-scale learning-rate slider from `low` to `high`, starting at `value`.

    The browser's slider (noUiSlider) moves in steps of `step` on the exponent, from `min`: one
    arrow-key press is one step, Page Up/Down five. So the step is about 1/`steps_per_decade` of a
    decade (×1.12 per press: 20 presses take 0.3 to 3), fitted so that `value` is on the grid
    (showing the slider would otherwise snap it, and redraw, before anyone touched it).
    """
    value = min(max(value, low), high)  # as FloatLogSlider itself does
    low_exp, value_exp, high_exp = np.log10([low, value, high])
    presses = round((value_exp - low_exp) * steps_per_decade)
    step = (value_exp - low_exp) / presses if presses else 1 / steps_per_decade
    return widgets.FloatLogSlider(
        value=value,
        base=10,
        min=low_exp,
        max=high_exp,
        step=step,
        description=description,
        readout_format=".3g",
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="420px"),
    )
