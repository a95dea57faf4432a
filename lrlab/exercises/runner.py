"""Run a student's exercise cells for the class grader, inside its sandbox; judge nothing.

    python -I -m lrlab.exercises.runner FD   # a request on stdin; JSON lines out on file descriptor FD

The grader (`instructor.grade`) starts this in a sandbox and decides every verdict in its own
process. Here the lesson's setup cells and the student's exercise cells run in one namespace, as
in the notebook; then each exercise's answer is called on the arguments the grader chose (its
checker's visible and hidden cases), or reduced by the exercise's observer to plain values, and
the results go back, one line per exercise, as soon as each is done. What the student's code
prints goes nowhere.

Request: {"setup": [source, ...], "cells": [[exercise id, source], ...], "cell_seconds": 30,
          "calls": {function exercise id: [encoded argument list, ...]},
          "probes": {observed exercise id: encoded inputs}}
Each line out: {"exercise": id, "cell": message} when the cell itself failed; else, for a function
exercise, {"exercise": id, "results": [result, ...]}, one per call, and for an observed one
{"exercise": id, "status": ..., "message": ..., "values": result} (values only when it passed).
A result: {"value": encoded} | {"failure": message} | {"not_attempted": true}; a call's result
also has "rngs": the states it left its Generator arguments in.
"""

import json
import linecache
import os
import sys

SETUP_SECONDS = 600.0


def _cell_failure(source, filename, namespace, seconds):
    """Run one cell's source in `namespace`; a failure message, or None."""
    from lrlab.exercises import framework

    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    try:
        code = compile(source, filename, "exec")
        framework.run_with_timeout(exec, (code, namespace), seconds)
    except SyntaxError as error:
        return f"the cell has a SyntaxError on line {error.lineno}: {error.msg}."
    except framework.TimedOut:
        return f"the cell did not finish running within {seconds:g} s."
    except (Exception, framework.ShortcutUsed) as error:  # ShortcutUsed is a BaseException
        return f"the cell raised {framework.error_text(error)}."
    return None


def _outcome(run):
    """What `run()` gave, as a result line's entry."""
    from lrlab.exercises import framework, remote

    try:
        return {"value": remote.encode(run())}
    except framework.NotAttempted:
        return {"not_attempted": True}
    except framework.Failure as failure:
        return {"failure": str(failure)}


def _results(spec, answer, request):
    """A function exercise: the outcome of each call the grader asked for."""
    from lrlab.exercises import framework, remote

    framework._CHECKING = spec  # the exercise's off objects raise while its answer runs
    results = []
    for data in request.get("calls", {}).get(spec.id, []):
        args = remote.decode(data)
        result = _outcome(lambda args=args: framework.call_answer(spec, answer, args))
        result["rngs"] = [
            a.bit_generator.state if hasattr(a, "bit_generator") else None for a in args
        ]
        results.append(result)
    framework._CHECKING = None
    return {"results": results}


def _observed(spec, answer, request):
    """A class or Keras exercise: the check's verdict here, and the probe's values."""
    from lrlab.exercises import framework, remote

    result = framework.check(spec.id, answer)
    line = {"status": result.status, "message": result.message}
    if spec.probe and result.passed:
        inputs = remote.decode(request.get("probes", {}).get(spec.id))
        framework._CHECKING = spec
        where = f"your {spec.name} on the grader's own inputs"
        line["values"] = _outcome(
            lambda: framework.guarded(where, spec.probe.observe, answer, inputs, timeout=60.0)
        )
        framework._CHECKING = None
    return line


def run(request, out):
    """Execute the request (see the module docstring), writing a line per exercise to `out`."""
    from lrlab.exercises import EXERCISES, framework

    namespace, seconds = {"__name__": "__main__"}, float(request.get("cell_seconds", 30.0))
    for i, source in enumerate(request.get("setup", [])):
        # The lesson's own cells (imports, TensorFlow's start): never cut short, which would leave
        # TensorFlow half imported. A problem there is the lesson's; its exercises then fail.
        _cell_failure(source, f"<setup cell {i}>", namespace, SETUP_SECONDS)
    for exercise_id, source in request.get("cells", []):
        spec = EXERCISES[exercise_id]
        line = {"exercise": exercise_id}
        failure = _cell_failure(source, f"<exercise {exercise_id}>", namespace, seconds)
        answer = namespace.get(spec.name)
        if failure:
            line["cell"] = failure
        elif answer is None:
            line["cell"] = f"the cell no longer defines `{spec.name}`."
        elif not callable(answer):
            line["cell"] = (
                f"expected your {spec.kind} `{spec.name}`, got {type(answer).__name__} "
                f"{framework.short(answer)}."
            )
        else:
            line["cell"] = framework._borrowed(spec, answer)
            if not line["cell"]:
                line.update((_observed if spec.observed else _results)(spec, answer, request))
        out.write(json.dumps(line) + "\n")
        out.flush()


def main():
    request = json.loads(sys.stdin.read())
    out = os.fdopen(int(sys.argv[1]), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)  # the student's prints go nowhere
    os.dup2(devnull, 2)
    from lrlab.notebook import quiet_tensorflow

    quiet_tensorflow()
    run(request, out)
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
