"""Lesson 09's explorer: replays of full-batch runs at the edge of stability (the page draws them)."""

import math

import traitlets

from lrlab import _validation as check
from lrlab.explorers import Explorer


class EdgeOfStabilityExplorer(Explorer, module="edge_of_stability.js"):
    """Replay full-batch gradient-descent runs: pick a learning rate, drag through the steps.

    Left: the training loss up to the chosen step (log scale). Right: the sharpness λ_max
    measured so far, with the run's stability limit 2/α as a dashed line. Nothing is recomputed:
    the runs are the `lrlab.sharpness.GradientDescentRun`s lesson 09 already computed, handed to
    the page as lists of numbers, so a drag only slices them.

    Args:
        runs: A non-empty list of `GradientDescentRun`s (different learning rates).
        step: A Python int >= 0: the step shown first (default: the last).

    Raises:
        ValueError: if `runs` is not a non-empty list of runs, or `step` is not an int >= 0.
    """

    # One dict per run: its label (f"{α:g}", the button's text), learning rate, losses (one per
    # step and after the last), sharpness steps and values, and its stability limit.
    runs = traitlets.List(traitlets.Dict()).tag(sync=True)
    lr = traitlets.Float().tag(sync=True)
    step = traitlets.Int().tag(sync=True)

    def __init__(self, runs, step=None):
        runs = list(runs) if isinstance(runs, (list, tuple)) else runs
        if not isinstance(runs, list) or not runs or not all(hasattr(r, "sharpness") for r in runs):
            check.fail("runs", "must be a non-empty list of GradientDescentRun", runs)
        # One button per label; a later run with the same label replaces an earlier one.
        by_label = {f"{r.learning_rate:g}": r for r in runs}
        last = max(len(r.losses) - 1 for r in runs)
        step = last if step is None else check.integer("step", step)
        super().__init__(
            runs=[_run_data(label, run) for label, run in by_label.items()],
            lr=float(list(by_label.values())[-1].learning_rate),
            step=min(step, last),
        )

    @traitlets.validate("lr")
    def _one_of_the_runs(self, proposal):
        rates = [run["learning_rate"] for run in self.runs]
        if proposal["value"] not in rates:
            check.fail(
                "lr", f"must be the learning rate of one of the runs, {rates}", proposal["value"]
            )
        return proposal["value"]


def _run_data(label, run):
    """What the page needs of one run, as plain JSON numbers (a loss that is not finite, from a
    run that blew up, as null: JSON has no inf or nan, and the page leaves it undrawn)."""
    return {
        "label": label,
        "learning_rate": float(run.learning_rate),
        "losses": [float(v) if math.isfinite(v) else None for v in run.losses],
        "sharpness_steps": [int(v) for v in run.sharpness_steps],
        "sharpness": [float(v) for v in run.sharpness],
        "stability_limit": float(run.stability_limit),
    }
