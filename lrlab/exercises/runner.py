"""Run a student's exercise cells for the class grader, inside its sandbox; judge nothing.

    python -I -m lrlab.exercises.runner FD   # a request on stdin; JSON lines out on file descriptor FD

The grader (`instructor.grade`) starts this in a sandbox and decides every verdict in its own
process. Here the lesson's setup cells and the student's exercise cells run in one namespace, as
in the notebook; then each exercise's answer is called on the arguments the grader chose (its
checker's visible and hidden cases), or reduced by the exercise's observer to plain values, and
the results go back, one line per exercise, as soon as each is done. What the student's code
prints goes nowhere.

Keras and TensorFlow load when first used, not when a setup cell imports them (`import keras`
binds the same module, loaded on its first attribute): a NumPy exercise is graded without their
5 s start. Their load does not count against a cell's or a call's time limit (the notebook loaded
them before), leaves Python's and NumPy's random state as it was, seeds them as `lrlab.setup`
would have, and switches off an off object it brings while an answer runs.

Request: {"setup": [source, ...], "cells": [[exercise id, source], ...], "cell_seconds": 30,
          "calls": {function exercise id: [encoded argument list, ...]},
          "probes": {observed exercise id: encoded inputs}}
Each line out: {"exercise": id, "cell": message} when the cell itself failed; else, for a function
exercise, {"exercise": id, "results": [result, ...]}, one per call, and for an observed one
{"exercise": id, "status": ..., "message": ..., "values": result} (values only when it passed).
A result: {"value": encoded} | {"failure": message} | {"not_attempted": true}; a call's result
also has "rngs": the states it left its Generator arguments in.
"""

import importlib.util
import json
import os
import random
import signal
import sys
import types

DEFERRED = ("keras", "tensorflow")  # loaded on first use (see the module docstring)
_seed = []  # lrlab.setup's seed, for Keras and TensorFlow when they load
_loading = []  # not empty while a deferred package loads


class _Deferred(types.ModuleType):
    """A package imported but not loaded: any attribute but `__spec__` loads it."""

    def __getattribute__(self, attr):
        if attr == "__spec__":  # all that `import` reads of a module it already has
            return super().__getattribute__(attr)
        _load(self)
        return getattr(self, attr)


def _defer():
    """Put the `DEFERRED` packages in `sys.modules`, and make `lrlab.setup` seed them later."""
    from lrlab import notebook
    from lrlab.exercises import framework

    for name in DEFERRED:
        spec = None if name in sys.modules else importlib.util.find_spec(name)
        if spec is not None:
            sys.modules[name] = module = importlib.util.module_from_spec(spec)
            module.__class__ = _Deferred
            framework.DEFERRED.add(name)
    eager_setup = notebook.setup

    def setup(seed=0):  # as lrlab.setup: Python and NumPy seeded now, Keras and TF when they load
        if set(DEFERRED) - framework.DEFERRED:
            return eager_setup(seed)
        import numpy as np

        notebook.filter_warnings(strict=os.environ.get("LRLAB_STRICT_WARNINGS") == "1")
        random.seed(seed)
        np.random.seed(seed)
        notebook.plot_style()
        _seed[:] = [seed]
        return None

    notebook.setup = setup


def _load(module):
    """Load a deferred package (`module`) now, as the module docstring says."""
    import numpy as np

    from lrlab import notebook
    from lrlab.exercises import framework

    module.__class__ = types.ModuleType
    spec = module.__spec__
    framework.DEFERRED.discard(spec.name)
    if _loading:  # inside the other one's load (Keras imports TensorFlow)
        spec.loader.exec_module(module)
        return
    _loading.append(spec.name)
    left = signal.setitimer(signal.ITIMER_REAL, 0)[0]  # a time limit's alarm, paused
    states = random.getstate(), np.random.get_state()
    try:
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(spec.name, None)  # as a failed import leaves it
            raise
        if _seed:
            notebook.seed_everything(_seed.pop())  # loads the other one too
        framework.switch_off()
    finally:
        _loading.clear()
        random.setstate(states[0])
        np.random.set_state(states[1])
        if left:
            signal.setitimer(signal.ITIMER_REAL, left)


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
    from lrlab.exercises import EXERCISES, refusal
    from lrlab.grading import cell_answer, set_up

    # The lesson's own cells (imports), as `make check` runs them: a problem there is the
    # lesson's; its exercises then fail.
    namespace, seconds = set_up(request.get("setup", [])), float(request.get("cell_seconds", 30.0))
    for exercise_id, source in request.get("cells", []):
        spec = EXERCISES[exercise_id]
        line = {"exercise": exercise_id}
        answer, line["cell"] = cell_answer(exercise_id, source, namespace, seconds)
        # Not through `check`: a function exercise's checker runs in the grader, on the results.
        line["cell"] = line["cell"] or refusal(spec, answer)
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
    _defer()
    run(request, out)
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
