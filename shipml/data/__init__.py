"""Stage 1, data: the running example's transaction stream, its contract, splits, ingestion and validation.

    from shipml.data import transactions, COLUMNS
    df = transactions(days=90, seed=0)               # the scenario's data window, about 90,000 payments

    shipml.data.scenario     the one scenario: the bank's scale, the decision, its costs, the split, the SLO

    shipml.data.contract     the one definition of each column: the schema, the request model, typing
    shipml.data.stream       the seeded generator (`transactions`, drift and defect knobs)
    shipml.data.splits       train/validation/test splits by time or stratified
    shipml.data.ingestion    daily batch files in, typed Parquet out
    shipml.data.validation   the schema at the boundary, quarantine, reconciliation
"""

from shipml.data.contract import AGE_BANDS, CHANNELS, COLUMNS, COUNTRIES, DEVICES, MERCHANT_CATEGORIES
from shipml.data.scenario import SCENARIO, Scenario
from shipml.data.stream import FEED_DEFECTS, UNKNOWN_CATEGORIES, Defects, Drift, transactions

__all__ = ["AGE_BANDS", "CHANNELS", "COLUMNS", "COUNTRIES", "DEVICES", "Defects", "Drift", "FEED_DEFECTS",
           "MERCHANT_CATEGORIES", "SCENARIO", "Scenario", "UNKNOWN_CATEGORIES", "transactions"]
