"""Behavioural tests of a model (the CheckList idea): what a change to the input must, or must not, do to the score.

    from shipml.evaluation.behaviour import invariance, direction
    score = lambda rows: fitted.score(rows, history)                 # any rows -> scores function
    invariance(score, rows, lambda r: r.assign(account_id="x" + r.account_id), score_after=...)  # must not move
    direction(score, rows, lambda r: r.assign(amount=2 * r.amount), expect="up")                # must not fall
    verdict.passed, verdict.n_failed, verdict.worst, verdict.failures                            # what was seen

Three kinds of test, after Ribeiro et al.'s CheckList (2020):

- **minimum functionality**: plain cases any useful model gets right (a
  textbook fraud scores above the typical payment);
- **invariance**: a change that carries no information about fraud (renaming
  an account, moving every timestamp by the same amount) must leave the score
  where it was;
- **directional expectation**: a change that makes fraud more likely by
  everyone's account (a larger amount, a brand-new account) must not lower
  the score.

`score_after` scores the perturbed rows where the world changes with them
(a timestamp shift moves the account's history too); by default the same
`score` is used. A verdict lists the rows that broke the expectation, so a
failure can be read, not only counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Verdict", "compare", "direction", "invariance"]


@dataclass(frozen=True)
class Verdict:
    """The outcome of one behavioural test on a batch of rows."""

    name: str
    n: int
    failures: pd.DataFrame  # the rows that broke the expectation: score before, after and the change

    @property
    def n_failed(self) -> int:
        return len(self.failures)

    @property
    def passed(self) -> bool:
        return self.n_failed == 0

    @property
    def share_failed(self) -> float:
        return self.n_failed / self.n if self.n else 0.0

    @property
    def worst(self) -> float:
        """The largest change in the wrong direction (0 when nothing failed)."""
        return float(self.failures["change"].abs().max()) if self.n_failed else 0.0

    def __str__(self) -> str:
        if self.passed:
            return f"{self.name}: passed on all {self.n:,} rows"
        return f"{self.name}: failed on {self.n_failed:,} of {self.n:,} rows (worst change {self.worst:.3g})"


def compare(score, rows: pd.DataFrame, perturb, *, score_after=None) -> pd.DataFrame:
    """Each row's score before and after `perturb(rows)`, and the change."""
    if not callable(score) or not callable(perturb):
        raise TypeError("score and perturb are functions: score(rows) -> scores, perturb(rows) -> rows.")
    changed = perturb(rows.copy())
    if not isinstance(changed, pd.DataFrame) or len(changed) != len(rows):
        raise ValueError("perturb(rows) must return a frame with one row per row it was given.")
    before = np.asarray(score(rows), dtype=float)
    after = np.asarray((score_after or score)(changed), dtype=float)
    if before.shape != (len(rows),) or after.shape != (len(rows),):
        raise ValueError(f"score(rows) must return one score per row: {len(rows)} rows gave {before.shape} and "
                         f"{after.shape}.")
    return pd.DataFrame({"before": before, "after": after, "change": after - before}, index=rows.index)


def invariance(score, rows, perturb, *, tol: float = 1e-6, score_after=None, name: str = "invariance") -> Verdict:
    """Rows whose score moved by more than `tol` under a change that must not move it."""
    table = compare(score, rows, perturb, score_after=score_after)
    return Verdict(name, len(table), table[table["change"].abs() > tol])


def direction(score, rows, perturb, *, expect: str = "up", tol: float = 1e-9, score_after=None,
              name: str = "direction") -> Verdict:
    """Rows whose score moved against `expect` ("up": must not fall; "down": must not rise) by more than tol."""
    if expect not in ("up", "down"):
        raise ValueError(f"expect is 'up' (the score must not fall) or 'down' (must not rise), not {expect!r}.")
    table = compare(score, rows, perturb, score_after=score_after)
    wrong = table["change"] < -tol if expect == "up" else table["change"] > tol
    return Verdict(name, len(table), table[wrong])
