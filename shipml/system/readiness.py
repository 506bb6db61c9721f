"""The ML Test Score of the running system, computed by running the checks that evidence each test.

    from shipml.system.readiness import CHECKS, assess, evidence, score_table, explore
    table = assess(run)                      # one row per rubric test: how, check, passed, detail, points
    score_table(table)                       # {"data": 4.5, "model": 6.0, ..., "final": 4.5}
    assess(run, disabled={"data-1"})         # the schema check switched off: the score drops
    score_table(results)                     # the points of a table of test results (test, how, passed)
    explore({"data-1", "monitoring-3"})      # the score if every check passed but these

The rubric is Breck et al. (2017), as `shipml.governance.ml_test_score` holds
it: 28 tests, seven in each of four sections. Each test of this system is
evidenced one of three ways:

- **automated**: a check function in `CHECKS` that the one command runs on
  every run (`python -m shipml.system.run`), reading what the stages
  produced; a full point when it passes, nothing when it fails (the paper
  asks that the assertion hold: a failing test is a defect to fix, not
  credit);
- **by hand**: a sign-off in `signoffs.yaml` (who, when, what they looked
  at), for a test only a person can do here; half a point;
- **not done**: neither; nothing.

A section's score is the sum of its seven tests; the final score is the
lowest section's, so the system is as ready as its weakest side. Nobody types
a point: switch a check off (`disabled`) and its test falls back to its
sign-off, if it has one, or to nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

from shipml.governance.ml_test_score import AUTOMATED, BY_HAND, POINTS, TESTS, score

__all__ = ["CHECKS", "NOT_DONE", "SIGNOFFS_FILE", "Check", "SignOff", "assess", "evidence", "explore",
           "load_signoffs", "score_table"]

NOT_DONE = "not done"
SIGNOFFS_FILE = Path(__file__).with_name("signoffs.yaml")
REPOSITORY = Path(__file__).resolve().parents[2]


class Check(NamedTuple):
    """An executable check: its name and a function of the run -> (passed, one sentence of detail)."""

    name: str
    fn: Callable


class SignOff(NamedTuple):
    """A test done by hand: who did it, on which day, and what they looked at."""

    by: str
    on: dt.date
    what: str


# --- the checks: each reads the run's tables (plain data the stages wrote) ---------------------------


def _gate(run, name):
    return run.table("gates").set_index("gate").loc[name]


def _figure(run, table, name):
    return float(run.table(table).set_index("figure").loc[name, "value"])


def _schema(run):
    from shipml.data.validation import failed_rows
    from shipml.serving.requests import GOOD

    report = run.table("ingest_report")
    every_batch = bool((report["status"] == "ingested").all())
    bad = pd.DataFrame([{**{k: str(v) for k, v in GOOD.items()}, "transaction_id": "tx9999999", "is_fraud": "0",
                         "age_band": "26-40", "amount": "-5"}])
    refused = len(failed_rows(bad)) == 1
    quarantined = int(report["quarantined"].sum())
    return every_batch and refused and quarantined > 0, (
        f"the contract's schema ran on {len(report)} batches, quarantined {quarantined} rows, and refuses a "
        f"negative amount: {'yes' if refused else 'no'}")


def _meta_level(run):
    meta = json.loads(bytes(run.table("artifact").set_index("file").loc["meta.json", "content"]))
    names = " ".join(meta.get("feature_names", []))
    forbidden = [c for c in ("age_band", "is_fraud", "account_id", "transaction_id") if c in names]
    return not forbidden, ("no feature is built from " + ", ".join(("age_band", "is_fraud", "account_id")) if not
                           forbidden else f"the model reads {', '.join(forbidden)}")


def _feature_code_tested(run):
    import shipml.features as package

    modules = sorted(p.stem for p in Path(package.__file__).parent.glob("*.py") if p.stem != "__init__")
    tests = REPOSITORY / "tests" / "features"
    missing = [m for m in modules if not (tests / f"test_{m}.py").exists()]
    return not missing, (f"each of the {len(modules)} feature modules has a test file" if not missing
                         else f"no tests for {', '.join(missing)}")


def _offline_online(run):
    daily = run.table("daily")
    first_week = daily[(daily["day"] >= 0) & (daily["day"] < 7)]
    gate = _gate(run, "PR-AUC")
    realised = float(first_week["PR-AUC (7 days)"].iloc[-1])
    inside = gate["low"] - 0.05 <= realised <= gate["high"] + 0.05
    return bool(inside), (f"the served model's PR-AUC over the month's first week, {realised:.3f}, against the "
                          f"offline interval {gate['low']:.3f} to {gate['high']:.3f} (margin 0.05)")


def _staleness(run):
    rollout = run.table("rollout").iloc[0]
    known = "shadow_gain" in rollout and np.isfinite(rollout["shadow_gain"])
    return bool(known), (f"a model retrained on recent weeks beats the stale one by {rollout['shadow_gain']:+.3f} "
                         "PR-AUC on the drifted days" if known else "no retrain was measured")


def _simpler(run):
    gate = _gate(run, "saved a month against the rule")
    return bool(gate["passed"]), f"against the bank's rule: {gate['value']:,.0f} EUR a month, interval low end {gate['low']:,.0f}"


def _slices(run):
    row = run.slice_gate
    return bool(row["passed"]), f"{row['slice']}: {row['value']:+,.0f} EUR against the rule"


def _inclusion(run):
    gate = _gate(run, "false-positive-rate gap")
    return bool(gate["passed"]), f"false-positive-rate gap between age bands {gate['value']:.4f} (limit {gate['limit']})"


def _reproducible(run):
    from shipml.workflows import train as training

    config = run.config.training()
    again, _ = training.train.fn(run.table("features"), seed=config.seed, depth=config.depth, width=config.width,
                                 lr=config.lr, batch_size=config.batch_size, max_epochs=config.max_epochs,
                                 patience=config.patience, threads=config.threads, deterministic=config.deterministic)
    same = again.equals(run.table("weights"))
    return same, "training again from the same features gives " + ("the same weights" if same else "other weights")


def _spec_unit(run):
    import torch

    from shipml.modeling.mlp import FraudMLP

    config = run.config.training()
    model = FraudMLP(8, width=config.width, depth=config.depth)
    out = model(torch.zeros(3, 8))
    ok = tuple(out.shape) in ((3,), (3, 1)) and bool(torch.isfinite(out).all())
    return ok, f"the spec (depth {config.depth}, width {config.width}) builds and scores a batch of 3"


def _integration(run):
    lineage = run.run.lineage
    produced = {name: record["outputs"][name]["hash"] for record in lineage.values() for name in record["outputs"]}
    broken = [f"{s}.{i}" for s, record in lineage.items() for i, h in record["inputs"].items()
              if i in produced and produced[i] != h]
    return not broken and len(lineage) >= 10, (f"{len(lineage)} stages ran or were reused, each input the output "
                                               "it names" if not broken else f"broken links: {', '.join(broken)}")


def _validated_before_serving(run):
    gates = run.table("gates")
    blocking = gates[gates["blocking"].astype(bool)]
    exported = len(run.table("artifact")) > 0
    return bool(blocking["passed"].all()) and exported, (f"{int(blocking['passed'].sum())} of {len(blocking)} "
                                                         "blocking gates passed before the export")


def _debuggable(run):
    """One served payment stepped through the model by hand: its columns' log-odds add up to the served score."""
    from shipml.governance.explain import contributions, linear_weights
    from shipml.modeling.production import production_features
    from shipml.serving.artifact import load_artifact

    answers, transactions = run.table("answers"), run.table("transactions")
    if answers.empty or not np.isfinite(answers["served"]).all():
        return False, "no served payment to step through"
    artifact = load_artifact(run.artifact_folder())  # the exported model, the one the server answered with
    try:
        coef, intercept = linear_weights(artifact.model)
    except ValueError as error:
        return False, f"the model cannot be stepped through by hand: {error}"
    served = transactions[transactions["transaction_id"].isin(answers["transaction_id"])]
    rows = production_features(served, transactions) if artifact.account_features else served
    top = answers.set_index("transaction_id")["served"].idxmax()  # the payment the model was surest of
    parts = contributions(artifact.encoder, artifact.model, rows, rows)  # each column against the average payment
    one = parts[(rows["transaction_id"] == top).to_numpy()].iloc[0]
    average = float(artifact.encoder.transform(rows).mean(axis=0) @ coef)
    logit = intercept + average + float(one.sum())
    stepped = 1.0 / (1.0 + np.exp(-logit))
    served_score = float(answers.set_index("transaction_id").loc[top, "served"])
    reason = one.idxmax()
    return bool(abs(stepped - served_score) < 1e-5), (
        f"payment {top}: the average payment's log-odds {intercept + average:+.2f}, plus its {len(one)} columns' "
        f"(most: {reason} {one[reason]:+.2f}), give {logit:+.2f}, a score of {stepped:.4f}; "
        f"the server answered {served_score:.4f}")


def _canary(run):
    decision = str(run.table("rollout")["decision"].iloc[0])
    return decision in ("promote", "roll back"), f"the retrained model went through a canary: {decision}"


def _rollback(run):
    state = run.state / "models"
    from shipml.serving.artifact import activate, current_version, load_artifact

    if not (state / "CURRENT").exists():
        return False, "no models root with a CURRENT version"
    now = current_version(state)
    champion = str(run.table("rollout")["champion"].iloc[0])
    activate(state, champion)
    loaded = load_artifact(state).version
    activate(state, now)
    return loaded == champion, f"activating {champion} again loads it; {now} is active again"


def _dependencies(run):
    from shipml.workflows.environment import check_lock, read_lock

    lock = REPOSITORY / "requirements.lock"
    if not lock.exists():
        return False, "no requirements.lock to compare with"
    table = check_lock(read_lock(lock))
    differ = table[table["status"] != "ok"]
    return len(differ) == 0, (f"all {len(table)} pinned packages are installed as locked" if len(differ) == 0
                              else f"{len(differ)} packages differ from the lock")


def _invariants(run):
    detection = run.table("detection").set_index("detector")
    caught = float(detection.loc["health", "cents"]) == 0
    return caught, "the health check caught the cents day on the day itself" if caught else "missed the cents day"


def _skew(run):
    difference = _figure(run, "service", "largest served-offline difference")
    return difference < 1e-6, f"largest difference between served and offline scores: {difference:.2g}"


def _not_stale(run):
    rollout = run.table("rollout").iloc[0]
    if "retrain_day" not in rollout:
        return False, "no retrain was triggered"
    lag = int(rollout["retrain_day"]) - int(rollout["heard_day"])
    return lag <= 28, f"retrained {lag} days after the alarm was heard (limit 28)"


def _numerical(run):
    answers = run.table("answers")
    daily = run.table("daily")
    finite = bool(np.isfinite(answers["served"]).all()) and bool(answers["served"].between(0, 1).all())
    return finite and bool(daily["score PSI"].notna().all()), "every served score is a finite probability"


def _performance(run):
    p99, slo = _figure(run, "service", "p99"), _figure(run, "service", "SLO")
    errors = _figure(run, "service", "load errors")
    return p99 <= slo and errors == 0, f"p99 {p99:.1f} ms against the {slo:.0f} ms SLO, {errors:.0f} errors"


def _quality(run):
    detection = run.table("detection").set_index("detector")
    delay = float(detection.loc["PR-AUC (7 days)", "new fraud pattern"])
    return bool(np.isfinite(delay)), (f"the PR-AUC alarm was heard {delay:.0f} days after the new fraud pattern began"
                                      if np.isfinite(delay) else "the PR-AUC alarm never fired")


#: test id -> the check that evidences it automatically in this system.
CHECKS: dict[str, Check] = {
    "data-1": Check("schema", _schema),
    "data-4": Check("meta-level requirements", _meta_level),
    "data-7": Check("feature code tested", _feature_code_tested),
    "model-2": Check("offline and online PR-AUC", _offline_online),
    "model-4": Check("staleness measured", _staleness),
    "model-5": Check("against the rule", _simpler),
    "model-6": Check("slices", _slices),
    "model-7": Check("fairness gap", _inclusion),
    "infrastructure-1": Check("reproducible training", _reproducible),
    "infrastructure-2": Check("model spec builds", _spec_unit),
    "infrastructure-3": Check("pipeline lineage", _integration),
    "infrastructure-4": Check("gates before export", _validated_before_serving),
    "infrastructure-5": Check("a payment stepped through the model", _debuggable),
    "infrastructure-6": Check("canary", _canary),
    "infrastructure-7": Check("rollback", _rollback),
    "monitoring-1": Check("lock against installed", _dependencies),
    "monitoring-2": Check("health check", _invariants),
    "monitoring-3": Check("served equals offline", _skew),
    "monitoring-4": Check("retrained in time", _not_stale),
    "monitoring-5": Check("finite scores", _numerical),
    "monitoring-6": Check("latency under load", _performance),
    "monitoring-7": Check("quality alarm", _quality),
}


def load_signoffs(path=SIGNOFFS_FILE) -> dict[str, SignOff]:
    """The sign-offs of tests done by hand: {test id: SignOff}; a bad entry is a ValueError naming it."""
    import yaml

    path = Path(path)
    if not path.exists():
        return {}
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(entries, list):
        raise ValueError(f"{path.name} holds a list of sign-offs (test, by, on, what).")
    signoffs = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name}, sign-off {number}"
        if not isinstance(entry, dict) or set(entry) != {"test", "by", "date", "what"}:
            raise ValueError(f"{where}: a sign-off has exactly the fields test, by, date and what.")
        if entry["test"] not in TESTS:
            raise ValueError(f"{where}: {entry['test']!r} is not a test of the rubric.")
        on = entry["date"]
        if not isinstance(on, dt.date) or on > dt.date.today():
            raise ValueError(f"{where}: 'date' is the day it was done (YYYY-MM-DD, not in the future), not {on!r}.")
        if not str(entry["by"]).strip() or len(str(entry["what"]).split()) < 5:
            raise ValueError(f"{where}: say who signed it off and what they looked at, in a sentence.")
        signoffs[entry["test"]] = SignOff(str(entry["by"]), on, str(entry["what"]))
    return signoffs


def _points(how: str, passed) -> float:
    """A test's points: POINTS for how it was done when it passed, nothing otherwise."""
    return float(POINTS[how]) if bool(passed) and how in POINTS else 0.0


def _known(tests) -> None:
    unknown = sorted(set(tests) - set(TESTS))
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a test of the rubric; the ids run from 'data-1' to 'monitoring-7'.")


def assess(run, disabled=(), signoffs=None) -> pd.DataFrame:
    """Run every check on `run` (except `disabled`); one row per test: how, check, passed, detail, points."""
    _known(disabled)
    signoffs = load_signoffs() if signoffs is None else signoffs
    rows = []
    for test, name in TESTS.items():
        row = {"test": test, "section": test.rsplit("-", 1)[0], "name": name}
        if test in CHECKS and test not in disabled:
            check = CHECKS[test]
            try:
                passed, detail = check.fn(run)
            except Exception as error:  # a check that cannot run has not shown anything
                passed, detail = False, f"the check could not run: {type(error).__name__}: {error}"
            row.update(how=AUTOMATED, evidence=check.name, passed=bool(passed), detail=detail)
        elif test in signoffs:
            s = signoffs[test]
            row.update(how=BY_HAND, evidence=f"signed off by {s.by} on {s.on:%Y-%m-%d}", passed=True, detail=s.what)
        else:
            row.update(how=NOT_DONE, evidence="", passed=False,
                       detail="switched off" if test in disabled else "no check and no sign-off")
        rows.append(row)
    table = pd.DataFrame(rows)
    table["points"] = [_points(h, p) for h, p in zip(table["how"], table["passed"])]
    return table


def score_table(results) -> dict[str, float]:
    """Each section's score and the final (lowest) from a table of test results: test, how, passed."""
    if not isinstance(results, pd.DataFrame):
        raise ValueError(f"results is a table (DataFrame) with the columns test, how and passed, not "
                         f"{type(results).__name__}.")
    missing = [c for c in ("test", "how", "passed") if c not in results.columns]
    if missing:
        raise ValueError(f"results needs the column {missing[0]!r} (test, how and passed).")
    if results["test"].duplicated().any():
        raise ValueError(f"the test {results['test'][results['test'].duplicated()].iloc[0]!r} is listed twice.")
    marks = {}
    _known(results["test"])
    for row in results.itertuples():
        if row.how not in (AUTOMATED, BY_HAND, NOT_DONE):
            raise ValueError(f"{row.test} is done {AUTOMATED!r}, {BY_HAND!r} or {NOT_DONE!r}, not {row.how!r}.")
        marks[row.test] = _points(row.how, row.passed)
    return score(marks)


def evidence() -> dict[str, tuple[str, str]]:
    """How this system evidences each test, without running anything: {test: (how, the check or the sign-off)}."""
    signoffs = load_signoffs()
    out = {}
    for test in TESTS:
        if test in CHECKS:
            out[test] = (AUTOMATED, CHECKS[test].name)
        elif test in signoffs:
            out[test] = (BY_HAND, signoffs[test].what)
        else:
            out[test] = (NOT_DONE, "")
    return out


def explore(disabled=()) -> dict[str, float]:
    """The score if every check passed except the `disabled` tests' (which then fall back to nothing)."""
    _known(disabled)
    table = pd.DataFrame([{"test": t, "how": NOT_DONE if t in disabled else how, "passed": t not in disabled}
                          for t, (how, _) in evidence().items()])
    return score_table(table)
