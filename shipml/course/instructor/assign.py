"""`shipml assign`: a student pack and an autograder for chosen chapters.

    from shipml.course.instructor.assign import assign
    assign(".", "01", "out/week3", title="Week 3", due="2027-01-15")

    shipml assign --chapters 01 --out out/week3 [--title "Week 3"] [--due 2027-01-15] [--force]

writes

- `out/week3/student/`: one `NN-slug.ipynb` per chapter (generated afresh from
  `solutions/NN-slug.md`, as `shipml exercises` does: no outputs, no solution,
  no hidden-check cell, no course-internal metadata), the data files that the
  exercises open by a relative path, the pinned `requirements.lock`, and a
  README with the instructions, the due date and how to submit;
- `out/week3/autograder/`: `assignment.json` (per chapter: the exercises, the
  name of the object each one grades, its points and its hidden-check cells,
  and the manual-review rubric of the solution's front matter, `shipml.review`,
  which `shipml grade` turns into rows for the instructor to mark), the
  solution notebooks (to try the grader on), the `requirements.lock` and a
  README. It never goes to students.

The student README lists the rubric's rows too: what will be marked by hand is
no secret, and students write better memos when they know what earns the points.

Before the autograder is written, every file of the student pack is searched
for solution regions and hidden-check cells (shipml.course.instructor.leaks,
the guard that the student edition uses too); a hit is an error, not a pack.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

from shipml.course.instructor import review
from shipml.course.instructor.course import Chapter, InstructorError, select

__all__ = ["assign", "add_arguments", "command"]

FORMAT = 1
_QUOTED_PATH = re.compile(r"""(['"])(?P<path>[^'"\s]+\.[A-Za-z0-9]{1,8})\1""")
_MARKER = re.compile(r"\b(BEGIN|END)\s+SOLUTION\b")
_NOTEBOOK_METADATA = ("kernelspec", "language_info", "shipml")


def _student_notebook(chapter: Chapter, title: str, due: str | None):
    import jupytext
    import nbformat

    from shipml.course.authoring import generate_exercise

    text = generate_exercise(chapter.solution_md.read_text(encoding="utf-8"), f"solutions/{chapter.stem}.md")
    nb = jupytext.reads(text, fmt="md:myst")
    nb.metadata = nbformat.NotebookNode({k: v for k, v in nb.metadata.items() if k in _NOTEBOOK_METADATA})
    due_text = f" Due {due}." if due else ""
    nb.cells[0] = nbformat.v4.new_markdown_cell(
        f"*{title} · {chapter.title}.{due_text} Write your answers in this notebook, keep its name "
        f"(`{chapter.stem}.ipynb`), run it from the top (Kernel → Restart & Run All) and hand it in "
        "as the README says.*"
    )
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i + 1}"  # fixed ids: the same chapters give the same pack
        tags = [t for t in (cell.metadata.get("tags") or []) if t not in ("hidden-check", "solution")]
        cell.metadata = nbformat.NotebookNode({"tags": tags} if tags else {})
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def _data_files(chapter: Chapter) -> list[tuple[Path, str]]:
    """Files that the exercise opens by a quoted relative path, found from exercises/ (source, path in the pack)."""
    text = chapter.solution_md.read_text(encoding="utf-8")
    base = chapter.root / "exercises"
    found = []
    for match in _QUOTED_PATH.finditer(text):
        relative = match.group("path")
        if "://" in relative or relative.startswith("/"):
            continue
        source = (base / relative).resolve()
        try:
            inside = source.relative_to(base.resolve())
        except ValueError:
            continue  # a path above exercises/ would land outside the pack
        if source.is_file() and source.suffix not in (".md", ".py", ".ipynb"):
            found.append((source, inside.as_posix()))
    return found


def _readme(chapters: list[Chapter], title: str, due: str | None, rubrics: dict[str, list]) -> str:
    lines = [f"# {title}", ""]
    lines.append(f"Due: **{due}**." if due else "Due: as your instructor announces.")
    lines += ["", "## What to do", ""]
    for chapter in chapters:
        rubric = rubrics.get(chapter.stem, [])
        reviewed = sum(r.points for r in rubric)
        by_hand = f" checked automatically, {reviewed:g} reviewed by your instructor" if rubric else ""
        lines.append(f"- `{chapter.stem}.ipynb` — {chapter.title} "
                     f"({chapter.facts.get('minutes', '?')} minutes; {chapter.max_points:g} points{by_hand})")
        for ex in chapter.exercises:
            lines.append(f"  - {ex.id}: {ex.title or ex.target} — write `{ex.target}` ({ex.points:g} point"
                         f"{'' if ex.points == 1 else 's'})")
        if chapter.quizzes:
            lines.append(f"  - quizzes {', '.join(chapter.quizzes)}: practice with instant feedback, not graded")
        for row in rubric:
            lines.append(f"  - reviewed by your instructor, {row.points:g} point{'' if row.points == 1 else 's'}: "
                         f"{row.criterion} (full points: {row.levels['full']})")
    lines += [
        "",
        "Open each notebook in Jupyter with the course's Python environment (the `shipml` package and the",
        "libraries pinned in `requirements.lock`; your instructor says where to find it). Write your code",
        "where a cell says `# YOUR CODE HERE`; the **Check** box under it runs the public checks. The grader",
        "also runs hidden checks on the same objects, so make your functions correct in general, not just for",
        "the public cases. Keep the names of the functions and variables the exercises ask for.",
        "",
        "## How to submit",
        "",
        "1. Run each notebook from the top (Kernel → Restart & Run All): it must run without your help,",
        "   within a few minutes, in a fresh kernel.",
        "2. Put the notebooks, with their names unchanged, in one folder named after you",
        "   (e.g. `ada-lovelace/01-ml-engineering.ipynb`), and hand the folder in as your instructor says.",
        "",
        "The grader runs your notebook in a fresh copy, with a time and a memory limit, then checks each",
        "exercise. You get a feedback file that says what passed, what failed and a hint for each failure.",
        "",
    ]
    return "\n".join(lines)


def _environment(root: Path) -> dict:
    lock = root / "requirements.lock"
    return {
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "requirements": "requirements.lock" if lock.exists() else None,
    }


def _check_pack(root: Path, student: Path, chapters: list[Chapter]) -> None:
    from shipml.course.instructor.leaks import scan, secrets

    hits = scan(student, secrets(root, chapters))
    for path in sorted(student.rglob("*")):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
            if _MARKER.search(text) or "hidden-check" in text:
                hits.append(f"{path.relative_to(student).as_posix()}: a solution marker or a hidden-check tag")
    if hits:
        shutil.rmtree(student.parent)
        raise InstructorError("the student pack would contain solution or hidden-check text, so nothing was "
                              "written: " + "; ".join(hits[:5]))


def assign(root, chapters, out, *, title: str | None = None, due: str | None = None, force: bool = False) -> Path:
    """Write the student pack and the autograder for `chapters` ("01,04") under `out`; return `out`."""
    import nbformat

    root, out = Path(root), Path(out)
    chosen = select(root, chapters)
    if out.exists() and not out.is_dir():
        raise InstructorError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise InstructorError(f"{out} exists and is not empty: choose another --out or pass --force to replace it")
        shutil.rmtree(out)
    rubrics = {c.stem: review.rows(c.solution_md, root) for c in chosen}  # validated before anything is written
    title = title or "Shipping ML: " + ", ".join(c.title for c in chosen)
    student, autograder = out / "student", out / "autograder"
    student.mkdir(parents=True)
    autograder.mkdir()
    lock = root / "requirements.lock"
    for chapter in chosen:
        nbformat.write(_student_notebook(chapter, title, due), student / f"{chapter.stem}.ipynb")
        for source, inside in _data_files(chapter):
            (student / inside).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, student / inside)
    (student / "README.md").write_text(_readme(chosen, title, due, rubrics), encoding="utf-8")
    if lock.exists():
        shutil.copy2(lock, student / "requirements.lock")
        shutil.copy2(lock, autograder / "requirements.lock")
    _check_pack(root, student, chosen)

    import jupytext

    (autograder / "solutions").mkdir()
    for chapter in chosen:
        nb = jupytext.read(chapter.solution_md, fmt="md:myst")
        nb.metadata.pop("jupytext", None)
        nbformat.write(nb, autograder / "solutions" / f"{chapter.stem}.ipynb")
    manifest = {
        "format": FORMAT,
        "title": title,
        "due": due,
        "environment": _environment(root),
        "chapters": [
            {"stem": c.stem, "number": c.number, "title": c.title, "notebook": f"{c.stem}.ipynb",
             "max_points": c.max_points, "exercises": [e.to_dict() for e in c.exercises], "quizzes": c.quizzes,
             "review": [r.to_dict() for r in rubrics[c.stem]]}
            for c in chosen
        ],
    }
    (autograder / "assignment.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (autograder / "README.md").write_text(
        f"# Autograder: {title}\n\nNever give this folder to students: it holds the hidden checks and the "
        "solutions.\n\n    shipml grade autograder SUBMISSIONS/ --out grades.csv --jobs 2\n\n"
        "Try it on the solutions first; each should get full marks:\n\n"
        "    shipml grade autograder autograder/solutions --out solutions-grades.csv\n",
        encoding="utf-8",
    )
    return out


def add_arguments(parser) -> None:
    parser.add_argument("--chapters", required=True, help="chapter numbers or stems, comma-separated (e.g. 01,04)")
    parser.add_argument("--out", required=True, type=Path, help="the folder to write student/ and autograder/ into")
    parser.add_argument("--title", help="the assignment's title (default: the chapters' titles)")
    parser.add_argument("--due", help="the due date, shown to students (e.g. 2027-01-15)")
    parser.add_argument("--force", action="store_true", help="replace a non-empty --out folder")
    parser.add_argument("--root", default=".", type=Path, help="the course's root folder (default: .)")


def command(args) -> int:
    from shipml.course.notebooks import AuthoringError

    try:
        out = assign(args.root, args.chapters, args.out, title=args.title, due=args.due, force=args.force)
    except (InstructorError, AuthoringError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out / 'student'} (give this to students) and {out / 'autograder'} (keep this)")
    return 0
