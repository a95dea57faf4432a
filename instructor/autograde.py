"""Release lessons and grade a class with nbgrader: what `make release` and `make grade` run.

    python -m instructor.autograde release [--course DIR] [NOTEBOOK ...]
    python -m instructor.autograde grade SUBMISSIONS [--course DIR] [--csv grades.csv] [--workers 2]

`release` builds nbgrader's course folder (default `build/nbgrader`): `source/<lesson>/` holds each
lesson with exercises, its exercise cells filled with the reference solutions and its check cells
with the hidden cases; `nbgrader generate_assignment` then writes the student version to
`release/<lesson>/` (solutions and hidden cases stripped) and records every cell in `gradebook.db`.

`grade` takes SUBMISSIONS laid out as nbgrader's `submitted/` folder,
`SUBMISSIONS/<student>/<lesson>/<lesson>.ipynb`, and grades each (student, lesson) with
`nbgrader autograde` in a private copy of the course folder, several at a time, each in its own
process group with a time limit and (on Linux as root, `instructor.cleanroom.jail`) in a jail
where it can write only to that copy and reach no other process: a cell can neither change
files outside it nor stop the others. Scores come from
`instructor.cleanroom` (see `instructor.nbgrader_plugin`); when nbgrader cannot run a notebook at
all (its kernel exits, it never finishes), the exercise cells are still graded on their own.
Then the scores go into the course's gradebook, `nbgrader export` writes the CSV, and each
student gets `feedback/<student>/<lesson>.txt`: one line per exercise, with the verdict.
"""

import argparse
import concurrent.futures
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

from instructor import cells, cleanroom

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
COURSE = ROOT / "build" / "nbgrader"

CONFIG = """# Written by instructor/autograde.py (`make release`); edit that file, not this one.
c = get_config()
c.CourseDirectory.course_id = "lrlab"
# nbgrader's stub is `raise NotImplementedError()`; the course's (tools/sync_exercises.py) has no ().
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError"}}
c.Execute.timeout = {cell_timeout}  # seconds per cell; a cell past it is interrupted and the run goes on
c.OverwriteCells.add_missing_cells = True  # a deleted check cell comes back (and is graded)
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "instructor.nbgrader_plugin.CleanRoomVerdicts",  # scores from a clean process, not the student's kernel
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
"""


# `python -m nbgrader`, minus one import: nbgrader loads jupyter_events, whose jsonschema then
# imports its optional IRI checker, rfc3987_syntax, which compiles a grammar for 1.5 s of the 3.5 s
# nbgrader takes to start, once per hand-in. Grading validates no IRIs; without it jsonschema just
# skips that format.
_NBGRADER = (
    "import sys; sys.modules['rfc3987_syntax'] = None; "
    "from nbgrader.apps.nbgraderapp import main; main()"
)


def _nbgrader(args, cwd, env=None, timeout=600, jailed=False):
    """Run `nbgrader ARGS` in `cwd`; returns (exit code or None on timeout, log text)."""
    command = [*(cleanroom.jail(cwd) if jailed else []), sys.executable, "-c", _NBGRADER, *args]
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env or _env(cwd),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=cleanroom.sandbox(),
        )
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            cleanroom._kill_group(process)
            code = None
        out.seek(0)
        return code, out.read()


def _env(home):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JUPYTER", "IPYTHON", "NBGRADER"))
    }
    # nbgrader runs `alembic` (its database migrations) from PATH: this Python's scripts come first.
    path = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", os.defpath)])
    home = pathlib.Path(home) / "home"  # a cell that deletes ~ deletes only this
    home.mkdir(exist_ok=True)
    env.update(
        PATH=path,
        HOME=str(home),
        PYTHONPATH=str(ROOT),
        MPLCONFIGDIR=str(home),
        MPLBACKEND="Agg",
        TMPDIR=str(home),
        IPYTHONDIR=str(pathlib.Path(home) / ".ipython"),
        JUPYTER_RUNTIME_DIR=str(pathlib.Path(home) / ".runtime"),
        TF_CPP_MIN_LOG_LEVEL="3",
        TF_ENABLE_ONEDNN_OPTS="0",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def lesson_exercises(path):
    """The exercise ids of the notebook at `path`, in order."""
    nb = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    return [
        c["metadata"]["lrlab"]["exercise"]
        for c in nb["cells"]
        if c.get("metadata", {}).get("lrlab", {}).get("exercise")
    ]


def source_notebook(path):
    """nbgrader's source version of the lesson at `path`: solutions and hidden cases in, outputs out."""
    nb = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    previous = None
    for cell in nb["cells"]:
        meta = cell.get("metadata", {})
        exercise_id = meta.get("lrlab", {}).get("exercise")
        checked = meta.get("lrlab", {}).get("check") or cells.check_cell_of(cell, previous)
        previous = exercise_id or previous
        if exercise_id:
            cell["source"] = cells.nbgrader_source(exercise_id)
            meta["nbgrader"] = cells.exercise_metadata(exercise_id)
        elif checked:
            cell["source"] = cells.test_source(checked)
            meta["nbgrader"] = cells.check_metadata(checked)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return nb


def release(course=COURSE, notebooks=None, cell_timeout=60):
    """Build `course`'s source folder from the lessons and run `nbgrader generate_assignment` on each."""
    course = pathlib.Path(course).resolve()
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(CONFIG.format(cell_timeout=cell_timeout))
    lessons = []
    for path in sorted(map(pathlib.Path, notebooks or NOTEBOOKS.glob("[0-9]*.ipynb"))):
        if not lesson_exercises(path):
            continue
        folder = course / "source" / path.stem
        folder.mkdir(parents=True, exist_ok=True)
        (folder / path.name).write_text(
            json.dumps(source_notebook(path), indent=1) + "\n", encoding="utf-8"
        )
        code, log = _nbgrader(["generate_assignment", path.stem, "--force"], cwd=course)
        if code != 0:
            raise RuntimeError(f"nbgrader generate_assignment {path.stem} failed:\n{log[-3000:]}")
        lessons.append(path.stem)
        print(f"released: {course / 'release' / path.stem / path.name}")
    return lessons


# ---- grading -----------------------------------------------------------------------------------


def _copy_regular_files(src, dest):
    """Copy the regular files under `src` (no symlinks, no special files) to `dest`."""
    for path in sorted(pathlib.Path(src).rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _problem_from_log(code, log, job_timeout):
    if code is None:
        return (
            f"the notebook did not finish running within {job_timeout:g} s, "
            "so its exercise cells were graded on their own."
        )
    if "DeadKernelError" in log or "Kernel died" in log or "kernel died" in log:
        return (
            "its kernel stopped while the notebook ran (does a cell exit Python?), "
            "so its exercise cells were graded on their own."
        )
    lines = [line for line in log.splitlines() if "[ERROR]" in line or "Error" in line]
    reason = lines[-1].strip()[:160] if lines else f"exit code {code}"
    return f"nbgrader could not run it ({reason}), so its exercise cells were graded on their own."


def grade_one(course, submissions, student, lesson, exercise_ids, index, scratch, job_timeout):
    """Autograde one student's lesson in a private copy of the course; returns a result dict."""
    start = time.perf_counter()
    result = {"student": student, "lesson": lesson, "problem": "", "verdicts": {}}
    handed_in = pathlib.Path(submissions) / student / lesson
    notebook = handed_in / f"{lesson}.ipynb"
    if not notebook.is_file() or notebook.is_symlink():
        found = sorted(p.name for p in handed_in.iterdir()) if handed_in.is_dir() else []
        result["problem"] = (
            f"no {lesson}.ipynb handed in"
            + (f" (found: {', '.join(found)})" if found else "")
            + "."
        )
        result["verdicts"] = {e: ("failed", "not handed in.") for e in exercise_ids}
        result["seconds"] = time.perf_counter() - start
        return result
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        assert isinstance(nb, dict) and isinstance(nb.get("cells"), list)
    except (ValueError, UnicodeDecodeError, AssertionError):
        result["problem"] = (
            f"{lesson}.ipynb is not a notebook (it is not nbformat JSON), so there is nothing to grade."
        )
        result["verdicts"] = {
            e: ("failed", "the notebook could not be read.") for e in exercise_ids
        }
        result["seconds"] = time.perf_counter() - start
        return result

    private = pathlib.Path(scratch) / f"job{index:04d}"
    private.mkdir()
    shutil.copy(course / "nbgrader_config.py", private)
    shutil.copy(course / "gradebook.db", private)
    shutil.copytree(course / "source" / lesson, private / "source" / lesson)
    _copy_regular_files(handed_in, private / "submitted" / student / lesson)
    code, log = _nbgrader(
        ["autograde", lesson, "--student", student, "--force"],
        cwd=private,
        env=_env(private),
        timeout=job_timeout,
        jailed=True,
    )
    autograded = private / "autograded" / student / lesson / f"{lesson}.ipynb"
    verdicts = None
    if code == 0 and autograded.is_file():
        try:
            verdicts = json.loads(autograded.read_text(encoding="utf-8"))["metadata"]["lrlab"][
                "verdicts"
            ]
        except (ValueError, KeyError, TypeError):
            verdicts = None
    if verdicts is None or set(verdicts) != set(exercise_ids):
        result["problem"] = _problem_from_log(code, log, job_timeout)
        verdicts = cleanroom.grade_cells(
            cleanroom.exercise_sources(nb["cells"], exercise_ids), jailed=True
        )
    result["verdicts"] = {e: tuple(verdicts[e]) for e in exercise_ids}
    result["log"] = log[-4000:]
    if autograded.is_file():  # for `nbgrader generate_feedback` in the course folder
        kept = course / "autograded" / student / lesson
        shutil.rmtree(kept, ignore_errors=True)
        kept.mkdir(parents=True)
        shutil.copyfile(autograded, kept / autograded.name)
    shutil.rmtree(private, ignore_errors=True)
    result["seconds"] = time.perf_counter() - start
    return result


def _record(course, results, students):
    """Write every result's scores into the course's gradebook (as nbgrader's autograde would)."""
    import warnings

    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    warnings.simplefilter("ignore", SAWarning)  # nbgrader 0.9.6's own, on SQLAlchemy 2.1
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "lrlab") as gb:
        for student in students:  # one with no lesson folder at all still gets a row (score 0)
            gb.update_or_create_student(student)
        for r in results:
            gb.update_or_create_student(r["student"])
            gb.update_or_create_submission(r["lesson"], r["student"])
            for exercise_id, (status, _) in r["verdicts"].items():
                grade = gb.find_grade(
                    cells.check_grade_id(exercise_id), r["lesson"], r["lesson"], r["student"]
                )
                grade.auto_score = float(cells.POINTS if status == "passed" else 0)
                grade.needs_manual_grade = False
            gb.db.commit()


def feedback_text(result):
    """The student's report on one lesson: a line per exercise, the verdict, and any problem with the notebook."""
    lines = [f"{result['lesson']} for {result['student']}"]
    if result["problem"]:
        lines.append(f"Note: {result['problem']}")
    got = 0
    for exercise_id, (status, message) in result["verdicts"].items():
        points = cells.POINTS if status == "passed" else 0
        got += points
        lines.append(f"{exercise_id}: {status} ({points}/{cells.POINTS}) {message}")
    lines.append(f"Score: {got} of {cells.POINTS * len(result['verdicts'])}")
    return "\n".join(lines) + "\n"


def grade(submissions, course=COURSE, csv=None, workers=2, job_timeout=300):
    """Grade every (student, lesson) in `submissions`; returns the results. See the module docstring."""
    course, submissions = pathlib.Path(course).resolve(), pathlib.Path(submissions).resolve()
    if not (course / "gradebook.db").is_file():
        raise ValueError(
            f"Argument `course` must be a released course folder (run `make release`). Received: course={str(course)!r}"
        )
    if not submissions.is_dir():
        raise ValueError(
            "Argument `submissions` must be a folder of <student>/<lesson>/ folders. "
            f"Received: submissions={str(submissions)!r}"
        )
    lessons = {
        p.name: lesson_exercises(next(p.glob("*.ipynb")))
        for p in sorted((course / "source").iterdir())
    }
    students = sorted(
        p.name for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")
    )
    jobs = [
        (s, lesson) for s in students for lesson in lessons if (submissions / s / lesson).is_dir()
    ]
    scratch = tempfile.mkdtemp(prefix="lrlab-grading-")
    os.chmod(scratch, 0o711)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(
                    grade_one,
                    course,
                    submissions,
                    s,
                    lesson,
                    lessons[lesson],
                    i,
                    scratch,
                    job_timeout,
                )
                for i, (s, lesson) in enumerate(jobs)
            ]
            results = [f.result() for f in futures]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _record(course, results, students)
    for r in results:
        folder = course / "feedback" / r["student"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{r['lesson']}.txt").write_text(feedback_text(r), encoding="utf-8")
    code, log = _nbgrader(["export", "--to", "grades.csv"], cwd=course)
    if code != 0:
        raise RuntimeError(f"nbgrader export failed:\n{log[-3000:]}")
    if csv:
        shutil.copy(course / "grades.csv", csv)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m instructor.autograde", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="build the nbgrader course folder and the student release")
    rel.add_argument("notebooks", nargs="*")
    rel.add_argument("--course", default=str(COURSE))
    rel.add_argument("--cell-timeout", type=int, default=60)
    gr = sub.add_parser(
        "grade", help="autograde SUBMISSIONS/<student>/<lesson>/ and export the CSV"
    )
    gr.add_argument("submissions")
    gr.add_argument("--course", default=str(COURSE))
    gr.add_argument("--csv", default="grades.csv")
    gr.add_argument("--workers", type=int, default=2)
    gr.add_argument(
        "--timeout", type=float, default=300, help="seconds per (student, lesson), all included"
    )
    args = parser.parse_args(argv)
    if args.command == "release":
        release(args.course, args.notebooks or None, args.cell_timeout)
        return 0
    start = time.perf_counter()
    try:
        results = grade(args.submissions, args.course, args.csv, args.workers, args.timeout)
    except ValueError as error:
        print(error)
        return 2
    for r in results:
        passed = sum(status == "passed" for status, _ in r["verdicts"].values())
        note = f"  ({r['problem']})" if r["problem"] else ""
        print(
            f"{r['student']:<20} {r['lesson']:<40} {passed}/{len(r['verdicts'])}  {r['seconds']:5.1f} s{note}"
        )
    print(
        f"\n{len(results)} submissions graded in {time.perf_counter() - start:.0f} s; CSV: {args.csv}; "
        f"feedback: {pathlib.Path(args.course) / 'feedback'}/<student>/<lesson>.txt"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
