"""The ML Test Score: 28 tests, section sums, the minimum; the score sheet updates when a box is clicked."""

import pytest

from shipml.governance.ml_test_score import SECTIONS, TESTS, ScoreSheet, interpret, score


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


def test_does_the_sheet_recompute_when_a_box_is_ticked():
    sheet = ScoreSheet({f"{s}-1": 0.5 for s in SECTIONS})
    assert sheet.scores["final"] == 0.5
    for section in SECTIONS:
        sheet.automated[f"{section}-2"].value = True
    assert sheet.scores["final"] == 1.5
    assert "ML Test Score: 1.5" in sheet.result_html.value


def test_does_the_sheet_survive_a_learners_unfinished_or_broken_function():
    assert ScoreSheet(score_fn=lambda marks: None).update() is None
    broken = ScoreSheet(score_fn=lambda marks: 1 / 0)
    assert broken.scores is None and "ZeroDivisionError" in broken.result_html.value
