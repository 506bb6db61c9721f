"""The leak guard: what of a solution must never reach a student, and where it did.

    from shipml.course.instructor.leaks import secrets, find_leaks, scan
    found = secrets(".", select(".", "01,07"))   # the solution regions of those chapters, public lines marked
    find_leaks(text, found)                       # -> the secrets that `text` shows
    scan(folder, found)                           # -> ["chapters/07-serving.html: solutions/07-serving.md:173 ..."]

`shipml assign` runs `scan` on the student pack and `shipml book --edition
student` on the built HTML; a hit is an error that names the file and the
solution region.

A secret is one solution region (see shipml.course.authoring.solution_regions:
a `# BEGIN SOLUTION` ... `# END SOLUTION` body, a `solution` cell, a
`hidden-check` cell). Its lines are compared stripped, blank lines aside. A
line is *public*, and proves nothing when found, where it is short (under 12
characters: `return x`) or where it stands in what the course shows anyway:
any chapter, any exercise generated from its solution (afresh, so a stale
exercise file cannot hide a leak) and any file that a chapter or an exercise
shows with `literalinclude` or `:load:`. The other lines are *distinctive*.

A text shows a secret when it holds, as consecutive lines, a stretch of the
region from one distinctive line to the next (and so at least two of them, in
the region's order); a region with a single distinctive line is shown when that
line is a whole line of the text. A line of solution code that a chapter also
teaches is therefore never a leak, and a solution's body pasted into a page is.
HTML is compared without its tags, a notebook (.ipynb) by its strings.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from shipml.course import notebooks
from shipml.course.authoring import SolutionRegion, generate_exercise, solution_regions
from shipml.course.instructor.course import Chapter

__all__ = ["MIN_LENGTH", "Secret", "find_leaks", "public_lines", "scan", "secrets"]

MIN_LENGTH = 12
SUFFIXES = (".html", ".ipynb", ".md", ".txt", ".js", ".json", ".py")
_TAG = re.compile(r"<[^>]+>")
_INCLUDE = re.compile(r"^\s*(?:`{3,}|~{3,}|:{3,})\{literalinclude\}\s+(?P<path>\S+)|^\s*:load:\s*(?P<load>\S+)", re.M)


@dataclass(frozen=True)
class Secret:
    """One solution region: its stripped non-blank lines and which of them are distinctive."""

    region: SolutionRegion
    lines: tuple[str, ...]
    distinctive: tuple[bool, ...]

    @property
    def fragments(self) -> list[tuple[str, ...]]:
        """The stretches that show the region: one distinctive line to the next (or the only one)."""
        marks = [i for i, d in enumerate(self.distinctive) if d]
        if len(marks) == 1:
            return [(self.lines[marks[0]],)]
        return [self.lines[a:b + 1] for a, b in zip(marks, marks[1:])]

    def describe(self) -> str:
        first = next((line for line, d in zip(self.lines, self.distinctive) if d), "")
        return f"{self.region.where} `{first[:60]}`"


def _lines(text: str) -> list[str]:
    return [s for s in (line.strip() for line in text.splitlines()) if s]


def public_lines(root) -> set[str]:
    """The stripped lines that the course shows anyway: chapters, generated exercises and the files they include."""
    root = Path(root)
    texts: dict[Path, str] = {}
    pages = [p for p in sorted((root / "chapters").glob("*.md"))]
    for solution in sorted((root / "solutions").glob("*.md")):
        exercise = root / "exercises" / solution.name
        text = generate_exercise(solution.read_text(encoding="utf-8"), notebooks.relative(solution, root))
        texts[exercise] = text
    for page in pages:
        texts[page] = page.read_text(encoding="utf-8")
    for page, text in list(texts.items()):
        for match in _INCLUDE.finditer(text):
            included = (page.parent / (match.group("path") or match.group("load"))).resolve()
            if included.is_file() and included not in texts:
                texts[included] = included.read_text(encoding="utf-8", errors="replace")
    lines: set[str] = set()
    for text in texts.values():
        lines.update(_lines(text))
    return lines


def secrets(root, chapters: list[Chapter], public: set[str] | None = None) -> list[Secret]:
    """The secrets of `chapters`' solutions, measured against the course in `root` (or the `public` lines given)."""
    public = public_lines(root) if public is None else public
    found = []
    for chapter in chapters:
        source = notebooks.relative(chapter.solution_md.resolve(), Path(root).resolve())
        for region in solution_regions(chapter.solution_md.read_text(encoding="utf-8"), source):
            lines = tuple(_lines("\n".join(region.lines)))
            distinctive = tuple(len(line) >= MIN_LENGTH and line not in public for line in lines)
            if any(distinctive):
                found.append(Secret(region, lines, distinctive))
    return found


def _holds(page: list[str], index: dict[str, list[int]], fragment: tuple[str, ...]) -> bool:
    n = len(fragment)
    return any(page[i:i + n] == list(fragment) for i in index.get(fragment[0], ()))


def find_leaks(text: str, found: list[Secret]) -> list[Secret]:
    """The secrets that `text` shows (see the module's docstring)."""
    page = _lines(text)
    index: dict[str, list[int]] = {}
    for i, line in enumerate(page):
        index.setdefault(line, []).append(i)
    return [s for s in found if any(_holds(page, index, f) for f in s.fragments)]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        yield "".join(v for v in value if isinstance(v, str))
        for v in value:
            if not isinstance(v, str):
                yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


def readable(path: Path) -> str:
    """A file's text as a reader sees it: HTML without tags, a notebook's cells and outputs as lines."""
    raw = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix == ".ipynb":
        try:
            raw = "\n".join(_strings(json.loads(raw)))
        except ValueError:
            pass
    if path.suffix in (".html", ".ipynb"):
        return raw + "\n" + html.unescape(_TAG.sub("", raw))
    return raw


def scan(folder, found: list[Secret]) -> list[str]:
    """`file: where the solution region is` for each file under `folder` that shows a secret."""
    folder = Path(folder)
    hits = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in SUFFIXES:
            for secret in find_leaks(readable(path), found):
                hits.append(f"{path.relative_to(folder).as_posix()}: {secret.describe()}")
    return hits
