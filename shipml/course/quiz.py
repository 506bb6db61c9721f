"""A quiz: its spec and grading, and its static HTML for the built book (no kernel needed).

    from shipml.course.quiz import QuizSpec, render
    spec = QuizSpec.create("ch01-q1", "Which metric?", options=["accuracy", "expected cost"],
                           answer="expected cost", explanation="Fraud is rare.")
    spec.grade("accuracy")     # Feedback(correct=False, message='Not quite: ...')
    html = render(spec)        # the quiz as self-contained HTML with a little inline JavaScript

`Quiz` (shipml.course.widgets) is the widget view of a QuizSpec, and puts this
HTML in its display next to the widget: Jupyter shows the widget, and the
book's Sphinx extension (shipml.course.sphinxext) shows this rendering
instead, because a static page has no kernel to grade with. One QuizSpec
drives both; its `to_dict()` is embedded in the HTML as JSON and is what the
JavaScript grades against (and what a grader reads). This module imports no
widget library, so the Sphinx extension loads neither ipywidgets nor the checks.

Feedback: a right answer shows "Correct." followed by the explanation; a
wrong one shows "Not quite: …" with a nudge (a number is too high or too low;
in a multiple choice the ticked options that do not apply are named and the
missed ones are only counted) and never the explanation, which would give the
answer away before the learner tries again.

The JavaScript in `GRADER_JS` is a port of `QuizSpec.grade` and of
`markdown_html`: the same verdicts and the same sentences, down to the
formatting of a number (Python's `{:g}`) and the numbers Python's `float()`
accepts. tests/course/test_quiz.py runs both on the same responses. It
requests nothing from the network and defines one global, `shipmlQuiz`, once
per page however many quizzes the page holds.
"""

from __future__ import annotations

import html
import json
import math
import numbers
import re
from dataclasses import asdict, dataclass

__all__ = ["GRADER_JS", "MARKER", "Feedback", "QuizSpec", "markdown_html", "render"]

MARKER = "shipml-quiz-static"  # the class that tells the book this output is a static quiz


def _is_real(value) -> bool:
    # An author's answer or tolerance: a real number, and True/False are not numbers here.
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def markdown_html(text: str) -> str:
    """A small, safe Markdown subset as HTML: `code`, **bold** and blank-line paragraphs."""
    out = html.escape(text or "", quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)
    paragraphs = [" ".join(p.split("\n")) for p in re.split(r"\n\s*\n", out.strip())]
    return "<br><br>".join(p for p in paragraphs if p)


@dataclass(frozen=True)
class Feedback:
    """A quiz's verdict on one response."""

    correct: bool
    message: str


@dataclass(frozen=True)
class QuizSpec:
    """A quiz's definition, independent of how it is rendered.

    kind is "single" (one option), "multiple" (tick all that apply, graded all
    or nothing) or "number" (a number within tolerance).
    """

    quiz_id: str
    question: str
    kind: str
    options: tuple[str, ...] | None
    answer: str | tuple[str, ...] | float
    explanation: str = ""
    tolerance: float | None = None

    @classmethod
    def create(cls, quiz_id, question, options=None, answer=..., explanation="", multiple=False, tolerance=None):
        """Infer the kind from the arguments, as Quiz takes them, and validate."""
        if options is None:
            kind = "number"
        elif multiple or isinstance(answer, (list, tuple, set, frozenset)):
            kind = "multiple"
            if isinstance(answer, str):
                answer = (answer,)
        else:
            kind = "single"
        if kind == "multiple" and isinstance(answer, (list, tuple, set, frozenset)):
            answer = tuple(answer)
        if options is not None:
            options = tuple(options) if not isinstance(options, str) else options
        return cls(quiz_id, question, kind, options, answer, explanation or "", tolerance)

    def __post_init__(self):
        name = f"Quiz {self.quiz_id!r}"
        if not isinstance(self.quiz_id, str) or not self.quiz_id.strip():
            raise ValueError("a quiz needs a non-empty id such as 'ch01-q1'")
        if not isinstance(self.question, str) or not self.question.strip():
            raise ValueError(f"{name} needs a non-empty question")
        if not isinstance(self.explanation, str):
            raise ValueError(f"{name}: the explanation must be a string")
        if self.kind not in ("single", "multiple", "number"):
            raise ValueError(f"{name}: kind must be 'single', 'multiple' or 'number', not {self.kind!r}")
        if self.answer is Ellipsis or self.answer is None:
            raise ValueError(f"{name} needs an answer")
        if self.kind == "number":
            self._validate_number(name)
        else:
            self._validate_options(name)

    def _validate_number(self, name):
        if self.options is not None:
            raise ValueError(f"{name}: a numeric quiz takes no options")
        if not _is_real(self.answer) or not math.isfinite(self.answer):
            raise ValueError(f"{name}: without options the answer must be a finite number, not {self.answer!r}")
        if self.tolerance is None:
            raise ValueError(f"{name}: a numeric answer needs a tolerance, e.g. tolerance=0.01")
        if not _is_real(self.tolerance) or not self.tolerance >= 0:
            raise ValueError(f"{name}: the tolerance must be a number >= 0, not {self.tolerance!r}")

    def _validate_options(self, name):
        if self.tolerance is not None:
            raise ValueError(f"{name}: a tolerance is only for a numeric answer (options=None)")
        if isinstance(self.options, str) or not isinstance(self.options, tuple) or len(self.options) < 2:
            raise ValueError(f"{name} needs a list of at least two options")
        if not all(isinstance(o, str) and o.strip() for o in self.options):
            raise ValueError(f"{name}: every option must be a non-empty string")
        if len(set(self.options)) != len(self.options):
            raise ValueError(f"{name}: the options must be different from each other")
        answers = self.answer if self.kind == "multiple" else (self.answer,)
        if self.kind == "multiple" and not answers:
            raise ValueError(f"{name}: a multiple-choice quiz needs at least one right option")
        for a in answers:
            if a not in self.options:
                raise ValueError(f"{name}: the answer {a!r} is not among the options {list(self.options)}")
        if len(set(answers)) != len(answers):
            raise ValueError(f"{name}: the answer lists an option twice")

    def to_dict(self) -> dict:
        """Plain JSON-able data, for another renderer (e.g. a static HTML quiz)."""
        data = asdict(self)
        for key in ("options", "answer"):
            if isinstance(data[key], tuple):
                data[key] = list(data[key])
        return data

    def grade(self, response) -> Feedback:
        """The verdict on a response: an option, a collection of options, or a number (or its text)."""
        graders = {"single": self._grade_single, "multiple": self._grade_multiple, "number": self._grade_number}
        return graders[self.kind](response)

    def _correct(self) -> Feedback:
        return Feedback(True, f"Correct. {self.explanation}".strip())

    def _grade_single(self, response) -> Feedback:
        if response is None or response == "":
            return Feedback(False, "Choose an answer first.")
        if response not in self.options:
            return Feedback(False, f"“{response}” is not one of the options.")
        if response == self.answer:
            return self._correct()
        return Feedback(False, f"Not quite: “{response}” is not the best answer. Try again.")

    def _grade_multiple(self, response) -> Feedback:
        chosen = [response] if isinstance(response, str) else list(response or ())
        if not chosen:
            return Feedback(False, "Tick at least one option first.")
        unknown = [c for c in chosen if c not in self.options]
        if unknown:
            return Feedback(False, f"“{unknown[0]}” is not one of the options.")
        extra = [o for o in self.options if o in chosen and o not in self.answer]
        missing = [o for o in self.answer if o not in chosen]
        if not extra and not missing:
            return self._correct()
        if not extra:
            missed = "one option that applies" if len(missing) == 1 else f"{len(missing)} options that apply"
            return Feedback(False, f"Not quite: you missed {missed}.")
        names = " and ".join(f"“{o}”" for o in extra)
        message = f"Not quite: {names} {'does' if len(extra) == 1 else 'do'} not apply"
        if missing:
            message += ", and one more option does" if len(missing) == 1 else f", and {len(missing)} more options do"
        return Feedback(False, message + ".")

    def _grade_number(self, response) -> Feedback:
        if response is None or (isinstance(response, str) and not response.strip()):
            return Feedback(False, "Enter a number first.")
        try:
            value = float(response)  # "0,5" is refused rather than misread as 5
        except (TypeError, ValueError):
            value = math.nan
        if isinstance(response, bool) or not math.isfinite(value):
            return Feedback(False, "Enter a number, such as 0.25.")
        if abs(value - self.answer) <= self.tolerance:
            return self._correct()
        direction = "too high" if value > self.answer else "too low"
        return Feedback(False, f"Not quite: {value:g} is {direction}.")


GRADER_JS = r"""
window.shipmlQuiz = window.shipmlQuiz || (function () {
  function escapeHtml(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function markdownHtml(text) {   // markdown_html
    var out = escapeHtml(text || "");
    out = out.replace(/`([^`]+)`/g, "<code>$1</code>").replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>");
    return out.trim().split(/\n\s*\n/).map(function (p) {
      return p.split("\n").join(" ");
    }).filter(function (p) { return p; }).join("<br><br>");
  }
  function pyFloat(text) {        // Python's float() on a string; NaN when it refuses
    var s = String(text).trim();
    var digits = "\\d(?:_?\\d)*";
    var number = new RegExp("^[+-]?(?:" + digits + "(?:\\." + "(?:" + digits + ")?)?|\\." + digits + ")(?:[eE][+-]?" + digits + ")?$");
    return number.test(s) ? parseFloat(s.replace(/_/g, "")) : NaN;
  }
  function formatG(x) {           // Python's format(x, "g")
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    var parts = x.toExponential(5).split("e"), exponent = parseInt(parts[1], 10);
    if (exponent < -4 || exponent >= 6) {
      var mantissa = parts[0].replace(/\.?0+$/, "");
      var sign = exponent < 0 ? "-" : "+", e = String(Math.abs(exponent));
      return mantissa + "e" + sign + (e.length < 2 ? "0" + e : e);
    }
    var fixed = x.toFixed(Math.max(0, 5 - exponent));
    return fixed.indexOf(".") < 0 ? fixed : fixed.replace(/\.?0+$/, "");
  }
  function verdict(correct, message) { return {correct: correct, message: message}; }
  function correct(spec) { return verdict(true, ("Correct. " + spec.explanation).trim()); }
  function quote(o) { return "\u201c" + o + "\u201d"; }
  function gradeSingle(spec, response) {
    if (response === null || response === undefined || response === "") return verdict(false, "Choose an answer first.");
    if (spec.options.indexOf(response) < 0) return verdict(false, quote(response) + " is not one of the options.");
    if (response === spec.answer) return correct(spec);
    return verdict(false, "Not quite: " + quote(response) + " is not the best answer. Try again.");
  }
  function gradeMultiple(spec, response) {
    var chosen = typeof response === "string" ? [response] : (response || []).slice();
    if (!chosen.length) return verdict(false, "Tick at least one option first.");
    for (var i = 0; i < chosen.length; i++) {
      if (spec.options.indexOf(chosen[i]) < 0) return verdict(false, quote(chosen[i]) + " is not one of the options.");
    }
    var extra = spec.options.filter(function (o) { return chosen.indexOf(o) >= 0 && spec.answer.indexOf(o) < 0; });
    var missing = spec.answer.filter(function (o) { return chosen.indexOf(o) < 0; });
    if (!extra.length && !missing.length) return correct(spec);
    if (!extra.length) {
      var missed = missing.length === 1 ? "one option that applies" : missing.length + " options that apply";
      return verdict(false, "Not quite: you missed " + missed + ".");
    }
    var message = "Not quite: " + extra.map(quote).join(" and ") + (extra.length === 1 ? " does" : " do") + " not apply";
    if (missing.length) message += missing.length === 1 ? ", and one more option does" : ", and " + missing.length + " more options do";
    return verdict(false, message + ".");
  }
  function gradeNumber(spec, response) {
    if (response === null || response === undefined || (typeof response === "string" && !response.trim())) {
      return verdict(false, "Enter a number first.");
    }
    var value = typeof response === "number" ? response : pyFloat(response);
    if (typeof response === "boolean" || !isFinite(value)) return verdict(false, "Enter a number, such as 0.25.");
    if (Math.abs(value - spec.answer) <= spec.tolerance) return correct(spec);
    return verdict(false, "Not quite: " + formatG(value) + " is " + (value > spec.answer ? "too high" : "too low") + ".");
  }
  function grade(spec, response) {  // QuizSpec.grade
    return {single: gradeSingle, multiple: gradeMultiple, number: gradeNumber}[spec.kind](spec, response);
  }
  function response(root, spec) {
    if (spec.kind === "number") return root.querySelector("input[type=text]").value;
    var ticked = Array.prototype.filter.call(root.querySelectorAll("input"), function (i) { return i.checked; })
      .map(function (i) { return spec.options[parseInt(i.value, 10)]; });
    return spec.kind === "single" ? (ticked.length ? ticked[0] : null) : ticked;
  }
  function attach(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    var spec = JSON.parse(root.querySelector("script[type='application/json']").textContent);
    var feedback = root.querySelector(".shipml-quiz-feedback");
    root.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      var result = grade(spec, response(root, spec));
      feedback.dataset.correct = String(result.correct);
      feedback.style.color = result.correct ? "#2e7d32" : "#c62828";
      feedback.innerHTML = (result.correct ? "\u2713 " : "\u2717 ") + markdownHtml(result.message);
    });
  }
  return {grade: grade, markdownHtml: markdownHtml, formatG: formatG, pyFloat: pyFloat, attach: attach};
})();
"""


_SCRIPT = "\n".join(line.strip() for line in GRADER_JS.strip().splitlines())  # indentation is bytes


def _control(spec: QuizSpec) -> str:
    name = html.escape(f"{spec.quiz_id}-answer")
    if spec.kind == "number":
        return (f'<label>Answer: <input type="text" inputmode="decimal" name="{name}" autocomplete="off" '
                'style="max-width:10em"></label>')
    kind = "radio" if spec.kind == "single" else "checkbox"
    rows = [f'<label style="display:block;margin:0.2em 0"><input type="{kind}" name="{name}" value="{i}"> '
            f"{html.escape(option)}</label>" for i, option in enumerate(spec.options)]
    return "".join(rows)


def render(spec: QuizSpec) -> str:
    """The quiz as self-contained HTML: question, options or a number field, Submit, feedback."""
    data = json.dumps(spec.to_dict(), ensure_ascii=True).replace("</", "<\\/")  # safe inside <script>
    quiz_id = html.escape(spec.quiz_id)
    return (
        f'<div class="{MARKER}" data-quiz-id="{quiz_id}" '
        'style="border:1px solid #ddd;border-radius:4px;padding:0.5em 0.8em;margin:0.5em 0">'
        f'<script type="application/json">{data}</script>'
        f'<div class="shipml-quiz-question">{markdown_html(spec.question)}</div>'
        f'<form style="margin:0.4em 0">{_control(spec)}'
        '<button type="submit" style="margin-top:0.4em">Submit</button></form>'
        '<div class="shipml-quiz-feedback" role="status" aria-live="polite"></div>'
        f"<script>{_SCRIPT}\n"
        "(function (s) { window.shipmlQuiz.attach(s.parentElement); })(document.currentScript);</script>"
        "</div>"
    )
