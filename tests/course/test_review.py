"""The manual-review rubric: validated in the solution's front matter, carried by `shipml assign`, listed by
`shipml grade` beside the automatic rows, filled in with `--reviews`, and rendered into the instructor guide.

The course is the small fixture course (tests/course/fixtures/authoring/course) with the capstone's rubric in
its solution's front matter and one checked exercise. The submissions never run a notebook (one is missing,
one is not JSON), so a `grade` run takes about a second.
"""

import csv
import shutil
from pathlib import Path

import pytest

from shipml.course.cli import main
from shipml.course.instructor import sandbox
from shipml.course.instructor.assign import assign
from shipml.course.instructor.course import InstructorError
from shipml.course.instructor.grade import grade, merge_reviews
from shipml.course.instructor.review import ReviewRow, rows, rubric_markdown
from shipml.course.notebooks import AuthoringError, front_matter

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "authoring" / "course"
SANDBOX = sandbox.problem() is None  # no notebook runs here, but grade refuses without one unless told

# The capstone's rubric, as solutions/14-capstone.md's front matter will hold it.
RUBRIC = '''  review:
    - id: memo
      criterion: "The decision memo lets a non-technical leader decide: a recommendation, the money, the risks, one page"
      points: 3
      levels: {full: "recommendation first, every number from the run, risks with owners", half: "numbers right but no clear recommendation, or jargon", none: "missing or numbers typed by hand"}
    - id: incident
      criterion: "The incident write-up says what happened, when it was detected, what it cost and what changes"
      points: 2
      levels: {full: "timeline with detection delay and cost, one change that would have caught it sooner", half: "timeline only", none: "missing"}
    - id: score
      criterion: "The ML Test Score's weakest section is named with a plan that would raise it"
      points: 2
      levels: {full: "names the tests, says which become automated and how", half: "names the section only", none: "missing"}
    - id: code
      criterion: "The pipeline code is readable: stages with stated inputs and outputs, no copied course code"
      points: 2
      levels: {full: "every stage small and named, building blocks imported", half: "works but one large cell or copies", none: "does not run"}
    - id: tradeoff
      criterion: "One trade-off is argued with numbers (cost, latency or fairness against money saved)"
      points: 1
      levels: {full: "a choice, its alternative and both sides measured", half: "argued without numbers", none: "missing"}
'''
IDS = ["memo", "incident", "score", "code", "tradeoff"]
STEM = "01-basics"
COLUMNS = [f"review:{STEM}:{i}" for i in IDS]


def _course(root: Path) -> Path:
    """The fixture course with the rubric in its solution's front matter and a checked exercise."""
    shutil.copytree(FIXTURE, root)
    path = root / "solutions" / f"{STEM}.md"
    text = path.read_text(encoding="utf-8").replace("  minutes: 20\n", "  minutes: 20\n" + RUBRIC)
    text = text.replace("Why price the mistakes",
                        '```{code-cell} ipython3\nCheck("ch01-ex2", expected_cost)\n```\n\nWhy price the mistakes')
    path.write_text(text, encoding="utf-8")
    return root


def _csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --- the front matter ---------------------------------------------------------------------


def test_does_the_front_matter_give_the_rubric_rows(tmp_path):
    course = _course(tmp_path / "course")
    found = rows(course / "solutions" / f"{STEM}.md")
    assert [r.id for r in found] == IDS and [r.points for r in found] == [3, 2, 2, 2, 1]
    assert found[1] == ReviewRow("incident", "The incident write-up says what happened, when it was detected, "
                                 "what it cost and what changes", 2, {
                                     "full": "timeline with detection delay and cost, one change that would have "
                                             "caught it sooner", "half": "timeline only", "none": "missing"})
    assert rows(FIXTURE / "solutions" / f"{STEM}.md") == []  # no rubric: no rows


@pytest.mark.parametrize("old, new, at, words", [
    ("      points: 2\n      levels: {full: \"timeline with", "      pts: 2\n      levels: {full: \"timeline with",
     "      pts: 2", "row 2 (incident) has an unknown key 'pts'"),
    ("    - id: code", "    - id: memo", "    - id: memo\n      criterion: \"The pipeline",
     "row 4 (memo): the id 'memo' is already the id of row 1"),
    ("      points: 1", "      points: 0", "      points: 0", "row 5 (tradeoff): points must be a number above 0, not 0"),
    ("      points: 1", "      points: -2", "      points: -2", "points must be a number above 0, not -2"),
    ("      points: 1", "      points: one", "      points: one", "points must be a number above 0, not 'one'"),
    ("      points: 1", "      points: true", "      points: true", "points must be a number above 0, not True"),
    ("    - id: memo", "    - id: Decision Memo", "    - id: Decision Memo", "id must be a slug"),
    ('half: "timeline only", ', "", "      levels: {full: \"timeline with",
     "row 2 (incident): levels must say what earns full, half and no points"),
    ('none: "does not run"', 'none: ""', "      levels: {full: \"every stage", "row 4 (code): levels.none must be"),
    ("      points: 3\n", "", "    - id: memo", "row 1 (memo) lacks 'points'"),
    ('criterion: "The ML Test Score', 'criterion: ""\n      note: "The ML Test Score', '      note: "The ML',
     "row 3 (score) has an unknown key 'note'"),
])
def test_does_a_bad_rubric_row_raise_one_sentence_naming_file_line_and_field(tmp_path, old, new, at, words):
    course = _course(tmp_path / "course")
    path = course / "solutions" / f"{STEM}.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    line = text[:text.index(at)].count("\n") + 1
    with pytest.raises(AuthoringError) as caught:
        front_matter(path)
    assert str(caught.value).startswith(f"solutions/{STEM}.md:{line}: shipml.review")
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("value, words", [
    ("  review: memo\n", "shipml.review must be a list of rows"),
    ("  review: [memo]\n", "shipml.review row 1 must be a mapping"),
])
def test_is_a_rubric_that_is_not_a_list_of_rows_an_error(tmp_path, value, words):
    course = _course(tmp_path / "course")
    path = course / "solutions" / f"{STEM}.md"
    text = path.read_text(encoding="utf-8").replace(RUBRIC, value)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AuthoringError, match=words):
        front_matter(path)


def test_is_a_rubric_in_the_chapter_file_refused_it_has_one_home(tmp_path):
    course = _course(tmp_path / "course")
    path = course / "chapters" / f"{STEM}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("  minutes: 45\n", "  minutes: 45\n" + RUBRIC),
                    encoding="utf-8")
    with pytest.raises(AuthoringError, match=f"belongs in the solution notebook \\(solutions/{STEM}.md\\)"):
        front_matter(path)


# --- the rubric in the book ---------------------------------------------------------------


def test_is_the_rubric_rendered_as_a_table_from_the_front_matter(tmp_path):
    course = _course(tmp_path / "course")
    text = rubric_markdown(course, STEM)
    lines = text.splitlines()
    assert lines[0] == "| row | criterion | points | full points | half the points | no points |"
    assert lines[2] == ("| `memo` | The decision memo lets a non-technical leader decide: a recommendation, the money, "
                        "the risks, one page | 3 | recommendation first, every number from the run, risks with owners "
                        "| numbers right but no clear recommendation, or jargon | missing or numbers typed by hand |")
    assert [line.split(" | ")[0] for line in lines[2:7]] == [f"| `{i}`" for i in IDS]
    assert f"5 rows, 10 points, marked by hand. In the gradebook each row is the exercise `review:{STEM}:<row>`." \
        in text


def test_does_a_pipe_in_a_criterion_stay_inside_its_cell(tmp_path):
    course = _course(tmp_path / "course")
    path = course / "solutions" / f"{STEM}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("(cost, latency or fairness", "(cost | latency"),
                    encoding="utf-8")
    row = next(line for line in rubric_markdown(course, STEM).splitlines() if line.startswith("| `tradeoff`"))
    assert "(cost \\| latency" in row and row.count(" | ") == 5


def test_does_a_missing_notebook_or_one_without_a_rubric_give_a_sentence(tmp_path):
    course = _course(tmp_path / "course")
    assert rubric_markdown(course, "14-capstone") == (
        "*The manual-review rubric of 14-capstone is not written yet: `solutions/14-capstone.md` does not exist.*\n")
    assert rubric_markdown(FIXTURE, STEM) == (
        f"*`solutions/{STEM}.md` has no manual-review rubric: its front matter has no `shipml.review` rows.*\n")


def test_does_the_directive_render_the_rubric_in_a_strict_sphinx_build(tmp_path):
    import subprocess
    import sys

    source = _course(tmp_path / "src")
    (source / "conf.py").write_text("extensions = ['myst_parser', 'shipml.course.sphinxext']\n"
                                    "exclude_patterns = ['chapters', 'exercises', 'solutions', '_toc.yml']\n")
    (source / "index.md").write_text(f"# Guide\n\n```{{shipml-review-rubric}} {STEM}\n```\n\n"
                                     "```{shipml-review-rubric} 14-capstone\n```\n")
    # In a process of its own: myst_parser registers node classes globally, which a later in-process build of
    # another test in this worker would then warn about.
    built = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-E", "-b", "html", str(source),
                            str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert page.count("<table") == 1 and "The decision memo lets a non-technical leader decide" in page
    assert "is not written yet" in page


def test_does_the_instructor_guide_render_the_capstone_rubric_instead_of_typing_it():
    guide = (ROOT / "book" / "instructor-guide.md").read_text(encoding="utf-8")
    assert "```{shipml-review-rubric} 14-capstone" in guide
    assert "lets a non-technical leader decide" not in guide and "timeline with detection delay" not in guide


# --- assign ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The course assigned, and graded once: ada handed in nothing, bob a file that is not JSON."""
    base = tmp_path_factory.mktemp("review")
    course = _course(base / "course")
    out = assign(course, "01", base / "pack", title="Capstone")
    submissions = base / "submissions"
    (submissions / "ada").mkdir(parents=True)
    (submissions / "bob.ipynb").write_text("not a notebook")
    found = grade(out / "autograder", submissions, base / "grades" / "grades.csv", sandbox=SANDBOX)
    return {"base": base, "course": course, "autograder": out / "autograder", "student": out / "student",
            "submissions": submissions, "rows": found, "out": base / "grades" / "grades.csv"}


def test_does_assign_carry_the_rubric_into_the_manifest_and_the_students_readme(graded):
    import json

    manifest = json.loads((graded["autograder"] / "assignment.json").read_text())
    chapter = manifest["chapters"][0]
    assert [r["id"] for r in chapter["review"]] == IDS
    assert chapter["review"][0] == {
        "id": "memo", "points": 3,
        "criterion": "The decision memo lets a non-technical leader decide: a recommendation, the money, the risks, "
                     "one page",
        "levels": {"full": "recommendation first, every number from the run, risks with owners",
                   "half": "numbers right but no clear recommendation, or jargon",
                   "none": "missing or numbers typed by hand"}}
    assert chapter["max_points"] == 1  # the automatic points only
    readme = (graded["student"] / "README.md").read_text()
    assert "1 points checked automatically, 10 reviewed by your instructor" in readme
    assert "reviewed by your instructor, 3 points: The decision memo lets a non-technical leader decide" in readme


def test_does_assign_refuse_a_bad_rubric_and_write_nothing(tmp_path):
    course = _course(tmp_path / "course")
    path = course / "solutions" / f"{STEM}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("      points: 1", "      points: 0"), encoding="utf-8")
    with pytest.raises(AuthoringError, match="points must be a number above 0"):
        assign(course, "01", tmp_path / "pack")
    assert not (tmp_path / "pack").exists()


# --- grade -------------------------------------------------------------------------------


def test_does_grade_write_a_to_review_row_per_student_and_rubric_row(graded):
    written = _csv(graded["out"])
    reviews = [r for r in written if r["exercise"].startswith("review:")]
    assert [(r["student"], r["exercise"]) for r in reviews] == [(s, c) for s in ("ada", "bob") for c in COLUMNS]
    memo = reviews[0]
    assert (memo["points"], memo["max_points"], memo["status"]) == ("", "3", "to review")
    assert memo["message"].startswith("The decision memo lets a non-technical leader decide")
    assert {r["status"] for r in written if r["exercise"] == "ch01-ex2"} == {"missing", "not json"}


def test_are_the_rubric_rows_columns_of_the_wide_gradebook_with_an_empty_total(graded):
    with graded["out"].with_name("grades-wide.csv").open(newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["Student", "ch01-ex2 (1 pt)", *(f"{c} ({p} pt)" for c, p in zip(COLUMNS, (3, 2, 2, 2, 1))),
                        "Automatic total", "Total"]
    assert lines[1] == ["ada", "0", "", "", "", "", "", "0", ""]  # nothing marked: no total to import yet


def test_does_grade_write_a_reviews_template_with_a_line_per_student_and_row(graded):
    template = graded["out"].with_name("reviews-template.csv")
    with template.open(newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["student", "row", "points", "note"]
    assert lines[1:] == [[s, c, "", ""] for s in ("ada", "bob") for c in COLUMNS]


def test_does_the_feedback_list_the_rubric_rows_as_to_be_reviewed(graded):
    text = (graded["out"].parent / "feedback" / "ada.md").read_text()
    assert "**0 points so far, of 11**: 0 of 1 from the automatic checks; 10 more to be reviewed by your instructor." \
        in text
    assert "## Reviewed by your instructor" in text
    assert "- **memo** (3 points): The decision memo lets a non-technical leader decide" in text
    assert text.count("  - To be reviewed by your instructor.") == 5


def test_is_a_filled_in_template_kept_when_grading_again(graded, tmp_path, capsys):
    out = tmp_path / "grades.csv"
    filled = "student,row,points,note\nada,review:01-basics:memo,2,\n"
    out.with_name("reviews-template.csv").write_text(filled)
    grade(graded["autograder"], graded["submissions"], out, sandbox=SANDBOX)
    assert out.with_name("reviews-template.csv").read_text() == filled
    assert "already holds marks" in capsys.readouterr().err


# --- merging the instructor's marks ----------------------------------------------------------


@pytest.fixture
def gradebook(graded, tmp_path):
    """A copy of the graded folder (grades.csv, the wide file, feedback/), to merge marks into."""
    folder = tmp_path / "grades"
    shutil.copytree(graded["out"].parent, folder)
    return folder


def _reviews(folder: Path, text: str) -> Path:
    path = folder / "reviews.csv"
    path.write_text(text, encoding="utf-8")
    return path


FULL_BOB = "".join(f"bob,{c},{p},\n" for c, p in zip(COLUMNS, (3, 1, 2, 2, 0.5)))
MARKS = f'student,row,points,note\nada,{COLUMNS[0]},2.5,"Clear, but the risks have no owner"\n{FULL_BOB}'


def test_are_the_marks_merged_into_the_gradebook_the_wide_file_and_the_feedback(graded, gradebook):
    merged = merge_reviews(graded["autograder"], gradebook / "grades.csv", _reviews(gradebook, MARKS))
    written = {(r["student"], r["exercise"]): r for r in _csv(gradebook / "grades.csv")}
    memo = written[("ada", COLUMNS[0])]
    assert (memo["points"], memo["status"], memo["message"]) == ("2.5", "reviewed", "Clear, but the risks have no owner")
    assert written[("ada", COLUMNS[1])]["status"] == "to review"  # left empty: still to review
    assert {written[("bob", c)]["status"] for c in COLUMNS} == {"reviewed"}
    assert written[("bob", "ch01-ex2")]["status"] == "not json"  # the automatic rows as graded
    assert len(merged) == len(graded["rows"])
    wide = {r["Student"]: r for r in _csv(gradebook / "grades-wide.csv")}
    assert wide["ada"][f"{COLUMNS[0]} (3 pt)"] == "2.5" and wide["ada"]["Total"] == ""  # four rows unmarked
    assert (wide["bob"]["Automatic total"], wide["bob"]["Total"]) == ("0", "8.5")
    ada = (gradebook / "feedback" / "ada.md").read_text()
    assert ("**2.5 points so far, of 11**: 0 of 1 from the automatic checks, 2.5 of 3 from your instructor's "
            "review; 7 more to be reviewed by your instructor.") in ada
    assert "  - **2.5 of 3 points.** Note: Clear, but the risks have no owner" in ada
    assert ada.count("  - To be reviewed by your instructor.") == 4
    assert "Notebook: **missing**" in ada  # the automatic part of the file is kept
    bob = (gradebook / "feedback" / "bob.md").read_text()
    assert "**8.5 of 11 points**: 0 of 1 from the automatic checks, 8.5 of 10 from your instructor's review." in bob
    assert "To be reviewed" not in bob and bob.count("## Reviewed by your instructor") == 1


def test_is_merging_again_the_same_and_an_emptied_row_to_review_again(graded, gradebook):
    reviews = _reviews(gradebook, MARKS)
    merge_reviews(graded["autograder"], gradebook / "grades.csv", reviews)
    once = {p.name: p.read_bytes() for p in sorted(gradebook.rglob("*.*")) if p.is_file()}
    merge_reviews(graded["autograder"], gradebook / "grades.csv", reviews)
    assert {p.name: p.read_bytes() for p in sorted(gradebook.rglob("*.*")) if p.is_file()} == once
    merge_reviews(graded["autograder"], gradebook / "grades.csv", _reviews(gradebook, "student,row,points,note\n"))
    original = graded["out"].parent
    for name in ("grades.csv", "grades-wide.csv", "feedback/ada.md", "feedback/bob.md"):
        assert (gradebook / name).read_text() == (original / name).read_text(), name


def test_does_the_command_merge_with_reviews_and_exit_0(graded, gradebook, capsys):
    no_sandbox = [] if SANDBOX else ["--no-sandbox"]
    code = main(["grade", str(graded["autograder"]), str(graded["submissions"]), "--out",
                 str(gradebook / "grades.csv"), "--reviews", str(_reviews(gradebook, MARKS)), *no_sandbox])
    out = capsys.readouterr().out
    assert code == 0 and "merged 6 mark(s) from" in out and "; 4 still to review" in out
    assert _csv(gradebook / "grades.csv")[-1]["status"] == "reviewed"  # bob's last row


@pytest.mark.parametrize("text, words", [
    (f"student,row,points,note\ncarl,{COLUMNS[0]},2,\n",
     "reviews.csv, line 2: there is no student 'carl' in the gradebook (students: ada, bob)"),
    ("student,row,points,note\nada,review:01-basics:memos,2,\n",
     "reviews.csv, line 2: there is no review row 'review:01-basics:memos': the rows are review:01-basics:memo"),
    ("student,row,points,note\nada,memo,2,\n",
     "reviews.csv, line 2: there is no review row 'memo': write it as 'review:01-basics:memo'"),
    (f"student,row,points,note\nada,{COLUMNS[0]},4,\n",
     "reviews.csv, line 2: the points of ada for review:01-basics:memo must be a number from 0 to 3, not '4'"),
    (f"student,row,points,note\nada,{COLUMNS[4]},-0.5,\n", "must be a number from 0 to 1, not '-0.5'"),
    (f"student,row,points,note\nada,{COLUMNS[0]},two,\n", "must be a number from 0 to 3, not 'two'"),
    (f"student,row,points,note\nada,{COLUMNS[0]},nan,\n", "must be a number from 0 to 3, not 'nan'"),
    (f"student,row,points,note\nada,{COLUMNS[0]},2,\nbob,{COLUMNS[0]},1,\nada,{COLUMNS[0]},3,\n",
     f"reviews.csv, line 4: ada has a second line for {COLUMNS[0]} (the first is line 2)"),
    (f"name,row,points,note\nada,{COLUMNS[0]},2,\n", "the first line must name the columns student, row, points, note"),
    (f"student,row,points,note\nada,{COLUMNS[0]},2\n", "reviews.csv, line 2: 3 values where the first line names 4"),
])
def test_is_a_bad_reviews_file_refused_with_its_sentence_and_exit_2(graded, gradebook, capsys, text, words):
    before = {p.name: p.read_bytes() for p in gradebook.rglob("*") if p.is_file()}
    with pytest.raises(InstructorError) as caught:
        merge_reviews(graded["autograder"], gradebook / "grades.csv", _reviews(gradebook, text))
    assert words in str(caught.value) and "\n" not in str(caught.value)
    code = main(["grade", str(graded["autograder"]), str(graded["submissions"]), "--out",
                 str(gradebook / "grades.csv"), "--reviews", str(gradebook / "reviews.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and words in err and "Traceback" not in err
    after = {p.name: p.read_bytes() for p in gradebook.rglob("*") if p.is_file() and p.name != "reviews.csv"}
    assert after == {k: v for k, v in before.items() if k != "reviews.csv"}  # nothing written


def test_does_a_merge_without_a_gradebook_or_reviews_file_say_what_to_do(graded, tmp_path):
    with pytest.raises(InstructorError, match="does not exist: grade first"):
        merge_reviews(graded["autograder"], tmp_path / "grades.csv", _reviews(tmp_path, "student,row,points,note\n"))
    with pytest.raises(InstructorError, match="missing.csv does not exist: fill in the reviews-template.csv"):
        merge_reviews(graded["autograder"], graded["out"], tmp_path / "missing.csv")
