"""Lesson 01's reference answers (what the learning rate does to a step) and hidden cases, for instructors.

Each answer is the single source of its exercise cell (see `instructor.solutions`); the
lines between its SOLUTION markers are what the student writes.
"""

import numpy as np


def sgd_step(w, grad, lr):
    """Return the weights after one gradient-descent step with learning rate `lr`.

    `w` and `grad` are floats or NumPy arrays of the same shape.
    """
    ### BEGIN SOLUTION
    return w - lr * grad
    ### END SOLUTION


# Hidden cases (the autograder's only): exercise id -> [(args, expected)].
_W = np.array([[0.3, -1.2], [4.0, 0.0]])
_G = np.array([[-0.5, 0.25], [1.5, -2.0]])
HIDDEN_CASES = {
    "sgd_step": [
        ((3.0, -0.25, 0.2), 3.05),
        ((_W, _G, 0.05), _W - 0.05 * _G),
        ((-1.5, 0.0, 10.0), -1.5),
    ],
}
