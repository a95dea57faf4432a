"""Lesson 03's reference answers (the stability limit, and naming a loss curve) and hidden cases, for instructors.

Each answer is the single source of its exercise cell (see `instructor.solutions`); the
lines between its SOLUTION markers are what the student writes.
"""

import numpy as np

from lrlab import landscapes


def largest_stable_lr(curvature):
    """Return the stability limit of gradient descent on f(x) = curvature / 2 * x**2:
    every smaller learning rate converges, every larger one diverges."""
    ### BEGIN SOLUTION
    return 2.0 / curvature
    ### END SOLUTION


def classify_curve(losses):
    """Return "too slow", "good", "unstable" or "diverged" for a training-loss curve
    `losses` (a 1-D NumPy array, one loss per epoch, the first before training)."""
    ### BEGIN SOLUTION
    first, last = losses[0], losses[-1]
    if not np.all(np.isfinite(losses)) or last > first or losses.max() > 3 * first:
        return "diverged"
    changes = np.diff(losses)
    rises, falls = changes[changes > 0].sum(), -changes[changes < 0].sum()
    if rises > 0.25 * (rises + falls) and rises > 0.05 * first:
        return "unstable"
    if (first - last) / first < 0.2:
        return "too slow"
    return "good"
    ### END SOLUTION


# Hidden cases (the autograder's only): exercise id -> [(args, expected)], expected values from
# the pure lrlab modules (an independent reference, not the student's namespace).
HIDDEN_CASES = {
    "largest_stable_lr": [((c,), landscapes.stability_limit(c)) for c in (0.01, 123.0, 2.0)],
}
