"""`shipml book --edition`: the student edition shows no solution; the instructor edition adds a guide.

The two tests marked `slow` build an edition of chapter 1 each (about a
minute each on 2 cores, less when the course's execution cache is warm).
"""

import html
import re
from pathlib import Path

import pytest
import yaml

from shipml.course.instructor.course import select
from shipml.course.instructor.edition import _unlink_missing, build_edition, edition_toc, instructor_page
from solution_secrets import secret_lines

ROOT = Path(__file__).resolve().parents[2]
TOC = {
    "format": "jb-book",
    "root": "book/intro",
    "parts": [
        {"caption": "Front matter", "chapters": [{"file": "book/how-to-use"}, {"file": "book/instructor-guide"}]},
        {"caption": "Part I", "chapters": [
            {"file": "chapters/01-ml-engineering", "sections": [{"file": "exercises/01-ml-engineering"}]},
            {"file": "chapters/02-research", "sections": [{"file": "exercises/02-research"}]},
        ]},
        {"caption": "Part II", "chapters": [{"file": "chapters/04-data-pipelines.md"}]},
        {"caption": "Solutions", "chapters": [{"file": "solutions/01-ml-engineering"},
                                              {"file": "solutions/02-research"}]},
    ],
}


def _files(toc) -> list[str]:
    return re.findall(r"file: (\S+)", yaml.safe_dump(toc))


def test_does_the_student_toc_drop_solutions_the_guide_and_unselected_chapters():
    toc = edition_toc(TOC, "student", ["01-ml-engineering"])
    assert _files(toc) == ["book/how-to-use", "chapters/01-ml-engineering", "exercises/01-ml-engineering"]
    assert [p["caption"] for p in toc["parts"]] == ["Front matter", "Part I"]


def test_does_the_instructor_toc_keep_solutions_and_add_a_guide_page_per_chapter():
    toc = edition_toc(TOC, "instructor", ["01-ml-engineering", "04-data-pipelines"])
    assert _files(toc) == [
        "book/how-to-use", "book/instructor-guide", "chapters/01-ml-engineering", "exercises/01-ml-engineering",
        "chapters/04-data-pipelines.md", "solutions/01-ml-engineering",
        "instructor/01-ml-engineering", "instructor/04-data-pipelines",
    ]
    assert toc["parts"][-1]["caption"] == "Instructor guide"


def test_does_a_link_to_a_page_left_out_become_plain_text(tmp_path):
    page = tmp_path / "chapters" / "01-x.md"
    page.parent.mkdir()
    page.write_text("See {doc}`its worked solution\n<../solutions/01-x>` and {doc}`../exercises/01-x`.\n")
    _unlink_missing(page, tmp_path, {"chapters/01-x", "exercises/01-x"})
    assert page.read_text() == "See its worked solution and {doc}`../exercises/01-x`.\n"


def test_does_the_instructor_page_list_objectives_minutes_points_and_common_mistakes():
    chapter = select(ROOT, "01")[0]
    page = instructor_page(chapter)
    for objective in chapter.facts["objectives"]:
        assert objective in page
    assert f"{chapter.facts['minutes']} minutes" in page
    assert "| ch01-ex2: The expected cost of a fraud model at a threshold | `expected_cost` | 1 |" in page
    assert "## Common mistakes" in page and "Use `scores >= threshold`, not `>`" in page
    assert "Total: 3 points." in page


def _text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8", errors="replace")
    return raw + "\n" + html.unescape(re.sub(r"<[^>]+>", "", raw))


@pytest.mark.slow
@pytest.mark.book  # its build reads the notebooks from the cache that `shipml execute` filled
def test_does_the_student_edition_hold_no_solution_text_in_any_file(tmp_path):
    out = build_edition(ROOT, "student", "01", tmp_path / "student")
    assert (out / "chapters" / "01-ml-engineering.html").is_file()
    assert not (out / "solutions").exists()
    secrets = sum(secret_lines(), [])
    assert len(secrets) >= 10
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".md", ".txt", ".js"):
            text = _text(path)
            leaked = [s for s in secrets if s in text]
            assert not leaked, f"{path.relative_to(out)} shows {leaked[:2]}"


@pytest.mark.slow
@pytest.mark.book
def test_does_the_instructor_edition_hold_the_solutions_and_a_guide_page(tmp_path):
    out = build_edition(ROOT, "instructor", "01", tmp_path / "instructor")
    assert (out / "solutions" / "01-ml-engineering.html").is_file()
    guide = _text(out / "instructor" / "01-ml-engineering.html")
    assert "Instructor guide: The ML engineer" in guide and "Common mistakes" in guide
    assert "expected_cost" in guide
    solutions = _text(out / "solutions" / "01-ml-engineering.html")
    assert any(s in solutions for s in sum(secret_lines(), []))  # the search of the student edition can find them
