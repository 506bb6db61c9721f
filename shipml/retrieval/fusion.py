"""Hybrid retrieval by reciprocal rank fusion (RRF): rankings merged by their ranks, not their scores.

    from shipml.retrieval.fusion import reciprocal_rank_fusion
    reciprocal_rank_fusion([bm25_ids, dense_ids])                  # ids, best first
    reciprocal_rank_fusion([bm25_ids, dense_ids], weights=[0.3, 0.7], k=60)

Each ranking gives an id `weight / (k + rank)` (rank from 1); an id's fused
score is the sum over the rankings it appears in, and ids are returned by
that score, ties broken by the first ranking where they appear, then by
order of appearance (so the result is deterministic). BM25 scores and
cosines live on different scales; ranks do not, which is why RRF (Cormack,
Clarke and Büttcher, 2009) needs no calibration. `k = 60` is the paper's.
An id repeated within one ranking counts at its first rank only.
"""

from __future__ import annotations

__all__ = ["reciprocal_rank_fusion", "rrf_scores"]


def rrf_scores(rankings, k: float = 60, weights=None) -> dict:
    """Each id's fused score: the sum of weight / (k + rank) over the rankings."""
    rankings = [list(dict.fromkeys(r)) for r in rankings]
    weights = [1.0] * len(rankings) if weights is None else list(weights)
    if len(weights) != len(rankings):
        raise ValueError(f"one weight per ranking: got {len(weights)} weights for {len(rankings)} rankings.")
    if k < 0:
        raise ValueError(f"k is a non-negative constant (60 in the paper); got {k!r}.")
    scores: dict = {}
    for ranking, weight in zip(rankings, weights):
        for rank, doc in enumerate(ranking, 1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return scores


def reciprocal_rank_fusion(rankings, k: float = 60, weights=None) -> list:
    """The ids of all rankings, fused: best first."""
    scores = rrf_scores(rankings, k, weights)
    first = {}
    for ranking in rankings:
        for doc in ranking:
            first.setdefault(doc, len(first))
    return sorted(scores, key=lambda doc: (-scores[doc], first[doc]))
