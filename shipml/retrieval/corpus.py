"""The corpus: the book's own pages, split into sections at their headings.

    from shipml.retrieval.corpus import book_sections
    sections = book_sections(".")            # one row per section of the book's chapters and front matter
    sections.columns                         # section_id, doc, title, text, level
    sections.set_index("section_id").loc["07-serving#load-testing", "text"]

A section is a heading and the prose under it, up to the next heading of any
level (the text before a page's first `##` belongs to its `#` title). Its id
is `<stem>#<anchor>`: the file's stem (`07-serving`, `glossary`) and the
heading's anchor as the built book writes it (lower case, every run of other
characters than letters and digits one hyphen: `## Load testing` →
`load-testing`); a heading repeated in one page gets `-1`, `-2` after it. So
`07-serving#load-testing` is the section the book's URL
`chapters/07-serving.html#load-testing` points at, and the id only changes
when a heading is renamed (tests/retrieval/test_questions.py then says which
labelled question lost its section).

The pages are those of `_toc.yml` under `chapters/` and `book/` (the reading
and the front matter; exercises and solutions are left out), in the ToC's
order, read here from the files: a building block does not import the course
machinery. Or pass `docs=[...]`, paths relative to `root` with or without
`.md`. The text is the Markdown of the page without its code cells (their
source is kept with `code=True`), without the jupytext front matter, cell
separators and HTML comments, with a paragraph's soft line breaks joined
(a wrapped paragraph or list item is one line, so a phrase is a substring of
the text wherever the source wrapped it); a MyST role keeps its content
(`` {glue:md}`p95_ms` `` → `p95_ms`, the glued number is not in the source).
A page with no text gives no section; a missing page is an error that names it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml

__all__ = ["COLUMNS", "book_sections", "page_sections", "slug", "toc_pages"]

COLUMNS = ["section_id", "doc", "title", "text", "level"]

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^(`{3,}|:{3,})\s*(\{(?P<directive>[\w:-]+)\})?")
_OPTION = re.compile(r"^:[\w-]+:")
_ROLE = re.compile(r"\{[\w:+-]+\}`([^`:]*)(?::[^`]*)?`")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_BLOCK_START = re.compile(r"^(?:[-*+>|]\s|\d+[.)]\s|\||#|\$\$|```|:::)")
_TARGET = re.compile(r"^\([\w.-]+\)=\s*$")


def slug(heading: str) -> str:
    """A heading's anchor: lower case, runs of other characters than letters and digits made one hyphen."""
    text = _ROLE.sub(r"\1", heading).replace("`", "").lower()
    return re.sub(r"[^\w]+|_+", "-", text, flags=re.UNICODE).strip("-") or "section"


def toc_pages(root=".") -> list[str]:
    """The ToC's pages under chapters/ and book/, in order, as paths without .md (book/intro, chapters/01-...)."""
    toc_file = Path(root) / "_toc.yml"
    if not toc_file.is_file():
        raise FileNotFoundError(f"no _toc.yml under {Path(root).resolve()}: pass root= the book's folder, "
                                "or docs=[...] the pages to read.")
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8")) or {}
    pages: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    pages.append(node[key].removesuffix(".md"))
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(toc)
    return [page for page in dict.fromkeys(pages) if page.split("/")[0] in {"chapters", "book"}]


def _body(text: str, code: bool) -> list[str]:
    """The page's lines that are prose: no front matter, cell markers, comments, or code cells (unless code)."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
        if end is not None:
            lines = lines[end + 1:]
    text = _COMMENT.sub("", "\n".join(lines))
    kept: list[str] = []
    fence: str | None = None  # the fence that opened the block we are in
    skipping = in_options = is_code = False
    for line in text.splitlines():
        stripped = line.strip()
        match = _FENCE.match(stripped)
        if fence is None and match:
            fence, in_options = match.group(1), True
            is_code = match.group("directive") == "code-cell"
            skipping = is_code and not code
            if is_code and code:  # a kept code cell stays a code block, so its comments are no headings
                kept.append("```python")
            continue
        if fence is not None and stripped == fence:  # the block closes
            if is_code and code:
                kept.append("```")
            fence, skipping = None, False
            continue
        if fence is not None:
            if in_options and (_OPTION.match(stripped) or stripped in {"---"}):
                continue
            in_options = False
            if not skipping:
                kept.append(line)
            continue
        if stripped.startswith("+++") or _TARGET.match(stripped):
            continue
        kept.append(line)
    return kept


def page_sections(text: str, stem: str, doc: str = "", code: bool = False) -> list[dict]:
    """One page's sections (dicts with COLUMNS) from its MyST text; headings inside code blocks are not headings."""
    sections: list[dict] = []
    seen: dict[str, int] = {}
    current = None
    fence = None
    for line in _body(text, code):
        stripped = line.strip()
        match = _FENCE.match(stripped)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None and stripped == fence:
            fence = None
        heading = _HEADING.match(line) if fence is None else None
        if heading:
            title = _ROLE.sub(r"\1", heading.group(2)).strip()
            anchor = slug(title)
            count = seen.get(anchor, 0)
            seen[anchor] = count + 1
            current = {"section_id": f"{stem}#{anchor}" + (f"-{count}" if count else ""), "doc": doc or stem,
                       "title": title, "lines": [], "level": len(heading.group(1))}
            sections.append(current)
            continue
        if current is None:  # text before the first heading: a section named after the page
            current = {"section_id": f"{stem}#{stem}", "doc": doc or stem, "title": stem, "lines": [], "level": 1}
            sections.append(current)
        line = _ROLE.sub(r"\1", line).rstrip()
        previous = current["lines"][-1] if current["lines"] else ""
        # Markdown's soft line breaks: a paragraph (or a list item) wrapped over lines is one line of text here
        if (fence is None and not match and stripped and previous.strip() and current.get("prose")
                and not _BLOCK_START.match(stripped)):
            current["lines"][-1] = f"{previous} {line.strip()}"
        else:
            current["lines"].append(line)
        current["prose"] = fence is None and not match and not stripped.startswith("|")
    rows = []
    for section in sections:
        section.pop("prose", None)
        body = re.sub(r"\n{3,}", "\n\n", "\n".join(section.pop("lines"))).strip()
        if body:
            rows.append({**section, "text": body})
    return rows


def book_sections(root=".", docs=None, code: bool = False) -> pd.DataFrame:
    """The book's sections as a table: section_id, doc, title, text, level (see the module's docstring)."""
    root = Path(root)
    pages = toc_pages(root) if docs is None else [str(doc).removesuffix(".md") for doc in docs]
    rows: list[dict] = []
    for page in pages:
        path = root / f"{page}.md"
        if not path.is_file():
            if docs is None:  # a ToC entry whose chapter is not written yet: nothing to read
                continue
            raise FileNotFoundError(f"{path} does not exist: docs= lists pages relative to root, such as "
                                    "'chapters/07-serving'.")
        rows += page_sections(path.read_text(encoding="utf-8"), Path(page).name, page, code)
    table = pd.DataFrame(rows, columns=COLUMNS)
    duplicated = table["section_id"][table["section_id"].duplicated()]
    if len(duplicated):
        raise ValueError(f"two pages give the same section id {duplicated.iloc[0]!r}: their stems collide.")
    return table.reset_index(drop=True)
