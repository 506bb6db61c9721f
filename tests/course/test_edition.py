"""`shipml book --edition`: the student edition shows no solution; the instructor edition adds a guide.

The tests marked `book` build four editions (student and instructor, of the
whole course and of chapters 1 and 7, whose prerequisite chapter 2 is left
out) from the execution cache that `shipml execute` fills: about 10 s each on
2 cores, and none may execute a notebook itself.
"""

import html
import re
import shutil
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
    assert "Total: 5 points." in page  # five Check exercises of one point each


def _text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8", errors="replace")
    return raw + "\n" + html.unescape(re.sub(r"<[^>]+>", "", raw))


EDITIONS = [("student", None), ("student", "01,07"), ("instructor", None), ("instructor", "01,07")]


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    """Each edition built once, from the course's execution cache, with jupyter-book's log kept."""
    built = {}

    def build(edition, chapters):
        if (edition, chapters) not in built:
            folder = tmp_path_factory.mktemp(f"{edition}-{chapters or 'all'}".replace(",", "-"))
            log = folder / "build.log"
            out = build_edition(ROOT, edition, chapters, folder / "html", log=log)
            built[edition, chapters] = out, log.read_text()
        return built[edition, chapters]

    return build


@pytest.mark.slow
@pytest.mark.book  # its builds read the notebooks from the cache that `shipml execute` filled
@pytest.mark.parametrize("edition, chapters", EDITIONS)
def test_does_each_edition_build_from_the_cache_for_the_whole_course_and_a_subset(editions, edition, chapters):
    out, log = editions(edition, chapters)
    assert "Executing notebook" not in log, "the edition executed a notebook: fill the cache with `shipml execute`"
    stems = [c.stem for c in select(ROOT, chapters)]
    built = sorted(p.stem for p in (out / "chapters").glob("*.html"))
    assert built == sorted(stems)
    if edition == "student":
        assert not (out / "solutions").exists() and not (out / "book" / "instructor-guide.html").exists()
        pages = [p for folder in ("chapters", "exercises", "_sources") for p in (out / folder).rglob("*")]
        assert len(pages) >= 4 * len(stems)
        for path in pages:  # no hidden check, no marker (the guard looked for every region's content)
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                assert "include_hidden" not in text and "BEGIN SOLUTION" not in text, path.relative_to(out)
    else:
        assert sorted(p.stem for p in (out / "solutions").glob("*.html")) == sorted(stems)
        assert sorted(p.stem for p in (out / "instructor").glob("*.html")) == sorted(stems)


@pytest.mark.slow
@pytest.mark.book
def test_is_a_chapter_whose_prerequisite_is_left_out_built_with_the_prerequisite_as_plain_text(editions):
    out, _ = editions("student", "01,07")  # chapter 7 builds on chapter 2, which this edition leaves out
    assert not (out / "chapters" / "02-modeling.html").exists()
    syllabus = _text(out / "book" / "syllabus.html")
    assert "prerequisites: Research-style modeling" in syllabus
    assert "02-modeling.html" not in _text(out / "chapters" / "07-serving.html")


@pytest.mark.slow
@pytest.mark.book
def test_is_a_solution_region_planted_into_the_built_student_edition_caught_and_named(editions, tmp_path):
    from shipml.course.instructor.leaks import scan, secrets

    out, _ = editions("student", None)
    chosen = select(ROOT, None)
    found = secrets(ROOT, chosen)
    assert scan(out, found) == []  # what build_edition checked
    site = tmp_path / "site"
    shutil.copytree(out, site)
    region = next(s for s in found if s.region.source == "solutions/02-modeling.md"
                  and s.region.kind == "solution region")
    page = site / "chapters" / "07-serving.html"
    body = "\n".join(html.escape(line) for line in region.region.lines)
    page.write_text(page.read_text().replace("</main>", f"<pre>{body}</pre></main>", 1))
    hits = scan(site, found)
    assert hits == [f"chapters/07-serving.html: {region.describe()}"]


@pytest.mark.slow
@pytest.mark.book  # its build reads the notebooks from the cache that `shipml execute` filled
def test_does_the_student_edition_hold_no_solution_text_in_any_file(editions):
    out, _ = editions("student", "01,07")
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
def test_does_the_instructor_edition_hold_the_solutions_and_a_guide_page(editions):
    out, _ = editions("instructor", "01,07")
    assert (out / "solutions" / "01-ml-engineering.html").is_file()
    guide = _text(out / "instructor" / "01-ml-engineering.html")
    assert "Instructor guide: The ML engineer" in guide and "Common mistakes" in guide
    assert "expected_cost" in guide
    solutions = _text(out / "solutions" / "01-ml-engineering.html")
    assert any(s in solutions for s in sum(secret_lines(), []))  # the search of the student edition can find them
