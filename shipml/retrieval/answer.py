"""The extractive answer: the best sentences of the retrieved chunks, cited, or an abstention.

    from shipml.retrieval.answer import extract_answer, token_f1, word_idf
    answer = extract_answer(question, retrieved, evidence=0.62, threshold=0.45, idf=word_idf(chunk_texts))
    answer["text"], answer["citations"], answer["evidence"], answer["abstained"]
    token_f1("the p95 latency", "p95 latency")        # 0.8: SQuAD's token F1 after normalising

Nothing is generated. The evidence is the best cosine of the question with
a retrieved chunk (dense retrieval has computed it already); below
`threshold` (chosen on the dev split) the answer is an abstention, "The book
does not say.", with no citation. Otherwise each sentence of the retrieved
chunks (the chunker's splitter, `chunking.sentences`) is scored by the
question words it contains, each weighted by its rarity in the corpus (IDF),
and the best `n_sentences` are quoted, each with the section it came from: so
every quoted sentence is, by construction, in a cited chunk. No sentence is
embedded, which keeps an answer to a few milliseconds after retrieval. A
prompt injection inside a chunk is text to be scored like any other: it
cannot change what this answerer does, only which sentences it quotes.

Exact match and token F1 follow SQuAD: lower case, punctuation and articles
removed, whitespace collapsed; F1 is the harmonic mean of the shared tokens'
precision and recall.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter

import numpy as np

from shipml.retrieval.chunking import sentences

__all__ = ["ABSTAIN", "exact_match", "extract_answer", "normalize", "sentence_scores", "token_f1", "word_idf"]

ABSTAIN = "The book does not say."
_STOP = set("is are was were be been do does did what which who how when why where of to in on for and or "
            "it its this that with as by at from can should i we you course book".split())


def normalize(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = text.lower().replace("`", " ").replace("*", " ")
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, truth: str) -> float:
    """1.0 when the normalised texts are equal."""
    return float(normalize(prediction) == normalize(truth))


def token_f1(prediction: str, truth: str) -> float:
    """The F1 of the shared normalised tokens (1.0 when both are empty)."""
    pred, gold = normalize(prediction).split(), normalize(truth).split()
    if not pred or not gold:
        return float(pred == gold)
    shared = sum((Counter(pred) & Counter(gold)).values())
    if shared == 0:
        return 0.0
    precision, recall = shared / len(pred), shared / len(gold)
    return 2 * precision * recall / (precision + recall)


def _words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if w not in _STOP]


def sentence_scores(question: str, candidates: list[str], idf: dict) -> np.ndarray:
    """Each sentence's lexical match with the question: the IDF of the question words it contains."""
    asked = set(_words(question))
    return np.array([sum(idf.get(w, 0.0) for w in asked & set(_words(c))) for c in candidates], dtype=float)


def extract_answer(question: str, retrieved, evidence: float, threshold: float, idf: dict,
                   n_sentences: int = 1) -> dict:
    """The best `n_sentences` sentences of `retrieved` (dicts with section_id and body), or an abstention.

    `evidence` is the best cosine of the question with a retrieved chunk; `idf` weighs the question's words
    (`word_idf` of the corpus). A sentence is chosen by the question words it contains, weighted by rarity;
    a tie goes to the better-ranked chunk.
    """
    candidates = [(chunk["section_id"], sentence) for chunk in retrieved for sentence in sentences(chunk["body"])
                  if len(sentence.split()) >= 3]
    candidates = list(dict.fromkeys(candidates))
    if not candidates or evidence < threshold:
        return {"text": ABSTAIN, "citations": [], "quotes": [], "evidence": float(evidence), "abstained": True}
    scores = sentence_scores(question, [sentence for _, sentence in candidates], idf)
    order = np.argsort(-scores, kind="stable")[:n_sentences]
    quotes = [{"section_id": candidates[i][0], "sentence": candidates[i][1]} for i in order]
    return {"text": " ".join(q["sentence"] for q in quotes), "quotes": quotes,
            "citations": list(dict.fromkeys(q["section_id"] for q in quotes)), "evidence": float(evidence),
            "abstained": False}


def word_idf(texts) -> dict:
    """log(N / document frequency) of every normalised word of the texts."""
    df = Counter(w for text in texts for w in set(_words(text)))
    return {w: math.log(len(texts) / n) for w, n in df.items()}
