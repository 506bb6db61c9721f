"""The exercise kit's widgets, driven headless: clicks, slider values, feedback text."""

import json
import sys
import types

import ipywidgets as widgets
import pytest

from shipml.course import checks, static
from shipml.course.checks import exercise, expect_number
from shipml.course.quiz import Feedback, QuizSpec
from shipml.course.widgets import Check, Explorer, Quiz, ScoreSheet
from shipml.governance import ml_test_score

EX = "test-widget-ex1"


@pytest.fixture(autouse=True)
def square_exercise():
    """A test-only exercise: `square(x)` returns x ** 2."""
    ex = exercise(EX, "Square a number", hints=["Multiply.", "x times x."])

    ex.case("squares 3", hint="3 × 3 is 9.", observe=lambda square: square(3),
            judge=lambda got: expect_number(got, 9.0, what="square(3)"))
    ex.case("squares -2", observe=lambda square: square(-2), judge=lambda got: expect_number(got, 4.0, what="square(-2)"))

    yield ex
    checks._REGISTRY.pop(EX, None)


# --- Quiz ---------------------------------------------------------------------


def single():
    return Quiz("test-q1", "Which metric matches the **business** goal?",
                options=["accuracy", "expected cost", "AUC"], answer="expected cost",
                explanation="Fraud is rare: accuracy rewards always saying `no`.")


def test_does_submitting_nothing_ask_for_an_answer():
    quiz = single()
    quiz.submit_button.click()
    assert quiz.feedback == Feedback(False, "Choose an answer first.")


def test_does_a_wrong_choice_say_not_quite_without_the_explanation():
    quiz = single()
    quiz.control.value = "accuracy"
    quiz.submit_button.click()
    assert not quiz.feedback.correct
    assert "Not quite" in quiz.feedback_html.value and "Fraud is rare" not in quiz.feedback_html.value


def test_does_a_right_choice_say_correct_with_the_explanation():
    quiz = single()
    quiz.control.value = "expected cost"
    quiz.submit_button.click()
    assert quiz.feedback.correct
    assert "Correct." in quiz.feedback_html.value
    assert "Fraud is rare: accuracy rewards always saying <code>no</code>." in quiz.feedback_html.value


def test_is_multiple_choice_all_or_nothing_naming_extras_and_counting_missing():
    quiz = Quiz("test-q2", "Which columns leak the label?", options=["amount", "chargeback", "refund_later"],
                answer=["chargeback", "refund_later"])
    assert quiz.spec.kind == "multiple"
    assert quiz.grade(["chargeback"]).message == "Not quite: you missed one option that applies."
    assert quiz.grade(["amount", "chargeback"]).message == \
        "Not quite: “amount” does not apply, and one more option does."
    assert quiz.grade(["amount", "chargeback", "refund_later"]).message == "Not quite: “amount” does not apply."
    quiz.checkboxes[1].value = quiz.checkboxes[2].value = True
    quiz.submit_button.click()
    assert quiz.feedback.correct and quiz.response == ("chargeback", "refund_later")
    quiz.response = ["amount"]
    assert [c.value for c in quiz.checkboxes] == [True, False, False]


def test_is_a_numeric_answer_graded_within_its_tolerance():
    quiz = Quiz("test-q3", "What is the fraud rate, in %?", answer=1.0, tolerance=0.05)
    assert isinstance(quiz.control, widgets.FloatText)
    quiz.control.value = 1.04
    quiz.submit_button.click()
    assert quiz.feedback.correct
    assert quiz.grade(2).message == "Not quite: 2 is too high."
    assert quiz.grade("0.5").message == "Not quite: 0.5 is too low."
    assert quiz.grade("lots").message == "Enter a number, such as 0.25."
    assert quiz.grade("1,0").message == "Enter a number, such as 0.25."


@pytest.mark.parametrize(
    "kwargs, complaint",
    [
        (dict(quiz_id="", question="Q?", options=["a", "b"], answer="a"), "non-empty id"),
        (dict(quiz_id="q", question="Q?", options=["a", "b"], answer="c"), "'c' is not among the options"),
        (dict(quiz_id="q", question="Q?", options=["a", "b"], answer=["a", "c"]), "'c' is not among the options"),
        (dict(quiz_id="q", question="Q?", options=["a"], answer="a"), "at least two options"),
        (dict(quiz_id="q", question="Q?", options=["a", "a"], answer="a"), "different from each other"),
        (dict(quiz_id="q", question="Q?", answer=0.3), "needs a tolerance"),
        (dict(quiz_id="q", question="Q?", answer="a", tolerance=0.1), "must be a finite number"),
        (dict(quiz_id="q", question="Q?", options=["a", "b"], answer="a", tolerance=0.1), "only for a numeric"),
        (dict(quiz_id="q", question="Q?", options=["a", "b"]), "needs an answer"),
        (dict(quiz_id="q", question=" ", options=["a", "b"], answer="a"), "non-empty question"),
    ],
)
def test_is_a_broken_quiz_definition_rejected_with_a_clear_value_error(kwargs, complaint):
    with pytest.raises(ValueError, match=complaint):
        Quiz(**kwargs)


def test_is_the_quiz_definition_plain_data_for_other_renderers():
    spec = QuizSpec.create("test-q2", "Which?", options=("a", "b", "c"), answer={"a"}, multiple=True)
    data = json.loads(json.dumps(spec.to_dict()))
    assert data == {"quiz_id": "test-q2", "question": "Which?", "kind": "multiple", "options": ["a", "b", "c"],
                    "answer": ["a"], "explanation": "", "tolerance": None}
    assert spec.grade(["a"]).correct


# --- Check --------------------------------------------------------------------


def square(x):
    return x * x


def test_does_a_check_run_at_creation_and_show_passed():
    check = Check(EX, square)
    assert check.result.status == "passed"
    assert check.results_html.value.count("✓") == 2 and "Passed" in check.results_html.value


def test_does_a_wrong_answer_show_failed_with_the_hint():
    check = Check(EX, lambda x: x + x)
    assert check.result.status == "failed"
    assert "✗" in check.results_html.value
    assert "square(3) should be 9.0, yours is 6.0." in check.results_html.value
    assert "Hint: 3 × 3 is 9." in check.results_html.value


def test_does_a_stub_show_not_attempted():
    def stub(x):
        # YOUR CODE HERE
        ...

    check = Check(EX, stub)
    assert check.result.status == "not attempted"
    assert "Not attempted yet" in check.results_html.value and "–" in check.results_html.value


def test_does_a_raising_function_show_a_plain_sentence_without_a_traceback():
    def crashes(x):
        return x / 0

    check = Check(EX, crashes)
    text = check.results_html.value
    assert check.result.status == "error"
    assert "Your code raised ZeroDivisionError: division by zero" in text
    assert "Traceback" not in text and "shipml" not in text


def test_is_an_endless_loop_stopped_by_the_time_limit():
    def loops(x):
        while True:
            pass

    check = Check(EX, loops, timeout_s=0.5)
    assert "Your code ran for more than 0.5 s and was stopped." in check.results_html.value


def test_does_an_unknown_exercise_id_show_a_message_instead_of_raising():
    with pytest.warns(UserWarning, match="There is no exercise 'test-widget-ex2'"):
        check = Check("test-widget-ex2", square)
    assert check.result is None
    assert "Did you mean 'test-widget-ex1'?" in check.results_html.value
    assert check.hint() == "This exercise has no hints."


def test_does_check_again_pick_up_a_function_redefined_in_the_notebook(monkeypatch):
    notebook = types.ModuleType("__main__")
    monkeypatch.setitem(sys.modules, "__main__", notebook)
    exec("def square(x):\n    return x + x\n", notebook.__dict__)
    check = Check(EX, notebook.square)
    assert check.result.status == "failed"
    exec("def square(x):\n    return x * x\n", notebook.__dict__)
    check.check_button.click()
    assert check.result.status == "passed"


def test_does_the_hint_button_climb_the_ladder_then_say_no_more():
    check = Check(EX, square)
    check.hint_button.click()
    assert "Multiply." in check.hints_html.value and "x times x." not in check.hints_html.value
    check.hint_button.click()
    assert "x times x." in check.hints_html.value
    assert check.hint() == "No more hints."
    assert "No more hints." in check.hints_html.value


# --- Explorer -----------------------------------------------------------------


def draw_threshold(ax, threshold, label="scores"):
    ax.axvline(threshold)
    ax.set_xlabel(label)
    return f"threshold **{threshold:.2f}** on {label}"


def test_does_an_explorer_draw_a_figure_at_creation():
    import matplotlib.pyplot as plt

    explorer = Explorer(draw_threshold, threshold=widgets.FloatSlider(value=0.5, min=0, max=1, step=0.01))
    (output,) = explorer.output.outputs
    assert output["output_type"] == "display_data" and len(output["data"]["image/png"]) > 1000
    assert explorer.text == "threshold **0.50** on scores"
    assert explorer.caption.value == "threshold <b>0.50</b> on scores"
    assert plt.get_fignums() == []


def test_does_moving_a_slider_redraw():
    explorer = Explorer(draw_threshold, threshold=(0.0, 1.0, 0.01), label=["scores", "amounts"])
    assert isinstance(explorer.controls["threshold"], widgets.FloatSlider)
    assert isinstance(explorer.controls["label"], widgets.Dropdown)
    explorer.controls["threshold"].value = 0.25
    assert explorer.text == "threshold **0.25** on scores"
    assert explorer.update(threshold=0.75, label="amounts") == "threshold **0.75** on amounts"
    assert explorer.values == {"threshold": 0.75, "label": "amounts"}


def test_does_update_reject_a_control_it_does_not_have():
    explorer = Explorer(draw_threshold, threshold=(0.0, 1.0))
    with pytest.raises(ValueError, match="no control named 'thresh'"):
        explorer.update(thresh=0.2)


def test_does_a_drawing_error_raise_at_creation_but_show_a_sentence_later():
    def picky(ax, threshold):
        if threshold > 0.9:
            raise ValueError("threshold too high")
        ax.axvline(threshold)

    with pytest.raises(ValueError):
        Explorer(picky, threshold=widgets.FloatSlider(value=1.0, min=0, max=1))
    explorer = Explorer(picky, threshold=widgets.FloatSlider(value=0.5, min=0, max=1))
    assert explorer.text is None and explorer.caption.value == ""
    explorer.update(threshold=0.95)
    assert explorer.error == "The plot could not be drawn: ValueError: threshold too high"
    assert explorer.output.outputs == ()


# --- static renderings: what the book shows ---------------------------------------


def _static_data(page: str) -> dict:
    start = page.index('<script type="application/json">') + len('<script type="application/json">')
    return json.loads(page[start:page.index("</script>", start)])


def test_does_an_explorer_carry_its_states_for_the_book(monkeypatch):
    monkeypatch.setenv(static.BOOK_BUILD_ENV, "1")
    calls = []

    def draw(ax, threshold, label, log):
        calls.append((threshold, label, log))
        return draw_threshold(ax, threshold, label)

    explorer = Explorer(draw, threshold=widgets.FloatSlider(value=0.33, min=0, max=1, step=0.01),
                        label=["scores", "amounts"], log=widgets.Checkbox(value=True, description="log scale"))
    explorer._render_seconds = 0.0  # a cold first drawing may be slow; here only the grid is under test
    calls.clear()
    page = explorer._repr_mimebundle_()["text/html"]
    assert f'class="{static.EXPLORER}"' in page and "<button" not in page
    data = _static_data(page)
    grid = [len(c["labels"]) for c in data["controls"]]
    assert grid[1:] == [2, 2] and grid[0] * 4 <= Explorer.static_states and len(data["states"]) == grid[0] * 4
    assert len(calls) == len(data["states"]) and (0.33, "scores", True) in calls  # the notebook's state is one
    assert data["controls"][0]["labels"][0] == "0.00" and "0.33" in data["controls"][0]["labels"]
    assert '<input type="range"' in page and "<select" in page and 'type="checkbox"' in page and " checked" in page
    assert page.count("<label for=") == 3 and 'alt="Plot for threshold = 0.33, label = scores, log scale = on: ' \
        'threshold 0.33 on scores"' in page
    first = data["states"][f"{data['controls'][0]['labels'].index('0.33')},0,1"]
    assert first[1] == "threshold <b>0.33</b> on scores" and len(first[0]) > 500


def test_is_an_explorer_shown_still_when_its_states_are_too_many_too_slow_or_not_for_the_book(monkeypatch):
    slider = dict(threshold=widgets.FloatSlider(value=0.5, min=0, max=1))
    monkeypatch.delenv(static.BOOK_BUILD_ENV, raising=False)
    page = Explorer(draw_threshold, **slider)._repr_mimebundle_()["text/html"]  # Jupyter: one still view
    assert f'class="{static.STILL}"' in page and "<input" not in page and "open the notebook in Jupyter" in page
    assert 'alt="Plot for threshold = 0.50: threshold 0.50 on scores"' in page
    monkeypatch.setenv(static.BOOK_BUILD_ENV, "1")
    many = Explorer(lambda ax, a, b, c, d: None, **{k: widgets.IntSlider(value=0, min=0, max=9) for k in "abcd"})
    assert many.static_grid() is None and f'class="{static.STILL}"' in many._repr_mimebundle_()["text/html"]
    slow = Explorer(draw_threshold, **slider)
    slow._render_seconds = Explorer.static_seconds  # one drawing takes the whole budget
    assert slow.static_grid() is None
    assert Explorer(draw_threshold, **slider).static_grid() is not None


def test_is_an_explorer_whose_states_all_look_the_same_shown_still(monkeypatch):
    monkeypatch.setenv(static.BOOK_BUILD_ENV, "1")

    def unfinished(ax, threshold):  # an exercise's explorer before the learner's function returns anything
        ax.text(0.5, 0.5, "Complete the exercise to see the plot here.", ha="center", transform=ax.transAxes)
        return "Complete the exercise first."

    slider = dict(threshold=widgets.FloatSlider(value=0.5, min=0, max=1))
    pages = []
    for plot_fn in (unfinished, draw_threshold):
        explorer = Explorer(plot_fn, **slider)
        explorer._render_seconds = 0.0  # fast enough for the book on any machine: only the states decide
        pages.append(explorer._repr_mimebundle_()["text/html"])
    still, moving = pages
    assert f'class="{static.STILL}"' in still and "<input" not in still and "Complete the exercise first." in still
    assert f'class="{static.EXPLORER}"' in moving


def test_does_a_check_show_its_verdict_and_folded_hints_without_dead_buttons():
    page = Check(EX, lambda x: x + 1)._repr_mimebundle_()["text/html"]
    assert f'class="{static.CHECK}"' in page and "<button" not in page
    assert "failed" in page.lower() and "<details" in page and "<li>Multiply.</li><li>x times x.</li>" in page


def test_does_a_score_sheet_show_a_table_without_boxes():
    page = ScoreSheet({"data-1": 1, "model-2": 0.5})._repr_mimebundle_()["text/html"]
    assert f'class="{static.SHEET}"' in page and "<input" not in page
    assert "<td>data-1</td>" in page and "ML Test Score" in page


# --- ScoreSheet ------------------------------------------------------------------


def test_does_the_sheet_recompute_when_a_box_is_ticked():
    sheet = ScoreSheet({f"{s}-1": 0.5 for s in ml_test_score.SECTIONS})
    assert sheet.scores["final"] == 0.5
    for section in ml_test_score.SECTIONS:
        sheet.automated[f"{section}-2"].value = True
    assert sheet.scores["final"] == 1.5
    assert "ML Test Score: 1.5" in sheet.result_html.value


def test_does_the_sheet_survive_a_learners_unfinished_or_broken_function():
    assert ScoreSheet(score_fn=lambda marks: None).update() is None
    broken = ScoreSheet(score_fn=lambda marks: 1 / 0)
    assert broken.scores is None and "ZeroDivisionError" in broken.result_html.value
