"""How long `make grade` takes for a class of one lesson, on WORKERS sandboxes at a time.

    .venv/bin/python benchmarks/grading.py                    # lessons 01 and 08, 30 hand-ins each
    .venv/bin/python benchmarks/grading.py --lesson 05_keras_learning_rate_schedules --students 30

The class: a third hand in the reference answers, a third leave the stubs, a third answer wrongly
(a cell that raises) or break the notebook's JSON. Prints, per lesson, the release time, the
class's wall time and each hand-in's median and longest time (sandbox start, the lesson's setup
cells, the checks, the verdicts).
"""

import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from instructor import autograde, cells  # noqa: E402

DEFAULT_LESSONS = ["01_what_is_the_learning_rate", "08_fine_tuning_and_weight_decay"]


def build_class(released, submissions, students):
    nb = json.loads(pathlib.Path(released).read_text(encoding="utf-8"))
    lesson = pathlib.Path(released).stem
    for i in range(students):
        kind = ("right", "blank", "wrong")[i % 3]
        copy = json.loads(json.dumps(nb))
        for cell in copy["cells"]:
            exercise_id = cell["metadata"].get("lrlab", {}).get("exercise")
            if exercise_id and kind == "right":
                cell["source"] = cells.solution_source(exercise_id)
            elif exercise_id and kind == "wrong":
                cell["source"] = cells.student_source(exercise_id).replace(
                    "raise NotImplementedError", "raise ValueError('not yet')"
                )
        folder = pathlib.Path(submissions) / f"student_{i:02d}_{kind}" / lesson
        folder.mkdir(parents=True)
        text = json.dumps(copy) if i % 9 != 8 else "{not json"
        (folder / f"{lesson}.ipynb").write_text(text, encoding="utf-8")


def bench(lesson, students, workers):
    with tempfile.TemporaryDirectory(prefix="lrlab-grading-bench-") as top:
        top = pathlib.Path(top)
        start = time.perf_counter()
        autograde.release(top / "course", [ROOT / "notebooks" / f"{lesson}.ipynb"])
        released = time.perf_counter() - start
        build_class(
            top / "course" / "release" / lesson / f"{lesson}.ipynb", top / "submitted", students
        )
        start = time.perf_counter()
        results = autograde.grade(top / "submitted", top / "course", top / "grades.csv", workers)
        total = time.perf_counter() - start
    seconds = sorted(r["seconds"] for r in results)
    print(
        f"{lesson}: release {released:.0f} s; {len(results)} hand-ins on {workers} workers "
        f"({os.cpu_count()} CPUs): {total:.0f} s for the class (gradebook, feedback and CSV included); "
        f"per hand-in: median {seconds[len(seconds) // 2]:.1f} s, longest {seconds[-1]:.1f} s",
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lesson", action="append", help="a lesson's name (repeatable)")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    for lesson in args.lesson or DEFAULT_LESSONS:
        bench(lesson, args.students, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
