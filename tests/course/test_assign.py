"""`shipml assign`: the student pack holds no solution and no hidden check; clear errors otherwise."""

import json
from pathlib import Path

import nbformat
import pytest

from shipml.course.cli import main
from shipml.course.instructor.assign import assign
from shipml.course.instructor.course import InstructorError, select
from solution_secrets import secret_lines

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("assign") / "week1"
    assign(ROOT, "01", out, title="Week 1", due="2027-01-15")
    return out


def test_does_the_pack_have_a_student_and_an_autograder_folder(pack):
    student = sorted(p.relative_to(pack / "student").as_posix() for p in (pack / "student").rglob("*"))
    assert student == ["01-ml-engineering.ipynb", "README.md", "requirements.lock"]
    assert (pack / "autograder" / "assignment.json").is_file()
    assert (pack / "autograder" / "solutions" / "01-ml-engineering.ipynb").is_file()


def test_does_no_solution_text_or_hidden_check_reach_any_file_of_the_student_pack(pack):
    answers, hidden = secret_lines()
    assert len(answers) >= 10 and len(hidden) >= 4  # the search has something to find
    for path in (pack / "student").rglob("*"):
        text = path.read_text(encoding="utf-8")
        for secret in answers + hidden:
            assert secret not in text, f"student/{path.name} leaks {secret!r}"
        assert "hidden-check" not in text and "BEGIN SOLUTION" not in text and "include_hidden" not in text


def test_is_the_student_notebook_clean_ipynb_without_outputs_or_internal_metadata(pack):
    nb = nbformat.read(pack / "student" / "01-ml-engineering.ipynb", as_version=4)
    nbformat.validate(nb)
    assert set(nb.metadata) <= {"kernelspec", "language_info", "shipml"}
    for cell in nb.cells:
        assert set(cell.metadata) <= {"tags"}
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert "Due 2027-01-15" in nb.cells[0].source


def test_does_the_readme_give_the_due_date_exercises_points_and_how_to_submit(pack):
    readme = (pack / "student" / "README.md").read_text()
    assert "# Week 1" in readme and "2027-01-15" in readme
    assert "ch01-ex2" in readme and "`expected_cost`" in readme and "1 point" in readme
    assert "## How to submit" in readme


def test_does_the_autograder_hold_targets_points_and_hidden_checks(pack):
    manifest = json.loads((pack / "autograder" / "assignment.json").read_text())
    chapter = manifest["chapters"][0]
    assert manifest["due"] == "2027-01-15" and manifest["environment"]["requirements"] == "requirements.lock"
    targets = {e["id"]: (e["target"], e["points"]) for e in chapter["exercises"]}
    assert targets == {"ch01-ex2": ("expected_cost", 1), "ch01-ex3": ("best_threshold", 1),
                       "ch01-ex4": ("plot_cost_curve", 1), "ch01-ex5": ("hold", 1), "ch01-ex6": ("rule_costs", 1)}
    _, hidden = secret_lines()
    held = "\n".join(c for e in chapter["exercises"] for c in e["hidden_cells"])
    assert all(line in held for line in hidden)
    assert chapter["quizzes"] == ["ch01-q1", "ch01-q2"]


def test_is_the_pack_the_same_when_assigned_again(pack, tmp_path):
    again = assign(ROOT, "01-ml-engineering", tmp_path / "again", title="Week 1", due="2027-01-15")
    for path in (pack / "student").rglob("*"):
        assert (again / "student" / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize("chapters, message", [("99", "there is no chapter '99'"), (" , ", "no chapter selected")])
def test_does_a_bad_selection_give_a_clear_error(chapters, message, tmp_path):
    with pytest.raises(InstructorError, match=message):
        assign(ROOT, chapters, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_does_a_non_empty_out_folder_need_force(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["assign", "--root", str(ROOT), "--chapters", "01", "--out", str(out)]) == 2
    assert "is not empty" in capsys.readouterr().err and (out / "keep.txt").exists()
    assert main(["assign", "--root", str(ROOT), "--chapters", "01", "--out", str(out), "--force"]) == 0
    assert not (out / "keep.txt").exists() and (out / "student" / "README.md").exists()


def test_does_the_selection_follow_the_toc_and_take_numbers_or_stems():
    assert [c.stem for c in select(ROOT, "1")] == ["01-ml-engineering"]
    assert [c.stem for c in select(ROOT, ["01-ml-engineering", "01"])] == ["01-ml-engineering"]


@pytest.mark.book  # the real course, every chapter: what an instructor assigns
@pytest.mark.parametrize("chapters", [None, "01,07"])
def test_does_assign_write_a_clean_pack_for_the_whole_course_and_a_subset(chapters, tmp_path):
    from shipml.course.instructor.leaks import scan, secrets

    chosen = select(ROOT, chapters or ",".join(c.stem for c in select(ROOT, None)))
    out = assign(ROOT, ",".join(c.stem for c in chosen), tmp_path / "pack")
    notebooks = sorted(p.stem for p in (out / "student").glob("*.ipynb"))
    assert notebooks == sorted(c.stem for c in chosen)
    assert scan(out / "student", secrets(ROOT, chosen)) == []
    assert scan(out / "autograder" / "solutions", secrets(ROOT, chosen))  # the guard has something to find


@pytest.mark.book
def test_does_grade_give_the_solutions_full_marks_and_the_untouched_pack_none_for_chapters_1_and_7(tmp_path):
    import csv
    import shutil

    from shipml.course.instructor import sandbox
    from shipml.course.instructor.grade import grade

    out = assign(ROOT, "01,07", tmp_path / "pack")
    submissions = tmp_path / "submissions"
    for student, folder in (("ada", out / "autograder" / "solutions"), ("bob", out / "student")):
        (submissions / student).mkdir(parents=True)
        for notebook in folder.glob("*.ipynb"):
            shutil.copy(notebook, submissions / student / notebook.name)
    grade(out / "autograder", submissions, tmp_path / "grades.csv", jobs=2, sandbox=sandbox.problem() is None)
    with (tmp_path / "grades.csv").open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["max_points"]]
    assert {r["exercise"][:4] for r in rows} == {"ch01", "ch07"}
    assert all(r["status"] == "passed" for r in rows if r["student"] == "ada"), rows
    assert all(r["status"] == "not attempted" for r in rows if r["student"] == "bob"), rows
