"""Measure the course's speed budgets and print them as a table.

    .venv/bin/python benchmarks/course_runtime.py                 # notebooks, import, widgets
    .venv/bin/python benchmarks/course_runtime.py --fresh-clone   # also `make test` on a fresh clone

Budgets (COURSE.md): each notebook <= 45 s, whole course (every lesson, 00-10) <= 215 s, widget update <= 100 ms
median, `import lrlab` < 0.5 s, fresh-clone `make test` (install included) <= 15 min.
Notebooks run on scratch copies, so the committed outputs are untouched.
"""

import inspect
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


def widget_latencies(moves=20):
    """[(explorer, median s, worst s)]: every control of every explorer moved `moves` times."""
    from lrlab import widgets

    rows = []
    for name, cls in inspect.getmembers(widgets, inspect.isclass):
        if (
            not issubclass(cls, widgets.Explorer)
            or cls is widgets.Explorer
            or cls.__module__ != widgets.__name__
        ):
            continue
        explorer = cls(**_arguments_for(cls))
        explorer.latencies.clear()
        for control in explorer.controls.values():
            values = _values_of(control, moves)
            for value in values:
                control.value = value
        if explorer.latencies:
            rows.append((name, statistics.median(explorer.latencies), max(explorer.latencies)))
    return rows


def _arguments_for(cls):
    """Constructor arguments: defaults, except the recorded runs the replaying explorers need."""
    if cls.__name__ == "EdgeOfStabilityExplorer":
        return {"runs": _gradient_descent_runs()}
    if cls.__name__ != "RangeTestExplorer":
        return {}
    import keras

    from lrlab import data, finder, models

    (x, y), _ = data.load_digits()
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=0.01))
    runs = finder.range_test_runs(model, x, y, ranges=[(1e-5, 10.0), (1e-3, 1.0)], steps=[50, 100])
    return {"runs": runs}


def _gradient_descent_runs(steps=60):
    """Two short full-batch runs like lesson 09's (a smaller model, fewer steps): what the explorer replays."""
    import keras
    import numpy as np

    from lrlab import data, sharpness

    (x, y), _ = data.load_digits()
    runs = []
    for lr in (0.4, 1.0):
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [keras.Input((64,)), keras.layers.Dense(16, activation="gelu"), keras.layers.Dense(10)]
        )
        runs.append(
            sharpness.full_batch_gradient_descent(
                model,
                "mse",
                x,
                np.eye(10, dtype="float32")[y],
                learning_rate=lr,
                steps=steps,
                measure_every=10,
            )
        )
    return runs


def _values_of(control, n):
    import numpy as np

    if hasattr(control, "options") and control.options:
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return [options[i % len(options)] for i in range(1, n + 1)]
    if hasattr(control, "base"):  # FloatLogSlider: min/max are exponents
        return list(control.base ** np.linspace(control.min, control.max, n))
    if hasattr(control, "min") and hasattr(control, "max"):
        values = np.linspace(control.min, control.max, n)
        return [type(control.value)(v) for v in values]
    if isinstance(control.value, bool):
        return [i % 2 == 0 for i in range(n)]
    return []


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
    for name, median, worst in widget_latencies():
        ok = "ok" if median <= 0.1 else "MISSED"
        print(
            f"{'widget ' + name + ' (median / worst)':<52} "
            f"{median * 1000:>5.0f}/{worst * 1000:<4.0f}ms  <= 100 ms median {ok}"
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
