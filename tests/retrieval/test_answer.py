import pytest

from shipml.retrieval.answer import ABSTAIN, exact_match, extract_answer, token_f1, word_idf


def test_squad_normalisation():
    assert exact_match("The p95!", "p95") == 1.0
    assert token_f1("the p95 latency", "p95 latency") == 1.0
    assert token_f1("p95 latency of requests", "p95 latency") == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert token_f1("", "") == 1.0 and token_f1("x", "") == 0.0


CHUNKS = [{"section_id": "a#cost", "body": "Money is a cost we count. A cost curve helps."},
          {"section_id": "b#lat", "body": "The latency is measured well. Drift is other words."}]
IDF = word_idf([c["body"] for c in CHUNKS])


def test_the_best_sentence_is_quoted_with_its_section():
    answer = extract_answer("How is latency measured?", CHUNKS, evidence=0.7, threshold=0.5, idf=IDF)
    assert answer["text"] == "The latency is measured well." and answer["citations"] == ["b#lat"]
    assert all(q["sentence"] in c["body"] for q in answer["quotes"] for c in CHUNKS
               if c["section_id"] == q["section_id"])


def test_it_abstains_below_the_threshold_and_without_evidence():
    assert extract_answer("latency?", CHUNKS, evidence=0.4, threshold=0.5, idf=IDF)["text"] == ABSTAIN
    assert extract_answer("latency?", [], evidence=0.9, threshold=0.0, idf=IDF)["abstained"]
