"""The manual-review rubric: rows an instructor marks by hand, beside the automatic checks in the gradebook.

    from shipml.course.instructor import review
    rows = review.rows("solutions/14-capstone.md")     # [ReviewRow(id='memo', criterion=..., points=3, levels=...)]
    review.exercise_id("14-capstone", "memo")          # 'review:14-capstone:memo', its gradebook column
    review.rubric_markdown(".", "14-capstone")         # the rubric as a Markdown table, for the book
    marks = review.read_marks("reviews.csv", students, expected)   # the instructor's marks, validated

A chapter's rubric has one home, its solution notebook's front matter:

    shipml:
      review:
        - id: memo
          criterion: "The decision memo lets a non-technical leader decide"
          points: 3
          levels: {full: "recommendation first, ...", half: "...", none: "missing"}

`shipml.course.notebooks.front_matter` validates it (unknown keys, duplicate
ids and points of 0 or less are errors naming the file and the line).
`shipml assign` copies each chapter's rows into assignment.json; `shipml grade`
writes a `to review` row per student and rubric row, and a reviews-template.csv
for the instructor to fill in; `shipml grade ... --reviews FILE` merges the
marks (shipml/course/instructor/grade.py). The instructor guide renders the
table with the `{shipml-review-rubric}` directive (shipml/course/sphinxext.py),
so the page cannot drift from the front matter.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

from shipml.course import notebooks
from shipml.course.instructor.course import InstructorError

__all__ = ["MARK_FIELDS", "PREFIX", "ReviewRow", "exercise_id", "from_manifest", "has_marks", "read_marks",
           "rows", "rubric_markdown", "write_template"]

PREFIX = "review:"
MARK_FIELDS = ("student", "row", "points", "note")  # the columns of reviews.csv, in this order


@dataclass(frozen=True)
class ReviewRow:
    """One row of a chapter's rubric: what earns its points, marked by hand."""

    id: str
    criterion: str
    points: float
    levels: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"id": self.id, "criterion": self.criterion, "points": self.points, "levels": dict(self.levels)}


def exercise_id(stem: str, row_id: str) -> str:
    """The gradebook's name of a rubric row: `review:<chapter-stem>:<id>`."""
    return f"{PREFIX}{stem}:{row_id}"


def _rows(value) -> list[ReviewRow]:
    return [ReviewRow(r["id"], r["criterion"].strip(), r["points"], {k: r["levels"][k].strip()
                                                                       for k in notebooks.REVIEW_LEVELS})
            for r in value]


def rows(solution_md, root=None) -> list[ReviewRow]:
    """The validated rubric rows of a solution notebook (empty where its front matter has none)."""
    return _rows(notebooks.front_matter(solution_md, root).get("review", []))


def from_manifest(chapter: dict) -> list[ReviewRow]:
    """The rubric rows of one chapter of assignment.json (none in a manifest written before rubrics)."""
    value = chapter.get("review", [])
    problem = notebooks.review_problem(value)
    if problem:
        raise InstructorError(f"assignment.json, chapter {chapter.get('stem')}: {problem[1]}; assign again")
    return _rows(value)


# --- the rubric in the book --------------------------------------------------------------


def _cell(text) -> str:
    """Text for a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def rubric_markdown(root, stem: str) -> str:
    """The rubric of chapter `stem` as Markdown: a table of its rows, then the total; a sentence where there is none.

    Read from `solutions/<stem>.md` under `root`. A missing notebook, or one without `shipml.review`,
    gives one sentence saying so (the page still builds); a malformed rubric raises AuthoringError.
    """
    path = Path(root) / "solutions" / f"{stem}.md"
    if not path.is_file():
        return (f"*The manual-review rubric of {stem} is not written yet: `solutions/{stem}.md` does not "
                "exist.*\n")
    found = rows(path, root)
    if not found:
        return (f"*`solutions/{stem}.md` has no manual-review rubric: its front matter has no "
                "`shipml.review` rows.*\n")
    lines = ["| row | criterion | points | full points | half the points | no points |",
             "| --- | --- | --- | --- | --- | --- |"]
    for row in found:
        lines.append(f"| `{row.id}` | {_cell(row.criterion)} | {row.points:g} | {_cell(row.levels['full'])} | "
                     f"{_cell(row.levels['half'])} | {_cell(row.levels['none'])} |")
    total = sum(row.points for row in found)
    lines += ["", f"{len(found)} rows, {total:g} points, marked by hand. In the gradebook each row is the "
              f"exercise `{exercise_id(stem, '<row>')}`.", ""]
    return "\n".join(lines)


# --- the instructor's marks ----------------------------------------------------------------


def write_template(path, students: list[str], expected: dict[str, ReviewRow]) -> None:
    """reviews-template.csv: one line per student and rubric row, points and note empty, for the instructor."""
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(MARK_FIELDS)
        for student in students:
            for name in expected:
                writer.writerow((student, name, "", ""))


def has_marks(path) -> bool:
    """Whether a reviews file holds any points or note (a filled-in template must not be overwritten)."""
    try:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            return any((r.get("points") or "").strip() or (r.get("note") or "").strip() for r in csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return True  # unreadable: leave it alone


def read_marks(path, students: list[str], expected: dict[str, ReviewRow]) -> dict[tuple[str, str], tuple[float, str]]:
    """The instructor's marks in `path`, as {(student, exercise id): (points, note)}, validated strictly.

    `expected` maps each gradebook id (`review:<stem>:<id>`) to its row. A line whose points are empty
    is not marked yet and is left out. An unknown student or row, points that are not a number from 0 to
    the row's points, a row marked twice, or columns other than student, row, points, note: InstructorError
    with one sentence naming the file and the line.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise InstructorError(f"{path} does not exist: fill in the reviews-template.csv that `shipml grade` wrote "
                              "next to the gradebook")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            lines = list(enumerate(reader, 2))
    except (UnicodeDecodeError, csv.Error) as error:
        raise InstructorError(f"{name} is not a UTF-8 CSV file: {error}") from None
    header = [h.strip() for h in header or []]
    if sorted(header) != sorted(MARK_FIELDS) and sorted(header) != sorted(MARK_FIELDS[:3]):
        raise InstructorError(f"{name}: the first line must name the columns {', '.join(MARK_FIELDS)} "
                              f"(as in reviews-template.csv), not {', '.join(header) or 'nothing'}")
    marks: dict[tuple[str, str], tuple[float, str]] = {}
    seen: dict[tuple[str, str], int] = {}
    known = set(students)
    for number, cells in lines:
        if not any(c.strip() for c in cells):
            continue  # a blank line
        if len(cells) != len(header):
            raise InstructorError(f"{name}, line {number}: {len(cells)} values where the first line names "
                                  f"{len(header)} columns")
        line = dict(zip(header, (c.strip() for c in cells)))
        student, row_name, text = line["student"], line["row"], line["points"]
        if student not in known:
            shown = ", ".join(sorted(known)[:10]) + (", …" if len(known) > 10 else "")
            raise InstructorError(f"{name}, line {number}: there is no student {student!r} in the gradebook "
                                  f"(students: {shown})")
        if row_name not in expected:
            short = [k for k in expected if k.endswith(f":{row_name}")]
            hint = (f"write it as {short[0]!r}" if len(short) == 1
                    else f"the rows are {', '.join(expected) or 'none: this assignment has no rubric'}")
            raise InstructorError(f"{name}, line {number}: there is no review row {row_name!r}: {hint}")
        if (student, row_name) in seen:
            raise InstructorError(f"{name}, line {number}: {student} has a second line for {row_name} (the first "
                                  f"is line {seen[(student, row_name)]}); keep one line per student and row")
        seen[(student, row_name)] = number
        if not text:
            continue  # not marked yet
        top = expected[row_name].points
        try:
            points = float(text)
        except ValueError:
            points = math.nan
        if not math.isfinite(points) or not 0 <= points <= top:
            raise InstructorError(f"{name}, line {number}: the points of {student} for {row_name} must be a number "
                                  f"from 0 to {top:g}, not {text!r}")
        marks[(student, row_name)] = (points, " ".join((line.get("note") or "").split()))
    return marks
