"""Checks of chapter 5, "Experiment tracking and a model registry".

    from shipml.course.checks import run
    run("ch05-ex2", log_run)             # the learner's log_run(log_path, params, history, data, artifact) -> run id
    run("ch05-ex3", promotion_gate)      # promotion_gate(y_val, champion_scores, challenger_scores, p95_ms, budget_ms)
    run("ch05-ex4", best_under_latency)  # best_under_latency(runs, budget_ms) -> the run id, or None

The run log is observed by calling `log_run` in a temporary folder and
reading back the text it wrote; the judge parses the lines and compares the
fields with `shipml.workflows.lineage.content_hash` of the same inputs. The
gate is judged against `shipml.tracking.promotion.promotion_gate` on drawn
scores (a clear win, a win within noise, a modest but consistent win, a
worse model, a latency over or exactly at the budget). The query is judged
against the answer computed from the same table of runs.
"""

from __future__ import annotations

import datetime
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from shipml.course.checks import Failure, NotAttempted, exercise, expect, kind_of
from shipml.workflows.lineage import content_hash, digest

# --- exercise 2: a run in the hand-made log ------------------------------------------------------------------

ex2 = exercise(
    "ch05-ex2",
    title="Log a run into the hand-made tracker",
    hints=[
        "Build one dict with the fields run_id, started, ended, params, config_hash, metrics, data_hash, artifacts and "
        "versions, then write it as one line of JSON at the end of the file.",
        "Open the file with mode 'a' (append: the runs before stay) and write `json.dumps(run) + '\\n'`: one run, one "
        "line. A new id each time: `uuid.uuid4().hex`. Times: `datetime.now(timezone.utc).isoformat()`.",
        "Hash contents, not names: `content_hash(params)`, `content_hash(data)`, and for the artifact "
        "`{artifact.name: content_hash(artifact)}` (a Path is hashed by its bytes). Keep `history` as it is: one "
        "value per epoch.",
    ],
)

_PARAMS = ({"lr": 0.01, "width": 16, "depth": 1}, {"lr": 0.003, "width": 32, "depth": 2})
_HISTORY = ({"train_loss": [0.12, 0.08, 0.07], "val_pr_auc": [0.18, 0.24, 0.26]},
            {"train_loss": [0.2, 0.1], "val_pr_auc": [0.11, 0.2]})
_ARTIFACT = b"the model's weights, as bytes"


def _data(seed: int = 0, rows: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"amount": rng.lognormal(3, 1, rows).round(2), "hour": rng.integers(0, 24, rows),
                         "is_fraud": rng.random(rows) < 0.1})


def _observe_log(fn, datasets=(0, 0)):
    """Call log_run twice in a fresh folder (two runs, one log); return what was returned and the file's text."""
    with tempfile.TemporaryDirectory(prefix="shipml-check-ch05-") as folder:
        folder = Path(folder)
        artifact = folder / "model.bin"
        artifact.write_bytes(_ARTIFACT)
        log_path = folder / "runs.jsonl"
        returned = [fn(log_path, dict(params), {k: list(v) for k, v in history.items()}, _data(seed), artifact)
                    for params, history, seed in zip(_PARAMS, _HISTORY, datasets)]
        text = log_path.read_text(encoding="utf-8") if log_path.exists() else ""
    return {"returned": returned, "text": text}


def _runs(got) -> list:
    """The lines of the log, parsed; a Failure with a sentence when they are not two JSON objects."""
    lines = [line for line in got["text"].split("\n") if line.strip()]
    if not lines:
        raise Failure("The log file is empty (or was not written at log_path): append one line of JSON per run.")
    runs = []
    for number, line in enumerate(lines, start=1):
        try:
            run = json.loads(line)
        except json.JSONDecodeError:
            raise Failure(f"Line {number} of the log is not one JSON object; write each run as `json.dumps(run)` "
                          f"followed by a newline, so that each line holds exactly one run.") from None
        if not isinstance(run, dict):
            raise Failure(f"Line {number} of the log is {kind_of(run)}, not a JSON object (a dict).")
        runs.append(run)
    expect(len(runs) == 2, f"After two calls the log should hold two runs, one per line; it holds {len(runs)}. "
                           "Open it with mode 'a', so that a run never replaces the ones before it.")
    return runs


_FIELDS = {"run_id": str, "started": str, "ended": str, "params": dict, "config_hash": str, "metrics": dict,
           "data_hash": str, "artifacts": dict, "versions": dict}


@ex2.case("two calls append two lines of JSON",
          hint="Mode 'a' appends; mode 'w' replaces the file. End each run's line with a newline.")
def _observe_two(fn):
    return _observe_log(fn)


@_observe_two.judge
def _(got):
    _runs(got)


@ex2.case("every field is there, with its type",
          hint="Each run is a dict with run_id, started and ended (strings), params, metrics, artifacts and versions "
               "(dicts), config_hash and data_hash (strings); return the run id, new for every run.")
def _observe_fields(fn):
    return _observe_log(fn)


@_observe_fields.judge
def _(got):
    runs = _runs(got)
    for number, run in enumerate(runs, start=1):
        missing = [name for name in _FIELDS if name not in run]
        expect(not missing, f"Run {number} lacks {', '.join(missing)}.")
        for name, kind in _FIELDS.items():
            expect(isinstance(run[name], kind), f"The field {name} of run {number} is {kind_of(run[name])}; it "
                                                f"should be {'a string' if kind is str else 'a dict'}.")
        expect(run["params"] == _PARAMS[number - 1], f"The params of run {number} are {run['params']}; log the "
                                                      f"params given, {_PARAMS[number - 1]}.")
        expect({"numpy", "pandas"} <= set(run["versions"]), "The versions should name at least numpy and pandas "
                                                            "(library_versions() gives them).")
    ids = [run["run_id"] for run in runs]
    expect(ids[0] != ids[1], f"Both runs have the id {ids[0]!r}: make a new one for each run (uuid.uuid4().hex).")
    expect(list(got["returned"]) == ids, f"log_run should return the id it logged: it returned {got['returned']}, "
                                         f"the log holds {ids}.")


@ex2.case("the hashes are of the contents",
          hint="content_hash(params) for the configuration, content_hash(data) for the table, and for the artifact "
               "content_hash of the Path itself (its bytes), not of its name as a string.")
def _observe_hashes(fn):
    return _observe_log(fn)


@_observe_hashes.judge
def _(got):
    for number, run in enumerate(_runs(got), start=1):
        expect(run.get("config_hash") == content_hash(_PARAMS[number - 1]),
               f"The config_hash of run {number} is not content_hash(params).")
        expect(run.get("data_hash") == content_hash(_data(0)),
               f"The data_hash of run {number} is not content_hash(data) of the table given (its values, not its "
               f"columns or its length).")
        want = {"model.bin": digest(b"file", _ARTIFACT)}  # content_hash of a Path: its bytes
        expect(run.get("artifacts") == want, f"The artifacts of run {number} are {run.get('artifacts')}; they should "
                                             f"map the file's name to the hash of its bytes: {want}.")


@ex2.case("the metrics keep every epoch",
          hint="Log history as it is, name -> list of one value per epoch: the last value alone cannot show how "
               "training went.")
def _observe_metrics(fn):
    return _observe_log(fn)


@_observe_metrics.judge
def _(got):
    for number, run in enumerate(_runs(got), start=1):
        expect(run.get("metrics") == _HISTORY[number - 1], f"The metrics of run {number} are {run.get('metrics')}; "
                                                          f"they should be the history given, {_HISTORY[number - 1]}.")


def _utc(text, what):
    try:
        stamp = datetime.datetime.fromisoformat(str(text))
    except ValueError:
        raise Failure(f"The {what} time {text!r} is not ISO 8601; use datetime.now(timezone.utc).isoformat().") from None
    expect(stamp.utcoffset() == datetime.timedelta(0),
           f"The {what} time {text!r} has no UTC offset: a log read in another time zone would be hours off. Use "
           f"datetime.now(timezone.utc).")
    return stamp


@ex2.case("the times are UTC and in order",
          hint="started before the work, ended after it, both datetime.now(timezone.utc).isoformat().")
def _observe_times(fn):
    return _observe_log(fn)


@_observe_times.judge
def _(got):
    runs = _runs(got)
    for number, run in enumerate(runs, start=1):
        started, ended = _utc(run.get("started"), "start"), _utc(run.get("ended"), "end")
        expect(started <= ended, f"Run {number} ends ({ended}) before it starts ({started}).")
        expect(abs((ended - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 3600,
               f"The end time of run {number}, {ended}, is not now.")


ex2.case("another table gives another data hash", hidden=True,
         observe=lambda fn: _observe_log(fn, datasets=(0, 1)),
         judge=lambda got: expect([r.get("data_hash") for r in _runs(got)] == [content_hash(_data(0)),
                                                                               content_hash(_data(1))],
                                  "Two different tables must give two different data hashes, each content_hash of "
                                  "its table."))


# --- exercise 3: the promotion gate ----------------------------------------------------------------------------

ex3 = exercise(
    "ch05-ex3",
    title="A promotion gate",
    hints=[
        "Two conditions, both needed: the challenger is better beyond noise, and its p95 latency is within budget.",
        "`paired_bootstrap(y_val, challenger_scores, champion_scores, n_boot=1000, seed=0, level=0.9)` resamples the "
        "same rows for both models and returns an Interval of challenger minus champion PR-AUC.",
        "Promote when `interval.low > 0` and `challenger_p95_ms <= budget_ms`; return True or False.",
    ],
    timeout_s=10.0,
)


def _scores(seed: int, kind: str, n: int = 3000, rate: float = 0.03):
    """(y, champion, challenger): drawn scores where the challenger is a clear win, noise, modest, or worse."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < rate).astype(int)
    champion = np.where(y == 1, rng.beta(2, 4, n), rng.beta(1, 9, n))
    if kind == "clear":
        challenger = champion + np.where(y == 1, 0.25, 0.0) * rng.random(n)
    elif kind == "noise":
        challenger = champion + rng.normal(0, 0.05, n)
    elif kind == "modest":
        challenger = champion + np.where(y == 1, 0.03, 0.0)
    else:
        challenger = champion - np.where(y == 1, 0.2, 0.0) * rng.random(n)
    return y, champion, np.clip(challenger, 0, 1)


def _gate_case(name, hint, problems, hidden=False):
    def observe(fn):
        out = []
        for seed, kind, p95_ms, budget_ms, _ in problems:
            y, champion, challenger = _scores(seed, kind)
            out.append(fn(y, champion, challenger, p95_ms, budget_ms))
        return out

    def judge(got):
        for value, (_, _, _, _, (want, what)) in zip(got, problems):
            if not isinstance(value, bool):
                raise Failure(f"The gate should return True (promote) or False (keep the champion) {what}; it "
                              f"returns {kind_of(value)}.")
            expect(value == want, f"{what[0].upper()}{what[1:]}, the challenger should {'' if want else 'not '}be "
                                  f"promoted; your gate says {value}.")

    ex3.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_gate_case("a clear win within the budget is promoted",
           "The challenger's PR-AUC is far above the champion's on the same rows and it is fast: promote. Check the "
           "direction: the difference is challenger minus champion.",
           [(1, "clear", 0.4, 1.0, (True, "for a clear win at 0.4 ms of a 1 ms budget"))])
_gate_case("a win within noise is refused",
           "The point estimate is a little above zero, but the interval of the difference crosses zero: that is "
           "noise. Decide on the interval's lower end, not on the estimate.",
           [(3, "noise", 0.4, 1.0, (False, "for a challenger that differs only by noise"))])
_gate_case("faster but worse is refused",
           "Speed does not buy a worse model: the interval is below zero.",
           [(30, "worse", 0.05, 1.0, (False, "for a faster but worse challenger"))])
_gate_case("better but over the latency budget is refused",
           "A clear win that breaks the latency budget would break the service's SLO: both conditions must hold.",
           [(1, "clear", 1.6, 1.0, (False, "for a clear win at 1.6 ms of a 1 ms budget"))])
_gate_case("a latency exactly at the budget is within it",
           "Within the budget means p95 <= budget, the budget itself included.",
           [(1, "clear", 1.0, 1.0, (True, "for a clear win at exactly the 1 ms budget"))])
_gate_case("a modest but consistent win needs the paired interval",
           "Both models score the same rows: resample the rows once and compute both PR-AUCs on each resample. Two "
           "intervals computed separately overlap even when the challenger wins on nearly every resample.",
           [(22, "modest", 0.4, 1.0, (True, "for a small gain on every fraud, on the same rows"))])
_gate_case("more cases", None,
           [(5, "clear", 0.9, 1.0, (True, "for another clear win")),
            (6, "noise", 0.2, 1.0, (False, "for another challenger within noise")),
            (21, "modest", 2.0, 1.5, (False, "for a modest win over its budget")),
            (23, "modest", 0.3, 0.5, (True, "for another modest, consistent win"))], hidden=True)


# --- exercise 4: the best run under a latency budget ------------------------------------------------------------

ex4 = exercise(
    "ch05-ex4",
    title="The best run under a latency budget",
    hints=[
        "Keep the runs that finished (status 'FINISHED') and whose metrics.p95_ms is within the budget (<=); a run "
        "without a latency is not known to be within it.",
        "Among those, take the row with the largest metrics.val_pr_auc and return its run_id (a string, not the "
        "row's index).",
        "No run fits: return None. `fit = runs[(runs.status == 'FINISHED') & (runs['metrics.p95_ms'] <= budget_ms)]`"
        ", then `fit.loc[fit['metrics.val_pr_auc'].idxmax(), 'run_id']`.",
    ],
)


def runs_table(seed: int = 0, n: int = 12) -> pd.DataFrame:
    """A table shaped like mlflow.search_runs: run ids, status, the metrics and parameters as MLflow returns them."""
    rng = np.random.default_rng(seed)
    width = rng.choice([8, 16, 32, 64, 128], n)
    p95 = np.round(0.02 * width ** 0.8 + rng.uniform(0, 0.05, n), 3)
    pr_auc = np.round(0.15 + 0.03 * np.log2(width) + rng.normal(0, 0.03, n), 4)
    return pd.DataFrame({"run_id": [f"{seed:02d}{k:02d}" + "%028x" % rng.integers(0, 2**62) for k in range(n)],
                         "status": "FINISHED", "metrics.val_pr_auc": pr_auc, "metrics.p95_ms": p95,
                         "params.width": width.astype(str)}, index=pd.RangeIndex(100, 100 + n))


def best_run(runs: pd.DataFrame, budget_ms: float):
    """The reference answer: the run id of the best finished run within the budget, or None."""
    fit = runs[(runs["status"] == "FINISHED") & (runs["metrics.p95_ms"] <= budget_ms)]
    fit = fit.dropna(subset=["metrics.val_pr_auc"])
    return None if fit.empty else str(fit.loc[fit["metrics.val_pr_auc"].idxmax(), "run_id"])


def _query_case(name, hint, problems, hidden=False, allow_none=False):
    def observe(fn):
        got = [fn(make().copy(), budget) for make, budget, _ in problems]
        if allow_none and all(value is None for value in got):
            raise NotAttempted("Not attempted yet: your function returns None.")
        return got

    def judge(got):
        for value, (make, budget, what) in zip(got, problems):
            want = best_run(make(), budget)
            if want is None:
                expect(value is None, f"No run is within the budget {what}: return None, not {value!r}.")
                continue
            if not isinstance(value, str):
                raise Failure(f"Return the best run's run_id, a string, {what}; yours is {kind_of(value)} "
                              f"({value!r}).")
            expect(value == want, f"The best run {what} is {want}; yours is {value}.")

    ex4.case(name, hint=hint, hidden=hidden, allow_none=allow_none, observe=observe, judge=judge)


def _with(seed, **changes):
    def make():
        runs = runs_table(seed)
        for (row, column), value in changes.get("cells", {}).items():
            runs.loc[runs.index[row], column] = value
        return runs
    return make


_query_case("the best run within a generous budget",
            "With a budget every run meets, the answer is the run with the highest metrics.val_pr_auc: return its "
            "run_id.",
            [(_with(0), 10.0, "with a 10 ms budget")])
_query_case("the budget excludes the best run",
            "Filter by metrics.p95_ms <= budget first, then take the best of what is left.",
            [(_with(0), 0.5, "with a 0.5 ms budget"), (_with(1), 0.3, "of a second table, with a 0.3 ms budget")])
_query_case("a run exactly at the budget counts",
            "Within the budget is p95 <= budget, the budget itself included.",
            [(_with(2, cells={(3, "metrics.p95_ms"): 0.4, (3, "metrics.val_pr_auc"): 0.9}), 0.4,
              "when the best run's p95 is exactly the 0.4 ms budget")])
_query_case("failed runs and runs without a latency do not count",
            "A run whose status is not FINISHED crashed: its metrics are partial. A run without metrics.p95_ms was "
            "never measured: it is not known to be within the budget.",
            [(_with(3, cells={(0, "status"): "FAILED", (0, "metrics.val_pr_auc"): 0.95, (0, "metrics.p95_ms"): 0.01}),
              1.0, "when a failed run has the best metric"),
             (_with(4, cells={(5, "metrics.p95_ms"): np.nan, (5, "metrics.val_pr_auc"): 0.95}), 1.0,
              "when the run with the best metric has no latency")])
_query_case("no run within the budget: None",
            "When nothing fits the budget, return None: there is no best run.",
            [(_with(5), 1.0, "with a 1 ms budget"), (_with(5), 0.001, "with a 0.001 ms budget")], allow_none=True)
_query_case("more tables", None,
            [(_with(seed), budget, f"of table {seed} at {budget} ms") for seed in (6, 7, 8)
             for budget in (0.25, 0.6, 1.2)], hidden=True)

