"""Dense retrieval: exact cosine search over MiniLM embeddings with NumPy.

    from shipml.retrieval.dense import DenseIndex
    index = DenseIndex(vectors)                        # (n, 384) unit vectors from shipml.retrieval.embedding.embed
    index.search(query_vector, k=10)                   # [(row, cosine), ...], best first
    index.search_many(query_vectors, k=10)             # (rows, scores), each (n_queries, k)

Exact search is one matrix product: every chunk's cosine with the query,
then the k largest (`np.argpartition`, then a sort of those k). It is the
reference an approximate index (FAISS's HNSW in chapter 11) is measured
against: its recall@k is the share of these exact neighbours it finds.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DenseIndex"]


class DenseIndex:
    """Exact nearest neighbours by inner product over unit vectors (a cosine)."""

    def __init__(self, vectors):
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or len(self.vectors) == 0:
            raise ValueError("a dense index needs a non-empty (n, dimensions) array of vectors.")

    def search_many(self, queries, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The k best rows and their cosines for each query row, best first."""
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        k = min(k, len(self.vectors))
        sims = queries @ self.vectors.T
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top_sims = np.take_along_axis(sims, top, axis=1)
        order = np.argsort(-top_sims, axis=1, kind="stable")
        return np.take_along_axis(top, order, axis=1), np.take_along_axis(top_sims, order, axis=1)

    def search(self, query, k: int = 10) -> list[tuple[int, float]]:
        """The k best rows for one query vector, as (row, cosine) pairs."""
        rows, sims = self.search_many(query, k)
        return [(int(r), float(s)) for r, s in zip(rows[0], sims[0])]
