"""`shipml grade`: hostile and broken submissions each get a clear status; real ones get fair grades.

The hostile set lives in tests/course/fixtures/submissions/ (MyST notebooks, written
as .ipynb into each student's folder here, plus a text file and a JSON file
that are handed in as .ipynb). It is graded with a 4 s time limit.
"""

import csv
import hashlib
import shutil
from pathlib import Path

import jupytext
import nbformat
import pytest

from shipml.course.cli import main
from shipml.course.instructor import sandbox
from shipml.course.instructor.assign import assign
from shipml.course.instructor.course import InstructorError
from shipml.course.instructor.grade import FIELDS, grade

# Graded with a 4 s limit per notebook: a second test worker beside it can turn the memory hog's
# "memory limit" into a "timeout". So these run alone (make test-unit's timing pass).
pytestmark = pytest.mark.timing

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = sandbox.problem() is None  # in the sandbox where one runs; test_grade_tricks.py needs it
FIXTURES = Path(__file__).parent / "fixtures" / "submissions"
NOTEBOOK = "01-ml-engineering.ipynb"

# What each kind of hostile or broken submission must get on its notebook row.
EXPECTED = {
    "not-json": "not json",
    "not-a-notebook": "not a notebook",
    "wrong-chapter": "wrong chapter",
    "infinite-loop": "timeout",
    "memory-hog": "memory limit",
    "sys-exit": "ran with errors",
    "os-exit": "kernel died",
    "delete-files": "ran",
    "print-megabytes": "output truncated",
    "read-autograder": "ran",
}


def _digest(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack") / "week1"
    assign(ROOT, "01", out, title="Week 1")
    return out / "autograder"


@pytest.fixture(scope="module")
def hostile(autograder, tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    submissions = base / "submissions"
    for fixture in sorted(FIXTURES.iterdir()):
        folder = submissions / fixture.stem
        folder.mkdir(parents=True)
        if fixture.suffix == ".md":
            nbformat.write(jupytext.read(fixture, fmt="md:myst"), folder / NOTEBOOK)
        else:
            shutil.copy(fixture, folder / NOTEBOOK)
    (submissions / "delete-files" / "notes.txt").write_text("the student's notes\n")
    before = _digest(submissions)
    rows = grade(autograder, submissions, base / "grades.csv", jobs=2, timeout_s=4, memory_mb=1536,
                 grader_timeout_s=60, sandbox=SANDBOX)
    return {"rows": rows, "base": base, "submissions": submissions, "before": before}


@pytest.fixture(scope="module")
def real(autograder, tmp_path_factory):
    """The worked solution, the untouched exercise, and a solution with one classic mistake."""
    base = tmp_path_factory.mktemp("real")
    submissions = base / "submissions"
    solution = nbformat.read(autograder / "solutions" / NOTEBOOK, as_version=4)
    (submissions / "solved").mkdir(parents=True)
    nbformat.write(solution, submissions / "solved" / NOTEBOOK)
    wrong = nbformat.read(autograder / "solutions" / NOTEBOOK, as_version=4)
    for cell in wrong.cells:
        cell.source = cell.source.replace("flagged = scores >= threshold", "flagged = scores > threshold")
    nbformat.write(wrong, submissions / "strict.ipynb")  # one notebook per student works too
    untouched = ROOT / "exercises" / "01-ml-engineering.md"
    nbformat.write(jupytext.read(untouched, fmt="md:myst"), submissions / "untouched.ipynb")
    rows = grade(autograder, submissions, base / "grades.csv", jobs=2, timeout_s=60, sandbox=SANDBOX)
    return {"rows": rows, "base": base, "submissions": submissions}


def _notebook_status(rows, student):
    return next(r.status for r in rows if r.student == student and r.exercise.startswith("notebook:"))


def test_does_every_hostile_or_broken_submission_get_a_row_with_a_clear_status(hostile):
    got = {student: _notebook_status(hostile["rows"], student) for student in EXPECTED}
    assert got == EXPECTED
    survived = sum(got[k] == v for k, v in EXPECTED.items())
    print(f"the grader survived {survived} of {len(EXPECTED)} kinds of hostile or broken submission")


def test_does_a_fatal_status_give_every_exercise_that_status_and_no_points(hostile):
    for row in hostile["rows"]:
        if row.student in ("infinite-loop", "os-exit", "not-json") and row.exercise.startswith("ch01-ex"):
            assert row.status == EXPECTED[row.student] and row.points == 0 and row.max_points == 1


def test_does_a_cell_after_sys_exit_still_run_and_get_graded(hostile):
    row = next(r for r in hostile["rows"] if r.student == "sys-exit" and r.exercise == "ch01-ex2")
    assert (row.status, row.points) == ("passed", 1)
    notebook = next(r for r in hostile["rows"] if r.student == "sys-exit" and r.exercise.startswith("notebook"))
    assert "SystemExit" in notebook.message


def test_are_the_submissions_left_untouched(hostile):
    assert _digest(hostile["submissions"]) == hostile["before"]


def test_does_the_gradebook_have_the_issue_columns_and_a_feedback_file_per_student(hostile):
    rows = _read_csv(hostile["base"] / "grades.csv")
    assert tuple(rows[0]) == FIELDS
    assert {r["student"] for r in rows} - {"(grader)"} == set(EXPECTED)  # (grader): the --no-sandbox warning
    assert any(r["student"] == "(grader)" for r in rows) == (not SANDBOX)
    for student in EXPECTED:
        assert (hostile["base"] / "feedback" / f"{student}.md").is_file()


def test_does_the_solution_get_full_marks_and_the_untouched_exercise_none(real):
    rows = [r for r in real["rows"] if r.exercise.startswith("ch01-ex")]
    assert {(r.exercise, r.status, r.points) for r in rows if r.student == "solved"} == {
        ("ch01-ex2", "passed", 1), ("ch01-ex3", "passed", 1), ("ch01-ex4", "passed", 1),
        ("ch01-ex5", "passed", 1), ("ch01-ex6", "passed", 1)}
    assert {(r.status, r.points) for r in rows if r.student == "untouched"} == {("not attempted", 0)}
    assert {r.status for r in real["rows"] if r.exercise.startswith("ch01-q")} == {"ungraded"}


def test_does_a_wrong_answer_fail_with_partial_points_and_a_hint_in_the_feedback(real):
    row = next(r for r in real["rows"] if r.student == "strict" and r.exercise == "ch01-ex2")
    assert row.status == "failed" and 0 < row.points < 1
    feedback = (real["base"] / "feedback" / "strict.md").read_text()
    assert "✗ a score equal to the threshold is flagged" in feedback
    assert "Hint: Use `scores >= threshold`" in feedback


def test_does_the_feedback_show_no_hidden_check_code(real, autograder):
    import json

    manifest = json.loads((autograder / "assignment.json").read_text())
    hidden = [line.strip() for e in manifest["chapters"][0]["exercises"] for c in e["hidden_cells"]
              for line in c.splitlines() if len(line.strip()) >= 12]
    for path in (real["base"] / "feedback").iterdir():
        text = path.read_text()
        assert not [line for line in hidden if line in text], path.name
        assert "include_hidden" not in text


def test_does_a_re_run_give_the_same_grades(real, autograder, tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.copy(real["submissions"] / "strict.ipynb", submissions / "strict.ipynb")  # partial points: the hard case
    again = grade(autograder, submissions, tmp_path / "grades.csv", timeout_s=60, sandbox=SANDBOX)

    def graded(rows):
        return [(r.student, r.exercise, r.points, r.status, r.message) for r in rows
                if r.student == "strict" and not r.exercise.startswith("notebook:")]

    assert graded(again) == graded(real["rows"])


def test_does_a_wrong_autograder_or_an_empty_folder_give_a_clear_error(autograder, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InstructorError, match="holds no submission"):
        grade(autograder, tmp_path / "empty", tmp_path / "g.csv", sandbox=SANDBOX)
    no_sandbox = [] if SANDBOX else ["--no-sandbox"]
    assert main(["grade", str(tmp_path), str(tmp_path / "empty"), "--out", str(tmp_path / "g.csv"), *no_sandbox]) == 2
    assert "has no assignment.json" in capsys.readouterr().err


def test_does_a_wide_gradebook_have_one_row_per_student_and_a_column_per_exercise(real):
    rows = _read_csv(real["base"] / "grades-wide.csv")
    assert list(rows[0]) == ["Student", *(f"ch01-ex{i} (1 pt)" for i in range(2, 7)), "Total"]
    by_student = {r["Student"]: r for r in rows}
    assert set(by_student) == {"solved", "strict", "untouched"}
    assert by_student["solved"]["Total"] == "5" and by_student["untouched"]["Total"] == "0"
    assert 0 < float(by_student["strict"]["Total"]) < 5


def test_does_the_summary_give_each_exercise_its_mean_share_passed_and_most_failed_case(real):
    rows = {r["exercise"]: r for r in _read_csv(real["base"] / "grades-summary.csv")}
    assert set(rows) == {f"ch01-ex{i}" for i in range(2, 7)}
    assert rows["ch01-ex2"]["share_passed"] == "0.33"  # of solved, strict and untouched, only solved passes
    assert rows["ch01-ex2"]["most_failed_case"] == "a score equal to the threshold is flagged"
    assert (real["base"] / "grades-summary.png").stat().st_size > 1000
