"""How long one `check` of each exercise takes on its reference answer (what a student waits for
under the cell), and the hidden cases class grading adds.

    .venv/bin/python benchmarks/checkers.py            # every exercise
    .venv/bin/python benchmarks/checkers.py adam_steps sharpness_from_hvp

Each answer is defined as the student's cell would define it (the generated solution cell), then
checked twice (the first call pays TensorFlow's tracing where the checker uses Keras), then with
the hidden cases too (`+hidden`: `instructor.hidden.verify`, the visible and the hidden cases).
"""

import logging
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lrlab.notebook import quiet_tensorflow  # noqa: E402

quiet_tensorflow()
logging.getLogger("tensorflow").setLevel(logging.ERROR)  # no retracing notes in the table
from instructor import cells, hidden  # noqa: E402
from lrlab.exercises import EXERCISES, check  # noqa: E402


def timed(function, *args):
    start = time.perf_counter()
    passed = function(*args).passed
    return time.perf_counter() - start, passed


def main(argv):
    ids = argv or sorted(EXERCISES)
    print(f"{'exercise':<24} {'first check':>12} {'again':>8} {'+hidden':>8}  passed")
    for exercise_id in ids:
        namespace = {"__name__": "__exercise__"}
        exec(cells.solution_source(exercise_id), namespace)
        answer = namespace[EXERCISES[exercise_id].name]
        first, ok_first = timed(check, exercise_id, answer)
        again, ok_again = timed(check, exercise_id, answer)
        secret, ok_hidden = timed(hidden.verify, exercise_id, answer)
        passed = ok_first and ok_again and ok_hidden
        print(f"{exercise_id:<24} {first:>10.2f} s {again:>6.2f} s {secret:>6.2f} s  {passed}")


if __name__ == "__main__":
    main(sys.argv[1:])
