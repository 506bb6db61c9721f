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
