"""The Pareto frontier of configurations, and the cheapest one that meets a goal.

    from shipml.performance.pareto import pareto_front, choose
    on_front = pareto_front(configs, minimize=["p95_ms", "eur_per_million"], maximize=["pr_auc"])
    chosen = choose(configs, slo_p95_ms=2.0, min_quality=0.20)   # a row of `configs`

A configuration is **dominated** when another is at least as good on every
measure and strictly better on one: nobody should pick it, whatever they
care about most. The ones left are the frontier; choosing among them is a
trade-off, and needs a goal. Identical configurations do not dominate each
other: both stay on the frontier.
"""

from __future__ import annotations

import numpy as np

__all__ = ["choose", "pareto_front"]


def pareto_front(df, minimize=(), maximize=()):
    """A boolean Series, True for each row of `df` that no other row dominates."""
    import pandas as pd

    minimize, maximize = list(minimize), list(maximize)
    columns = minimize + maximize
    if not columns:
        raise ValueError("Name at least one column to minimize or maximize.")
    unknown = [c for c in columns if c not in df.columns]
    if unknown:
        raise ValueError(f"{unknown} are not columns of the table; it has {list(df.columns)}.")
    # Turn every measure into "smaller is better".
    values = np.column_stack([df[c].to_numpy(float) for c in minimize] + [-df[c].to_numpy(float) for c in maximize])
    if np.isnan(values).any():
        raise ValueError("The measures must not be missing (NaN): a configuration without a number cannot be compared.")
    at_least_as_good = (values[:, None, :] <= values[None, :, :]).all(axis=2)  # [i, j]: i is no worse than j
    strictly_better = (values[:, None, :] < values[None, :, :]).any(axis=2)
    dominated = (at_least_as_good & strictly_better).any(axis=0)
    return pd.Series(~dominated, index=df.index, name="on_front")


def choose(df, *, slo_p95_ms: float, min_quality: float, latency: str = "p95_ms", quality: str = "pr_auc",
           cost: str = "monthly_eur"):
    """The row of `df` with the lowest `cost` among those with `latency` <= SLO and `quality` >= the floor.

    Ties on cost go to the higher quality (it costs nothing more), then the
    lower latency. Raises ValueError, naming the closest misses, when no row
    meets both.
    """
    meets = (df[latency] <= slo_p95_ms) & (df[quality] >= min_quality)
    if not meets.any():
        fastest = df.loc[df[latency].idxmin()]
        best = df.loc[df[quality].idxmax()]
        raise ValueError(
            f"No configuration has {latency} <= {slo_p95_ms:g} and {quality} >= {min_quality:g}: the fastest has "
            f"{latency} {fastest[latency]:.3g} ({quality} {fastest[quality]:.3g}); the best has {quality} "
            f"{best[quality]:.3g} ({latency} {best[latency]:.3g}). Relax the goal or find a faster, better model.")
    candidates = df[meets].assign(_neg_quality=-df.loc[meets, quality])
    order = candidates.sort_values([cost, "_neg_quality", latency], kind="stable")
    return df.loc[order.index[0]]
