"""Mutation testing: plant a known bug in the code, run the tests, and see whether they notice.

    from shipml.workflows.mutation import Mutant, mutant_of, mutation_score
    wrong = mutant_of(handmade_features, "df.hour <= 5", "df.hour < 5")   # a new function with the bug
    mutants = [Mutant("off-by-one split", Scenario.split, "day < self.train_days", "day <= self.train_days")]
    report = mutation_score(tests, mutants)    # tests: {name: a function of no arguments that raises when wrong}
    report.caught, report.planted, report.table

A mutant is one textual change to one function's source (`old` must occur
exactly once). `mutant_of` compiles the changed source into a new function;
`Mutant.planted()` swaps it into the original function object (its
`__code__`) for the duration of a `with` block, so every caller, including
code that imported the function by name, runs the bug, and the original code
is back afterwards even when a test fails. A mutant is caught when at least
one test raises while it is planted. The tests must first pass on the
unmutated code, or the score would mean nothing.
"""

from __future__ import annotations
import __future__

import contextlib
import inspect
import textwrap
from dataclasses import dataclass

import pandas as pd

__all__ = ["Mutant", "MutationReport", "mutant_of", "mutation_score"]


def _function(target):
    fn = getattr(target, "__func__", target)  # a bound method: its function
    if not inspect.isfunction(fn):
        raise TypeError(f"a mutant is planted in a Python function, not in {type(target).__name__}.")
    return fn


def mutant_of(target, old: str, new: str):
    """A new function: `target`'s source with `old` (which must occur exactly once) replaced by `new`."""
    fn = _function(target)
    source = textwrap.dedent(inspect.getsource(fn))
    count = source.count(old)
    if count != 1:
        raise ValueError(f"{old!r} occurs {count} times in {fn.__qualname__}; a mutant changes exactly one place.")
    lines = source.splitlines(keepends=True)
    while lines and lines[0].lstrip().startswith("@"):  # decorators stay on the original; the body is mutated
        lines.pop(0)
    code = compile("".join(lines).replace(old, new), f"<mutant of {fn.__qualname__}>", "exec",
                   flags=__future__.annotations.compiler_flag, dont_inherit=True)
    namespace: dict = {}
    exec(code, dict(fn.__globals__), namespace)  # noqa: S102 - the course's own source, changed in one place
    mutant = namespace[fn.__name__]
    if mutant.__code__.co_freevars != fn.__code__.co_freevars:
        raise ValueError(f"{fn.__qualname__} uses variables of an enclosing function; it cannot be mutated here.")
    mutant.__defaults__, mutant.__kwdefaults__ = fn.__defaults__, fn.__kwdefaults__
    return mutant


@dataclass(frozen=True)
class Mutant:
    """A named bug: in `target`'s source, `old` becomes `new`."""

    name: str
    target: object
    old: str
    new: str

    @contextlib.contextmanager
    def planted(self):
        """Within the block, `target` runs the mutated code for every caller; restored on the way out."""
        fn = _function(self.target)
        mutated = mutant_of(fn, self.old, self.new).__code__
        original = fn.__code__
        fn.__code__ = mutated
        try:
            yield
        finally:
            fn.__code__ = original

    @property
    def where(self) -> str:
        return _function(self.target).__qualname__


@dataclass
class MutationReport:
    """Which planted mutants the tests caught: one row per mutant."""

    table: pd.DataFrame

    @property
    def caught(self) -> int:
        return int(self.table["caught"].sum())

    @property
    def planted(self) -> int:
        return len(self.table)

    @property
    def score(self) -> float:
        return self.caught / self.planted if self.planted else 0.0


def _failure(test) -> str | None:
    """None when `test()` passes, else a one-line reason."""
    try:
        test()
    except Exception as error:  # noqa: BLE001 - an assertion, or the mutant crashing the code: the tests noticed
        text = str(error).strip().splitlines()
        return f"{type(error).__name__}: {text[0] if text else ''}"[:160]
    return None


def mutation_score(tests: dict, mutants) -> MutationReport:
    """Plant each mutant in turn, run `tests` ({name: function of no arguments}) until one fails; tabulate."""
    tests, mutants = dict(tests), list(mutants)
    if not tests:
        raise ValueError("mutation_score needs at least one test.")
    broken = {name: reason for name, test in tests.items() if (reason := _failure(test)) is not None}
    if broken:
        name, reason = next(iter(broken.items()))
        raise ValueError(f"the test {name!r} fails on the code without any mutant ({reason}); fix it first.")
    rows = []
    for mutant in mutants:
        caught_by, reason = "", ""
        with mutant.planted():
            for name, test in tests.items():
                reason = _failure(test)
                if reason is not None:
                    caught_by = name
                    break
        rows.append({"mutant": mutant.name, "where": mutant.where, "change": f"{mutant.old}  ->  {mutant.new}",
                     "caught": bool(caught_by), "caught by": caught_by, "reason": reason or ""})
    return MutationReport(pd.DataFrame(rows, columns=["mutant", "where", "change", "caught", "caught by", "reason"]))
