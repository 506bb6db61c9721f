"""Observations travel out of the sandbox as tagged JSON: every wrong answer judges the same after the trip."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shipml.course.checks import judge, observe
from shipml.course.instructor import observed

CHECKS = Path(__file__).resolve().parent / "checks"


def _rows():
    sys.path.insert(0, str(CHECKS))
    rows = []
    for path in sorted(CHECKS.glob("wrong_*.py")):
        spec = importlib.util.spec_from_file_location(f"observed_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        rows += module.WRONG_ANSWERS
    return rows


ROWS = _rows()


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.exercise_id}:{r.mistake}" for r in ROWS])
def test_does_a_wrong_answer_judge_the_same_after_the_trip_through_json(row):
    seen = observe(row.exercise_id, row.answer, include_hidden=True)
    direct = judge(row.exercise_id, seen, include_hidden=True)
    text = observed.dumps([o.to_dict() for o in seen])
    back = observed.loads(text)
    from shipml.course.checks import Observation

    trip = judge(row.exercise_id, [Observation(**o) for o in back], include_hidden=True)
    assert [(c.name, c.status, c.message) for c in trip.cases] == [(c.name, c.status, c.message) for c in direct.cases]


def test_do_plain_values_come_back_with_their_types():
    table = pd.DataFrame({"a": [1, 2], "b": ["x", None], "t": pd.to_datetime(["2026-01-01", "2026-01-02"])})
    value = {"t": (1, 2.5, float("nan")), 3: {4, 5}, "c": 1 + 2j, "b": b"\x00", "big": 2**70,
             "arr": np.arange(6, dtype="float32").reshape(2, 3), "s": np.array(["a", "bc"]),
             "series": pd.Series([1.5, 2.5], index=["p", "q"], name="n"), "table": table, "e": ...}
    back = observed.loads(observed.dumps(value))
    assert back["t"][:2] == (1, 2.5) and np.isnan(back["t"][2]) and back[3] == {4, 5} and back["c"] == 1 + 2j
    assert back["b"] == b"\x00" and back["big"] == 2**70 and back["e"] is Ellipsis
    assert back["arr"].dtype == np.float32 and (back["arr"] == value["arr"]).all()
    assert list(back["s"]) == ["a", "bc"]
    pd.testing.assert_series_equal(back["series"], value["series"])
    pd.testing.assert_frame_equal(back["table"], table)


@pytest.mark.parametrize("text", [
    '{"$": "pickle", "v": "gASV"}', '{"$": "ndarray", "dtype": "V8", "shape": [1], "v": [1]}',
    '{"$": "ndarray", "dtype": "<f8", "shape": [3], "v": [1]}', '[' * 100000, 'NaN', '{"$": "int", "v": "1e9"}',
    '{"$": "ndarray", "dtype": "<f8", "shape": [1], "v": ["x"]}', '{"a": 1}',
])
def test_is_anything_but_plain_data_refused_with_a_sentence(text):
    with pytest.raises(observed.DecodeError, match="observations"):
        observed.loads(text)


def test_is_a_too_large_text_refused_before_it_is_parsed():
    with pytest.raises(observed.DecodeError, match="larger than"):
        observed.loads("[" + "1," * 1000 + "1]", max_bytes=100)


def test_is_an_object_that_is_not_plain_data_refused_when_written():
    with pytest.raises(TypeError, match="not plain data"):
        observed.dumps([object()])


def test_is_a_submissions_text_cut_and_cleaned_before_it_enters_feedback(monkeypatch):
    from shipml.course.instructor.grade import _clean

    monkeypatch.setenv("SHIPML_TEST_TOKEN", "tok-4f9a1c2e77")
    text = _clean("ValueError at /tmp/grade/work/helper.py: read /etc/shadow and tok-4f9a1c2e77\x1b[31m\n" + "x" * 900)
    assert text.startswith("ValueError at helper.py: read … and …")
    assert "tok-4f9a1c2e77" not in text and "\x1b" not in text and "/etc" not in text
    assert len(text) <= 300 and text.endswith("…")


def test_does_a_forged_report_from_the_sandbox_earn_nothing():
    from shipml.course.instructor.grade import _judged

    ex = {"id": "ch01-ex2", "hidden_cells": ["assert True"]}
    forged = {"observations": [{"case": "a score equal to the threshold is flagged", "status": "passed",
                                "message": "", "value": None, "hidden": False},
                               {"case": "no fraud in the data: only the false alarms cost", "status": "observed",
                                "message": "", "value": {"$": "pickle", "v": "gASV"}, "hidden": False}],
              "missing": False, "error": None, "hidden_cells": ["passed"]}
    cases = _judged(ex, forged)["cases"]
    assert cases and not [c for c in cases if c["status"] == "passed"]
    unreadable = next(c for c in cases if c["name"] == "no fraud in the data: only the false alarms cost")
    assert unreadable["status"] == "error" and "could not be read back" in unreadable["message"]
    assert not [c for c in cases if c["name"].startswith("hidden check cell")]  # its pass is not counted
