"""The course's notebooks as files: the ToC's order, chapter stems, exercise ids and front matter.

    from shipml.course import notebooks
    notebooks.toc_docs(notebooks.read_toc("."))   # ['book/intro', ..., 'chapters/01-ml-engineering', ...]
    notebooks.chapter_paths(".")                  # chapters/*.md in _toc.yml order
    notebooks.chapter_number("07-serving")        # 7 (None for a stem without an NN- prefix)
    notebooks.EXERCISE_ID.match("ch01-ex2")       # an exercise id; its group "chapter" is "01"
    notebooks.CHECK_CALL.finditer(code)           # Check("ch01-ex2", target) calls: groups id, target
    notebooks.front_matter("chapters/01-ml-engineering.md")   # the validated `shipml:` block
    notebooks.front_matter("solutions/14-capstone.md")["review"]   # its manual-review rubric, validated
    notebooks.title("chapters/01-ml-engineering.md")          # the first `# ` heading

The one place that knows how the course's files are named and ordered, so the
exercise generator, the Sphinx extension and the instructor tools agree. The
order of the course lives in `_toc.yml`; the NN prefix of a stem only sorts
files and names the chapter that an exercise id (`ch07-...`) belongs to.

A mistake in a notebook or the ToC raises AuthoringError, whose message names
the file and the line: `chapters/02-pipelines.md:4: unknown key shipml.minute`.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import yaml

from shipml.course.competencies import COMPETENCIES

__all__ = [
    "CHECK_CALL",
    "EXERCISE_ID",
    "NN",
    "QUIZ_CALL",
    "AuthoringError",
    "chapter_number",
    "chapter_numbers",
    "chapter_paths",
    "doc_name",
    "front_matter",
    "front_matter_lines",
    "review_problem",
    "read_toc",
    "relative",
    "title",
    "toc_docs",
    "toc_paths",
    "toc_stems",
]

NN = re.compile(r"^(?P<nn>\d+)-")  # the number a chapter's stem starts with: 07-serving
EXERCISE_ID = re.compile(r"^ch(?P<chapter>\d+)-\S+$")  # ch07-ex2, ch07-q1
# The id is matched even when empty or malformed, so that the generator can say what is wrong with it.
# The target is a name (the learner's object the grader hands to the checks); a lambda or call has none.
CHECK_CALL = re.compile(
    r"""\bCheck\(\s*(?P<q>['"])(?P<id>[^'"]*)(?P=q)(?:\s*,\s*(?P<target>[A-Za-z_][A-Za-z0-9_]*)(?=\s*[,)]))?""")
QUIZ_CALL = re.compile(r"""\bQuiz\(\s*(?P<q>['"])(?P<id>[^'"]*)(?P=q)""")
# In an .ipynb the code is JSON text: a double quote is written \" and a line break \n (so no \b before a call).
_ANY_CALL = re.compile(r"""(?:\b|(?<=\\n))(?:Check|Quiz)\(\s*\\?['"]ch(?P<nn>\d+)-""")

_SHIPML_KEYS = {
    "objectives": "a list of strings",
    "minutes": "a whole number of minutes",
    "prerequisites": "a list of chapter stems such as 01-ml-engineering",
    "runtime_budget_s": "a number of seconds",
    "runs_alone": "true or false: true when the notebook asserts timing ratios, so no other notebook runs beside it",
    "skills": "a mapping from competency ids (shipml.course.competencies) to lists of short phrases: the skills"
              " the chapter builds",
    "review": "a list of manual-review rows, each with id, criterion, points and levels (full, half, none):"
              " the rubric an instructor marks by hand (in the solution notebook only)",
}
# A row of `shipml.review`: what an instructor marks by hand (shipml.course.instructor.review reads it).
REVIEW_KEYS = ("id", "criterion", "points", "levels")
REVIEW_LEVELS = ("full", "half", "none")
REVIEW_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class AuthoringError(ValueError):
    """A mistake in a course notebook, located by file and 1-based line."""

    def __init__(self, file, line: int, message: str):
        self.file, self.line, self.message = str(file), line, message
        super().__init__(f"{self.file}:{line}: {message}")


def relative(path: Path, root: Path) -> str:
    """`path` relative to `root` as a posix string, for messages (`path` itself when outside)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# --- chapter stems and exercise ids ------------------------------------------------


def chapter_number(stem: str) -> int | None:
    """The chapter number of a stem such as 07-serving, or None where it has no NN- prefix."""
    match = NN.match(stem)
    return int(match.group("nn")) if match else None


def chapter_numbers(text: str) -> set[int]:
    """The chapters named by the ids of the Check(...) and Quiz(...) calls in `text` (MyST or .ipynb)."""
    return {int(m.group("nn")) for m in _ANY_CALL.finditer(text)}


# --- the table of contents -------------------------------------------------------------


def doc_name(entry: str) -> str:
    """A ToC `file:` entry as a Sphinx docname: chapters/01-x.md -> chapters/01-x."""
    return entry[:-3] if entry.endswith(".md") else entry


def read_toc(root=".") -> dict | None:
    """The course's _toc.yml as loaded YAML, or None where there is none."""
    toc = Path(root) / "_toc.yml"
    if not toc.exists():
        return None
    return yaml.safe_load(toc.read_text(encoding="utf-8")) or {}


def toc_docs(toc: dict | None) -> list[str]:
    """Every doc that a loaded ToC lists, root first, then in reading order, each once."""
    if not toc:
        return []
    found = [doc_name(toc["root"])] if isinstance(toc.get("root"), str) else []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                found.append(doc_name(node["file"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return list(dict.fromkeys(found))


def toc_stems(root=".", folders=("chapters", "solutions")) -> list[str]:
    """The stems of the notebooks the ToC lists in `folders`, in its order (empty where there is no ToC)."""
    docs = toc_docs(read_toc(root))
    stems = [posixpath.basename(d) for d in docs if d.split("/")[0] in folders]
    return list(dict.fromkeys(stems))


def chapter_paths(root=".") -> list[Path]:
    """chapters/*.md in the order of _toc.yml, or by name where there is no ToC.

    A chapter that the ToC lists but that does not exist is an AuthoringError at its ToC line.
    """
    root = Path(root)
    toc = read_toc(root)
    if toc is None:
        return sorted((root / "chapters").glob("*.md"))
    toc_lines = (root / "_toc.yml").read_text(encoding="utf-8").splitlines()
    paths = []
    for doc in toc_docs(toc):
        if not doc.startswith("chapters/"):
            continue
        path = root / f"{doc}.md"
        if not path.exists():
            line = next((i for i, text in enumerate(toc_lines, 1) if doc in text), 1)
            raise AuthoringError("_toc.yml", line, f"lists {doc}.md, but {relative(path, root)} does not exist")
        paths.append(path)
    return paths


def toc_paths(root=".") -> list[Path]:
    """Every page file the ToC lists (book/, chapters/, solutions/, exercises/), in its order, that exists."""
    root = Path(root)
    return [root / f"{doc}.md" for doc in toc_docs(read_toc(root)) if (root / f"{doc}.md").exists()]


# --- front matter and title ---------------------------------------------------------------


def front_matter_lines(text: str) -> list[str] | None:
    """The YAML lines between the front matter's `---` fences (file lines 2, 3, ...), or None."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for i, line in enumerate(lines[1:], 1):
        if line.strip() == "---":
            return lines[1:i]
    return None


def _yaml_line(text: str, keys: list[str]) -> int:
    """The file line of the YAML key at path `keys` in the front matter (line 1 where not found)."""
    try:
        node = yaml.compose("\n".join(front_matter_lines(text) or []))
    except yaml.YAMLError:
        return 1
    line = 1
    for key in keys:
        match = None
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            match = (node.value[key], node.value[key])  # a list item: its own line
        if match is None:
            break
        line, node = match[0].start_mark.line + 2, match[1]  # the YAML starts on file line 2
    return line


def review_problem(rows) -> tuple[list, str] | None:
    """What is wrong with a `shipml.review` value, as (the path to the bad field, a sentence), or None.

    The path (e.g. `[2, "points"]`, below `shipml.review`) lets a caller name the file's line;
    the sentence names the row (1-based, and its id where it has one) and the field.
    """
    if not isinstance(rows, list):
        return [], f"shipml.review must be a list of rows (id, criterion, points, levels), not {rows!r}"
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        name = f"shipml.review row {i + 1}"
        if not isinstance(row, dict):
            return [i], f"{name} must be a mapping with the keys {', '.join(REVIEW_KEYS)}, not {row!r}"
        if isinstance(row.get("id"), str):
            name += f" ({row['id']})"
        unknown = [k for k in row if k not in REVIEW_KEYS]
        if unknown:
            return [i, unknown[0]], f"{name} has an unknown key {unknown[0]!r}: the keys are {', '.join(REVIEW_KEYS)}"
        missing = [k for k in REVIEW_KEYS if k not in row]
        if missing:
            return [i], f"{name} lacks {missing[0]!r}: every row has {', '.join(REVIEW_KEYS)}"
        row_id, criterion, points, levels = (row[k] for k in REVIEW_KEYS)
        if not isinstance(row_id, str) or not REVIEW_ID.match(row_id):
            return [i, "id"], (f"{name}: id must be a slug of lower-case letters, digits and hyphens "
                               f"(e.g. decision-memo), not {row_id!r}")
        if row_id in seen:
            return [i, "id"], f"{name}: the id {row_id!r} is already the id of row {seen[row_id]}"
        seen[row_id] = i + 1
        if not isinstance(criterion, str) or not criterion.strip() or "\n" in criterion.strip():
            return [i, "criterion"], f"{name}: criterion must be one sentence on one line, not {criterion!r}"
        number = isinstance(points, (int, float)) and not isinstance(points, bool)
        if not number or not points > 0 or points == float("inf"):
            return [i, "points"], f"{name}: points must be a number above 0, not {points!r}"
        if not isinstance(levels, dict) or set(levels) != set(REVIEW_LEVELS):
            return [i, "levels"], (f"{name}: levels must say what earns full, half and no points, as "
                                   f"{{full: ..., half: ..., none: ...}}, not {levels!r}")
        empty = [k for k in REVIEW_LEVELS if not isinstance(levels[k], str) or not levels[k].strip()]
        if empty:
            return [i, "levels", empty[0]], f"{name}: levels.{empty[0]} must be a sentence, not {levels[empty[0]]!r}"
    return None


def front_matter(path, root=None) -> dict:
    """The validated `shipml:` block of a notebook's front matter ({} when it has none).

    Prerequisites must be stems of chapters in `root`/chapters (root defaults
    to the folder above the notebook's folder).
    """
    path = Path(path)
    root = Path(root) if root is not None else path.resolve().parent.parent
    source = relative(path.resolve(), root.resolve())
    text = path.read_text(encoding="utf-8")
    yaml_lines = front_matter_lines(text)
    if yaml_lines is None:
        return {}
    try:
        meta = yaml.safe_load("\n".join(yaml_lines)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1  # the YAML starts on file line 2
        raise AuthoringError(source, line, f"the front matter is not valid YAML: {exc}") from None
    block = meta.get("shipml") if isinstance(meta, dict) else None
    if block is None:
        return {}
    if not isinstance(block, dict):
        raise AuthoringError(source, _yaml_line(text, ["shipml"]), "`shipml:` must hold keys such as `minutes: 60`")
    chapters = {p.stem for p in (root / "chapters").glob("*.md")}
    for key, value in block.items():
        line = _yaml_line(text, ["shipml", key])
        if key not in _SHIPML_KEYS:
            known = ", ".join(sorted(_SHIPML_KEYS))
            raise AuthoringError(source, line, f"unknown key shipml.{key}: the keys are {known}")
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = {
            "objectives": isinstance(value, list) and all(isinstance(v, str) for v in value),
            "minutes": isinstance(value, int) and not isinstance(value, bool) and value > 0,
            "prerequisites": isinstance(value, list) and all(isinstance(v, str) for v in value),
            "runtime_budget_s": number and value > 0,
            "runs_alone": isinstance(value, bool),
            "skills": isinstance(value, dict) and all(
                isinstance(v, list) and v and all(isinstance(s, str) and s.strip() for s in v) for v in value.values()
            ),
            "review": True,  # row by row below
        }[key]
        if not ok:
            raise AuthoringError(source, line, f"shipml.{key} must be {_SHIPML_KEYS[key]}, not {value!r}")
        if key == "skills":
            unknown = [k for k in value if k not in COMPETENCIES]
            if unknown:
                raise AuthoringError(
                    source, _yaml_line(text, ["shipml", key, str(unknown[0])]),
                    f"shipml.skills: {unknown[0]!r} is not a competency; the ids are {', '.join(COMPETENCIES)}",
                )
        if key == "review":
            if path.parent.name == "chapters":
                raise AuthoringError(source, line, f"shipml.review belongs in the solution notebook "
                                     f"(solutions/{path.stem}.md), the rubric's one home, not in the chapter")
            problem = review_problem(value)
            if problem:
                where, message = problem
                raise AuthoringError(source, _yaml_line(text, ["shipml", key, *where]), message)
        if key == "prerequisites":
            unknown = [v for v in value if v not in chapters]
            if unknown:
                raise AuthoringError(
                    source, line, f"prerequisite {unknown[0]!r} is not a chapter: no chapters/{unknown[0]}.md"
                )
    return block


def title(path) -> str:
    """The notebook's title: the first `# ` heading outside the front matter and code cells (else the stem).

    Read as lines, without a notebook reader: the syllabus page calls this in a
    kernel, where importing jupytext (and nbformat's validators) costs a second.
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    if front_matter_lines("\n".join(lines)) is not None:
        lines = lines[len(front_matter_lines("\n".join(lines))) + 2:]
    fence = None
    for line in lines:
        marker = re.match(r"^(`{3,}|~{3,})", line.strip())
        if marker:
            if fence is None:
                fence = marker.group(1)
            elif line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
                fence = None
            continue
        if fence is None and line.startswith("# "):
            return line[2:].strip()
    return path.stem
