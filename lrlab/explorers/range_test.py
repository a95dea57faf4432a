"""Lesson 04's explorer: LR range tests re-read at other settings (the page re-smooths them)."""

import math

import traitlets

from lrlab import _validation as check
from lrlab import finder
from lrlab.explorers import Explorer

SMOOTHING_MAX = 0.99  # the slider's top: rho = 0.99 already averages over about 100 steps


def encode_losses(losses):
    """Losses as JSON can hold them: finite values as numbers, NaN and +-inf as the strings
    "nan", "inf", "-inf" (JSON has no such numbers; the page decodes them)."""
    return [
        value if math.isfinite(value) else ("nan" if math.isnan(value) else f"{value:g}")
        for value in map(float, losses)
    ]


class RangeTestExplorer(Explorer, module="range_test.js"):
    """Re-read LR range tests at other settings: the tested range, the number of steps, the
    smoothing and the suggestion rule (lesson 04).

    `runs` come from `lrlab.finder.range_test_runs` (raw, unsmoothed losses for every range x
    steps). Python hands them to the page, which on every change re-smooths the chosen run,
    applies the finder's stop rule and reads each suggestion rule off the curve, exactly as
    `lrlab.finder.resmoothed` and `RangeTestResult.suggestion` do, with no kernel round trip.
    The picture: the raw batch losses (dots), the smoothed loss (line), an × where the test
    stops (drawn just inside the top edge, as the loss that stops it is far above) and the
    suggestion (dashed line); the status line says the same in words.

    Args:
        runs: A dict from `finder.range_test_runs`: `{(min_lr, max_lr, steps): RangeTestResult}`
            holding every range x steps combination.
        smoothing: A Python float in [0, 0.99]: the moving average's decay rho shown first.
        method: A Python string, one of `finder.SUGGESTION_METHODS`: the rule shown first.
        divergence_factor: A Python float > 1: the stop rule, as in `finder.lr_range_test`.

    Raises:
        ValueError: naming the argument and the value received.
    """

    runs = traitlets.List().tag(sync=True)  # [{low, high, steps, lrs, raw_losses}], encoded
    methods = traitlets.List(traitlets.Unicode()).tag(sync=True)
    divergence_factor = traitlets.Float().tag(sync=True)
    lr_range = traitlets.Tuple(traitlets.Float(), traitlets.Float()).tag(sync=True)
    steps = traitlets.Int().tag(sync=True)
    smoothing = traitlets.Float().tag(sync=True)
    method = traitlets.Unicode().tag(sync=True)

    def __init__(self, runs, smoothing=0.98, method="valley", divergence_factor=4.0):
        ranges, counts = _check_runs(runs)
        smoothing = check.number("smoothing", smoothing)
        if not 0 <= smoothing <= SMOOTHING_MAX:
            check.fail("smoothing", f"must be in [0, {SMOOTHING_MAX}]", smoothing)
        if method not in finder.SUGGESTION_METHODS:
            check.fail(
                "method",
                f"must be one of {', '.join(map(repr, finder.SUGGESTION_METHODS))}",
                method,
            )
        divergence_factor = check.number("divergence_factor", divergence_factor)
        if divergence_factor <= 1:
            check.fail("divergence_factor", "must be > 1", divergence_factor)
        super().__init__(
            runs=[
                {
                    "low": low,
                    "high": high,
                    "steps": n,
                    "lrs": [float(lr) for lr in runs[(low, high, n)].lrs],
                    "raw_losses": encode_losses(runs[(low, high, n)].raw_losses),
                }
                for low, high in ranges
                for n in counts
            ],
            methods=list(finder.SUGGESTION_METHODS),
            divergence_factor=divergence_factor,
            lr_range=max(ranges, key=lambda r: r[1] / r[0]),  # the widest range first
            steps=counts[len(counts) // 2],
            smoothing=smoothing,
            method=method,
        )


def _check_runs(runs):
    """The ranges (lowest first, then widest) and step counts of `runs`, checked complete."""
    if not isinstance(runs, dict) or not runs:
        check.fail("runs", "must be a non-empty dict from finder.range_test_runs()", runs)
    for key, run in runs.items():
        if not (isinstance(key, tuple) and len(key) == 3) or not isinstance(
            run, finder.RangeTestResult
        ):
            check.fail(
                "runs",
                "must map (min_lr, max_lr, steps) to a RangeTestResult, as "
                "finder.range_test_runs() returns",
                {key: run},
            )
    ranges = sorted({(low, high) for low, high, _ in runs}, key=lambda r: (r[0], -r[1]))
    counts = sorted({n for _, _, n in runs})
    missing = [(low, high, n) for low, high in ranges for n in counts if (low, high, n) not in runs]
    if missing:
        raise ValueError(
            f"Argument `runs` must hold every range x steps combination; missing {missing}. "
            f"Received: runs with keys {sorted(runs)}"
        )
    return [(float(low), float(high)) for low, high in ranges], [int(n) for n in counts]
