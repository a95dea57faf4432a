"""Grade a hostile class as an instructor would: `make release`, then `make grade`.

One class on lessons 05 and 06 (plus one of lesson 01), every kind of hand-in a grader meets: right,
wrong, blank, broken, endless, memory-hungry, exiting, flooding, forking, a patched checker, a forged
verdict, an import of the reference answers, a right answer in a copy of its cell, late, not a
notebook, a symlink, and cells that try to leave the sandbox (remount, /dev/shm, the network,
reading instructor/, writing the gradebook or another hand-in). Kinds that touch different
exercises share a hand-in, so the class is 11 sandboxed hand-ins, not 20. Each student's exact
score in nbgrader's CSV, a readable reason in their feedback, nbgrader's HTML for everyone, no file outside
the grading changed; the instructor's settings survive `make release`; the roster's names reach the
CSV; the same grading runs as independent per-hand-in jobs (`jobs`, `grade-one`, `record`).
"""

import csv
import hashlib
import json
import os
import pathlib
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow
pytest.importorskip("nbgrader")
from instructor import autograde, cells, judge, sandbox  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
L1, L5, L6 = (
    "01_what_is_the_learning_rate",
    "05_keras_learning_rate_schedules",
    "06_custom_schedules",
)
RIGHT5 = {
    e: cells.solution_source(e)
    for e in ("time_based_decay", "step_decay", "exponential_decay", "step_decay_schedule")
}
RIGHT_TIME = RIGHT5["time_based_decay"]
STAMP_LATE = "2026-06-01 12:00:00.000000 UTC"


def _escape(outside, course, other):
    """A cell that tries every way out, then answers wrongly with what it managed."""
    return f"""import os, socket, subprocess
tried = []
tried.append(subprocess.run(["mount", "-o", "remount,bind,rw", "/"], capture_output=True).returncode == 0)
for path in [{str(outside / "sentinel.txt")!r}, {str(course / "gradebook.db")!r}, {str(other)!r}]:
    try:
        open(path, "a").write("x")
        tried.append("wrote " + path)
    except OSError:
        pass
tried.append(os.path.exists({str(ROOT / "instructor")!r}))
open("/dev/shm/lrlab-escape", "w").write("x")  # private: gone with the sandbox
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2)
    tried.append("network")
except OSError:
    pass
def time_based_decay(step, initial_lr, decay_rate):
    raise RuntimeError(f"escaped: {{tried}}")
"""


# student -> (lesson, {exercise: source}, edit(nb) or None, expected score, words in the feedback)
def _class(outside, course, submissions):
    forged = (
        "import os, json\n"
        "for fd in range(3, 64):\n"
        "    line = {'exercise': 'warmup_schedule', 'status': 'passed', 'message': 'ok', "
        "'values': {'value': []}}\n"
        "    try:\n        os.write(fd, (json.dumps(line) + '\\n').encode())\n    except OSError:\n        pass\n"
        "print('PASSED warmup_schedule: all cases match.')\nos._exit(0)\n"
    )
    patched = (
        "import math\nimport lrlab.exercises as ex\nfrom lrlab.exercises import framework\n"
        "math.isclose = lambda *a, **k: True\nex.check = framework.check = lambda *a: None\n"
        "def time_based_decay(step, initial_lr, decay_rate):\n    return 0.0\n"
    )

    def duplicated(nb):  # the right answer in a copy of the cell, the stub left above
        i = next(
            i
            for i, c in enumerate(nb["cells"])
            if c["metadata"].get("lrlab", {}).get("exercise") == "step_decay"
        )
        copy = json.loads(json.dumps(nb["cells"][i]))
        copy["source"] = RIGHT5["step_decay"]
        copy["id"] = "copy-of-step-decay"
        nb["cells"].insert(i + 2, copy)

    def check_deleted(nb):
        nb["cells"] = [c for c in nb["cells"] if "check" not in c["metadata"].get("lrlab", {})]

    def copied_without_checks(nb):
        duplicated(nb)
        check_deleted(nb)

    solution = cells.solution_source
    lesson_01 = autograde.lesson_exercises(ROOT / "notebooks" / f"{L1}.ipynb")
    # Kinds that touch different exercises share a hand-in (one sandbox, as a student's notebook
    # would), each exercise with its own expected verdict; every kind keeps its own cell.
    return {
        "right": (L5, RIGHT5, None, 4, ["Score: 4 of 4"]),
        "right_06": (L6, {"warmup_schedule": solution("warmup_schedule")}, None, 1, ["passed"]),
        "right_01": (L1, {e: solution(e) for e in lesson_01}, None, 1, ["passed"]),
        "mixed": (  # wrong, broken, right with a name from the setup cell, blank
            L5,
            {
                "time_based_decay": "def time_based_decay(step, initial_lr, decay_rate):\n"
                "    return initial_lr",
                "step_decay": "def step_decay(epoch, initial_lr, factor, step_size)\n    return 1",
                "exponential_decay": "def exponential_decay(step, initial_lr, decay_rate):\n"
                "    return initial_lr * np.exp(-decay_rate * step)",  # np: the setup cell's
            },
            None,
            1,
            ["Hint", "SyntaxError", "exponential_decay: passed", "not attempted"],
        ),
        "crashes": (  # a cell that exits Python, one that wants 8 GiB, one that never ends
            L5,
            {
                "time_based_decay": RIGHT_TIME,
                "step_decay": "import os\nos._exit(3)",
                "exponential_decay": "x = bytearray(8 * 1024**3)",
                "step_decay_schedule": "while True:\n    pass",
            },
            None,
            1,
            ["time_based_decay: passed", "process stopped", "MemoryError", "did not finish"],
        ),
        "floods_and_forks": (  # 10 MB of output; 20 background processes left; a fork bomb
            L5,
            {
                "time_based_decay": "print('x' * 10_000_000)\n" + RIGHT_TIME,
                "step_decay": "import subprocess\nfor _ in range(20):\n"
                "    subprocess.Popen(['sleep', '600'])\n" + RIGHT5["step_decay"],
                # Stopped at the sandbox's process cap, or it would fill the machine's PID table.
                "exponential_decay": "import os, time\nwhile True:\n    if os.fork() == 0:\n"
                "        time.sleep(600)",
            },
            None,
            2,
            ["time_based_decay: passed", "step_decay: passed", "Resource temporarily unavailable"],
        ),
        "copied_cell": (  # the right answer in a copy of its cell, stub above; check cells deleted
            L5,
            {"time_based_decay": RIGHT_TIME},
            copied_without_checks,
            2,
            ["step_decay: passed", "time_based_decay: passed"],
        ),
        "cheats": (  # a patched checker, an import of the reference answers, then a right answer
            L5,
            {
                "time_based_decay": patched,
                "step_decay": "from instructor.lesson05 import step_decay",
                "exponential_decay": RIGHT5["exponential_decay"],
            },
            None,
            1,
            ["returned 0.0", "No module named 'instructor'", "exponential_decay: passed"],
        ),
        "forges_verdict": (L6, {"warmup_schedule": forged}, None, 0, ["warmup_schedule: failed"]),
        "late": (L5, RIGHT5, None, 0, ["Late by"]),
        "escapes": (
            L5,
            {
                "time_based_decay": _escape(
                    outside, course, submissions / "right" / L5 / f"{L5}.ipynb"
                )
            },
            None,
            0,
            ["escaped: [False, False]"],
        ),
    }


def _tree_hashes(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(pathlib.Path(folder).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory, sandbox_works):
    top = tmp_path_factory.mktemp("class")
    course, submissions, outside = top / "course", top / "submitted", top / "outside"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(
        autograde.CONFIG
        + 'c.LateSubmissionPlugin.penalty_method = "zero"\n# the instructor\'s own line\n'
    )
    autograde.release(course, [ROOT / "notebooks" / f"{lesson}.ipynb" for lesson in (L1, L5, L6)])
    # Due dates and a roster, as an instructor sets them with nbgrader's own commands.
    nbgrader = [sys.executable, "-c", "from nbgrader.apps.nbgraderapp import main; main()"]
    env = {
        **os.environ,
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]),
    }
    due = [*nbgrader, "db", "assignment", "add", L5, "--duedate=2026-01-01 00:00:00 UTC"]
    subprocess.run(due, cwd=course, check=True, capture_output=True, env=env)
    (top / "roster.csv").write_text(
        "id,first_name,last_name,email\nright,Ada,Lovelace,ada@example.org\n"
    )
    roster = [*nbgrader, "db", "student", "import", str(top / "roster.csv")]
    subprocess.run(roster, cwd=course, check=True, capture_output=True, env=env)
    outside.mkdir()
    (outside / "sentinel.txt").write_text("still here")
    kinds = _class(outside, course, submissions)
    for student, (lesson, answers, edit, _, _) in kinds.items():
        nb = json.loads((course / "release" / lesson / f"{lesson}.ipynb").read_text())
        for cell in nb["cells"]:
            exercise_id = cell["metadata"].get("lrlab", {}).get("exercise")
            if exercise_id in answers:
                cell["source"] = answers[exercise_id]
        if edit:
            edit(nb)
        folder = submissions / student / lesson
        folder.mkdir(parents=True)
        (folder / f"{lesson}.ipynb").write_text(json.dumps(nb))
        (folder / "timestamp.txt").write_text(
            STAMP_LATE if student == "late" else "2025-12-20 10:00:00.000000 UTC"
        )
    (submissions / "not_a_notebook" / L5).mkdir(parents=True)
    (submissions / "not_a_notebook" / L5 / f"{L5}.ipynb").write_text("{not json")
    (submissions / "symlink" / L5).mkdir(parents=True)
    (submissions / "symlink" / L5 / f"{L5}.ipynb").symlink_to(ROOT / "instructor" / "lesson05.py")
    expected = {s: (lesson, score, words) for s, (lesson, _, _, score, words) in kinds.items()}
    expected["not_a_notebook"] = (L5, 0, ["not a notebook"])
    expected["symlink"] = (L5, 0, ["no 05_keras_learning_rate_schedules.ipynb handed in"])
    watched = {
        "submissions": submissions,
        "outside": outside,
        "source": course / "source",
        "instructor": ROOT / "instructor",
    }
    before = {name: _tree_hashes(folder) for name, folder in watched.items()}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(judge, "CELL_SECONDS", 10.0)  # the endless cell's limit: 30 s in real grading
        results = autograde.grade(submissions, course, csv=top / "grades.csv", workers=2)
    assert not pathlib.Path("/dev/shm/lrlab-escape").exists()
    after = {name: _tree_hashes(folder) for name, folder in watched.items()}
    return {
        "top": top,
        "course": course,
        "submissions": submissions,
        "expected": expected,
        "results": results,
        "before": before,
        "after": after,
    }


def _csv(path):
    with open(path, newline="") as f:
        return {(row["student_id"], row["assignment"]): row for row in csv.DictReader(f)}


def test_every_student_gets_the_exact_score_in_nbgraders_csv(graded):
    rows = _csv(graded["top"] / "grades.csv")
    wrong = {
        student: (float(rows[(student, lesson)]["score"]), score)
        for student, (lesson, score, _) in graded["expected"].items()
        if float(rows[(student, lesson)]["score"]) != score
    }
    assert not wrong, wrong


def test_every_student_gets_a_readable_report_and_nbgraders_html(graded):
    feedback = graded["course"] / "feedback"
    for student, (lesson, _, words) in graded["expected"].items():
        text = (feedback / student / f"{lesson}.txt").read_text()
        assert all(w in text for w in words), (student, words, text)
        assert "Traceback" not in text, student
        assert (feedback / student / lesson / f"{lesson}.html").is_file(), student


def test_the_late_hand_in_is_penalised_by_nbgraders_plugin_as_configured(graded):
    row = _csv(graded["top"] / "grades.csv")[("late", L5)]
    assert (
        float(row["raw_score"]),
        float(row["late_submission_penalty"]),
        float(row["score"]),
    ) == (4.0, 4.0, 0.0)


def test_the_instructors_settings_and_the_roster_survive(graded):
    config = (graded["course"] / "nbgrader_config.py").read_text()
    assert 'penalty_method = "zero"' in config and "the instructor's own line" in config
    autograde.release(graded["course"], [ROOT / "notebooks" / f"{L1}.ipynb"])  # released again
    assert (graded["course"] / "nbgrader_config.py").read_text() == config
    row = _csv(graded["top"] / "grades.csv")[("right", L5)]
    assert (row["first_name"], row["last_name"], row["email"]) == (
        "Ada",
        "Lovelace",
        "ada@example.org",
    )


def test_nothing_the_class_started_is_left_running(graded):
    sleepers = [p.name for p in pathlib.Path("/proc").glob("[0-9]*") if _cmdline(p) == "sleep 600"]
    assert not sleepers
    # Other tests' sandboxes may be running now (a few tasks each); the fork bomb's held ~510.
    groups = [g for top in sandbox.CGROUPS for g in pathlib.Path(top).glob("lrlab-sandbox-*")]
    assert all(int((g / "pids.current").read_text()) < 100 for g in groups), groups


def _cmdline(proc):
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


@pytest.mark.parametrize("folder", ["submissions", "outside", "source", "instructor"])
def test_no_file_outside_the_grading_changed(graded, folder):
    assert graded["after"][folder] == graded["before"][folder]


def test_the_same_grading_runs_as_independent_jobs(graded, tmp_path):
    """What a Slurm array or a Kubernetes Job would run, here with xargs: the same CSV."""
    course, submissions = graded["course"], graded["submissions"]
    command = [sys.executable, "-m", "instructor.autograde"]
    listing = subprocess.run(
        [*command, "jobs", str(submissions), "--course", str(course)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    lines = [line for line in listing.stdout.splitlines() if line.split()[0] in ("right", "late")]
    assert len(lines) == 2
    subprocess.run(
        [
            "xargs",
            "-P",
            "2",
            "-L",
            "1",
            *command,
            "grade-one",
            str(submissions),
            "--course",
            str(course),
            "--results",
            str(tmp_path / "results"),
        ],
        input="\n".join(lines),
        text=True,
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    subprocess.run(
        [
            *command,
            "record",
            str(submissions),
            "--course",
            str(course),
            "--results",
            str(tmp_path / "results"),
            "--csv",
            str(tmp_path / "grades.csv"),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    rows, first = _csv(tmp_path / "grades.csv"), _csv(graded["top"] / "grades.csv")
    for line in lines:
        student, lesson = line.split()
        assert rows[(student, lesson)]["score"] == first[(student, lesson)]["score"], student


def test_grading_without_a_sandbox_is_refused_unless_asked(graded, monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: (False, "no bwrap in this test"))
    with pytest.raises(ValueError, match="No sandbox for student code here: no bwrap in this test"):
        autograde.grade(graded["submissions"], graded["course"])


def test_grading_a_missing_folder_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="`course`"):
        autograde.grade(tmp_path / "class", tmp_path / "course")
