"""Lesson 10's reference answer (the effective learning rate of a normalized layer) and hidden
cases, for instructors.

The answer is the single source of its exercise cell (see `instructor.solutions`); the lines
between its SOLUTION markers are what the student writes.
"""

import numpy as np

from lrlab import scale


def effective_learning_rate(learning_rate, kernel, normalization):
    """Return the effective learning rate of a bias-free Dense layer whose kernel (a NumPy
    array of shape (fan_in, units), as Keras stores it) feeds a normalization: `normalization`
    is "layer" (LayerNormalization: return one float) or "batch" (BatchNormalization: return a
    NumPy array, one effective learning rate per unit). `learning_rate` is the optimizer's."""
    ### BEGIN SOLUTION
    # The weights a normalization divides out: the whole kernel (layer), each unit's column (batch).
    if normalization == "layer":
        return learning_rate / np.sum(kernel**2)
    return learning_rate / np.sum(kernel**2, axis=0)
    ### END SOLUTION


# Hidden cases (the autograder's only): exercise id -> [(args, expected)], expected values from
# lrlab.scale (the pure NumPy module, not the student's namespace).
_HIDDEN = [
    (0.05, np.array([[1.0, -2.0, 0.5], [0.5, 1.0, -3.0]]), "layer"),
    (0.05, np.array([[1.0, -2.0, 0.5], [0.5, 1.0, -3.0]]), "batch"),
    (1.5, np.array([[6.0, -8.0], [0.0, 0.5]]), "batch"),
]
HIDDEN_CASES = {
    "effective_learning_rate": [
        ((lr, kernel, norm), scale.effective_learning_rate(lr, kernel, norm))
        for lr, kernel, norm in _HIDDEN
    ],
}
