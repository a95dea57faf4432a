"""The student edition (`make student-edition`) holds no answer and still works.

Its lessons run in the full suite: `make test` runs strict nbval on the notebooks of an edition it
writes first (build/suite/student-edition), so every lesson is executed there, once.
"""

import os
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest

from instructor import cells
from lrlab import exercises

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import student_edition  # noqa: E402


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    return student_edition.build(tmp_path_factory.mktemp("edition") / "lrlab-course")


def _texts(folder):
    return {p: p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file()}


def test_the_edition_leaves_out_the_instructor_the_tests_and_the_developers_targets(edition):
    top = {p.name for p in edition.iterdir()}
    assert {"notebooks", "lrlab", "Makefile", "README.md", "pyproject.toml"} <= top
    assert not top & {"instructor", "tests", "benchmarks", ".ci"}
    assert not (edition / "tools" / "instructor.mk").exists()
    assert not (edition / "tools" / "develop.mk").exists()
    targets = subprocess.run(["make", "-s", "help"], cwd=edition, capture_output=True, text=True)
    assert "make check" in targets.stdout and "make lab" in targets.stdout
    assert "make release" not in targets.stdout and "make test" not in targets.stdout


def test_no_file_of_the_edition_holds_an_answer(edition):
    texts = _texts(edition)
    for exercise_id in exercises.EXERCISES:
        solution = cells.nbgrader_source(exercise_id)
        block = re.search(r"### BEGIN SOLUTION\n(.*?)\n *### END SOLUTION", solution, re.S)
        assert block, exercise_id  # what the student writes
        for path, text in texts.items():
            assert "### BEGIN SOLUTION" not in text, path
            assert block.group(1) not in text, (exercise_id, path)


def test_the_lessons_and_lrlab_are_the_courses_own_with_stub_exercises(edition):
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        assert (edition / "notebooks" / path.name).read_bytes() == path.read_bytes(), path.name
    for path in (ROOT / "lrlab").rglob("*.py"):
        copy = edition / path.relative_to(ROOT)
        assert copy.read_bytes() == path.read_bytes(), copy
    stubs = {
        cell.metadata["lrlab"]["exercise"]: cell.source
        for path in (edition / "notebooks").glob("*.ipynb")
        for cell in nbformat.read(path, as_version=4).cells
        if "exercise" in cell.metadata.get("lrlab", {})
    }
    assert stubs == {e: cells.student_source(e) for e in exercises.EXERCISES}


def test_the_readme_keeps_the_students_sections_and_its_links_resolve(edition):
    readme = (edition / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"(?m)^#+ (.+)$", readme)
    assert "Students" in headings and "Instructors" not in headings
    anchors = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}
    for link in re.findall(r"\]\(#([^)]+)\)", readme):
        assert link in anchors, link
    for link in re.findall(r"\]\((?!https?:|#)([^)#]+)", readme):
        assert (edition / link).exists(), link


def test_a_bad_destination_is_refused_by_name():
    with pytest.raises(ValueError, match=r"`dest`.*Received: dest="):
        student_edition.build(ROOT)


@pytest.mark.slow
def test_make_check_in_the_edition_grades_every_exercise_without_the_instructor(edition):
    # -o install: this venv is the course's own (set up already); the edition's lrlab is imported
    # from the edition's folder (python -m puts the current folder first).
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    venv = str(pathlib.Path(sys.executable).parent.parent)
    run = subprocess.run(
        ["make", "-s", "-o", "install", "check", f"VENV={venv}"],
        cwd=edition,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for exercise_id in exercises.EXERCISES:
        assert re.search(rf"\b{exercise_id}\s+not attempted", run.stdout), exercise_id
    assert f"0 of {len(exercises.EXERCISES)} exercises passed" in run.stdout
    probe = "import lrlab, importlib.util; print(lrlab.__file__, importlib.util.find_spec('instructor'))"
    where = subprocess.run(
        [sys.executable, "-c", probe], cwd=edition, capture_output=True, text=True, env=env
    )
    assert where.stdout.split() == [str(edition / "lrlab" / "__init__.py"), "None"], where
