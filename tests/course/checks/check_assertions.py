"""What every chapter's check tests share: a wrong answer fails the case named for its mistake."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shipml.course.checks import run


@dataclass(frozen=True)
class WrongAnswer:
    """A typical mistake: the learner's `answer` to `exercise_id` must fail the case `failing_case`."""

    exercise_id: str
    mistake: str          # a few words, e.g. "flags scores > threshold instead of >="
    answer: Any           # the wrong function or object, as a learner would write it
    failing_case: str     # the name of the case that must report it


def assert_fails_case(exercise_id: str, wrong, failing_case: str) -> None:
    """`wrong` fails exercise_id overall, and the case `failing_case` fails with a plain sentence."""
    result = run(exercise_id, wrong, include_hidden=True)
    assert not result.passed and result.status == "failed", result.summary()
    by_name = {case.name: case for case in result.cases}
    assert failing_case in by_name, f"no case named {failing_case!r} in {exercise_id}: {sorted(by_name)}"
    assert by_name[failing_case].status == "failed", result.summary()
    assert by_name[failing_case].message.endswith("."), "a failure is a plain sentence"
