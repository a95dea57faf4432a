"""Lesson 03's reference answers (the limit from a Hessian, naming a loss curve) and hidden cases, for instructors.

Each answer is the single source of its exercise cell (see `instructor.solutions`); the
lines between its SOLUTION markers are what the student writes.
"""

import numpy as np


def stable_lr_limit(hessian, momentum):
    """Return the largest learning rate at which gradient descent with heavy-ball momentum
    `momentum` (as Keras's SGD with momentum updates) converges on the quadratic loss
    L(w) = 1/2 w^T H w, where `hessian` is H, a symmetric positive semi-definite NumPy matrix:
    every smaller learning rate converges, every larger one diverges."""
    ### BEGIN SOLUTION
    steepest = np.linalg.eigvalsh(hessian)[-1]  # eigenvalues in ascending order
    return 2 * (1 + momentum) / steepest
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
# NumPy's symmetric eigensolver (an independent reference, not the student's namespace). Gaps
# between the two largest eigenvalues wide enough for power iteration to converge to 1e-6.
_HIDDEN_HESSIANS = [
    (np.array([[10.0, -4.0, 2.0], [-4.0, 6.0, 0.0], [2.0, 0.0, 1.0]]), 0.8),
    (np.array([[0.3, 0.1], [0.1, 8.0]]), 0.0),
    (np.array([[1.2, 0.4], [0.4, 0.5]]), 0.95),
]
HIDDEN_CASES = {
    "stable_lr_limit": [
        ((h, beta), 2 * (1 + beta) / np.linalg.eigvalsh(h)[-1]) for h, beta in _HIDDEN_HESSIANS
    ],
}
