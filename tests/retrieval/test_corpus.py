from pathlib import Path

import pytest

from shipml.retrieval.corpus import book_sections, page_sections, slug, toc_pages

ROOT = Path(__file__).resolve().parents[2]

PAGE = """---
jupytext: {}
---

# A title

Intro text {glue:text}`p95_ms:.1f` ms,
wrapped over two lines.

```{code-cell} ipython3
# not a heading
x = 1
```

+++

## Load testing

- item one
  continued
- item two

## Load testing

<!-- a comment -->
Again.
"""


def test_sections_are_split_at_headings_with_stable_anchors():
    rows = page_sections(PAGE, "07-serving", "chapters/07-serving")
    assert [r["section_id"] for r in rows] == ["07-serving#a-title", "07-serving#load-testing",
                                               "07-serving#load-testing-1"]
    assert rows[0]["text"] == "Intro text p95_ms ms, wrapped over two lines."
    assert rows[1]["text"] == "- item one continued\n- item two"
    assert rows[2]["text"] == "Again."


def test_code_cells_are_kept_only_when_asked():
    rows = page_sections(PAGE, "p", code=True)
    assert "x = 1" in rows[0]["text"] and len(rows) == 3


def test_slug_matches_the_books_anchors():
    assert slug("Exporting: `torch.export` and ONNX, not TorchScript") == "exporting-torch-export-and-onnx-not-torchscript"
    assert slug("The ML engineer's job: from model to product") == "the-ml-engineer-s-job-from-model-to-product"


def test_the_book_reads_in_toc_order_without_exercises_or_solutions():
    pages = toc_pages(ROOT)
    assert pages[0] == "book/intro" and "chapters/07-serving" in pages
    assert not [p for p in pages if p.startswith(("exercises/", "solutions/"))]
    sections = book_sections(ROOT)
    assert list(sections.columns[:4]) == ["section_id", "doc", "title", "text"]
    assert sections["section_id"].is_unique
    assert (sections["text"].str.len() > 0).all()
    assert "07-serving#load-testing" in set(sections["section_id"])


def test_an_empty_chapter_gives_no_section_and_a_missing_one_a_sentence(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "01-empty.md").write_text("---\njupytext: {}\n---\n")
    (tmp_path / "chapters" / "02-full.md").write_text("# Full\n\nText.\n")
    sections = book_sections(tmp_path, docs=["chapters/01-empty", "chapters/02-full.md"])
    assert list(sections["section_id"]) == ["02-full#full"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        book_sections(tmp_path, docs=["chapters/03-missing"])
    with pytest.raises(FileNotFoundError, match="no _toc.yml"):
        book_sections(tmp_path)
