"""Class grading's judge: values cross the sandbox intact, and a cell gets the notebook's verdict.

`instructor.judge` runs a hand-in's exercise cells in the sandbox and decides each verdict in the
grader's process, replaying the sandbox's results through the same checker `check` runs in the
notebook. Here: the encoding of those results, the replay, and every reference answer (and every
untouched stub) graded both ways with the same verdict.
"""

import json
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from instructor import cells, judge
from lrlab import grading
from lrlab.exercises import EXERCISES, check, framework, remote

ROOT = pathlib.Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        -0.25,
        "text",
        [1, 2.5, "a"],
        (1, (2, 3)),
        {"lr": 0.1, "decay": None},
        np.float32(0.1),
        np.int64(7),
        np.bool_(True),
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array([1, 2], dtype=np.int16),
    ],
)
def test_a_value_crosses_as_it_was(value):
    back = remote.decode(json.loads(json.dumps(remote.encode(value))))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    else:
        assert back == value


def test_non_finite_floats_and_generators_cross_too():
    back = remote.decode(
        json.loads(json.dumps(remote.encode([math.inf, math.nan, np.float64(-math.inf)])))
    )
    assert back[0] == math.inf and math.isnan(back[1]) and back[2] == -math.inf
    rng = np.random.default_rng(5)
    rng.random(3)
    copy = remote.decode(json.loads(json.dumps(remote.encode(rng))))
    assert copy.random() == rng.random()


def test_an_object_that_cannot_cross_keeps_its_type_name_and_repr():
    back = remote.decode(json.loads(json.dumps(remote.encode(lambda x: x))))
    assert type(back).__name__ == "function" and repr(back).startswith("<function")


def test_replay_gives_each_calls_results_in_order_and_restores_generators():
    calls = [(1.0, np.random.default_rng(0)), (1.0, np.random.default_rng(0))]
    after = np.random.default_rng(0)
    after.random(2)
    results = [
        {"value": remote.encode(0.5), "rngs": [None, after.bit_generator.state]},
        {"failure": "it raised ValueError"},
    ]
    call = remote.replaying("log_uniform", calls, results)
    rng = np.random.default_rng(0)
    assert call(1.0, rng) == 0.5
    assert rng.bit_generator.state == after.bit_generator.state
    with pytest.raises(framework.Failure, match="ValueError"):
        call(1.0, np.random.default_rng(0))
    with pytest.raises(framework.Failure, match="no result came back"):
        call(2.0, np.random.default_rng(0))


def test_setup_cells_are_the_ones_under_the_setup_heading():
    nb = json.loads(LESSONS[1].read_text())
    setup = grading.setup_sources(nb["cells"])
    assert setup and "lrlab.setup" in setup[0] and any("import" in s for s in setup)


def test_the_last_copy_of_an_exercise_cell_is_the_one_graded():
    first = {"cell_type": "code", "metadata": {"lrlab": {"exercise": "step_decay"}}, "source": "a"}
    last = {
        "cell_type": "code",
        "metadata": {"nbgrader": {"grade_id": "step_decay"}},
        "source": ["b", "c"],
    }
    assert judge.exercise_sources([first, last, {"junk": 1}], ["step_decay", "pick_lr"]) == {
        "step_decay": "bc",
        "pick_lr": None,
    }


def _course_cells(answer):
    """Every lesson's setup cells, and every exercise cell with `answer(exercise_id)` in it."""
    setup, exercise_cells = [], []
    for path in LESSONS:
        nb = json.loads(path.read_text())
        setup += grading.setup_sources(nb["cells"])
        for cell in nb["cells"]:
            exercise_id = cell["metadata"].get("lrlab", {}).get("exercise")
            if exercise_id:
                exercise_cells.append({**cell, "source": answer(exercise_id)})
    return setup, exercise_cells


def _notebook_verdict(namespace, source, exercise_id):
    """The notebook's verdict on `source` run after the setup cells (in a copy of their namespace)."""
    namespace = dict(namespace)
    exec(source, namespace)
    return check(exercise_id, namespace[EXERCISES[exercise_id].name])


@pytest.mark.slow
@pytest.mark.parametrize(
    "answer", [cells.solution_source, cells.student_source], ids=["reference", "stub"]
)
def test_every_exercise_cell_gets_the_same_verdict_in_the_notebook_and_in_class_grading(
    answer, sandbox_works
):
    setup, exercise_cells = _course_cells(answer)
    graded = judge.grade_notebook(exercise_cells, setup, sorted(EXERCISES))
    wanted = framework.PASSED if answer is cells.solution_source else framework.NOT_ATTEMPTED
    after_setup = {}
    if answer is cells.student_source:  # the notebook side: every setup cell once, in this process
        for cell in setup:
            exec(cell, after_setup)
    for exercise_id, verdict in graded.items():
        assert verdict.status == wanted, (exercise_id, verdict.message)
        if answer is cells.student_source:
            notebook = _notebook_verdict(after_setup, answer(exercise_id), exercise_id)
            assert notebook.status == verdict.status, exercise_id


# In the sandbox, Keras and TensorFlow load on first use, not when a setup cell imports them
# (lrlab.exercises.runner): lesson 01's NumPy exercise is graded without their 5 s start. An answer
# that uses `keras` or `tf` from the setup cells still gets the notebook's verdict, and one that
# calls an off object they hold is told so, both ways.
_ADAM_BY_KERAS = """def adam_steps(gradients, learning_rate):
    w = keras.Variable(0.0)
    optimizer = keras.optimizers.Adam(learning_rate)
    changes = []
    for g in gradients:
        before = float(w.numpy())
        optimizer.apply_gradients([(tf.constant(g, dtype="float32"), w)])
        changes.append(float(w.numpy()) - before)
    return np.array(changes)
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "source",
    [
        cells.solution_source("adam_steps").replace(
            "return np.array(changes)", "return keras.ops.convert_to_numpy(tf.constant(changes))"
        ),
        _ADAM_BY_KERAS,
    ],
    ids=["keras and tf in the answer", "an off Keras object"],
)
def test_an_answer_using_keras_from_the_setup_cells_gets_the_notebooks_verdict(
    source, sandbox_works
):
    nb = json.loads(LESSONS[1].read_text())
    setup = grading.setup_sources(nb["cells"])
    cell = {
        "cell_type": "code",
        "metadata": {"lrlab": {"exercise": "adam_steps"}},
        "source": source,
    }
    graded = judge.grade_notebook([cell], setup, ["adam_steps"])["adam_steps"]
    after_setup = {}
    for setup_cell in setup:
        exec(setup_cell, after_setup)
    notebook = _notebook_verdict(after_setup, source, "adam_steps")
    assert (graded.status, graded.message) == (notebook.status, notebook.message)
    assert graded.passed == (source is not _ADAM_BY_KERAS), graded.message


_SEEDED = """
import json, random, sys
import numpy as np
from lrlab.exercises import framework, runner
if sys.argv[1] == "deferred":
    runner._defer()
namespace = {}
exec("import lrlab\\nlrlab.setup(seed=3)\\nimport keras\\nimport tensorflow as tf", namespace)
deferred = sorted(framework.DEFERRED)
draws = [random.random(), float(np.random.rand())]
tf, keras = namespace["tf"], namespace["keras"]
draws += [float(tf.random.uniform(())), float(keras.random.uniform(())), random.random()]
print(json.dumps({"deferred": deferred, "draws": draws}))
"""


@pytest.mark.slow
def test_keras_loaded_on_first_use_is_seeded_as_lrlab_setup_seeds_it():
    def start(mode):  # both at once: each spends its time importing Keras
        return subprocess.Popen(
            [sys.executable, "-c", _SEEDED, mode], stdout=subprocess.PIPE, text=True
        )

    def result(process):
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0
        return json.loads(output.splitlines()[-1])

    eager, deferred = map(result, [start("eager"), start("deferred")])
    assert eager["deferred"] == [] and deferred["deferred"] == ["keras", "tensorflow"]
    assert deferred["draws"] == eager["draws"]
