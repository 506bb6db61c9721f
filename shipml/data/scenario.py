"""The one scenario every chapter works in: the bank, its data, how the score is used, what errors cost.

    from shipml.data.scenario import SCENARIO
    df = transactions(days=SCENARIO.days, seed=0)          # the data window every chapter starts from
    df_train, df_val, df_test = SCENARIO.split(df)         # by time, as the model will be used
    SCENARIO.cost_fp, SCENARIO.review_capacity             # what a false alarm costs, how many the team reviews

The numbers are assumptions a product owner, the fraud team and operations
agree on; they live here once, and the book's data page renders them. A
chapter that departs from one says why, with numbers.

Scale. The stream that `shipml.data.transactions` makes is a sample of the
bank's accounts (1 in `1 / sample_share`) with every payment those accounts
make: whole accounts, so each one's history is complete and the account
features of chapter 4 are what they would be at the bank. The bank's volume is
the stream's volume divided by `sample_share`.

The decision. Every card payment is scored at authorisation, inside the
authorisation's latency budget. A payment whose score is at or above the
threshold is held: the card holder is asked to confirm in the bank's app, and
an analyst reviews the ones not confirmed. A hold costs review time and a
customer's patience (`cost_fp` for a legitimate payment; the review time
`cost_review` is also spent on a held fraud); a fraud let through costs its
amount (`cost_fn_fraction` of it). The fraud team can review at most
`review_capacity` of all payments: the "review budget" is a false-positive
rate.

Labels mature late. A fraud is known when the card holder disputes the
payment (a chargeback), days after it. Here `label_delay_days` after the
payment every label is final; a model built on day T uses payments before
T - label_delay_days only. The data window of `days` days is that matured
history, split by time into train, validation and test.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["SCENARIO", "Scenario"]


@dataclass(frozen=True)
class Scenario:
    """The bank, its data window and split, the decision, its costs and the service level."""

    # --- the data: what `transactions()` makes by default ---
    start: str = "2026-01-01"           # first day of the data window (UTC)
    days: int = 90                      # the data window: matured history a model is built from
    accounts: int = 5_000               # accounts in the course's sample
    payments_per_day: int = 1_000       # payments a day from the sample (a mean; the count varies by day)
    fraud_rate: float = 0.01            # expected share of fraud
    sample_share: float = 1 / 10_000    # the sample is 1 account in 10,000 of the bank's
    # --- the split, by time ---
    train_days: int = 60
    val_days: int = 15                  # the rest of the window, 15 days, is the test period
    label_delay_days: int = 14          # a chargeback is known within this many days of the payment
    # --- the decision and what it costs (EUR) ---
    review_minutes: float = 5.0         # an analyst's time on a held payment
    analyst_eur_per_hour: float = 36.0
    friction_eur: float = 2.0           # a legitimate customer held at the till or the checkout
    cost_fn_fraction: float = 1.0       # the bank refunds the whole amount of a missed fraud
    review_capacity: float = 0.01       # the team reviews at most this share of payments: the FPR budget
    # --- the service level of the scoring call, seen by the authorisation system ---
    latency_slo_ms: float = 50.0        # p99 of the whole request path, at the peak rate
    latency_slo_quantile: float = 0.99
    availability: float = 0.999         # the share of requests answered in time, per month

    # --- derived: computed, never typed twice ---

    @property
    def cost_review(self) -> float:
        """EUR of analyst time per held payment, fraud or not."""
        return self.review_minutes / 60 * self.analyst_eur_per_hour

    @property
    def cost_fp(self) -> float:
        """EUR a false alarm costs: the review and the customer's friction."""
        return self.cost_review + self.friction_eur

    @property
    def bank_accounts(self) -> int:
        return round(self.accounts / self.sample_share)

    @property
    def bank_payments_per_day(self) -> int:
        return round(self.payments_per_day / self.sample_share)

    @property
    def test_days(self) -> int:
        return self.days - self.train_days - self.val_days

    def split(self, df: pd.DataFrame):
        """Train, validation and test parts of a frame from `transactions()`, by day from `start`.

        Train is the first `train_days` days, validation the next `val_days`,
        test the rest of the window; a frame longer than the window keeps its
        later days out of all three.
        """
        if "timestamp" not in getattr(df, "columns", ()):
            raise ValueError("split needs a frame with a timestamp column, such as transactions() makes.")
        day = (df["timestamp"] - pd.Timestamp(self.start, tz="UTC")) // pd.Timedelta(days=1)
        train = day < self.train_days
        val = (day >= self.train_days) & (day < self.train_days + self.val_days)
        test = (day >= self.train_days + self.val_days) & (day < self.days)
        return df[train], df[val], df[test]

    def hourly_rate(self, df: pd.DataFrame) -> pd.Series:
        """The bank's payments a second in each UTC hour of the day, averaged over the frame's days."""
        stamps = df["timestamp"]
        n_days = max(1, stamps.dt.normalize().nunique())
        counts = stamps.dt.hour.value_counts().reindex(range(24), fill_value=0).sort_index()
        return counts / n_days / 3600 / self.sample_share

    def peak_per_second(self, df: pd.DataFrame) -> float:
        """The bank's payments a second in the busiest hour of the day (the rate to size for)."""
        return float(self.hourly_rate(df).max())

    def mean_per_second(self, df: pd.DataFrame) -> float:
        return float(self.hourly_rate(df).mean())

    def facts(self) -> dict:
        """The scenario as a flat dict of named numbers (for glue and the data page)."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in ("cost_review", "cost_fp", "bank_accounts", "bank_payments_per_day", "test_days"):
            out[name] = getattr(self, name)
        return out


SCENARIO = Scenario()
