"""Both directions of exercise validation, as nbgrader's validate and validate --invert.

Every solution runs and all its checks pass; every generated exercise runs top
to bottom unsolved, without an error, and none of its checks reports passed.
"""

import json
from pathlib import Path

import pytest

from shipml.course.execution import execute

ROOT = Path(__file__).resolve().parents[2]
STEMS = sorted(p.stem for p in (ROOT / "solutions").glob("*.md"))


def _run_logged(path: Path, tmp_path: Path):
    log = tmp_path / "checks.jsonl"
    run = execute(path, env={"SHIPML_CHECK_LOG": str(log)})
    results = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return run, results


@pytest.mark.parametrize("stem", STEMS)
def test_does_the_solution_run_and_pass_every_check(stem, tmp_path):
    run, results = _run_logged(ROOT / "solutions" / f"{stem}.md", tmp_path)
    assert run.ok, f"solutions/{stem}.md failed: {run.error}"
    assert results, f"solutions/{stem}.md ran no check"
    failing = [(r["exercise_id"], r["status"]) for r in results if r["status"] != "passed"]
    assert not failing, f"checks not passed in solutions/{stem}.md: {failing}"


@pytest.mark.parametrize("stem", STEMS)
def test_does_the_untouched_exercise_run_and_report_not_solved(stem, tmp_path):
    path = ROOT / "exercises" / f"{stem}.md"
    assert path.exists(), f"exercises/{stem}.md is missing: run `shipml exercises`"
    run, results = _run_logged(path, tmp_path)
    assert run.ok, f"exercises/{stem}.md does not run unsolved: {run.error}"
    assert results, f"exercises/{stem}.md calls no check"
    solved = [r["exercise_id"] for r in results if r["status"] == "passed"]
    assert not solved, f"unsolved exercises/{stem}.md reports solved: {solved}"
