"""A quiz as static HTML with a little inline JavaScript: the built book's quiz, no kernel needed.

    from shipml.course.quiz_static import render
    html = render(spec)        # spec: a shipml.course.widgets.QuizSpec

`Quiz` (shipml.course.widgets) puts this HTML in its display next to the widget view:
Jupyter shows the widget, and the book's Sphinx extension (shipml.course.sphinxext)
shows this rendering instead, because a static page has no kernel to grade with.
One QuizSpec drives both; its `to_dict()` is embedded in the HTML as JSON and is
what the JavaScript grades against (and what a grader reads).

The JavaScript in `GRADER_JS` is a port of `QuizSpec.grade` and of
`shipml.course.widgets.markdown_html`: the same verdicts and the same sentences, down
to the formatting of a number (Python's `{:g}`) and the numbers Python's
`float()` accepts. tests/course/test_quiz_static.py runs both on the same responses.
It requests nothing from the network and defines one global, `shipmlQuiz`,
once per page however many quizzes the page holds.
"""

from __future__ import annotations

import html
import json

from shipml.course.widgets import QuizSpec, markdown_html

__all__ = ["GRADER_JS", "MARKER", "render"]

MARKER = "shipml-quiz-static"  # the class that tells the book this output is a static quiz

GRADER_JS = r"""
window.shipmlQuiz = window.shipmlQuiz || (function () {
  function escapeHtml(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function markdownHtml(text) {   // shipml.course.widgets.markdown_html
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
