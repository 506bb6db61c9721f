"""The checks behind each exercise, registered by exercise id: each case observes, then judges.

Write the checks of a chapter in `shipml/course/checks/<chapter_slug>.py`. A
case has two halves. **Observe** calls the learner's object on fixed inputs
(or reads its attributes, or sends it requests) and returns what it saw as
plain data: numbers, strings, lists, tuples, dicts, NumPy arrays, pandas
tables. **Judge** compares those data with the expected ones and raises
`Failure` with a plain sentence when they differ. A judge never sees the
learner's object, so it cannot be fooled by one (an object whose `==` is
always True, a float subclass): the grader runs the observation in its
sandbox and the judgement outside it.

    from shipml.course.checks import exercise, expect_number

    ex = exercise("ch01-ex2", title="Expected cost at a threshold",
                  hints=["a nudge", "a stronger hint", "nearly the answer"])

    @ex.case("no fraud in the data: only false alarms cost", hint="…")
    def observe(expected_cost):          # receives the learner's object
        return expected_cost([0, 0], [0.9, 0.1], 0.5, cost_fp=5.0)

    @observe.judge
    def _(got):                          # receives plain data only
        expect_number(got, 5.0, tol=1e-9, what="the cost with no fraud")

    ex.case("a large batch", hidden=True,          # run only by the grader
            observe=lambda fn: fn(...), judge=lambda got: expect_number(got, ...))

Run them on a learner's answer (the Check widget, the tests and the grader all
call this):

    from shipml.course.checks import run, observe, judge
    result = run("ch01-ex2", expected_cost)    # include_hidden=True for grading
    result.status        # "passed", "failed", "not attempted" or "error"
    print(result.summary())
    seen = observe("ch01-ex2", expected_cost)  # the same in two steps: plain data ...
    judge("ch01-ex2", seen)                    # ... judged without the learner's object

An observer may raise `Failure` or `WrongType` itself when what it sees cannot
be judged at all (a missing parameter): that can only lower a score. The
helpers `expect_*` check exact types of plain data. `NotAttempted` marks an
untouched stub. The runner turns everything else into a sentence too, never a
traceback:

- a target that is None or `...`, or a function that returns None or `...` or
  raises NotImplementedError, is "not attempted" (a case that accepts None as
  an answer says `allow_none=True`);
- an exception raised in the learner's code is an "error" that names the
  exception and the learner's line;
- an answer of the wrong type (`WrongType`, raised by the helpers), or an
  observation that is not plain data, is an "error";
- a case that runs past the time limit (`timeout_s`, 5 s by default) is
  stopped and is an "error"; the cases after it are not run. The limit uses
  SIGALRM, so it applies only in the main thread (where Jupyter runs cells and
  widget callbacks) on a POSIX system.

When the environment variable SHIPML_CHECK_LOG names a file, every run appends
`Result.to_dict()` to it as one JSON line.

The registry imports every module of this package once, on the first lookup,
so a chapter's module registers its exercises without being imported by hand.
Calling `exercise()` again with an id from the same module (a reload, a re-run
cell) starts that exercise afresh; from another module it returns the existing
exercise, so that module can add cases (e.g. hidden ones).
"""

from __future__ import annotations

import difflib
import functools
import importlib
import inspect
import json
import linecache
import math
import numbers
import os
import pkgutil
import signal
import sys
import sysconfig
import threading
import time
import traceback
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

__all__ = [
    "STATUSES",
    "SYMBOLS",
    "CaseResult",
    "Exercise",
    "Failure",
    "NotAttempted",
    "Observation",
    "Result",
    "UnknownExercise",
    "WrongType",
    "exercise",
    "expect",
    "expect_array",
    "expect_equal",
    "expect_number",
    "expect_raises",
    "expect_type",
    "get_exercise",
    "hints",
    "judge",
    "kind_of",
    "observe",
    "plain",
    "registered_ids",
    "run",
    "to_number",
]

STATUSES = ("passed", "failed", "not attempted", "error")
SYMBOLS = {"passed": "✓", "failed": "✗", "not attempted": "–", "error": "!"}  # the one place for them


# --- signals a case raises ---------------------------------------------------


class Failure(Exception):
    """A wrong answer; the message is a plain sentence shown to the learner."""


class WrongType(Failure):
    """An answer of the wrong type; reported as an "error", not a "failed"."""


class NotAttempted(Exception):
    """The learner has not attempted this yet (an untouched stub)."""

    def __init__(self, message: str = "Not attempted yet."):
        super().__init__(message)


class UnknownExercise(KeyError):
    """No exercise is registered under this id."""

    def __str__(self) -> str:
        # KeyError's str() quotes its message; this one is a sentence.
        return str(self.args[0]) if self.args else "unknown exercise"


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so `except Exception` can't swallow it."""


# --- the registry ------------------------------------------------------------


@dataclass
class _Case:
    """One named check: `observe(target) -> plain data`, then `judge(data)` raises Failure when it is wrong."""

    name: str
    observe: Callable[[Any], Any]
    hidden: bool = False
    hint: str | None = None
    allow_none: bool = False
    judge_fn: Callable[[Any], None] | None = None

    def judge(self, fn: Callable[[Any], None]):
        """Register the decorated `fn(observed) -> None` as this case's judgement; return fn."""
        self.judge_fn = fn
        return fn

    def __call__(self, target):  # the observer, so a decorated name can still be called
        return self.observe(target)


class Exercise:
    """An exercise's checks: a title, a hint ladder and named cases."""

    def __init__(self, exercise_id: str, title: str, hints=(), timeout_s: float = 5.0, module: str | None = None):
        self.id = exercise_id
        self.title = title
        self.hints = tuple(hints)
        self.timeout_s = float(timeout_s)
        self.module = module
        self.cases: dict[str, _Case] = {}

    def case(self, name: str, hidden: bool = False, hint: str | None = None, allow_none: bool = False,
             observe: Callable[[Any], Any] | None = None, judge: Callable[[Any], None] | None = None):
        """Register a case; the same name replaces it.

        With `observe` and `judge` given, the case is registered at once and
        returned. Without them this is a decorator: the decorated function is
        the observer, and the returned case's `.judge` decorates the judgement.
        """
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"a case of exercise {self.id!r} needs a non-empty name")

        def register(fn) -> _Case:
            if not callable(fn):
                raise TypeError(f"the observer of case {name!r} of {self.id!r} must be a function")
            case = _Case(name, fn, bool(hidden), hint, bool(allow_none), judge)
            self.cases[name] = case
            return case

        if observe is not None:
            return register(observe)
        if judge is not None:
            raise ValueError(f"case {name!r} of {self.id!r}: a judge needs an observer (observe=...)")
        return register

    def __repr__(self) -> str:
        return f"<Exercise {self.id!r}: {self.title!r}, {len(self.cases)} cases>"


_REGISTRY: dict[str, Exercise] = {}
_loaded = False


def exercise(exercise_id: str, title: str, hints=(), timeout_s: float = 5.0) -> Exercise:
    """Register (or re-register) an exercise and return it, to add cases with `.case`."""
    if not isinstance(exercise_id, str) or not exercise_id.strip():
        raise ValueError("an exercise needs a non-empty id such as 'ch01-ex2'")
    if isinstance(hints, str):
        raise ValueError(f"hints of {exercise_id!r} must be a list of strings, not one string")
    if not timeout_s > 0:
        raise ValueError(f"timeout_s of {exercise_id!r} must be positive, not {timeout_s!r}")
    module = sys._getframe(1).f_globals.get("__name__")
    existing = _REGISTRY.get(exercise_id)
    if existing is not None and existing.module != module:
        # Another module extends the exercise: keep its cases, refresh the rest.
        existing.title, existing.hints, existing.timeout_s = title, tuple(hints) or existing.hints, float(timeout_s)
        return existing
    ex = Exercise(exercise_id, title, hints, timeout_s, module)
    _REGISTRY[exercise_id] = ex
    return ex


def _load_chapters() -> None:
    """Import every module of this package once, so that chapters self-register."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        try:
            importlib.import_module(f"{__name__}.{info.name}")
        except Exception as error:  # a broken chapter must not hide the others
            warnings.warn(f"the checks in shipml/course/checks/{info.name}.py could not be loaded: "
                          f"{type(error).__name__}: {error}", stacklevel=2)


def registered_ids() -> list[str]:
    """The ids of every registered exercise, sorted."""
    _load_chapters()
    return sorted(_REGISTRY)


def get_exercise(exercise_id: str) -> Exercise:
    """The registered exercise; `UnknownExercise` (a KeyError) names near matches."""
    _load_chapters()
    try:
        return _REGISTRY[exercise_id]
    except (KeyError, TypeError):
        pass
    known = sorted(_REGISTRY)
    near = difflib.get_close_matches(str(exercise_id), known, n=3, cutoff=0.6)
    message = f"There is no exercise {exercise_id!r}."
    if near:
        message += " Did you mean " + " or ".join(repr(n) for n in near) + "?"
    elif known:
        shown = ", ".join(known[:12]) + (", …" if len(known) > 12 else "")
        message += f" Known exercises: {shown}."
    else:
        message += " No exercises are registered."
    raise UnknownExercise(message)


def hints(exercise_id: str) -> list[str]:
    """The exercise's hint ladder, from a nudge to nearly the answer."""
    return list(get_exercise(exercise_id).hints)


# --- results -----------------------------------------------------------------


@dataclass
class CaseResult:
    """How one case went: a status from STATUSES, a sentence and (when failed) a hint."""

    name: str
    status: str
    message: str = ""
    hint: str | None = None
    hidden: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Result:
    """The outcome of running an exercise's checks on one answer."""

    exercise_id: str
    title: str
    cases: list[CaseResult] = field(default_factory=list)
    include_hidden: bool = False
    seconds: float = 0.0

    @property
    def status(self) -> str:
        statuses = [c.status for c in self.cases]
        if not statuses or all(s == "not attempted" for s in statuses):
            return "not attempted"
        if all(s == "passed" for s in statuses):
            return "passed"
        if "error" in statuses:
            return "error"
        return "failed"

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def score(self) -> float:
        """The fraction of cases passed (0.0 when there are none)."""
        return sum(c.status == "passed" for c in self.cases) / len(self.cases) if self.cases else 0.0

    def to_dict(self) -> dict:
        return {
            "exercise_id": self.exercise_id,
            "title": self.title,
            "status": self.status,
            "passed": self.passed,
            "score": self.score,
            "include_hidden": self.include_hidden,
            "seconds": round(self.seconds, 4),
            "cases": [c.to_dict() for c in self.cases],
        }

    def headline(self) -> str:
        """One sentence on the whole result, e.g. 'Failed: 2 of 3 checks passed.'."""
        n, k = len(self.cases), sum(c.status == "passed" for c in self.cases)
        checks = "check" if n == 1 else "checks"
        status = self.status
        if status == "passed":
            return f"Passed: all {n} {checks} passed." if n > 1 else "Passed."
        if status == "not attempted":
            return "Not attempted yet." if n else "This exercise has no checks to run here."
        return f"{status.capitalize()}: {k} of {n} {checks} passed."

    def summary(self) -> str:
        """Plain text: the headline, then one line per case."""
        lines = [f"{self.exercise_id} · {self.title}: {self.headline()}"]
        for c in self.cases:
            line = f"{SYMBOLS.get(c.status, '?')} {c.name}"
            if c.message and c.status != "passed":
                line += f": {c.message}"
            lines.append(line)
            if c.hint and c.status == "failed":
                lines.append(f"    Hint: {c.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_pretty_(self, printer, cycle):  # IPython shows the summary, not the fields
        printer.text(self.summary())


# --- running -----------------------------------------------------------------


def _stub_kind(value) -> str | None:
    """'None' or '...' when value is an untouched stub's answer, else None."""
    if value is None:
        return "None"
    if value is Ellipsis or (isinstance(value, (tuple, list)) and any(v is Ellipsis for v in value)):
        return "`...`"
    return None


def _is_learner_callable(target) -> bool:
    return inspect.isfunction(target) or inspect.ismethod(target) or isinstance(target, functools.partial)


class _Watch:
    """Remembers which exceptions came out of the learner's function."""

    def __init__(self):
        self.raised: list[BaseException] = []

    def wrap(self, fn, allow_none: bool):
        @functools.wraps(fn)
        def learner_fn(*args, **kwargs):
            try:
                value = fn(*args, **kwargs)
            except NotImplementedError:
                raise NotAttempted("Not attempted yet: your function raises NotImplementedError.") from None
            except Exception as error:
                self.raised.append(error)
                raise
            kind = _stub_kind(value)
            if kind and not (allow_none and value is None):
                raise NotAttempted(f"Not attempted yet: your function returns {kind}.")
            return value

        return learner_fn


class _Alarm:
    """A SIGALRM time limit for the main thread; restores what was there before."""

    def __init__(self, seconds: float | None):
        usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        self.seconds = seconds if (usable and seconds and seconds > 0 and math.isfinite(seconds)) else None
        self.active = False

    def _on_alarm(self, signum, frame):
        if self.active:  # a late signal after disarming is ignored
            raise _Timeout()

    def __enter__(self):
        if self.seconds is None:
            return self
        self.started = time.monotonic()
        self.previous_handler = signal.signal(signal.SIGALRM, self._on_alarm)
        self.previous_timer = signal.setitimer(signal.ITIMER_REAL, 0)
        self.active = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.seconds is None:
            return False
        self.active = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous_handler)
        delay, interval = self.previous_timer
        if delay > 0:  # someone else's timer was running: give it its remaining time
            remaining = delay - (time.monotonic() - self.started)
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-3), interval)
        return False


# Frames from these folders are never "the learner's code": the standard library,
# installed packages, and shipml itself (its checks and helpers).
_SKIP_DIRS = tuple(
    str(Path(p).resolve()) + os.sep
    for p in {*(sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")),
              str(Path(__file__).resolve().parents[2])}
    if p
)


def _learner_frame(tb, case_code):
    """(function name, line number, source line) of the deepest frame in the learner's code, or None."""
    found = None
    for frame, lineno in traceback.walk_tb(tb):
        code = frame.f_code
        filename = code.co_filename
        if code is case_code or filename.startswith("<frozen"):
            continue
        resolved = filename if filename.startswith("<") else str(Path(filename).resolve())
        if resolved.startswith(_SKIP_DIRS):
            continue
        found = (code.co_name, lineno, linecache.getline(filename, lineno, frame.f_globals).strip())
    return found


def _describe_exception(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _error_message(error: BaseException, observer, watch: _Watch) -> str:
    frame = _learner_frame(error.__traceback__, getattr(observer, "__code__", None))
    from_learner = frame is not None or any(error is e for e in watch.raised)
    if not from_learner:
        return (f"Checking your answer raised {_describe_exception(error)}. "
                "Is your answer of the type the exercise asks for?")
    message = f"Your code raised {_describe_exception(error)}"
    if frame is not None:
        name, lineno, line = frame
        where = (f"{name}, " if name not in ("<module>", "<lambda>") else "") + f"line {lineno}"
        message += f" ({where}: `{line}`)" if line else f" ({where})"
    return message + "."


@dataclass
class Observation:
    """What a case saw of the learner's object: plain data (status "observed"), or why there is none."""

    case: str
    status: str = "observed"          # or "not attempted", "error", "failed" (the observer raised Failure)
    value: Any = None
    message: str = ""
    hidden: bool = False

    def to_dict(self) -> dict:
        return {"case": self.case, "status": self.status, "value": self.value, "message": self.message,
                "hidden": self.hidden}


def _observe_case(case: _Case, target, timeout_s: float) -> tuple[Observation, bool]:
    """The case's observation of target, and whether it ran past the time limit."""
    watch = _Watch()
    given = watch.wrap(target, case.allow_none) if _is_learner_callable(target) else target
    seen = functools.partial(Observation, case.name, hidden=case.hidden)
    try:
        with _Alarm(timeout_s):
            value = plain(case.observe(given))
    except _Timeout:
        return seen("error", message=f"Your code ran for more than {timeout_s:g} s and was stopped."), True
    except NotAttempted as signal_:
        return seen("not attempted", message=str(signal_) or "Not attempted yet."), False
    except WrongType as wrong:
        return seen("error", message=str(wrong)), False
    except Failure as failure:
        return seen("failed", message=str(failure)), False
    except (Exception, SystemExit) as error:
        return seen("error", message=_error_message(error, case.observe, watch)), False
    return seen(value=value), False


def _judge_case(case: _Case, seen: Observation) -> CaseResult:
    """Judge one observation: plain data in, a CaseResult out; the learner's object is not here."""
    result = functools.partial(CaseResult, case.name, hidden=case.hidden)
    if seen.status == "failed":
        return result("failed", seen.message, hint=case.hint)
    if seen.status != "observed":
        return result(seen.status, seen.message)
    if case.judge_fn is None:
        return result("error", f"The check {case.name!r} has no judgement: this is a bug in the course.")
    try:
        case.judge_fn(seen.value)
    except WrongType as wrong:
        return result("error", str(wrong))
    except Failure as failure:
        return result("failed", str(failure), hint=case.hint)
    except NotAttempted as signal_:
        return result("not attempted", str(signal_) or "Not attempted yet.")
    except Exception as error:  # a judge of plain data that breaks is the course's bug, said plainly
        return result("error", f"Checking your answer raised {_describe_exception(error)}. "
                               "Is your answer of the type the exercise asks for?")
    return result("passed")


def _cases(ex: Exercise, include_hidden: bool) -> list[_Case]:
    return [c for c in ex.cases.values() if include_hidden or not c.hidden]


def observe(exercise_id: str, target, *, include_hidden: bool = False,
            timeout_s: float | None = None) -> list[Observation]:
    """Run each case's observer on the learner's target; plain data, ready to be judged elsewhere."""
    ex = get_exercise(exercise_id)
    limit = timeout_s if timeout_s is not None else ex.timeout_s
    stub = _stub_kind(target)
    timed_out = False
    seen: list[Observation] = []
    for case in _cases(ex, include_hidden):
        if stub:
            seen.append(Observation(case.name, "not attempted", message=f"Not attempted yet: your answer is still "
                                    f"{stub}.", hidden=case.hidden))
        elif timed_out:  # an endless loop would cost the learner the limit once per case
            seen.append(Observation(case.name, "error", message="Not run: your code ran past the time limit in an "
                                    "earlier check.", hidden=case.hidden))
        else:
            observation, timed_out = _observe_case(case, target, limit)
            seen.append(observation)
    return seen


def judge(exercise_id: str, observations: list[Observation], *, include_hidden: bool = False,
          seconds: float = 0.0) -> Result:
    """Judge the observations of `observe`: a Result, without the learner's object anywhere near."""
    ex = get_exercise(exercise_id)
    by_name = {o.case: o for o in observations}
    outcomes = []
    for case in _cases(ex, include_hidden):
        seen = by_name.get(case.name)
        if seen is None:
            outcomes.append(CaseResult(case.name, "error", "This check was not run.", hidden=case.hidden))
        else:
            outcomes.append(_judge_case(case, seen))
    return Result(ex.id, ex.title, outcomes, include_hidden, seconds)


def run(exercise_id: str, target, *, include_hidden: bool = False, timeout_s: float | None = None) -> Result:
    """Observe the learner's target, then judge what was seen: public cases, or all with include_hidden."""
    started = time.perf_counter()
    seen = observe(exercise_id, target, include_hidden=include_hidden, timeout_s=timeout_s)
    result = judge(exercise_id, seen, include_hidden=include_hidden, seconds=time.perf_counter() - started)
    _log(result)
    return result


# --- plain data: what an observation may hold ------------------------------------


_SCALARS = (type(None), bool, int, float, complex, str, bytes)


def plain(value, _depth: int = 0):
    """`value` as plain data (numbers, strings, containers of them, NumPy arrays, pandas tables), or WrongType.

    NumPy scalars become Python numbers and 0-d arrays their one number;
    subclasses of the built-in types become the built-in type (a float
    subclass with its own `==` cannot reach a judge); containers are copied.
    Anything else (a function, a tensor, a model, a class) is refused with a
    sentence: an observer turns it into data first.
    """
    if _depth > 20:
        raise WrongType("Your answer nests too deeply to be checked.")
    kind = type(value)
    if kind in _SCALARS or value is Ellipsis:
        return value
    for base in (bool, int, float, complex, str, bytes):  # a subclass: keep only the built-in value
        if isinstance(value, base):
            return base(value)
    module = getattr(kind, "__module__", "") or ""
    if module.startswith("numpy"):
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            if value.ndim == 0:
                return plain(value.item(), _depth + 1)
            array = np.array(value, copy=True)
            if array.dtype == object:
                return np.array([plain(v, _depth + 1) for v in array.ravel()], dtype=object).reshape(array.shape)
            return array
    if module.startswith("pandas"):
        import pandas as pd

        if isinstance(value, pd.DataFrame):
            table = pd.DataFrame(value, copy=True)  # a subclass becomes a plain DataFrame
            for column in table.columns[table.dtypes == object]:  # noqa: E721 (elementwise) cells of any object: plain them too
                table[column] = [plain(v, _depth + 1) for v in table[column]]
            return table
        if isinstance(value, (pd.Series, pd.Index)):
            copied = value.copy(deep=True)
            if copied.dtype == object:
                copied = type(copied)([plain(v, _depth + 1) for v in copied], index=getattr(copied, "index", None),
                                      name=copied.name, dtype=object) if isinstance(copied, pd.Series) else \
                    pd.Index([plain(v, _depth + 1) for v in copied], name=copied.name, dtype=object)
            return copied
        if isinstance(value, (pd.Timestamp, pd.Timedelta)) or value is pd.NaT:
            return value
    import datetime

    if isinstance(value, (datetime.datetime, datetime.date, datetime.timedelta)):
        return value
    if isinstance(value, (list, tuple)):
        items = [plain(v, _depth + 1) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, (set, frozenset)):
        return {plain(v, _depth + 1) for v in value}
    if isinstance(value, dict):
        return {plain(k, _depth + 1): plain(v, _depth + 1) for k, v in value.items()}
    raise WrongType(f"Your answer is {kind_of(value)}; the check needs plain data: numbers, text, lists, dicts, "
                    "arrays or tables.")


def _log(result: Result) -> None:
    path = os.environ.get("SHIPML_CHECK_LOG")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(result.to_dict()) + "\n")
    except OSError as error:
        warnings.warn(f"could not append to SHIPML_CHECK_LOG={path}: {error}", stacklevel=3)


# --- helpers for cases: each raises Failure with a plain sentence -------------


def _sentence(text: str) -> str:
    """Capitalize a leading English word ("the cost" → "The cost"), never code ("divide(6, 3)")."""
    first, space, _ = text.partition(" ")
    return text[:1].upper() + text[1:] if space and first.isalpha() else text


def _article(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


_TYPE_NAMES = {bool: "True/False", str: "a string", list: "a list", tuple: "a tuple", dict: "a dict", set: "a set",
               type(None): "None", int: "a number", float: "a number", numbers.Real: "a number",
               numbers.Number: "a number", numbers.Integral: "a number"}


def _type_name(cls) -> str:
    """'a number', 'a list', 'a NumPy array', 'a pandas DataFrame', … for a type."""
    for kind, name in _TYPE_NAMES.items():
        if cls is kind or (kind not in (bool, int) and isinstance(cls, type) and issubclass(cls, kind)):
            return name
    module = getattr(cls, "__module__", "")
    if module.startswith("numpy") and cls.__name__ == "ndarray":
        return "a NumPy array"
    if module.startswith("pandas"):
        return f"a pandas {cls.__name__}"
    return _article(cls.__name__)


def kind_of(value) -> str:
    """A learner-friendly name of a value's type: 'a number', 'a list', 'a pandas DataFrame'."""
    if value is Ellipsis:
        return "`...` (a stub)"
    if inspect.isclass(value):
        return "a class"
    if inspect.isfunction(value) or inspect.isbuiltin(value) or inspect.ismethod(value):
        return "a function"
    if isinstance(value, bool):
        return "True/False"
    if isinstance(value, int):
        return "a number"
    return _type_name(type(value))


def _expected_kind(types) -> str:
    names = []
    for t in types:
        name = _type_name(t)
        if name not in names:
            names.append(name)
    return " or ".join(names)


def expect(condition, message: str) -> None:
    """Fail with `message` unless `condition` holds."""
    if not condition:
        raise Failure(message)


def expect_type(got, types, what: str | None = None):
    """Raise WrongType ('Expected a number for the cost, got a list.') unless got is one of types; return got."""
    types = types if isinstance(types, tuple) else (types,)
    is_bool_slip = isinstance(got, bool) and bool not in types
    if isinstance(got, types) and not is_bool_slip:
        return got
    target = f" for {what}" if what else ""
    raise WrongType(f"Expected {_expected_kind(types)}{target}, got {kind_of(got)}.")


def to_number(got, what: str | None = None) -> float:
    """got as a float when it is a real number (not True/False), else WrongType naming `what`."""
    if not isinstance(got, bool):
        if isinstance(got, numbers.Real):
            return float(got)
        if getattr(got, "shape", None) == () and hasattr(got, "__float__"):  # 0-d array or tensor
            try:
                return float(got)
            except (TypeError, ValueError):
                pass
    target = f" for {what}" if what else ""
    raise WrongType(f"Expected a number{target}, got {kind_of(got)}.")


def _format_pair(expected: float, got: float) -> tuple[str, str]:
    """Both numbers with just enough digits to tell them apart."""

    def fmt(x: float, digits: int) -> str:
        text = f"{x:.{digits}g}"
        return text + ".0" if text.lstrip("-").isdigit() else text

    for digits in (6, 9, 12, 17):
        a, b = fmt(expected, digits), fmt(got, digits)
        if a != b or expected == got:
            return a, b
    return a, b


def expect_number(got, expected: float, tol: float = 1e-9, what: str = "your answer", rtol: float = 0.0) -> float:
    """Fail unless got is a number within max(tol, rtol·|expected|) of expected; return it as a float."""
    value = to_number(got, what)
    allowed = max(tol, rtol * abs(expected))
    if math.isnan(expected) and math.isnan(value):
        return value
    close = value == expected if math.isinf(expected) else abs(value - expected) <= allowed  # NaN: False
    if not close:
        want, have = _format_pair(float(expected), value)
        raise Failure(f"{_sentence(what)} should be {want}, yours is {have}.")
    return value


def expect_equal(got, expected, what: str = "your answer") -> None:
    """Fail unless got == expected (exactly: strings, integers, sets, tuples)."""
    try:
        equal = bool(got == expected)
    except Exception:  # e.g. an array compared with a list: ambiguous truth value
        equal = False
    if not equal:
        raise Failure(f"{_sentence(what)} should be {expected!r}, yours is {got!r}.")


def expect_array(got, expected, tol: float = 1e-9, what: str = "your answer") -> None:
    """Fail unless got has expected's shape and every element within tol (NaN matches NaN)."""
    import numpy as np

    want = np.asarray(expected, dtype=float)
    try:
        have = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise WrongType(f"Expected an array of numbers for {what}, got {kind_of(got)}.") from None
    if have.shape != want.shape:
        raise Failure(f"{_sentence(what)} should have shape {want.shape}, yours has shape {have.shape}.")
    close = np.isclose(have, want, rtol=0.0, atol=tol, equal_nan=True)
    if not close.all():
        first = tuple(int(i) for i in np.argwhere(~close)[0])
        index = first[0] if len(first) == 1 else first
        w, h = _format_pair(float(want[first]), float(have[first]))
        raise Failure(f"{_sentence(what)} differ from the expected values at {int((~close).sum())} of {close.size} "
                      f"positions; the first is at index {index}: it should be {w}, yours is {h}.")


def expect_raises(exc_type, fn, *args, what: str | None = None, **kwargs) -> BaseException:
    """Fail unless fn(*args, **kwargs) raises exc_type; return the exception."""
    label = what or f"{getattr(fn, '__name__', 'your function')}{_short_args(args)}"
    try:
        value = fn(*args, **kwargs)
    except (Failure, NotAttempted):
        raise
    except exc_type as error:
        return error
    except Exception as error:
        raised = _describe_exception(error)
        raise Failure(f"{_sentence(label)} should raise {_names(exc_type)}, yours raised {raised}.") from None
    raise Failure(f"{_sentence(label)} should raise {_names(exc_type)}, yours returned {value!r}.")


def _names(exc_type) -> str:
    types = exc_type if isinstance(exc_type, tuple) else (exc_type,)
    return " or ".join(t.__name__ for t in types)


def _short_args(args) -> str:
    text = ", ".join(repr(a) for a in args)
    return f"({text})" if len(text) <= 40 else "(…)"
