"""Read a loss curve: was the learning rate too small, good, too large, or far too large?

The four labels, for a training-loss curve (not for the weights' path, whose words are
`lrlab.landscapes.REGIMES`):

- "too slow": the loss falls steadily but has hardly moved (learning rate too small);
- "good": the loss fell steadily and by a lot;
- "unstable": the loss climbs back up for a large share of its movement (it spikes or
  bounces) but does not run away: the learning rate is too large for some direction of the
  loss, and training jumps around instead of settling;
- "diverged": the loss ran away: NaN or inf, ended above where it started, or blew up far
  above its start (learning rate far too large).

Pure NumPy (no TensorFlow), so it reads curves from Keras, from a toy landscape, or typed in.
Pass one loss per epoch, or per-batch losses smoothed first: raw mini-batch losses are noisy,
and noise is made of small rises, which this reader would count as instability.
"""

import numpy as np

from lrlab import _validation as check

__all__ = ["DIAGNOSES", "classify_loss_curve", "curve_statistics", "dead_unit_fraction"]

DIAGNOSES = ("too slow", "good", "unstable", "diverged")


def curve_statistics(losses):
    """The numbers `classify_loss_curve` decides on, as a dict of Python floats/bools.

    - `finite`: every loss is a finite number.
    - `peak`: the highest loss divided by the first one.
    - `drop`: the share of the first loss gone by the end, `(first - last) / first`.
    - `rise_share`: the climbs' share of all movement, `rises / (rises + falls)`, where
      `rises` (`falls`) sums the positive (negative) step-to-step changes.
    - `rises`: the climbs summed, divided by the first loss.

    >>> stats = curve_statistics([2.0, 1.0, 1.5, 0.5])
    >>> stats["drop"], stats["rise_share"], stats["rises"]
    (0.75, 0.2, 0.25)
    """
    values = _losses(losses)
    first = values[0]
    finite = bool(np.all(np.isfinite(values)))
    if not finite:
        return {
            "finite": False,
            "peak": float("inf"),
            "drop": float("nan"),
            "rise_share": float("nan"),
            "rises": float("nan"),
        }
    steps = np.diff(values)
    rises, falls = float(steps[steps > 0].sum()), float(-steps[steps < 0].sum())
    moved = rises + falls
    return {
        "finite": True,
        "peak": float(values.max() / first),
        "drop": float((first - values[-1]) / first),
        "rise_share": rises / moved if moved > 0 else 0.0,
        "rises": float(rises / first),
    }


def classify_loss_curve(losses, *, min_drop=0.2, max_rise_share=0.25, noise=0.05, blow_up=3.0):
    """Name what a training-loss curve says about the learning rate.

    The rules, tried in this order (`first` and `last` are the first and last losses):

    ```python
    if any loss is NaN/inf or last > first or max(losses) > blow_up * first:
        return "diverged"        # the loss exploded, or ended worse than it began
    if rises / (rises + falls) > max_rise_share and rises > noise * first:
        return "unstable"        # a large share of the movement is climbing back up
    if (first - last) / first < min_drop:
        return "too slow"        # steady, but the loss has hardly moved
    return "good"
    ```

    Example:

    >>> classify_loss_curve([2.3, 1.2, 0.6, 0.3, 0.2])
    'good'
    >>> classify_loss_curve([2.30, 2.29, 2.28, 2.27])
    'too slow'
    >>> classify_loss_curve([2.3, 1.0, 2.0, 0.9, 1.9, 0.8])
    'unstable'
    >>> classify_loss_curve([2.3, 40.0, float("nan")])
    'diverged'

    Args:
        losses: A 1-D sequence of at least 2 losses, the first finite and > 0 (NaN and inf
            are allowed afterwards: they mean "diverged").
        min_drop: A Python float > 0: the share of the first loss a "good" curve must lose.
        max_rise_share: A Python float in (0, 1]: the largest share of climbing allowed
            before the curve counts as unstable.
        noise: A Python float >= 0: climbs summing to less than `noise * first` are ignored.
        blow_up: A Python float > 1: a peak above `blow_up * first` means divergence.

    Returns:
        One of `DIAGNOSES`: "too slow", "good", "unstable" or "diverged".

    Raises:
        ValueError: if `losses` is not a 1-D sequence of at least 2 numbers starting with a
            positive finite loss, or a threshold is out of range.
    """
    min_drop = check.positive("min_drop", min_drop)
    max_rise_share = check.fraction("max_rise_share", max_rise_share)
    noise = check.non_negative("noise", noise)
    blow_up = check.number("blow_up", blow_up)
    if blow_up <= 1:
        check.fail("blow_up", "must be > 1", blow_up)
    stats = curve_statistics(losses)
    if not stats["finite"] or stats["drop"] < 0 or stats["peak"] > blow_up:
        return "diverged"
    if stats["rise_share"] > max_rise_share and stats["rises"] > noise:
        return "unstable"
    if stats["drop"] < min_drop:
        return "too slow"
    return "good"


def dead_unit_fraction(inputs, kernel, bias):
    """The share of a ReLU layer's units that output zero for every input: "dead" units, which
    pass no gradient back, so no later step can revive them. A too-large learning rate kills
    them with its first huge updates.

    Args:
        inputs: A 2-D array, one input row per example (n, d).
        kernel: A 2-D array (d, units), the layer's weights (`layer.get_weights()[0]`).
        bias: A 1-D array (units,), the layer's biases.

    Returns:
        A Python float in [0, 1].

    >>> dead_unit_fraction([[1.0, 2.0]], [[1.0, -1.0], [1.0, -1.0]], [0.0, 0.5])
    0.5
    """
    try:
        x, w, b = (np.asarray(v, dtype=float) for v in (inputs, kernel, bias))
    except (TypeError, ValueError):
        check.fail("inputs", "must be numbers, with a kernel and a bias of numbers", inputs)
    if x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[0]:
        check.fail(
            "kernel", f"must be 2-D with one row per input column ({x.shape[-1]})", np.shape(kernel)
        )
    if b.shape != (w.shape[1],):
        check.fail("bias", f"must be 1-D with one entry per unit ({w.shape[1]})", np.shape(bias))
    return float(np.mean(np.all(x @ w + b <= 0, axis=0)))


def _losses(losses):
    if isinstance(losses, (str, bytes)):
        check.fail("losses", "must be a 1-D sequence of numbers", losses)
    try:
        values = np.asarray(losses, dtype=float)
    except (TypeError, ValueError):
        check.fail("losses", "must be a 1-D sequence of numbers", losses)
    if values.ndim != 1 or len(values) < 2:
        check.fail("losses", "must be a 1-D sequence of at least 2 losses", losses)
    if not (np.isfinite(values[0]) and values[0] > 0):
        check.fail("losses", "must start with a finite loss > 0", losses)
    return values
