"""The exercise kit's checks: registry, runner, statuses, messages, time limit, log."""

import json
import signal
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from shipml.course import checks
from shipml.course.checks import (
    CaseResult,
    Failure,
    NotAttempted,
    Result,
    UnknownExercise,
    WrongType,
    exercise,
    expect,
    expect_array,
    expect_equal,
    expect_number,
    expect_raises,
    expect_type,
    run,
)

EX = "test-ex1"


@pytest.fixture(autouse=True)
def divide_exercise():
    """A test-only exercise: `divide(a, b)` returns a / b, and inf for b == 0."""
    ex = exercise(EX, "Divide two numbers", hints=["a nudge", "a stronger hint", "nearly the answer"])

    ex.case("divides 6 by 3", hint="Use the / operator.", observe=lambda divide: divide(6, 3),
            judge=lambda got: expect_number(got, 2.0, tol=1e-9, what="divide(6, 3)"))

    @ex.case("dividing by zero gives infinity", hidden=True)
    def observe(divide):
        return divide(1, 0)

    @observe.judge
    def _(got):
        expect_number(got, float("inf"), what="divide(1, 0)")

    yield ex
    checks._REGISTRY.pop(EX, None)


def divide(a, b):
    return a / b if b else float("inf")


def multiply(a, b):
    return a * b


def stub(a, b):
    # YOUR CODE HERE
    ...


def stub_with_placeholder(a, b):
    result = ...  # YOUR CODE HERE
    return result


def stub_not_implemented(a, b):
    raise NotImplementedError


def crashes(a, b):
    ratio = a / 0
    return ratio


def returns_a_list(a, b):
    return [a, b]


def loops_forever(a, b):
    while True:
        pass


def test_does_a_right_answer_pass_every_case():
    result = run(EX, divide, include_hidden=True)
    assert result.status == "passed" and result.passed and result.score == 1.0
    assert [c.status for c in result.cases] == ["passed", "passed"]


def test_does_a_wrong_answer_fail_with_a_plain_sentence_and_the_case_hint():
    result = run(EX, multiply)
    assert result.status == "failed" and not result.passed and result.score == 0.0
    case = result.cases[0]
    assert case.status == "failed"
    assert case.message == "divide(6, 3) should be 2.0, yours is 18.0."
    assert case.hint == "Use the / operator."


def test_do_hidden_cases_run_only_for_the_grader():
    assert [c.name for c in run(EX, divide).cases] == ["divides 6 by 3"]
    graded = run(EX, divide, include_hidden=True)
    assert [c.hidden for c in graded.cases] == [False, True]


@pytest.mark.parametrize("target", [None, ...], ids=["None", "Ellipsis"])
def test_is_an_untouched_value_not_attempted(target):
    result = run(EX, target)
    assert result.status == "not attempted" and not result.passed
    assert "Not attempted yet" in result.cases[0].message


@pytest.mark.parametrize("target", [stub, stub_with_placeholder, stub_not_implemented])
def test_is_a_stub_function_not_attempted(target):
    result = run(EX, target, include_hidden=True)
    assert result.status == "not attempted"
    assert all(c.status == "not attempted" for c in result.cases)


def test_may_a_case_accept_none_as_a_legitimate_answer():
    ex = exercise("test-ex-none", "Find the missing value")

    ex.case("no value is missing", allow_none=True, observe=lambda find_missing: find_missing([1, 2]),
            judge=lambda got: expect(got is None, "find_missing([1, 2]) should be None."))

    try:
        assert run("test-ex-none", lambda values: None).status == "passed"
    finally:
        checks._REGISTRY.pop("test-ex-none")


def test_does_an_exception_in_the_learners_code_name_it_and_their_line_without_a_traceback():
    message = run(EX, crashes).cases[0].message
    assert message.startswith("Your code raised ZeroDivisionError: division by zero")
    assert "crashes" in message and "`ratio = a / 0`" in message
    assert "Traceback" not in message and "shipml" not in message and "File " not in message


def test_is_a_wrong_type_an_error_with_a_plain_sentence():
    result = run(EX, returns_a_list)
    assert result.status == "error"
    assert result.cases[0].message == "Expected a number for divide(6, 3), got a list."


def test_does_a_bug_in_the_check_itself_give_a_sentence_rather_than_blame_the_learner():
    ex = exercise("test-ex-buggy", "A check with a bug")

    ex.case("indexes the answer", observe=lambda divide: divide(6, 3), judge=lambda got: got[0])

    try:
        message = run("test-ex-buggy", divide).cases[0].message
    finally:
        checks._REGISTRY.pop("test-ex-buggy")
    assert message.startswith("Checking your answer raised TypeError")


def test_is_code_that_runs_past_the_time_limit_stopped():
    started = time.monotonic()
    result = run(EX, loops_forever, include_hidden=True, timeout_s=0.5)
    assert time.monotonic() - started < 3
    assert result.status == "error"
    assert result.cases[0].message == "Your code ran for more than 0.5 s and was stopped."
    assert result.cases[1].message.startswith("Not run")


def test_does_the_time_limit_restore_the_previous_alarm_handler():
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        run(EX, divide, timeout_s=0.5)
        run(EX, loops_forever, timeout_s=0.2)
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_is_there_no_time_limit_outside_the_main_thread():
    def slow(a, b):
        time.sleep(0.3)
        return a / b

    results = []
    worker = threading.Thread(target=lambda: results.append(run(EX, slow, timeout_s=0.05)))
    worker.start()
    worker.join()
    assert results[0].status == "passed"


def test_does_an_unknown_exercise_id_raise_a_key_error_naming_near_matches():
    with pytest.raises(UnknownExercise) as info:
        run("test-ex2", divide)
    assert isinstance(info.value, KeyError) and isinstance(info.value, LookupError)
    assert str(info.value) == "There is no exercise 'test-ex2'. Did you mean 'test-ex1'?"


def test_does_registering_a_case_name_again_replace_it(divide_exercise):
    @divide_exercise.case("divides 6 by 3")
    def observe(divide):
        raise Failure("replaced")

    assert [c.message for c in run(EX, divide).cases] == ["replaced"]


def test_does_defining_an_exercise_again_in_the_same_module_start_afresh(divide_exercise):
    again = exercise(EX, "Divide, reloaded")
    assert checks.get_exercise(EX) is again and not again.cases


def test_can_another_module_add_cases_to_an_exercise(divide_exercise):
    namespace = {"__name__": "another_module"}
    exec("from shipml.course.checks import exercise\nex = exercise('test-ex1', 'Divide two numbers')", namespace)
    assert namespace["ex"] is divide_exercise and len(divide_exercise.cases) == 2


def test_are_registered_ids_listed_and_hints_given_as_a_ladder():
    assert EX in checks.registered_ids()
    assert checks.hints(EX) == ["a nudge", "a stronger hint", "nearly the answer"]


def test_does_the_registry_import_chapter_modules_once_on_first_lookup(tmp_path, monkeypatch):
    (tmp_path / "test_lazy_chapter.py").write_text(textwrap.dedent("""
        from shipml.course.checks import exercise
        ex = exercise("test-lazy-ex1", "Registered by a chapter module")
    """))
    (tmp_path / "test_broken_chapter.py").write_text("raise RuntimeError('oops')\n")
    monkeypatch.setattr(checks, "__path__", [*checks.__path__, str(tmp_path)])
    monkeypatch.setattr(checks, "_loaded", False)
    try:
        with pytest.warns(UserWarning, match="test_broken_chapter.py could not be loaded"):
            assert "test-lazy-ex1" in checks.registered_ids()
        assert checks.get_exercise("test-lazy-ex1").title == "Registered by a chapter module"
    finally:
        checks._REGISTRY.pop("test-lazy-ex1", None)
        for name in ("shipml.course.checks.test_lazy_chapter", "shipml.course.checks.test_broken_chapter"):
            sys.modules.pop(name, None)


def test_is_every_run_appended_to_the_check_log(tmp_path, monkeypatch):
    log = tmp_path / "checks.jsonl"
    monkeypatch.setenv("SHIPML_CHECK_LOG", str(log))
    run(EX, divide)
    run(EX, stub)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(d["exercise_id"], d["status"]) for d in lines] == [(EX, "passed"), (EX, "not attempted")]


@pytest.mark.parametrize(
    "statuses, overall",
    [
        (["passed", "passed"], "passed"),
        (["not attempted", "not attempted"], "not attempted"),
        (["passed", "not attempted"], "failed"),
        (["passed", "failed"], "failed"),
        (["failed", "error", "not attempted"], "error"),
        ([], "not attempted"),
    ],
)
def test_is_the_overall_status_derived_from_the_cases(statuses, overall):
    result = Result("x", "X", [CaseResult(str(i), s) for i, s in enumerate(statuses)])
    assert result.status == overall
    assert result.passed == (overall == "passed")


def test_are_the_dict_and_summary_plain_and_complete():
    result = run(EX, multiply, include_hidden=True)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["status"] == "failed" and data["score"] == 0.0 and data["include_hidden"] is True
    assert data["cases"][0] == {"name": "divides 6 by 3", "status": "failed",
                                "message": "divide(6, 3) should be 2.0, yours is 18.0.",
                                "hint": "Use the / operator.", "hidden": False}
    summary = result.summary()
    assert summary.splitlines()[0] == "test-ex1 · Divide two numbers: Failed: 0 of 2 checks passed."
    assert "✗ divides 6 by 3: divide(6, 3) should be 2.0, yours is 18.0." in summary
    assert "    Hint: Use the / operator." in summary


# --- the expect_* helpers ------------------------------------------------------


def test_does_expect_number_accept_numbers_within_tolerance_and_fail_others():
    assert expect_number(np.float32(0.5), 0.5, tol=1e-6) == 0.5
    assert expect_number(np.array(2.0), 2.0) == 2.0
    expect_number(float("nan"), float("nan"))
    expect_number(104, 100, tol=0, rtol=0.05)
    with pytest.raises(Failure, match=r"^The cost should be 5.0, yours is 7.5.$"):
        expect_number(7.5, 5.0, tol=1e-9, what="the cost")
    with pytest.raises(Failure, match="yours is nan"):
        expect_number(float("nan"), 1.0)
    with pytest.raises(Failure, match=r"should be 0.1000000, yours is 0.1000001|should be 0.1, yours is 0.1000001"):
        expect_number(0.1000001, 0.1, tol=1e-9)


@pytest.mark.parametrize("got, kind", [([1], "a list"), ("3", "a string"), (True, "True/False"), (None, "None")])
def test_does_expect_number_reject_other_types_as_wrong_type(got, kind):
    with pytest.raises(WrongType, match=f"^Expected a number for the cost, got {kind}.$"):
        expect_number(got, 1.0, what="the cost")


def test_does_expect_type_name_the_types_in_plain_words():
    assert expect_type([1], list) == [1]
    with pytest.raises(WrongType, match=r"^Expected a number, got a list.$"):
        expect_type([1], (int, float))
    with pytest.raises(WrongType, match=r"^Expected a NumPy array for the scores, got a dict.$"):
        expect_type({}, np.ndarray, what="the scores")


def test_does_expect_array_report_shape_and_the_first_difference():
    expect_array([0.1, 0.2], np.array([0.1, 0.2]))
    with pytest.raises(Failure, match=r"should have shape \(3,\), yours has shape \(2,\)"):
        expect_array([1, 2], [1, 2, 3], what="the scores")
    with pytest.raises(Failure, match=r"^The scores differ .* at 1 of 3 positions; the first is at index 1: "
                                      r"it should be 2.0, yours is 5.0.$"):
        expect_array([1, 5, 3], [1, 2, 3], what="the scores")
    with pytest.raises(WrongType):
        expect_array(["a", "b"], [1, 2])


def test_does_expect_raises_pass_only_when_the_right_exception_is_raised():
    def check_positive(x):
        if x < 0:
            raise ValueError("negative")
        return x

    assert str(expect_raises(ValueError, check_positive, -1)) == "negative"
    with pytest.raises(Failure, match=r"^check_positive\(1\) should raise ValueError, yours returned 1.$"):
        expect_raises(ValueError, check_positive, 1)
    with pytest.raises(Failure, match="yours raised TypeError"):
        expect_raises(ValueError, check_positive, "x")


def test_does_expect_equal_compare_exactly():
    expect_equal({"a", "b"}, {"b", "a"})
    with pytest.raises(Failure, match=r"^The label column should be 'is_fraud', yours is 'fraud'.$"):
        expect_equal("fraud", "is_fraud", what="the label column")


def test_does_not_attempted_carry_a_default_sentence():
    assert str(NotAttempted()) == "Not attempted yet."


# --- observe, then judge ------------------------------------------------------


def test_are_observations_plain_data_that_a_judge_alone_turns_into_a_result():
    seen = checks.observe(EX, divide, include_hidden=True)
    assert [(o.case, o.status, o.value) for o in seen] == [
        ("divides 6 by 3", "observed", 2.0), ("dividing by zero gives infinity", "observed", float("inf"))]
    json.dumps([o.to_dict() for o in seen])  # plain: it can leave the process
    assert checks.judge(EX, seen, include_hidden=True).passed
    seen[0].value = 2.5  # the judge decides from the data alone
    assert checks.judge(EX, seen, include_hidden=True).cases[0].status == "failed"


class _EqualsEverything(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def test_can_an_object_that_equals_everything_not_pass_a_judge():
    assert not run(EX, lambda a, b: _EqualsEverything(99.0)).passed


def test_is_an_observation_that_is_not_plain_data_an_error_with_a_sentence():
    result = run(EX, lambda a, b: object())
    assert result.status == "error"
    assert result.cases[0].message.startswith("Your answer is an object; the check needs plain data")


def test_does_plain_turn_numpy_and_subclasses_into_builtins_and_copy_containers():
    import pandas as pd

    assert type(checks.plain(np.float32(1.5))) is float and type(checks.plain(np.array(3))) is int
    assert type(checks.plain(_EqualsEverything(2.0))) is float
    array = np.arange(3)
    copied = checks.plain({"a": [array, (1, "x")]})
    assert copied["a"][1] == (1, "x") and copied["a"][0] is not array
    frame = pd.DataFrame({"x": [1, 2]})
    assert checks.plain(frame) is not frame and checks.plain(frame).equals(frame)
    with pytest.raises(WrongType):
        checks.plain(lambda: 1)


def test_does_a_failure_raised_while_observing_fail_the_case_with_its_hint():
    ex = exercise("test-ex-observer-fails", "An observer that refuses")
    ex.case("needs a parameter", hint="Name it x.", observe=lambda fn: (_ for _ in ()).throw(Failure("No x.")),
            judge=lambda got: None)
    try:
        case = run("test-ex-observer-fails", divide).cases[0]
    finally:
        checks._REGISTRY.pop("test-ex-observer-fails")
    assert (case.status, case.message, case.hint) == ("failed", "No x.", "Name it x.")


def test_is_a_case_without_a_judge_reported_as_the_course_bug_it_is():
    ex = exercise("test-ex-no-judge", "A case without a judge")

    @ex.case("observes only")
    def observe(fn):
        return fn(1, 1)

    try:
        case = run("test-ex-no-judge", divide).cases[0]
    finally:
        checks._REGISTRY.pop("test-ex-no-judge")
    assert case.status == "error" and "bug in the course" in case.message


def test_has_every_registered_case_an_observer_and_a_judge():
    missing = [f"{ex_id}: {case.name}" for ex_id in checks.registered_ids()
               for case in checks.get_exercise(ex_id).cases.values() if case.judge_fn is None]
    assert not missing, missing


def test_does_to_number_accept_real_numbers_only():
    assert checks.to_number(np.float64(2.5)) == 2.5 and checks.to_number(3) == 3.0
    for wrong in (True, "3", [3], None):
        with pytest.raises(WrongType):
            checks.to_number(wrong, "the cost")


def test_are_the_cells_of_a_table_made_plain_too():
    import pandas as pd

    table = checks.plain(pd.DataFrame({"x": [_EqualsEverything(1.0), "a"], "y": [1, 2]}))
    assert [type(v) for v in table["x"]] == [float, str]
    series = checks.plain(pd.Series([_EqualsEverything(2.0)], dtype=object, name="s"))
    assert type(series.iloc[0]) is float and series.name == "s"
    with pytest.raises(WrongType):
        checks.plain(pd.DataFrame({"x": [object()]}))
