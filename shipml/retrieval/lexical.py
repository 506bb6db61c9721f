"""Lexical retrieval: BM25 over chunks with bm25s (progress bars off).

    from shipml.retrieval.lexical import LexicalIndex
    index = LexicalIndex(chunks["text"].tolist())
    ranked = index.search("what does a load test measure?", k=10)   # [(row, score), ...], best first
    index.search("", k=10)                                          # [] : an empty query retrieves nothing

BM25 scores a chunk by the query words it contains, each weighted by its
rarity in the corpus (IDF) and damped for repeats and long chunks (k1, b).
English stop words are dropped and words are lower-cased; nothing is
stemmed. A query with no indexed word (empty, punctuation, a script the book
does not use) returns an empty list, which the caller reads as "no evidence".
"""

from __future__ import annotations

import numpy as np

__all__ = ["LexicalIndex"]


class LexicalIndex:
    """BM25 (bm25s, Lucene's variant) over a list of texts; search returns (row, score) pairs."""

    def __init__(self, texts, k1: float = 1.5, b: float = 0.75):
        import bm25s

        self.texts = list(texts)
        if not self.texts:
            raise ValueError("a lexical index needs at least one text to index.")
        self._bm25s = bm25s
        self.model = bm25s.BM25(k1=k1, b=b)
        self.model.index(bm25s.tokenize(self.texts, stopwords="en", show_progress=False), show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every text for the query (zeros when no query word is indexed)."""
        if not isinstance(query, str):
            raise TypeError(f"a query is a string, not {type(query).__name__}.")
        words = self._bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)[0]
        return np.asarray(self.model.get_scores(words), dtype=float) if words else np.zeros(len(self.texts))

    def search(self, query: str, k: int = 10) -> list[tuple[int, float]]:
        """The k best rows with a positive score, best first (ties by row)."""
        scores = self.scores(query)
        order = np.lexsort((np.arange(len(scores)), -scores))[:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]
