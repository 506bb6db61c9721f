"""The ML Test Score: 28 tests, section sums, the minimum, the points from two ticks."""

import pytest

from shipml.governance.ml_test_score import SECTIONS, TESTS, interpret, marks_from, score


def test_are_there_seven_tests_in_each_of_four_sections():
    assert len(TESTS) == 28
    for section in SECTIONS:
        assert sum(t.startswith(section + "-") for t in TESTS) == 7


def test_is_the_final_score_the_lowest_section():
    marks = {f"data-{i}": 1 for i in range(1, 8)} | {"model-1": 0.5, "infrastructure-2": 1, "monitoring-3": 0.5}
    assert score(marks) == {"data": 7.0, "model": 0.5, "infrastructure": 1.0, "monitoring": 0.5, "final": 0.5}
    assert score({})["final"] == 0.0
    assert interpret(0.0).startswith("more of a research project")
    assert interpret(6).startswith("exceptional")


@pytest.mark.parametrize("marks", [{"data-9": 1}, {"data-1": 0.7}, {"data-1": True}, [("data-1", 1)]])
def test_does_a_bad_mark_give_a_sentence(marks):
    with pytest.raises(ValueError):
        score(marks)


def test_does_a_test_score_one_when_automated_and_a_half_when_done_by_hand():
    marks = marks_from(by_hand={"data-1": True, "data-2": True}, automated={"data-2": True, "model-1": True})
    assert (marks["data-1"], marks["data-2"], marks["model-1"], marks["data-3"]) == (0.5, 1.0, 1.0, 0.0)
    assert set(marks) == set(TESTS)


def test_does_an_assessment_score_half_by_hand_and_one_automated_with_its_test_file():
    from shipml.governance.ml_test_score import AUTOMATED, BY_HAND, Evidence, marks_of

    marks = marks_of({"data-1": Evidence(AUTOMATED, "schema", "tests/data/test_validation.py"),
                      "model-6": Evidence(BY_HAND, "per-group metrics in a notebook")})
    assert marks == {"data-1": 1.0, "model-6": 0.5}
    with pytest.raises(ValueError, match="notebook is done by hand"):
        marks_of({"model-6": Evidence(AUTOMATED, "per-group metrics in a notebook")})
    with pytest.raises(ValueError):
        marks_of({"model-6": Evidence("sometimes", "?")})


def test_does_the_book_s_assessment_count_the_tested_rollback_and_name_real_test_files():
    from pathlib import Path

    from shipml.governance.ml_test_score import AUTOMATED, BOOK_ASSESSMENT, marks_of

    root = Path(__file__).resolve().parents[2]
    marks = marks_of(BOOK_ASSESSMENT)
    assert marks["infrastructure-7"] == 1.0  # chapter 7's rollback to the previous artifact version, tested
    assert "activate" in (root / BOOK_ASSESSMENT["infrastructure-7"].test_file).read_text()
    for test, evidence in BOOK_ASSESSMENT.items():
        if evidence.how == AUTOMATED:
            assert (root / evidence.test_file).is_file(), test
        else:
            assert marks[test] == 0.5, test  # a notebook check a person runs is half a point
    assert all("notebook" not in e.what for e in BOOK_ASSESSMENT.values() if e.how == AUTOMATED)
