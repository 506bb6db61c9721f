"""The assistant end to end on a small corpus, in-process and as the /ask server (a real process)."""

import httpx
import pandas as pd
import pytest

from shipml.retrieval.answer import ABSTAIN
from shipml.retrieval.assistant import Assistant
from shipml.retrieval.chunking import by_sentences
from shipml.retrieval.embedding import load_embedder
from shipml.retrieval.service import serve_assistant

SECTIONS = pd.DataFrame({
    "section_id": ["s#load", "s#drift", "s#cost", "s#empty"], "doc": ["s"] * 4,
    "title": ["Load testing", "Drift", "Cost", "Empty"],
    "text": ["A load test sends many requests at once. The p95 is the latency that 95 % of requests beat.",
             "Drift is a change in the inputs. The PSI compares today's shares with the reference's.",
             "A false alarm costs the review time of an analyst. A missed fraud costs its amount.", ""]})


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    return Assistant.build(by_sentences(SECTIONS, 40), model=load_embedder("cpu"),
                           cache_dir=tmp_path_factory.mktemp("cache"), threshold=0.3)


def test_it_answers_with_a_cited_sentence_from_the_book(assistant):
    answer = assistant.ask("What does the PSI compare?")
    assert answer["citations"] == ["s#drift"] and "PSI" in answer["text"]


def test_bad_questions_get_a_stated_result(assistant):
    assert assistant.ask("")["text"] == ABSTAIN and assistant.ask("   ")["reason"] == "the question is empty"
    assert assistant.ask("What is the capital of Australia?", threshold=0.6)["abstained"]
    assert isinstance(assistant.ask("負荷試験とは何ですか")["text"], str)
    assert isinstance(assistant.ask("latency " * 2500)["text"], str)


def test_saved_and_served_over_http(assistant, tmp_path):
    assistant.save(tmp_path / "assistant")
    with serve_assistant(tmp_path / "assistant") as server:
        ok = httpx.post(server.url + "/ask", json={"question": "What is the p95?"}, trust_env=False, timeout=30)
        empty = httpx.post(server.url + "/ask", json={"question": ""}, trust_env=False)
        long = httpx.post(server.url + "/ask", json={"question": "x" * 10_001}, trust_env=False)
    assert ok.status_code == 200 and ok.json()["citations"] == ["s#load"]
    assert empty.status_code == 422 and "question" in empty.json()["message"]
    assert long.status_code == 422
    assert server.returncode == 0  # stopped gracefully by SIGTERM (shipml.serving.process)
