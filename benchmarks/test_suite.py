"""How long the course's two test commands take, by test file.

    .venv/bin/python benchmarks/test_suite.py            # the fast loop (`make test-fast`)
    .venv/bin/python benchmarks/test_suite.py --full     # the full suite (`make test`)
    .venv/bin/python benchmarks/test_suite.py --report some.xml   # a JUnit XML already written

Runs the command with a JUnit XML report beside it, then prints the wall time and, per test file
(each notebook is one file), the number of tests and the seconds they took, longest first. Under
pytest-xdist the per-file seconds add up to more than the wall time: two workers run at once.
"""

import argparse
import collections
import pathlib
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = pathlib.Path(__file__).resolve().parent.parent


def by_file(report):
    """{file: [tests, seconds]} from a JUnit XML report written by pytest."""
    totals = collections.defaultdict(lambda: [0, 0.0])
    for case in ET.parse(report).iter("testcase"):
        classname = case.get("classname", "")
        # pytest writes "tests.test_x" (or "tests.test_x.Class"); nbval writes the notebook's path.
        name = (
            classname
            if classname.endswith(".ipynb")
            else ".".join(part for part in classname.split(".") if not part[:1].isupper())
        )
        totals[name][0] += 1
        totals[name][1] += float(case.get("time", 0))
    return dict(totals)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--full", action="store_true", help="time `make test`, not `make test-fast`"
    )
    parser.add_argument("--report", help="summarise this JUnit XML instead of running anything")
    args = parser.parse_args(argv)
    wall = None
    with tempfile.TemporaryDirectory(prefix="lrlab-suite-") as scratch:
        report = args.report or str(pathlib.Path(scratch) / "report.xml")
        if not args.report:
            target = "test" if args.full else "test-fast"
            start = time.perf_counter()
            subprocess.run(["make", target, f"PYTEST_ARGS=--junitxml={report}"], cwd=ROOT)
            wall = time.perf_counter() - start
        totals = by_file(report)
    print(f"{'test file':<55} {'tests':>6} {'seconds':>8}")
    for name, (count, seconds) in sorted(totals.items(), key=lambda item: -item[1][1]):
        print(f"{name:<55} {count:>6} {seconds:>8.1f}")
    count = sum(c for c, _ in totals.values())
    print(f"{'all':<55} {count:>6} {sum(s for _, s in totals.values()):>8.1f}")
    if wall is not None:
        print(f"wall time of `make {target}`: {wall:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
