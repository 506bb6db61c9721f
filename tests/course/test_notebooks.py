"""The one reader of the course's files: the ToC's order, stems, exercise ids in code."""

import json

from shipml.course import notebooks

TOC = {
    "format": "jb-book",
    "root": "book/intro",
    "parts": [
        {"caption": "One", "chapters": [{"file": "chapters/02-b.md", "sections": [{"file": "exercises/02-b"}]},
                                        {"file": "chapters/01-a"}]},
        {"caption": "Two", "chapters": [{"file": "solutions/02-b"}, {"file": "book/glossary"}]},
    ],
}


def test_does_the_toc_list_its_docs_root_first_in_reading_order_each_once():
    assert notebooks.toc_docs(TOC) == ["book/intro", "chapters/02-b", "exercises/02-b", "chapters/01-a",
                                       "solutions/02-b", "book/glossary"]
    assert notebooks.toc_docs(None) == []


def test_are_chapter_stems_read_from_the_toc_in_its_order(tmp_path):
    (tmp_path / "chapters").mkdir()
    for stem in ("01-a", "02-b", "03-draft"):
        (tmp_path / "chapters" / f"{stem}.md").write_text("# x\n", encoding="utf-8")
    assert [p.stem for p in notebooks.chapter_paths(tmp_path)] == ["01-a", "02-b", "03-draft"]  # no ToC: by name
    import yaml

    (tmp_path / "_toc.yml").write_text(yaml.safe_dump(TOC), encoding="utf-8")
    assert notebooks.toc_stems(tmp_path) == ["02-b", "01-a"]
    assert [p.stem for p in notebooks.chapter_paths(tmp_path)] == ["02-b", "01-a"]


def test_does_a_stem_give_its_chapter_number():
    assert notebooks.chapter_number("07-serving") == 7
    assert notebooks.chapter_number("intro") is None
    assert notebooks.EXERCISE_ID.match("ch07-ex2").group("chapter") == "07"
    assert not notebooks.EXERCISE_ID.match("ex2")


def test_are_check_and_quiz_calls_found_with_their_ids_and_targets():
    code = 'Check("ch01-ex2", expected_cost)\nCheck(\'ch01-ex3\', lambda x: x)\nQuiz("ch01-q1", "Which?")'
    calls = [(m.group("id"), m.group("target")) for m in notebooks.CHECK_CALL.finditer(code)]
    assert calls == [("ch01-ex2", "expected_cost"), ("ch01-ex3", None)]
    assert [m.group("id") for m in notebooks.QUIZ_CALL.finditer(code)] == ["ch01-q1"]


def test_are_chapter_numbers_found_in_markdown_and_in_an_ipynbs_json():
    code = 'Check("ch01-ex2", f)\nQuiz(\'ch04-q1\', "x")'
    assert notebooks.chapter_numbers(code) == {1, 4}
    assert notebooks.chapter_numbers(json.dumps({"source": code})) == {1, 4}
