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

from lrlab import _validation as check
from lrlab import landscapes
from lrlab.explorers.descent_1d import DescentExplorer1D

__all__ = [
    "Explorer",
    "DescentExplorer1D",
    "BowlExplorer2D",
    "ScheduleExplorer",
    "RangeTestExplorer",
    "EdgeOfStabilityExplorer",
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


class BowlExplorer2D(Explorer):
    """Gradient descent, with or without momentum, on the ill-conditioned bowl
    L(w) = c₁/2·w₁² + c₂/2·w₂² (lesson 03).

    Controls: the learning rate (log scale) and the momentum β (Keras `SGD(momentum=β)`).
    Left: contours with the path of iterates. Right: the loss per step (log scale). The status
    line names the regime with `lrlab.landscapes.descent_regime` (too slow, converges smoothly,
    converges with overshoot, bounces forever, diverges) and describes both panels in words.
    NumPy only, so a refresh takes a few ms.
    """

    def __init__(self, curvatures=(1.0, 20.0), lr=0.05, x0=(-4.0, 1.5), steps=40, momentum=0.0):
        self.curvatures = np.asarray(curvatures, dtype=float)
        if self.curvatures.shape != (2,):
            raise ValueError(
                f"Argument `curvatures` must hold 2 curvatures. Received: curvatures={curvatures!r}"
            )
        self.x0 = np.asarray(x0, dtype=float)
        self.steps = steps
        limit = landscapes.stability_limit(self.curvatures)
        controls = {
            "lr": _lr_slider(lr, limit / 100, limit * 3),
            "momentum": widgets.FloatSlider(
                value=momentum,
                min=0.0,
                max=0.95,
                step=0.05,
                readout_format=".2f",
                description="momentum β",
                style={"description_width": "initial"},
            ),
        }
        figure = Figure(figsize=(9, 3.6), dpi=80, layout="constrained")
        self.ax_path, self.ax_loss = figure.subplots(1, 2)
        grid = np.linspace(-5, 5, 121)
        gx, gy = np.meshgrid(grid, grid)
        surface = landscapes.quadratic_loss(np.stack([gx, gy], axis=-1), self.curvatures)
        self.ax_path.contour(
            gx,
            gy,
            surface,
            levels=np.geomspace(0.05, surface.max(), 12),
            colors="0.7",
            linewidths=0.8,
        )
        self.ax_path.plot([0], [0], "k*", ms=9)
        (self.path_line,) = self.ax_path.plot([], [], "o-", color="#D55E00", ms=3, lw=1)
        c1, c2 = self.curvatures
        self.ax_path.set(
            xlim=(-5, 5),
            ylim=(-5, 5),
            aspect="equal",
            xlabel="weight w₁ (flat direction)",
            ylabel="weight w₂ (steep direction)",
            title=f"Path on L = {c1:g}/2·w₁² + {c2:g}/2·w₂²",
        )
        start = landscapes.quadratic_loss(self.x0, self.curvatures)
        (self.loss_line,) = self.ax_loss.semilogy([], [], "o-", color="#0072B2", ms=3)
        self.moving = (self.path_line, self.loss_line)
        self.ax_loss.set(
            xlim=(0, steps),
            ylim=(1e-6, start * 1e4),
            xlabel="step t",
            ylabel="loss L(w_t) (log scale)",
            title="Loss per step",
        )
        super().__init__(controls, figure)

    def _direction(self, i, root):
        """One direction of the path in words, from its dominant eigenvalue."""
        name = ("w₁ (flat", "w₂ (steep")[i] + f", c{'₁₂'[i]} = {self.curvatures[i]:g})"
        rate = abs(root)
        if rate == 0:
            return f"{name} lands on the minimum in one step"
        if root.imag == 0 and root.real > 0:
            how = "approaches the minimum from one side"
        elif root.imag == 0:
            how = "crosses the minimum every step (zig-zag)"
        else:
            how = f"swings past the minimum and back, crossing it about every {np.pi / np.angle(root):.0f} steps"
        change = (
            f"shrinking ×{rate:.3f} per step"
            if rate < 1
            else "neither shrinking nor growing"
            if rate == 1
            else f"growing ×{rate:.3f} per step"
        )
        return f"{name} {how}, {change}"

    def draw(self, lr, momentum):
        c, steps = self.curvatures, self.steps
        path = landscapes.heavy_ball_trajectory(self.x0, c, lr, steps, momentum=momentum)
        with np.errstate(over="ignore", invalid="ignore"):
            losses = landscapes.quadratic_loss(path, c)
        self.path_line.set_data(np.clip(path[:, 0], -6, 6), np.clip(path[:, 1], -6, 6))
        self.loss_line.set_data(
            np.arange(steps + 1), np.clip(np.nan_to_num(losses, nan=1e30), 1e-12, 1e30)
        )
        regime = landscapes.descent_regime(c, lr, momentum)
        roots = landscapes.dominant_eigenvalue(c, lr, momentum)
        limit = landscapes.stability_limit(c, momentum)
        needed = landscapes.steps_to_shrink(float(np.abs(roots).max()))
        best = landscapes.steps_to_shrink(landscapes.fastest_rate(c, momentum))
        settings = (
            f"lr = {lr:.3g}, momentum β = {momentum:.2f} (effective lr α/(1−β) = "
            f"{landscapes.effective_learning_rate(lr, momentum):.3g}; stability limit 2(1+β)/max c = {limit:.3g})"
        )
        return (
            f"<b>{regime}</b> at {settings}. {self._describe_path(path)} "
            f"{'; '.join(self._direction(i, r) for i, r in enumerate(roots))}. {self._describe_loss(losses)} "
            f"{self._describe_speed(needed, best, momentum)}"
        )

    def _describe_path(self, path):
        start, steps = np.linalg.norm(path[0]), self.steps
        with np.errstate(over="ignore", invalid="ignore"):
            outside = np.flatnonzero(~(np.abs(path).max(axis=1) <= 5))
        if outside.size:
            return (
                f"Path (left): from ({path[0, 0]:g}, {path[0, 1]:g}), it leaves the picture at step "
                f"{outside[0]}."
            )
        end = np.linalg.norm(path[-1])
        closer = (
            f"{start / end:.3g}× closer to the minimum"
            if end < start
            else f"{end / start:.3g}× farther from the minimum"
        )
        return (
            f"Path (left): from ({path[0, 0]:g}, {path[0, 1]:g}) to ({path[-1, 0]:.2g}, {path[-1, 1]:.2g}) "
            f"after {steps} steps, {closer}:"
        )

    @staticmethod
    def _describe_loss(losses):
        finite = np.isfinite(losses)
        if not finite.all():
            return f"Loss (right, log scale): from {losses[0]:.3g}, it overflows at step {np.argmin(finite)}."
        changes = np.diff(losses)
        rises = int(np.sum(changes > 0))
        trend = (
            "falling at every step"
            if rises == 0
            else f"falling overall but rising at {rises} of {len(changes)} steps"
            if losses[-1] < losses[0]
            else "growing"
        )
        return f"Loss (right, log scale): from {losses[0]:.3g} to {losses[-1]:.3g}, {trend}."

    @staticmethod
    def _describe_speed(needed, best, momentum):
        best_text = f"the best lr for this bowl at momentum {momentum:.2f} needs about {best:.0f}"
        if not np.isfinite(needed):
            return f"It never gets 100× closer; {best_text}."
        ratio = f" ({needed / best:.1f} times as many)" if needed > best * 1.05 else ""
        return f"Speed: about {needed:.0f} steps to shrink the path 100×{ratio}; {best_text}."


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
            "schedule": widgets.Dropdown(
                options=[(v, k) for k, v in self.LABELS.items()],
                value=schedule,
                description="schedule",
                **wide,
            ),
            "initial_lr": _lr_slider(0.1, 1e-3, 1.0, "initial LR"),
            "decay_rate": widgets.FloatLogSlider(
                value=0.01,
                base=10,
                min=-4,
                max=0,
                step=0.05,
                description="decay rate k",
                readout_format=".3g",
                **wide,
            ),
            "per": widgets.ToggleButtons(
                options=["step", "epoch"],
                value="step",
                description="t counts",
                style={"description_width": "initial", "button_width": "60px"},
            ),
            "factor": widgets.FloatSlider(
                value=0.5, min=0.05, max=1.0, step=0.05, description="factor", **wide
            ),
            "step_size": widgets.IntSlider(
                value=5, min=1, max=10, description="step size (epochs)", **wide
            ),
            "final_fraction": widgets.FloatLogSlider(
                value=0.01,
                base=10,
                min=-3,
                max=0,
                step=0.1,
                description="final LR / initial",
                readout_format=".3g",
                **wide,
            ),
            "warmup_epochs": widgets.IntSlider(
                value=1, min=0, max=5, description="warm-up epochs", **wide
            ),
            "steps_per_epoch": widgets.IntSlider(
                value=steps_per_epoch, min=1, max=100, description="steps per epoch", **wide
            ),
        }
        figure = Figure(figsize=(8, 3.6), dpi=80, layout="constrained")
        self.ax = figure.subplots()
        (self.step_line,) = self.ax.plot([], [], lw=1.5, label="per step (schedule object)")
        (self.epoch_line,) = self.ax.plot(
            [], [], "o", ms=4, label="each epoch's first step (what history logs)"
        )
        self.moving = (self.step_line, self.epoch_line)
        self.ax.set(
            xlim=(0, epochs),
            ylim=(1e-5, 2.0),
            yscale="log",
            xlabel="epoch (step / steps per epoch)",
            ylabel="learning rate (log scale)",
            title="Learning rate at every optimizer step",
        )
        self.ax.legend(loc="lower left")
        super().__init__(controls, figure)

    def schedule_params(
        self,
        schedule,
        initial_lr,
        decay_rate,
        per,
        factor,
        step_size,
        final_fraction,
        warmup_epochs,
        steps_per_epoch,
    ):
        """(codegen name, params) for these control values."""
        lr, spe, n = _sig3(initial_lr), int(steps_per_epoch), self.epochs
        if schedule == "constant":
            return schedule, {"initial_learning_rate": lr}
        if schedule in ("time_based_decay", "exponential_decay"):
            return schedule, {
                "initial_learning_rate": lr,
                "decay_rate": _sig3(decay_rate),
                "steps_per_epoch": spe if per == "epoch" else None,
            }
        if schedule in ("step_decay", "piecewise_step_decay"):
            params = {
                "initial_learning_rate": lr,
                "factor": _sig3(factor),
                "step_size": int(step_size),
                "steps_per_epoch": spe,
            }
            if schedule == "piecewise_step_decay":
                params["epochs"] = n
            return schedule, params
        if schedule == "polynomial_decay":
            return schedule, {
                "initial_learning_rate": lr,
                "decay_steps": n * spe,
                "end_learning_rate": _sig3(lr * final_fraction),
                "power": 2.0,
            }
        if schedule == "cosine_decay":
            if warmup_epochs == 0:
                return schedule, {
                    "initial_learning_rate": lr,
                    "decay_steps": n * spe,
                    "alpha": _sig3(final_fraction),
                }
            return schedule, {
                "initial_learning_rate": 0.0,
                "decay_steps": (n - warmup_epochs) * spe,
                "alpha": _sig3(final_fraction),
                "warmup_target": lr,
                "warmup_steps": int(warmup_epochs) * spe,
            }
        return schedule, {
            "initial_learning_rate": lr,
            "first_decay_steps": int(step_size) * spe,
            "t_mul": 2.0,
            "m_mul": _sig3(factor),
            "alpha": _sig3(final_fraction),
        }

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
            picks = np.r_[
                0, 1, w - 1, w, w + 1, self.steps[:: max(len(self.steps) // 10, 1)], self.steps[-1]
            ]
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
    the finder's stop rule and suggestion, so it takes milliseconds. Attributes after each refresh:
    `result` (the `RangeTestResult` shown)
    and `suggested` (the suggested LR, or None when the curve is too short to suggest one).
    """

    BUTTON_WIDTH = "130px"

    def __init__(self, runs, smoothing=0.98, method="valley", divergence_factor=4.0):
        from lrlab import finder

        self._finder = finder
        if not isinstance(runs, dict) or not runs:
            raise ValueError(
                f"Argument `runs` must be a non-empty dict from finder.range_test_runs(). Received: runs={runs!r}"
            )
        ranges = sorted({(low, high) for low, high, _ in runs}, key=lambda r: (r[0], -r[1]))
        counts = sorted({n for _, _, n in runs})
        missing = [
            (low, high, n) for low, high in ranges for n in counts if (low, high, n) not in runs
        ]
        if missing:
            raise ValueError(
                f"Argument `runs` must hold every range x steps combination; missing {missing}. "
                f"Received: runs with keys {sorted(runs)}"
            )
        self.runs = runs
        self.divergence_factor = divergence_factor
        wide = {"style": {"description_width": "initial"}, "layout": widgets.Layout(width="330px")}
        widest = max(ranges, key=lambda r: r[1] / r[0])
        controls = {
            "lr_range": widgets.Dropdown(
                options=[(f"{low:g} → {high:g}", (low, high)) for low, high in ranges],
                value=widest,
                description="LR range",
                **wide,
            ),
            "steps": widgets.SelectionSlider(
                options=counts, value=counts[len(counts) // 2], description="steps", **wide
            ),
            "smoothing": widgets.FloatSlider(
                value=smoothing, min=0.0, max=0.99, step=0.01, description="smoothing ρ", **wide
            ),
            # Wide enough for the longest label ("minimum/10"): ~9 px a character at JupyterLab's
            # 13 px font plus the button's padding; at 90 px it read "minimu...".
            "method": widgets.ToggleButtons(
                options=list(finder.SUGGESTION_METHODS),
                value=method,
                description="rule",
                style={"description_width": "initial", "button_width": self.BUTTON_WIDTH},
            ),
        }
        figure = Figure(figsize=(8, 3.8), dpi=80, layout="constrained")
        self.ax = figure.subplots()
        first = np.median([run.raw_losses[0] for run in runs.values()])
        low_loss = min(
            np.nanmin(np.where(np.isfinite(r.raw_losses), r.raw_losses, np.nan))
            for r in runs.values()
        )
        (self.raw_line,) = self.ax.plot([], [], ".", ms=4, alpha=0.4, label="raw batch loss")
        (self.smooth_line,) = self.ax.plot([], [], "-", lw=2, label="smoothed loss")
        (self.stop_mark,) = self.ax.plot(
            [], [], "x", ms=9, mew=2, color="#D55E00", label="where the test stops"
        )
        self.pick_line = self.ax.axvline(1.0, color="0.25", ls="--", label="suggestion")
        self.moving = (self.raw_line, self.smooth_line, self.stop_mark, self.pick_line)
        self.ax.set(
            xscale="log",
            xlim=(min(r[0] for r in ranges) / 1.5, max(r[1] for r in ranges) * 1.5),
            ylim=(max(low_loss - 0.1 * first, 0), 1.5 * first),
            xlabel="learning rate (log scale)",
            ylabel="training loss",
            title="LR range test: loss as the learning rate grows",
        )
        self.ax.legend(loc="lower left")
        super().__init__(controls, figure)

    def draw(self, lr_range, steps, smoothing, method):
        run = self.runs[(lr_range[0], lr_range[1], steps)]
        self.result = result = self._finder.resmoothed(run, smoothing, self.divergence_factor)
        lrs, smoothed = result.lrs, result.losses
        self.raw_line.set_data(lrs, np.clip(result.raw_losses, 0, 1e6))
        self.smooth_line.set_data(lrs, np.clip(smoothed, 0, 1e6))
        # The loss that stops the test is above 4x its best, far above the top of the axes: draw the
        # mark at the stopping LR, just inside the top edge, so it is seen.
        top = self.ax.get_ylim()[1]
        self.stop_mark.set_data(
            lrs[-1:] if result.stopped_early else [],
            [min(float(smoothed[-1]) if np.isfinite(smoothed[-1]) else top, 0.95 * top)]
            if result.stopped_early
            else [],
        )
        self.stop_mark.set_visible(result.stopped_early)
        decades = np.log10(lr_range[1] / lr_range[0])
        try:
            self.suggested = result.suggestion(method)
        except ValueError:
            self.suggested = None
        if self.suggested is None:
            self.pick_line.set_visible(False)
            verdict = "too few finite losses to suggest a learning rate"
        else:
            self.pick_line.set_visible(True)
            self.pick_line.set_xdata([self.suggested, self.suggested])
            others = ", ".join(
                f"{m} {result.suggestion(m):.3g}"
                for m in self._finder.SUGGESTION_METHODS
                if m != method
            )
            verdict = (
                f"the {method} rule suggests <b>lr = {self.suggested:.3g}</b> "
                f"(dashed line; other rules: {others})"
            )
        return (
            f"{steps} steps over {decades:.0f} decades ({steps / decades:.0f} per decade), smoothing "
            f"ρ = {smoothing:.2f}: {self._describe(result, steps)}; {verdict}."
        )

    @staticmethod
    def _describe(result, steps):
        """The picture in words, for a reader who cannot see it: the curve's shape and its end."""
        lrs, losses = result.lrs, result.losses
        finite = np.flatnonzero(np.isfinite(losses))
        if len(finite) == 0:
            return f"the first loss was not finite: the test stopped at once (step 1 of {steps})"
        bottom = int(finite[np.argmin(losses[finite])])
        start = float(losses[0])
        falling = np.flatnonzero(
            losses[: bottom + 1] <= start - 0.25 * (start - losses[bottom])
        )  # a quarter of the fall
        shape = (
            f"the smoothed loss starts at {start:.3g}, "
            + (
                f"falls from about lr = {lrs[falling[0]]:.3g} "
                if bottom > 0 and len(falling)
                else ""
            )
            + f"to its lowest, {losses[bottom]:.3g}, at lr = {lrs[bottom]:.3g}"
        )
        if result.stopped_early:
            end = (
                f"then blows up: the test stopped early at step {len(result)} of {steps} "
                f"(lr = {lrs[-1]:.3g}, marked ×)"
            )
        elif bottom == len(losses) - 1:
            end = f"the end of the range: it ran all {steps} steps without blowing up"
        else:
            end = f"then ends at {losses[-1]:.3g}: it ran all {steps} steps without blowing up"
        return f"{shape}, {end}"


class EdgeOfStabilityExplorer(Explorer):
    """Replay full-batch gradient-descent runs: pick a learning rate, drag through the steps.

    Left: the training loss up to the chosen step (log scale). Right: the sharpness λ_max
    measured so far, with the run's stability limit 2/α as a dashed line. Nothing is recomputed:
    the runs are the `lrlab.sharpness.GradientDescentRun`s lesson 09 already computed, so a
    refresh only moves artists.

    Args:
        runs: A non-empty list of `GradientDescentRun`s (different learning rates).
        step: A Python int >= 0: the step shown first (default: the last).

    Raises:
        ValueError: if `runs` is not a non-empty list of runs, or `step` is not an int >= 0.
    """

    COLOURS = [
        "#0072B2",
        "#E69F00",
        "#009E73",
        "#D55E00",
        "#CC79A7",
    ]  # Okabe-Ito: colour-blind safe

    def __init__(self, runs, step=None):
        runs = list(runs) if isinstance(runs, (list, tuple)) else runs
        if not isinstance(runs, list) or not runs or not all(hasattr(r, "sharpness") for r in runs):
            check.fail("runs", "must be a non-empty list of GradientDescentRun", runs)
        self.runs = {f"{r.learning_rate:g}": r for r in runs}
        last = max(len(r.losses) - 1 for r in runs)
        step = last if step is None else check.integer("step", step)
        wide = {"style": {"description_width": "initial"}, "layout": widgets.Layout(width="380px")}
        controls = {
            "lr": widgets.ToggleButtons(
                options=list(self.runs),
                value=list(self.runs)[-1],
                description="learning rate α",
                style={"description_width": "initial"},
            ),
            "step": widgets.IntSlider(
                value=min(step, last), min=0, max=last, description="step", **wide
            ),
        }
        figure = Figure(figsize=(9, 3.6), dpi=80, layout="constrained")
        self.ax_loss, self.ax_sharp = figure.subplots(1, 2)
        losses = np.concatenate([r.losses for r in runs])
        self.ax_loss.set(
            xlim=(0, last),
            ylim=(losses.min() / 1.3, losses.max() * 1.3),
            yscale="log",
            xlabel="gradient-descent step",
            ylabel="training loss (log scale)",
            title="Full-batch loss",
        )
        top = max(max(r.sharpness.max(), r.stability_limit) for r in runs)
        self.ax_sharp.set(
            xlim=(0, last),
            ylim=(0, top * 1.1),
            xlabel="gradient-descent step",
            ylabel="sharpness λ_max",
            title="Sharpness vs the limit 2/α",
        )
        (self.loss_line,) = self.ax_loss.plot([], [], lw=1.2)
        (self.loss_dot,) = self.ax_loss.plot([], [], "o", color="black", ms=5)
        # Drawn in a neutral colour first, so the cached legend does not show one run's colour.
        (self.sharp_line,) = self.ax_sharp.plot(
            [], [], "o-", ms=3, lw=1.2, color="0.3", label="sharpness (dots)"
        )
        (self.limit_line,) = self.ax_sharp.plot([], [], "--", color="0.3", label="2/α")
        self.ax_sharp.legend(
            loc="upper left", bbox_to_anchor=(1.0, 1.0)
        )  # outside: no curve under it
        self.moving = (self.loss_line, self.loss_dot, self.sharp_line, self.limit_line)
        super().__init__(controls, figure)

    def draw(self, lr, step):
        run = self.runs[lr]
        colour = self.COLOURS[list(self.runs).index(lr) % len(self.COLOURS)]
        step = min(step, len(run.losses) - 1)
        self.loss_line.set_data(np.arange(step + 1), run.losses[: step + 1])
        self.loss_line.set_color(colour)
        self.loss_dot.set_data([step], [run.losses[step]])
        seen = run.sharpness_steps <= step
        self.sharp_line.set_data(run.sharpness_steps[seen], run.sharpness[seen])
        self.sharp_line.set_color(colour)
        self.limit_line.set_data([0, len(run.losses) - 1], [run.stability_limit] * 2)
        k = int(np.flatnonzero(seen)[-1])
        ups = int(np.sum(np.diff(run.losses[: step + 1]) > 0))
        # The same precisions as lesson 09's table: losses to 4 decimals, sharpness and 2/α to 2.
        history = (
            "before the first step"
            if step == 0
            else f"it went <b>up</b> {_count(ups, 'time')} in {_count(step, 'step')} so far"
        )
        return (
            f"α = {lr}, step {step}: loss {run.losses[step]:.4f}, {history}; sharpness "
            f"{run.sharpness[k]:.2f} (measured at step {run.sharpness_steps[k]}) = "
            f"<b>{run.sharpness[k] / run.stability_limit:.0%} of 2/α = {run.stability_limit:.2f}</b>."
        )


def _count(n, noun):
    """'1 step', '0 steps', '12 steps'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
