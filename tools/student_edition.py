"""Write the student edition: the course without `instructor/` and without any solution text.

    python tools/student_edition.py [DEST]    # default build/student-edition (`make student-edition`)

An instructor who grades gives students this folder (or publishes it as its own repository):
the lessons with their exercise cells as stubs, `lrlab`, and what `make lab` and `make check`
need. Left out: `instructor/` (reference answers, hidden cases, the autograder), `tests/` (their
tables of right answers), `benchmarks/`, CI, and the instructors' and developers' make targets
(tools/instructor.mk, tools/develop.mk, which the Makefile only includes where they exist).
The README keeps its sections for students. Files are copied with their times, so a `.venv` made
from the course still counts as up to date.
"""

import pathlib
import re
import shutil
import sys

import nbformat

from lrlab import grading

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_DEST = ROOT / "build" / "student-edition"
# What a student needs, as globs from the course root; nothing else is copied.
KEEP = [
    "notebooks/*.ipynb",
    "lrlab/*.py",
    "lrlab/*/*.py",
    "lrlab/explorers/*.js",  # the explorers' ES modules and style, which their classes read
    "lrlab/explorers/*.css",
    "Makefile",
    "pyproject.toml",
    "environment.yml",
    "postBuild",
    ".gitignore",
    "tools/constraints.txt",
    "tools/jupyterlab-overrides.json",
]
# The README's sections a student reads (its title and introduction come first, always).
README_SECTIONS = ["Students", "What the course contains", "Other ways to run the course"]
_SOLUTION = re.compile(r"^ *### (BEGIN|END) SOLUTION", re.M)


def files():
    """The course files the edition holds, relative to the course root, sorted."""
    found = {p.relative_to(ROOT) for pattern in KEEP for p in ROOT.glob(pattern) if p.is_file()}
    return sorted(found)


def student_readme(text):
    """The README with only the title, the introduction and the sections in README_SECTIONS."""
    parts = re.split(r"(?m)^(?=## )", text)
    kept = [parts[0]] + [p for p in parts[1:] if p[3:].splitlines()[0].strip() in README_SECTIONS]
    note = (
        "This is the student edition: the lessons, `lrlab` and `make check`. Reference answers, "
        "hidden cases and the course's tests stay with your instructor.\n\n"
    )
    first = kept[0].rstrip("\n") + "\n\n" + note
    return first + "".join(kept[1:]).rstrip("\n") + "\n"


def unsolved(path):
    """Problems that would hand an answer to a student: solution markers, or an exercise cell
    that is not its stub (`raise NotImplementedError`)."""
    problems = []
    if path.suffix == ".ipynb":
        for cell in nbformat.read(path, as_version=4).cells:
            exercise = grading.cell_exercise(cell)
            if exercise and "raise NotImplementedError" not in cell.source:
                problems.append(f"{path.name}: exercise {exercise} is not a stub")
            if _SOLUTION.search(cell.source):
                problems.append(f"{path.name}: solution markers in a cell")
    elif _SOLUTION.search(path.read_text(encoding="utf-8", errors="replace")):
        problems.append(f"{path}: solution markers")
    return problems


def build(dest=DEFAULT_DEST):
    """Write the edition into `dest` (replaced if it exists); return its path."""
    dest = pathlib.Path(dest).resolve()
    if dest == ROOT or ROOT.is_relative_to(dest):
        raise ValueError(
            f"`dest` must be a new folder outside the course's own. Received: dest={dest}"
        )
    problems = [p for name in files() for p in unsolved(ROOT / name)]
    if problems:
        raise ValueError("Not writing a student edition:\n  " + "\n  ".join(problems))
    shutil.rmtree(dest, ignore_errors=True)
    for name in files():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)
    readme = dest / "README.md"
    readme.write_text(
        student_readme((ROOT / "README.md").read_text(encoding="utf-8")), encoding="utf-8"
    )
    shutil.copystat(ROOT / "README.md", readme)
    return dest


def main(argv):
    dest = build(argv[0] if argv else DEFAULT_DEST)
    print(f"Student edition written to {dest} ({len(files()) + 1} files).")
    print(
        "Give students this folder (or publish it as its own repository): `make lab`, `make check`."
    )


if __name__ == "__main__":
    main(sys.argv[1:])
