"""Write every exercise cell from `lrlab/solutions.py` (the student stub), or check they match.

    python tools/sync_exercises.py                       # rewrite stale exercise cells in every lesson
    python tools/sync_exercises.py notebooks/03_*.ipynb  # ... only in these notebooks
    python tools/sync_exercises.py --check               # exit 1 and list the cells that drifted

Careful: this overwrites exercise cells, answers included, and says which. It is for the
committed notebooks; `make check` grades a student's answers without touching them.
"""

import pathlib
import sys

import nbformat

from lrlab import grading

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"


def stale_cells(paths):
    """Yield (path, notebook, cell, expected source) for exercise cells that differ."""
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            exercise_id = cell.metadata.get("lrlab", {}).get("exercise")
            if exercise_id and cell.source != grading.student_source(exercise_id):
                yield path, nb, cell, grading.student_source(exercise_id)


def main(argv):
    """Sync (or with --check, only list) the exercise cells of the notebooks named in argv, else of every lesson."""
    check_only = "--check" in argv
    paths = [pathlib.Path(arg) for arg in argv if not arg.startswith("--")] or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    stale = list(stale_cells(paths))
    for path, nb, cell, source in stale:
        exercise_id = cell.metadata["lrlab"]["exercise"]
        if check_only:
            print(f"stale: {path.name} {exercise_id}")
        else:
            print(f"reset to the stub (its code was replaced): {path} exercise {exercise_id}")
            cell.source = source
            cell.outputs, cell.execution_count = [], None
            nbformat.write(nb, path)
    return 1 if check_only and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
