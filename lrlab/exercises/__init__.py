"""The course's exercises: `check(exercise_id, answer)` in a notebook, one module per lesson.

In a notebook, the cell after an exercise calls `check("log_uniform", log_uniform)`; the
returned `CheckResult` displays as a one-paragraph verdict. `framework` holds what every
checker shares; `lessonNN` holds lesson NN's checkers, registered when this package imports
it, so `from lrlab.exercises import check` knows every exercise id. Adding an exercise: its
checker in `lessonNN.py`, its reference answer and hidden cases in `instructor/lessonNN.py`,
its cell in the lesson (written by `tools/sync_exercises.py`).
"""

from lrlab.exercises import (  # noqa: F401  (each registers its lesson's checkers)
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
    lesson08,
    lesson09,
    lesson10,
)

# What every checker shares, under the names framework.__all__ lists (check, CheckResult, ...).
from lrlab.exercises.framework import *  # noqa: F403
from lrlab.exercises.framework import __all__  # noqa: F401
