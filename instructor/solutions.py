"""The reference answers, by exercise id: each lives in its lesson's module, `instructor.lessonNN`.

Not in the `lrlab` package (students never install it). Each answer is the single source of its
exercise cell: `tools/sync_exercises.py` (through `instructor.cells`) writes it into its notebook
with the lines between the SOLUTION markers replaced by `raise NotImplementedError`, so the
student version and the solution cannot drift apart. Keep each answer self-contained (imports
inside the function, or the aliases `np`, `math`, `keras` and `ops`, whose imports
`instructor.cells` adds to the top of a cell that uses them), because the notebook cell runs on
its own. A lesson module's `HIDDEN_CASES` are the autograder's extra cases (`instructor.hidden`).
"""

import importlib

from lrlab import exercises

__all__ = ["lesson_module", "reference", "hidden_cases"]


def lesson_module(exercise_id):
    """The module holding the exercise's reference answer, e.g. `instructor.lesson01`."""
    return importlib.import_module(f"instructor.{exercises.EXERCISES[exercise_id].lesson}")


def reference(exercise_id):
    """The reference answer to `exercise_id` (a function or a class)."""
    return getattr(lesson_module(exercise_id), exercises.EXERCISES[exercise_id].name)


def hidden_cases(exercise_id):
    """The autograder's hidden cases for `exercise_id`: [(args, expected)], maybe empty."""
    return getattr(lesson_module(exercise_id), "HIDDEN_CASES", {}).get(exercise_id, [])
