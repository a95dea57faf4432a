"""Grade exercise cells in a fresh process that trusts nothing from the student's kernel.

nbgrader runs a submitted notebook top to bottom in one kernel, where any cell can rebind
`check`, patch `lrlab` or NumPy, or hide an error. The autograder's verdicts come from here
instead: each exercise cell's source, executed on its own (as `make check` does) in a new
`python -I` process, then judged by `instructor.hidden.verify` (visible and hidden cases).
The process runs in a scratch folder, with a time limit, and (on Linux as root) in a jail
where it can write nothing outside that folder.

Protocol: the cells go in on stdin as JSON; the verdicts come back on stdout on one line that
starts with a random token the student's code never sees.
"""

import functools
import json
import os
import pathlib
import secrets
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent

__all__ = ["grade_cells", "exercise_sources", "jail", "sandbox", "main"]

_CHILD = (
    "import sys; sys.path[:0] = [sys.argv[1]]; "
    "from instructor.cleanroom import main; sys.exit(main())"
)


def exercise_sources(cells, exercise_ids):
    """{exercise id: the source of its exercise cell, or None if the notebook has none} for `cells` (nbformat dicts)."""
    found = {}
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        metadata = cell.get("metadata") or {}
        ids = {
            (metadata.get("lrlab") or {}).get("exercise"),
            (metadata.get("nbgrader") or {}).get("grade_id"),
        }
        for exercise_id in exercise_ids:
            if exercise_id in ids and exercise_id not in found:
                source = cell.get("source", "")
                found[exercise_id] = "".join(source) if isinstance(source, list) else str(source)
    return {exercise_id: found.get(exercise_id) for exercise_id in exercise_ids}


# Every top-level folder but the kernel's (/proc, /sys, /dev) becomes read-only; then the one folder writable.
_JAIL = r"""set -e
mount --make-rprivate /
for top in /*; do
    case "$top" in /proc|/sys|/dev) continue;; esac
    [ -d "$top" ] && [ ! -L "$top" ] || continue
    mount --bind "$top" "$top" && mount -o remount,bind,ro "$top" "$top"
done
mount --bind "$1" "$1" && mount -o remount,bind,rw "$1" "$1"
shift
exec "$@"
"""


# The jail's command prefix; the folder to leave writable, then the command, follow it.
_UNSHARE = (
    "unshare",
    "--mount",
    "--pid",
    "--fork",
    "--mount-proc",
    "--kill-child",
    "sh",
    "-c",
    _JAIL,
    "jail",
)


def jail(folder):
    """A command prefix that runs a command where it can write only under `folder` and see only its own processes.

    Linux, as root, with `unshare` (util-linux): a new mount namespace with `/` read-only but
    `folder`, and a new PID namespace (so `kill -1` or a detached process cannot reach past it; all
    its processes end with it). Elsewhere, [] : the command runs as it is, in its own session.
    """
    if os.geteuid() != 0 or not shutil.which("unshare") or not _jail_works():
        return []
    return [*_UNSHARE, str(folder)]


@functools.cache
def _jail_works():
    try:
        with tempfile.TemporaryDirectory() as folder:
            probe = [
                *_UNSHARE,
                folder,
                "sh",
                "-c",
                f"touch {folder}/ok && ! touch {folder}/../lrlab-jail-probe 2>/dev/null",
            ]
            return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def sandbox():
    """A preexec_fn: the child leads its own session (so its whole group can be stopped)."""
    return os.setsid


def grade_cells(sources, timeout=None, jailed=False, env=None):
    """{exercise id: (status, message)} for `sources` ({id: cell source or None}), each judged in a clean process.

    `timeout`: seconds for the whole process; by default 60 plus 60 per exercise (a Keras exercise trains models).
    """
    verdicts = {}
    todo = {}
    for exercise_id, source in sources.items():
        if source is None:
            verdicts[exercise_id] = (
                "failed",
                "the notebook has no exercise cell for this exercise (deleted, or a different lesson?).",
            )
        else:
            todo[exercise_id] = source
    if not todo:
        return verdicts
    token = secrets.token_hex(16)
    timeout = timeout or 60.0 + 60.0 * len(todo)
    with tempfile.TemporaryDirectory(prefix="lrlab-cleanroom-") as scratch:
        child_env = dict(
            env or os.environ,
            HOME=scratch,
            TMPDIR=scratch,
            MPLCONFIGDIR=scratch,
            TF_CPP_MIN_LOG_LEVEL="3",
            TF_ENABLE_ONEDNN_OPTS="0",
            MPLBACKEND="Agg",
        )
        prefix = jail(scratch) if jailed else []
        process = subprocess.Popen(
            [*prefix, sys.executable, "-I", "-c", _CHILD, str(ROOT)],
            cwd=scratch,
            env=child_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            preexec_fn=sandbox(),
        )
        try:
            out, _ = process.communicate(
                json.dumps({"token": token, "cells": todo}), timeout=timeout
            )
        except subprocess.TimeoutExpired:
            _kill_group(process)
            out = ""
            reason = f"grading its exercise cells did not finish within {timeout:g} s (a loop that never ends?)."
        else:
            reason = "grading its exercise cells stopped early (does the cell exit Python, or use all the memory?)."
    results = {}
    for line in out.splitlines():
        if line.startswith(token + " "):
            results = json.loads(line[len(token) + 1 :])
    for exercise_id in todo:
        status, message = results.get(exercise_id, ("failed", reason))
        verdicts[exercise_id] = (status, message)
    return {exercise_id: verdicts[exercise_id] for exercise_id in sources}


def _kill_group(process):
    try:
        os.killpg(process.pid, 9)
    except OSError:
        pass
    process.wait()


def main():
    """The child: read {token, cells} from stdin, judge each cell, print the token and the verdicts."""
    request = json.loads(sys.stdin.read())
    sys.stdin.close()
    out = os.fdopen(os.dup(1), "w")  # the student's prints go to stdout; the verdicts to this copy
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    from instructor import hidden
    from lrlab import exercises, grading

    results = {}
    for exercise_id, source in request["cells"].items():
        if exercise_id not in exercises.EXERCISES:
            results[exercise_id] = ("failed", f"unknown exercise {exercise_id!r}.")
            continue
        result = grading.run_cell(exercise_id, source, judge=hidden.verify)
        results[exercise_id] = (result.status, result.message)
    out.write(f"{request['token']} {json.dumps(results)}\n")
    out.flush()
    return 0
