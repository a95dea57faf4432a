"""Lesson 04's explorer: LR range tests re-read at other settings."""

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from lrlab.explorers.figure import Explorer


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
