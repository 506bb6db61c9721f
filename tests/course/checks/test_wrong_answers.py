"""Does each typical wrong answer fail the check named for its mistake? One table-driven test for every chapter.

Each chapter's table lives beside this file in `wrong_<chapter>.py` as
`WRONG_ANSWERS`: a list of `WrongAnswer(exercise_id, mistake, answer, failing_case)`.
A new chapter adds its own file; this test finds it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from check_assertions import WrongAnswer, assert_fails_case

HERE = Path(__file__).resolve().parent


def _tables() -> list[WrongAnswer]:
    rows = []
    for path in sorted(HERE.glob("wrong_*.py")):
        spec = importlib.util.spec_from_file_location(f"wrong_answers_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        rows += module.WRONG_ANSWERS
    return rows


ROWS = _tables()


def test_does_every_chapter_with_checks_have_a_table_of_wrong_answers():
    from shipml.course.checks import registered_ids

    chapters = {ex_id.split("-")[0] for ex_id in registered_ids()}
    tabled = {row.exercise_id.split("-")[0] for row in ROWS}
    assert chapters <= tabled, f"no wrong answers tabled for {sorted(chapters - tabled)}"


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.exercise_id}:{r.mistake}" for r in ROWS])
def test_does_a_wrong_answer_fail_the_case_named_for_its_mistake(row):
    assert_fails_case(row.exercise_id, row.answer, row.failing_case)
