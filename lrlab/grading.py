"""Exercise cells in notebooks: find them, and grade them (`make check`).

An exercise cell carries the metadata `{"lrlab": {"exercise": "<id>"}}` (and the tag
"exercise"). Its source is generated from the instructor's solutions (`instructor.cells`, not part
of this package). Grading runs only those cells, each in a fresh namespace, and hands
what they define to `lrlab.exercises.check`; the notebooks themselves are never modified.

Command line (what `make check` runs):

    python -m lrlab.grading [NOTEBOOK ...]    # default: notebooks/*.ipynb
"""

import json
import linecache
import logging
import pathlib
import sys

from lrlab import exercises

__all__ = ["exercise_cells", "run_cell", "grade", "main"]

# The verdict on an untouched exercise where grading reports it (a terminal or a CSV), not under its cell.
NOT_ATTEMPTED_HERE = (
    "replace `raise NotImplementedError` in its exercise cell with your code, save the notebook, "
    "then grade it again."
)


def exercise_cells(notebook):
    """[(exercise_id, source)] for every exercise cell of the notebook at path `notebook`."""
    cells = json.loads(pathlib.Path(notebook).read_text(encoding="utf-8"))["cells"]
    found = []
    for cell in cells:
        exercise_id = cell.get("metadata", {}).get("lrlab", {}).get("exercise")
        if exercise_id:
            source = cell["source"]
            found.append((exercise_id, "".join(source) if isinstance(source, list) else source))
    return found


def run_cell(exercise_id, source, judge=None):
    """Execute one exercise cell on its own; return the CheckResult for what it defines.

    `judge(exercise_id, answer)` gives the verdict on what the cell defines; by default
    `lrlab.exercises.check` (the autograder passes one that adds its hidden cases).
    """
    spec = exercises.EXERCISES[exercise_id]
    namespace = {"__name__": "__exercise__"}

    def failed(message):
        return exercises.CheckResult(exercise_id, exercises.FAILED, message)

    filename = f"<exercise {exercise_id}>"
    # Keep the cell's source findable, as IPython does for a cell: TensorFlow's AutoGraph reads
    # the source of a schedule's __call__ to compile it, and warns when it cannot.
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    try:
        code = compile(source, filename, "exec")
        exercises.run_with_timeout(exec, (code, namespace), 30)
    except SyntaxError as error:
        return failed(f"the cell has a SyntaxError on line {error.lineno}: {error.msg}.")
    except exercises.TimedOut:
        return failed("the cell did not finish running within 30 s.")
    except Exception as error:
        return failed(f"the cell raised {exercises.error_text(error)}.")
    if spec.name not in namespace:
        return failed(f"the cell no longer defines `{spec.name}`.")
    result = (judge or exercises.check)(exercise_id, namespace[spec.name])
    if result.status == exercises.NOT_ATTEMPTED:  # read in a terminal, not under the cell
        return exercises.CheckResult(exercise_id, result.status, NOT_ATTEMPTED_HERE)
    return result


def grade(notebooks):
    """[(notebook name, CheckResult)] for every exercise cell in `notebooks`, in order."""
    return [
        (pathlib.Path(path).name, run_cell(exercise_id, source))
        for path in notebooks
        for exercise_id, source in exercise_cells(path)
    ]


def main(argv=None):
    """Print a table exercise -> passed / failed / not attempted; exit 0 only if all pass."""
    logging.getLogger("tensorflow").setLevel(
        logging.ERROR
    )  # no TensorFlow warnings above the table
    paths = (sys.argv[1:] if argv is None else argv) or sorted(
        map(str, pathlib.Path("notebooks").glob("*.ipynb"))
    )
    missing = [path for path in paths if not pathlib.Path(path).is_file()]
    if missing:
        print("No such notebook: " + ", ".join(missing))
        return 2
    rows = grade(paths)
    if not rows:
        print("No exercise cells found in: " + ", ".join(paths))
        return 1
    width = max(len(r.exercise_id) for _, r in rows)
    nb_width = max(len(nb) for nb, _ in rows)
    for notebook, result in rows:
        print(
            f"{notebook:<{nb_width}}  {result.exercise_id:<{width}}  {result.status:<13}  {result.message}"
        )
    passed = sum(r.passed for _, r in rows)
    print(f"\n{passed} of {len(rows)} exercises passed.")
    return 0 if passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
