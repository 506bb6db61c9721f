from pathlib import Path

import pandas as pd
import pytest

from shipml.retrieval.corpus import book_sections
from shipml.retrieval.questions import check_labels, load_questions

ROOT = Path(__file__).resolve().parents[2]
UNLABELLED = ("05-", "11-", "12-", "13-")  # chapters being written when the questions were: never labelled


def test_the_set_has_enough_questions_of_each_kind_and_both_splits():
    questions = load_questions()
    assert questions["answerable"].sum() >= 60
    assert (~questions["answerable"]).sum() >= 15
    assert set(questions["split"]) == {"dev", "test"}
    for kind in (True, False):
        assert (questions.loc[questions["answerable"] == kind, "split"] == "test").sum() >= 5
    assert not questions["qid"].duplicated().any()


def test_every_label_still_matches_the_book():
    problems = check_labels(load_questions(), book_sections(ROOT))
    assert not problems, "\n".join(problems)


def test_no_question_is_labelled_with_a_chapter_being_written():
    labelled = {s for sections in load_questions()["sections"] for s in sections}
    assert not [s for s in labelled if s.startswith(UNLABELLED)]


def test_a_renamed_section_and_an_edited_answer_are_named():
    questions = pd.DataFrame([{"qid": "x1", "question": "?", "sections": ["a#gone"], "answer": "span",
                               "answerable": True, "split": "dev"},
                              {"qid": "x2", "question": "?", "sections": ["a#here"], "answer": "lost words",
                               "answerable": True, "split": "dev"}])
    sections = pd.DataFrame({"section_id": ["a#here"], "text": ["some text"]})
    problems = check_labels(questions, sections)
    assert any(p.startswith("x1: section 'a#gone'") for p in problems)
    assert any(p.startswith("x2: the answer 'lost words'") for p in problems)


def test_a_malformed_file_gets_a_sentence(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text("- {qid: q1, question: '?', sections: [a#b], answer: '', split: dev}\n")
    with pytest.raises(ValueError, match="an answerable question has sections and an answer"):
        load_questions(path)
