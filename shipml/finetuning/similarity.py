"""The forgetting check: does a model tuned on the book still judge everyday sentences as it did?

    from shipml.finetuning.similarity import load_similarity, similarity_scores, spearman, forgetting
    pairs = load_similarity()                       # sentence1, sentence2, score (0 unrelated .. 5 same meaning)
    cosines = similarity_scores(model, pairs)       # the model's cosine of each pair
    spearman(pairs["score"], cosines)               # rank agreement with the people's scores
    forgetting(pairs, base_cosines, tuned_cosines)  # tuned minus base Spearman, with a paired bootstrap interval

`similarity.csv`, shipped in this package, holds 48 pairs written for the
course in the style of the STS benchmark (its header says how). Fine-tuning
on a narrow domain can pull the embedding space towards it and lose general
distinctions ("catastrophic forgetting"); a drop of the rank correlation on
general sentences is the sign. The interval comes from
`shipml.evaluation.bootstrap.paired_bootstrap`: both models' cosines on the
same resampled pairs.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["forgetting", "load_similarity", "similarity_scores", "spearman"]


def load_similarity() -> pd.DataFrame:
    """The shipped sentence pairs: sentence1, sentence2, score."""
    with resources.files("shipml.finetuning").joinpath("similarity.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, comment="#")


def similarity_scores(model, pairs: pd.DataFrame) -> np.ndarray:
    """The model's cosine similarity of each pair (unit vectors from chapter 11's `embed`, no cache)."""
    from shipml.retrieval.embedding import embed

    first = embed(pairs["sentence1"].tolist(), model)
    second = embed(pairs["sentence2"].tolist(), model)
    return np.sum(first * second, axis=1)


def _ranks(values: np.ndarray) -> np.ndarray:
    return pd.Series(values).rank(method="average").to_numpy()


def spearman(scores, cosines, weights=None):
    """Spearman's rank correlation; with an (n_boot, n) matrix of resample counts, one value per resample."""
    scores, cosines = np.asarray(scores, dtype=float), np.asarray(cosines, dtype=float)
    if weights is None:
        return float(np.corrcoef(_ranks(scores), _ranks(cosines))[0, 1])
    values = []
    for counts in np.asarray(weights):
        idx = np.repeat(np.arange(len(scores)), counts.astype(int))
        values.append(np.corrcoef(_ranks(scores[idx]), _ranks(cosines[idx]))[0, 1])
    return np.asarray(values)


def forgetting(pairs: pd.DataFrame, base_cosines, tuned_cosines, n_boot: int = 1000, seed: int = 0, level=0.9):
    """Tuned minus base Spearman on the pairs, with a paired bootstrap interval (an `Interval`)."""
    from shipml.evaluation.bootstrap import paired_bootstrap

    return paired_bootstrap(pairs["score"].to_numpy(), tuned_cosines, base_cosines, metric=spearman,
                            n_boot=n_boot, seed=seed, level=level)
