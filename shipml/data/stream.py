"""The course's running example: a seeded stream of card transactions.

    from shipml.data import transactions
    df = transactions(days=90, seed=0)              # clean, sorted by timestamp: about 90,000 payments
    df.is_fraud.mean()                              # about 0.01
    transactions(days=7).equals(df[df.timestamp < "2026-01-08"])   # True: the stream is prefix-stable
    df = transactions(drift={"start": "2026-03-15", "amount_scale": 1.5})
    df_raw = transactions(defects={"duplicates": 0.01, "missing": 0.02})

Every column is described once, in the contract (`shipml.data.contract`, re-exported
here as `COLUMNS`); the book's data page renders it.
Nothing is downloaded: the same seed gives the same frame on every machine.

How the data are made. The stream is made day by day, each day from its own
seed, over one fixed sample of accounts: asking for more days adds days and
changes none. Accounts come first (home country, age band, typical
spend, how often they shop online, abroad or at night); each day's payments pick
an account open by then and is drawn around that account's habits. Whether it is fraud is
then drawn from a logistic model of its features (`_fraud_logit`), whose
intercept is solved per day so that the expected fraud rate is `fraud_rate`. Fraud is
likelier for an amount far above the account's own typical amount, a new
account, an online purchase at night, a merchant abroad (most of all a
magnetic-stripe swipe abroad) and a few categories; these terms interact, and a
per-transaction random term keeps the classes overlapping.

Drift (`Drift`) changes only transactions from its start date on, and reuses
the same random draws, so every earlier row is identical to the frame without
drift. Defects (`Defects`) are applied last, to a copy of the clean frame.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit  # the generator's link; shipml.modeling.scoring scores models, data comes first

from shipml.data.contract import AGE_BANDS, CHANNELS, COUNTRIES, DEVICES, MERCHANT_CATEGORIES
from shipml.data.scenario import SCENARIO

__all__ = ["Defects", "Drift", "FEED_DEFECTS", "UNKNOWN_CATEGORIES", "transactions"]

# Values the `unknown_categories` defect writes into merchant_category.
UNKNOWN_CATEGORIES = ("gambling", "crypto_exchange", "pawn_shop", "Groceries")
# The raw feed's defects, each kind at its rate per payment: what chapter 4's daily files carry, and the
# capstone's raw week (`transactions(defects=FEED_DEFECTS)`).
FEED_DEFECTS = {"duplicates": 0.01, "missing": 0.02, "wrong_types": 0.01, "negative_amounts": 0.01,
                "late_events": 0.02, "unknown_categories": 0.01, "mixed_timezones": 0.02}

# --- the world the generator draws from (why each number is what it is: see the comments) ---

_CODES = np.array(list(COUNTRIES))
_OFFSET_S = np.array(list(COUNTRIES.values())) * 3600
_HOME_P = np.array([0.22, 0.18, 0.10, 0.13, 0.14, 0.06, 0.07, 0.04, 0.03, 0.03])  # 10 home countries
# Merchant countries abroad: neighbours mostly, far destinations and web shops sometimes.
_ABROAD_P = np.array([
    0.10, 0.09, 0.06, 0.08, 0.07, 0.04, 0.02, 0.04, 0.03, 0.03,
    0.12, 0.04, 0.03, 0.04, 0.02, 0.03, 0.04, 0.08, 0.02, 0.02,
])
_AGE_P = np.array([0.15, 0.35, 0.32, 0.18])
# Per age band: typical spend (log shift), share online, night owls, mobile app share online.
_AGE_SPEND = np.array([-0.35, 0.05, 0.10, -0.10])
_AGE_ONLINE = np.array([0.50, 0.40, 0.30, 0.18])
_AGE_NIGHT = np.array([0.30, 0.12, 0.06, 0.03])
_AGE_APP = np.array([0.75, 0.60, 0.45, 0.30])

# Local hour of day: a day person, and a night owl (what the night term of fraud competes with).
_HOUR_DAY = np.array([
    0.4, 0.2, 0.1, 0.1, 0.1, 0.3, 1.0, 2.2, 3.5, 4.5, 5.2, 6.2,
    7.2, 6.8, 5.8, 5.6, 6.2, 7.2, 7.6, 6.8, 5.2, 3.6, 2.2, 1.2,
])
_HOUR_NIGHT = np.array([
    4.0, 3.4, 2.6, 1.8, 1.0, 0.6, 0.5, 0.8, 1.5, 2.2, 3.0, 3.8,
    4.4, 4.6, 4.4, 4.4, 4.8, 5.2, 5.8, 6.2, 6.6, 6.8, 6.4, 5.2,
])

# merchant_category given the channel; same order as MERCHANT_CATEGORIES.
_CAT_P = {
    "card_present": np.array([0.30, 0.12, 0.17, 0.02, 0.04, 0.00, 0.08, 0.07, 0.05, 0.15]),
    "online": np.array([0.05, 0.00, 0.06, 0.12, 0.14, 0.30, 0.17, 0.04, 0.12, 0.00]),
}
# Typical amount of a category relative to the account's typical spend (multiplier).
_CAT_SCALE = np.array([1.0, 1.6, 1.1, 6.0, 4.0, 0.5, 2.0, 1.2, 1.0, 3.0])

# Fraud mechanism: log-odds by category before and after concept drift. Before: electronics,
# online services and cash withdrawals (resellable or cash); after: fashion, entertainment, health.
_CAT_RISK = np.array([-0.9, -0.4, -0.5, 0.3, 1.1, 0.9, 0.0, -0.5, 0.0, 0.9])
_CAT_RISK_DRIFTED = np.array([-0.9, -0.4, -0.5, -0.2, -0.3, -0.2, 1.2, 0.7, 1.1, -0.3])

# How much each local hour counts as night (fraud before drift) or afternoon (after); smooth
# edges, so a hard "hour <= 5" rule is only an approximation a model can improve on.
_NIGHT = np.array([1, 1, 1, 1, 0.8, 0.5, 0.2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.1, 0.3, 0.6])
_AFTERNOON = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.3, 0.7, 1, 1, 1, 1, 0.7, 0.3, 0, 0, 0, 0, 0])

_SPIKE_SHARE = 0.02  # share of transactions that are a spike against the account's habit
_CONTACTLESS_LIMIT = 50.0


# --- knobs ---


def _check_rate(owner: str, name: str, value, low=0.0, high=1.0) -> float:
    allowed = f"at least {low:g}" if high == math.inf else f"between {low:g} and {high:g}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{owner} {name} must be a number {allowed}, not {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"{owner} {name} is {value!r}, but it must be {allowed}.")
    return float(value)


def _to_utc(value, what: str) -> pd.Timestamp:
    """A date as a UTC timestamp; a naive date is read as UTC."""
    stamp = pd.NaT
    if isinstance(value, (str, datetime.date, np.datetime64)):
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError):
            pass
    if stamp is pd.NaT:
        raise ValueError(f"{what} is {value!r}, which is not a date; give one like '2026-01-01'.")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _from_mapping(cls, value, what: str):
    """Build the knob dataclass `cls` from a dict (or return it), naming any unknown key."""
    if value is None or isinstance(value, cls):
        return value
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a dict or a {cls.__name__}, not {type(value).__name__}.")
    known = [f.name for f in dataclasses.fields(cls)]
    unknown = [key for key in value if key not in known]
    if unknown:
        raise ValueError(f"{what} has no knob {unknown[0]!r}; the knobs are: {', '.join(known)}.")
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    absent = [key for key in required if key not in value]
    if absent:
        raise ValueError(f"{what} needs {absent[0]!r}, e.g. {{{absent[0]!r}: '2026-03-15'}}.")
    return cls(**value)


@dataclass(frozen=True)
class Drift:
    """A change of the stream from `start` on; a dict with the same keys works too.

    - `amount_scale`: amounts are multiplied by this (> 0), e.g. 1.5 for a price
      rise. The account's typical spend rises with them, so which transactions
      are fraud does not change: the inputs drift, the labels do not.
    - `online_share`: the share of online transactions moves by this many
      points (between -1 and 1; 0.2 turns 35 % online into 55 %). The fraud
      mechanism is unchanged, so the fraud rate moves a little with the mix.
    - `concept`: between 0 and 1, how far the fraud mechanism moves to its
      drifted form: fraud shifts from electronics, online services and cash at
      night to fashion, entertainment and health in the afternoon, and cares
      less about the country. The expected fraud rate stays `fraud_rate`.
    - `ramp_days`: 0 for a sudden change; else the change grows linearly to
      its full size over this many days.
    """

    start: object
    amount_scale: float = 1.0
    online_share: float = 0.0
    concept: float = 0.0
    ramp_days: float = 0.0

    def __post_init__(self):
        # Frozen: store the parsed date so every user of the knob sees one UTC timestamp.
        object.__setattr__(self, "start", _to_utc(self.start, "drift start"))
        scale = self.amount_scale
        if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not 0 < scale < math.inf:
            raise ValueError(f"drift amount_scale must be a positive number, not {scale!r}.")
        _check_rate("drift", "online_share", self.online_share, -1.0, 1.0)
        _check_rate("drift", "concept", self.concept)
        _check_rate("drift", "ramp_days", self.ramp_days, 0.0, math.inf)


@dataclass(frozen=True)
class Defects:
    """Data defects to inject, each a rate per transaction in [0, 1]; a dict works too.

    - `duplicates`: exact copies of rows (same transaction_id), delivered a
      few rows after the original; they add rows, so len(df) grows.
    - `missing`: rows with one value missing (NaN) in one of `amount`,
      `merchant_category`, `country`, `device`, `hour`, `account_age_days`,
      `age_band`; a missing hour or age turns its column into floats.
    - `wrong_types`: amounts written as text ("12,50", "12.50 EUR" or "N/A"),
      so `amount` becomes an object column.
    - `negative_amounts`: amounts with the wrong sign.
    - `late_events`: events that arrive 2 to 72 hours late, so they sit among
      later transactions and the frame is out of time order.
    - `unknown_categories`: a merchant_category outside `MERCHANT_CATEGORIES`
      (one of `UNKNOWN_CATEGORIES`).
    - `mixed_timezones`: `timestamp` becomes ISO-8601 text; most rows in UTC
      ("+00:00"), these in the local time of the card holder (e.g. "+01:00",
      or "Z").

    Whenever defects are asked for (even all zero) the frame gains an
    `ingested_at` column (UTC, when the pipeline received the row) and is in
    arrival order, as a raw feed would be; a duplicate repeats its
    original's `ingested_at`, as an exact copy must.
    """

    duplicates: float = 0.0
    missing: float = 0.0
    wrong_types: float = 0.0
    negative_amounts: float = 0.0
    late_events: float = 0.0
    unknown_categories: float = 0.0
    mixed_timezones: float = 0.0

    def __post_init__(self):
        for field in dataclasses.fields(self):
            _check_rate("defects", field.name, getattr(self, field.name))


# --- generation ---


def _pick(u, p):
    """Index into the probability vector `p` for each uniform in `u`."""
    cdf = np.cumsum(p / p.sum())
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(p) - 1)


def _intercept(logit, rate):
    """The intercept b with mean(sigmoid(b + logit)) == rate, by bisection (monotone in b)."""
    low, high = -40.0, 40.0
    for _ in range(45):
        mid = 0.5 * (low + high)
        if expit(mid + logit).mean() < rate:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def _fraud_logit(f, concept):
    """Log-odds of fraud (before the intercept); `concept` in [0, 1] per row mixes in the drifted form."""
    spike = np.maximum(f["z"] - 2.5, 0.0)
    new = np.exp(-f["age"] / 20.0)
    night, afternoon = _NIGHT[f["hour"]], _AFTERNOON[f["hour"]]
    online, foreign, swipe = f["online"], f["foreign"], f["swipe"]
    shared = 2.2 * spike + 3.5 * new + 2.5 * new * (spike > 0) + 1.0 * swipe + f["noise"]
    before = (
        1.5 * _CAT_RISK[f["cat"]] + 0.5 * night + 0.3 * online + 4.0 * night * online
        + 2.4 * foreign + 2.5 * foreign * swipe
    )
    after = (
        1.5 * _CAT_RISK_DRIFTED[f["cat"]] + 0.4 * afternoon + 2.2 * afternoon * online
        + 0.6 * foreign + 0.8 * online * (1 - swipe)
    )
    return shared + (1.0 - concept) * before + concept * after


_MAX_DAYS = 3_650


def _validate(days, seed, fraud_rate, start, per_day, accounts):
    if isinstance(days, bool) or not isinstance(days, numbers.Integral) or not 1 <= days <= _MAX_DAYS:
        hint = (" (the stream is made by day, about 1,000 payments a day: ask for days, not rows)"
                if isinstance(days, numbers.Integral) and not isinstance(days, bool) and days > _MAX_DAYS else "")
        raise ValueError(f"days must be a whole number of days between 1 and {_MAX_DAYS:,}, not {days!r}{hint}.")
    if seed is None or isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a whole number of at least 0, not {seed!r}.")
    if isinstance(fraud_rate, bool) or not isinstance(fraud_rate, numbers.Real) or not 0 < fraud_rate < 1:
        raise ValueError(
            f"fraud_rate must be a number strictly between 0 and 1 (the course uses about 0.01), "
            f"not {fraud_rate!r}."
        )
    for name, value in (("per_day", per_day), ("accounts", accounts)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a whole number, at least 1, not {value!r}.")
    return _to_utc(start, "start").floor("D")


def transactions(
    days: int = SCENARIO.days,
    seed: int = 0,
    *,
    fraud_rate: float = SCENARIO.fraud_rate,
    start=SCENARIO.start,
    per_day: int = SCENARIO.payments_per_day,
    accounts: int = SCENARIO.accounts,
    drift: Drift | dict | None = None,
    defects: Defects | dict | None = None,
) -> pd.DataFrame:
    """The card payments of `days` days from `start` (UTC), with the columns of `COLUMNS`.

    The defaults are the course's scenario (`shipml.data.scenario.SCENARIO`):
    {accounts} accounts making about {per_day} payments a day. The stream is made
    day by day, each day from its own seed, so it is prefix-stable: the first
    week of `transactions(days=30)` is `transactions(days=7)`, row for row.
    `fraud_rate` is the expected share of fraud; `drift` (a `Drift` or dict)
    changes the stream from a date on; `defects` (a `Defects` or dict) injects
    data defects. A bad knob raises ValueError with a sentence that names it.
    """
    t0 = _validate(days, seed, fraud_rate, start, per_day, accounts)
    drift = _from_mapping(Drift, drift, "drift")
    defects = _from_mapping(Defects, defects, "defects")
    acc = _accounts(_rng(seed, 0, accounts), accounts)
    drift_s = (drift.start - t0).total_seconds() if drift is not None else None

    parts = []
    for day in range(days):
        rng = _rng(seed, 1, day)
        d = _draw(rng, acc, day, rng.poisson(per_day))
        weight = np.zeros(len(d["t"]))
        if drift is not None:
            elapsed_days = (d["t"] - drift_s) / 86_400
            if drift.ramp_days > 0:
                weight = np.clip(elapsed_days / drift.ramp_days, 0.0, 1.0)
            else:
                weight = (elapsed_days >= 0).astype(float)
        base = _features(d, np.zeros(len(weight)), drift)
        logit = _fraud_logit(base, 0.0)
        # The day's intercept, solved on its undrifted rows: every day's expected fraud rate is fraud_rate.
        b_before = _intercept(logit, fraud_rate)
        feats = _features(d, weight, drift) if weight.any() else base
        concept = weight * (drift.concept if drift is not None else 0.0)
        intercept = np.full(len(weight), b_before)
        if concept.any():
            b_after = _intercept(_fraud_logit(base, 1.0), fraud_rate)
            intercept = (1 - concept) * b_before + concept * b_after
            logit = _fraud_logit(feats, concept)
        elif feats is not base:
            logit = _fraud_logit(feats, 0.0)
        d["is_fraud"] = (d["u_label"] < expit(intercept + logit)).astype(np.int64)
        parts.append((d, feats))

    d = {key: np.concatenate([p[0][key] for p in parts]) for key in parts[0][0] if key != "acc"}
    d["acc"] = acc
    feats = {key: np.concatenate([p[1][key] for p in parts]) for key in parts[0][1]}
    df, order = _frame(d, feats, d["is_fraud"], t0)
    if defects is not None:
        df = _inject(df, feats["offset_s"][order], defects, seed, d["day"][order])
    return df


def _rng(seed, stream, index):
    """An independent generator per (seed, stream, index): accounts, each day, each day's defects."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, index)))


# Accounts opening during the data: spread over this many days, whatever the number of days asked for.
_NEW_ACCOUNT_HORIZON = 365


def _accounts(rng, n_acc):
    """The sample's accounts: the same for every number of days."""
    band = _pick(rng.random(n_acc), _AGE_P)
    home = _pick(rng.random(n_acc), _HOME_P)
    # Most accounts are years old; one in seven opens shortly before or during the data.
    is_new = rng.random(n_acc) < 1 / 7
    open_day = np.where(is_new, rng.integers(-30, _NEW_ACCOUNT_HORIZON, n_acc), -rng.integers(90, 3650, n_acc))
    online_p = rng.beta(6 * _AGE_ONLINE[band], 6 * (1 - _AGE_ONLINE[band]))
    return {
        "band": band,
        "home": home,
        "open_day": open_day,
        "mu": np.log(30) + _AGE_SPEND[band] + rng.normal(0, 0.45, n_acc),
        "sigma": rng.uniform(0.35, 0.7, n_acc),
        "online_p": online_p,
        "abroad_p": rng.beta(1.0, 14.0, n_acc),
        "night_p": _AGE_NIGHT[band],
        "app_p": _AGE_APP[band],
        # Busy and quiet accounts.
        "activity": rng.gamma(2.0, 1.0, n_acc),
    }


def _draw(rng, acc, day, n):
    """Every random number of one day's payments, drawn once (drift reuses them)."""
    open_ = np.flatnonzero(acc["open_day"] <= day)
    a = open_[_pick(rng.random(n), acc["activity"][open_])]
    d = {f"u_{name}": rng.random(n) for name in (
        "abroad", "country", "channel", "cat", "device", "swipe", "owl", "hour", "spike", "label",
    )}
    d.update({
        "a": a,
        "acc": acc,
        "day": np.full(n, day, dtype=np.int64),
        "second": rng.integers(0, 3600, n),
        "eps": rng.normal(0, 1, n),
        "spike_log": rng.uniform(1.2, 2.8, n),
        "noise": rng.normal(0, 0.6, n),
    })
    return _place_in_time(d)


def _place_in_time(d):
    """Timestamps (seconds from start) from local hours; they never depend on drift.

    A payment stays in the UTC day it was drawn for (its local time is wrapped
    by whole days into it): that keeps each day's rows within the day, which is
    what makes the stream prefix-stable.
    """
    acc, a = d["acc"], d["a"]
    home = acc["home"][a]
    abroad = d["u_abroad"] < acc["abroad_p"][a]
    country = _pick(d["u_country"], _ABROAD_P)
    country = np.where(country == home, (country + 1) % len(_CODES), country)
    country = np.where(abroad, country, home)
    # Where the card holder is under the undrifted channel: it sets the local hour of the draw.
    online = d["u_channel"] < _online_p(acc["online_p"][a], abroad)
    where = np.where(online, home, country)
    owl = d["u_owl"] < acc["night_p"][a]
    hour = np.where(owl, _pick(d["u_hour"], _HOUR_NIGHT), _pick(d["u_hour"], _HOUR_DAY))
    t = d["day"] * 86_400 + np.mod(hour * 3600 + d["second"] - _OFFSET_S[where], 86_400)
    d.update(t=t, home=home, country=country, abroad=abroad)
    return d


def _online_p(p, abroad):
    # Shopping abroad is more often a foreign web shop than a trip.
    return np.clip(p + 0.15 * abroad, 0.0, 1.0)


def _features(d, weight, drift):
    """The transaction's features given the drift weight per row (0: undrifted)."""
    acc, a = d["acc"], d["a"]
    online_p = _online_p(acc["online_p"][a], d["abroad"])
    scale = np.ones_like(weight)
    if drift is not None:
        online_p = np.clip(online_p + weight * drift.online_share, 0.0, 1.0)
        scale = drift.amount_scale ** weight
    online = d["u_channel"] < online_p
    cat = np.where(online, _pick(d["u_cat"], _CAT_P["online"]), _pick(d["u_cat"], _CAT_P["card_present"]))
    spike = d["u_spike"] < _SPIKE_SHARE
    sigma = acc["sigma"][a]
    deviation = sigma * d["eps"] + spike * d["spike_log"]
    amount = np.exp(acc["mu"][a] + deviation) * _CAT_SCALE[cat] * scale
    amount = np.clip(amount, 1.0, 25_000.0)
    cash = cat == MERCHANT_CATEGORIES.index("cash_withdrawal")
    amount = np.where(cash, np.maximum(10.0, np.round(amount, -1)), np.round(amount, 2))

    swipe = ~online & (d["u_swipe"] < np.where(d["abroad"], 0.3, 0.04))
    contactless = ~online & ~swipe & (amount <= _CONTACTLESS_LIMIT) & (d["u_device"] < 0.75)
    app = online & (d["u_device"] < acc["app_p"][a])
    # Codes index DEVICES: chip 0, contactless 1, swipe 2, web 3, mobile_app 4.
    device = np.select([swipe, contactless, app, online], [2, 1, 4, 3], default=0)

    where = np.where(online, d["home"], d["country"])
    offset_s = _OFFSET_S[where]
    hour = np.mod((d["t"] + offset_s) // 3600, 24)
    age = (d["t"] // 86_400) - acc["open_day"][a]
    return {
        "online": online.astype(float), "cat": cat, "amount": amount, "device": device,
        "swipe": swipe.astype(float), "foreign": d["abroad"].astype(float), "hour": hour,
        "age": age, "z": deviation / sigma, "noise": d["noise"], "offset_s": offset_s,
    }


def _ids(prefix, count, width):
    numbers_ = np.arange(1, count + 1).astype(f"U{width}")
    return np.strings.add(prefix, np.strings.zfill(numbers_, width))


def _frame(d, f, is_fraud, t0):
    order = np.argsort(d["t"], kind="stable")
    n, acc, a = len(order), d["acc"], d["a"][order]
    account_ids = _ids("acc", len(acc["mu"]), max(5, len(str(len(acc["mu"])))))
    # Microseconds: the unit pandas gives parsed dates, so joins and comparisons need no casts.
    timestamp = pd.DatetimeIndex(t0.as_unit("us") + pd.to_timedelta(d["t"][order], unit="s")).as_unit("us")
    columns = {
        "transaction_id": pd.array(_ids("tx", n, max(7, len(str(n)))), dtype="str"),
        "account_id": pd.array(account_ids[a], dtype="str"),
        "timestamp": timestamp,
        "amount": f["amount"][order],
        "merchant_category": pd.Categorical.from_codes(f["cat"][order], MERCHANT_CATEGORIES),
        "country": pd.array(_CODES[d["country"][order]], dtype="str"),
        "channel": pd.Categorical.from_codes(f["online"][order].astype(int), CHANNELS),
        "device": pd.Categorical.from_codes(f["device"][order], DEVICES),
        "hour": f["hour"][order].astype(np.int64),
        "account_age_days": f["age"][order].astype(np.int64),
        "home_country": pd.array(_CODES[d["home"][order]], dtype="str"),
        "age_band": pd.Categorical.from_codes(acc["band"][a], AGE_BANDS, ordered=True),
        "is_fraud": is_fraud[order],
    }
    return pd.DataFrame(columns), order


# --- defects ---

# "+01:00" for UTC+1 ... "-05:00" for UTC-5, and "Z" for UTC, indexed by hours + 12.
_OFFSET_TEXT = np.array([f"{h:+03d}:00" if h else "Z" for h in range(-12, 15)])
_MISSABLE = ("amount", "merchant_category", "country", "device", "hour", "account_age_days", "age_band")


def _rows(rng, n, rate):
    """round(rate * n) distinct row positions."""
    return rng.choice(n, size=int(round(rate * n)), replace=False)


def _defect_draws(defects, seed, day):
    """Which rows get which defect, drawn day by day (each day from its own seed): prefix-stable too."""
    draws = {name: [] for name in ("delay_s", "missing", "which", "negative", "unknown", "pick", "wrong", "kind",
                                   "mixed", "copies", "shift")}
    for d in np.unique(day):
        rows = np.flatnonzero(day == d)  # the day's rows, in time order
        rng, n = _rng(seed, 2, int(d)), len(rows)
        # The pipeline receives a row seconds after the event; a late one hours to days after.
        delay_s = rng.exponential(5.0, n)
        late = _rows(rng, n, defects.late_events)
        delay_s[late] = rng.uniform(2 * 3600, 72 * 3600, len(late))
        draws["delay_s"].append(delay_s)
        missing = _rows(rng, n, defects.missing)
        draws["missing"].append(rows[missing])
        draws["which"].append(rng.integers(0, len(_MISSABLE), len(missing)))
        draws["negative"].append(rows[_rows(rng, n, defects.negative_amounts)])
        unknown = _rows(rng, n, defects.unknown_categories)
        draws["unknown"].append(rows[unknown])
        draws["pick"].append(rng.integers(0, len(UNKNOWN_CATEGORIES), len(unknown)))
        wrong = _rows(rng, n, defects.wrong_types)
        draws["wrong"].append(rows[wrong])
        draws["kind"].append(rng.integers(0, 3, len(wrong)))
        draws["mixed"].append(rows[_rows(rng, n, defects.mixed_timezones)])
        copies = _rows(rng, n, defects.duplicates)
        draws["copies"].append(rows[copies])
        draws["shift"].append(rng.integers(1, 10, len(copies)))
    return {name: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64) for name, parts in draws.items()}


def _inject(df, offset_s, defects, seed, day):
    """A raw copy of the clean frame with the requested defects, in arrival order."""
    df = df.copy()
    n = len(df)
    seconds = df["timestamp"].dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    draws = _defect_draws(defects, seed, day)

    delay_s = draws["delay_s"].astype(float)
    ingested = seconds.astype("datetime64[ms]") + np.round(delay_s * 1000).astype("timedelta64[ms]")
    df["ingested_at"] = pd.DatetimeIndex(ingested).tz_localize("UTC").as_unit("us")

    missing, which = draws["missing"], draws["which"]
    for k, column in enumerate(_MISSABLE):
        rows = missing[which == k]
        if len(rows) == 0:
            continue
        if df[column].dtype.kind == "i":
            df[column] = df[column].astype(np.float64)
        df.iloc[rows, df.columns.get_loc(column)] = np.nan

    negative = draws["negative"]
    df.iloc[negative, df.columns.get_loc("amount")] = -df["amount"].to_numpy()[negative]

    unknown = draws["unknown"]
    if len(unknown):
        cats = df["merchant_category"].cat.add_categories(list(UNKNOWN_CATEGORIES))
        cats.iloc[unknown] = np.asarray(UNKNOWN_CATEGORIES, dtype=object)[draws["pick"]]
        df["merchant_category"] = cats

    wrong = draws["wrong"]
    if len(wrong):
        amount = df["amount"].to_numpy(dtype=object, copy=True)
        values = df["amount"].to_numpy()[wrong]
        text = np.strings.mod("%.2f", np.nan_to_num(values.astype(float)))
        kind = draws["kind"]
        text = np.where(kind == 0, np.strings.replace(text, ".", ","), np.strings.add(text, " EUR"))
        text = np.where((kind == 2) | np.isnan(values.astype(float)), "N/A", text)
        amount[wrong] = text.astype(object)
        df["amount"] = pd.Series(amount, index=df.index, dtype=object)

    mixed = draws["mixed"]
    if len(mixed) or defects.mixed_timezones > 0:
        text = np.strings.add(np.datetime_as_string(seconds, unit="s"), "+00:00")
        local = np.datetime_as_string(seconds[mixed] + offset_s[mixed].astype("timedelta64[s]"), unit="s")
        text[mixed] = np.strings.add(local, _OFFSET_TEXT[offset_s[mixed] // 3600 + 12])
        df["timestamp"] = pd.array(text, dtype="str")

    # Arrival order; a duplicate is a redelivery that arrives a few rows after the original.
    arrival = np.argsort(ingested, kind="stable")
    df = df.iloc[arrival].reset_index(drop=True)
    copies = draws["copies"]
    if len(copies):
        rank = np.empty(n, dtype=np.int64)
        rank[arrival] = np.arange(n)  # where each clean row now sits
        copies = rank[copies]
        position = np.concatenate([np.arange(n), copies + draws["shift"] + 0.5])
        source = np.concatenate([np.arange(n), copies])
        df = df.iloc[source[np.argsort(position, kind="stable")]].reset_index(drop=True)
    return df
