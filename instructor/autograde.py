"""Release lessons and grade a class with nbgrader: what `make release` and `make grade` run.

    python -m instructor.autograde release [--course DIR] [NOTEBOOK ...]
    python -m instructor.autograde grade SUBMISSIONS [--course DIR] [--csv grades.csv] [--workers 2]

`release` builds nbgrader's course folder (default `build/nbgrader`): `source/<lesson>/` holds each
lesson with exercises, its exercise cells filled with the reference answers; nbgrader's
`generate_assignment` writes the student version to `release/<lesson>/` and records every cell in
`gradebook.db`. It writes `nbgrader_config.py` only if there is none: the instructor's settings
there (late penalties, anything else) stay; the few the course needs are passed on each run.

`grade` takes SUBMISSIONS laid out as nbgrader's `submitted/` folder,
`SUBMISSIONS/<student>/<lesson>/<lesson>.ipynb` (and nbgrader's `timestamp.txt`), and grades each
hand-in without running the lesson: its exercise cells (the last copy of each, as nbgrader keeps)
run after the lesson's setup cells in a sandbox (`instructor.sandbox`), and every verdict is
decided in this process (`instructor.judge`). Then, with nbgrader's own code: the scores and
submission times go into the gradebook, late penalties come from nbgrader's late-submission plugin
as `nbgrader_config.py` sets it, each hand-in gets its autograded notebook and nbgrader's HTML
feedback (`feedback/<student>/<lesson>/`), and `nbgrader export` writes the CSV (names included once
the roster is imported with `nbgrader db student import`). Each student also gets
`feedback/<student>/<lesson>.txt`, one line per exercise.
"""

import argparse
import concurrent.futures
import html
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

from instructor import cells, judge, sandbox
from lrlab import grading
from lrlab.exercises import framework

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
COURSE = ROOT / "build" / "nbgrader"
MAX_NOTEBOOK_BYTES = 20 * 1024**2

CONFIG = """# nbgrader's settings for this course: yours to edit (`make release` never overwrites this file).
c = get_config()
c.CourseDirectory.course_id = "lrlab"
# Late hand-ins: set a lesson's due date with
#   nbgrader db assignment add <lesson> --duedate="2027-01-15 17:00:00 UTC"
# and choose the penalty ("none", the default, or "zero"), or your own plugin class:
# c.LateSubmissionPlugin.penalty_method = "zero"
# c.AssignLatePenalties.plugin_class = "my_course.MyPenalty"
"""

# What the course needs whatever nbgrader_config.py says: its stubs are `raise NotImplementedError`
# (no parentheses), and nbgrader must not run student code (the sandbox does).
_NBGRADER_QUIET = "import sys; sys.modules['rfc3987_syntax'] = None; "


def _config(course):
    """nbgrader's Config: the course's nbgrader_config.py, then what the course needs."""
    sys.modules.setdefault("rfc3987_syntax", None)  # an IRI grammar nbgrader never uses: 1.5 s
    from traitlets.config import Config, PyFileConfigLoader

    path = pathlib.Path(course) / "nbgrader_config.py"
    config = (
        PyFileConfigLoader(path.name, str(path.parent)).load_config()
        if path.is_file()
        else Config()
    )
    config.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError"}
    config.CourseDirectory.root = str(pathlib.Path(course).resolve())
    if "course_id" not in config.CourseDirectory:
        config.CourseDirectory.course_id = "lrlab"
    return config


def _api(course, config=None):
    # nbgrader runs `alembic` (its database migrations) from PATH: this Python's scripts first.
    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", os.defpath)])
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = config or _config(course)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def lesson_exercises(path):
    """The exercise ids of the notebook at `path`, in order."""
    return [exercise_id for exercise_id, _ in grading.exercise_cells(path)]


def source_notebook(path):
    """nbgrader's source version of the lesson at `path`: reference answers in, outputs out."""
    nb = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        meta = cell.get("metadata", {})
        exercise_id, checked = grading.cell_exercise(cell), grading.cell_checks(cell)
        if exercise_id:
            cell["source"] = cells.nbgrader_source(exercise_id)
            meta["nbgrader"] = cells.exercise_metadata(exercise_id)
        elif checked:
            meta["nbgrader"] = cells.check_metadata(checked)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return nb


def release(course=COURSE, notebooks=None):
    """Build `course`'s source folder from the lessons and run nbgrader's generate_assignment."""
    course = pathlib.Path(course).resolve()
    course.mkdir(parents=True, exist_ok=True)
    if not (course / "nbgrader_config.py").exists():
        (course / "nbgrader_config.py").write_text(CONFIG)
    api, lessons = _api(course), []
    for path in sorted(map(pathlib.Path, notebooks or NOTEBOOKS.glob("[0-9]*.ipynb"))):
        if not lesson_exercises(path):
            continue
        folder = course / "source" / path.stem
        folder.mkdir(parents=True, exist_ok=True)
        (folder / path.name).write_text(
            json.dumps(source_notebook(path), indent=1) + "\n", encoding="utf-8"
        )
        done = api.generate_assignment(path.stem, force=True)
        if not done["success"]:
            raise RuntimeError(
                f"nbgrader generate_assignment {path.stem} failed:\n{done.get('log', '')[-3000:]}"
            )
        lessons.append(path.stem)
        print(f"released: {course / 'release' / path.stem / path.name}")
    return lessons


# ---- grading -----------------------------------------------------------------------------------


def _copy_regular_files(src, dest):
    """Copy the regular files under `src` (no symlinks, no special files) to `dest`."""
    for path in sorted(pathlib.Path(src).rglob("*")):
        if path.is_symlink() or not path.is_file() or any(p.is_symlink() for p in path.parents):
            continue
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _read_hand_in(folder, lesson):
    """(notebook dict, None) or (None, the problem) for a hand-in folder."""
    notebook = folder / f"{lesson}.ipynb"
    if not notebook.is_file():
        found = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        return None, f"no {lesson}.ipynb handed in" + (
            f" (found: {', '.join(found)})" if found else ""
        ) + "."
    if notebook.stat().st_size > MAX_NOTEBOOK_BYTES:
        return (
            None,
            f"{lesson}.ipynb is over {MAX_NOTEBOOK_BYTES // 1024**2} MB, so it was not graded.",
        )
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        assert isinstance(nb, dict) and isinstance(nb.get("cells"), list)
        assert all(isinstance(c, dict) and "cell_type" in c for c in nb["cells"])
    except (ValueError, UnicodeDecodeError, AssertionError):
        return (
            None,
            f"{lesson}.ipynb is not a notebook (it is not nbformat JSON), so there is nothing to grade.",
        )
    return nb, None


def lesson_plans(course):
    """{lesson: (exercise ids, setup cell sources)} from the course's source folder."""
    plans = {}
    for folder in sorted((pathlib.Path(course) / "source").iterdir()):
        path = folder / f"{folder.name}.ipynb"
        nb = json.loads(path.read_text(encoding="utf-8"))
        plans[folder.name] = (lesson_exercises(path), grading.setup_sources(nb["cells"]))
    return plans


def _students(submissions):
    return sorted(p.name for p in submissions.iterdir() if p.is_dir() and p.name[0] != ".")


def jobs(submissions, course=COURSE):
    """[(student, lesson)]: one per hand-in folder of a released lesson, in order."""
    submissions, lessons = pathlib.Path(submissions), lesson_plans(course)
    return [
        (s, lesson)
        for s in _students(submissions)
        for lesson in lessons
        if (submissions / s / lesson).is_dir()
    ]


def grade_one(submissions, student, lesson, course=COURSE, unsandboxed=False, plans=None):
    """The result of one hand-in: {student, lesson, problem, verdicts, seconds}, the notebook
    read from a private copy of its regular files (a symlink leads nowhere)."""
    start = time.perf_counter()
    exercise_ids, setup = (plans or lesson_plans(course))[lesson]
    with tempfile.TemporaryDirectory(prefix="lrlab-hand-in-") as private:
        _copy_regular_files(pathlib.Path(submissions) / student / lesson, pathlib.Path(private))
        nb, problem = _read_hand_in(pathlib.Path(private), lesson)
    if nb is None:
        verdicts = {
            e: framework.CheckResult(e, framework.FAILED, "not graded: " + problem)
            for e in exercise_ids
        }
    else:
        verdicts = judge.grade_notebook(nb["cells"], setup, exercise_ids, unsandboxed=unsandboxed)
    return {
        "student": student,
        "lesson": lesson,
        "problem": problem or "",
        "verdicts": {e: [v.status, v.message] for e, v in verdicts.items()},
        "seconds": time.perf_counter() - start,
    }


def _verdicts(result):
    return {
        e: framework.CheckResult(e, status, message)
        for e, (status, message) in result["verdicts"].items()
    }


def verdict_outputs(result):
    """A check cell's outputs for a verdict: its text, and an error unless it passed (which is
    how nbgrader scores a test cell when it shows the notebook)."""
    text = f"{result}\n"
    outputs = [{"output_type": "stream", "name": "stdout", "text": text}]
    if not result.passed:
        outputs.append(
            {
                "output_type": "error",
                "ename": "NotPassed",
                "evalue": f"{result.exercise_id}: {result.status}",
                "traceback": [text.rstrip()],
            }
        )
    return outputs


def _autograded(nb, result):
    """The hand-in as nbgrader's autograded notebook: every check cell shows its verdict."""
    by_check = {cells.check_grade_id(e): r for e, r in _verdicts(result).items()}
    for cell in nb["cells"]:
        grade_id = ((cell.get("metadata") or {}).get("nbgrader") or {}).get("grade_id")
        if cell.get("cell_type") == "code" and grade_id in by_check:
            cell["outputs"] = verdict_outputs(by_check.pop(grade_id))
    return nb


def _record(course, config, results, students, submitted):
    """Scores, submission times and late penalties into the gradebook, as nbgrader's autograde
    records them (the penalty from nbgrader's plugin, as `nbgrader_config.py` configures it)."""
    import warnings

    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties
    from sqlalchemy.exc import SAWarning

    warnings.simplefilter("ignore", SAWarning)  # nbgrader 0.9.6's own, on SQLAlchemy 2.1
    penalties = AssignLatePenalties(config=config)
    penalties.init_plugin()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "lrlab") as gb:
        for student in students:  # one with no lesson folder at all still gets a row (score 0)
            gb.update_or_create_student(student)
        for r in results:
            stamp = submitted / r["student"] / r["lesson"] / "timestamp.txt"
            extra = {"timestamp": stamp.read_text().strip()} if stamp.is_file() else {}
            try:
                submission = gb.update_or_create_submission(r["lesson"], r["student"], **extra)
            except ValueError:  # a timestamp nbgrader cannot read: graded as on time
                submission = gb.update_or_create_submission(r["lesson"], r["student"])
            for exercise_id, verdict in _verdicts(r).items():
                grade = gb.find_grade(
                    cells.check_grade_id(exercise_id), r["lesson"], r["lesson"], r["student"]
                )
                grade.auto_score = float(cells.POINTS if verdict.passed else 0)
                grade.needs_manual_grade = False
            gb.db.commit()
            notebook = gb.find_submission_notebook(r["lesson"], r["lesson"], r["student"])
            notebook.late_submission_penalty = None
            r["late"] = submission.total_seconds_late
            if submission.total_seconds_late > 0:
                penalty = penalties.plugin_inst.late_submission_penalty(
                    r["student"], notebook.score, submission.total_seconds_late
                )
                if penalty is not None:
                    notebook.late_submission_penalty = min(max(penalty, 0), notebook.score)
            r["penalty"] = notebook.late_submission_penalty or 0
            gb.db.commit()


def feedback_text(result):
    """The student's report on one lesson: a line per exercise, the verdict, and any problem."""
    lines = [f"{result['lesson']} for {result['student']}"]
    if result["problem"]:
        lines.append(f"Note: {result['problem']}")
    got = 0
    for exercise_id, verdict in _verdicts(result).items():
        points = cells.POINTS if verdict.passed else 0
        got += points
        # Read in a file, not under the cell: the advice `make check` prints, not "run this cell".
        message = (
            grading.NOT_ATTEMPTED_HERE
            if verdict.status == framework.NOT_ATTEMPTED
            else verdict.message
        )
        lines.append(f"{exercise_id}: {verdict.status} ({points}/{cells.POINTS}) {message}")
    total = cells.POINTS * len(result["verdicts"])
    if result.get("penalty"):
        lines.append(
            f"Late by {result['late'] / 3600:.1f} h: penalty {result['penalty']:g} point(s)."
        )
        got -= result["penalty"]
    lines.append(f"Score: {got:g} of {total}")
    return "\n".join(lines) + "\n"


def _feedback(course, api, results):
    """nbgrader's HTML feedback for each hand-in (ours, with the same lines, where nbgrader has
    no notebook to show), and the text report."""

    def page_of(r):
        return course / "feedback" / r["student"] / r["lesson"] / f"{r['lesson']}.html"

    for r in results:
        page_of(r).unlink(missing_ok=True)  # a page from an earlier grading is not this one's
    # One nbgrader run per lesson converts every autograded hand-in of it (a run per hand-in
    # paid nbgrader's start each time); one that fails to convert gets our page below.
    for lesson in sorted({r["lesson"] for r in results}):
        if any(
            (course / "autograded" / r["student"] / lesson).is_dir()
            for r in results
            if r["lesson"] == lesson
        ):
            api.generate_feedback(lesson, force=True)
    for r in results:
        folder = course / "feedback" / r["student"]
        folder.mkdir(parents=True, exist_ok=True)
        text = feedback_text(r)
        (folder / f"{r['lesson']}.txt").write_text(text, encoding="utf-8")
        page = page_of(r)
        if (course / "autograded" / r["student"] / r["lesson"]).is_dir() and page.is_file():
            continue
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(
            f"<!doctype html><meta charset=utf-8><title>{html.escape(r['lesson'])}</title>"
            f"<pre>{html.escape(text)}</pre>\n",
            encoding="utf-8",
        )


def _check_folders(submissions, course):
    if not (course / "gradebook.db").is_file():
        raise ValueError(
            f"Argument `course` must be a released course folder (run `make release`). Received: course={str(course)!r}"
        )
    if not submissions.is_dir():
        raise ValueError(
            "Argument `submissions` must be a folder of <student>/<lesson>/ folders. "
            f"Received: submissions={str(submissions)!r}"
        )


def _check_sandbox(unsandboxed):
    works, why = sandbox.available()
    if not works and not unsandboxed:
        raise ValueError(
            f"No sandbox for student code here: {why}. Install bubblewrap (`make sandbox-deps`), "
            "or grade without one, knowing that student code then runs as you: "
            "`make grade UNSANDBOXED=1` (--unsandboxed)."
        )


def record(submissions, results, course=COURSE, csv=None):
    """Record `results` (from `grade_one`) in nbgrader's gradebook, write each hand-in's
    autograded notebook and feedback, and export the CSV (see the module docstring)."""
    course, submissions = pathlib.Path(course).resolve(), pathlib.Path(submissions).resolve()
    config = _config(course)
    with tempfile.TemporaryDirectory(prefix="lrlab-record-") as scratch:
        private = pathlib.Path(scratch)
        for r in results:
            _copy_regular_files(
                submissions / r["student"] / r["lesson"], private / r["student"] / r["lesson"]
            )
        _record(course, config, results, _students(submissions), private)
        for r in results:  # nbgrader's autograded/ folder, which its feedback and formgrader read
            folder = course / "autograded" / r["student"] / r["lesson"]
            shutil.rmtree(folder, ignore_errors=True)
            nb, _ = _read_hand_in(private / r["student"] / r["lesson"], r["lesson"])
            if nb is not None:
                _copy_regular_files(private / r["student"] / r["lesson"], folder)
                (folder / f"{r['lesson']}.ipynb").write_text(
                    json.dumps(_autograded(nb, r), indent=1), encoding="utf-8"
                )
    _feedback(course, _api(course, config), results)
    export = subprocess.run(
        [
            sys.executable,
            "-c",
            _NBGRADER_QUIET + "from nbgrader.apps.nbgraderapp import main; main()",
            "export",
            "--to",
            "grades.csv",
        ],
        cwd=course,
        capture_output=True,
        text=True,
    )
    if export.returncode != 0:
        raise RuntimeError(f"nbgrader export failed:\n{(export.stdout + export.stderr)[-3000:]}")
    if csv:
        shutil.copy(course / "grades.csv", csv)


def grade(submissions, course=COURSE, csv=None, workers=2, unsandboxed=False):
    """Grade every hand-in in `submissions`, `workers` at a time, then `record` them; returns the results."""
    course, submissions = pathlib.Path(course).resolve(), pathlib.Path(submissions).resolve()
    _check_folders(submissions, course)
    _check_sandbox(unsandboxed)
    plans = lesson_plans(course)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(grade_one, submissions, s, lesson, course, unsandboxed, plans)
            for s, lesson in jobs(submissions, course)
        ]
        results = [f.result() for f in futures]
    record(submissions, results, course, csv)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m instructor.autograde", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="build the nbgrader course folder and the student release")
    rel.add_argument("notebooks", nargs="*")
    commands = {
        "grade": "grade every hand-in in SUBMISSIONS/<student>/<lesson>/ and export the CSV",
        "jobs": "list the hand-ins, one `STUDENT LESSON` line each (for a scheduler's job array)",
        "grade-one": "grade one hand-in, writing RESULTS/<student>/<lesson>.json",
        "record": "record every RESULTS/<student>/<lesson>.json, write feedback, export the CSV",
    }
    parsers = {name: sub.add_parser(name, help=text) for name, text in commands.items()}
    for name, p in [("release", rel), *parsers.items()]:
        p.add_argument("--course", default=str(COURSE))
        if name != "release":
            p.add_argument("submissions")
    parsers["grade-one"].add_argument("student")
    parsers["grade-one"].add_argument("lesson")
    for name in ("grade-one", "record"):
        parsers[name].add_argument("--results", default="results")
    for name in ("grade", "record"):
        parsers[name].add_argument("--csv", default="grades.csv")
    for name in ("grade", "grade-one"):
        parsers[name].add_argument(
            "--unsandboxed", action="store_true", help="run student code without a sandbox"
        )
    parsers["grade"].add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if args.command == "release":
        release(args.course, args.notebooks or None)
        return 0
    course, submissions = (
        pathlib.Path(args.course).resolve(),
        pathlib.Path(args.submissions).resolve(),
    )
    try:
        _check_folders(submissions, course)
        if args.command == "jobs":
            print("\n".join(f"{s} {lesson}" for s, lesson in jobs(submissions, course)))
            return 0
        if args.command == "grade-one":
            _check_sandbox(args.unsandboxed)
            result = grade_one(submissions, args.student, args.lesson, course, args.unsandboxed)
            out = pathlib.Path(args.results) / args.student / f"{args.lesson}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(result), encoding="utf-8")
            return 0
        start = time.perf_counter()
        if args.command == "record":
            paths = sorted(pathlib.Path(args.results).glob("*/*.json"))
            results = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
            record(submissions, results, course, args.csv)
        else:
            results = grade(submissions, course, args.csv, args.workers, args.unsandboxed)
    except ValueError as error:
        print(error)
        return 2
    for r in results:
        passed = sum(status == framework.PASSED for status, _ in r["verdicts"].values())
        note = f"  ({r['problem']})" if r["problem"] else ""
        print(
            f"{r['student']:<20} {r['lesson']:<40} {passed}/{len(r['verdicts'])}  {r['seconds']:5.1f} s{note}"
        )
    print(
        f"\n{len(results)} hand-ins graded in {time.perf_counter() - start:.0f} s; CSV: {args.csv}; "
        f"feedback: {course / 'feedback'}/<student>/<lesson>.txt (and .html)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
