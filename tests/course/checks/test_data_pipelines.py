"""Chapter 4's checks pass the reference answers and call a stub not attempted (wrong answers: wrong_data_pipelines.py)."""

import numpy as np
import pandas as pd
import pytest

from shipml.course import checks
from shipml.evaluation.leakage import split_rows
from shipml.features.point_in_time import account_features
from shipml.data.validation import raw_schema, reconcile


def _status(exercise_id, target):
    return checks.run(exercise_id, target, include_hidden=True)


def _failed(result):
    return [c.name for c in result.cases if c.status != "passed"]


@pytest.mark.parametrize("exercise_id", ["ch04-ex2", "ch04-ex3", "ch04-ex4", "ch04-ex5"])
def test_is_a_stub_not_attempted(exercise_id):
    assert checks.run(exercise_id, None).status == "not attempted"


# --- ex2: the schema ---


def test_does_the_reference_schema_pass():
    assert _status("ch04-ex2", raw_schema()).passed


def test_is_a_schema_that_is_not_a_schema_an_error():
    result = checks.run("ch04-ex2", {"amount": "float"})
    assert result.status == "error" and "DataFrameSchema" in result.cases[0].message


# --- ex3: the point-in-time feature ---


def _reference(df):
    return account_features(df, df)["tx_last_24h"]


def test_does_the_reference_feature_pass():
    assert _status("ch04-ex3", _reference).passed


# --- ex4: reconciliation ---


def test_does_the_reference_reconcile_pass():
    assert _status("ch04-ex4", reconcile).passed


# --- ex5: the split ---


def test_does_the_reference_split_pass():
    assert _status("ch04-ex5", split_rows).passed


# --- observe, then judge: plain data only ---


REFERENCES = (("ch04-ex2", raw_schema()), ("ch04-ex3", _reference), ("ch04-ex4", reconcile), ("ch04-ex5", split_rows))


@pytest.mark.parametrize("exercise_id, answer", REFERENCES)
def test_does_a_judge_get_only_plain_data_and_pass_the_reference_on_it(exercise_id, answer):
    seen = checks.observe(exercise_id, answer, include_hidden=True)
    assert [o.status for o in seen] == ["observed"] * len(seen), [o.to_dict() for o in seen]
    for observation in seen:
        checks.plain(observation.value)  # raises WrongType on anything but plain data
    assert checks.judge(exercise_id, seen, include_hidden=True).passed


def test_does_the_reconcile_batch_of_the_checks_have_duplicates_and_quarantine():
    from shipml.course.checks.data_pipelines import _small_batch

    _, _, quarantine, dups = _small_batch()
    assert dups > 0 and len(quarantine) > 0


def test_does_a_truthy_object_not_pass_for_true():
    class Truthy:
        def __eq__(self, other):
            return True

        def __bool__(self):
            return True

    result = _status("ch04-ex4", lambda df_in, df_out, df_quarantine, duplicates_removed: Truthy())
    assert result.cases[0].status == "failed" and not result.passed


def test_does_an_array_that_claims_to_equal_everything_not_pass():
    class Sly(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(other), dtype=bool)

    def sly_counts(df):
        return np.full(len(df), 99.0).view(Sly)

    result = _status("ch04-ex3", sly_counts)
    assert not result.passed and result.status in ("failed", "error"), result.summary()


def test_does_the_clean_data_hint_give_the_batch_the_check_uses():
    from shipml.course.checks import get_exercise
    from shipml.course.checks.data_pipelines import defect_batch
    from shipml.data import transactions
    from shipml.data.ingestion import as_text

    hint = get_exercise("ch04-ex2").cases["clean data: nothing is flagged"].hint
    assert "as_text(transactions(days=1, seed=7, defects={}))" in hint
    assert as_text(transactions(days=1, seed=7, defects={})).equals(defect_batch(None))


def test_does_the_naive_batch_plant_times_without_an_offset_only():
    from shipml.course.checks.data_pipelines import NAIVE, defect_batch, naive_batch, planted_rows

    df_text, clean = naive_batch(), defect_batch(None)
    planted = planted_rows(df_text, NAIVE)
    assert len(planted) > 10 and planted_rows(clean, NAIVE) == set()
    changed = set(df_text.index[df_text.timestamp != clean.timestamp])
    assert changed == planted
    assert pd.to_datetime(df_text.timestamp[sorted(planted)], format="ISO8601").dt.tz is None
