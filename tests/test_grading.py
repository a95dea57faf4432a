"""`make check` (lrlab.grading) grades notebook copies without touching them; generated cells
in the committed notebooks are current."""

import hashlib
import json
import pathlib
import subprocess
import sys

import pytest

from instructor import cells
from lrlab import exercises, grading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tools"))
import navigation
import sync_exercises

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
LESSON_01 = ROOT / "notebooks" / "01_what_is_the_learning_rate.ipynb"


def _with_answer(folder, name, source, lesson=LESSON_01, exercise_id="adam_steps"):
    """A copy of `lesson` named `name` whose `exercise_id` cell holds `source` (None: left untouched)."""
    nb = json.loads(lesson.read_text())
    for cell in nb["cells"]:
        if source is not None and cell["metadata"].get("lrlab", {}).get("exercise") == exercise_id:
            cell["source"] = source
    path = folder / name
    path.write_text(json.dumps(nb))
    return path


def _run_check(*paths):
    return subprocess.run(
        [sys.executable, "-m", "lrlab.grading", *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


# Each case is one notebook copy; one `python -m lrlab.grading` start grades them all (each start
# pays the Keras import). {file name: (source of the adam_steps cell or None, words in its row)}.
CASES = {
    "untouched.ipynb": (None, "not attempted"),
    "correct.ipynb": (cells.solution_source("adam_steps"), "passed"),
    # `np` from the lesson's Setup cell, as in the notebook (and in class grading)
    "uses_setup.ipynb": (
        cells.solution_source("adam_steps").replace("import numpy as np\n", ""),
        "passed",
    ),
    "wrong_sign.ipynb": (  # the first step of a constant gradient, uphill
        "import numpy as np\n\ndef adam_steps(gradients, learning_rate):\n"
        "    return learning_rate * np.sign(gradients)",
        "failed",
    ),
    "syntax_error.ipynb": ("def adam_steps(gradients, learning_rate)\n    return 0", "SyntaxError"),
    "missing_module.ipynb": ("import nonexistent_module_xyz\n", "ModuleNotFoundError"),
    "renamed.ipynb": ("def something_else(w):\n    return w", "no longer defines `adam_steps`"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One `make check` over every case, plus lesson 06 solved (a schedule class AutoGraph compiles)."""
    folder = tmp_path_factory.mktemp("check")
    paths = [_with_answer(folder, name, source) for name, (source, _) in CASES.items()]
    lesson_06 = ROOT / "notebooks" / "06_custom_schedules.ipynb"
    paths.append(
        _with_answer(
            folder,
            "solved_06.ipynb",
            cells.solution_source("warmup_schedule"),
            lesson_06,
            "warmup_schedule",
        )
    )
    before = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}
    out = _run_check(*paths)
    rows, name = {}, None  # each notebook's row, and its reason indented on the lines below
    for line in out.stdout.splitlines():
        if line.split()[:1] and line.split()[0].endswith(".ipynb"):
            name = line.split()[0]
            rows[name] = line
        elif name and line.startswith("    "):
            rows[name] += " " + line.strip()
        else:
            name = None
    return {"out": out, "rows": rows, "paths": paths, "before": before}


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_each_cell_gets_a_verdict_in_its_row_not_a_traceback(graded, name):
    assert CASES[name][1] in graded["rows"][name], graded["out"].stdout
    assert "Traceback" not in graded["out"].stdout + graded["out"].stderr


@pytest.mark.slow
def test_the_summary_counts_passes_and_the_exit_code_is_nonzero_unless_all_pass(graded):
    assert f"3 of {len(CASES) + 1} exercises passed" in graded["out"].stdout, graded["out"].stdout
    assert graded["out"].returncode == 1


@pytest.mark.slow
def test_the_notebooks_are_never_modified(graded):
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in graded["paths"]} == graded[
        "before"
    ]


@pytest.mark.slow
def test_the_terminal_table_has_no_tensorflow_warnings_and_terminal_wording(graded):
    out = graded["out"]
    assert "passed" in graded["rows"]["solved_06.ipynb"], out.stdout + out.stderr
    assert "AutoGraph" not in out.stdout + out.stderr and "WARNING" not in out.stdout + out.stderr
    words = " ".join(out.stdout.split())  # the advice is wrapped at 100 columns
    assert "run this cell" not in words and "save the notebook" in words
    assert "not attempted" in graded["rows"]["untouched.ipynb"]


@pytest.mark.slow
def test_the_table_has_a_header_and_fits_100_columns(graded):
    lines = graded["out"].stdout.splitlines()
    assert lines[0].split() == ["notebook", "exercise", "verdict"]
    assert max(map(len, lines)) <= 100


@pytest.mark.slow
def test_all_passed_exits_zero(tmp_path):
    out = _run_check(_with_answer(tmp_path, LESSON_01.name, cells.solution_source("adam_steps")))
    assert out.returncode == 0, out.stdout
    assert "1 of 1 exercises passed" in out.stdout


@pytest.mark.slow
def test_a_missing_notebook_is_named_not_a_traceback(tmp_path):
    out = _run_check(tmp_path / "nope.ipynb")
    assert out.returncode == 2 and "No such notebook" in out.stdout and "nope.ipynb" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_exercise_cells_match_the_solutions_source(capsys):
    assert sync_exercises.main(["--check"]) == 0, (
        "run `python tools/sync_exercises.py`:\n" + capsys.readouterr().out
    )


def test_navigation_is_current(capsys):
    assert navigation.main(["--check"]) == 0, (
        "run `python tools/navigation.py`:\n" + capsys.readouterr().out
    )


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
                assert f'check("{exercise_id}"' in follower, (
                    f"{path.name}: no check after {exercise_id}"
                )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ({"cell_type": "code", "metadata": {"lrlab": {"exercise": "adam_steps"}}}, "adam_steps"),
        ({"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "adam_steps"}}}, "adam_steps"),
        ({"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "check_adam_steps"}}}, None),
        ({"cell_type": "markdown", "metadata": {"lrlab": {"exercise": "adam_steps"}}}, None),
        ({"cell_type": "code", "metadata": {"lrlab": {"exercise": "no_such_id"}}}, None),
        ({"cell_type": "code", "metadata": {"lrlab": ["exercise"]}}, None),
        ({"cell_type": "code", "metadata": "tampered"}, None),
        ({"cell_type": "code"}, None),
        ("not a cell", None),
    ],
)
def test_one_reader_finds_an_exercise_cell_and_ignores_broken_metadata(cell, expected):
    assert grading.cell_exercise(cell) == expected
    if isinstance(cell, dict) and cell.get("cell_type") == "code":
        # The judge (class grading) reads hand-ins with the same function.
        from instructor import judge

        assert judge.exercise_sources([cell], ["adam_steps"]) == {
            "adam_steps": "" if expected else None
        }
