"""Checks of chapter 11, "Retrieval and RAG".

    from shipml.course.checks import run
    run("ch11-ex2", recall_at_k)        # the learner's recall_at_k(ranked_ids, relevant_ids, k) -> a number
    run("ch11-ex3", reciprocal_rank)    # the learner's reciprocal_rank(ranked_ids, relevant_ids) -> a number
    run("ch11-ex4", rrf)                # the learner's rrf(rankings, k=60) -> ids, best first
    run("ch11-ex5", chunk_section)      # the learner's chunk_section(title, text, size) -> chunk texts
    run("ch11-ex6", choose_threshold)   # the learner's choose_threshold(evidence, answerable) -> a number

Each case observes (calls the learner's function on fixed inputs) and judges
against hand-worked values or the references of `shipml.retrieval`
(`metrics`, `fusion`); the chunker is judged by its properties (no word lost
or reordered, no body over the size, the heading on top of every chunk); the
threshold by the balanced accuracy it reaches on held-out questions.
"""

from __future__ import annotations

import numpy as np

from shipml.course.checks import Failure, exercise, expect, expect_number, expect_type, to_number
from shipml.retrieval.fusion import reciprocal_rank_fusion
from shipml.retrieval.metrics import recall_at_k as reference_recall
from shipml.retrieval.metrics import reciprocal_rank as reference_rr

# --- exercise 2 and 3: recall@k and the reciprocal rank --------------------------------------------------------

RANKED = ["s1", "s2", "s3", "s4", "s5", "s6"]

ex2 = exercise(
    "ch11-ex2",
    title="Recall at k",
    hints=[
        "Recall@k is a share of the *relevant* ids: how many of them are among the first k ranked, over how "
        "many relevant ids there are.",
        "A retriever may return one section twice (through two of its chunks): keep each id once, at its first "
        "rank (`list(dict.fromkeys(ranked_ids))`), before you cut at k.",
        "`ranked = list(dict.fromkeys(ranked_ids)); return len(set(relevant_ids) & set(ranked[:k])) / "
        "len(set(relevant_ids))`.",
    ],
)


def _metric_case(ex, name, hint, problems, reference, hidden=False):
    def observe(fn):
        return [fn(list(ranked), list(relevant), *extra) for ranked, relevant, extra, _ in problems]

    def judge(got):
        expect(isinstance(got, list) and len(got) == len(problems), "Your function should return one number.")
        for value, (ranked, relevant, extra, what) in zip(got, problems):
            expect_number(to_number(value, what), reference(ranked, relevant, *extra), tol=1e-9, what=what)

    ex.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_metric_case(ex2, "a worked case", "Two relevant ids, one of them in the first three: recall@3 is 1/2.",
             [(RANKED, ["s2", "s9"], (3,), "recall@3 with one of two relevant ids found")], reference_recall)
_metric_case(ex2, "a relevant id that is never retrieved",
             "A relevant id missing from the ranking still counts in the denominator: recall cannot reach 1.",
             [(RANKED, ["s9"], (5,), "recall@5 when the relevant id is missing"),
              (RANKED, ["s1", "s9", "s8"], (5,), "recall@5 with two of three relevant ids missing")],
             reference_recall)
_metric_case(ex2, "repeated ids count once, at their first rank",
             "The ranking s1, s1, s1, s2 holds two distinct ids: s2 is the second, inside the first two.",
             [(["s1", "s1", "s1", "s2"], ["s2"], (2,), "recall@2 of a ranking with a repeated id"),
              (["s1", "s1", "s2", "s2"], ["s1", "s2"], (2,), "recall@2 with both relevant ids repeated")],
             reference_recall)
_metric_case(ex2, "k larger than the ranking", "With k beyond the ranking's end, every ranked id is within k.",
             [(["s3"], ["s3", "s4"], (10,), "recall@10 of a one-item ranking")], reference_recall)
_metric_case(ex2, "random rankings against the reference", None,
             [(list(np.random.default_rng(s).choice([f"s{i}" for i in range(12)], 8)),
               [f"s{i}" for i in np.random.default_rng(s + 50).choice(12, 3, replace=False)], (k,),
               f"recall@{k} of random ranking {s}") for s, k in zip(range(8), [1, 3, 5, 10] * 2)],
             reference_recall, hidden=True)

ex3 = exercise(
    "ch11-ex3",
    title="The reciprocal rank",
    hints=[
        "The reciprocal rank is 1 / the rank of the first relevant id, ranks counted from 1.",
        "When no relevant id is ranked at all, the reciprocal rank is 0; and an id repeated in the ranking "
        "keeps its first rank only (the ids after it move up).",
        "`for rank, doc in enumerate(dict.fromkeys(ranked_ids), 1): if doc in relevant: return 1 / rank`, and "
        "`return 0.0` after the loop.",
    ],
)
_metric_case(ex3, "a worked case", "The first relevant id is third: 1/3. Ranks start at 1, not 0.",
             [(RANKED, ["s3", "s5"], (), "the reciprocal rank when the first relevant id is third")], reference_rr)
_metric_case(ex3, "nothing relevant is ranked", "No relevant id anywhere: the reciprocal rank is 0, not an error.",
             [(RANKED, ["s9"], (), "the reciprocal rank when nothing relevant is ranked")], reference_rr)
_metric_case(ex3, "repeated ids count once, at their first rank",
             "s1, s1, s2: after removing the repeat, s2 is second, so 1/2.",
             [(["s1", "s1", "s2"], ["s2"], (), "the reciprocal rank after a repeated id")], reference_rr)
_metric_case(ex3, "random rankings against the reference", None,
             [(list(np.random.default_rng(s).choice([f"s{i}" for i in range(10)], 6)),
               [f"s{i}" for i in np.random.default_rng(s + 70).choice(10, 2, replace=False)], (),
               f"the reciprocal rank of random ranking {s}") for s in range(8)], reference_rr, hidden=True)

# --- exercise 4: reciprocal rank fusion --------------------------------------------------------------------------

ex4 = exercise(
    "ch11-ex4",
    title="Reciprocal rank fusion",
    hints=[
        "Every ranking gives each of its ids 1 / (k + rank), ranks from 1; an id's score is the sum over the "
        "rankings it is in. Return all ids, highest score first.",
        "Ties (the same score) keep the order in which the ids first appear, reading the rankings in order; a "
        "stable sort by minus the score does it. An id repeated within one ranking counts once, at its first rank.",
        "`scores = {}`; for each ranking, `for rank, doc in enumerate(dict.fromkeys(ranking), 1): scores[doc] = "
        "scores.get(doc, 0) + 1 / (k + rank)`; `return sorted(scores, key=lambda d: -scores[d])`.",
    ],
)


def _rrf_case(name, hint, problems, hidden=False):
    def observe(fn):
        return [list(fn([list(r) for r in rankings], k=k)) for rankings, k, _ in problems]

    def judge(got):
        for value, (rankings, k, what) in zip(got, problems):
            expect_type(value, list, what)
            expected = reciprocal_rank_fusion(rankings, k=k)
            if sorted(map(str, value)) != sorted(map(str, expected)):
                raise Failure(f"For {what} the fused list should hold every id of the rankings once: "
                              f"{expected}; yours is {value}.")
            expect(value == expected, f"For {what} the fused order should be {expected}; yours is {value}.")

    ex4.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_rrf_case("a worked case", "b is second in one ranking and first in the other: 1/62 + 1/61 beats a's 1/61.",
          [([["a", "b"], ["b", "c"]], 60, "the rankings a, b and b, c")])
_rrf_case("an id in one ranking only is kept",
          "Every id of every ranking is in the result, even one that only one retriever found.",
          [([["a", "b", "c"], ["d"]], 60, "the rankings a, b, c and d")])
_rrf_case("ties keep the order of first appearance",
          "a and b both score 1/61: a comes first because the first ranking lists it first.",
          [([["a"], ["b"]], 60, "the rankings a and b"), ([["x", "y"], ["y", "x"]], 60, "two reversed rankings")])
_rrf_case("the constant k is used",
          "With k = 0 a first rank is worth 1 and two third ranks 2/3: p beats q. With k = 60 it is 1/61 against "
          "2/63, and q wins. Use the k you are given.",
          [([["p", "r", "q"], ["s", "t", "q"]], 0, "two rankings with k = 0"),
           ([["p", "r", "q"], ["s", "t", "q"]], 60, "the same rankings with k = 60")])
_rrf_case("a repeated id counts at its first rank", "Remove repeats within a ranking before you add its scores.",
          [([["a", "a", "b"], ["b"]], 60, "a ranking that repeats a")])
_rrf_case("random rankings against the reference", None,
          [([list(dict.fromkeys(np.random.default_rng(s * 3 + j).choice(list("abcdefghij"), 6).tolist()))
             for j in range(3)], 60, f"random rankings {s}") for s in range(6)], hidden=True)

# --- exercise 5: a chunker -------------------------------------------------------------------------------------

ex5 = exercise(
    "ch11-ex5",
    title="A chunker that loses nothing",
    hints=[
        "Split the text into words (`text.split()`), cut them into consecutive pieces of at most `size` words, "
        "and put the title on top of each: `f\"{title}\\n\\n{body}\"`.",
        "Every word must land in exactly one chunk, in order; no body may be longer than `size` words; an empty "
        "text gives no chunk at all (an empty list).",
        "`words = text.split(); return [f\"{title}\\n\\n\" + \" \".join(words[i:i + size]) for i in range(0, "
        "len(words), size)]`.",
    ],
)

LONG = " ".join(f"word{i}" + ("." if i % 9 == 8 else "") for i in range(137))
SHORT = "A load test sends requests.\n\nThe p95 is the latency 95 % of requests beat."


def _chunk_case(name, hint, problems, hidden=False):
    def observe(fn):
        return [list(fn(title, text, size)) for title, text, size, _ in problems]

    def judge(got):
        for chunks, (title, text, size, what) in zip(got, problems):
            expect_type(chunks, list, what)
            for chunk in chunks:
                expect_type(chunk, str, f"each chunk of {what}")
                expect(chunk.startswith(f"{title}\n\n"), f"Every chunk of {what} should start with its heading "
                                                         f"and a blank line, {title!r} + '\\n\\n'; one starts "
                                                         f"{chunk[:40]!r}.")
            bodies = [chunk[len(title) + 2:] for chunk in chunks]
            longest = max((len(body.split()) for body in bodies), default=0)
            expect(longest <= size, f"A chunk of {what} has {longest} words; at most {size} are allowed.")
            words = [word for body in bodies for word in body.split()]
            if words != text.split():
                lost = len(text.split()) - len(set(words) & set(text.split()))
                raise Failure(f"The chunks of {what} should hold the text's {len(text.split())} words, each once, "
                              f"in order; they hold {len(words)} words ({max(lost, 0)} of the text's missing).")
            expect(all(body.split() for body in bodies), f"{what.capitalize()} gives an empty chunk; leave it out.")

    ex5.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_chunk_case("short text: one chunk with its heading", "A text within the size is one chunk: the title, a blank "
            "line, the words.", [("Load testing", SHORT, 50, "a short section")])
_chunk_case("no word lost at the end", "137 words in pieces of 40: four chunks, the last with 17 words.",
            [("Drift", LONG, 40, "a 137-word section in pieces of 40")])
_chunk_case("no body over the size", "Count words, not characters, and cut at `size` words exactly.",
            [("Drift", LONG, 10, "a 137-word section in pieces of 10"), ("Drift", LONG, 137, "one piece of 137")])
_chunk_case("an empty section gives no chunk", "No words: return an empty list, not a chunk with the title alone.",
            [("Empty", "", 20, "an empty section"), ("Blank", "  \n\n ", 20, "a blank section")])
_chunk_case("various sizes", None, [("T", LONG, s, f"pieces of {s}") for s in (1, 7, 33, 200)], hidden=True)

# --- exercise 6: the abstention threshold ----------------------------------------------------------------------

ex6 = exercise(
    "ch11-ex6",
    title="Choose the abstention threshold",
    hints=[
        "The assistant answers when the evidence is at least the threshold. Try every distinct evidence value of "
        "the dev questions as a threshold and keep the best.",
        "Best means the highest balanced accuracy: the mean of (share of answerable questions answered) and "
        "(share of unanswerable questions refused). Plain accuracy would refuse nothing when most questions are "
        "answerable. On a tie keep the lowest threshold.",
        "`candidates = np.unique(evidence)`; `def bacc(t): answered = evidence >= t; return "
        "(answered[answerable].mean() + (~answered[~answerable]).mean()) / 2`; "
        "`return float(max(candidates, key=lambda t: (bacc(t), -t)))`.",
    ],
)


def balanced_accuracy(evidence, answerable, threshold) -> float:
    """The mean of the share of answerable questions answered and of unanswerable ones refused."""
    answered = np.asarray(evidence, dtype=float) >= threshold
    flags = np.asarray(answerable, dtype=bool)
    return float((answered[flags].mean() + (~answered[~flags]).mean()) / 2)


def best_threshold(evidence, answerable) -> float:
    """The reference: the distinct evidence value with the highest balanced accuracy, the lowest on a tie."""
    evidence = np.asarray(evidence, dtype=float)
    return float(max(np.unique(evidence), key=lambda t: (balanced_accuracy(evidence, answerable, t), -t)))


def _questions(seed, n_answerable, n_unanswerable, shift=0.15):
    rng = np.random.default_rng(seed)
    evidence = np.concatenate([rng.normal(0.55, 0.08, n_answerable), rng.normal(0.55 - shift * 2, 0.08,
                                                                                  n_unanswerable)])
    return np.round(evidence, 4), np.array([True] * n_answerable + [False] * n_unanswerable)


SEPARABLE = (np.array([0.2, 0.3, 0.35, 0.6, 0.7, 0.8, 0.9]), np.array([False, False, False, True, True, True, True]))


@ex6.case("a separable case", hint="Answer every answerable question and refuse every other: any threshold between "
                                   "0.35 and 0.6 does; the lowest evidence value that does is 0.6.")
def _separable(fn):
    return fn(SEPARABLE[0].copy(), SEPARABLE[1].copy())


@_separable.judge
def _(got):
    threshold = to_number(got, "your threshold")
    expect_number(balanced_accuracy(*SEPARABLE, threshold), 1.0, tol=1e-9,
                  what="the balanced accuracy of your threshold on a separable case")


@ex6.case("balanced, not plain accuracy",
          hint="With five answerable questions for every unanswerable one, plain accuracy is highest when nothing is "
               "refused. Weigh both kinds of question equally.")
def _imbalanced(fn):
    evidence, answerable = _questions(1, 100, 20)
    return fn(evidence, answerable)


@_imbalanced.judge
def _(got):
    evidence, answerable = _questions(1, 100, 20)
    expect_number(to_number(got, "your threshold"), best_threshold(evidence, answerable), tol=1e-9,
                  what="the threshold on 100 answerable and 20 unanswerable dev questions")


def _held_out(seed):
    def observe(fn):
        evidence, answerable = _questions(seed, 40, 12)
        return fn(evidence, answerable)

    def judge(got):
        threshold = to_number(got, "your threshold")
        evidence, answerable = _questions(seed + 100, 400, 120)  # held-out questions, never shown to the function
        reference = balanced_accuracy(evidence, answerable, best_threshold(*_questions(seed, 40, 12)))
        mine = balanced_accuracy(evidence, answerable, threshold)
        expect(mine >= reference - 0.02, f"On held-out questions your threshold ({threshold:.3f}) reaches a balanced "
                                         f"accuracy of {mine:.3f}; the dev-chosen reference reaches {reference:.3f}.")
    return observe, judge


for _seed, _hidden in [(2, False), (3, True), (4, True)]:
    _observe, _judge = _held_out(_seed)
    ex6.case("held-out questions" if not _hidden else f"held-out questions {_seed}", hidden=_hidden,
             hint=None if _hidden else "Choose on the dev questions you are given; the check scores your threshold "
                                       "on other questions from the same kind of book.",
             observe=_observe, judge=_judge)
