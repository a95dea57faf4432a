"""Lesson 09's explorer: replays of full-batch runs at the edge of stability."""

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from lrlab import _validation as check
from lrlab.explorers.figure import Explorer


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
