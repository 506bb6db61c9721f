"""The exercise kit's widgets: Quiz, Check, Explorer and ScoreSheet (ipywidgets 8).

    from shipml.course.widgets import Quiz, Check, Explorer, ScoreSheet

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

    ScoreSheet({"data-1": 1})              # the ML Test Score, ticked per test

Each widget is a thin view over a plain method that is tested without a
browser: `Quiz.grade(response) -> Feedback` (its data and grading live in
`shipml.course.quiz.QuizSpec`), `Check.check() -> Result` and `Check.hint()`,
`Explorer.update(**values)`, `ScoreSheet.update() -> scores`.

A Quiz displays both renderings of its QuizSpec: the widget view, which
Jupyter shows, and the static HTML quiz (`shipml.course.quiz.render`), which
the built book shows because a static page has no kernel. What its feedback
says is described in shipml.course.quiz.

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
import itertools
import os
import re
import sys
import time
import warnings

import ipywidgets as widgets

from shipml.course import checks, quiz, static
from shipml.course.quiz import Feedback, QuizSpec, markdown_html
from shipml.governance import ml_test_score

__all__ = ["Check", "Explorer", "Quiz", "ScoreSheet"]

_COLORS = {"passed": "#2e7d32", "failed": "#c62828", "not attempted": "#757575", "error": "#e65100"}


def _feedback_html(feedback: Feedback | None) -> str:
    if feedback is None:
        return ""
    color = _COLORS["passed"] if feedback.correct else _COLORS["failed"]
    symbol = checks.SYMBOLS["passed" if feedback.correct else "failed"]
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
        data = super()._repr_mimebundle_(**kwargs)
        if data is not None:
            data["text/html"] = quiz.render(self.spec)
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
        color, symbol = _COLORS.get(case.status, "#000"), checks.SYMBOLS.get(case.status, "?")
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

    def _repr_mimebundle_(self, **kwargs):
        # the widget view for Jupyter, and for the static book the verdict with the hints folded, no dead button
        data = super()._repr_mimebundle_(**kwargs)
        if data is not None:
            hints = [markdown_html(h) for h in self._hints]
            data["text/html"] = static.check_html(self.title_html.value, self.results_html.value, hints)
        return data

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


def _png_base64(fig, dpi: int, optimize: bool = False) -> str:
    """The figure as a base64 PNG; `optimize` makes it smaller and slower to write (for the book's static states)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"optimize": optimize})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _png_output(fig) -> dict:
    width, height = (int(round(v * 100)) for v in fig.get_size_inches())
    return {
        "output_type": "display_data",
        "data": {"image/png": _png_base64(fig, dpi=100), "text/plain": "<Figure>"},
        "metadata": {"image/png": {"width": width, "height": height}},
    }


def _plain(markdown: str | None) -> str:
    """A caption's Markdown as plain text, for an alt text."""
    return re.sub(r"[`*]", "", markdown or "").strip()


def _readout(control, value) -> str:
    fmt = getattr(control, "readout_format", None)
    try:
        return format(value, fmt) if fmt and not isinstance(value, bool) else str(value)
    except (TypeError, ValueError):
        return str(value)


def _static_grid(name: str, control, points: int) -> dict | None:
    """The positions a static page offers for one control, or None for a control it cannot offer."""
    import numpy as np

    label = getattr(control, "description", None) or name
    if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        return {"label": label, "kind": "checkbox", "values": [False, True], "labels": ["off", "on"],
                "current": int(bool(control.value))}
    if hasattr(control, "_options_values"):  # Dropdown, SelectionSlider, RadioButtons, ToggleButtons
        values, labels = list(control._options_values), [str(v) for v in control._options_labels]
        kind = "range" if isinstance(control, widgets.SelectionSlider) else "select"
        return {"label": label, "kind": kind, "values": values, "labels": labels, "current": values.index(control.value)}
    if isinstance(control, widgets.FloatLogSlider):
        values = list(control.base ** np.linspace(control.min, control.max, points))
    elif isinstance(control, widgets.IntSlider):
        values = sorted({int(round(v)) for v in np.linspace(control.min, control.max, points)})
    elif isinstance(control, widgets.FloatSlider):
        values = [float(v) for v in np.linspace(control.min, control.max, points)]
    else:
        return None
    nearest = int(np.argmin([abs(v - control.value) for v in values]))
    values[nearest] = control.value  # the state the page opens on is the notebook's own
    return {"label": label, "kind": "range", "values": values, "labels": [_readout(control, v) for v in values],
            "current": nearest}


class Explorer(widgets.VBox):
    """Controls over a cheap computation, with a plot drawn by `plot_fn(ax, **values)`.

    plot_fn may return a short Markdown caption; it may resize the figure with
    `ax.figure.set_size_inches(w, h)` (the default is `Explorer.figsize`).

    In the built book (`shipml execute` sets `static.BOOK_BUILD_ENV`), its display also carries a static
    explorer: the plot drawn for a grid of the controls' values (at most `static_states` states, drawn within
    `static_seconds`), switched in the page by a little JavaScript; an explorer with more states than that,
    or whose states all draw the same plot and caption (an unfinished exercise's), is shown still, with a note
    that it moves in Jupyter (`shipml.course.static`).
    """

    figsize = (6.4, 3.6)
    static_states = 30      # at most this many precomputed states in a page
    static_seconds = 2.5    # and at most about this long to draw them, judged from the first drawing
    static_dpi = 80

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
        started = time.perf_counter()
        self._render(raise_errors=True)
        self._render_seconds = time.perf_counter() - started

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

    def _draw(self, values: dict) -> tuple[str, str | None, int]:
        """(PNG as base64, caption Markdown, width in pixels) of the plot for `values`, at the static resolution."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=self.figsize, layout="constrained")
        text = self.plot_fn(fig.subplots(), **values)
        width = int(round(fig.get_size_inches()[0] * 100))
        return _png_base64(fig, self.static_dpi, optimize=True), None if text is None else str(text), width

    def _alt(self, shown: dict, text: str | None) -> str:
        settings = ", ".join(f"{label} = {value}" for label, value in shown.items())
        return f"Plot for {settings}" + (f": {_plain(text)}" if text else "")

    def static_grid(self) -> list[dict] | None:
        """The controls' positions a static page offers (each {label, kind, values, labels, current}), or None
        when the explorer is to be shown still (a control it cannot offer, too many states, too slow to draw)."""
        shown = {n: c for n, c in self.controls.items() if not isinstance(c, widgets.fixed)}
        seconds = getattr(self, "_render_seconds", 0.0)
        for points in (9, 7, 5, 4, 3):  # the finest grid that fits both limits
            grid = [_static_grid(n, c, points) for n, c in shown.items()]
            if any(g is None for g in grid):
                return None
            states = 1
            for g in grid:
                states *= len(g["values"])
            if states <= self.static_states and states * seconds <= self.static_seconds:
                return [{**g, "name": n} for n, g in zip(shown, grid)]
        return None

    def static_html(self) -> str:
        """The explorer for a page without a kernel: states to switch in the book, else the plot shown still."""
        labels = {c.description or n: _readout(c, c.value) for n, c in self.controls.items()
                  if not isinstance(c, widgets.fixed)}
        grid = self.static_grid() if os.environ.get(static.BOOK_BUILD_ENV) else None
        if grid is not None:
            fixed = {n: c.value for n, c in self.controls.items() if isinstance(c, widgets.fixed)}
            states, width = {}, None
            try:
                for positions in itertools.product(*(range(len(g["values"])) for g in grid)):
                    values = {g["name"]: g["values"][i] for g, i in zip(grid, positions)}
                    png, text, width = self._draw({**fixed, **values})
                    shown = {g["label"]: g["labels"][i] for g, i in zip(grid, positions)}
                    caption = markdown_html(text) if text else ""
                    states[",".join(map(str, positions))] = (png, caption, self._alt(shown, text))
            except Exception as error:  # a state that cannot be drawn: the page shows the explorer still
                warnings.warn(f"Explorer: a static state could not be drawn ({type(error).__name__}: {error}); "
                              "the page shows the plot still", stacklevel=2)
            else:
                # a control that changes nothing on the page (an unfinished exercise draws the same note in
                # every state) would be a slider that moves and changes nothing: such an explorer is shown still
                if len({(png, caption) for png, caption, _ in states.values()}) > 1:
                    current = ",".join(str(g["current"]) for g in grid)
                    return static.explorer_html(grid, states, current, width)
        png = None
        if self.output.outputs:
            png = self.output.outputs[0]["data"]["image/png"]
        caption = markdown_html(self.error or self.text or "")
        note = "The plot as the notebook drew it; open the notebook in Jupyter to move the controls."
        return static.still_html(png, caption, self._alt(labels, self.text), note)

    def _repr_mimebundle_(self, **kwargs):
        # the widget view for Jupyter, and for a page without a kernel the static explorer (the book shows it)
        data = super()._repr_mimebundle_(**kwargs)
        if data is not None:
            data["text/html"] = self.static_html()
        return data

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


# --- ScoreSheet ---------------------------------------------------------------


class ScoreSheet(widgets.VBox):
    """The ML Test Score per test, a 'by hand' and an 'automated' checkbox; the section scores update live.

    The numbers come from `score_fn` (default: shipml.governance.ml_test_score.score),
    so a learner's own score function can drive the sheet.
    """

    def __init__(self, marks: dict | None = None, score_fn=ml_test_score.score):
        super().__init__()
        self.score_fn = score_fn
        marks = marks or {}
        ml_test_score.score(marks)  # a bad starting mark is a sentence now, not a broken widget later
        tests, sections = ml_test_score.TESTS, ml_test_score.SECTIONS
        self.by_hand = {t: widgets.Checkbox(value=marks.get(t, 0) >= 0.5, description="by hand", indent=False,
                                            layout=widgets.Layout(width="6em")) for t in tests}
        self.automated = {t: widgets.Checkbox(value=marks.get(t, 0) == 1, description="automated", indent=False,
                                              layout=widgets.Layout(width="7em")) for t in tests}
        self.result_html = widgets.HTML("")
        rows = []
        for section in sections:
            rows.append(widgets.HTML(f"<b>{section.capitalize()}</b>"))
            for t, name in tests.items():
                if t.startswith(section + "-"):
                    rows.append(widgets.HBox([self.by_hand[t], self.automated[t], widgets.HTML(f"{t}: {name}")]))
        for box in [*self.by_hand.values(), *self.automated.values()]:
            box.observe(self._on_change, names="value")
        self.children = [*rows, self.result_html]
        self.add_class("shipml-score-sheet")
        self.update()

    def _repr_mimebundle_(self, **kwargs):
        # the widget view for Jupyter, and for the static book the marks and scores as a table, no dead box
        data = super()._repr_mimebundle_(**kwargs)
        if data is not None:
            marks = self.marks
            rows = [(t, name, marks.get(t, 0)) for t, name in ml_test_score.TESTS.items()]
            data["text/html"] = static.score_sheet_html(rows, self.result_html.value)
        return data

    @property
    def marks(self) -> dict:
        """The points the boxes give each test: 1 when automated, 0.5 when done by hand, else 0."""
        return ml_test_score.marks_from({t: b.value for t, b in self.by_hand.items()},
                                        {t: b.value for t, b in self.automated.items()})

    def _on_change(self, change):
        self.update()

    def update(self) -> dict | None:
        """Recompute the scores with `score_fn`, show them, and return them (None when score_fn gives nothing)."""
        try:
            result = self.score_fn(self.marks)
        except Exception as error:  # the learner's function: a sentence under the boxes
            self.scores = None
            self.result_html.value = f"<p>Your score function raised {type(error).__name__}: {error}</p>"
            return None
        self.scores = result
        if not isinstance(result, dict) or "final" not in result:
            self.result_html.value = "<p>Complete the exercise first: the score function returns no scores.</p>"
            return None
        cells = " · ".join(f"{s}: {result.get(s, float('nan')):g}" for s in ml_test_score.SECTIONS)
        self.result_html.value = (f"<p>{cells}<br><b>ML Test Score: {result['final']:g}</b>, the lowest section "
                                  f"({ml_test_score.interpret(result['final'])}).</p>")
        return result
