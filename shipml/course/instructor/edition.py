"""`shipml book --edition`: the student or the instructor edition of the book, in its own folder.

    from shipml.course.instructor.edition import build_edition, edition_toc, instructor_page
    build_edition(".", "student", chapters="01", out="_build/editions/student")

    shipml book --edition student|instructor [--chapters 01,04] [--out DIR]

The edition is built from a copy of the course in a temporary folder, with a
`_toc.yml` made from the course's own:

- student: no solution page, no instructor guide; the built files are then
  searched for every solution region and hidden check of its chapters
  (shipml.course.instructor.leaks, the guard of `shipml assign` too), and a
  hit is an error that names the file and the region;
- instructor: the solutions, and an "Instructor guide" part with one page per
  chapter (objectives, minutes, exercises with their points, the checks, and
  common mistakes: the hints of the checks' cases), generated from the
  notebooks' front matter and the checks registry.

`--chapters` keeps only those chapters (and their exercises and solutions);
any chapters can be chosen, whatever their prerequisites. A `{doc}` link to a
page that the edition leaves out becomes its plain text, and so does a
prerequisite outside the edition.
The course's execution cache (`_build/.jupyter_cache`) is copied in, so
notebooks whose code has not changed are not executed again. The HTML lands
in `--out` (default `_build/editions/<edition>`); the build runs with
`--warningiserror --nitpick`, as the course's own.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from shipml.course import notebooks
from shipml.course.instructor.course import Chapter, InstructorError, select

__all__ = ["EDITIONS", "build_edition", "edition_toc", "instructor_page", "add_arguments", "command"]

EDITIONS = ("student", "instructor")
GUIDE_DIR = "instructor"
_DOC_ROLE = re.compile(r"\{doc\}`(?P<body>[^`]*)`")


def edition_toc(toc: dict, edition: str, stems: list[str]) -> dict:
    """The course's toc (as loaded from _toc.yml) filtered for `edition` and the chapter `stems`."""
    if edition not in EDITIONS:
        raise InstructorError(f"there is no {edition!r} edition: choose student or instructor")

    def keep(file: str) -> bool:
        folder, _, name = notebooks.doc_name(file).partition("/")
        if folder in ("chapters", "exercises", "solutions") and name not in stems:
            return False
        if edition == "student" and (folder == "solutions" or notebooks.doc_name(file) == "book/instructor-guide"):
            return False
        return True

    def filter_entries(entries):
        kept = []
        for entry in entries or []:
            if not isinstance(entry, dict) or "file" not in entry:
                kept.append(entry)
                continue
            if not keep(entry["file"]):
                continue
            entry = dict(entry)
            if "sections" in entry:
                entry["sections"] = filter_entries(entry["sections"])
                if not entry["sections"]:
                    del entry["sections"]
            kept.append(entry)
        return kept

    result = {k: v for k, v in toc.items() if k not in ("parts", "chapters")}
    if "parts" in toc:
        parts = []
        for part in toc["parts"]:
            chapters = filter_entries(part.get("chapters"))
            if chapters:
                parts.append({**part, "chapters": chapters})
        if edition == "instructor":
            parts.append({"caption": "Instructor guide",
                          "chapters": [{"file": f"{GUIDE_DIR}/{stem}"} for stem in stems]})
        result["parts"] = parts
    else:
        result["chapters"] = filter_entries(toc.get("chapters"))
        if edition == "instructor":
            result["chapters"] += [{"file": f"{GUIDE_DIR}/{stem}"} for stem in stems]
    return result


def _unlink_missing(path: Path, root: Path, docs: set[str]) -> None:
    """Turn each {doc} link of the page at `path` to a page outside `docs` into its text."""
    here = posixpath.dirname(path.relative_to(root).as_posix())

    def replace(match):
        body = match.group("body")
        explicit = re.match(r"(?s)^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", body)
        text, target = (explicit.group("text"), explicit.group("target")) if explicit else (None, body)
        target = target.strip()
        doc = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(here, target))
        if notebooks.doc_name(doc) in docs:
            return match.group(0)
        return text if text else posixpath.basename(target)

    text = path.read_text(encoding="utf-8")
    new = _DOC_ROLE.sub(replace, text)
    if new != text:
        path.write_text(new, encoding="utf-8")


def _checks_of(ex_id: str):
    try:
        from shipml.course.checks import get_exercise

        return get_exercise(ex_id)
    except LookupError:
        return None


def instructor_page(chapter: Chapter) -> str:
    """The instructor guide page of one chapter (MyST markdown)."""
    facts = chapter.facts
    lines = [f"# Instructor guide: {chapter.title}", ""]
    prerequisites = ", ".join(f"`{p}`" for p in facts.get("prerequisites", [])) or "none"
    minutes = facts.get("minutes")
    lines += [
        f"Pages: {{doc}}`the chapter <../chapters/{chapter.stem}>`, {{doc}}`its exercises "
        f"<../exercises/{chapter.stem}>`, {{doc}}`the worked solutions <../solutions/{chapter.stem}>`.",
        "",
        f"- **Time for learners:** {f'{minutes} minutes' if minutes else 'not given'} of reading and exercises",
        f"- **Execution budget:** {facts.get('runtime_budget_s', 'not given')} s on 2 CPU cores",
        f"- **Prerequisites:** {prerequisites}",
        "",
        "## Objectives",
        "",
    ]
    lines += [f"- {o}" for o in facts.get("objectives", [])] or ["- (none given in the front matter)"]
    lines += ["", "## Exercises and points", ""]
    lines += ["| exercise | what the learner writes | points | checks (public + hidden) |",
              "| --- | --- | --- | --- |"]
    mistakes: list[str] = []
    for ex in chapter.exercises:
        registered = _checks_of(ex.id)
        public = [c for c in registered.cases.values() if not c.hidden] if registered else []
        hidden = [c for c in registered.cases.values() if c.hidden] if registered else []
        title = (registered.title if registered else ex.title) or ex.id
        counts = f"{len(public)} + {len(hidden) + len(ex.hidden_cells)}"
        lines.append(f"| {ex.id}: {title} | `{ex.target}` | {ex.points:g} | {counts} |")
        hinted = [c for c in public if c.hint]
        if hinted:
            mistakes += [f"**{ex.id}** ({title})", ""]
            mistakes += [f"- {c.name}: {c.hint}" for c in hinted]
            mistakes.append("")
    total = chapter.max_points
    lines += ["", f"Total: {total:g} point{'s' if total != 1 else ''}. Points come from a `:points:` option "
              "on the solution's `Check` cell, 1 by default; a learner earns that times the share of the "
              "exercise's checks passed."]
    if chapter.quizzes:
        lines += ["", f"Quizzes {', '.join(f'`{q}`' for q in chapter.quizzes)} give instant feedback in the "
                  "notebook and are not graded."]
    lines += ["", "## Common mistakes", "",
              "Each public check targets a mistake learners make; its hint is what the grader's feedback "
              "says when that check fails.", ""]
    lines += mistakes or ["No check of this chapter has a hint yet.", ""]
    lines += ["## Assign and grade", "", "```console",
              f"shipml assign --chapters {chapter.number} --out week-{chapter.number}",
              f"shipml grade week-{chapter.number}/autograder submissions/ --out grades.csv --jobs 2",
              "```", ""]
    return "\n".join(lines)


def _leaks(root: Path, out: Path, chapters: list[Chapter]) -> list[str]:
    from shipml.course.instructor.leaks import scan, secrets

    return scan(out, secrets(root, chapters))


_SKIP = {".git", ".venv", "_build", "tests", "benchmarks", "node_modules", "__pycache__", "_toc.yml"}


_INCLUDE = re.compile(r"^```\{literalinclude\}\s+(\S+)", re.M)


def _copy_included(root: Path, build: Path) -> None:
    """Copy the files the copied notebooks show with `literalinclude` from folders not copied whole (tests/)."""
    for page in sorted(build.glob("*/*.md")):
        for target in _INCLUDE.findall(page.read_text(encoding="utf-8")):
            copied = (page.parent / target).resolve()
            try:
                relative = copied.relative_to(build.resolve())
            except ValueError:
                continue  # outside the course: the build reports it
            source = root / relative
            if not copied.exists() and source.is_file() and relative.parts[0] != "solutions":
                copied.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copied)


def _copy_course(root: Path, build: Path, edition: str, stems: list[str], cache: bool) -> None:
    """Copy what the edition builds from into `build`.

    Every chapter's source is copied, the chapters left out too: a chapter's
    front matter names its prerequisites, which must be chapters of the course
    (shipml.course.notebooks.front_matter, which the chapter facts box and the
    syllabus read). The book builds only the pages of its _toc.yml
    (`only_build_toc_files` in _config.yml), so a chapter left out is neither
    built nor shown, and a prerequisite outside the edition is plain text.
    """
    ignore = shutil.ignore_patterns("*.ipynb", "__pycache__", ".ipynb_checkpoints", "*.egg-info")
    notebooks = ("chapters", "exercises") + (("solutions",) if edition == "instructor" else ())
    for entry in sorted(root.iterdir()):
        if entry.name in _SKIP or entry.name.startswith(".") or entry.name == "solutions" and edition == "student":
            continue
        if entry.is_file():
            shutil.copy2(entry, build / entry.name)
        elif entry.name in notebooks:
            (build / entry.name).mkdir()
            for path in entry.iterdir():
                left_out = path.suffix == ".md" and path.stem not in stems and entry.name != "chapters"
                if path.suffix == ".ipynb" or left_out:
                    continue
                copy = shutil.copytree if path.is_dir() else shutil.copy2
                copy(path, build / entry.name / path.name)
        elif entry.is_dir() and entry.name not in ("chapters", "exercises", "solutions"):
            shutil.copytree(entry, build / entry.name, ignore=ignore)
    _copy_included(root, build)
    config = build / "_config.yml"
    if config.exists():
        import yaml

        settings = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
        if not settings.get("only_build_toc_files"):  # the chapters left out must not be built
            settings["only_build_toc_files"] = True
            config.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    if edition == "student" and (build / "book" / "instructor-guide.md").exists():
        (build / "book" / "instructor-guide.md").unlink()
    if cache and (root / "_build" / ".jupyter_cache").is_dir():
        try:
            shutil.copytree(root / "_build" / ".jupyter_cache", build / "_build" / ".jupyter_cache")
        except (OSError, shutil.Error):
            shutil.rmtree(build / "_build" / ".jupyter_cache", ignore_errors=True)  # executed afresh instead


def build_edition(root=".", edition: str = "student", chapters=None, out=None, *, cache: bool = True,
                  quiet: bool = True, log=None) -> Path:
    """Build the edition's HTML into `out` (default `_build/editions/<edition>`); return `out`.

    With `log`, jupyter-book's output is written to that file (a notebook that
    the build executed itself, rather than took from the cache, shows there as
    "Executing notebook").
    """
    import yaml

    root = Path(root).resolve()
    if edition not in EDITIONS:
        raise InstructorError(f"there is no {edition!r} edition: choose student or instructor")
    chosen = select(root, chapters)
    stems = [c.stem for c in chosen]
    out = Path(out) if out else root / "_build" / "editions" / edition
    toc = notebooks.read_toc(root)
    if toc is None:
        raise InstructorError(f"{root} has no _toc.yml: an edition is made from the course's table of contents")
    new_toc = edition_toc(toc, edition, stems)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    if not jupyter_book.exists():
        raise InstructorError("jupyter-book is not installed next to this Python: run `make book` once")
    with tempfile.TemporaryDirectory(prefix=f"shipml-{edition}-") as tmp:
        build = Path(tmp)
        _copy_course(root, build, edition, stems, cache)
        if edition == "instructor":
            (build / GUIDE_DIR).mkdir()
            for chapter in chosen:
                (build / GUIDE_DIR / f"{chapter.stem}.md").write_text(instructor_page(chapter), encoding="utf-8")
        (build / "_toc.yml").write_text("# Generated by `shipml book --edition " + edition + "`.\n"
                                        + yaml.safe_dump(new_toc, sort_keys=False), encoding="utf-8")
        docs = set(notebooks.toc_docs(new_toc))
        for page in build.rglob("*.md"):
            if "_build" not in page.parts and "_widgets_js" not in page.parts:
                _unlink_missing(page, build, docs)
        done = subprocess.run(
            [str(jupyter_book), "build", "--warningiserror", "--nitpick", "--keep-going", str(build)],
            capture_output=quiet or log is not None, text=True,
        )
        output = (done.stdout or "") + (done.stderr or "")
        if log is not None:
            Path(log).parent.mkdir(parents=True, exist_ok=True)
            Path(log).write_text(output, encoding="utf-8")
            if not quiet:
                print(output, end="")
        if done.returncode != 0:
            lines = output.splitlines()
            tail = "\n".join(([line for line in lines if "WARNING" in line or "ERROR" in line] or lines)[-15:])
            raise InstructorError(f"the {edition} edition did not build (exit {done.returncode}):\n{tail}")
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(build / "_build" / "html", out)
    if edition == "student":
        hits = _leaks(root, out, chosen)
        if hits:
            shutil.rmtree(out)
            raise InstructorError("the student edition would show solution text, so it was removed: "
                                  + "; ".join(hits[:5]))
    return out


def add_arguments(parser) -> None:
    parser.add_argument("--edition", required=True, choices=EDITIONS, help="which edition to build")
    parser.add_argument("--chapters", help="chapter numbers or stems, comma-separated (default: all)")
    parser.add_argument("--out", type=Path, help="the folder for the HTML (default: _build/editions/EDITION)")
    parser.add_argument("--no-cache", action="store_true", help="execute every notebook afresh")
    parser.add_argument("--root", default=".", type=Path, help="the course's root folder (default: .)")
    parser.add_argument("--log", type=Path, help="write jupyter-book's output to this file")


def command(args) -> int:
    from shipml.course.notebooks import AuthoringError

    try:
        out = build_edition(args.root, args.edition, args.chapters, args.out, cache=not args.no_cache,
                            log=args.log)
    except (InstructorError, AuthoringError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"the {args.edition} edition is in {out}: open file://{Path(out).resolve()}/index.html")
    return 0
