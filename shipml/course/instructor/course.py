"""What the instructor tools read from the course: its chapters and their exercises.

    from shipml.course.instructor.course import chapters, select
    every = chapters(".")                 # chapters that have a solution, in _toc.yml order
    chosen = select(".", "01,04")         # by number or stem; InstructorError for an unknown one
    chosen[0].exercises[0]                # Exercise(id='ch01-ex2', target='expected_cost', points=1, ...)

An exercise is a `Check("ch01-ex2", expected_cost)` call in a code cell of
`solutions/NN-slug.md`: the id names the registered checks, the second argument
names the learner's object that the grader hands to them. Its points come from
the metadata of that cell (a `:points: 2` option of the code cell), 1 where
there is none. A `hidden-check` cell belongs to the exercise of the last Check
before it (the first exercise when none comes before). A `Quiz("ch01-q1", ...)`
is listed as a quiz; the grader does not score quizzes (see grade.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from shipml.course import notebooks

__all__ = ["Chapter", "Exercise", "InstructorError", "chapters", "select"]


class InstructorError(ValueError):
    """A mistake in what the instructor asked for, said in one plain sentence."""


@dataclass
class Exercise:
    """One graded exercise of a chapter."""

    id: str
    target: str
    points: float = 1
    title: str = ""
    hidden_cells: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"id": self.id, "target": self.target, "points": self.points, "title": self.title,
                "hidden_cells": list(self.hidden_cells)}


@dataclass
class Chapter:
    """A chapter as the instructor tools see it: its files, facts and exercises."""

    stem: str
    title: str
    root: Path
    facts: dict = field(default_factory=dict)
    exercises: list[Exercise] = field(default_factory=list)
    quizzes: list[str] = field(default_factory=list)

    @property
    def number(self) -> str:
        match = notebooks.NN.match(self.stem)
        return match.group("nn") if match else self.stem

    @property
    def chapter_md(self) -> Path:
        return self.root / "chapters" / f"{self.stem}.md"

    @property
    def solution_md(self) -> Path:
        return self.root / "solutions" / f"{self.stem}.md"

    @property
    def exercise_md(self) -> Path:
        return self.root / "exercises" / f"{self.stem}.md"

    @property
    def max_points(self) -> float:
        return sum(e.points for e in self.exercises)


def _points(value, where: str) -> float:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InstructorError(f"{where}: points must be a number of 0 or more, not {value!r}")
    return value


def _read_chapter(root: Path, stem: str) -> Chapter:
    import jupytext

    solution = root / "solutions" / f"{stem}.md"
    nb = jupytext.read(solution, fmt="md:myst")
    exercises: dict[str, Exercise] = {}
    quizzes: list[str] = []
    hidden: list[tuple[str | None, str]] = []
    last: str | None = None
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "hidden-check" in (cell.metadata.get("tags") or []):
            hidden.append((last, cell.source))
            continue
        for match in notebooks.CHECK_CALL.finditer(cell.source):
            ex_id = match.group("id")
            if not ex_id or match.group("target") is None:
                continue  # not a call the grader can hand an object to (the generator reports a bad id)
            points = _points(cell.metadata.get("points"), f"solutions/{stem}.md, {ex_id}")
            exercises.setdefault(ex_id, Exercise(ex_id, match.group("target"), points))
            last = ex_id
        quizzes += [m.group("id") for m in notebooks.QUIZ_CALL.finditer(cell.source)
                    if m.group("id") and m.group("id") not in quizzes]
    first = next(iter(exercises), None)
    for owner, source in hidden:
        owner = owner or first
        if owner is not None:
            exercises[owner].hidden_cells.append(source)
    try:
        from shipml.course.checks import get_exercise

        for ex in exercises.values():
            ex.title = get_exercise(ex.id).title
    except LookupError:
        pass  # an id the registry lacks: the grader reports it per submission
    chapter_md = root / "chapters" / f"{stem}.md"
    title = notebooks.title(chapter_md) if chapter_md.exists() else stem
    facts = notebooks.front_matter(chapter_md, root) if chapter_md.exists() else {}
    return Chapter(stem, title, root, facts, list(exercises.values()), quizzes)


def chapters(root=".") -> list[Chapter]:
    """Every chapter that has a solution notebook, in _toc.yml order (then by name)."""
    root = Path(root)
    return [_read_chapter(root, stem) for stem in _stems(root)]


def _stems(root: Path) -> list[str]:
    stems = sorted(p.stem for p in (root / "solutions").glob("*.md"))
    order = {stem: i for i, stem in enumerate(notebooks.toc_stems(root))}
    return sorted(stems, key=lambda s: (order.get(s, len(order)), s))


def select(root, wanted) -> list[Chapter]:
    """The chapters named in `wanted` ("01,04", ["01-ml-engineering"], or None for all)."""
    root = Path(root)
    if not (root / "solutions").is_dir():
        raise InstructorError(f"{root / 'solutions'} is not a folder: run this in the course's root or pass --root")
    stems = _stems(root)
    if wanted is None:
        names = list(stems)
    else:
        items = wanted.split(",") if isinstance(wanted, str) else list(wanted)
        names = [str(item).strip() for item in items if str(item).strip()]
    if not names:
        raise InstructorError("no chapter selected: name at least one, e.g. --chapters 01")
    chosen: list[str] = []
    for name in names:
        matches = [s for s in stems if s == name or s.split("-")[0] == name
                   or (name.isdigit() and notebooks.chapter_number(s) == int(name))]
        if not matches:
            known = ", ".join(stems) or "none"
            raise InstructorError(f"there is no chapter {name!r} with a solution notebook (chapters: {known})")
        chosen += [m for m in matches if m not in chosen]
    if not chosen:
        raise InstructorError("no chapter selected: name at least one, e.g. --chapters 01")
    return [_read_chapter(root, stem) for stem in chosen]
