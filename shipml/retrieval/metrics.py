"""Retrieval quality by hand: recall@k, reciprocal rank and nDCG@k with binary relevance.

    from shipml.retrieval.metrics import ndcg_at_k, recall_at_k, reciprocal_rank
    ranked = ["07-serving#load-testing", "08-cost-latency#threads", "glossary#terms"]
    relevant = {"07-serving#load-testing"}
    recall_at_k(ranked, relevant, 5)      # 1.0: the share of the relevant ids found in the first k
    reciprocal_rank(ranked, relevant)     # 1.0: 1 / the rank of the first relevant id (0 when none is found)
    ndcg_at_k(ranked, relevant, 10)       # 1.0: discounted gain over the best possible ordering

`ranked_ids` is the retriever's list, best first; `relevant_ids` the labelled
answers (any iterable). An id that appears twice in `ranked_ids` counts once,
at its first rank: a retriever that returns one section through three of its
chunks has found it once (dedupe chunks to sections before, or let these do
it). A question with no relevant id has no recall: these functions refuse it
(unanswerable questions are measured by abstention, not retrieval). The three
agree with trec_eval (pytrec_eval's `recall_k`, `recip_rank`, `ndcg_cut_k`):
tests/retrieval/test_metrics.py checks them on random rankings.
"""

from __future__ import annotations

import math
from numbers import Integral

__all__ = ["dedupe", "ndcg_at_k", "recall_at_k", "reciprocal_rank"]


def _checked(ranked_ids, relevant_ids, k=None) -> tuple[list, set]:
    if isinstance(ranked_ids, str) or isinstance(relevant_ids, str):
        raise TypeError("ranked_ids and relevant_ids are lists of ids, not one string: wrap it in a list.")
    relevant = set(relevant_ids)
    if not relevant:
        raise ValueError("no relevant id: recall and rank are undefined for a question nothing answers "
                         "(score abstention on those instead).")
    if k is not None and (isinstance(k, bool) or not isinstance(k, Integral) or k < 1):
        raise ValueError(f"k is a whole number of results, 1 or more; got {k!r}.")
    return dedupe(ranked_ids), relevant


def dedupe(ranked_ids) -> list:
    """The ids in order, each kept at its first rank."""
    return list(dict.fromkeys(ranked_ids))


def recall_at_k(ranked_ids, relevant_ids, k: int) -> float:
    """The share of the relevant ids among the first k distinct ranked ids."""
    ranked, relevant = _checked(ranked_ids, relevant_ids, k)
    return len(relevant.intersection(ranked[:int(k)])) / len(relevant)


def reciprocal_rank(ranked_ids, relevant_ids) -> float:
    """1 / the rank (from 1) of the first relevant id; 0.0 when none is ranked."""
    ranked, relevant = _checked(ranked_ids, relevant_ids)
    return next((1.0 / rank for rank, doc in enumerate(ranked, 1) if doc in relevant), 0.0)


def ndcg_at_k(ranked_ids, relevant_ids, k: int) -> float:
    """Discounted cumulative gain of the first k (gain 1 per relevant id, 1/log2(rank + 1)) over the ideal's."""
    ranked, relevant = _checked(ranked_ids, relevant_ids, k)
    dcg = sum(1.0 / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], 1) if doc in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal
