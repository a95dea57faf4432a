"""Lesson 04's exercise checkers: log-uniform samples, and reading a range-test curve."""

import math

import numpy as np

from lrlab.exercises.framework import (
    as_number,
    exercise,
    first_problem,
)

__all__ = ["good_lr_window", "range_test_curve"]


# ---- lesson 04: log-uniform samples for a random search ------------------------------------------

# Ranges chosen so that an answer that ignores `high` or `low`, or mixes log bases, fails on at
# least one: four decades ending at 1 (log(high) = 0), five straddling 1, one decade, a factor 4.
_LOG_UNIFORM_CASES = [(1e-5, 1.0, 2000), (1e-3, 10.0, 2000), (1e-2, 1e-1, 2000), (0.5, 2.0, 2000)]
# Kolmogorov-Smirnov critical value at the 1e-4 level, sqrt(-ln(1e-4 / 2) / 2) / sqrt(n): a
# correct answer drawing other random numbers fails about 1 time in 10,000 per case.
_KS_CRITICAL = math.sqrt(-math.log(1e-4 / 2) / 2)


def _ks_uniform(u):
    """Kolmogorov-Smirnov statistic of samples u against Uniform(0, 1), and where it is reached:
    (statistic, position p, share of the samples below p)."""
    u = np.sort(u)
    n = len(u)
    above, below = np.arange(1, n + 1) / n - u, u - np.arange(n) / n
    i, j = int(np.argmax(above)), int(np.argmax(below))
    if above[i] >= below[j]:
        return float(above[i]), float(u[i]), (i + 1) / n
    return float(below[j]), float(u[j]), j / n


def _log_uniform_where(case):
    low, high, n = case
    return f"log_uniform({low:g}, {high:g}, {n}, rng)"


def _log_uniform_shape_and_range(samples, case):
    low, high, n = case
    try:
        samples = np.asarray(samples, dtype=float)
    except (TypeError, ValueError):
        return f"{_log_uniform_where(case)} returned {type(samples).__name__}; expected an array of {n} numbers."
    if samples.shape != (n,):
        return (
            f"{_log_uniform_where(case)} returned shape {samples.shape}, expected ({n},). "
            "Hint: one call should give all n samples, as a 1-D array."
        )
    slack = 1e-9  # 10 ** log10(x) may round a hair past x
    if (
        not np.all(np.isfinite(samples))
        or samples.min() < low * (1 - slack)
        or samples.max() > high * (1 + slack)
    ):
        return (
            f"{_log_uniform_where(case)} returned values from {samples.min():.3g} to {samples.max():.3g}, "
            f"outside [{low:g}, {high:g}]. Hint: every sample must be a learning rate between low and high; "
            "check what your code makes of the two ends of the range."
        )
    return None


def _log_uniform_reaches_both_ends(samples, case):
    low, high, n = case
    position = (np.log(np.asarray(samples, dtype=float)) - math.log(low)) / (
        math.log(high) - math.log(low)
    )
    # Log-uniform puts 5% of the samples in each twentieth of the log range: about 100 of 2000.
    ends = [
        ("lowest", "low", position < 0.05, low, low * (high / low) ** 0.05),
        ("highest", "high", position > 0.95, low * (high / low) ** 0.95, high),
    ]
    for side, bound, inside, a, b in ends:
        if not np.any(inside):
            return (
                f"{_log_uniform_where(case)}: no sample fell in the {side} twentieth of the range "
                f"(from {a:.3g} to {b:.3g}), where log-uniform puts about 5%. "
                f"Hint: log-uniform samples reach every part of the log scale between low and high, this end "
                f"included; check how your code uses `{bound}`, and that it works for any range, not only [1e-05, 1]."
            )
    return None


def _log_uniform_even_over_decades(samples, case):
    low, high, n = case
    samples = np.asarray(samples, dtype=float)
    position = (np.log(samples) - math.log(low)) / (math.log(high) - math.log(low))
    statistic, where, share = _ks_uniform(position)
    if statistic > _KS_CRITICAL / math.sqrt(n):
        lr = low * (high / low) ** where  # `where` of the way along the log scale
        return (
            f"{_log_uniform_where(case)}: the samples are not spread evenly over the log scale: "
            f"{share:.0%} fell below {lr:.3g}, where log-uniform puts {where:.0%}. Hint: each factor of 10 "
            "(each decade) of the range should get the same share of samples; plot a histogram of your "
            "samples on a log axis."
        )
    return None


def _log_uniform_uses_only_rng(call, case):
    low, high, n = case
    samples = np.asarray(call(low, high, n, np.random.default_rng(0)), dtype=float)
    again = np.asarray(call(low, high, n, np.random.default_rng(0)), dtype=float)
    other = np.asarray(call(low, high, n, np.random.default_rng(1)), dtype=float)
    if not np.array_equal(samples, again) or np.array_equal(samples, other):
        return (
            f"{_log_uniform_where(case)} should depend only on `rng`: the same seed must give the same samples, "
            "and a different seed different ones. Hint: draw every random number from the generator passed "
            "in as `rng`, not from NumPy's global random state."
        )
    return None


@exercise("log_uniform", off=["lrlab.search.log_uniform"])
def _verify_log_uniform(call):
    stages = [
        _log_uniform_shape_and_range,
        _log_uniform_reaches_both_ends,
        _log_uniform_even_over_decades,
    ]
    for case in _LOG_UNIFORM_CASES:
        low, high, n = case
        problem = first_problem(stages, call(low, high, n, np.random.default_rng(0)), case)
        if problem:
            return problem
    return _log_uniform_uses_only_rng(call, _LOG_UNIFORM_CASES[0])


# ---- lesson 04: read a learning rate off a range-test curve ----------------------------------


def range_test_curve(lrs, start, end, centre, width, blowup, noise=0.0, seed=0, nan_tail=False):
    """A synthetic LR range-test curve: flat, a sigmoid fall of width `width` decades around
    10**centre, then a blow-up near 10**blowup; noisy if asked; cut where the finder would stop
    (the first loss above 4x the start), with inf then NaN after that point if `nan_tail`."""
    u = np.log10(lrs)
    losses = (
        start
        - (start - end) / (1 + np.exp(-(u - centre) / width))
        + end * np.exp((u - blowup) / 0.15)
    )
    if noise:
        losses = losses * (1 + noise * np.random.default_rng(seed).standard_normal(len(lrs)))
    stop = int(np.flatnonzero(losses > 4 * start)[0])
    if nan_tail:
        losses[stop] = np.inf
        losses[stop + 1 :] = np.nan
        return np.asarray(lrs, dtype=float), losses
    return np.asarray(lrs[: stop + 1], dtype=float), losses[: stop + 1]


def good_lr_window(lrs, losses):
    """(low, high, lr at the lowest loss): the LRs a range-test reader should pick from.

    low: where the loss has made 10% of its fall to the bottom (training is under way);
    high: the bottom's LR / 3, since the lowest point is already on the edge of blowing up.
    """
    finite = np.isfinite(losses)
    bottom = int(np.argmin(np.where(finite, losses, np.inf)))
    drop = losses[0] - losses[bottom]
    low = lrs[np.flatnonzero(losses[: bottom + 1] <= losses[0] - 0.1 * drop)[0]]
    return float(low), float(lrs[bottom] / 3), float(lrs[bottom])


_PICK_LR_CASES = [
    (
        "a clean curve (Adam-like)",
        range_test_curve(np.geomspace(1e-6, 10, 100), 2.3, 0.3, -3.0, 0.3, -1.2),
        "",
    ),
    (
        "a noisy curve (SGD-like)",
        range_test_curve(
            np.geomspace(1e-5, 10, 100), 2.3, 0.2, -1.3, 0.25, 0.2, noise=0.01, seed=1
        ),
        "small wiggles are noise: look at the trend.",
    ),
    (
        "a curve that ends in inf and NaN",
        range_test_curve(np.geomspace(1e-5, 1, 80), 1.0, 0.1, -2.5, 0.35, -0.9, nan_tail=True),
        "this curve ends in inf and NaN after the blow-up: check what your code does with them "
        "(NaN compares as neither smaller nor larger than anything, and np.argmin stops at the first NaN).",
    ),
    (
        "a short, coarse curve (binary loss)",
        range_test_curve(
            np.geomspace(1e-4, 10, 40), 0.69, 0.25, -1.8, 0.3, -0.2, noise=0.01, seed=2
        ),
        "",
    ),
    (
        "a curve whose good region is at tiny learning rates",
        range_test_curve(
            np.geomspace(1e-7, 1, 120),
            4.6,
            1.0,
            -4.0,
            0.4,
            -2.2,
            noise=0.005,
            seed=3,
            nan_tail=True,
        ),
        "the good region is not always near 1e-3: read it off the curve.",
    ),
]


def _pick_lr_why(got, lrs, low, bottom):
    """Which side of the good window the pick fell on, as a hint."""
    if not lrs[0] <= got <= lrs[-1]:
        return "that is not even on the curve: return one of the learning rates the test tried."
    if got < low:
        return (
            "at that learning rate the loss has hardly started to fall, so training would crawl. "
            "Pick where the loss falls steeply."
        )
    if got >= bottom:
        return (
            f"that is at or past the lowest loss (lr = {bottom:.3g}), where the loss is about to blow "
            "up. Pick where it is still falling, well before the bottom."
        )
    return (
        f"that is too close to the bottom of the curve (lr = {bottom:.3g}): training there is on "
        "the edge of diverging. Back off to where the loss is still falling steeply."
    )


@exercise("pick_lr", off=["lrlab.finder.RangeTestResult"])
def _verify_pick_lr(call):
    for name, (lrs, losses), hint in _PICK_LR_CASES:
        where = f"pick_lr(lrs, losses) on {name} (lrs {lrs[0]:.0e} to {lrs[-1]:.0e})"
        got = as_number(call(lrs.copy(), losses.copy()), where)
        low, high, bottom = good_lr_window(lrs, losses)
        if low <= got <= high:
            continue
        problem = (
            f"{where} returned {got:.3g}; a good pick here lies between {low:.3g} and {high:.3g}."
        )
        return f"{problem} Hint: {_pick_lr_why(got, lrs, low, bottom)} {hint}".rstrip()
    return None
