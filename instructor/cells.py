"""The exercise and check cells, generated from the reference answers (`instructor.lessonNN`).

A lesson's exercise cell is the reference solution with its SOLUTION block replaced by a stub;
the check cell after it calls `check`. Both carry nbgrader metadata, so that nbgrader can release
a lesson and keep its grades: the exercise cell is an autograded answer ("solution"), the check cell
a locked autograded test worth `POINTS` (scored by `instructor.judge`, not by running it).
"""

import inspect
import re
import textwrap

from instructor import solutions
from lrlab import exercises

__all__ = [
    "POINTS",
    "student_source",
    "solution_source",
    "nbgrader_source",
    "check_source",
    "check_cell_of",
    "exercise_metadata",
    "check_metadata",
    "check_grade_id",
]

POINTS = 1  # per exercise: all cases pass, or none of the points
_SOLUTION = re.compile(r"^( *)### BEGIN SOLUTION\n.*?^ *### END SOLUTION\n", re.S | re.M)
# Imports an answer may need, added to the top of its cell when its body uses the name.
_IMPORTS = {
    "np": "import numpy as np",
    "math": "import math",
    "keras": "import keras",
    "ops": "from keras import ops",
}


def _answer_source(exercise_id):
    source = textwrap.dedent(inspect.getsource(solutions.reference(exercise_id)))
    used = [line for alias, line in _IMPORTS.items() if re.search(rf"\b{alias}\.", source)]
    return ("\n".join(used) + "\n\n\n" if used else "") + source


def student_source(exercise_id):
    """The exercise cell as students get it: the solution replaced by a stub."""
    stub = r"\1# YOUR CODE HERE\n\1raise NotImplementedError\n"
    return _SOLUTION.sub(stub, _answer_source(exercise_id)).rstrip("\n")


def solution_source(exercise_id):
    """The exercise cell with the reference solution filled in (markers removed)."""
    source = re.sub(r"^ *### (BEGIN|END) SOLUTION\n", "", _answer_source(exercise_id), flags=re.M)
    return source.rstrip("\n")


def nbgrader_source(exercise_id):
    """The exercise cell in nbgrader's source notebook: the solution between its SOLUTION markers."""
    return _answer_source(exercise_id).rstrip("\n")


def check_source(exercise_id):
    """The check cell as students get it: one call of `check`."""
    return f'check("{exercise_id}", {exercises.EXERCISES[exercise_id].name})'


def check_cell_of(cell, exercise_id):
    """`exercise_id` if `cell` (an nbformat dict) is that exercise's check cell, else None."""
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    if (
        exercise_id
        and cell.get("cell_type") == "code"
        and source.strip().startswith(check_source(exercise_id))
    ):
        return exercise_id
    return None


def check_grade_id(exercise_id):
    return f"check_{exercise_id}"


def exercise_metadata(exercise_id):
    """nbgrader's metadata of an exercise cell: an autograded answer, not graded itself."""
    return {
        "grade": False,
        "grade_id": exercise_id,
        "locked": False,
        "schema_version": 3,
        "solution": True,
        "task": False,
    }


def check_metadata(exercise_id):
    """nbgrader's metadata of a check cell: a locked autograded test worth `POINTS`."""
    return {
        "grade": True,
        "grade_id": check_grade_id(exercise_id),
        "locked": True,
        "points": POINTS,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
