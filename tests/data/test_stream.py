"""Tests of shipml.data.transactions: the course's card-transaction stream."""

import functools
import socket
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from shipml.data import (
    AGE_BANDS,
    COLUMNS,
    COUNTRIES,
    MERCHANT_CATEGORIES,
    UNKNOWN_CATEGORIES,
    Defects,
    Drift,
    transactions,
)

DAYS = 120  # about 120,000 payments
DRIFT_START = pd.Timestamp("2026-03-15", tz="UTC")
ALL_DEFECTS = {
    "duplicates": 0.01, "missing": 0.02, "wrong_types": 0.005, "negative_amounts": 0.003,
    "late_events": 0.01, "unknown_categories": 0.002, "mixed_timezones": 0.01,
}


@pytest.fixture(scope="module")
def df():
    return transactions(days=DAYS, seed=0)


@pytest.fixture(scope="module")
def raw():
    return transactions(days=DAYS, seed=0, defects=ALL_DEFECTS)


@functools.cache
def _drifted(knobs):
    return transactions(days=DAYS, seed=0, drift={"start": "2026-03-15", **dict(knobs)})


def drifted(**knobs):
    """The 100k frame with drift from 2026-03-15; made once per set of knobs (tests only read it)."""
    return _drifted(tuple(sorted(knobs.items())))


def simple_features(frame):
    """The features a first model would use: no account history, no interactions."""
    X = pd.DataFrame({
        "log_amount": np.log(frame["amount"]),
        "online": (frame["channel"] == "online").astype(float),
        "night": (frame["hour"] <= 5).astype(float),
        "abroad": (frame["country"] != frame["home_country"]).astype(float),
        "new_account": (frame["account_age_days"] < 30).astype(float),
        "swipe": (frame["device"] == "swipe").astype(float),
    })
    return pd.concat([X, pd.get_dummies(frame["merchant_category"], dtype=float)], axis=1)


# --- the clean frame ---


def test_the_stream_is_prefix_stable_a_week_is_the_first_week_of_a_month():
    week, month = transactions(days=7, seed=3), transactions(days=30, seed=3)
    first_week = month[month["timestamp"] < pd.Timestamp("2026-01-08", tz="UTC")]
    pd.testing.assert_frame_equal(week, first_week)
    assert len(month) > 4 * len(week)


def test_raw_feeds_are_prefix_stable_up_to_arrival_time():
    cut = pd.Timestamp("2026-01-08", tz="UTC")
    week = transactions(days=7, seed=3, defects=ALL_DEFECTS)
    month = transactions(days=30, seed=3, defects=ALL_DEFECTS)
    pd.testing.assert_frame_equal(week[week["ingested_at"] < cut].reset_index(drop=True),
                                  month[month["ingested_at"] < cut].reset_index(drop=True))


def test_a_day_has_about_the_scenarios_payments_and_the_accounts_are_a_fixed_sample():
    from shipml.data.scenario import SCENARIO

    frame = transactions(days=30, seed=0)
    per_day = frame.groupby(frame["timestamp"].dt.floor("D")).size()
    assert len(per_day) == 30 and abs(per_day.mean() / SCENARIO.payments_per_day - 1) < 0.03
    assert frame["account_id"].nunique() <= SCENARIO.accounts
    # The same account has the same attributes in a week and in a month.
    week = transactions(days=7, seed=0).groupby("account_id")["home_country"].first()
    assert frame.groupby("account_id")["home_country"].first().reindex(week.index).equals(week)


def test_same_seed_gives_the_same_frame_and_another_seed_another():
    a = transactions(days=2, seed=7)
    pd.testing.assert_frame_equal(a, transactions(days=2, seed=7))
    assert not a.equals(transactions(days=2, seed=8))
    assert not a["amount"].equals(transactions(days=2, seed=8)["amount"])


def test_columns_are_those_of_COLUMNS_in_order_with_clean_dtypes(df):
    assert list(df.columns) == list(COLUMNS)
    assert 115_000 < len(df) < 125_000 and df.index.equals(pd.RangeIndex(len(df)))
    assert df["timestamp"].dtype == "datetime64[us, UTC]"
    assert df["amount"].dtype == np.float64
    for column in ("hour", "account_age_days", "is_fraud"):
        assert df[column].dtype == np.int64, column
    for column in ("transaction_id", "account_id", "country", "home_country"):
        assert pd.api.types.is_string_dtype(df[column]), column
    assert list(df["merchant_category"].cat.categories) == list(MERCHANT_CATEGORIES)
    assert list(df["age_band"].cat.categories) == list(AGE_BANDS) and df["age_band"].cat.ordered
    assert not df.isna().any().any()


def test_ids_are_formatted_unique_and_in_time_order(df):
    assert df["transaction_id"].is_unique
    assert df["transaction_id"].iloc[0] == "tx0000001"
    assert df["transaction_id"].str.fullmatch(r"tx\d{7}").all()
    assert df["account_id"].str.fullmatch(r"acc\d{5}").all()
    assert 1_000 < df["account_id"].nunique() <= 5_000  # the scenario's sample of accounts
    assert df["timestamp"].is_monotonic_increasing


def test_timestamps_lie_in_the_window_from_start():
    frame = transactions(seed=1, start="2025-06-01", days=10)
    start = pd.Timestamp("2025-06-01", tz="UTC")
    assert frame["timestamp"].min() >= start
    assert frame["timestamp"].max() < start + pd.Timedelta(days=10)
    assert frame["timestamp"].dt.date.nunique() == 10


def test_values_are_plausible(df):
    amount = df["amount"]
    assert (amount > 0).all() and np.allclose(amount, amount.round(2))
    assert amount.mean() > 1.5 * amount.median()  # heavy right tail
    assert amount.quantile(0.999) > 10 * amount.median()
    assert set(df["country"]) <= set(COUNTRIES) and set(df["home_country"]) <= set(COUNTRIES)
    assert 0.03 < (df["country"] != df["home_country"]).mean() < 0.15
    assert df["hour"].between(0, 23).all() and (df["account_age_days"] >= 0).all()
    assert set(df["is_fraud"]) == {0, 1}
    assert 0.25 < (df["channel"] == "online").mean() < 0.5
    assert set(df["channel"].cat.categories) == {"card_present", "online"}


def test_device_fits_the_channel_and_contactless_stays_under_its_limit(df):
    in_shop = df["channel"] == "card_present"
    assert set(df.loc[in_shop, "device"]) == {"chip", "contactless", "swipe"}
    assert set(df.loc[~in_shop, "device"]) == {"web", "mobile_app"}
    assert df.loc[df["device"] == "contactless", "amount"].max() <= 50
    cash = df["merchant_category"] == "cash_withdrawal"
    assert (df.loc[cash, "channel"] == "card_present").all()
    assert (df.loc[cash, "amount"] % 10 == 0).all()


def test_hour_is_the_local_hour_where_the_card_holder_is(df):
    where = df["country"].where(df["channel"] == "card_present", df["home_country"])
    offset = pd.to_timedelta(where.map(COUNTRIES).astype(int), unit="h")
    assert ((df["timestamp"] + offset).dt.hour == df["hour"]).all()


def test_account_attributes_stay_fixed_per_account(df):
    per_account = df.groupby("account_id")[["home_country", "age_band"]].nunique()
    assert (per_account == 1).all().all()
    # Age grows with time within an account (one day per day).
    first = df.groupby("account_id").agg(t=("timestamp", "first"), age=("account_age_days", "first"))
    last = df.groupby("account_id").agg(t=("timestamp", "last"), age=("account_age_days", "last"))
    elapsed = (last["t"].dt.floor("D") - first["t"].dt.floor("D")).dt.days
    assert (last["age"] - first["age"] == elapsed).all()


# --- the fraud label ---


@pytest.mark.parametrize("rate", [0.005, 0.01, 0.02])
def test_fraud_rate_is_close_to_the_target(rate):
    observed = transactions(days=DAYS, seed=3, fraud_rate=rate)["is_fraud"].mean()
    assert abs(observed - rate) < 0.2 * rate


def test_fraud_is_likelier_for_each_risk_factor(df):
    typical = df.groupby("account_id")["amount"].transform("median")
    factors = {
        "spike": df["amount"] > 4 * typical,
        "new account": df["account_age_days"] < 30,
        "night online": (df["hour"] <= 5) & (df["channel"] == "online"),
        "abroad": df["country"] != df["home_country"],
        "swipe": df["device"] == "swipe",
        "risky category": df["merchant_category"].isin(["electronics", "online_services", "cash_withdrawal"]),
    }
    for name, mask in factors.items():
        with_factor, without = df.loc[mask, "is_fraud"].mean(), df.loc[~mask, "is_fraud"].mean()
        assert with_factor > 2 * without, name


def test_risks_interact_so_together_they_weigh_more_than_apart(df):
    night, online = df["hour"] <= 5, df["channel"] == "online"
    abroad, swipe = df["country"] != df["home_country"], df["device"] == "swipe"
    for a, b in [(night, online), (abroad, swipe)]:
        rate = {(i, j): df.loc[(a == i) & (b == j), "is_fraud"].mean() for i in (0, 1) for j in (0, 1)}
        # Without an interaction the joint lift would be about the product of the two lifts.
        joint_lift = rate[1, 1] / rate[0, 0]
        assert joint_lift > 2.5 * (rate[1, 0] / rate[0, 0]) * (rate[0, 1] / rate[0, 0])


def test_age_band_is_not_used_by_the_mechanism_but_habits_differ(df):
    rates = df.groupby("age_band", observed=True)["is_fraud"].mean()
    assert rates.max() < 1.8 * rates.min()
    online = (df["channel"] == "online").groupby(df["age_band"], observed=True).mean()
    assert online["18-25"] > online["61+"] + 0.15


def test_a_linear_model_learns_fraud_but_cannot_separate_it():
    frame = transactions(days=30, seed=0)
    train, test = frame.iloc[:21_000], frame.iloc[21_000:]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1_000))
    model.fit(simple_features(train), train["is_fraud"])
    pr_auc = average_precision_score(test["is_fraud"], model.predict_proba(simple_features(test))[:, 1])
    assert 10 * test["is_fraud"].mean() < pr_auc < 0.95


def test_fraud_labels_are_noisy_no_single_rule_is_pure(df):
    spike_night_abroad = (df["country"] != df["home_country"]) & (df["hour"] <= 5)
    assert df.loc[spike_night_abroad, "is_fraud"].mean() < 0.9
    assert df.loc[df["account_age_days"] > 365, "is_fraud"].sum() > 100


# --- drift ---


@pytest.mark.parametrize("knobs", [
    {"amount_scale": 1.5}, {"online_share": 0.2}, {"concept": 1.0}, {"concept": 0.5, "ramp_days": 20},
])
def test_drift_leaves_every_row_before_its_start_unchanged(df, knobs):
    frame = drifted(**knobs)
    before = df["timestamp"] < DRIFT_START
    assert 0.3 < before.mean() < 0.7
    assert frame[before].equals(df[before])
    assert not frame[~before].equals(df[~before])


def test_amount_drift_scales_amounts_after_the_date_but_not_the_labels(df):
    frame = drifted(amount_scale=1.5)
    after = df["timestamp"] >= DRIFT_START
    ratio = frame.loc[after, "amount"].median() / df.loc[after, "amount"].median()
    assert 1.4 < ratio < 1.6
    assert frame["is_fraud"].equals(df["is_fraud"])
    assert frame["channel"].equals(df["channel"])


def test_online_share_drift_moves_the_channel_mix_after_the_date(df):
    frame = drifted(online_share=0.2)
    after = df["timestamp"] >= DRIFT_START
    shift = (frame.loc[after, "channel"] == "online").mean() - (df.loc[after, "channel"] == "online").mean()
    assert 0.17 < shift < 0.21
    assert frame["timestamp"].equals(df["timestamp"])
    assert set(frame.loc[frame["channel"] == "online", "device"]) == {"web", "mobile_app"}


def test_concept_drift_moves_fraud_to_other_categories_at_a_similar_rate(df):
    frame = drifted(concept=1.0)
    after = df["timestamp"] >= DRIFT_START
    old = ["electronics", "online_services", "cash_withdrawal"]
    new = ["fashion", "entertainment", "health"]

    def share(f, categories):
        fraud = f.loc[after & (f["is_fraud"] == 1), "merchant_category"]
        return fraud.isin(categories).mean()

    assert share(frame, new) > share(df, new) + 0.2
    assert share(frame, old) < share(df, old) - 0.2
    assert abs(frame.loc[after, "is_fraud"].mean() - 0.01) < 0.003
    # Only the labels moved: the inputs are those of the frame without drift.
    assert frame.drop(columns="is_fraud").equals(df.drop(columns="is_fraud"))


def test_a_model_trained_before_concept_drift_does_worse_after_it():
    frame = transactions(days=120, seed=1, drift={"start": "2026-03-01", "concept": 1.0})
    before = frame["timestamp"] < pd.Timestamp("2026-03-01", tz="UTC")
    train, after = frame[before], frame[~before]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1_000))
    model.fit(simple_features(train.iloc[:-5_000]), train["is_fraud"].iloc[:-5_000])
    holdout = train.iloc[-5_000:]
    pr_before = average_precision_score(holdout["is_fraud"], model.predict_proba(simple_features(holdout))[:, 1])
    pr_after = average_precision_score(after["is_fraud"], model.predict_proba(simple_features(after))[:, 1])
    assert pr_after < 0.6 * pr_before


def test_ramped_drift_grows_over_its_ramp(df):
    frame = drifted(amount_scale=2.0, ramp_days=40)
    days = (df["timestamp"] - DRIFT_START).dt.days
    ratio = frame["amount"] / df["amount"]
    cash = df["merchant_category"] == "cash_withdrawal"  # rounded to tens, so not an exact ratio
    assert ratio[(days < 0)].eq(1).all()
    early = ratio[(days >= 0) & (days < 4) & ~cash].median()
    late = ratio[(days >= 45) & ~cash].median()
    assert 1.0 < early < 1.15 and late == pytest.approx(2.0, abs=0.01)


def test_drift_as_dataclass_and_as_dict_give_the_same_frame():
    as_dict = transactions(days=40, seed=2, drift={"start": "2026-02-01", "online_share": 0.3})
    as_class = transactions(days=40, seed=2, drift=Drift(start="2026-02-01", online_share=0.3))
    pd.testing.assert_frame_equal(as_dict, as_class)
    assert Drift("2026-02-01").start == pd.Timestamp("2026-02-01", tz="UTC")


# --- defects ---


def test_without_defects_nothing_is_added_and_with_zero_defects_only_ingested_at(df):
    frame = transactions(days=5, seed=0, defects={})
    assert list(frame.columns) == [*COLUMNS, "ingested_at"]
    assert frame["ingested_at"].is_monotonic_increasing
    assert (frame["ingested_at"] >= frame["timestamp"]).all()
    back = frame.sort_values("transaction_id").reset_index(drop=True).drop(columns="ingested_at")
    pd.testing.assert_frame_equal(back, transactions(days=5, seed=0))
    assert "ingested_at" not in df


def test_duplicates_are_exact_copies_near_their_original(raw):
    copies = raw.duplicated(keep="first")
    n_clean = raw["transaction_id"].nunique()
    assert abs(copies.sum() / n_clean - 0.01) < 0.001 and len(raw) == n_clean + copies.sum()
    assert raw["transaction_id"].duplicated().sum() == copies.sum()
    first = raw.index[raw.duplicated(keep="last")]
    assert len(first) == copies.sum()


def test_missing_values_appear_at_their_rate_outside_the_key_columns(raw):
    rows = raw.drop_duplicates().isna().any(axis=1).mean()
    assert rows == pytest.approx(0.02, rel=0.1)
    keys = ["transaction_id", "account_id", "timestamp", "home_country", "is_fraud", "ingested_at"]
    assert not raw[keys].isna().any().any()
    assert raw["hour"].dtype == np.float64  # a NaN turns an int column into floats


def test_wrong_types_turn_amount_into_text_at_their_rate(raw):
    unique = raw.drop_duplicates("transaction_id")
    assert unique["amount"].dtype == object
    text = unique["amount"].map(lambda v: isinstance(v, str))
    assert text.mean() == pytest.approx(0.005, rel=0.1)
    assert unique.loc[text, "amount"].str.contains(",|EUR|N/A").all()


def test_negative_amounts_appear_at_their_rate(raw):
    unique = raw.drop_duplicates("transaction_id")
    negative = pd.to_numeric(unique["amount"], errors="coerce") < 0
    assert negative.mean() == pytest.approx(0.003, rel=0.15)


def test_unknown_categories_appear_at_their_rate(raw):
    unique = raw.drop_duplicates("transaction_id")
    unknown = unique["merchant_category"].isin(UNKNOWN_CATEGORIES)
    assert unknown.mean() == pytest.approx(0.002, rel=0.15)
    known = unique["merchant_category"].isin(MERCHANT_CATEGORIES) | unique["merchant_category"].isna()
    assert (known | unknown).all()


def test_mixed_timezones_are_text_with_offsets_for_the_same_instant(raw, df):
    unique = raw.drop_duplicates("transaction_id").set_index("transaction_id")
    text = unique["timestamp"]
    assert pd.api.types.is_string_dtype(text)
    not_utc = ~text.str.endswith("+00:00")
    assert not_utc.mean() == pytest.approx(0.01, rel=0.1)
    assert text[not_utc].str.contains(r"[+-]\d\d:00$|Z$").all()
    parsed = pd.to_datetime(text, utc=True, format="ISO8601")
    assert (parsed.reindex(df["transaction_id"]).to_numpy() == df["timestamp"].to_numpy()).all()


def test_late_events_arrive_out_of_time_order_at_their_rate():
    frame = transactions(days=DAYS, seed=0, defects={"late_events": 0.01})
    jumps_back = frame["timestamp"].diff() < -pd.Timedelta(hours=1)
    assert jumps_back.mean() == pytest.approx(0.01, rel=0.1)
    assert frame["ingested_at"].is_monotonic_increasing
    lag = frame["ingested_at"] - frame["timestamp"]
    assert (lag > pd.Timedelta(hours=2)).mean() == pytest.approx(0.01, rel=0.01)


def test_defects_do_not_change_the_underlying_transactions(raw, df):
    back = raw.drop_duplicates().copy()
    back["timestamp"] = pd.to_datetime(back["timestamp"], utc=True, format="ISO8601").dt.as_unit("us")
    back = back.sort_values("transaction_id").reset_index(drop=True)
    for column in ("transaction_id", "account_id", "timestamp", "home_country", "is_fraud"):
        assert back[column].equals(df[column]), column


def test_defects_as_dataclass_and_as_dict_give_the_same_frame():
    pd.testing.assert_frame_equal(
        transactions(days=3, seed=4, defects={"missing": 0.1, "duplicates": 0.05}),
        transactions(days=3, seed=4, defects=Defects(missing=0.1, duplicates=0.05)),
    )


# --- knobs that are wrong ---


@pytest.mark.parametrize("call, message", [
    (lambda: transactions(0), "days must be a whole number of days.*not 0"),
    (lambda: transactions(2.5), "days must be a whole number of days.*not 2.5"),
    (lambda: transactions(60_000), "not 60000 .*ask for days, not rows"),
    (lambda: transactions(10, per_day=0), "per_day must be a whole number.*not 0"),
    (lambda: transactions(10, seed=None), "seed must be.*not None"),
    (lambda: transactions(10, seed=-1), "seed must be.*not -1"),
    (lambda: transactions(10, fraud_rate=1.5), "fraud_rate must be.*between 0 and 1.*not 1.5"),
    (lambda: transactions(10, fraud_rate=0), "fraud_rate must be.*not 0"),
    (lambda: transactions(10, start="2026-13-01"), "start is '2026-13-01', which is not a date"),
    (lambda: transactions(10, start=20260101), "start is 20260101, which is not a date"),
        (lambda: transactions(10, drift={"start": "2026-02-01", "amount_scal": 2}), "no knob 'amount_scal'.*amount_scale"),
    (lambda: transactions(10, drift={"amount_scale": 2}), "drift needs 'start'"),
    (lambda: transactions(10, drift={"start": "soon"}), "drift start is 'soon', which is not a date"),
    (lambda: transactions(10, drift={"start": "2026-02-01", "amount_scale": 0}), "amount_scale must be a positive"),
    (lambda: transactions(10, drift={"start": "2026-02-01", "online_share": 2}), "online_share is 2.*between -1 and 1"),
    (lambda: transactions(10, drift={"start": "2026-02-01", "concept": -0.1}), "concept is -0.1.*between 0 and 1"),
    (lambda: transactions(10, drift="big"), "drift must be a dict or a Drift, not str"),
    (lambda: transactions(10, defects={"missing": 1.5}), "defects missing is 1.5.*between 0 and 1"),
    (lambda: transactions(10, defects={"nulls": 0.1}), "defects has no knob 'nulls'.*missing"),
    (lambda: transactions(10, defects={"missing": "a lot"}), "defects missing must be a number"),
])
def test_bad_knobs_raise_a_sentence_that_names_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- speed and isolation ---


def test_120k_rows_take_well_under_a_second():
    best = min(_timed(lambda: transactions(days=DAYS, seed=s)) for s in range(3))
    assert best < 1.5


def test_generation_never_touches_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("shipml.data tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    transactions(days=1, seed=0, drift={"start": "2026-02-01", "concept": 1.0}, defects=ALL_DEFECTS)


def test_one_row_and_a_one_day_window_work():
    frame = transactions(days=1, seed=0, per_day=1, defects=ALL_DEFECTS)
    assert 1 <= len(frame) <= 5 and frame["transaction_id"].iloc[0] == "tx0000001"


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0
