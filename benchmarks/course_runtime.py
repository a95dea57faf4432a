"""Measure the course's speed budgets and print them as a table.

    .venv/bin/python benchmarks/course_runtime.py                 # notebooks, import
    .venv/bin/python benchmarks/course_runtime.py --fresh-clone   # also `make test` on a fresh clone

Budgets (COURSE.md): each notebook <= 45 s, whole course (every lesson, 00-10) <= 215 s, `import lrlab`
< 0.5 s, fresh-clone `make test` (install included) <= 15 min. The explorers redraw in the page:
benchmarks/explorers.py times them in Chromium.
Notebooks run on scratch copies, so the committed outputs are untouched.
"""

import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))


def import_time(repeats=5):
    """Median seconds for `import lrlab` in a fresh interpreter, minus bare interpreter start."""

    def run(code):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    bare = statistics.median(run("pass") for _ in range(repeats))
    full = statistics.median(
        run("import lrlab, lrlab.schedules, lrlab.landscapes") for _ in range(repeats)
    )
    return full - bare


def notebook_times():
    """[(name, seconds, problems, kernel peak MB)] executing every notebook top to bottom on a scratch copy."""
    import execute_notebooks

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    return [
        (path.name, *execute_notebooks.execute_copy(path))
        for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    ]


def fresh_clone_test():
    """Seconds for `git clone` + `make test` (install included) in a scratch folder."""
    with tempfile.TemporaryDirectory() as scratch:
        clone = pathlib.Path(scratch) / "lrlab"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        start = time.perf_counter()
        done = subprocess.run(["make", "test"], cwd=clone, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        summary = [
            line
            for line in done.stdout.splitlines()
            if " in " in line and ("passed" in line or "failed" in line)
        ]
        return seconds, done.returncode, summary[-1] if summary else "(no pytest summary)"


def main():
    from lrlab.notebook import quiet_tensorflow

    quiet_tensorflow()
    print(f"{'measure':<52} {'value':>10}  budget")
    seconds = import_time()
    print(
        f"{'import lrlab':<52} {seconds * 1000:>8.0f} ms  < 500 ms {'ok' if seconds < 0.5 else 'MISSED'}"
    )
    total, peaks = 0.0, []
    for name, seconds, problems, peak_mb in notebook_times():
        total += seconds
        peaks.append(peak_mb or 0)
        flag = (
            "ok" if seconds <= 45 and not problems else "MISSED" + (" (stderr)" if problems else "")
        )
        print(
            f"{'notebook ' + name:<52} {seconds:>8.1f} s   <= 45 s {flag}  (kernel peak {peak_mb or 0:.0f} MB)"
        )
    print(f"{'whole course':<52} {total:>8.1f} s   <= 215 s {'ok' if total <= 215 else 'MISSED'}")
    # Binder gives each user 1-2 GB: one lesson's kernel must fit, with JupyterLab beside it.
    largest = max(peaks)
    print(
        f"{'largest kernel (peak resident memory)':<52} {largest:>8.0f} MB  <= 1500 MB "
        f"{'ok' if largest <= 1500 else 'MISSED'}"
    )
    if "--fresh-clone" in sys.argv:
        seconds, code, summary = fresh_clone_test()
        flag = "ok" if seconds <= 900 and code == 0 else "MISSED"
        print(
            f"{'fresh clone: make test (install included)':<52} {seconds / 60:>8.1f} min <= 15 min {flag}: {summary}"
        )


if __name__ == "__main__":
    main()
