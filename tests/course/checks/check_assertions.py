"""The assertion every chapter's check tests share: a wrong answer fails the case named for its mistake."""

from shipml.course.checks import run


def assert_fails_case(exercise_id: str, wrong, failing_case: str) -> None:
    """`wrong` fails exercise_id overall, and the case `failing_case` fails with a plain sentence."""
    result = run(exercise_id, wrong, include_hidden=True)
    assert not result.passed and result.status == "failed", result.summary()
    by_name = {case.name: case for case in result.cases}
    assert by_name[failing_case].status == "failed", result.summary()
    assert by_name[failing_case].message.endswith("."), "a failure is a plain sentence"
