"""Exercise generation from solutions, and the syllabus.

    from shipml.course.authoring import write_exercises, generate_exercise, syllabus_markdown
    write_exercises(".")                  # solutions/NN-slug.md -> exercises/NN-slug.md
    write_exercises(".", check=True)      # -> the stale, missing or orphaned files; writes nothing
    text = generate_exercise(solution_text, "solutions/01-ml-engineering.md")
    syllabus_markdown(".")                # -> Markdown for the book's syllabus page
    schedule(".", weeks=12)               # -> the weeks of a term: the chapters (or parts) of each
    schedule_markdown(".", weeks=12)      # -> that schedule as a Markdown table, for the same page
    career_map_markdown(".")              # -> the competencies, each with the chapters and exercises that build it

Reading the ToC, front matter and exercise ids is shipml.course.notebooks's job.

The command line runs the first two: `shipml exercises [--check]`.

What a solution notebook may mark, and what the exercise gets instead:

- `# BEGIN SOLUTION` ... `# END SOLUTION`, each alone on a comment line of a
  code cell: the region becomes a stub that runs, at the BEGIN line's indent.
  Simple assignments become `name = None  # YOUR CODE HERE` (an annotated one
  keeps its annotation, `name: float = None`, which a class field needs); a `def`/`class`
  keeps its signature and docstring over a body of `...`; imports are kept
  (they name a tool, not the answer, and later cells may need them);
  anything else becomes `# YOUR CODE HERE` then `...`. A function whose body
  is stubbed returns None, so its check reports "not attempted".
- a code cell tagged `solution`: its whole source is stubbed by the same rule
  (rather than dropped, so that the cells after it still run).
- a cell tagged `hidden-check`: dropped (the grader runs it from the solution).
- `<!-- BEGIN SOLUTION -->` ... `<!-- END SOLUTION -->` lines in a markdown
  cell, or a markdown cell tagged `solution`: the answer becomes
  `*Your answer here.*`.
- the title: a solution's first heading `# Solutions: <title>` and the
  paragraph under it (which introduces the worked solutions) become
  `# Exercises: <title>` and the course's one paragraph on how to work an
  exercise notebook (`EXERCISE_INTRO`, linking the chapter of the same stem).
  The book shows each page under its own title, and search finds each once.

Label targets `(name)=` and `:name:` options that survive into the exercise
are renamed `exercise-name` (Sphinx labels are global and the book holds both
pages), and references to them within the exercise follow. Glue keys are per
page and stay as they are.

A mistake in the markers raises AuthoringError, whose message names the file
and the line, e.g. `solutions/01-ml-engineering.md:42: BEGIN SOLUTION is never
closed`.
"""

from __future__ import annotations

import ast
import copy
import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from shipml.course.competencies import COMPETENCIES
from shipml.course.notebooks import (
    CHECK_CALL,
    EXERCISE_ID,
    NN,
    AuthoringError,
    chapter_paths,
    front_matter,
    front_matter_lines,
    relative,
    title,
)

__all__ = [
    "AuthoringError",
    "SolutionRegion",
    "check_chapter",
    "generate_exercise",
    "solution_regions",
    "career_map",
    "career_map_markdown",
    "self_assessment_markdown",
    "syllabus_markdown",
    "write_exercises",
]

# jupytext_version differs between machines; dropping it keeps generated files
# byte-identical wherever they are generated.
_WRITE_FMT = {
    "extension": ".md",
    "format_name": "myst",
    "notebook_metadata_filter": "all,-jupytext.text_representation.jupytext_version",
}

STUB = "# YOUR CODE HERE"
ANSWER_STUB = "*Your answer here.*"
SOLUTIONS_TITLE = re.compile(r"^# Solutions: (?P<title>.+)$")
EXERCISE_INTRO = """\
These exercises go with the chapter {{doc}}`../chapters/{stem}`. Run the
notebook from the top. Write your code where a cell says `# YOUR CODE HERE`;
the **Check** box under it runs the checks on your code ("Check again" after a
change) and **Hint** shows hints, one at a time. The notebook runs top to
bottom before you have written anything: a cell that needs an earlier answer
says so instead of failing."""
_HEADER_START = "*This exercise notebook is generated from "

_CODE_BEGIN = re.compile(r"^\s*#+\s*BEGIN SOLUTION\s*$")
_CODE_END = re.compile(r"^\s*#+\s*END SOLUTION\s*$")
_MD_BEGIN = re.compile(r"^\s*<!--\s*BEGIN SOLUTION\s*-->\s*$")
_MD_END = re.compile(r"^\s*<!--\s*END SOLUTION\s*-->\s*$")
_ANY_MARKER = re.compile(r"\b(BEGIN|END)\s+SOLUTION\b", re.IGNORECASE)
_FENCE = re.compile(r"^(`{3,}|~{3,})\{code-cell\}")
_LABEL = re.compile(r"^\s*\((?P<name>[^()\s]+)\)=\s*$")
_NAME_OPTION = re.compile(r"^\s*:name:\s*(?P<name>\S+)\s*$")


# --- reading a MyST notebook with its line numbers -------------------------


def _read(text: str, source: str):
    """The notebook in `text` and, per cell, (first line of the cell, first line of its source)."""
    import jupytext  # here, not at the top: the syllabus page imports this module and needs no notebook reader

    try:
        nb = jupytext.reads(text, fmt="md:myst")
    except Exception as exc:  # jupytext's own errors vary; the author needs the file name
        raise AuthoringError(source, 1, f"jupytext cannot read this MyST notebook: {exc}") from None
    return nb, _cell_lines(text, nb)


def _cell_lines(text: str, nb) -> list[tuple[int, int]]:
    # jupytext's MyST reader keeps no line numbers. Code cells start at their
    # ```{code-cell} fence, and every cell's source is a verbatim slice of the
    # text, in order: find each one after the end of the one before.
    lines = text.splitlines(keepends=True)
    starts = list(accumulate([0] + [len(line) for line in lines]))
    fences = [i for i, line in enumerate(lines) if _FENCE.match(line)]

    def line_of(offset: int) -> int:
        return bisect_right(starts, offset)

    cursor = _front_matter_end(text)
    result = []
    for cell in nb.cells:
        found = -1
        if cell.cell_type == "code":
            fence = next((i for i in fences if starts[i] >= cursor), None)
            first = fence + 1 if fence is not None else line_of(cursor)
            cursor = starts[fence + 1] if fence is not None else cursor
            found = text.find(cell.source, cursor) if cell.source else -1
            src_line = line_of(found) if found >= 0 else first + 1
        else:
            found = text.find(cell.source, cursor) if cell.source else -1
            first = src_line = line_of(found if found >= 0 else cursor)
        if found >= 0:
            cursor = found + len(cell.source)
        result.append((first, src_line))
    return result


def _front_matter_end(text: str) -> int:
    """The offset just after the closing `---` of the front matter, or 0."""
    yaml_lines = front_matter_lines(text)
    if yaml_lines is None:
        return 0
    return sum(len(line) for line in text.splitlines(keepends=True)[: len(yaml_lines) + 2])


# --- stubs ------------------------------------------------------------------


def _assigned_names(node) -> list[str] | None:
    """The names a simple assignment binds (`a = ...`, `a: int = ...`, `a, *b = ...`), else None."""
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign) and node.simple:
        targets = [node.target]
    else:
        return None
    names: list[str] = []

    def collect(target) -> bool:
        if isinstance(target, ast.Name):
            names.append(target.id)
            return True
        if isinstance(target, ast.Starred):
            return collect(target.value)
        if isinstance(target, (ast.Tuple, ast.List)):
            return all(collect(t) for t in target.elts)
        return False  # attributes and subscripts change existing objects

    return list(dict.fromkeys(names)) if all(collect(t) for t in targets) else None


def _start(node) -> int:
    """The first line of a statement, its decorators included."""
    return min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])


def _gap(previous, node, lines: list[str]) -> list[str]:
    """As many blank lines (at most 2) as the solution had between two statements."""
    if previous is None:
        return []
    between = lines[previous.end_lineno : _start(node) - 1]
    return [""] * min(2, sum(1 for line in between if not line.strip()))


def _stub_definition(node, lines: list[str]) -> list[str]:
    """A def or class with its decorators, signature and docstring kept, its body stubbed."""
    first = _start(node)
    body = node.body
    has_doc = ast.get_docstring(node, clean=False) is not None
    if body[0].lineno == node.lineno:  # a one-line `def f(x): return x`: rebuild it
        stub = copy.copy(node)
        stub.body = body[:1] if has_doc else []
        stub.body = stub.body + [ast.Expr(ast.Constant(...))]
        code = ast.unparse(stub).splitlines()
        code.insert(len(code) - 1, "    " + STUB)
        return [" " * node.col_offset + line for line in code]
    sig_end = body[0].lineno - 1
    while sig_end > node.lineno and (not lines[sig_end - 1].strip() or lines[sig_end - 1].strip().startswith("#")):
        sig_end -= 1  # comments between signature and body may explain the answer
    indent = " " * body[0].col_offset
    kept = lines[first - 1 : sig_end]
    rest = body
    if has_doc:
        kept += lines[body[0].lineno - 1 : body[0].end_lineno]
        rest = body[1:]
    if isinstance(node, ast.ClassDef):
        # Fields are the class's interface (a dataclass needs them); methods are the answer.
        stubbed_any = False
        previous = body[0] if has_doc else None
        for stmt in rest:
            kept += _gap(previous, stmt, lines)
            previous = stmt
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                kept += _stub_definition(stmt, lines)
                stubbed_any = True
            else:
                kept += lines[stmt.lineno - 1 : stmt.end_lineno]
        if not stubbed_any:
            kept += [indent + STUB] + ([] if rest else [indent + "..."])
        return kept
    return kept + [indent + STUB, indent + "..."]


def _stub(code: str) -> list[str]:
    """The stub that replaces `code` (at column 0): see the module docstring for the rule."""
    generic = [STUB, "..."]
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return generic  # e.g. IPython magics, or a region that is not whole statements
    lines = code.splitlines()
    out: list[str] = []
    stubbed = False
    previous = None
    for node in tree.body:
        out += _gap(previous, node, lines)
        previous = node
        names = _assigned_names(node)
        if isinstance(node, ast.AnnAssign) and names is not None:
            # the annotation stays: a field of a class (a pydantic model, a dataclass) needs one to exist
            out += [f"{names[0]}: {ast.unparse(node.annotation)} = None  {STUB}"]
            stubbed = True
        elif names is not None:
            out += [f"{name} = None  {STUB}" for name in names]
            stubbed = True
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out += _stub_definition(node, lines)
            stubbed = True
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out += lines[node.lineno - 1 : node.end_lineno]
        else:
            return generic
    return out if stubbed else out + generic


def _stub_region(region: list[str], indent: str) -> list[str]:
    body = []
    for line in region:
        if line.startswith(indent):
            body.append(line[len(indent) :])
        elif not line.strip():
            body.append("")
        else:  # a line left of the marker: not a block we can re-indent
            return [indent + STUB, indent + "..."]
    return [indent + line if line else line for line in _stub("\n".join(body))]


# --- cells -------------------------------------------------------------------


def _marker_error(source, line_no, line, markdown: bool) -> AuthoringError:
    if markdown and _CODE_BEGIN.match(line) or markdown and _CODE_END.match(line):
        hint = "in a markdown cell write <!-- BEGIN SOLUTION --> and <!-- END SOLUTION -->"
    elif markdown:
        hint = "write <!-- BEGIN SOLUTION --> or <!-- END SOLUTION --> alone on its line"
    else:
        hint = "write # BEGIN SOLUTION or # END SOLUTION alone on a comment line"
    return AuthoringError(source, line_no, f"{line.strip()!r} looks like a solution marker but is not one: {hint}")


def _replace_regions(lines, first_line, source, markdown: bool) -> list[str]:
    """`lines` with every BEGIN/END SOLUTION region replaced by its stub."""
    begin_re, end_re = (_MD_BEGIN, _MD_END) if markdown else (_CODE_BEGIN, _CODE_END)
    kind = "<!-- BEGIN SOLUTION -->" if markdown else "# BEGIN SOLUTION"
    end_kind = "<!-- END SOLUTION -->" if markdown else "# END SOLUTION"
    out: list[str] = []
    begin = None
    region: list[str] = []
    for i, line in enumerate(lines):
        line_no = first_line + i
        if begin_re.match(line):
            if begin is not None:
                raise AuthoringError(
                    source, line_no, f"{kind} inside the region opened at line {first_line + begin}: close it first"
                )
            begin, region = i, []
        elif end_re.match(line):
            if begin is None:
                raise AuthoringError(source, line_no, f"{end_kind} without a {kind} before it in this cell")
            indent = re.match(r"\s*", lines[begin]).group()
            out += [indent + ANSWER_STUB] if markdown else _stub_region(region, indent)
            begin = None
        elif _ANY_MARKER.search(line):
            raise _marker_error(source, line_no, line, markdown)
        elif begin is not None:
            region.append(line)
        else:
            out.append(line)
    if begin is not None:
        raise AuthoringError(source, first_line + begin, f"{kind} is never closed by {end_kind} in its cell")
    return out


def _tags(cell) -> list[str]:
    return list(cell.metadata.get("tags", []))


def _exercise_cell(cell, lines: tuple[int, int], source: str):
    """The exercise version of one solution cell, or None to drop it."""
    tags = _tags(cell)
    if "hidden-check" in tags:
        return None
    first, src_line = lines
    markdown = cell.cell_type != "code"
    src = cell.source.split("\n")
    replaced = _replace_regions(src, src_line, source, markdown)  # also validates the markers
    if "solution" in tags:
        replaced = [ANSWER_STUB] if markdown else _stub(cell.source)
        tags.remove("solution")
        if tags:
            cell.metadata["tags"] = tags
        else:
            del cell.metadata["tags"]
    new_source = "\n".join(replaced)
    if not markdown and new_source != cell.source:
        _check_still_python(cell.source, new_source, source, first)
    cell.source = new_source
    return cell


def _check_still_python(before: str, after: str, source: str, line: int):
    try:
        ast.parse(before)
    except SyntaxError:
        return  # IPython syntax: nothing to compare against
    try:
        ast.parse(after)
    except SyntaxError as exc:
        raise AuthoringError(
            source,
            line,
            f"the exercise version of this cell is not valid Python ({exc.msg}): "
            "put the solution markers around whole statements",
        ) from None


# --- labels ---------------------------------------------------------------------


def _rename_labels(cells) -> None:
    """Rename `(x)=` and `:name: x` to `exercise-x`, with the references to them, in place."""
    names: set[str] = set()
    for cell in cells:
        if cell.cell_type == "code" and isinstance(cell.metadata.get("name"), str):
            names.add(cell.metadata["name"])
        for line in cell.source.split("\n"):
            match = (_LABEL.match(line) if cell.cell_type == "markdown" else None) or _NAME_OPTION.match(line)
            if match:
                names.add(match.group("name"))
    if not names:
        return
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    target = re.compile(rf"^(\s*\()({alternatives})(\)=\s*)$", re.MULTILINE)
    option = re.compile(rf"^(\s*:name:\s*)({alternatives})(\s*)$", re.MULTILINE)
    role = re.compile(rf"(\{{(?:ref|numref|eq)\}}`(?:[^`<]*<)?)({alternatives})(>?`)")
    link = re.compile(rf"(\]\(#)({alternatives})(\))")
    for cell in cells:
        if cell.metadata.get("name") in names:
            cell.metadata["name"] = f"exercise-{cell.metadata['name']}"
        text = cell.source
        for pattern in (target, option, role, link):
            text = pattern.sub(lambda m: f"{m.group(1)}exercise-{m.group(2)}{m.group(3)}", text)
        cell.source = text


# --- exercise ids -----------------------------------------------------------------


def _registered_ids() -> set[str] | None:
    """The exercise ids that shipml.course.checks knows, or None where the registry is not there yet."""
    try:
        from shipml.course.checks import registered_ids
    except ImportError:
        return None
    return set(registered_ids())


def _check_exercise_ids(nb, cell_lines, source: str) -> None:
    match = NN.match(Path(source).stem)
    chapter = int(match.group("nn")) if match else None
    unread = object()
    registered = unread  # read at the first Check(...) only: it imports every chapter's checks
    for cell, (_, src_line) in zip(nb.cells, cell_lines):
        if cell.cell_type != "code":
            continue
        for i, line in enumerate(cell.source.split("\n")):
            for call in CHECK_CALL.finditer(line):
                ex_id, line_no = call.group("id"), src_line + i
                parsed = EXERCISE_ID.match(ex_id)
                if not parsed:
                    raise AuthoringError(source, line_no, f"exercise id {ex_id!r} does not look like 'ch01-ex2'")
                if chapter is not None and int(parsed.group("chapter")) != chapter:
                    raise AuthoringError(
                        source,
                        line_no,
                        f"exercise id {ex_id!r} belongs to chapter {parsed.group('chapter')}, "
                        f"but this notebook is chapter {match.group('nn')}",
                    )
                if registered is unread:
                    registered = _registered_ids()
                if registered is not None and ex_id not in registered:
                    module = NN.sub("", Path(source).stem).replace("-", "_")
                    raise AuthoringError(
                        source,
                        line_no,
                        f"exercise id {ex_id!r} is not registered in shipml.course.checks: "
                        f'add exercise("{ex_id}", ...) to shipml/course/checks/{module}.py',
                    )


# --- public API ------------------------------------------------------------------------


def generate_exercise(text: str, source: str) -> str:
    """The exercise notebook (MyST text) generated from the solution notebook `text` read from `source`."""
    nb, cell_lines = _read(text, source)
    _check_exercise_ids(nb, cell_lines, source)
    pairs = list(zip(nb.cells, cell_lines))
    generated = bool(pairs) and pairs[0][0].cell_type == "markdown" and pairs[0][0].source.startswith(_HEADER_START)
    if generated:
        pairs = pairs[1:]  # regenerating from an exercise gives the same exercise
    cells = [c for c in (_exercise_cell(cell, lines, source) for cell, lines in pairs) if c is not None]
    if not generated:
        _rename_labels(cells)
        _exercise_title(cells, Path(source).stem)
    import jupytext

    source_name = Path(source).as_posix()
    header = jupytext.reads(
        f"{_HEADER_START}`{source_name}` by `shipml exercises`. Edit the solution, not this file.*\n",
        fmt="md:myst",
    ).cells[0]
    nb.cells = [header] + cells
    return jupytext.writes(nb, fmt=dict(_WRITE_FMT))


def _exercise_title(cells, stem: str) -> None:
    """`# Solutions: T` and the paragraph under it -> `# Exercises: T` and EXERCISE_INTRO, in place."""
    first = next((c for c in cells if c.cell_type == "markdown"), None)
    if first is None:
        return
    lines = first.source.split("\n")
    heading = next((i for i, line in enumerate(lines) if line.strip()), None)
    match = SOLUTIONS_TITLE.match(lines[heading]) if heading is not None else None
    if match is None:
        return
    start = heading + 1
    while start < len(lines) and not lines[start].strip():
        start += 1
    end = start
    while end < len(lines) and lines[end].strip():
        end += 1
    intro = EXERCISE_INTRO.format(stem=stem).split("\n")
    first.source = "\n".join(lines[:heading] + [f"# Exercises: {match['title']}", ""] + intro + lines[end:])


@dataclass(frozen=True)
class SolutionRegion:
    """What the exercise does not show: a marked region's body, a `solution` cell or a `hidden-check` cell."""

    source: str  # the solution file, e.g. solutions/01-ml-engineering.md
    line: int  # the file line of the region's first line
    kind: str  # "solution region", "solution cell" or "hidden-check cell"
    lines: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line} ({self.kind})"


def solution_regions(text: str, source: str) -> list[SolutionRegion]:
    """Every solution region of the solution notebook `text` read from `source`, in order."""
    nb, cell_lines = _read(text, source)
    regions = []
    for cell, (_, src_line) in zip(nb.cells, cell_lines):
        tags = _tags(cell)
        src = cell.source.split("\n")
        markdown = cell.cell_type != "code"
        _replace_regions(src, src_line, source, markdown)  # validates the markers, as generation does
        if "hidden-check" in tags or "solution" in tags:
            kind = "hidden-check cell" if "hidden-check" in tags else "solution cell"
            regions.append(SolutionRegion(source, src_line, kind, tuple(src)))
            continue
        begin_re, end_re = (_MD_BEGIN, _MD_END) if markdown else (_CODE_BEGIN, _CODE_END)
        begin = None
        for i, line in enumerate(src):
            if begin_re.match(line):
                begin = i + 1
            elif end_re.match(line):
                regions.append(SolutionRegion(source, src_line + begin, "solution region", tuple(src[begin:i])))
                begin = None
    return regions


def check_chapter(text: str, source: str) -> None:
    """Raise AuthoringError where a chapter notebook holds what only solutions may (a hidden-check cell)."""
    nb, cell_lines = _read(text, source)
    for cell, (first, _) in zip(nb.cells, cell_lines):
        if "hidden-check" in _tags(cell):
            raise AuthoringError(
                source,
                first,
                "a chapter may not have a hidden-check cell (nothing would hide it): move it to the solution notebook",
            )
    _check_exercise_ids(nb, cell_lines, source)


def write_exercises(root=".", check: bool = False) -> list[Path]:
    """Generate exercises/NN-slug.md from every solutions/NN-slug.md.

    Returns the files written or removed (an exercise with no solution is
    removed); with check=True writes nothing and returns the exercise files
    that are stale, missing or orphaned.
    """
    root = Path(root)
    solutions = sorted((root / "solutions").glob("*.md"))
    exercises_dir = root / "exercises"
    for chapter in sorted((root / "chapters").glob("*.md")):
        check_chapter(chapter.read_text(encoding="utf-8"), relative(chapter, root))
    wanted: dict[Path, str] = {}
    for solution in solutions:
        source = relative(solution, root)
        if not (root / "chapters" / solution.name).exists():
            raise AuthoringError(
                source,
                1,
                f"no chapter for this solution: chapters/{solution.name} does not exist (same stem everywhere)",
            )
        wanted[exercises_dir / solution.name] = generate_exercise(solution.read_text(encoding="utf-8"), source)
    changed = [
        path for path, text in wanted.items() if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    orphans = [p for p in sorted(exercises_dir.glob("*.md")) if p not in wanted]
    if check:
        return sorted(changed + orphans)
    for orphan in orphans:
        if _HEADER_START not in orphan.read_text(encoding="utf-8"):
            raise AuthoringError(
                relative(orphan, root),
                1,
                "this exercise has no solution and was not generated by `shipml exercises`: "
                "move it to solutions/ or delete it",
            )
        orphan.unlink()
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted[path], encoding="utf-8")
    return sorted(changed + orphans)


def syllabus_markdown(root=".", link_prefix: str | None = None) -> str:
    """A Markdown list of the chapters in _toc.yml order: title, minutes, prerequisites, objectives.

    With `link_prefix` (e.g. "../chapters/") each title links to its chapter.
    """
    root = Path(root)
    chapters = chapter_paths(root)
    titles = {path.stem: title(path) for path in chapters}
    lines: list[str] = []
    total = 0
    for number, path in enumerate(chapters, 1):
        facts = front_matter(path, root)
        heading = titles[path.stem]
        if link_prefix is not None:
            heading = f"[{heading}]({link_prefix}{path.stem}.md)"
        minutes = facts.get("minutes")
        total += minutes or 0
        prerequisites = ", ".join(titles.get(p, p) for p in facts.get("prerequisites", [])) or "none"
        time = f"{minutes} minutes, {_hours(minutes)}" if minutes else "time not given"
        lines.append(f"{number}. **{heading}** ({time}; prerequisites: {prerequisites})")
        lines.append("")
        for objective in facts.get("objectives", []):
            lines.append(f"   - {objective}")
        if facts.get("objectives"):
            lines.append("")
    hours, rest = divmod(total, 60)
    lines.append(f"Total: {total} minutes ({hours} h {rest} min) of reading and exercises.")
    return "\n".join(lines) + "\n"


def _hours(minutes: float) -> str:
    """Minutes as hours for a syllabus: 60 -> '1 h', 75 -> '1.25 h', 37.5 -> '0.62 h'."""
    return f"{round(minutes / 60, 2):g} h"


def _prerequisite_order(chapters: list[Path], facts: dict[str, dict], root: Path) -> list[Path]:
    """The chapters in ToC order, except that a chapter waits for its prerequisites (a stable topological order).

    Prerequisites that are not among `chapters` (a draft outside the ToC) do not hold a chapter back; a cycle
    is an AuthoringError at the first chapter caught in it.
    """
    present = {path.stem for path in chapters}
    waiting = list(chapters)
    placed: list[Path] = []
    done: set[str] = set()
    while waiting:
        ready = next(
            (p for p in waiting if all(q in done for q in facts[p.stem].get("prerequisites", []) if q in present)),
            None,
        )
        if ready is None:
            stuck = waiting[0]
            raise AuthoringError(
                relative(stuck, root),
                1,
                f"the prerequisites of {', '.join(p.stem for p in waiting)} form a cycle: no order of the "
                "chapters puts every prerequisite first",
            )
        waiting.remove(ready)
        placed.append(ready)
        done.add(ready.stem)
    return placed


def _weeks_per_chapter(minutes: list[int], weeks: int) -> list[int]:
    """Fewer chapters than weeks: each gets one week, and each spare week goes to the chapter with most minutes a week."""
    counts = [1] * len(minutes)
    for _ in range(weeks - len(minutes)):
        heaviest = max(range(len(minutes)), key=lambda i: (minutes[i] / counts[i], -i))
        counts[heaviest] += 1
    return counts


def _groups(minutes: list[int], weeks: int) -> list[int]:
    """As many chapters as weeks or more: the sizes of `weeks` consecutive non-empty groups whose largest total
    of minutes is as small as it can be (the linear partition problem, by dynamic programming)."""
    n = len(minutes)
    prefix = list(accumulate([0] + minutes))
    inf = float("inf")
    # best[k][i]: the smallest largest-week total for the first i chapters in k weeks; cut[k][i]: where week k starts
    best = [[inf] * (n + 1) for _ in range(weeks + 1)]
    cut = [[0] * (n + 1) for _ in range(weeks + 1)]
    best[0][0] = 0
    for k in range(1, weeks + 1):
        for i in range(k, n - (weeks - k) + 1):
            for j in range(k - 1, i):
                value = max(best[k - 1][j], prefix[i] - prefix[j])
                if value < best[k][i]:
                    best[k][i], cut[k][i] = value, j
    sizes, i = [], n
    for k in range(weeks, 0, -1):
        sizes.append(i - cut[k][i])
        i = cut[k][i]
    return sizes[::-1]


def schedule(root=".", weeks: int = 12) -> list[list[dict]]:
    """A suggested term of `weeks` weeks, generated from the chapters' `minutes` and `prerequisites`.

    Returns one list per week of the parts taught that week, in order, each a dict: `stem`, `title`,
    `minutes` (that week's share of the chapter), `part` and `parts` (1 and 1 when the chapter fits in the
    week). Chapters come in ToC order, never before their prerequisites (a chapter starts in the week its last
    prerequisite ends, after it, or later). Weeks are balanced by minutes: with more chapters than weeks,
    consecutive chapters are grouped so that the busiest week is as light as it can be; with fewer, a chapter
    spans several weeks, the spare weeks going to the chapters with the most minutes a week. A chapter
    without `minutes` counts 0. The minutes of all weeks add up to the course's.
    """
    if not isinstance(weeks, int) or isinstance(weeks, bool) or weeks < 1:
        raise ValueError(f"weeks must be a whole number of at least 1, not {weeks!r}")
    root = Path(root)
    chapters = chapter_paths(root)
    if not chapters:
        return [[] for _ in range(weeks)]
    facts = {path.stem: front_matter(path, root) for path in chapters}
    ordered = _prerequisite_order(chapters, facts, root)
    minutes = [facts[p.stem].get("minutes") or 0 for p in ordered]
    item = lambda path, share, part, parts: {  # noqa: E731
        "stem": path.stem, "title": title(path), "minutes": share, "part": part, "parts": parts,
    }
    plan: list[list[dict]] = []
    if len(ordered) >= weeks:
        start = 0
        for size in _groups(minutes, weeks):
            plan.append([item(p, m, 1, 1) for p, m in zip(ordered[start : start + size], minutes[start : start + size])])
            start += size
        return plan
    for path, total, parts in zip(ordered, minutes, _weeks_per_chapter(minutes, weeks)):
        share, extra = divmod(total, parts)
        for part in range(1, parts + 1):
            plan.append([item(path, share + (1 if part <= extra else 0), part, parts)])
    return plan


def schedule_markdown(root=".", weeks: int = 12, link_prefix: str | None = None) -> str:
    """`schedule(root, weeks)` as a Markdown table: week, what is taught, minutes and hours; then the totals.

    With `link_prefix` (e.g. "../chapters/") each title links to its chapter.
    """
    plan = schedule(root, weeks)
    lines = ["| week | chapters | minutes | hours |", "| --- | --- | --- | --- |"]
    for number, week in enumerate(plan, 1):
        names = []
        for entry in week:
            name = entry["title"]
            if link_prefix is not None:
                name = f"[{name}]({link_prefix}{entry['stem']}.md)"
            if entry["parts"] > 1:
                name += f" (part {entry['part']} of {entry['parts']})"
            names.append(name)
        spent = sum(entry["minutes"] for entry in week)
        lines.append(f"| {number} | {'; '.join(names) or '(review)'} | {spent} | {_hours(spent)} |")
    total = sum(entry["minutes"] for week in plan for entry in week)
    busiest = max((sum(e["minutes"] for e in week) for week in plan), default=0)
    lines += [
        "",
        f"Total: {total} minutes ({_hours(total)}) of reading and exercises over {weeks} weeks: "
        f"{_hours(total / weeks)} a week on average, {_hours(busiest)} in the busiest week.",
    ]
    return "\n".join(lines) + "\n"


# --- the career map ------------------------------------------------------------------------

_EXERCISE_HEADING = re.compile(r"^## Exercise (?P<n>\d+): (?P<title>.+)$", re.MULTILINE)


def career_map(root=".") -> list[dict]:
    """Each competency of shipml.course.competencies with the chapters whose `skills` name it.

    Per competency: `id`, `title`, `asked_for` and `chapters`, a list (in ToC order) of
    `{"stem", "number", "title", "skills", "exercises"}`, where `skills` are the chapter's phrases filed
    under that competency and `exercises` the titles of its solution notebook's `## Exercise N: title` headings.
    A competency that no chapter builds yet has no chapters.
    """
    root = Path(root)
    found: dict[str, list[dict]] = {key: [] for key in COMPETENCIES}
    for number, path in enumerate(chapter_paths(root), 1):
        skills = front_matter(path, root).get("skills", {})
        solution = root / "solutions" / path.name
        text = solution.read_text(encoding="utf-8") if solution.exists() else ""
        exercises = [m["title"].strip() for m in _EXERCISE_HEADING.finditer(text)]
        for key, phrases in skills.items():
            found[key].append({"stem": path.stem, "number": number, "title": title(path),
                               "skills": list(phrases), "exercises": exercises})
    return [{"id": key, "title": c.title, "asked_for": c.asked_for, "chapters": found[key]}
            for key, c in COMPETENCIES.items()]


def career_map_markdown(root=".", link_prefix: str = "../") -> str:
    """The career map as Markdown: an overview table, then per competency its chapters, skills and exercises.

    Links are `link_prefix` + `chapters/NN-slug.md` (and `exercises/…`), relative to the page that shows it.
    """
    competencies = career_map(root)
    lines = ["| competency | what roles ask for | chapters |", "| --- | --- | --- |"]
    for c in competencies:
        chapters = ", ".join(f"[{ch['number']}]({link_prefix}chapters/{ch['stem']}.md)" for ch in c["chapters"])
        lines.append(f"| [{c['title']}](competency-{c['id']}) | {c['asked_for']} | {chapters or 'none yet'} |")
    for c in competencies:
        lines += ["", f"(competency-{c['id']})=", f"### {c['title']}", "", f"*Roles ask for:* {c['asked_for']}.", ""]
        if not c["chapters"]:
            lines.append("No chapter builds this competency yet.")
        for ch in c["chapters"]:
            lines.append(f"- **[{ch['number']}. {ch['title']}]({link_prefix}chapters/{ch['stem']}.md)**: "
                         + "; ".join(ch["skills"]) + ".")
            if ch["exercises"]:
                lines.append(f"  [Exercises]({link_prefix}exercises/{ch['stem']}.md): "
                             + "; ".join(ch["exercises"]) + ".")
    return "\n".join(lines) + "\n"


def self_assessment_markdown(root=".") -> str:
    """A checklist, per competency, of every skill the chapters build: one box for each, with its chapter."""
    lines = []
    for c in career_map(root):
        if not c["chapters"]:
            continue
        lines += [f"**{c['title']}**", ""]
        lines += [f"- ☐ {skill} (chapter {ch['number']})" for ch in c["chapters"] for skill in ch["skills"]]
        lines.append("")
    return "\n".join(lines)
