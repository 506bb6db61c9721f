"""The quiz: one QuizSpec, the same verdicts in the browser's JavaScript as in Python."""

import json
import re
import shutil
import subprocess

import pytest

from shipml.course import quiz
from shipml.course.quiz import QuizSpec, markdown_html
from shipml.course.widgets import Quiz

SINGLE = QuizSpec.create("t-single", "Which **metric**?", ["accuracy", "expected cost", "a <b>tag</b>"],
                         "expected cost", "Fraud is rare: `accuracy` rewards saying no.")
MULTIPLE = QuizSpec.create("t-multiple", "Which leak the label?", ["a", "b", "c", "d"], ["a", "c"],
                           "Both are known only after the fact.")
NUMBER = QuizSpec.create("t-number", "What is the fraud rate, in %?", answer=1.5, tolerance=0.05,
                         explanation="About 1.5 %.")

# Responses as a reader can give them (strings from a text field), and edge cases of the grader.
CASES = [
    (SINGLE, None), (SINGLE, ""), (SINGLE, "accuracy"), (SINGLE, "expected cost"), (SINGLE, "nope"),
    (SINGLE, "a <b>tag</b>"),
    (MULTIPLE, []), (MULTIPLE, ["a"]), (MULTIPLE, ["a", "c"]), (MULTIPLE, ["c", "a"]), (MULTIPLE, ["b"]),
    (MULTIPLE, ["a", "b"]), (MULTIPLE, ["b", "d"]), (MULTIPLE, ["b", "d", "a"]), (MULTIPLE, ["a", "b", "c", "d"]),
    (MULTIPLE, "a"), (MULTIPLE, ["z"]),
    (NUMBER, ""), (NUMBER, "  "), (NUMBER, "1.5"), (NUMBER, " 1.52 "), (NUMBER, "1.56"), (NUMBER, "1.44"),
    (NUMBER, "0,5"), (NUMBER, "abc"), (NUMBER, "nan"), (NUMBER, "inf"), (NUMBER, "1e3"), (NUMBER, "1_000"),
    (NUMBER, ".5"), (NUMBER, "5."), (NUMBER, "-0.00001234"), (NUMBER, "123456789"), (NUMBER, "0x10"),
    (NUMBER, "1234567"), (NUMBER, "0.0001"), (NUMBER, "100000"), (NUMBER, 2.0), (NUMBER, 1.5),
]


def test_does_the_html_carry_the_spec_the_grader_uses():
    page = quiz.render(SINGLE)
    data = re.search(r'<script type="application/json">(.*?)</script>', page).group(1)
    assert json.loads(data) == SINGLE.to_dict()
    assert quiz.MARKER in page
    assert "a &lt;b&gt;tag&lt;/b&gt;" in page and "<b>metric</b>" in page  # options escaped, question as markdown


def test_is_a_closing_script_tag_in_a_question_harmless():
    spec = QuizSpec.create("t-x", "Is </script><script>alert(1)</script> safe?", ["yes", "no"], "yes")
    page = quiz.render(spec)
    assert page.count("</script>") == 2  # the spec's and the grader's own: the question cannot close one


def test_does_a_numeric_quiz_render_a_text_field_and_a_choice_quiz_its_options():
    assert 'type="text"' in quiz.render(NUMBER)
    assert quiz.render(MULTIPLE).count('type="checkbox"') == 4
    assert quiz.render(SINGLE).count('type="radio"') == 3


def test_does_the_quiz_widget_display_both_the_widget_and_the_static_quiz():
    widget = Quiz("t-w", "Which?", options=["x", "y"], answer="y")
    bundle = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"] == quiz.render(widget.spec)


@pytest.mark.skipif(not shutil.which("node"), reason="Node.js is not installed: the grader's JavaScript is "
                    "checked against Python in the browser tests only")
def test_does_the_javascript_grade_every_response_as_python_does():
    calls = [{"spec": spec.to_dict(), "response": response} for spec, response in CASES]
    script = ("var window = {};\n" + quiz.GRADER_JS +
              "\nvar calls = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "\nconsole.log(JSON.stringify(calls.map(function (c) {"
              " var r = window.shipmlQuiz.grade(c.spec, c.response);"
              " return [r.correct, r.message, window.shipmlQuiz.markdownHtml(r.message)]; })));")
    out = subprocess.run(["node", "-e", script], input=json.dumps(calls), capture_output=True, text=True,
                         timeout=30, check=True).stdout
    expected = [[f.correct, f.message, markdown_html(f.message)]
                for f in (spec.grade(response) for spec, response in CASES)]
    assert json.loads(out) == expected
