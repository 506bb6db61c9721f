"""Both directions of exercise validation, read from the check logs of one execution of the course.

    from shipml.course.validation import validate_exercises
    problems = validate_exercises(".")     # [] when every solution passes and every exercise reports not solved

As nbgrader's `validate` and `validate --invert`: every solution notebook ran
and every check it called passed; every generated exercise ran unsolved and
none of its checks reports passed. The logs are the ones `shipml execute`
wrote while it executed each notebook (`_build/checks/`), so nothing is run
again here. A notebook that calls no check, or has no log (it was not
executed with logging on), is a problem too: a validation that saw nothing
proves nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["read_log", "validate_exercises", "validate_notebook"]


def read_log(path) -> list[dict] | None:
    """The check results logged in `path`, one dict per run of a check (None when there is no log)."""
    path = Path(path)
    if not path.exists():
        return None
    results = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            results.append(json.loads(line))
    return results


def validate_notebook(name: str, results: list[dict] | None, *, solved: bool) -> list[str]:
    """The problems with one notebook's logged checks: a solution (`solved`) must pass them all, an exercise none."""
    if results is None:
        return [f"{name} has no check log: run `shipml execute` (it executes the notebook with checks logged)"]
    if not results:
        return [f"{name} ran no check"]
    if solved:
        failing = sorted({(r["exercise_id"], r["status"]) for r in results if r["status"] != "passed"})
        return [f"{name}: {ex_id} is {status}, a solution must pass every check" for ex_id, status in failing]
    passing = sorted({r["exercise_id"] for r in results if r["status"] == "passed"})
    return [f"{name}: {ex_id} reports passed, but the exercise is unsolved (is a solution left in it?)"
            for ex_id in passing]


def validate_exercises(root=".") -> list[str]:
    """Every problem found in the logs of the solutions and exercises that the ToC lists."""
    from shipml.course.execution import check_log
    from shipml.course.notebooks import toc_paths

    root = Path(root).resolve()
    problems = []
    for path in toc_paths(root):
        folder = path.parent.name
        if folder not in ("solutions", "exercises"):
            continue
        name = f"{folder}/{path.name}"
        problems += validate_notebook(name, read_log(check_log(root, path)), solved=folder == "solutions")
    return problems
