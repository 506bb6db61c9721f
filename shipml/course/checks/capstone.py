"""Checks of chapter 14, "Capstone": each stage's contract, then the whole system.

    from shipml.course.checks import run
    run("ch14-ex2", ingest_and_train)   # the learner's ingest_and_train(batch_paths, warehouse, cache_folder, params)
    run("ch14-ex3", ml_test_score)      # the learner's ml_test_score(results) -> each section's score and the final
    run("ch14-ex4", rollout_decision)   # the learner's rollout_decision(canary) -> "promote" or "roll back"
    run("ch14-ex5", headline)           # the learner's headline(results) -> the memo's headline
    run("ch14-ex7", my_run)             # the learner's SystemRun, from shipml.system.run.run_system

    paths, warehouse = ingest_inputs(folder)   # ex2's inputs: raw daily batch files and the warehouse before them

ex2's observer makes small fixed inputs (`ingest_inputs`: 20 days of a
smaller stream, the last three arrival days as raw daily files with chapter 4's
defects, the clean rows of everything that arrived before as the warehouse),
calls the learner's function with `INGEST_PARAMS`, and records plain data: the
ingestion report, the window's row count, columns, transaction ids and content
hash, and the pipeline's lineage hashes. The first case of a run calls the
function; the later cases of that run judge the same observation. Every call
of a session shares one pipeline cache folder, so a stage whose inputs did not
change is not trained again (the key is the content: it cannot be stale). The judge
ingests the same files with `shipml.data.ingestion.ingest_batches` and
compares. ex3's and ex5's judges compare with the system's own functions,
`shipml.system.readiness.score_table` and `shipml.system.memo.headline`;
ex4's with `shipml.monitoring.rollout.promote_or_roll_back`. ex7 observes a
finished run and starts nothing: the artifact loaded from the run's table and
its scores against the offline ones, the service, detection, rollout and audit
tables, and which stages ran or were reused.
"""

from __future__ import annotations

import atexit
import functools
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from shipml.course.checks import Failure, WrongType, exercise, expect, expect_equal, expect_number, kind_of

__all__ = ["INGEST_PARAMS", "ingest_inputs"]

# --- exercise 2: ingestion into the window, and training with lineage ---------------------------------

ex2 = exercise(
    "ch14-ex2",
    title="Ingest the raw batches into the window, then train on it with lineage",
    hints=[
        "Two building blocks do the work: `ingest_batches(batch_paths, out_folder)` (chapter 4) validates, "
        "quarantines and reconciles each file; `Pipeline([features, train, evaluate], cache_folder).run(...)` "
        "(chapter 3) trains and records the lineage.",
        "The window is the warehouse plus `result.clean` without its `ingested_at` column (in the warehouse's "
        "column order), sorted by timestamp then transaction_id, with a fresh index. The quarantine stays out.",
        "Run the pipeline on `{'transactions': window}` with `params=params`, and return "
        "`{'report': result.report, 'transactions': window, 'lineage': run.lineage}`.",
    ],
    timeout_s=60.0,  # the first call trains a small model; the later ones reuse the pipeline's cache
)

INGEST_DAYS = 20          # the window of ex2's inputs, in days
BATCH_DAYS = 3            # its last arrival days come as raw daily files
_STREAM = dict(seed=3, per_day=400)
#: The params ex2's check passes: the small window's split and a short training.
INGEST_PARAMS = {"days": INGEST_DAYS, "train_days": 12, "val_days": 4, "max_epochs": 3}
REPORT_COUNTS = ("rows_out", "quarantined", "duplicates_removed", "redelivered")
ANSWER_KEYS = ("report", "transactions", "lineage")


@functools.lru_cache(maxsize=1)
def _streams():
    """The raw stream (with chapter 4's defects) and its clean twin, made once."""
    from shipml.data import FEED_DEFECTS, transactions

    raw = transactions(days=INGEST_DAYS, defects=FEED_DEFECTS, **_STREAM)
    clean = transactions(days=INGEST_DAYS, **_STREAM)
    return raw, clean


def ingest_inputs(folder) -> tuple[list[Path], pd.DataFrame]:
    """ex2's inputs under `folder`: the raw daily batch files of the window's last arrival days, and the warehouse.

    The warehouse holds the clean rows of every payment that arrived before those days, as the earlier weeks'
    ingestion left them; the batch files are what arrived since, defects and all.
    """
    from shipml.data import SCENARIO
    from shipml.data.ingestion import write_daily_batches

    raw, clean = _streams()
    start = pd.Timestamp(SCENARIO.start, tz="UTC")
    batch_start = start + pd.Timedelta(days=INGEST_DAYS - BATCH_DAYS)
    arrived = raw["ingested_at"]
    paths = write_daily_batches(raw[(arrived >= batch_start) & (arrived < start + pd.Timedelta(days=INGEST_DAYS))],
                                Path(folder) / "batches")
    before = raw.loc[arrived < batch_start, "transaction_id"]
    return paths, clean[clean["transaction_id"].isin(before)].reset_index(drop=True)


_CACHE: list[Path] = []


def _cache_folder() -> Path:
    """The pipeline cache every call of this session shares (made at the first call, removed at exit)."""
    if not _CACHE or not _CACHE[0].is_dir():
        folder = Path(tempfile.mkdtemp(prefix="shipml-check-ch14-cache-"))
        atexit.register(shutil.rmtree, folder, True)
        _CACHE[:] = [folder]
    return _CACHE[0]


@functools.lru_cache(maxsize=1)
def _reference() -> dict:
    """What ingesting ex2's inputs gives, by `ingest_batches` itself: plain data for the judges."""
    from shipml.data.ingestion import ingest_batches

    with tempfile.TemporaryDirectory(prefix="shipml-check-ch14-") as folder:
        paths, warehouse = ingest_inputs(folder)
        result = ingest_batches(paths)
    window = (pd.concat([warehouse, result.clean.drop(columns="ingested_at")[warehouse.columns]])
              .sort_values(["timestamp", "transaction_id"], kind="stable"))
    ids = tuple(window["transaction_id"].astype(str))
    return {
        "batches": tuple(p.name for p in paths),
        "rows_in": int(result.report["rows_in"].sum()),
        "warehouse": len(warehouse),
        "rows_out": int(result.report["rows_out"].sum()),
        "columns": tuple(map(str, warehouse.columns)),
        "ids": ids,
        "quarantined_only": frozenset(result.quarantine["transaction_id"].dropna().astype(str)) - set(ids),
    }


def _lineage_hashes(lineage) -> dict:
    """{stage: {"inputs": {name: hash}, "outputs": {name: hash}, "params": {...}}} of a pipeline's lineage."""
    if not isinstance(lineage, dict):
        raise WrongType(f"Expected the run's lineage (`run.lineage`, a dict of stage -> record) under 'lineage', "
                        f"got {kind_of(lineage)}.")
    hashes = {}
    for stage, record in lineage.items():
        if not isinstance(record, dict):
            raise WrongType(f"The lineage of stage {stage!r} should be its record (a dict), not {kind_of(record)}.")
        outputs = record.get("outputs") or {}
        hashes[str(stage)] = {
            "inputs": {str(k): str(v) for k, v in (record.get("inputs") or {}).items()},
            "outputs": {str(k): str(v.get("hash") if isinstance(v, dict) else v) for k, v in outputs.items()},
            "params": dict(record.get("params") or {}),
        }
    return hashes


_LAST: dict = {}  # the function the first case of this run called, and what it saw


def _observe_ingest(ingest_and_train, fresh: bool = False) -> dict:
    """Call the learner's function on fresh copies of the inputs; keep plain data only.

    The first case of a run calls it (`fresh`); the later cases of the same run, which `observe` runs right after
    it, read what that call saw instead of ingesting and training again, as long as the function is the same.
    """
    learner = getattr(ingest_and_train, "__wrapped__", ingest_and_train)  # the runner wraps it anew for each case
    if not fresh and _LAST.get("fn") is learner:
        return _LAST["seen"]
    _LAST.clear()
    seen = _call_ingest(ingest_and_train)
    _LAST.update(fn=learner, seen=seen)
    return seen


def _call_ingest(ingest_and_train) -> dict:
    from shipml.workflows.lineage import content_hash

    with tempfile.TemporaryDirectory(prefix="shipml-check-ch14-") as folder:
        paths, warehouse = ingest_inputs(folder)
        got = ingest_and_train(list(paths), warehouse, _cache_folder(), params=dict(INGEST_PARAMS))
    if not isinstance(got, dict):
        raise WrongType(f"Expected a dict with the keys {', '.join(map(repr, ANSWER_KEYS))}, got {kind_of(got)}.")
    missing = [k for k in ANSWER_KEYS if k not in got]
    if missing:
        raise Failure(f"Your answer should have the key {missing[0]!r} (it has {', '.join(map(repr, got)) or 'none'}).")
    report, window = got["report"], got["transactions"]
    for key, value in (("report", report), ("transactions", window)):
        if not isinstance(value, pd.DataFrame):
            raise WrongType(f"Expected a pandas DataFrame under {key!r}, got {kind_of(value)}.")
    if "transaction_id" not in window.columns:
        raise Failure("Your window ('transactions') has no column 'transaction_id'.")
    try:
        window_hash = content_hash(window)
    except Exception as error:
        raise WrongType(f"Your window cannot be hashed ({type(error).__name__}): keep the warehouse's columns and "
                        "types.") from None
    return {
        "report": pd.DataFrame(report).reset_index(drop=True),
        "rows": len(window),
        "columns": [str(c) for c in window.columns],
        "ids": [str(i) for i in window["transaction_id"]],
        "hash": window_hash,
        "lineage": _lineage_hashes(got["lineage"]),
    }


def _judge_reconciled(seen):
    report, want = seen["report"], _reference()
    for column in ("batch", "rows_in", *REPORT_COUNTS):
        expect(column in report.columns, f"The report should have the column {column!r}, as ingest_batches' report "
               "has: every row in is out, quarantined, a duplicate removed or a redelivery.")
    expect(len(report) == len(want["batches"]), f"The report should have one row per batch file "
           f"({len(want['batches'])}); yours has {len(report)}.")
    for row in report.to_dict("records"):
        accounted = sum(int(row[c]) for c in REPORT_COUNTS)
        expect(int(row["rows_in"]) == accounted, f"Batch {row['batch']}: {int(row['rows_in'])} rows came in but "
               f"{accounted} are accounted for (out + quarantined + duplicates removed + redelivered).")
    rows_in = int(report["rows_in"].sum())
    expect(rows_in == want["rows_in"], f"Your report counts {rows_in:,} rows in; the batch files hold "
           f"{want['rows_in']:,}. Count every row of every file, the bad ones too.")


def _judge_window_size(seen):
    want = _reference()
    expect("ingested_at" not in seen["columns"], "Your window still has the column 'ingested_at': drop it, the "
           "warehouse has no such column.")
    expected = want["warehouse"] + want["rows_out"]
    expect(seen["rows"] == expected, f"Your window has {seen['rows']:,} rows; it should have {expected:,}: the "
           f"{want['warehouse']:,} rows of the warehouse plus the {want['rows_out']:,} clean rows ingested.")


def _judge_nothing_quarantined(seen):
    kept = sorted(set(seen["ids"]) & _reference()["quarantined_only"])
    expect(not kept, f"{len(kept)} quarantined rows are in your window (e.g. {kept[0] if kept else ''}): only the "
           "clean rows of ingest_batches may join the warehouse.")


def _judge_lineage(seen):
    lineage = seen["lineage"]
    for stage in ("features", "train", "evaluate"):
        expect(stage in lineage, f"The lineage should have the stage {stage!r}; yours has "
               f"{', '.join(map(repr, lineage)) or 'none'}. Return `run.lineage` of the pipeline's run.")
    used = lineage["features"]["inputs"].get("transactions")
    expect(used == seen["hash"], "The features stage's input 'transactions' is not the window you returned "
           "(its content_hash differs): run the pipeline on the window itself, `{'transactions': window}`.")
    made = lineage["features"]["outputs"].get("features")
    expect(lineage["train"]["inputs"].get("features") == made, "The train stage's input 'features' is not the "
           "features stage's output: run the stages as one pipeline, in order.")
    expect(lineage["evaluate"]["inputs"].get("weights") == lineage["train"]["outputs"].get("weights"),
           "The evaluate stage's input 'weights' is not the train stage's output: run the stages as one pipeline.")


def _judge_order(seen):
    want = _reference()["ids"]
    ids = seen["ids"]
    twice = pd.Series(ids)[pd.Series(ids).duplicated()]
    expect(twice.empty, f"Transaction {twice.iloc[0] if len(twice) else ''} is in your window more than once.")
    expect(sorted(ids) == sorted(want), "Your window's transactions are not the warehouse's plus the clean ingested "
           "ones.")
    expect(list(ids) == list(want), "Your window is not sorted by timestamp, then transaction_id (a stable sort).")
    expect(sorted(seen["columns"]) == sorted(_reference()["columns"]), "Your window should have the warehouse's "
           f"columns, {', '.join(_reference()['columns'])}.")


def _judge_params(seen):
    lineage = seen["lineage"]
    expect("features" in lineage and "train" in lineage, "The lineage should have the stages features and train.")
    for stage, names in (("features", ("days", "train_days", "val_days")), ("train", ("max_epochs",))):
        params = lineage[stage]["params"]
        for name in names:
            expect(params.get(name) == INGEST_PARAMS[name], f"The {stage} stage ran with {name}="
                   f"{params.get(name)!r}; pass the check's params on: `params=params` ({name}="
                   f"{INGEST_PARAMS[name]!r}).")


for _name, _hint, _hidden, _judge in [
    ("every raw row is reconciled, batch by batch",
     "Return ingest_batches' report as it is: rows_in = rows_out + quarantined + duplicates_removed + redelivered.",
     False, _judge_reconciled),
    ("the window is the warehouse plus the clean ingested rows",
     "Concatenate the warehouse and `result.clean` (without `ingested_at`); nothing else.", False,
     _judge_window_size),
    ("nothing quarantined reaches the window", "Use `result.clean`, never the quarantine or the raw rows.", False,
     _judge_nothing_quarantined),
    ("the model's lineage names the window it trained on",
     "Train on the very table you return: `pipeline.run({'transactions': window}, params=params)`.", False,
     _judge_lineage),
    ("the window is sorted by time, every transaction once", None, True, _judge_order),
    ("the run used the check's params", None, True, _judge_params),
]:
    ex2.case(_name, hint=_hint, hidden=_hidden, judge=_judge,
             observe=functools.partial(_observe_ingest, fresh=_judge is _judge_reconciled))


# --- exercise 3: the ML Test Score from a table of results -------------------------------------------

ex3 = exercise(
    "ch14-ex3",
    title="The ML Test Score from a table of test results",
    hints=[
        "One point for a test that is automated and passed, half a point for one done by hand and passed, nothing "
        "otherwise; a test not in the table scores nothing.",
        "A test id starts with its section: 'model-5' belongs to 'model'. Sum the points of each section's tests "
        "(`SECTIONS` and `TESTS` of shipml.governance.ml_test_score).",
        "Return {'data': ..., 'model': ..., 'infrastructure': ..., 'monitoring': ..., 'final': min of the four}: "
        "the final is the weakest section, not the mean nor the sum.",
    ],
)


def _results(rows: dict) -> pd.DataFrame:
    """A results table from {test: (how, passed)}, in the rubric's order."""
    return pd.DataFrame([{"test": t, "how": how, "passed": bool(passed)} for t, (how, passed) in rows.items()],
                        columns=["test", "how", "passed"])


def _all(how="automated", passed=True) -> dict:
    from shipml.governance.ml_test_score import TESTS

    return {t: (how, passed) for t in TESTS}


def _all_automated():
    return [_results(_all())]


def _data_by_hand():
    rows = _all()
    rows.update({f"data-{i}": ("by hand", True) for i in range(1, 8)})
    return [_results(rows)]


def _failing_automated():
    rows = _all()
    rows.update({"model-2": ("automated", False), "model-5": ("automated", False)})
    return [_results(rows)]


def _not_done():
    rows = _all()
    rows.update({"monitoring-1": ("not done", False), "monitoring-2": ("not done", False),
                 "monitoring-3": ("not done", True)})
    return [_results(rows)]


def _uneven_sections():
    rows = _all()
    rows.update({"infrastructure-1": ("automated", False), "infrastructure-7": ("not done", False)})
    rows.update({f"monitoring-{i}": ("by hand", True) for i in range(1, 8)})
    rows.update({"model-3": ("by hand", True)})
    return [_results(rows)]


def _missing_tests():
    rows = _all()
    for test in ("data-6", "model-3", "model-4", "monitoring-5"):
        del rows[test]
    return [_results(rows)]


def _random_tables():
    from shipml.governance.ml_test_score import TESTS

    rng = np.random.default_rng(14)
    tables = []
    for _ in range(6):
        chosen = [t for t in TESTS if rng.random() < 0.8]
        rows = {t: (str(rng.choice(["automated", "by hand", "not done"])), bool(rng.random() < 0.75)) for t in chosen}
        table = _results(rows)
        tables.append(table.iloc[rng.permutation(len(table))].reset_index(drop=True))
    return tables


def _system_evidence():
    from shipml.system.readiness import evidence

    return [_results({t: (how, how != "not done") for t, (how, _) in evidence().items()})]


def _expect_scores(got, table, what: str) -> None:
    from shipml.governance.ml_test_score import SECTIONS
    from shipml.system.readiness import score_table

    if not isinstance(got, dict):
        raise WrongType(f"Expected a dict of scores for {what}, got {kind_of(got)}.")
    want = score_table(table)
    for key in (*SECTIONS, "final"):
        expect(key in got, f"Your scores for {what} should have the key {key!r}.")
        expect_number(got[key], want[key], tol=1e-9, what=f"the {key} score for {what}")


for _name, _hint, _hidden, _tables, _what in [
    ("all 28 automated and passing: 7 in every section", "Each automated, passing test is one point.", False,
     _all_automated, "every test automated and passing"),
    ("a test done by hand counts half a point", "'by hand' and passed is 0.5, not 1.", False, _data_by_hand,
     "the data tests done by hand"),
    ("a failing automated test counts nothing", "An automated test that did not pass scores 0: it is a defect, "
     "not credit.", False, _failing_automated, "two failing model tests"),
    ("a test not done counts nothing", "'not done' scores 0 whatever `passed` says.", False, _not_done,
     "three monitoring tests not done"),
    ("the final score is the weakest section", "The final is min() of the four sections, not their mean or sum.",
     False, _uneven_sections, "sections of uneven strength"),
    ("a test missing from the table counts nothing", "Start every section at 0 and add the points of the rows "
     "there are.", False, _missing_tests, "a table without four of the tests"),
    ("random tables, rows in any order", None, True, _random_tables, "a random table"),
    ("this system's evidence, every check passing", None, True, _system_evidence, "the system's evidence"),
]:
    ex3.case(_name, hint=_hint, hidden=_hidden,
             observe=lambda fn, _tables=_tables: [fn(table) for table in _tables()],
             judge=lambda got, _tables=_tables, _what=_what: [_expect_scores(g, t, _what)
                                                              for g, t in zip(got, _tables(), strict=True)])


# --- exercise 4: promote or roll back ------------------------------------------------------------------

ex4 = exercise(
    "ch14-ex4",
    title="Promote the retrained model or roll it back",
    hints=[
        "Four conditions, all needed to promote: the new model's PR-AUC is higher, the interval's low end is above "
        "-tolerance, the p99 is within the SLO, and no request failed.",
        "Chapter 9's `canary_decision` has the first two; the service's health adds the last two. Any one failing "
        "means 'roll back'.",
        "`promote = new > old and low > -tolerance and p99_ms <= slo_ms and errors == 0`; return 'promote' or "
        "'roll back', exactly these strings.",
    ],
)

CANARY = {"pr_auc_old": 0.61, "pr_auc_new": 0.66, "low": -0.01, "tolerance": 0.05, "p99_ms": 12.0, "slo_ms": 50.0,
          "errors": 0}


def _expect_decision(got, canary: dict, what: str) -> None:
    from shipml.monitoring.rollout import promote_or_roll_back

    if not isinstance(got, str):
        raise WrongType(f"Expected 'promote' or 'roll back' for {what}, got {kind_of(got)}.")
    expect_equal(got, promote_or_roll_back(canary), what=f"the decision for {what}")


for _name, _hint, _hidden, _changes, _what in [
    ("a better model on a healthy service is promoted", "Every condition holds here: promote.", False,
     [{}], "a better model, p99 12 ms of 50, no errors"),
    ("a model no better than the champion is rolled back", "Promote only when pr_auc_new > pr_auc_old.", False,
     [{"pr_auc_new": 0.59}], "a new PR-AUC below the old one"),
    ("an interval reaching below -tolerance is rolled back",
     "The point estimate is not enough: the interval's low end must be above -tolerance.", False,
     [{"low": -0.09}], "an interval whose low end is -0.09 with a tolerance of 0.05"),
    ("a p99 over the SLO is rolled back", "A better model on a slow service still breaks the SLO.", False,
     [{"p99_ms": 63.0}], "a p99 of 63 ms against a 50 ms SLO"),
    ("errors during the canary roll it back", "One failed request is enough to roll back.", False,
     [{"errors": 3}], "three failed requests"),
    ("the boundaries", None, True,
     [{"pr_auc_new": 0.61}, {"low": -0.05}, {"p99_ms": 50.0}, {"tolerance": 0.0, "low": 0.001},
      {"tolerance": 0.0, "low": 0.0}], "a canary at a boundary"),
]:
    ex4.case(_name, hint=_hint, hidden=_hidden,
             observe=lambda fn, _changes=_changes: [fn({**CANARY, **change}) for change in _changes],
             judge=lambda got, _changes=_changes, _what=_what: [
                 _expect_decision(g, {**CANARY, **change}, _what) for g, change in zip(got, _changes, strict=True)])


# --- exercise 5: the memo's headline ----------------------------------------------------------------------

ex5 = exercise(
    "ch14-ex5",
    title="The decision memo's headline",
    hints=[
        "Copy the two savings; the net is the saving against the rule minus what the service costs a month.",
        "Latency: 'within the SLO' when p99_ms <= slo_ms, else 'over the SLO'; fairness: 'within the limit' when "
        "fpr_gap <= max_fpr_gap, else 'over the limit'.",
        "Recommend 'ship' only when saved_vs_rule_low - monthly_cost > 0 (the interval's low end pays for the "
        "service, not the point estimate), the latency is within the SLO and the fairness within the limit; "
        "otherwise 'do not ship'.",
    ],
)

MEMO = {"saved_vs_none": 2_410_000.0, "saved_vs_rule": 905_000.0, "saved_vs_rule_low": 618_000.0,
        "monthly_cost": 1_314.0, "p99_ms": 11.2, "slo_ms": 50.0, "fpr_gap": 0.004, "max_fpr_gap": 0.05}
HEADLINE_KEYS = ("saved against no model", "saved against the rule", "net of running cost", "latency", "fairness",
                 "recommendation")


def _expect_headline(got, results: dict, keys, what: str) -> None:
    from shipml.system.memo import headline

    if not isinstance(got, dict):
        raise WrongType(f"Expected the headline as a dict for {what}, got {kind_of(got)}.")
    want = headline(results)
    for key in keys:
        expect(key in got, f"Your headline for {what} should have the key {key!r}.")
        if isinstance(want[key], str):
            if not isinstance(got[key], str):
                raise WrongType(f"Expected text for {key!r} ({what}), got {kind_of(got[key])}.")
            expect_equal(got[key], want[key], what=f"{key!r} for {what}")
        else:
            expect_number(got[key], want[key], tol=1e-6, what=f"{key!r} for {what}")


for _name, _hint, _hidden, _changes, _keys, _what in [
    ("the money saved, against no model and against the rule", "Copy saved_vs_none and saved_vs_rule.", False,
     [{}], HEADLINE_KEYS[:2], "the run's numbers"),
    ("the saving net of the running cost", "Net is saved_vs_rule minus monthly_cost.", False,
     [{}, {"monthly_cost": 40_000.0}], HEADLINE_KEYS[2:3], "the run's numbers"),
    ("latency within or over the SLO", "Compare p99_ms with slo_ms: at most the SLO is within it.", False,
     [{}, {"p99_ms": 61.0}], HEADLINE_KEYS[3:4], "a fast and a slow service"),
    ("fairness within or over the limit", "Compare fpr_gap with max_fpr_gap.", False,
     [{}, {"fpr_gap": 0.08}], HEADLINE_KEYS[4:5], "a small and a large false-positive-rate gap"),
    ("ship only when the interval's low end pays for the service",
     "The point estimate pays here, but the low end of the saving's interval does not: do not ship.", False,
     [{}, {"saved_vs_rule": 1_500.0, "saved_vs_rule_low": 900.0}], HEADLINE_KEYS[5:],
     "a saving whose low end is below the running cost"),
    ("do not ship a slow or unfair service", "The money is not enough: the SLO and the fairness limit count too.",
     False, [{"p99_ms": 61.0}, {"fpr_gap": 0.08}], HEADLINE_KEYS[5:], "a slow, then an unfair service"),
    ("the boundaries, and a loss", None, True,
     [{"p99_ms": 50.0}, {"fpr_gap": 0.05}, {"saved_vs_rule_low": 1_314.0},
      {"saved_vs_none": -5_000.0, "saved_vs_rule": -12_000.0, "saved_vs_rule_low": -30_000.0}],
     HEADLINE_KEYS, "a run at a boundary"),
]:
    ex5.case(_name, hint=_hint, hidden=_hidden,
             observe=lambda fn, _changes=_changes: [fn({**MEMO, **change}) for change in _changes],
             judge=lambda got, _changes=_changes, _keys=_keys, _what=_what: [
                 _expect_headline(g, {**MEMO, **change}, _keys, _what)
                 for g, change in zip(got, _changes, strict=True)])


# --- exercise 7: the whole system -----------------------------------------------------------------------

ex7 = exercise(
    "ch14-ex7",
    title="The whole system: one run, every contract",
    hints=[
        "Run the system with `run_system(config, folder)` and assign what it returns to `my_run`.",
        "`config = SystemConfig(load_seconds=1.0)` keeps the load test short; the folder is where the cache and "
        "the state go (a second run on it reuses every stage).",
        "`my_run = run_system(SystemConfig(load_seconds=1.0), workdir / 'run')`; the checks read its tables.",
    ],
    timeout_s=30.0,
)

ARTIFACT_ROWS = 50  # the request table's first payments, scored again from the artifact


def _system(run):
    for name in ("table", "ran", "reused", "artifact_folder", "state"):
        if not hasattr(run, name):
            raise WrongType(f"Expected the SystemRun that run_system returns, got {kind_of(run)}.")
    return run


def _observe_artifact(run, rows=slice(0, ARTIFACT_ROWS)):
    from shipml.serving.artifact import load_artifact

    run = _system(run)
    answers = run.table("answers").iloc[rows]
    history = run.table("transactions")
    payments = history.set_index("transaction_id").loc[answers["transaction_id"]].reset_index()
    artifact = load_artifact(run.artifact_folder())
    return {"scores": np.asarray(artifact.score(payments, history), dtype=float),
            "offline": answers["offline"].to_numpy(dtype=float)}


def _judge_artifact(seen):
    scores, offline = seen["scores"], seen["offline"]
    expect(len(offline) > 0, "The run's answers table is empty: the service stage answered nothing.")
    expect(scores.shape == offline.shape, f"The artifact gave {scores.shape[0]} scores for {offline.shape[0]} payments.")
    worst = float(np.max(np.abs(scores - offline)))
    expect(worst < 1e-6, f"The artifact's scores differ from the offline ones by up to {worst:.2g}: the exported "
           "model is not the one that was evaluated.")


def _observe_service(run):
    run = _system(run)
    figures = run.table("service").set_index("figure")["value"]
    return {"answered": float(figures["requests answered"]), "requests": len(run.table("answers")),
            "difference": float(figures["largest served-offline difference"])}


def _judge_service(seen):
    expect(seen["requests"] > 0 and seen["answered"] == seen["requests"], f"The server answered "
           f"{seen['answered']:.0f} of the {seen['requests']} requests of the request table.")
    expect(seen["difference"] < 1e-6, f"The served scores differ from the offline ones by up to "
           f"{seen['difference']:.2g} (the limit is 1e-6): training-serving skew.")


def _observe_detection(run):
    table = _system(run).table("detection").set_index("detector").drop(columns="false_alarms", errors="ignore")
    return {str(d): {str(i): (None if pd.isna(v) else float(v)) for i, v in row.items()}
            for d, row in table.iterrows()}


def _judge_detection(seen):
    cents = [seen.get(d, {}).get("cents") for d in ("health", "input PSI")]
    expect(any(delay == 0 for delay in cents), "Neither the health check nor the input PSI caught the 'cents' "
           f"incident on its first day (their delays: {cents}).")
    pattern = seen.get("PR-AUC (7 days)", {}).get("new fraud pattern")
    expect(pattern is not None and math.isfinite(pattern), "The 7-day PR-AUC alarm never caught the 'new fraud "
           "pattern': only labels can show concept drift.")


def _observe_rollout(run):
    return str(_system(run).table("rollout")["decision"].iloc[0])


def _judge_rollout(decision):
    expect(decision in ("promote", "roll back"), f"The canary should decide 'promote' or 'roll back'; the run's "
           f"rollout table says {decision!r}.")


def _observe_audit(run):
    from shipml.governance.audit import verify

    run = _system(run)
    path = Path(run.state) / "audit.jsonl"
    return {"table": bool(run.table("audit")["ok"].iloc[0]), "exists": path.exists(),
            "file": bool(verify(path)) if path.exists() else False}


def _judge_audit(seen):
    expect(seen["exists"], "The run's audit log (state/audit.jsonl) is gone: keep the run's folder.")
    expect(seen["table"], "The govern stage found the audit log broken.")
    expect(seen["file"], "The audit log does not verify now: an entry was changed, deleted or moved.")


def _observe_stages(run):
    run = _system(run)
    return {"ran": [str(s) for s in run.ran], "reused": [str(s) for s in run.reused]}


def _judge_stages(seen):
    from shipml.system.run import STAGES

    done = set(seen["ran"]) | set(seen["reused"])
    missing = [s.name for s in STAGES if s.name not in done]
    expect(not missing, f"The stages {', '.join(missing)} neither ran nor were reused: run the whole system.")


for _name, _hint, _hidden, _observe, _judge in [
    ("the exported artifact loads and scores as the evaluation did",
     "The artifact is the export stage's table; `my_run.artifact_folder()` writes it out.", False,
     _observe_artifact, _judge_artifact),
    ("the server answered the request table with the offline scores", None, False, _observe_service,
     _judge_service),
    ("the monitor caught the incidents", None, False, _observe_detection, _judge_detection),
    ("the canary decided", None, False, _observe_rollout, _judge_rollout),
    ("the audit log verifies", None, False, _observe_audit, _judge_audit),
    ("every stage ran or was reused", None, False, _observe_stages, _judge_stages),
    ("the artifact scores the rest of the request table too", None, True,
     lambda run: _observe_artifact(run, slice(ARTIFACT_ROWS, None)), _judge_artifact),
]:
    ex7.case(_name, hint=_hint, hidden=_hidden, observe=_observe, judge=_judge)
