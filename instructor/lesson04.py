"""Lesson 04's reference answers (log-uniform samples, and reading a range test) and hidden cases, for instructors.

Each answer is the single source of its exercise cell (see `instructor.solutions`); the
lines between its SOLUTION markers are what the student writes.
"""

import numpy as np


def log_uniform(low, high, n, rng):
    """Return `n` learning rates drawn log-uniformly from [low, high], using only `rng`
    (a numpy.random.Generator)."""
    ### BEGIN SOLUTION
    return np.exp(rng.uniform(np.log(low), np.log(high), size=n))
    ### END SOLUTION


def pick_lr(lrs, losses):
    """Return a good learning rate read off an LR range test: `lrs` are the increasing learning
    rates it tried and `losses` the smoothed loss at each (inf or NaN once it blew up)."""
    ### BEGIN SOLUTION
    finite = np.isfinite(losses)
    lrs, losses = lrs[finite], losses[finite]
    bottom = int(np.argmin(losses))
    # The steepest descent before the bottom: the most negative slope per decade of LR.
    slope = np.gradient(losses[: bottom + 1], np.log10(lrs[: bottom + 1]))
    return float(lrs[int(np.argmin(slope))])
    ### END SOLUTION
