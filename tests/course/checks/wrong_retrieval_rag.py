"""Chapter 11's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import numpy as np
from check_assertions import WrongAnswer
from test_retrieval_rag import chunk_section, rrf


def recall_over_k(ranked_ids, relevant_ids, k):
    """Divides by k (precision@k) instead of by the number of relevant ids."""
    return len(set(relevant_ids) & set(list(dict.fromkeys(ranked_ids))[:k])) / k


def recall_over_found(ranked_ids, relevant_ids, k):
    """Divides by the relevant ids that were retrieved at all: a missing one does not count."""
    found = set(relevant_ids) & set(ranked_ids)
    return len(found & set(list(ranked_ids)[:k])) / len(found) if found else 0.0


def recall_without_dedupe(ranked_ids, relevant_ids, k):
    """Cuts at k before removing repeated ids."""
    return len(set(relevant_ids) & set(list(ranked_ids)[:k])) / len(set(relevant_ids))


def rr_from_zero(ranked_ids, relevant_ids):
    """Counts ranks from 0: the first relevant at index 2 gives 1/2."""
    for index, doc in enumerate(ranked_ids):
        if doc in relevant_ids:
            return 1 / max(index, 1)
    return 0.0


def rr_just_past_the_end(ranked_ids, relevant_ids):
    """When nothing relevant is ranked, counts it as found just past the end of the ranking."""
    ranked = list(dict.fromkeys(ranked_ids))
    return next((1 / rank for rank, doc in enumerate(ranked, 1) if doc in relevant_ids), 1 / (len(ranked) + 1))


def rr_without_dedupe(ranked_ids, relevant_ids):
    """Keeps repeated ids, so a repeat pushes the relevant id down."""
    for rank, doc in enumerate(ranked_ids, 1):
        if doc in relevant_ids:
            return 1 / rank
    return 0.0


def rrf_first_ranking_only(rankings, k=60):
    """Returns the first ranking: no fusion at all."""
    return list(dict.fromkeys(rankings[0]))


def rrf_intersection(rankings, k=60):
    """Keeps only ids found by every retriever."""
    common = set.intersection(*map(set, rankings))
    return [doc for doc in rrf(rankings, k) if doc in common]


def rrf_ignores_k(rankings, k=60):
    """Always uses 60, whatever k is given."""
    return rrf(rankings, 60)


def rrf_unstable_ties(rankings, k=60):
    """Sorts ties by id, descending, rather than by first appearance."""
    scores = {}
    for ranking in rankings:
        for rank, doc in enumerate(dict.fromkeys(ranking), 1):
            scores[doc] = scores.get(doc, 0.0) + 1 / (k + rank)
    return sorted(scores, key=lambda doc: (-scores[doc], [-ord(c) for c in doc]))


def rrf_counts_repeats(rankings, k=60):
    """Adds a score for every occurrence of an id, repeats included."""
    scores = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, 1):
            scores[doc] = scores.get(doc, 0.0) + 1 / (k + rank)
    return sorted(scores, key=lambda doc: -scores[doc])


def chunk_without_heading(title, text, size):
    """Forgets the heading."""
    words = text.split()
    return [" ".join(words[i:i + size]) for i in range(0, len(words), size)]


def chunk_drops_the_tail(title, text, size):
    """Keeps only whole pieces: the last, shorter one is lost."""
    words = text.split()
    return [f"{title}\n\n" + " ".join(words[i:i + size]) for i in range(0, len(words) - size + 1, size)]


def chunk_off_by_one(title, text, size):
    """Pieces of size + 1 words."""
    words = text.split()
    return [f"{title}\n\n" + " ".join(words[i:i + size + 1]) for i in range(0, len(words), size + 1)]


def chunk_empty_gets_a_chunk(title, text, size):
    """Returns a title-only chunk for an empty text."""
    return chunk_section(title, text, size) or [f"{title}\n\n"]


def chunk_by_characters(title, text, size):
    """Cuts every `size` characters, splitting words."""
    return [f"{title}\n\n" + text[i:i + size] for i in range(0, len(text), size)] if text.strip() else []


def threshold_plain_accuracy(evidence, answerable):
    """Maximises plain accuracy: with most questions answerable it refuses almost nothing."""
    evidence, answerable = np.asarray(evidence, dtype=float), np.asarray(answerable, dtype=bool)
    return float(max(np.unique(evidence), key=lambda t: (((evidence >= t) == answerable).mean(), -t)))


def threshold_mean(evidence, answerable):
    """The mean evidence of all dev questions."""
    return float(np.mean(evidence))


def threshold_never_abstain(evidence, answerable):
    """Answers everything."""
    return 0.0


WRONG_ANSWERS = [
    WrongAnswer("ch11-ex2", "divides by k (precision@k)", recall_over_k, "a worked case"),
    WrongAnswer("ch11-ex2", "ignores relevant ids that were never retrieved", recall_over_found,
                "a relevant id that is never retrieved"),
    WrongAnswer("ch11-ex2", "cuts at k before removing repeats", recall_without_dedupe,
                "repeated ids count once, at their first rank"),
    WrongAnswer("ch11-ex3", "counts ranks from 0", rr_from_zero, "a worked case"),
    WrongAnswer("ch11-ex3", "counts a miss as found past the end", rr_just_past_the_end, "nothing relevant is ranked"),
    WrongAnswer("ch11-ex3", "keeps repeated ids", rr_without_dedupe, "repeated ids count once, at their first rank"),
    WrongAnswer("ch11-ex4", "returns the first ranking", rrf_first_ranking_only, "a worked case"),
    WrongAnswer("ch11-ex4", "keeps only ids every retriever found", rrf_intersection,
                "an id in one ranking only is kept"),
    WrongAnswer("ch11-ex4", "ignores k", rrf_ignores_k, "the constant k is used"),
    WrongAnswer("ch11-ex4", "breaks ties by id", rrf_unstable_ties, "ties keep the order of first appearance"),
    WrongAnswer("ch11-ex4", "counts repeated ids", rrf_counts_repeats, "a repeated id counts at its first rank"),
    WrongAnswer("ch11-ex5", "forgets the heading", chunk_without_heading, "short text: one chunk with its heading"),
    WrongAnswer("ch11-ex5", "drops the last, shorter piece", chunk_drops_the_tail, "no word lost at the end"),
    WrongAnswer("ch11-ex5", "pieces of size + 1 words", chunk_off_by_one, "no body over the size"),
    WrongAnswer("ch11-ex5", "a title-only chunk for an empty text", chunk_empty_gets_a_chunk,
                "an empty section gives no chunk"),
    WrongAnswer("ch11-ex5", "cuts by characters", chunk_by_characters, "short text: one chunk with its heading"),
    WrongAnswer("ch11-ex6", "maximises plain accuracy", threshold_plain_accuracy, "balanced, not plain accuracy"),
    WrongAnswer("ch11-ex6", "the mean evidence", threshold_mean, "balanced, not plain accuracy"),
    WrongAnswer("ch11-ex6", "never abstains", threshold_never_abstain, "a separable case"),
]
