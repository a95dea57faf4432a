"""nbgrader preprocessor: the autograded test cells' outputs become the clean room's verdicts.

Runs in `nbgrader autograde` after `Execute` and before `SaveAutoGrades` (see the config that
`instructor.autograde` writes). Whatever the student's kernel printed under a check cell, or
failed to print, is replaced by the verdict of `instructor.cleanroom`: a line of verdict text,
plus an error output when the exercise did not pass, which is how nbgrader scores a test cell
(an error gives 0 points, none gives them all). The verdicts also go in the notebook's metadata
(`lrlab.verdicts`), for the course's own per-student report.
"""

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from instructor import cleanroom

PREFIX = "check_"
_MARK = {"passed": "PASSED", "failed": "NOT YET", "not attempted": "NOT ATTEMPTED"}


def verdict_outputs(exercise_id, status, message):
    text = f"{_MARK.get(status, status.upper())} {exercise_id}: {message}\n"
    outputs = [NotebookNode(output_type="stream", name="stdout", text=text)]
    if status != "passed":
        outputs.append(
            NotebookNode(
                output_type="error",
                ename="NotPassed",
                evalue=f"{exercise_id}: {status}",
                traceback=[text.rstrip()],
            )
        )
    return outputs


class CleanRoomVerdicts(NbGraderPreprocessor):
    """Score each `check_<id>` test cell by grading exercise `<id>`'s cell in a clean process."""

    def preprocess(self, nb, resources):
        checks = {}
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            if cell.metadata.get("nbgrader", {}).get("grade") and grade_id.startswith(PREFIX):
                checks[grade_id[len(PREFIX) :]] = cell
        verdicts = cleanroom.grade_cells(cleanroom.exercise_sources(nb.cells, list(checks)))
        for exercise_id, cell in checks.items():
            cell.outputs = verdict_outputs(exercise_id, *verdicts[exercise_id])
        nb.metadata.setdefault("lrlab", {})["verdicts"] = {k: list(v) for k, v in verdicts.items()}
        return nb, resources
