"""Re-execute notebooks in place, top to bottom, and report each one's wall time and kernel memory.

    python tools/execute_notebooks.py                        # every lesson (what `make execute` does)
    python tools/execute_notebooks.py notebooks/01_*.ipynb   # only these
    python tools/execute_notebooks.py --scratch              # run copies: a check that changes no file

Before running in place, the generated parts of the named lessons (navigation lines, exercise
stubs) are refreshed, so a stored notebook is always: generated cells current, then executed once
from a fresh kernel. Refreshing an exercise cell replaces whatever code it held (an answer too):
each one replaced is printed. Only the notebooks named are touched; a notebook outside
notebooks/ (a student's copy) is executed as it is, answers kept.
Fails (exit 1) if a notebook raises or stores stderr output, which strict nbval would reject.
"""

import os
import pathlib
import shutil
import sys
import tempfile
import time

import nbformat
import zmq
from nbclient import NotebookClient

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import navigation
import sync_exercises

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def kernel_peak_mb(client):
    """The kernel process's peak resident memory so far (Linux's VmHWM), in MB; None elsewhere."""
    pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
    try:
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next(
        (int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")),
        None,
    )


def execute(path):
    """Execute one notebook in place; return (seconds, problems, kernel peak memory in MB or None)."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = KERNELSPEC  # without it JupyterLab asks "Select Kernel"
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        shutdown_kernel="immediate",  # as nbval does; a graceful TensorFlow exit costs ~2 s
        resources={"metadata": {"path": str(pathlib.Path(path).parent)}},
    )
    client.km = client.create_kernel_manager()
    if zmq.has(
        "curve"
    ):  # encrypted kernel traffic, and no "running over TCP without encryption" warning
        client.km.transport_encryption = "auto"
    peak = {}

    def measure(**_):  # after each cell, while the kernel is alive
        peak["mb"] = kernel_peak_mb(client)

    client.on_cell_executed = measure
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    problems = [
        f"cell {i}: stderr: {out.get('text', '')[:200]!r}"
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.get("name") == "stderr"
    ]
    nbformat.write(nb, path)
    return seconds, problems, peak.get("mb")


def execute_copy(path):
    """As `execute`, on a scratch copy: the notebook at `path` is left untouched."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = pathlib.Path(scratch) / pathlib.Path(path).name
        shutil.copy(path, copy)
        return execute(str(copy))


def refresh_generated(paths, folder=navigation.NOTEBOOKS):
    """Bring the generated cells of the lessons (in `folder`) among `paths`, and of no other notebook, up to date.

    Navigation lines first (with every lesson selected, also README's launch block), then the
    exercise stubs; each rewrite is printed.
    """
    items = navigation.lessons(folder)
    lessons = {path.resolve() for path, *_ in items}
    selected = list(
        {
            pathlib.Path(p).resolve(): pathlib.Path(p)
            for p in paths
            if pathlib.Path(p).resolve() in lessons
        }.values()
    )
    others = [str(p) for p in paths if pathlib.Path(p).resolve() not in lessons]
    if others:
        print(f"not a lesson in {folder}, executed as it is: {' '.join(others)}")
    chosen = {path.resolve() for path in selected}
    if chosen == lessons and pathlib.Path(folder) == navigation.NOTEBOOKS:
        navigation.main([])
    else:
        for i, (path, nb, *_) in enumerate(items):
            if not navigation.refresh(items, i, navigation.GITHUB_REPOSITORY, navigation.BRANCH):
                continue
            if path.resolve() in chosen:
                print(f"updated: {path.name}")
                nbformat.write(nb, path)
            else:
                print(f"stale, left as it is (not selected): {path.name}")
    if selected:
        sync_exercises.main([str(path) for path in selected])


def main(argv):
    scratch = "--scratch" in argv
    paths = [arg for arg in argv if arg != "--scratch"] or sorted(
        map(str, navigation.NOTEBOOKS.glob("[0-9]*.ipynb"))
    )
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    if not scratch:
        refresh_generated(paths)
    failed = False
    total = 0.0
    for path in paths:
        try:
            seconds, problems, peak_mb = (execute_copy if scratch else execute)(path)
        except Exception as error:  # report and go on with the others
            print(f"FAILED  {path}: {type(error).__name__}: {str(error)[-2000:]}")
            failed = True
            continue
        total += seconds
        memory = f"  kernel peak {peak_mb:5.0f} MB" if peak_mb else ""
        print(f"{seconds:6.1f} s{memory}  {path}")
        for problem in problems:
            print(f"        {problem}")
        failed |= bool(problems)
    print(f"{total:6.1f} s  total")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
