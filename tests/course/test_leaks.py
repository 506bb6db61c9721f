"""The leak guard: a solution region pasted anywhere is found and named; what the chapters teach is not a leak.

Unit tests on planted text, and on the real course's files (no book build):
see test_edition.py for the guard run on built editions.
"""

import shutil
from pathlib import Path

import pytest
from myst_notebooks import FRONT_MATTER

from shipml.course.authoring import solution_regions
from shipml.course.instructor.assign import _check_pack
from shipml.course.instructor.course import InstructorError, select
from shipml.course.instructor.leaks import find_leaks, public_lines, readable, scan, secrets

ROOT = Path(__file__).resolve().parents[2]

SOLUTION = FRONT_MATTER + '''
# Exercises

```{code-cell} ipython3
import numpy as np

def best_threshold(scores, costs):
    # BEGIN SOLUTION
    ordered = np.argsort(costs)
    picked = scores[ordered[0]]
    return float(picked)
    # END SOLUTION
```

```{code-cell} ipython3
:tags: [hidden-check]

assert best_threshold(np.array([0.2, 0.9]), np.array([3.0, 1.0])) == 0.9
```

```{code-cell} ipython3
:tags: [solution]

answer = sorted_scores_by_cost[-1]
```

<!-- BEGIN SOLUTION -->
The threshold moves up because false positives cost more than misses here.
<!-- END SOLUTION -->
'''


def _plant(lines, text="# A chapter\n\nSome prose.\n"):
    return text + "\n```python\n" + "\n".join(lines) + "\n```\n"


def test_are_marked_regions_solution_cells_and_hidden_checks_all_regions():
    regions = solution_regions(SOLUTION, "solutions/99-x.md")
    assert [(r.kind, r.line) for r in regions] == [
        ("solution region", 19), ("hidden-check cell", 28), ("solution cell", 34), ("solution region", 38)]
    assert regions[0].lines == ("    ordered = np.argsort(costs)", "    picked = scores[ordered[0]]",
                                "    return float(picked)")
    assert regions[0].where == "solutions/99-x.md:19 (solution region)"
    assert SOLUTION.splitlines()[18].strip() == "ordered = np.argsort(costs)"  # line 19, 1-based


@pytest.fixture
def course(tmp_path):
    """A one-chapter course whose chapter teaches one line of the solution."""
    for folder in ("chapters", "exercises", "solutions"):
        (tmp_path / folder).mkdir()
    (tmp_path / "solutions" / "99-x.md").write_text(SOLUTION)
    (tmp_path / "chapters" / "99-x.md").write_text("# Chapter\n\n```python\npicked = scores[ordered[0]]\n```\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: chapters/99-x\nchapters:\n- file: solutions/99-x\n")
    return tmp_path


def _secrets(course):
    from shipml.course.instructor.course import Chapter

    return secrets(course, [Chapter("99-x", "X", course)])


def test_is_a_line_that_the_chapter_teaches_public_and_a_pasted_body_a_leak(course):
    found = _secrets(course)
    assert [s.region.kind for s in found] == ["solution region", "hidden-check cell", "solution cell",
                                             "solution region"]
    body = found[0]
    assert body.distinctive == (True, False, True)  # the chapter shows `picked = ...`
    page = _plant(["picked = scores[ordered[0]]", "x = 1"])
    assert find_leaks(page, found) == []  # the taught line alone is no leak
    page = _plant(["def f(scores, costs):", "    ordered = np.argsort(costs)", "    picked = scores[ordered[0]]",
                   "    return float(picked)"])
    assert find_leaks(page, found) == [body]


def test_do_two_distinctive_lines_apart_not_count_and_a_single_secret_line_count_as_a_whole_line(course):
    found = _secrets(course)
    apart = _plant(["ordered = np.argsort(costs)", "something else", "return float(picked)"])
    assert find_leaks(apart, found) == []
    hidden = found[1]
    assert find_leaks(_plant([hidden.lines[0]]), found) == [hidden]
    assert find_leaks("see `" + hidden.lines[0] + "` in the text", found) == []  # not a whole line


def test_does_scan_read_html_and_notebooks_and_name_the_file_and_region(course, tmp_path):
    found = _secrets(course)
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.html").write_text('<pre><span class="n">ordered</span> = np.argsort(costs)\n'
                                    "picked = scores[ordered[0]]\nreturn float(picked)</pre>")
    (site / "page.ipynb").write_text('{"cells": [{"source": ["answer = ", "sorted_scores_by_cost[-1]\\n"]}]}')
    (site / "clean.html").write_text("<p>nothing here</p>")
    assert scan(site, found) == [
        "page.html: solutions/99-x.md:19 (solution region) `ordered = np.argsort(costs)`",
        "page.ipynb: solutions/99-x.md:34 (solution cell) `answer = sorted_scores_by_cost[-1]`",
    ]


# --- the real course -------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    chapters = select(ROOT, None)
    public = public_lines(ROOT)
    return chapters, public, secrets(ROOT, chapters, public)


def test_does_every_chapter_have_secrets_and_the_chapters_and_exercises_show_none(real, tmp_path):
    chapters, _, found = real
    assert {Path(s.region.source).stem for s in found} == {c.stem for c in chapters}
    assert sum(s.region.kind == "hidden-check cell" for s in found) >= len(chapters)
    for chapter in chapters:  # what the student edition and pack are built from
        shutil.copy(chapter.chapter_md, tmp_path / f"chapter-{chapter.stem}.md")
        shutil.copy(chapter.exercise_md, tmp_path / f"exercise-{chapter.stem}.md")
    assert scan(tmp_path, found) == []


def test_does_each_solution_file_show_all_of_its_secrets(real):
    chapters, _, found = real
    for chapter in chapters:
        own = [s for s in found if Path(s.region.source).stem == chapter.stem]
        assert find_leaks(readable(chapter.solution_md), own) == own


def test_are_lines_taught_by_chapters_and_their_included_code_public(real):
    _, public, found = real
    # Solution lines that the issue saw flagged: chapter 7's own text, chapter 2's training loop
    # (literalinclude of shipml/modeling/training.py), a prose mention in the exercise of chapter 7.
    assert "seconds = time.perf_counter() - started" in public
    assert "loss.backward()" in public
    assert not any(d and line in public for s in found for line, d in zip(s.lines, s.distinctive))


@pytest.mark.parametrize("stem", ["07-serving", "02-modeling"])
def test_is_a_solution_body_planted_into_a_chapter_page_caught_and_named(real, stem):
    _, _, found = real
    region = next(s for s in found if Path(s.region.source).stem == stem and s.region.kind == "solution region")
    page = (ROOT / "chapters" / f"{stem}.md").read_text(encoding="utf-8")
    assert find_leaks(page, found) == []
    planted = _plant(region.region.lines, page)
    assert region in find_leaks(planted, found)


def test_does_the_student_pack_check_refuse_a_planted_region(real, tmp_path):
    chapters, _, found = real
    chapter = next(c for c in chapters if c.stem == "07-serving")
    region = next(s for s in found if s.region.source == "solutions/07-serving.md")
    student = tmp_path / "week" / "student"
    student.mkdir(parents=True)
    (student / "README.md").write_text(_plant(region.region.lines))
    with pytest.raises(InstructorError, match=r"README\.md: solutions/07-serving\.md:\d+"):
        _check_pack(ROOT, student, [chapter])
    assert not student.parent.exists()
