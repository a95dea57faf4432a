"""How long `make grade` takes for a class: the synthetic class of tests/test_autograde.py (30 hand-ins
of lesson 01, every kind a grader meets), released and graded with nbgrader on WORKERS processes.

    .venv/bin/python benchmarks/grading.py [--workers 2]

Prints the wall time for the class and each submission's own time (its nbgrader autograde run,
whole notebook included, plus the clean-room grading of its exercise cells).
"""

import argparse
import os
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from instructor import autograde, synthetic_class  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    lesson = synthetic_class.LESSON
    with tempfile.TemporaryDirectory(prefix="lrlab-grading-bench-") as top:
        top = pathlib.Path(top)
        start = time.perf_counter()
        autograde.release(top / "course", [ROOT / "notebooks" / f"{lesson}.ipynb"], cell_timeout=15)
        released = time.perf_counter() - start
        sentinel = top / "sentinel.txt"
        sentinel.write_text("x")
        students = synthetic_class.build_class(
            top / "submitted", top / "course" / "release" / lesson / f"{lesson}.ipynb", [sentinel]
        )
        start = time.perf_counter()
        results = autograde.grade(
            top / "submitted",
            top / "course",
            csv=top / "grades.csv",
            workers=args.workers,
            job_timeout=180,
        )
        total = time.perf_counter() - start
    for r in sorted(results, key=lambda r: -r["seconds"]):
        print(f"{r['seconds']:6.1f} s  {r['student']}")
    seconds = [r["seconds"] for r in results]
    print(
        f"\nrelease: {released:.0f} s; grading {len(students)} submissions on {args.workers} workers "
        f"({os.cpu_count()} CPUs): {total:.0f} s, {total / len(students):.1f} s per submission of wall time; "
        f"each submission's own run: median {sorted(seconds)[len(seconds) // 2]:.1f} s, longest {max(seconds):.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
