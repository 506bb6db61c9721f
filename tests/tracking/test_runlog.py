"""The hand-made run log: append only, whole lines under concurrent writers, damaged lines named."""

import json
import subprocess
import sys

import pytest

from shipml.tracking.runlog import REQUIRED, RunLog, RunLogError, finish, new_run


def _run(**params):
    return finish(new_run(params, data_hash="d" * 64, config_hash="c" * 64, code_hash="k" * 64))


def test_does_a_run_come_back_as_it_was_written(tmp_path):
    log = RunLog(tmp_path / "runs.jsonl")
    run = _run(lr=0.01)
    run["metrics"]["val_pr_auc"] = [0.1, 0.2]
    log.append(run)
    assert log.read() == [run]
    assert set(REQUIRED) <= set(run) and run["started"] <= run["ended"] and "+00:00" in run["started"]


def test_does_append_keep_the_runs_before(tmp_path):
    log = RunLog(tmp_path / "runs.jsonl")
    first, second = log.append(_run(i=0)), log.append(_run(i=1))
    assert [r["run_id"] for r in log.read()] == [first["run_id"], second["run_id"]]
    assert first["run_id"] != second["run_id"]


def test_is_the_frame_one_row_per_run_with_the_last_epoch(tmp_path):
    log = RunLog(tmp_path / "runs.jsonl")
    for width in (8, 16):
        run = _run(width=width)
        run["metrics"]["val_pr_auc"] = [0.1, width / 100]
        log.append(run)
    frame = log.frame()
    assert frame["params.width"].tolist() == [8, 16] and frame["metrics.val_pr_auc"].tolist() == [0.08, 0.16]
    assert frame["epochs"].tolist() == [2, 2] and str(frame["started"].dt.tz) == "UTC"


def test_is_a_damaged_line_named_by_its_number(tmp_path):
    log = RunLog(tmp_path / "runs.jsonl")
    log.append(_run(i=0))
    with log.path.open("a") as f:
        f.write('{"run_id": "cut off\n')
    log.append(_run(i=1))
    with pytest.raises(RunLogError, match=r"line 2, is not a run"):
        log.read()
    assert [r["params"]["i"] for r in log.read(skip_corrupt=True)] == [0, 1]


def test_is_a_line_that_is_not_a_run_named(tmp_path):
    log = RunLog(tmp_path / "runs.jsonl")
    log.path.write_text(json.dumps([1, 2]) + "\n" + json.dumps({"run_id": "x"}) + "\n")
    with pytest.raises(RunLogError, match="line 1"):
        log.read()
    log.path.write_text(json.dumps({"run_id": "x"}) + "\n")
    with pytest.raises(RunLogError, match="line 1.*lacks started"):
        log.read()


def test_is_a_missing_log_empty_and_a_missing_folder_created(tmp_path):
    log = RunLog(tmp_path / "new" / "folder" / "runs.jsonl")
    assert log.read() == [] and log.frame().empty
    log.append(_run())
    assert len(log.read()) == 1


def test_is_an_unwritable_place_a_sentence(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(RunLogError, match="Cannot write the run log"):
        RunLog(blocker / "runs.jsonl").append(_run())


def test_are_bad_runs_refused_with_a_sentence(tmp_path):
    log = RunLog(tmp_path / "runs.jsonl")
    with pytest.raises(RunLogError, match="is a dict"):
        log.append(["not", "a", "run"])
    with pytest.raises(RunLogError, match="lacks"):
        log.append({"run_id": "x"})
    bad = _run()
    bad["metrics"]["loss"] = [float("nan")]
    with pytest.raises(RunLogError, match="no NaN"):
        log.append(bad)
    assert not log.path.exists() or log.read() == []


WRITER = """
import sys
from shipml.tracking.runlog import RunLog, finish, new_run
log = RunLog(sys.argv[1])
for i in range(200):
    run = new_run({"writer": sys.argv[2], "i": i}, data_hash="d", config_hash="c", code_hash="k")
    run["tags"]["padding"] = "x" * 5000   # lines longer than a pipe's atomic write
    log.append(finish(run))
"""


def test_do_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "shared.jsonl"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name]) for name in ("a", "b")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    runs = RunLog(path).read()
    assert len(runs) == 400 and len({r["run_id"] for r in runs}) == 400
    for name in ("a", "b"):
        assert [r["params"]["i"] for r in runs if r["params"]["writer"] == name] == list(range(200))
