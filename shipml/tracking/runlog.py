"""The idea by hand: an append-only run log, one JSON object per line (JSON lines).

    from shipml.tracking.runlog import RunLog, RunLogError, finish, new_run
    log = RunLog(folder / "runs.jsonl")
    run = new_run({"lr": 0.01, "width": 16}, data_hash=..., config_hash=..., code_hash=...)
    run["metrics"]["val_pr_auc"] = [0.21, 0.25, 0.27]          # one value per epoch
    run["artifacts"]["model.pt"] = content_hash(Path("model.pt"))
    log.append(finish(run))                                     # the end time, then one line written whole
    log.read()                                                  # every run, in order, as dicts
    log.frame()                                                 # one row per run: params.*, metrics.* (last epoch)

A run is a dict: `run_id`, `started` and `ended` (UTC, ISO 8601), `params`,
`metrics` (name -> one number per epoch), `artifacts` (name -> content hash
of the file), `code_hash`, `data_hash`, `config_hash` (the hashes come from
`shipml.workflows.lineage.content_hash`, chapter 3's configuration and
chapter 4's pipeline), `versions` (the libraries that change a model's
numbers) and free `tags`.

Append only: a line once written is never rewritten, so a crash can cost at
most the run being written, never the runs before it. Each run is one
`os.write` of one line on a file opened with `O_APPEND`, under an exclusive
`flock`: two processes that log at once interleave whole lines and lose
none. Reading is strict: a line that is not a JSON object raises
`RunLogError` naming the file and the line number (`read(skip_corrupt=True)`
skips it and keeps the rest).
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import uuid
from pathlib import Path

import pandas as pd

from shipml.workflows.lineage import library_versions

__all__ = ["REQUIRED", "RunLog", "RunLogError", "finish", "new_run", "utc_now"]

# The fields every run of the log has; `read` reports a run without one.
REQUIRED = ("run_id", "started", "ended", "params", "metrics", "artifacts", "code_hash", "data_hash", "config_hash",
            "versions")


class RunLogError(ValueError):
    """A run log that cannot be read or written; the message names the file (and the line)."""


def utc_now() -> str:
    """The time now, UTC, ISO 8601 with microseconds."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def new_run(params: dict, *, data_hash: str, config_hash: str, code_hash: str, tags: dict | None = None) -> dict:
    """A run that starts now: a fresh id, the start time, the library versions; metrics and artifacts to fill."""
    return {"run_id": uuid.uuid4().hex, "started": utc_now(), "ended": None, "params": dict(params), "metrics": {},
            "artifacts": {}, "code_hash": code_hash, "data_hash": data_hash, "config_hash": config_hash,
            "versions": library_versions(), "tags": dict(tags or {})}


def finish(run: dict) -> dict:
    """The run with its end time set to now."""
    return {**run, "ended": utc_now()}


class RunLog:
    """An append-only JSON-lines file of runs."""

    def __init__(self, path):
        self.path = Path(path)

    def append(self, run: dict) -> dict:
        """Write one run as one line, whole, under a lock; return it."""
        if not isinstance(run, dict):
            raise RunLogError(f"A run is a dict (new_run makes one), not {type(run).__name__}.")
        missing = [name for name in REQUIRED if name not in run]
        if missing:
            raise RunLogError(f"The run lacks {', '.join(missing)}: start it with new_run and end it with finish.")
        try:
            line = (json.dumps(run, sort_keys=True, allow_nan=False) + "\n").encode()
        except (TypeError, ValueError) as error:
            raise RunLogError(f"The run cannot be written as JSON ({error}); log numbers, strings, lists and dicts, "
                              f"and no NaN.") from None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as error:
            raise RunLogError(f"Cannot write the run log {self.path}: {error.strerror.lower()}. Log to a folder you "
                              f"can write to.") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # another writer waits for this line to be complete
            os.write(fd, line)
        finally:
            os.close(fd)  # closing releases the lock
        return run

    def read(self, *, skip_corrupt: bool = False) -> list[dict]:
        """Every run, in order; a line that is not a run raises RunLogError with its line number."""
        if not self.path.exists():
            return []
        runs = []
        with self.path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    run = json.loads(line.rstrip("\r\n"))
                    if not isinstance(run, dict):
                        raise ValueError("it is not a JSON object")
                    missing = [name for name in REQUIRED if name not in run]
                    if missing:
                        raise ValueError(f"it lacks {', '.join(missing)}")
                except ValueError as error:
                    if skip_corrupt:
                        continue
                    why = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
                    raise RunLogError(f"{self.path}, line {number}, is not a run ({why}). Remove or repair that "
                                      f"line, or read with skip_corrupt=True.") from None
                runs.append(run)
        return runs

    def frame(self, *, skip_corrupt: bool = False) -> pd.DataFrame:
        """One row per run: id, times, hashes, `params.*`, `metrics.*` (the last epoch's value), `epochs`."""
        rows = []
        for run in self.read(skip_corrupt=skip_corrupt):
            row = {key: run[key] for key in ("run_id", "started", "ended", "code_hash", "data_hash", "config_hash")}
            row.update({f"params.{k}": v for k, v in run["params"].items()})
            row.update({f"metrics.{k}": (v[-1] if isinstance(v, list) and v else v) for k, v in run["metrics"].items()})
            row["epochs"] = max((len(v) for v in run["metrics"].values() if isinstance(v, list)), default=0)
            row.update({f"tags.{k}": v for k, v in run.get("tags", {}).items()})
            rows.append(row)
        frame = pd.DataFrame(rows)
        for column in ("started", "ended"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
        return frame
