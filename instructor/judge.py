"""Grade one hand-in: its exercise cells run in the sandbox, every verdict is decided here.

`grade_notebook(cells, setup)` picks each exercise's cell (the last copy, as nbgrader keeps),
sends them with the lesson's setup cells to `lrlab.exercises.runner` in `instructor.sandbox`,
and judges what comes back in this process:

- a function exercise (numbers and arrays in and out): the sandbox only calls the student's
  function on the arguments the visible and hidden checkers use (recorded here against the
  reference answer); the checkers themselves run here, replaying those results;
- a class or Keras exercise, whose answer is an object only the student's process can use: the
  sandbox runs its visible and hidden checks and reports the verdict, and, for a schedule, the
  learning rates at steps drawn here at grading time, which must match lrlab's formula.

Whatever the student's code does in its process (patching, printing, exiting, forking, flooding
its output, leaving processes behind) reaches no verdict here except through those values.
"""

import functools
import json
import os
import random
import subprocess
import sys
import threading
import time

from instructor import hidden, sandbox, solutions
from lrlab import grading
from lrlab.exercises import EXERCISES, framework, remote

__all__ = ["exercise_sources", "grade_notebook", "SECONDS_PER_EXERCISE"]

CELL_SECONDS = 30.0  # to run one cell in the sandbox (a lesson's cells take a second or two)
SECONDS_PER_EXERCISE = 60.0  # wall time in the sandbox, per exercise, on top of its start
START_SECONDS = 120.0  # the sandbox's start, the setup cells, TensorFlow's import if a cell uses it
MAX_REPLY_BYTES = 8 * 1024**2
# Hand-ins are graded on threads; what runs here (recording a checker's calls, a probe's judge,
# which may train a Keras model) runs one at a time.
_LOCK = threading.Lock()


def exercise_sources(cells, exercise_ids):
    """{id: source of its exercise cell (the last copy), or None} for nbformat dict `cells`."""
    found = {grading.cell_exercise(cell): grading.cell_source(cell) for cell in cells}
    return {exercise_id: found.get(exercise_id) for exercise_id in exercise_ids}


@functools.cache
def _plan(exercise_id):
    """The calls a function exercise's visible and hidden checkers make (against the reference)."""
    reference, hidden_verify = solutions.reference(exercise_id), hidden.hidden_verify(exercise_id)
    with _LOCK:
        visible = remote.record_calls(EXERCISES[exercise_id].verify, reference)
        secret = remote.record_calls(hidden_verify, reference) if hidden_verify else []
    return visible, secret, hidden_verify


def _request(setup, sources, probes):
    calls = {}
    for exercise_id in sources:
        if not EXERCISES[exercise_id].observed:
            visible, secret, _ = _plan(exercise_id)
            calls[exercise_id] = [remote.encode(list(args)) for args in visible + secret]
    return {
        "setup": setup,
        "cell_seconds": CELL_SECONDS,
        "cells": [[e, s] for e, s in sources.items()],
        "calls": calls,
        "probes": {e: remote.encode(inputs) for e, inputs in probes.items()},
    }


def _run_sandboxed(request, timeout, unsandboxed=False):
    """{exercise id: reply line} from one sandboxed run of the runner (as many as came back)."""
    read_end, write_end = os.pipe()
    argv = [sys.executable, "-I", "-m", "lrlab.exercises.runner", str(write_end)]
    command = argv if unsandboxed else sandbox.command(argv)
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_end,),
        preexec_fn=sandbox.limits,
        start_new_session=True,
        cwd="/tmp",
        env=None if not unsandboxed else {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    os.close(write_end)
    replies, wanted = {}, {e for e, _ in request["cells"]}
    reader = threading.Thread(target=_read_lines, args=(read_end, replies, wanted), daemon=True)
    reader.start()
    try:
        process.stdin.write(json.dumps(request).encode())
        process.stdin.close()
    except OSError:  # it stopped before reading its request
        pass
    reader.join(timeout)
    sandbox.end(process.pid)  # the sandbox and whatever the student's code left running
    process.wait()
    return dict(replies)


def _read_lines(fd, replies, wanted):
    """Collect reply lines for `wanted` exercises, the first line per exercise, up to a size cap."""
    with os.fdopen(fd, "rb") as pipe:
        total = 0
        for raw in pipe:
            total += len(raw)
            if total > MAX_REPLY_BYTES:
                return
            try:
                line = json.loads(raw)
                exercise_id = line["exercise"]
            except (ValueError, TypeError, KeyError):
                continue
            if exercise_id in wanted and exercise_id not in replies:
                replies[exercise_id] = line
            if wanted <= set(replies):
                return


def _verdict(exercise_id, reply, probe):
    """The CheckResult for one exercise from its reply line."""
    spec = EXERCISES[exercise_id]
    try:
        if reply.get("cell"):
            return framework.CheckResult(exercise_id, framework.FAILED, str(reply["cell"])[:2000])
        if spec.observed:
            return _observed_verdict(exercise_id, reply, probe)
        return _replayed_verdict(exercise_id, reply["results"])
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
        return framework.CheckResult(
            exercise_id,
            framework.FAILED,
            f"what came back from its cell could not be read ({error}).",
        )


def _replayed_verdict(exercise_id, results):
    """A function exercise: the visible, then the hidden checker, replaying the sandbox's results."""
    visible, secret, hidden_verify = _plan(exercise_id)
    shown = framework.judge(
        exercise_id, remote.replaying(exercise_id, visible, results[: len(visible)])
    )
    if not shown.passed or not hidden_verify:
        return shown
    secret_result = framework.judge(
        exercise_id,
        remote.replaying(exercise_id, secret, results[len(visible) :]),
        verify=hidden_verify,
    )
    return hidden.combined(shown, secret_result)


def _observed_verdict(exercise_id, reply, probe):
    """An observed exercise: a failure reported by its process stands (only its author loses by
    forging one); a pass stands only if the probe's values are right, to the check's tolerance."""
    spec = EXERCISES[exercise_id]
    status, message = str(reply["status"]), str(reply["message"])[:2000]
    if status != framework.PASSED:
        status = framework.NOT_ATTEMPTED if status == framework.NOT_ATTEMPTED else framework.FAILED
        return framework.CheckResult(exercise_id, status, message)
    if spec.probe is None:
        return framework.CheckResult(exercise_id, framework.PASSED, message)
    outcome = reply["values"]
    if "failure" in outcome:
        return framework.CheckResult(exercise_id, framework.FAILED, str(outcome["failure"])[:2000])
    with _LOCK:
        problem = spec.probe.judge(probe, remote.decode(outcome["value"]))
    if problem:
        return framework.CheckResult(
            exercise_id,
            framework.FAILED,
            f"the visible cases pass, but not the grader's own: {problem}",
        )
    return framework.CheckResult(exercise_id, framework.PASSED, message)


def probes(exercise_ids, rng=None):
    """Inputs drawn at grading time for the exercises judged on observations."""
    rng = rng or random.Random()
    return {e: EXERCISES[e].probe.draw(rng) for e in exercise_ids if EXERCISES[e].probe}


def grade_notebook(cells, setup, exercise_ids, unsandboxed=False, rng=None):
    """{exercise id: CheckResult} for a hand-in's `cells` (nbformat dicts); see the module docstring."""
    sources = exercise_sources(cells, exercise_ids)
    verdicts = {
        e: framework.CheckResult(
            e,
            framework.FAILED,
            "the notebook has no exercise cell for this exercise (deleted, or another lesson?).",
        )
        for e, source in sources.items()
        if source is None
    }
    todo = {e: s for e, s in sources.items() if s is not None}
    drawn = probes(todo, rng)
    while todo:
        start = time.perf_counter()
        timeout = START_SECONDS + SECONDS_PER_EXERCISE * len(todo)
        replies = _run_sandboxed(_request(setup, todo, drawn), timeout, unsandboxed)
        for exercise_id, reply in replies.items():
            verdicts[exercise_id] = _verdict(exercise_id, reply, drawn.get(exercise_id))
        missing = [e for e in todo if e not in replies]
        if not missing:
            break
        # The process stopped (or ran out of time) while the first missing exercise ran: that one
        # fails; the ones after it get a fresh process.
        stopped = missing[0]
        took = time.perf_counter() - start
        reason = (
            f"grading it did not finish within {timeout:g} s (a loop that never ends?)."
            if took >= timeout
            else "its process stopped while it was graded (does the cell exit Python, or use "
            "all the memory?)."
        )
        verdicts[stopped] = framework.CheckResult(stopped, framework.FAILED, reason)
        todo = {e: todo[e] for e in missing[1:]}
    return {e: verdicts[e] for e in exercise_ids}
