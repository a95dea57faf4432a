"""`make check` (lrlab.grading) grades notebook copies without touching them; generated cells
in the committed notebooks are current."""

import hashlib
import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from instructor import cells
from lrlab import exercises, grading

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
LESSON_01 = ROOT / "notebooks" / "01_what_is_the_learning_rate.ipynb"


def _with_answer(tmp_path, source):
    nb = json.loads(LESSON_01.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("lrlab", {}).get("exercise") == "sgd_step":
            cell["source"] = source
    path = tmp_path / LESSON_01.name
    path.write_text(json.dumps(nb))
    return path


def _run_check(*paths):
    return subprocess.run([sys.executable, "-m", "lrlab.grading", *map(str, paths)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_untouched_notebook_is_not_attempted_and_exits_nonzero(tmp_path):
    path = tmp_path / LESSON_01.name
    shutil.copy(LESSON_01, path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    out = _run_check(path)
    assert out.returncode == 1
    assert "sgd_step" in out.stdout and "not attempted" in out.stdout and "0 of 1 exercises passed" in out.stdout
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # never modified


def test_correct_answer_passes_and_exits_zero(tmp_path):
    out = _run_check(_with_answer(tmp_path, cells.solution_source("sgd_step")))
    assert out.returncode == 0, out.stdout
    assert "passed" in out.stdout and "1 of 1 exercises passed" in out.stdout


@pytest.mark.parametrize(
    "source, words",
    [
        ("def sgd_step(w, grad, lr):\n    return w + lr * grad", "failed"),
        ("def sgd_step(w, grad, lr)\n    return w", "SyntaxError"),
        ("import nonexistent_module_xyz\n", "ModuleNotFoundError"),
        ("def something_else(w):\n    return w", "no longer defines `sgd_step`"),
    ],
)
def test_broken_cells_get_a_verdict_not_a_traceback(tmp_path, source, words):
    out = _run_check(_with_answer(tmp_path, source))
    assert out.returncode == 1 and words in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_the_terminal_table_has_no_tensorflow_warnings_and_terminal_wording(tmp_path):
    # Lesson 06's answer is a schedule class: TensorFlow compiles its __call__ with AutoGraph.
    lesson_06 = ROOT / "notebooks" / "06_custom_schedules.ipynb"
    nb = json.loads(lesson_06.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("lrlab", {}).get("exercise") == "warmup_schedule":
            cell["source"] = cells.solution_source("warmup_schedule")
    solved = tmp_path / lesson_06.name
    solved.write_text(json.dumps(nb))
    untouched = tmp_path / LESSON_01.name
    shutil.copy(LESSON_01, untouched)
    out = _run_check(solved, untouched)
    assert "warmup_schedule" in out.stdout and "1 of 2 exercises passed" in out.stdout, out.stdout + out.stderr
    assert "AutoGraph" not in out.stdout + out.stderr and "WARNING" not in out.stdout + out.stderr
    assert "run this cell" not in out.stdout and "save the notebook" in out.stdout


def test_a_missing_notebook_is_named_not_a_traceback(tmp_path):
    out = _run_check(tmp_path / "nope.ipynb")
    assert out.returncode == 2 and "No such notebook" in out.stdout and "nope.ipynb" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_exercise_cells_match_the_solutions_source():
    out = subprocess.run([sys.executable, "tools/sync_exercises.py", "--check"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, "run `python tools/sync_exercises.py`:\n" + out.stdout


def test_navigation_is_current():
    out = subprocess.run([sys.executable, "tools/navigation.py", "--check"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, "run `python tools/navigation.py`:\n" + out.stdout


def test_every_exercise_appears_in_exactly_one_notebook():
    found = [exercise_id for path in NOTEBOOKS for exercise_id, _ in grading.exercise_cells(path)]
    assert sorted(found) == sorted(exercises.EXERCISES)


def test_every_exercise_cell_is_followed_by_its_check():
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        for i, cell in enumerate(cells):
            exercise_id = cell["metadata"].get("lrlab", {}).get("exercise")
            if exercise_id:
                follower = "".join(cells[i + 1]["source"])
                assert f'check("{exercise_id}"' in follower, f"{path.name}: no check after {exercise_id}"
