"""The memo's headline: money net of running cost, the SLO and fairness verdicts, the recommendation."""

import pytest

from shipml.system import memo

RESULTS = {"saved_vs_none": 1e9, "saved_vs_rule": 5e7, "saved_vs_rule_low": 2e7, "saved_vs_rule_high": 8e7,
           "monthly_cost": 200.0, "p99_ms": 12.0, "slo_ms": 50.0, "fpr_gap": 0.01, "max_fpr_gap": 0.05,
           "p95_ms": 8.0, "held_share": 0.009, "instances": 2, "canary": "promote", "slice_passed": True,
           "detected_days": {"cents": 0.0, "new fraud pattern": 22.0}}


def test_a_system_that_pays_meets_its_slo_and_is_fair_ships():
    head = memo.headline(RESULTS)
    assert head["net of running cost"] == 5e7 - 200 and head["recommendation"] == "ship"
    assert head["latency"] == "within the SLO" and head["fairness"] == "within the limit"


@pytest.mark.parametrize("change", [{"p99_ms": 60.0}, {"fpr_gap": 0.2}, {"saved_vs_rule_low": 100.0}])
def test_any_failing_condition_means_do_not_ship(change):
    assert memo.headline({**RESULTS, **change})["recommendation"] == "do not ship"


def test_a_missing_number_is_named():
    with pytest.raises(ValueError, match="'p99_ms'"):
        memo.headline({k: v for k, v in RESULTS.items() if k != "p99_ms"})


def test_the_memo_leads_with_the_recommendation_and_carries_the_score():
    text = memo.render(RESULTS, {"data": 4.5, "model": 5.0, "infrastructure": 7.0, "monitoring": 7.0,
                                 "final": 4.5})
    assert text.splitlines()[2].startswith("**Recommendation: ship.**")
    assert "ML Test Score 4.5" in text and "weakest section is data" in text and "22 days" in text
