"""Write every exercise cell from `lrlab/solutions.py` (the student stub), or check they match.

    python tools/sync_exercises.py           # rewrite stale exercise cells
    python tools/sync_exercises.py --check   # exit 1 and list the cells that drifted

Careful: this overwrites exercise cells, answers included. It is for the committed notebooks.
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
    check_only = "--check" in argv
    paths = sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    stale = list(stale_cells(paths))
    for path, nb, cell, source in stale:
        print(f"{'stale' if check_only else 'updated'}: {path.name} {cell.metadata['lrlab']['exercise']}")
        if not check_only:
            cell.source = source
            cell.outputs, cell.execution_count = [], None
            nbformat.write(nb, path)
    return 1 if check_only and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
