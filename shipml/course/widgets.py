"""The exercise kit's widgets: Quiz, Check and Explorer (ipywidgets 8).

    from shipml.course.widgets import Quiz, Check, Explorer

    Quiz("ch01-q1", "Which metric matches the business goal?",
         options=["accuracy", "expected cost"], answer="expected cost",
         explanation="Fraud is rare: accuracy rewards predicting 'no fraud'.")
    Quiz("ch01-q2", "Which of these leak the label?", options=[...], answer=[...])
    Quiz("ch01-q3", "What is the fraud rate, in %?", answer=1.0, tolerance=0.05)

    Check("ch01-ex2", expected_cost)       # runs the public checks right away

    def plot(ax, threshold):
        ax.plot(...)
        return f"cost at {threshold:.2f}: €{cost:,.0f}"   # optional caption
    Explorer(plot, threshold=FloatSlider(0.5, min=0, max=1, step=0.01))

Each widget is a thin view over a plain method that is tested without a
browser: `Quiz.grade(response) -> Feedback` (its data lives in `QuizSpec`, which
a static renderer can use too), `Check.check() -> Result` and `Check.hint()`,
`Explorer.update(**values)`.

A Quiz displays both renderings of its QuizSpec: the widget view, which
Jupyter shows, and a static HTML quiz (`shipml.course.quiz_static`), which the built
book shows because a static page has no kernel.

Quiz feedback: a right answer shows "Correct." followed by the explanation; a
wrong one shows "Not quite: …" with a nudge (a number is too high or too low;
in a multiple choice the ticked options that do not apply are named and the
missed ones are only counted) and never the explanation, which would give the
answer away before the learner tries again.

Check: the "Check again" button picks up a function that the learner has
re-defined: when the target is a function defined in the notebook (`__main__`),
each re-check looks up the object bound to the same name there now. A value (a
number, a DataFrame) is checked as it was passed; re-run the cell that creates
the Check after changing it. Whatever goes wrong (even an unknown exercise id)
is shown in the widget as a sentence, with a warning, and never raised.

Explorer: controls are ipywidgets (FloatSlider, IntSlider, Dropdown, …) or
abbreviations as in `ipywidgets.interact` (`(0.0, 1.0, 0.01)` for a slider, a
list for a dropdown). The figure is drawn once at creation, so a static page
shows a real state; an error then is raised (a broken explorer must break the
build), while an error on a later change is shown under the plot. Figures are
drawn on a `matplotlib.figure.Figure`, outside pyplot, so none piles up or is
shown twice by the inline backend.
"""

from __future__ import annotations

import base64
import html
import inspect
import io
import math
import numbers
import re
import sys
import warnings
from dataclasses import asdict, dataclass

import ipywidgets as widgets

from shipml.course import checks

__all__ = ["Check", "Explorer", "Feedback", "Quiz", "QuizSpec", "markdown_html"]

_COLORS = {"passed": "#2e7d32", "failed": "#c62828", "not attempted": "#757575", "error": "#e65100"}
_SYMBOLS = {"passed": "✓", "failed": "✗", "not attempted": "–", "error": "!"}


def markdown_html(text: str) -> str:
    """A small, safe Markdown subset as HTML: `code`, **bold** and blank-line paragraphs."""
    out = html.escape(text or "", quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)
    paragraphs = [" ".join(p.split("\n")) for p in re.split(r"\n\s*\n", out.strip())]
    return "<br><br>".join(p for p in paragraphs if p)


# --- Quiz ---------------------------------------------------------------------


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
        if isinstance(self.answer, bool) or not isinstance(self.answer, numbers.Real) or not math.isfinite(self.answer):
            raise ValueError(f"{name}: without options the answer must be a finite number, not {self.answer!r}")
        if self.tolerance is None:
            raise ValueError(f"{name}: a numeric answer needs a tolerance, e.g. tolerance=0.01")
        if isinstance(self.tolerance, bool) or not isinstance(self.tolerance, numbers.Real) or not self.tolerance >= 0:
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


def _feedback_html(feedback: Feedback | None) -> str:
    if feedback is None:
        return ""
    color = _COLORS["passed"] if feedback.correct else _COLORS["failed"]
    symbol = "✓" if feedback.correct else "✗"
    return f'<div style="color:{color}">{symbol} {markdown_html(feedback.message)}</div>'


class Quiz(widgets.VBox):
    """A question with a Submit button and immediate feedback; the logic is `grade`."""

    def __init__(self, quiz_id, question, options=None, answer=..., explanation="", multiple=False, tolerance=None):
        spec = QuizSpec.create(quiz_id, question, options, answer, explanation, multiple, tolerance)
        super().__init__(layout=widgets.Layout(border="1px solid #ddd", padding="0.5em", margin="0.5em 0"))
        self.spec = spec
        self.feedback: Feedback | None = None
        self.question_html = widgets.HTMLMath(markdown_html(spec.question))
        wide = widgets.Layout(width="auto")
        if spec.kind == "single":
            self.control = widgets.RadioButtons(options=spec.options, value=None, layout=wide)
        elif spec.kind == "multiple":
            self.checkboxes = [widgets.Checkbox(value=False, description=o, indent=False, layout=wide)
                               for o in spec.options]
            self.control = widgets.VBox(self.checkboxes)
        else:
            self.control = widgets.FloatText(value=0.0, description="Answer:")
        self.submit_button = widgets.Button(description="Submit", button_style="primary")
        self.submit_button.on_click(lambda _: self.submit())
        self.feedback_html = widgets.HTML("")
        self.children = [self.question_html, self.control, self.submit_button, self.feedback_html]
        self.add_class("shipml-quiz")

    def grade(self, response) -> Feedback:
        """The verdict on a response (see QuizSpec.grade)."""
        return self.spec.grade(response)

    def _repr_mimebundle_(self, **kwargs):
        # The widget view for Jupyter, plus the same quiz as static HTML for a
        # page without a kernel: Jupyter ranks the widget view first; the built
        # book picks the HTML (shipml.course.sphinxext), as would a viewer without widgets.
        from shipml.course import quiz_static

        data = super()._repr_mimebundle_(**kwargs)
        if data is not None:
            data["text/html"] = quiz_static.render(self.spec)
        return data

    @property
    def response(self):
        """What the learner has chosen or typed now."""
        if self.spec.kind == "multiple":
            return tuple(c.description for c in self.checkboxes if c.value)
        return self.control.value

    @response.setter
    def response(self, value):
        if self.spec.kind == "multiple":
            chosen = {value} if isinstance(value, str) else set(value or ())
            for c in self.checkboxes:
                c.value = c.description in chosen
        else:
            self.control.value = value

    def submit(self) -> Feedback:
        """Grade the current response and show the feedback."""
        self.feedback = self.grade(self.response)
        self.feedback_html.value = _feedback_html(self.feedback)
        return self.feedback


# --- Check --------------------------------------------------------------------


def _result_html(result: checks.Result) -> str:
    status = result.status
    items = []
    for case in result.cases:
        color, symbol = _COLORS.get(case.status, "#000"), _SYMBOLS.get(case.status, "?")
        symbol = f'<span style="color:{color};font-weight:bold">{symbol}</span>'
        line = f"{symbol} {html.escape(case.name)}"
        if case.message and case.status != "passed":
            line += f" — {markdown_html(case.message)}"
        if case.hint and case.status == "failed":
            line += f'<br><span style="opacity:0.8">Hint: {markdown_html(case.hint)}</span>'
        items.append(f'<li data-status="{case.status}">{line}</li>')
    headline = f'<div style="color:{_COLORS.get(status, "#000")}"><b>{html.escape(result.headline())}</b></div>'
    return headline + '<ul style="list-style:none;padding-left:0.5em;margin:0.3em 0">' + "".join(items) + "</ul>"


def _message_html(message: str) -> str:
    return f'<div style="color:{_COLORS["error"]}">! {markdown_html(message)}</div>'


class Check(widgets.VBox):
    """Runs an exercise's public checks on the learner's object, with Check again and Hint buttons."""

    def __init__(self, exercise_id, target, *, timeout_s: float | None = None):
        super().__init__(layout=widgets.Layout(border="1px solid #ddd", padding="0.5em", margin="0.5em 0"))
        self.exercise_id = exercise_id
        self.target = target
        self.timeout_s = timeout_s
        self.result: checks.Result | None = None
        self.hints_shown = 0
        self._checked_once = False
        try:
            exercise = checks.get_exercise(exercise_id)
            title, self._hints = exercise.title, list(exercise.hints)
        except Exception:  # reported by check() below, as a sentence
            title, self._hints = "", []
        heading = f"<b>Check {html.escape(str(exercise_id))}</b>" + (f": {html.escape(title)}" if title else "")
        self.title_html = widgets.HTML(heading)
        self.results_html = widgets.HTML("")
        self.check_button = widgets.Button(description="Check again", icon="refresh")
        self.hint_button = widgets.Button(description="Hint", icon="question")
        self.hints_html = widgets.HTML("")
        self.check_button.on_click(lambda _: self.check())
        self.hint_button.on_click(lambda _: self.hint())
        buttons = widgets.HBox([self.check_button, self.hint_button])
        self.children = [self.title_html, self.results_html, buttons, self.hints_html]
        self.add_class("shipml-check")
        self.check()

    def _current_target(self):
        """The target; for a notebook function, whatever its name is bound to now."""
        target = self.target
        in_notebook = inspect.isfunction(target) and target.__module__ == "__main__"
        if self._checked_once and in_notebook and target.__name__.isidentifier():
            current = getattr(sys.modules.get("__main__"), target.__name__, None)
            if callable(current):
                return current
        return target

    def check(self) -> checks.Result | None:
        """Run the public checks, show the results, and return them (None when they could not run)."""
        target = self._current_target()
        self._checked_once = True
        try:
            self.result = checks.run(self.exercise_id, target, timeout_s=self.timeout_s)
        except Exception as error:  # an unknown id, or a bug in a check: a sentence, not a traceback
            self.result = None
            if isinstance(error, LookupError):
                message = str(error)
            else:
                message = f"The checks could not run: {type(error).__name__}: {error}"
            warnings.warn(message, stacklevel=3)  # point at the learner's Check(...) line
            self.results_html.value = _message_html(message)
            return None
        self.results_html.value = _result_html(self.result)
        return self.result

    def hint(self) -> str:
        """Reveal the next hint of the ladder and return it ("No more hints." at the end)."""
        if not self._hints:
            text = "This exercise has no hints."
        elif self.hints_shown < len(self._hints):
            text = self._hints[self.hints_shown]
            self.hints_shown += 1
        else:
            text = "No more hints."
        shown = "".join(f"<li>{markdown_html(h)}</li>" for h in self._hints[: self.hints_shown])
        listing = f'<ol style="margin:0.3em 0">{shown}</ol>' if shown else ""
        at_end = text in ("No more hints.", "This exercise has no hints.")
        note = f"<div><i>{html.escape(text)}</i></div>" if at_end else ""
        self.hints_html.value = listing + note
        return text


# --- Explorer -----------------------------------------------------------------


def _control(name: str, abbrev):
    """An ipywidgets control from a widget or an `interact` abbreviation."""
    if isinstance(abbrev, widgets.fixed):
        return abbrev
    control = widgets.interactive.widget_from_abbrev(abbrev)
    if control is None:
        raise ValueError(f"Explorer control {name!r}: cannot make a control from {abbrev!r}; "
                         "pass an ipywidgets control such as FloatSlider(value=0.5, min=0, max=1)")
    if control is not abbrev:  # made here from an abbreviation: redraw on release, not on every pixel
        if hasattr(control, "continuous_update"):
            control.continuous_update = False
    if not getattr(control, "description", None):
        control.description = name
    style = getattr(control, "style", None)
    if style is not None and hasattr(style, "description_width"):
        style.description_width = "initial"  # don't cut long names short
    return control


def _png_output(fig) -> dict:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    width, height = (int(round(v * 100)) for v in fig.get_size_inches())
    return {
        "output_type": "display_data",
        "data": {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"), "text/plain": "<Figure>"},
        "metadata": {"image/png": {"width": width, "height": height}},
    }


class Explorer(widgets.VBox):
    """Controls over a cheap computation, with a plot drawn by `plot_fn(ax, **values)`.

    plot_fn may return a short Markdown caption; it may resize the figure with
    `ax.figure.set_size_inches(w, h)` (the default is `Explorer.figsize`).
    """

    figsize = (6.4, 3.6)

    def __init__(self, plot_fn, **controls):
        if not callable(plot_fn):
            raise TypeError(f"Explorer needs a function plot_fn(ax, **values), not {plot_fn!r}")
        super().__init__()
        self.plot_fn = plot_fn
        self.controls = {name: _control(name, abbrev) for name, abbrev in controls.items()}
        self.output = widgets.Output()
        self.caption = widgets.HTML("")
        self.text: str | None = None
        self.error: str | None = None
        self._holding = False
        for control in self.controls.values():
            if isinstance(control, widgets.ValueWidget):
                control.observe(self._on_change, names="value")
        shown = [c for c in self.controls.values() if isinstance(c, widgets.Widget)]
        self.children = [widgets.VBox(shown), self.output, self.caption]
        self.add_class("shipml-explorer")
        self._render(raise_errors=True)

    @property
    def values(self) -> dict:
        """The current value of every control, as plot_fn receives them."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self, **values) -> str | None:
        """Set some controls' values, redraw once, and return the caption text."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(f"Explorer has no control named {', '.join(map(repr, unknown))}; "
                             f"it has {', '.join(map(repr, self.controls)) or 'none'}")
        self._holding = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._holding = False
        self._render()
        return self.text

    def _on_change(self, change):
        if not self._holding:
            self._render()

    def _render(self, raise_errors: bool = False) -> None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=self.figsize, layout="constrained")
        ax = fig.subplots()
        try:
            text = self.plot_fn(ax, **self.values)
            output = _png_output(fig)
        except Exception as error:
            if raise_errors:
                raise
            self.error = f"The plot could not be drawn: {type(error).__name__}: {error}"
            self.text = None
            self.output.outputs = ()
            self.caption.value = _message_html(self.error)
            return
        self.error = None
        self.text = None if text is None else str(text)
        self.output.outputs = (output,)
        self.caption.value = markdown_html(self.text) if self.text else ""
