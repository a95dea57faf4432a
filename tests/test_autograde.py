"""The instructors' path on nbgrader (instructor/): release, then grade a class of every kind of hand-in.

One class of 25 synthetic submissions of lesson 01 (instructor/synthetic_class.py): right answers,
right on the visible cases only, wrong, blank, broken, endless, file-deleting, kernel-exiting,
grader-killing, check-editing, check-deleting, check-replacing, lrlab-patching, not a notebook,
another lesson. Each student's exact score in nbgrader's CSV, a readable reason in their
feedback, and no file outside the grading changed. The lesson is cut to its Setup and exercise
cells (synthetic_class.short_lesson): about 80 s on 2 cores (benchmarks/grading.py grades the
whole lesson's class of 30).
"""

import csv
import hashlib
import json
import pathlib
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow
pytest.importorskip("nbgrader")
from instructor import autograde, cells, cleanroom, synthetic_class  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
LESSON = synthetic_class.LESSON


def _tree_hashes(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(pathlib.Path(folder).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    top = tmp_path_factory.mktemp("class")
    course, submissions = top / "course", top / "submitted"
    # Every kind of hand-in, once (the right answer each of its three ways), on lesson 01 cut to its
    # Setup and exercise cells: the same grading path in a third of the time (the whole lesson's
    # class of 30 is benchmarks/grading.py's). A cell of the short lesson takes under 2 s: 10 s is ample.
    lesson = synthetic_class.short_lesson(
        ROOT / "notebooks" / f"{LESSON}.ipynb", top / f"{LESSON}.ipynb"
    )
    autograde.release(course, [lesson], cell_timeout=10)
    outside = (
        top / "outside"
    )  # stands for everything else on the machine: the repository, the course, ~
    outside.mkdir()
    (outside / "sentinel.txt").write_text("still here")
    # Without the jail (not root, or no `unshare`), the file-deleting student aims at nothing real.
    jailed = bool(cleanroom.jail(top))
    targets = (
        [outside / "sentinel.txt", outside, submissions / "right_00", course / "source"]
        if jailed
        else []
    )
    expected = synthetic_class.build_class(
        submissions, course / "release" / LESSON / f"{LESSON}.ipynb", targets, right_answers=3
    )
    before = {
        "submissions": _tree_hashes(submissions),
        "outside": _tree_hashes(outside),
        "source": _tree_hashes(course / "source"),
    }
    results = autograde.grade(
        submissions, course, csv=top / "grades.csv", workers=2, job_timeout=180
    )
    after = {
        "submissions": _tree_hashes(submissions),
        "outside": _tree_hashes(outside),
        "source": _tree_hashes(course / "source"),
    }
    return {
        "course": course,
        "submissions": submissions,
        "expected": expected,
        "results": results,
        "top": top,
        "before": before,
        "after": after,
        "jailed": jailed,
    }


def test_the_release_is_the_student_notebook_without_solutions_or_hidden_cases(graded):
    released = (graded["course"] / "release" / LESSON / f"{LESSON}.ipynb").read_text()
    source = (graded["course"] / "source" / LESSON / f"{LESSON}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" in source and "BEGIN SOLUTION" in source
    assert "HIDDEN" not in released and "SOLUTION" not in released and "instructor" not in released
    nb = json.loads(released)
    answer = next(
        c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "sgd_step"
    )
    assert "".join(answer["source"]) == cells.student_source("sgd_step")


def test_every_student_gets_the_exact_score_in_nbgraders_csv(graded):
    rows = list(csv.DictReader((graded["top"] / "grades.csv").open()))
    scores = {row["student_id"]: float(row["score"]) for row in rows if row["assignment"] == LESSON}
    assert len(graded["expected"]) == 25  # every kind of hand-in synthetic_class writes
    assert scores == {student: float(score) for student, (score, _) in graded["expected"].items()}
    assert all(float(row["max_score"]) == cells.POINTS for row in rows)


def test_every_student_gets_a_readable_report(graded):
    for student, (_, words) in graded["expected"].items():
        report = (graded["course"] / "feedback" / student / f"{LESSON}.txt").read_text()
        assert words in report, f"{student}: {report}"
        assert "Traceback" not in report and "Score: " in report


@pytest.mark.parametrize("folder", ["submissions", "outside", "source"])
def test_no_file_outside_a_students_own_folder_changed(graded, folder):
    if not graded["jailed"]:
        pytest.skip("the jail needs Linux, root and `unshare` (CI has them)")
    assert graded["after"][folder] == graded["before"][folder]
    assert graded["after"][folder], "the folder must hold files to protect"


def test_grading_a_missing_folder_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="course"):
        autograde.grade(tmp_path, tmp_path / "nope")


def test_importing_lrlab_grading_does_not_import_tensorflow():
    code = (
        "import sys, lrlab.grading; sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=120).returncode == 0
