"""A synthetic class for lesson 01 (exercise `sgd_step`, 1 point): every kind of hand-in a grader meets.

`build_class(folder, release, sentinels)` writes `folder/<student>/<lesson>/...` from the released
notebook `release` and returns {student: (expected score, words the report must contain)}. The
cells that attack files target the paths in `sentinels` (which must survive grading).
Used by tests/test_autograde.py and benchmarks/grading.py.
"""

import copy
import json
import pathlib

LESSON = "01_what_is_the_learning_rate"
RIGHT = [
    "def sgd_step(w, grad, lr):\n    return w - lr * grad",
    "import numpy as np\n\ndef sgd_step(w, grad, lr):\n    return np.subtract(w, np.multiply(lr, grad))",
    "def sgd_step(w, grad, lr):\n    step = grad * lr\n    return w - step",
]


def short_lesson(source, target):
    """Write lesson 01 cut to what grading needs: its imports of NumPy and `check` (no TensorFlow),
    then its exercise's instructions, exercise cell and check cell.

    Every kind of hand-in stays what it is, but each runs in seconds, not the whole lesson's time:
    the tests grade the class on this; `benchmarks/grading.py` on the whole lesson.
    """
    nb = json.loads(pathlib.Path(source).read_text(encoding="utf-8"))
    cells = nb["cells"]
    imports = next(c for c in cells if "from lrlab.exercises import check" in "".join(c["source"]))
    kept = [
        line
        for line in "".join(imports["source"]).splitlines()
        if "numpy" in line or "exercises" in line
    ]
    exercise = next(
        i
        for i, c in enumerate(cells)
        if c["metadata"].get("lrlab", {}).get("exercise") == "sgd_step"
    )
    nb["cells"] = [{**imports, "source": "\n".join(kept)}, *cells[exercise - 1 : exercise + 2]]
    pathlib.Path(target).write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return target


def _cell(source):
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": source,
    }


def _notebook(
    release, answer=None, extra=(), before_exercise=(), edit_check=None, drop_check=False
):
    nb = copy.deepcopy(release)
    cells = nb["cells"]
    index = next(
        i
        for i, c in enumerate(cells)
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "sgd_step"
    )
    if answer is not None:
        cells[index]["source"] = answer
    check = index + 1
    if edit_check is not None:
        cells[check]["source"] = edit_check
    if drop_check:
        del cells[check]
    for source in reversed(list(extra)):
        cells.insert(index + (1 if drop_check else 2), _cell(source))
    for source in reversed(list(before_exercise)):
        cells.insert(index, _cell(source))
    return nb


def build_class(folder, release, sentinels, right_answers=8):
    """Write the class; return {student: (expected score, words expected in the feedback)}.

    `right_answers` students hand in a right answer (written the three ways of RIGHT in turn).
    """
    folder = pathlib.Path(folder)
    release = json.loads(pathlib.Path(release).read_text(encoding="utf-8"))
    paths = ", ".join(repr(str(p)) for p in sentinels)
    wrong = "def sgd_step(w, grad, lr):\n    return w + lr * grad"
    students = {}

    def hand_in(student, score, words, nb=None, files=None):
        target = folder / student / LESSON
        target.mkdir(parents=True, exist_ok=True)
        if nb is not None:
            (target / f"{LESSON}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        for name, text in (files or {}).items():
            (target / name).write_text(text, encoding="utf-8")
        students[student] = (score, words)

    for i in range(right_answers):  # right answers, three ways of writing them
        hand_in(f"right_{i:02d}", 1, "passed", _notebook(release, RIGHT[i % 3]))
    hand_in(
        "visible_cases_only",
        0,
        "hidden",
        _notebook(
            release,
            (
                "def sgd_step(w, grad, lr):\n    if lr == 10.0:\n        return 0.0  # wrong off the visible cases\n"
                "    return w - lr * grad"
            ),
        ),
    )
    hand_in("wrong_sign", 0, "Hint", _notebook(release, wrong))
    hand_in("blank_stub", 0, "not attempted", _notebook(release))
    hand_in(
        "syntax_error",
        0,
        "SyntaxError",
        _notebook(release, "def sgd_step(w, grad, lr)\n    return w"),
    )
    hand_in(
        "raises",
        0,
        "ZeroDivisionError",
        _notebook(release, "def sgd_step(w, grad, lr):\n    return 1 / 0"),
    )
    hand_in(
        "error_elsewhere",
        1,
        "passed",
        _notebook(release, RIGHT[0], before_exercise=["undefined_name + 1"]),
    )
    hand_in(
        "endless_answer",
        0,
        "did not finish",
        _notebook(release, "def sgd_step(w, grad, lr):\n    while True:\n        pass"),
    )
    hand_in(
        "endless_cell",
        1,
        "passed",
        _notebook(release, RIGHT[0], before_exercise=["while True:\n    pass"]),
    )
    hand_in(
        "deletes_files",
        1,
        "passed",
        _notebook(
            release,
            RIGHT[1],
            before_exercise=[
                "import os, shutil\n"
                f"for path in [{paths}]:\n"
                "    try:\n        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)\n"
                "    except OSError as error:\n        print(error)\n"
                "shutil.rmtree(os.path.expanduser('~'), ignore_errors=True)"
            ],
        ),
    )
    hand_in(
        "exits_kernel",
        1,
        "kernel stopped",
        _notebook(release, RIGHT[0], before_exercise=["import os\nos._exit(0)"]),
    )
    hand_in(
        "kills_grader",
        1,
        "passed",
        _notebook(
            release,
            RIGHT[2],
            before_exercise=["import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"],
        ),
    )
    hand_in(
        "edited_check", 0, "Hint", _notebook(release, wrong, edit_check="print('PASSED sgd_step')")
    )
    hand_in("deleted_check", 1, "passed", _notebook(release, RIGHT[0], drop_check=True))
    hand_in("deleted_check_wrong", 0, "Hint", _notebook(release, wrong, drop_check=True))
    hand_in(
        "replaces_check",
        0,
        "Hint",
        _notebook(
            release,
            wrong,
            before_exercise=["def check(*args):\n    print('PASSED: all cases match. Well done!')"],
        ),
    )
    hand_in(
        "patches_lrlab",
        0,
        "Hint",
        _notebook(
            release,
            wrong,
            before_exercise=[
                "import lrlab.exercises, numpy, math\n"
                "lrlab.exercises.check = lambda *a: print('PASSED')\n"
                "math.isclose = lambda *a, **k: True\nnumpy.allclose = lambda *a, **k: True\n"
                "get_ipython().showtraceback = lambda *a, **k: None"
            ],
        ),
    )
    hand_in(
        "not_a_notebook",
        0,
        "not a notebook",
        files={f"{LESSON}.ipynb": "def sgd_step(w, grad, lr): return w - lr * grad\n"},
    )
    hand_in(
        "python_file_only",
        0,
        "answers.py",
        files={"answers.py": "def sgd_step(w, grad, lr):\n    return w - lr * grad\n"},
    )
    other = copy.deepcopy(release)
    other["cells"] = [
        c
        for c in other["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") not in ("sgd_step", "check_sgd_step")
    ]
    other["cells"].append(_cell("def classify_curve(losses):\n    return 'good'"))
    hand_in("other_lesson_renamed", 0, "no exercise cell", other)
    hand_in(
        "other_lesson",
        0,
        "05_keras_learning_rate_schedules.ipynb",
        files={"05_keras_learning_rate_schedules.ipynb": json.dumps(other)},
    )
    hand_in(
        "prints_a_lot",
        1,
        "passed",
        _notebook(
            release,
            "def sgd_step(w, grad, lr):\n    print('step!' * 1000)\n    return w - lr * grad",
        ),
    )
    hand_in(
        "returns_string",
        0,
        "expected a number",
        _notebook(release, "def sgd_step(w, grad, lr):\n    return 'w - lr * grad'"),
    )
    return students
