"""Write every exercise cell and check cell from the reference answers in `instructor/lessonNN.py`, or check they match.

    python tools/sync_exercises.py                       # rewrite stale exercise cells in every lesson
    python tools/sync_exercises.py notebooks/03_*.ipynb  # ... only in these notebooks
    python tools/sync_exercises.py --check               # exit 1 and list the cells that drifted

An exercise cell's source is the student stub (`instructor.cells.student_source`); it and the
check cell after it carry nbgrader's metadata (an autograded answer; a locked autograded test
worth its points) and the course's own (`lrlab.exercise` / `lrlab.check`), so that `make release`
can hand the lessons to nbgrader. Careful: a stale source is overwritten, answers included, and
the cell's outputs cleared (each one is printed); metadata alone is updated in place, outputs kept.
It is for the committed notebooks; `make check` grades a student's answers without touching them.
"""

import pathlib
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from instructor import cells  # noqa: E402
from lrlab import grading  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"


def _wanted(nb):
    """Yield (cell, source, lrlab metadata, nbgrader metadata) for each exercise cell and its check cell."""
    for i, cell in enumerate(nb.cells):
        exercise_id = grading.cell_exercise(cell)
        if not exercise_id:
            continue
        yield (
            cell,
            cells.student_source(exercise_id),
            {"exercise": exercise_id},
            cells.exercise_metadata(exercise_id),
        )
        follower = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
        if follower is not None and (
            grading.cell_checks(follower) == exercise_id
            or cells.check_cell_of(follower, exercise_id)
        ):
            yield (
                follower,
                cells.check_source(exercise_id),
                {"check": exercise_id},
                cells.check_metadata(exercise_id),
            )


def stale_cells(paths):
    """Yield (path, notebook, cell, expected source, lrlab metadata, nbgrader metadata) for cells that differ."""
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for cell, source, lrlab_meta, nbgrader_meta in _wanted(nb):
            if (
                cell.source != source
                or cell.metadata.get("nbgrader") != nbgrader_meta
                or any(cell.metadata.get("lrlab", {}).get(k) != v for k, v in lrlab_meta.items())
            ):
                yield path, nb, cell, source, lrlab_meta, nbgrader_meta


def main(argv):
    """Sync (or with --check, only list) the exercise cells of the notebooks named in argv, else of every lesson."""
    check_only = "--check" in argv
    paths = [pathlib.Path(arg) for arg in argv if not arg.startswith("--")] or sorted(
        NOTEBOOKS.glob("[0-9]*.ipynb")
    )
    stale = list(stale_cells(paths))
    for path, nb, cell, source, lrlab_meta, nbgrader_meta in stale:
        what = next(iter(lrlab_meta.items()))
        if check_only:
            print(f"stale: {path.name} {what[0]} {what[1]}")
            continue
        if cell.source != source:
            print(f"reset to the stub (its code was replaced): {path} {what[0]} {what[1]}")
            cell.source = source
            cell.outputs, cell.execution_count = [], None
        else:
            print(f"metadata updated: {path} {what[0]} {what[1]}")
        cell.metadata.setdefault("lrlab", {}).update(lrlab_meta)
        cell.metadata["nbgrader"] = nbgrader_meta
        nbformat.write(nb, path)
    return 1 if check_only and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
