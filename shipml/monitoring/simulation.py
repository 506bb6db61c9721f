"""A month in production, simulated: the scenario's stream with injected, labelled incidents.

    from shipml.monitoring.simulation import simulate_month
    month = simulate_month(seed=0)
    month.payments            # every payment of the month (true amounts, labels), with `day` (0 = the month's first)
    month.sent                # what the feed sent the scoring service (the cents day is wrong here)
    month.history             # the data window, the clean live quarter and the month: the server's feature store
    month.clean               # the same days as the stream had made them without any incident
    month.incidents           # the labelled incidents: name, kind, first and last day
    month.label_day           # the day each payment's label is final (day + SCENARIO.label_delay_days)

The timeline. The stream starts on `SCENARIO.start`; its first `SCENARIO.days`
days are the data window the production model learns from. The model then runs
for a clean quarter (`LIVE_DAYS` days, nothing goes wrong: the days that set
the alarms' thresholds), then comes the month that is watched (`MONTH_DAYS`
days), followed by `AFTER_DAYS` days of the same, drifted traffic: the weeks in
which the month's labels mature and a retrained model is tried. `clean` is
the month and those weeks as the stream made them without any incident: a
held-out clean stream on which false alarms are counted.

The incidents (`INCIDENTS`), each made with the generator's own knobs so that
the truth is known:

- a data-quality incident: for one day the feed sends amounts in cents; the
  payments themselves are unchanged (the feature store, fed by the
  authorisation system, keeps the right amounts);
- a prior shift: for five days a fraud ring doubles the number of frauds. The
  extra frauds are fraud payments of the clean quarter, replayed at the same
  time of day by the same accounts with new ids: the fraud looks as fraud
  looked, there is more of it (P(x | fraud) is unchanged, P(fraud) doubles);
- a gradual covariate shift: prices rise, amounts grow to `1.6` times over four
  days (the generator's `amount_scale`, which scales each account's typical
  spend too, so which payments are fraud does not change), for six days;
- concept drift: from its first day to the end, fraud follows the generator's
  drifted mechanism (other categories, the afternoon): the inputs do not move,
  the labels do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shipml.data.scenario import SCENARIO
from shipml.data.stream import Drift, transactions

__all__ = ["AFTER_DAYS", "INCIDENTS", "LIVE_DAYS", "MONTH_DAYS", "Incident", "Month", "active_incident",
           "simulate_month"]

LIVE_DAYS = 91   # April to June: the model runs cleanly; these days set the thresholds
MONTH_DAYS = 30  # July: the month that is watched
AFTER_DAYS = 49  # the weeks after it (the new fraud pattern goes on): labels mature, a retrained model is tried
PRICE_RISE = 1.6  # amounts grow to this many times over the covariate shift's ramp


@dataclass(frozen=True)
class Incident:
    """One injected incident: its first and last day (inclusive; days of the month, 0 = its first day)."""

    name: str
    kind: str
    start: int
    end: int
    description: str

    def active(self, day) -> bool:
        return self.start <= day <= self.end


INCIDENTS = (
    Incident("cents", "data quality", 3, 3, "the feed sends amounts in cents for one day"),
    Incident("fraud ring", "prior shift", 6, 10, "twice as many frauds, each looking as fraud always did"),
    Incident("price rise", "covariate shift", 12, 17, "amounts grow to 1.6 times over four days, labels unchanged"),
    Incident("new fraud pattern", "concept drift", 19, MONTH_DAYS + AFTER_DAYS - 1,
             "the same inputs, fraud follows a new mechanism"),
)


def active_incident(day, incidents=INCIDENTS):
    """The incident in effect on `day` (the most recently started one), or None on a clean day."""
    live = [i for i in incidents if i.active(day)]
    return max(live, key=lambda i: i.start) if live else None


@dataclass
class Month:
    """The simulated month: payments, what the feed sent, the store's history, the incidents and the clean twin."""

    payments: pd.DataFrame
    sent: pd.DataFrame
    history: pd.DataFrame
    clean: pd.DataFrame
    live: pd.DataFrame
    incidents: tuple
    start: pd.Timestamp

    @property
    def label_day(self) -> pd.Series:
        return self.payments["day"] + SCENARIO.label_delay_days

    def days(self, first: int, last: int, frame: str = "payments") -> pd.DataFrame:
        """The rows of `frame` from day `first` to day `last`, inclusive."""
        df = getattr(self, frame)
        return df[(df["day"] >= first) & (df["day"] <= last)]


def _day_index(df: pd.DataFrame, start: pd.Timestamp) -> pd.Series:
    return ((df["timestamp"] - start) // pd.Timedelta(days=1)).astype(int)


def simulate_month(seed: int = 0, *, incidents=INCIDENTS) -> Month:
    """The data window, a clean live quarter and the watched month with `incidents` injected, from `seed`."""
    t0 = pd.Timestamp(SCENARIO.start, tz="UTC")
    month_start = t0 + pd.Timedelta(days=SCENARIO.days + LIVE_DAYS)
    total = SCENARIO.days + LIVE_DAYS + MONTH_DAYS + AFTER_DAYS
    by_kind = {i.kind: i for i in incidents}

    def at(day: int):
        return month_start + pd.Timedelta(days=day)

    clean = transactions(days=total, seed=seed)
    clean["day"] = _day_index(clean, month_start)
    payments = clean.copy()

    if "concept drift" in by_kind:  # only the labels change from its first day on
        concept = transactions(days=total, seed=seed, drift=Drift(start=at(by_kind["concept drift"].start),
                                                                    concept=1.0))
        assert (concept["transaction_id"].to_numpy() == payments["transaction_id"].to_numpy()).all()
        payments["is_fraud"] = concept["is_fraud"].to_numpy()
    if "covariate shift" in by_kind:  # rows of the stream with prices rising, for the incident's days only
        shift = by_kind["covariate shift"]
        risen = transactions(days=total, seed=seed, drift=Drift(start=at(shift.start), amount_scale=PRICE_RISE,
                                                                ramp_days=4))
        risen["day"] = _day_index(risen, month_start)
        inside = payments["day"].between(shift.start, shift.end).to_numpy()
        for column in risen.columns:
            if column != "is_fraud":  # the same payments, labels as the other incidents leave them
                payments.loc[inside, column] = risen.loc[inside, column].to_numpy()
    if "prior shift" in by_kind:
        payments = pd.concat([payments, _fraud_ring(clean, by_kind["prior shift"], seed)], ignore_index=True)
        payments = payments.sort_values(["timestamp", "transaction_id"], kind="stable").reset_index(drop=True)

    sent = payments.copy()
    if "data quality" in by_kind:
        bad = sent["day"].between(by_kind["data quality"].start, by_kind["data quality"].end)
        sent.loc[bad, "amount"] = (sent.loc[bad, "amount"] * 100).round(2)

    window_and_live = payments[payments["day"] < 0]
    month = payments[payments["day"] >= 0].reset_index(drop=True)
    return Month(payments=month, sent=sent[sent["day"] >= 0].reset_index(drop=True),
                 history=payments.drop(columns="day"), clean=clean[clean["day"] >= 0].reset_index(drop=True),
                 live=window_and_live[window_and_live["day"] >= -LIVE_DAYS].reset_index(drop=True),
                 incidents=tuple(incidents), start=month_start)


def _fraud_ring(clean: pd.DataFrame, incident: Incident, seed: int) -> pd.DataFrame:
    """Extra frauds for the incident's days: as many as each day has, replayed from the live quarter's frauds."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(9, incident.start)))
    pool = clean[(clean["day"] < 0) & (clean["day"] >= -LIVE_DAYS) & (clean["is_fraud"] == 1)]
    parts = []
    for day in range(incident.start, incident.end + 1):
        n = int(clean.loc[clean["day"] == day, "is_fraud"].sum())
        picked = pool.iloc[rng.choice(len(pool), size=n, replace=False)].copy()
        picked["timestamp"] = picked["timestamp"] + pd.to_timedelta(day - picked["day"], unit="D")
        picked["account_age_days"] = picked["account_age_days"] + (day - picked["day"])
        picked["day"] = day
        parts.append(picked)
    ring = pd.concat(parts, ignore_index=True)
    ring["transaction_id"] = [f"ring{seed:02d}{k:05d}" for k in range(len(ring))]
    return ring
