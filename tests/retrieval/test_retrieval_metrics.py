import numpy as np
import pytest
import pytrec_eval

from shipml.retrieval.metrics import ndcg_at_k, recall_at_k, reciprocal_rank


def test_worked_cases():
    ranked = ["a", "b", "c", "d"]
    assert recall_at_k(ranked, {"b", "x"}, 1) == 0.0
    assert recall_at_k(ranked, {"b", "x"}, 2) == 0.5
    assert reciprocal_rank(ranked, {"c"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(ranked, {"x"}) == 0.0
    assert ndcg_at_k(ranked, {"a"}, 10) == 1.0
    assert ndcg_at_k(ranked, {"b"}, 10) == pytest.approx(1 / np.log2(3))


def test_a_repeated_id_counts_once_at_its_first_rank():
    assert reciprocal_rank(["a", "a", "b"], {"b"}) == 0.5
    assert recall_at_k(["a", "a", "b"], {"b"}, 2) == 1.0


def test_bad_input_gets_a_sentence():
    with pytest.raises(ValueError, match="no relevant id"):
        recall_at_k(["a"], [], 5)
    with pytest.raises(ValueError, match="k is a whole number"):
        recall_at_k(["a"], ["a"], 0)
    with pytest.raises(TypeError, match="not one string"):
        reciprocal_rank("abc", ["a"])


def test_agree_with_trec_eval_on_random_rankings():
    rng = np.random.default_rng(0)
    docs = [f"d{i}" for i in range(30)]
    qrels, run, mine = {}, {}, {}
    for q in range(200):
        qid = f"q{q}"
        relevant = set(rng.choice(docs, size=rng.integers(1, 4), replace=False))
        ranked = list(rng.choice(docs, size=rng.integers(1, 25), replace=False))
        qrels[qid] = {d: 1 for d in relevant}
        run[qid] = {d: float(len(ranked) - i) for i, d in enumerate(ranked)}
        mine[qid] = (recall_at_k(ranked, relevant, 5), reciprocal_rank(ranked, relevant),
                     ndcg_at_k(ranked, relevant, 10))
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"recall.5", "recip_rank", "ndcg_cut.10"})
    result = evaluator.evaluate(run)
    for qid, (recall, rr, ndcg) in mine.items():
        assert recall == pytest.approx(result[qid]["recall_5"])
        assert rr == pytest.approx(result[qid]["recip_rank"])
        assert ndcg == pytest.approx(result[qid]["ndcg_cut_10"])
