"""Interactive explorers for the lessons: sliders that redraw a matplotlib figure.

Each explorer owns its controls, a matplotlib `Figure` (not pyplot, so nothing pops up twice)
and an `ipywidgets.Image` showing that figure as a PNG. Moving a control calls `refresh()`,
which recomputes in NumPy, updates the artists, and re-renders the PNG. Everything is plain
Python, so tests set `explorer.controls["lr"].value` and check what changed, no browser needed.
This is the only module that imports ipywidgets.
"""

import base64
import io
import time

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lrlab import landscapes

__all__ = ["Explorer", "DescentExplorer1D"]


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
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
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
        PIL.Image.frombuffer("RGBA", self.canvas.get_width_height(), self.canvas.buffer_rgba()).save(
            buffer, format="png", compress_level=1
        )
        self.image.value = buffer.getvalue()
        self.latencies.append(time.perf_counter() - start)

    def _repr_mimebundle_(self, **kwargs):
        # Live JupyterLab renders the widget; GitHub, nbviewer or a Lab without the widget
        # extension fall back to the PNG of the current state, so the lesson still reads.
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        bundle["text/plain"] = f"{type(self).__name__}: move the controls to explore (needs a running kernel)."
        return bundle


def _lr_slider(value, low, high, description="learning rate"):
    return widgets.FloatLogSlider(
        value=value, base=10, min=np.log10(low), max=np.log10(high), step=0.01,
        description=description, readout_format=".3g", continuous_update=True,
        style={"description_width": "initial"}, layout=widgets.Layout(width="420px"),
    )


class DescentExplorer1D(Explorer):
    """Gradient descent on f(x) = c/2 x²: drag the learning rate and the start point.

    Left: the loss curve with the path of iterates. Right: |x_k| per step on a log scale, so
    slow convergence, oscillation and divergence are all visible at once.
    """

    def __init__(self, curvature=1.0, lr=0.3, x0=3.0, steps=20):
        self.curvature = curvature
        self.steps = steps
        controls = {
            "lr": _lr_slider(lr, 1e-2, 3.0),
            "x0": widgets.FloatSlider(value=x0, min=-4, max=4, step=0.1, description="start x₀"),
        }
        figure = Figure(figsize=(9, 3.6), dpi=80, layout="constrained")
        self.ax_loss, self.ax_steps = figure.subplots(1, 2)
        xs = np.linspace(-5, 5, 201)
        self.ax_loss.plot(xs, landscapes.quadratic_loss(xs[:, None], curvature), color="0.6")
        (self.path_line,) = self.ax_loss.plot([], [], "o-", color="#D55E00", ms=4, lw=1)
        self.ax_loss.set(xlim=(-5, 5), ylim=(-0.5, 0.5 * curvature * 25 + 1),
                         xlabel="weight x", ylabel="loss f(x)", title="Descent on f(x) = c/2·x²")
        (self.dist_line,) = self.ax_steps.semilogy([], [], "o-", color="#0072B2", ms=3)
        self.moving = (self.path_line, self.dist_line)
        self.ax_steps.set(xlim=(0, steps), ylim=(1e-6, 1e4), xlabel="step k",
                          ylabel="distance to minimum |x_k|", title="Distance per step (log scale)")
        super().__init__(controls, figure)

    def draw(self, lr, x0):
        path = landscapes.quadratic_trajectory(x0, self.curvature, lr, self.steps)
        shown = np.clip(path, -5, 5)
        self.path_line.set_data(shown, landscapes.quadratic_loss(shown[:, None], self.curvature))
        self.dist_line.set_data(np.arange(self.steps + 1), np.maximum(np.abs(path), 1e-12))
        limit = landscapes.stability_limit(self.curvature)
        factor = 1 - lr * self.curvature
        if abs(factor) >= 1:
            verdict = "diverges" if abs(factor) > 1 else "bounces forever"
        elif factor < 0:
            verdict = "converges while oscillating"
        else:
            verdict = "converges monotonically"
        return (f"lr = {lr:.3g}: each step multiplies x by 1 − lr·c = {factor:+.3f}, so it "
                f"<b>{verdict}</b> (stability limit 2/c = {limit:.3g}).")


class BowlExplorer2D(Explorer):
    """Gradient descent on the ill-conditioned bowl f(x) = c₁/2·x₁² + c₂/2·x₂² (lesson 03).

    Left: contours with the path of iterates, which zig-zags across the steep direction as the
    learning rate nears 2/max(c). Right: the loss per step (log scale), named by
    `lrlab.diagnosis.classify_loss_curve`. NumPy closed form, so a refresh is a few ms.
    """

    def __init__(self, curvatures=(1.0, 20.0), lr=0.05, x0=(-4.0, 1.5), steps=40):
        from lrlab import diagnosis

        self._classify = diagnosis.classify_loss_curve
        self.curvatures = np.asarray(curvatures, dtype=float)
        if self.curvatures.shape != (2,):
            raise ValueError(f"Argument `curvatures` must hold 2 curvatures. Received: curvatures={curvatures!r}")
        self.x0 = np.asarray(x0, dtype=float)
        self.steps = steps
        limit = landscapes.stability_limit(self.curvatures)
        controls = {"lr": _lr_slider(lr, limit / 100, limit * 1.5)}
        figure = Figure(figsize=(9, 3.6), dpi=80, layout="constrained")
        self.ax_path, self.ax_loss = figure.subplots(1, 2)
        grid = np.linspace(-5, 5, 121)
        gx, gy = np.meshgrid(grid, grid)
        surface = landscapes.quadratic_loss(np.stack([gx, gy], axis=-1), self.curvatures)
        self.ax_path.contour(gx, gy, surface, levels=np.geomspace(0.05, surface.max(), 12),
                             colors="0.7", linewidths=0.8)
        self.ax_path.plot([0], [0], "k*", ms=9)
        (self.path_line,) = self.ax_path.plot([], [], "o-", color="#D55E00", ms=3, lw=1)
        c1, c2 = self.curvatures
        self.ax_path.set(xlim=(-5, 5), ylim=(-5, 5), aspect="equal", xlabel="weight x₁ (flat direction)",
                         ylabel="weight x₂ (steep direction)",
                         title=f"Path on f = {c1:g}/2·x₁² + {c2:g}/2·x₂²")
        start = landscapes.quadratic_loss(self.x0, self.curvatures)
        (self.loss_line,) = self.ax_loss.semilogy([], [], "o-", color="#0072B2", ms=3)
        self.moving = (self.path_line, self.loss_line)
        self.ax_loss.set(xlim=(0, steps), ylim=(1e-6, start * 1e4), xlabel="step k",
                         ylabel="loss f(x_k) (log scale)", title="Loss per step")
        super().__init__(controls, figure)

    def draw(self, lr):
        path = landscapes.quadratic_trajectory(self.x0, self.curvatures, lr, self.steps)
        with np.errstate(over="ignore", invalid="ignore"):
            losses = landscapes.quadratic_loss(path, self.curvatures)
        self.path_line.set_data(np.clip(path[:, 0], -6, 6), np.clip(path[:, 1], -6, 6))
        self.loss_line.set_data(np.arange(self.steps + 1), np.clip(losses, 1e-12, 1e30))
        factors = 1 - lr * self.curvatures
        limit = landscapes.stability_limit(self.curvatures)
        verdict = self._classify(losses)
        slowest = np.abs(factors).max()
        # Steps until the slowest coordinate has shrunk 100x: |factor|**k = 0.01.
        speed = (f"about {np.log(0.01) / np.log(slowest):.0f} steps to shrink the path 100×"
                 if 0 < slowest < 1 else "the path never shrinks")
        return (f"lr = {lr:.3g}: per step x₁ is multiplied by {factors[0]:+.3f} and x₂ by "
                f"{factors[1]:+.3f} (stability limit 2/max c = {limit:.3g}); {speed}; the loss "
                f"curve over {self.steps} steps reads <b>{verdict}</b>.")
