import pytest

from shipml.retrieval.fusion import reciprocal_rank_fusion, rrf_scores


def test_worked_case():
    scores = rrf_scores([["a", "b"], ["b", "c"]], k=60)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert reciprocal_rank_fusion([["a", "b"], ["b", "c"]]) == ["b", "a", "c"]


def test_ties_go_to_the_first_ranking_and_repeats_count_once():
    assert reciprocal_rank_fusion([["a"], ["b"]]) == ["a", "b"]
    assert reciprocal_rank_fusion([["a", "a", "b"], ["b"]]) == ["b", "a"]


def test_weights_move_the_order_and_zero_weight_ignores_a_ranking():
    assert reciprocal_rank_fusion([["a", "b"], ["b", "a"]], weights=[0, 1]) == ["b", "a"]
    with pytest.raises(ValueError, match="one weight per ranking"):
        reciprocal_rank_fusion([["a"]], weights=[1, 2])
