"""A cache of scores for repeated requests: the fastest prediction is the one not computed.

    from shipml.performance.cache import ScoreCache
    cached = ScoreCache(score_one, model_version="v2", maxsize=10_000)
    cached(request)            # scores on a miss, returns the stored score on a hit
    cached.hits, cached.misses, cached.hit_rate

The key is the model version plus every field of the request, so a new model
never answers with an old model's score, and two requests share a score only
when they are identical. A cache helps only as much as requests repeat
(retries, duplicate submissions, a popular query); and a score must not be
cached longer than the features behind it stay true.
"""

from __future__ import annotations

from collections import OrderedDict

__all__ = ["ScoreCache"]


class ScoreCache:
    """`score_one(request)` with the last `maxsize` distinct requests' scores kept (least recently used out)."""

    def __init__(self, score_one, *, model_version: str, maxsize: int = 10_000):
        if int(maxsize) != maxsize or maxsize < 1:
            raise ValueError(f"maxsize must be a whole number of entries, at least 1; got {maxsize!r}.")
        self.score_one, self.model_version, self.maxsize = score_one, str(model_version), int(maxsize)
        self._store: OrderedDict = OrderedDict()
        self.hits = self.misses = 0

    def key(self, request: dict) -> tuple:
        return (self.model_version, *sorted(request.items()))

    def __call__(self, request: dict):
        key = self.key(request)
        store = self._store
        if key in store:
            store.move_to_end(key)
            self.hits += 1
            return store[key]
        self.misses += 1
        score = store[key] = self.score_one(request)
        if len(store) > self.maxsize:
            store.popitem(last=False)
        return score

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def __len__(self) -> int:
        return len(self._store)
