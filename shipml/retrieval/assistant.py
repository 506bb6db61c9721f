"""The assistant: hybrid retrieval over the book's chunks and an extractive answer, saved as a folder a server loads.

    from shipml.retrieval.assistant import Assistant
    assistant = Assistant.build(chunks, cache_dir="../_build/retrieval/embeddings", threshold=0.45)
    assistant.retrieve("what is coordinated omission?", k=5)   # chunk rows (dicts), best first
    assistant.ask("what is coordinated omission?")             # {"text", "citations", "quotes", "evidence", ...}
    assistant.save(folder); Assistant.load(folder)             # chunks.parquet, vectors.npy, settings.json

Retrieval: BM25 (`lexical.LexicalIndex`) and exact dense search
(`dense.DenseIndex`) each rank `n_candidates` chunks; reciprocal rank fusion
(`fusion`) merges them with `weight` on the dense side (0: BM25 alone, 1:
dense alone). The answer: `answer.extract_answer` over the first
`answer_chunks` retrieved chunks, abstaining when the best cosine of the k
retrieved chunks with the question is below `threshold`.

Bad input gets a stated result, never a traceback: an empty or blank question
abstains without searching; a question longer than MiniLM's 256 word pieces
is read up to that length by the dense side (BM25 reads all of it); a question
in a script the book does not use finds no BM25 word and is answered, or not,
on the dense side's evidence alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from shipml.retrieval.answer import ABSTAIN, extract_answer, word_idf
from shipml.retrieval.dense import DenseIndex
from shipml.retrieval.embedding import embed, load_embedder
from shipml.retrieval.fusion import reciprocal_rank_fusion
from shipml.retrieval.lexical import LexicalIndex

__all__ = ["Assistant"]


class Assistant:
    """Hybrid retrieval and an extractive, cited answer over a table of chunks and their vectors."""

    def __init__(self, chunks: pd.DataFrame, vectors, *, model=None, cache_dir=None, threshold: float = 0.45,
                 weight: float = 0.5, n_candidates: int = 20, answer_chunks: int = 3):
        if len(chunks) != len(vectors):
            raise ValueError(f"one vector per chunk: got {len(chunks)} chunks and {len(vectors)} vectors.")
        if not 0 <= weight <= 1:
            raise ValueError(f"weight is the dense side's share, from 0 to 1; got {weight!r}.")
        self.chunks = chunks.reset_index(drop=True)
        self.lexical = LexicalIndex(self.chunks["text"].tolist())
        self.dense = DenseIndex(vectors)
        self.model, self.cache_dir = model, cache_dir
        self.threshold, self.weight = float(threshold), float(weight)
        self.n_candidates, self.answer_chunks = int(n_candidates), int(answer_chunks)
        self.idf = word_idf(self.chunks["text"].tolist())

    @classmethod
    def build(cls, chunks: pd.DataFrame, *, model=None, cache_dir=None, **settings) -> Assistant:
        """Embed the chunks (through the cache) and build both indexes."""
        model = model or load_embedder()
        return cls(chunks, embed(chunks["text"].tolist(), model, cache_dir=cache_dir), model=model,
                   cache_dir=cache_dir, **settings)

    def _model(self):
        if self.model is None:
            self.model = load_embedder()
        return self.model

    def embed_question(self, question: str) -> np.ndarray:
        """The question's unit vector."""
        return embed([question], self._model())[0]

    def rankings(self, question: str, question_vector=None) -> tuple[list[int], list[int]]:
        """The BM25 and the dense ranking of chunk rows (n_candidates each)."""
        lexical = [row for row, _ in self.lexical.search(question, self.n_candidates)]
        vector = self.embed_question(question) if question_vector is None else question_vector
        dense = [row for row, _ in self.dense.search(vector, self.n_candidates)]
        return lexical, dense

    def retrieve(self, question: str, k: int = 5, question_vector=None, weight: float | None = None) -> list[dict]:
        """The k best chunks for the question (dicts of the chunk's columns), fused; [] for a blank question."""
        if not isinstance(question, str):
            raise TypeError(f"a question is a string, not {type(question).__name__}.")
        if not question.strip():
            return []
        weight = self.weight if weight is None else weight
        lexical, dense = self.rankings(question, question_vector)
        fused = reciprocal_rank_fusion([lexical, dense], weights=[1 - weight, weight])[:k]
        return self.chunks.iloc[fused].to_dict("records")

    def ask(self, question: str, k: int = 5, question_vector=None, threshold: float | None = None) -> dict:
        """The extractive answer with its citations and evidence, and the chunks it read."""
        if not isinstance(question, str) or not question.strip():
            return {"text": ABSTAIN, "citations": [], "quotes": [], "evidence": 0.0, "abstained": True,
                    "retrieved": [], "reason": "the question is empty"}
        vector = self.embed_question(question) if question_vector is None else question_vector
        retrieved = self.retrieve(question, k, vector)
        read = retrieved[:self.answer_chunks]
        ids = self.chunks["chunk_id"].to_numpy()
        rows = [int(np.flatnonzero(ids == c["chunk_id"])[0]) for c in retrieved]  # all k: the evidence
        evidence = float(np.max(self.dense.vectors[rows] @ vector)) if rows else 0.0
        answer = extract_answer(question, read, evidence, self.threshold if threshold is None else threshold,
                                self.idf)
        return {**answer, "retrieved": [chunk["chunk_id"] for chunk in retrieved]}

    def save(self, folder) -> Path:
        """chunks.parquet, vectors.npy and settings.json in `folder` (created)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.chunks.to_parquet(folder / "chunks.parquet", index=False)
        np.save(folder / "vectors.npy", self.dense.vectors)
        settings = {"threshold": self.threshold, "weight": self.weight, "n_candidates": self.n_candidates,
                    "answer_chunks": self.answer_chunks}
        (folder / "settings.json").write_text(json.dumps(settings, indent=2))
        return folder

    @classmethod
    def load(cls, folder, *, model=None, cache_dir=None) -> Assistant:
        """The assistant saved in `folder`."""
        folder = Path(folder)
        if not (folder / "chunks.parquet").is_file():
            raise FileNotFoundError(f"{folder} holds no saved assistant (chunks.parquet is missing).")
        settings = json.loads((folder / "settings.json").read_text())
        return cls(pd.read_parquet(folder / "chunks.parquet"), np.load(folder / "vectors.npy"), model=model,
                   cache_dir=cache_dir, **settings)
