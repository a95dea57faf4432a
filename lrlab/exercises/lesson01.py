"""Lesson 01's exercise checkers: what the learning rate does to a step."""

import numpy as np

from lrlab.exercises.framework import (
    exercise,
    numeric_cases,
)

# ---- lesson 01: one gradient-descent step ------------------------------------------------------

_w = np.array([0.5, -1.0, 2.0])
_g = np.array([0.2, -0.4, 1.0])
exercise("sgd_step", off=["lrlab.landscapes.gradient_descent"])(
    numeric_cases(
        "sgd_step",
        [
            # Hints say what to compare, never the code: this first case is the one most wrong answers fail.
            (
                (1.0, 0.5, 0.1),
                0.95,
                "the gradient 0.5 is positive, so the weight should end a little *below* "
                "its start 1.0, by a step the learning rate 0.1 makes small. Compare your "
                "result with 1.0: did it move the wrong way, move too far, or is it only "
                "the change rather than the new weight?",
            ),
            ((2.0, -3.0, 0.01), 2.03, "a negative gradient means the weight should grow."),
            (
                (0.0, 4.0, 0.5),
                -2.0,
                "with learning rate 0.5 the weight should move half as far as the "
                "gradient is large: does your step change when lr changes?",
            ),
            ((_w, _g, 0.3), _w - 0.3 * _g, "it should work elementwise on NumPy arrays too."),
        ],
    )
)
