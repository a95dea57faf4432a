"""Lesson 01's reference answer (Adam's weight changes, from its state) and hidden cases, for instructors.

Each answer is the single source of its exercise cell (see `instructor.solutions`); the
lines between its SOLUTION markers are what the student writes.
"""

import numpy as np

from lrlab.exercises.lesson01 import _adam_reference


def adam_steps(gradients, learning_rate):
    """Return the change Keras's `Adam(learning_rate)` (beta_1=0.9, beta_2=0.999, epsilon=1e-7)
    makes to one weight at each step t = 1, 2, ..., as a NumPy array, when the weight's gradient
    at step t is gradients[t - 1] (`gradients` is a 1-D NumPy array)."""
    ### BEGIN SOLUTION
    beta_1, beta_2, epsilon = 0.9, 0.999, 1e-7
    m, v = 0.0, 0.0  # Adam's running means of the gradient and of its square start at 0
    changes = []
    for t, g in enumerate(gradients, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        alpha_t = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        changes.append(-alpha_t * m / (np.sqrt(v) + epsilon))
    return np.array(changes)
    ### END SOLUTION


# Hidden cases (the autograder's only): exercise id -> [(args, expected)], expected values from
# the checker's NumPy reference (proven equal to Keras's Adam in tests/test_exercises_lesson01.py).
# Short sequences, a learning rate the visible cases do not use.
_HIDDEN_GRADIENTS = [
    np.array([3.0, -1.0, 0.5, 0.5, -2.0]),
    np.array([0.0, 0.0, 4e-7, -1e-6, 2e-6]),
    np.concatenate([np.full(50, 0.01), [-5.0, 0.0]]),
]
HIDDEN_CASES = {
    "adam_steps": [((g, 0.0025), _adam_reference(g, 0.0025)) for g in _HIDDEN_GRADIENTS],
}
