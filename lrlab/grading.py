"""Exercise cells in notebooks: find them, and grade them (`make check`).

An exercise cell carries the metadata `{"lrlab": {"exercise": "<id>"}}` (and the tag
"exercise"). Its source is generated from the instructor's solutions (`instructor.cells`, not part
of this package). Grading runs only those cells, after the lesson's Setup cells in one namespace
(as in the notebook, and as class grading runs them), and hands what they define to
`lrlab.exercises.check`; the notebooks themselves are never modified.

Command line (what `make check` runs):

    python -m lrlab.grading [NOTEBOOK ...]    # default: notebooks/*.ipynb
"""

import contextlib
import io
import json
import linecache
import logging
import pathlib
import sys
import textwrap

from lrlab import exercises

__all__ = [
    "cell_exercise",
    "cell_checks",
    "cell_source",
    "setup_sources",
    "exercise_cells",
    "cell_failure",
    "cell_answer",
    "run_cell",
    "grade",
    "main",
]

# The verdict on an untouched exercise where grading reports it (a terminal, a feedback file), not
# under its cell.
NOT_ATTEMPTED_HERE = (
    "replace `raise NotImplementedError` in its exercise cell with your code, save the notebook, "
    "then grade it again."
)


def _metadata_field(cell, section, field):
    """cell.metadata[section][field], or None wherever the cell (a student's, maybe broken) lacks it."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    part = metadata.get(section) if isinstance(metadata, dict) else None
    return part.get(field) if isinstance(part, dict) else None


def cell_exercise(cell):
    """The id of the exercise that notebook cell `cell` (an nbformat dict) answers, else None.

    The one reader of exercise-cell metadata, for `make check`, class grading and the course's
    tools: `{"lrlab": {"exercise": id}}`, or nbgrader's `grade_id` (the id itself on an answer
    cell) where a hand-in lost the first. Only code cells naming a known exercise count.
    """
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return None
    for section, field in (("lrlab", "exercise"), ("nbgrader", "grade_id")):
        found = _metadata_field(cell, section, field)
        if isinstance(found, str) and found in exercises.EXERCISES:
            return found
    return None


def cell_checks(cell):
    """The id of the exercise whose check cell `cell` is (`{"lrlab": {"check": id}}`), else None."""
    found = _metadata_field(cell, "lrlab", "check")
    return found if isinstance(found, str) and found in exercises.EXERCISES else None


def cell_source(cell):
    """A cell's source as one string (nbformat stores a string or a list of lines)."""
    source = cell.get("source", "")
    return "".join(map(str, source)) if isinstance(source, list) else str(source)


def setup_sources(cells):
    """The code cells under the lesson's "## Setup" heading (imports, `lrlab.setup()`)."""
    sources, inside = [], False
    for cell in cells:
        source = cell_source(cell)
        if cell["cell_type"] == "markdown" and source.lstrip().startswith("#"):
            inside = source.lstrip().splitlines()[0].strip("# ").lower() == "setup"
        elif inside and cell["cell_type"] == "code":
            sources.append(source)
    return sources


def _cells(notebook):
    return json.loads(pathlib.Path(notebook).read_text(encoding="utf-8"))["cells"]


def exercise_cells(notebook):
    """[(exercise_id, source)] for every exercise cell of the notebook at path `notebook`."""
    return [(cell_exercise(c), cell_source(c)) for c in _cells(notebook) if cell_exercise(c)]


def cell_failure(source, filename, namespace, seconds=30.0):
    """Run a cell's `source` in `namespace` within `seconds`: None, or what went wrong (a verdict).

    The source stays findable under `filename`, as IPython keeps a cell's: TensorFlow's AutoGraph
    reads the source of a schedule's __call__ to compile it, and warns when it cannot.
    """
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    try:
        exercises.run_with_timeout(exec, (compile(source, filename, "exec"), namespace), seconds)
    except SyntaxError as error:
        return f"the cell has a SyntaxError on line {error.lineno}: {error.msg}."
    except exercises.TimedOut:
        return f"the cell did not finish running within {seconds:g} s."
    except (Exception, exercises.ShortcutUsed) as error:  # ShortcutUsed is a BaseException
        return f"the cell raised {exercises.error_text(error)}."
    return None


def set_up(sources):
    """The namespace a lesson's Setup cells leave (their printing hidden). Never cut short, which
    could leave TensorFlow half imported; a cell's problem is the lesson's, not an exercise's:
    the exercises that need what it defines then fail."""
    namespace = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for i, source in enumerate(sources):
            cell_failure(source, f"<setup cell {i}>", namespace, seconds=600.0)
    return namespace


def cell_answer(exercise_id, source, namespace, seconds=30.0):
    """(answer, None) from running an exercise cell in `namespace`, or (None, what went wrong):
    the cell failed, or no longer defines the answer. Whether the answer is the student's own is
    `exercises.refusal`'s to say (`check` asks it)."""
    name = exercises.EXERCISES[exercise_id].name
    problem = cell_failure(source, f"<exercise {exercise_id}>", namespace, seconds)
    if not problem and name not in namespace:
        problem = f"the cell no longer defines `{name}`."
    return (None, problem) if problem else (namespace[name], None)


def run_cell(exercise_id, source, namespace=None):
    """Execute one exercise cell in `namespace` (default: a fresh one); return the CheckResult
    for what it defines."""
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    if "keras" in source or "tensorflow" in source:
        # TensorFlow's first import (5 s, several times that on a busy machine) is not the
        # student's time: pay it before the cell's 30 s start.
        from lrlab.notebook import quiet_tensorflow

        quiet_tensorflow()
        import keras  # noqa: F401
    answer, problem = cell_answer(exercise_id, source, namespace)
    if problem:
        return exercises.CheckResult(exercise_id, exercises.FAILED, problem)
    result = exercises.check(exercise_id, answer)
    if result.status == exercises.NOT_ATTEMPTED:  # read in a terminal, not under the cell
        return exercises.CheckResult(exercise_id, result.status, NOT_ATTEMPTED_HERE)
    return result


def grade(notebooks):
    """[(notebook name, CheckResult)] for every exercise cell in `notebooks`, in order: each
    notebook's exercise cells run after its Setup cells, in one namespace."""
    rows = []
    for path in notebooks:
        found = exercise_cells(path)
        namespace = set_up(setup_sources(_cells(path))) if found else None
        rows += [(pathlib.Path(path).name, run_cell(e, s, namespace)) for e, s in found]
    return rows


def table(rows, width=100):
    """The terminal table: a header, a row per exercise (notebook, exercise, verdict), a failed
    exercise's reason under its row, wrapped at `width` columns, and the advice on unattempted
    exercises once at the end."""
    nb_width = max(len("notebook"), *(len(nb) for nb, _ in rows))
    id_width = max(len("exercise"), *(len(r.exercise_id) for _, r in rows))
    lines = [f"{'notebook':<{nb_width}}  {'exercise':<{id_width}}  verdict"]
    for notebook, result in rows:
        lines.append(f"{notebook:<{nb_width}}  {result.exercise_id:<{id_width}}  {result.status}")
        if result.status == exercises.FAILED:
            lines += textwrap.wrap(
                result.message, width, initial_indent="    ", subsequent_indent="    "
            )
    passed = sum(r.passed for _, r in rows)
    lines.append(f"\n{passed} of {len(rows)} exercises passed.")
    if any(r.status == exercises.NOT_ATTEMPTED for _, r in rows):
        lines += textwrap.wrap("Not attempted: " + NOT_ATTEMPTED_HERE, width)
    return "\n".join(lines)


def main(argv=None):
    """Print the table of verdicts. Exit 0 when every exercise passed, 1 when some have not (yet),
    2 when a notebook is missing: `make check` reports the 1 as the table, not as an error."""
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
    print(table(rows))
    return 0 if all(r.passed for _, r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
