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

__all__ = [
    "Explorer",
    "DescentExplorer1D",
    "BowlExplorer2D",
    "ScheduleExplorer",
    "RangeTestExplorer",
    "widget_view_bundle",
]


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
        bundle = widget_view_bundle(self.widget)
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


def _sig3(value):
    """A slider value rounded to 3 significant digits, so the generated code stays readable."""
    return float(f"{value:.3g}")


class ScheduleExplorer(Explorer):
    """Pick a Keras schedule and its parameters; see its LR per step and per epoch, and the
    exact Keras code that builds it (lesson 05).

    The curve is `lrlab.codegen.numpy_curve`; the code is `lrlab.codegen.keras_code`, executed
    on every refresh and compared with the plotted curve, so what the status line shows is
    verified. Controls a schedule does not use are disabled. Needs Keras (already imported
    by the lesson); everything else is NumPy.

    Attributes after each refresh: `name`, `params`, `code`, `steps`, `curve` (LR per step),
    `epoch_lrs` (LR of each epoch's first step), `error` (max |Keras - NumPy| / peak LR over
    `checked_steps`).
    """

    LABELS = {
        "constant": "constant",
        "time_based_decay": "time-based (InverseTimeDecay)",
        "step_decay": "step (ExponentialDecay, staircase)",
        "piecewise_step_decay": "step (PiecewiseConstantDecay)",
        "exponential_decay": "exponential (ExponentialDecay)",
        "polynomial_decay": "PolynomialDecay",
        "cosine_decay": "CosineDecay (+ warm-up)",
        "cosine_decay_restarts": "CosineDecayRestarts",
    }
    USES = {
        "constant": {"initial_lr"},
        "time_based_decay": {"initial_lr", "decay_rate", "per"},
        "exponential_decay": {"initial_lr", "decay_rate", "per"},
        "step_decay": {"initial_lr", "factor", "step_size"},
        "piecewise_step_decay": {"initial_lr", "factor", "step_size"},
        "polynomial_decay": {"initial_lr", "final_fraction"},
        "cosine_decay": {"initial_lr", "final_fraction", "warmup_epochs"},
        "cosine_decay_restarts": {"initial_lr", "factor", "step_size", "final_fraction"},
    }

    def __init__(self, schedule="exponential_decay", epochs=20, steps_per_epoch=20):
        from lrlab import codegen

        self._codegen = codegen
        self.epochs = epochs
        wide = {"style": {"description_width": "initial"}, "layout": widgets.Layout(width="300px")}
        controls = {
            "schedule": widgets.Dropdown(options=[(v, k) for k, v in self.LABELS.items()],
                                         value=schedule, description="schedule", **wide),
            "initial_lr": _lr_slider(0.1, 1e-3, 1.0, "initial LR"),
            "decay_rate": widgets.FloatLogSlider(value=0.01, base=10, min=-4, max=0, step=0.05,
                                                 description="decay rate k", readout_format=".3g", **wide),
            "per": widgets.ToggleButtons(options=["step", "epoch"], value="step", description="t counts",
                                         style={"description_width": "initial", "button_width": "60px"}),
            "factor": widgets.FloatSlider(value=0.5, min=0.05, max=1.0, step=0.05, description="factor", **wide),
            "step_size": widgets.IntSlider(value=5, min=1, max=10, description="step size (epochs)", **wide),
            "final_fraction": widgets.FloatLogSlider(value=0.01, base=10, min=-3, max=0, step=0.1,
                                                     description="final LR / initial", readout_format=".3g", **wide),
            "warmup_epochs": widgets.IntSlider(value=1, min=0, max=5, description="warm-up epochs", **wide),
            "steps_per_epoch": widgets.IntSlider(value=steps_per_epoch, min=1, max=100,
                                                 description="steps per epoch", **wide),
        }
        figure = Figure(figsize=(8, 3.6), dpi=80, layout="constrained")
        self.ax = figure.subplots()
        (self.step_line,) = self.ax.plot([], [], lw=1.5, label="per step (schedule object)")
        (self.epoch_line,) = self.ax.plot([], [], "o", ms=4, label="each epoch's first step (what history logs)")
        self.moving = (self.step_line, self.epoch_line)
        self.ax.set(xlim=(0, epochs), ylim=(1e-5, 2.0), yscale="log", xlabel="epoch (step / steps per epoch)",
                    ylabel="learning rate (log scale)", title="Learning rate at every optimizer step")
        self.ax.legend(loc="lower left")
        super().__init__(controls, figure)

    def schedule_params(self, schedule, initial_lr, decay_rate, per, factor, step_size,
                        final_fraction, warmup_epochs, steps_per_epoch):
        """(codegen name, params) for these control values."""
        lr, spe, n = _sig3(initial_lr), int(steps_per_epoch), self.epochs
        if schedule == "constant":
            return schedule, {"initial_learning_rate": lr}
        if schedule in ("time_based_decay", "exponential_decay"):
            return schedule, {"initial_learning_rate": lr, "decay_rate": _sig3(decay_rate),
                              "steps_per_epoch": spe if per == "epoch" else None}
        if schedule in ("step_decay", "piecewise_step_decay"):
            params = {"initial_learning_rate": lr, "factor": _sig3(factor), "step_size": int(step_size),
                      "steps_per_epoch": spe}
            if schedule == "piecewise_step_decay":
                params["epochs"] = n
            return schedule, params
        if schedule == "polynomial_decay":
            return schedule, {"initial_learning_rate": lr, "decay_steps": n * spe,
                              "end_learning_rate": _sig3(lr * final_fraction), "power": 2.0}
        if schedule == "cosine_decay":
            if warmup_epochs == 0:
                return schedule, {"initial_learning_rate": lr, "decay_steps": n * spe, "alpha": _sig3(final_fraction)}
            return schedule, {"initial_learning_rate": 0.0, "decay_steps": (n - warmup_epochs) * spe,
                              "alpha": _sig3(final_fraction), "warmup_target": lr,
                              "warmup_steps": int(warmup_epochs) * spe}
        return schedule, {"initial_learning_rate": lr, "first_decay_steps": int(step_size) * spe,
                          "t_mul": 2.0, "m_mul": _sig3(factor), "alpha": _sig3(final_fraction)}

    def draw(self, **values):
        import html

        codegen = self._codegen
        for key, control in self.controls.items():
            if key not in ("schedule", "steps_per_epoch"):
                control.disabled = key not in self.USES[values["schedule"]]
        self.name, self.params = self.schedule_params(**values)
        spe = int(values["steps_per_epoch"])
        self.steps = np.arange(self.epochs * spe)
        self.curve = codegen.numpy_curve(self.name, self.steps, **self.params)
        self.epoch_lrs = self.curve[::spe]
        self.step_line.set_data(self.steps / spe, self.curve)
        self.epoch_line.set_data(np.arange(self.epochs), self.epoch_lrs)
        self.code = codegen.keras_code(self.name, **self.params)
        learning_rate = codegen.build(self.name, **self.params)
        self.checked_steps = self.steps
        if self.params.get("warmup_target") is not None:
            # CosineDecay with warm-up takes one scalar step per call: check the telling steps.
            w = self.params["warmup_steps"]
            picks = np.r_[0, 1, w - 1, w, w + 1, self.steps[::max(len(self.steps) // 10, 1)], self.steps[-1]]
            self.checked_steps = np.unique(np.clip(picks, 0, self.steps[-1]))
        got = codegen.keras_values(learning_rate, self.checked_steps)
        expected = self.curve[self.checked_steps]
        self.error = float(np.max(np.abs(got - expected)) / (np.max(np.abs(expected)) or 1.0))
        verdict = "matches" if self.error <= 1e-6 else "<b>does not match</b>"
        return (
            f"<b>{self.LABELS[self.name]}</b>: LR {self.curve[0]:.3g} at step 0, {self.curve[-1]:.3g} at the "
            f"last step ({len(self.steps)} steps = {self.epochs} epochs × {spe}). This Keras code was run and "
            f"{verdict} the curve at {len(self.checked_steps)} steps (max error {self.error:.1e} of the peak LR):"
            f"<pre>{html.escape(self.code)}</pre>"
        )


# ---- lesson 04: the LR range test at other settings ---------------------------------------------

class RangeTestExplorer(Explorer):
    """Re-read LR range tests at other settings: the tested range, the number of steps, the
    smoothing and the suggestion rule (lesson 04).

    `runs` come from `lrlab.finder.range_test_runs` (raw, unsmoothed losses for every range x
    steps); a refresh only re-smooths in NumPy (`lrlab.finder.smooth_recorded`) and re-applies
    the finder's stop rule and suggestion, so it takes milliseconds. Attributes after each refresh: `result` (the `RangeTestResult` shown)
    and `suggested` (the suggested LR, or None when the curve is too short to suggest one).
    """

    def __init__(self, runs, smoothing=0.98, method="valley", divergence_factor=4.0):
        from lrlab import finder

        self._finder = finder
        if not isinstance(runs, dict) or not runs:
            raise ValueError(f"Argument `runs` must be a non-empty dict from finder.range_test_runs(). Received: runs={runs!r}")
        ranges = sorted({(low, high) for low, high, _ in runs}, key=lambda r: (r[0], -r[1]))
        counts = sorted({n for _, _, n in runs})
        missing = [(low, high, n) for low, high in ranges for n in counts if (low, high, n) not in runs]
        if missing:
            raise ValueError(f"Argument `runs` must hold every range x steps combination; missing {missing}. "
                             f"Received: runs with keys {sorted(runs)}")
        self.runs = runs
        self.divergence_factor = divergence_factor
        wide = {"style": {"description_width": "initial"}, "layout": widgets.Layout(width="330px")}
        widest = max(ranges, key=lambda r: r[1] / r[0])
        controls = {
            "lr_range": widgets.Dropdown(options=[(f"{low:g} → {high:g}", (low, high)) for low, high in ranges],
                                         value=widest, description="LR range", **wide),
            "steps": widgets.SelectionSlider(options=counts, value=counts[len(counts) // 2],
                                             description="steps", **wide),
            "smoothing": widgets.FloatSlider(value=smoothing, min=0.0, max=0.99, step=0.01,
                                             description="smoothing β", **wide),
            "method": widgets.ToggleButtons(options=list(finder.SUGGESTION_METHODS), value=method,
                                            description="rule", style={"description_width": "initial",
                                                                       "button_width": "90px"}),
        }
        figure = Figure(figsize=(8, 3.8), dpi=80, layout="constrained")
        self.ax = figure.subplots()
        first = np.median([run.raw_losses[0] for run in runs.values()])
        low_loss = min(np.nanmin(np.where(np.isfinite(r.raw_losses), r.raw_losses, np.nan)) for r in runs.values())
        (self.raw_line,) = self.ax.plot([], [], ".", ms=4, alpha=0.4, label="raw batch loss")
        (self.smooth_line,) = self.ax.plot([], [], "-", lw=2, label="smoothed loss")
        (self.stop_mark,) = self.ax.plot([], [], "x", ms=9, mew=2, color="#D55E00", label="where the test stops")
        self.pick_line = self.ax.axvline(1.0, color="0.25", ls="--", label="suggestion")
        self.moving = (self.raw_line, self.smooth_line, self.stop_mark, self.pick_line)
        self.ax.set(xscale="log", xlim=(min(r[0] for r in ranges) / 1.5, max(r[1] for r in ranges) * 1.5),
                    ylim=(max(low_loss - 0.1 * first, 0), 1.5 * first),
                    xlabel="learning rate (log scale)", ylabel="training loss",
                    title="LR range test: loss as the learning rate grows")
        self.ax.legend(loc="lower left")
        super().__init__(controls, figure)

    def draw(self, lr_range, steps, smoothing, method):
        run = self.runs[(lr_range[0], lr_range[1], steps)]
        smoothed = self._finder.smooth_recorded(run.raw_losses, smoothing, self.divergence_factor)
        n = len(smoothed)
        lrs = run.lrs[:n]
        self.result = self._finder.RangeTestResult(lrs, smoothed, run.raw_losses[:n], stopped_early=n < steps)
        self.raw_line.set_data(lrs, np.clip(run.raw_losses[:n], 0, 1e6))
        self.smooth_line.set_data(lrs, np.clip(smoothed, 0, 1e6))
        self.stop_mark.set_data(lrs[-1:] if self.result.stopped_early else [], np.clip(smoothed[-1:], 0, 1e6)
                                if self.result.stopped_early else [])
        decades = np.log10(lr_range[1] / lr_range[0])
        where = (f"stopped early at step {n} of {steps} (lr = {lrs[-1]:.3g}): the smoothed loss blew up"
                 if self.result.stopped_early else f"ran all {steps} steps without blowing up")
        try:
            self.suggested = self.result.suggestion(method)
        except ValueError:
            self.suggested = None
        if self.suggested is None:
            self.pick_line.set_visible(False)
            verdict = "too few finite losses to suggest a learning rate"
        else:
            self.pick_line.set_visible(True)
            self.pick_line.set_xdata([self.suggested, self.suggested])
            others = ", ".join(f"{m} {self.result.suggestion(m):.3g}" for m in self._finder.SUGGESTION_METHODS
                               if m != method)
            verdict = f"the {method} rule suggests <b>lr = {self.suggested:.3g}</b> (other rules: {others})"
        return (f"{steps} steps over {decades:.0f} decades ({steps / decades:.0f} per decade), smoothing "
                f"β = {smoothing:.2f}: {where}; {verdict}.")
