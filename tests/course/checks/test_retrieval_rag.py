"""Chapter 11's checks: the reference answers pass, untouched stubs are not attempted."""

import numpy as np
import pytest

from shipml.course.checks import registered_ids, run

# --- answers as a learner would write them in the notebook ------------------------------------


def recall_at_k(ranked_ids, relevant_ids, k):
    ranked = list(dict.fromkeys(ranked_ids))
    return len(set(relevant_ids) & set(ranked[:k])) / len(set(relevant_ids))


def reciprocal_rank(ranked_ids, relevant_ids):
    for rank, doc in enumerate(dict.fromkeys(ranked_ids), 1):
        if doc in set(relevant_ids):
            return 1 / rank
    return 0.0


def rrf(rankings, k=60):
    scores = {}
    for ranking in rankings:
        for rank, doc in enumerate(dict.fromkeys(ranking), 1):
            scores[doc] = scores.get(doc, 0.0) + 1 / (k + rank)
    return sorted(scores, key=lambda doc: -scores[doc])


def chunk_section(title, text, size):
    words = text.split()
    return [f"{title}\n\n" + " ".join(words[i:i + size]) for i in range(0, len(words), size)]


def choose_threshold(evidence, answerable):
    evidence, answerable = np.asarray(evidence, dtype=float), np.asarray(answerable, dtype=bool)

    def bacc(t):
        answered = evidence >= t
        return (answered[answerable].mean() + (~answered[~answerable]).mean()) / 2

    return float(max(np.unique(evidence), key=lambda t: (bacc(t), -t)))


def stub_two(a, b):
    ...


def stub_three(a, b, c):
    ...


def stub_rrf(rankings, k=60):
    ...


ANSWERS = {"ch11-ex2": recall_at_k, "ch11-ex3": reciprocal_rank, "ch11-ex4": rrf, "ch11-ex5": chunk_section,
           "ch11-ex6": choose_threshold}
STUBS = {"ch11-ex2": stub_three, "ch11-ex3": stub_two, "ch11-ex4": stub_rrf, "ch11-ex5": stub_three,
         "ch11-ex6": stub_two}


def test_are_the_chapters_exercises_registered():
    assert set(ANSWERS) <= set(registered_ids())


@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_does_the_reference_answer_pass_every_case_hidden_ones_included(exercise_id):
    result = run(exercise_id, ANSWERS[exercise_id], include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize("exercise_id", sorted(STUBS))
def test_is_an_untouched_stub_not_attempted(exercise_id):
    assert run(exercise_id, STUBS[exercise_id]).status == "not attempted"
    assert run(exercise_id, None).status == "not attempted"


def test_does_an_answer_that_raises_get_a_sentence():
    def broken(ranked_ids, relevant_ids, k):
        return 1 / 0

    result = run("ch11-ex2", broken)
    assert result.status == "error" and "ZeroDivisionError" in result.summary()
