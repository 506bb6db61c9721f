"""Pairs from the book, batches without false negatives, a short training run, the adapter as an artifact."""

import numpy as np
import pandas as pd
import pytest

from shipml.finetuning import contrastive

SECTIONS = pd.DataFrame({
    "section_id": [f"doc#s{i}" for i in range(20)],
    "title": [f"Section {i}" for i in range(20)],
    "text": [f"First sentence of section {i} says what it is about. The rest " + " ".join(["word"] * 40) + f" number {i}."
             for i in range(20)],
})


def test_do_the_pairs_come_from_headings_first_sentences_and_dev_questions():
    dev = pd.DataFrame({"question": ["What is in section 3?"], "sections": [["doc#s3"]], "split": ["dev"]})
    pairs = contrastive.training_pairs(SECTIONS, dev)
    assert set(pairs["source"]) == {"heading", "first sentence", "dev question"}
    assert pairs.loc[pairs["source"] == "dev question", "section_id"].tolist() == ["doc#s3"]


def test_are_the_held_out_test_questions_refused():
    test = pd.DataFrame({"question": ["q"], "sections": [["doc#s1"]], "split": ["test"]})
    with pytest.raises(ValueError, match="held-out test split"):
        contrastive.training_pairs(SECTIONS, test)


def test_does_no_batch_hold_two_pairs_of_one_section():
    pairs = contrastive.training_pairs(SECTIONS)
    plan = contrastive.batches(pairs, batch_size=8, steps=12, seed=0)
    assert len(plan) == 12
    assert all(len(b) == 8 and b["section_id"].is_unique for b in plan)


def test_is_a_batch_larger_than_the_sections_refused():
    with pytest.raises(ValueError, match="needs at least that many sections"):
        contrastive.batches(contrastive.training_pairs(SECTIONS), batch_size=64, steps=1)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    model = contrastive.add_lora(contrastive.trainable_embedder("cpu"), r=4, alpha=8)
    report = contrastive.train_contrastive(model, contrastive.training_pairs(SECTIONS), steps=2, batch_size=4,
                                           lr=1e-3, max_seq_length=32, progress=False)
    root = tmp_path_factory.mktemp("adapters")
    folder = contrastive.save_adapter(model, root, "v1", inputs={"pairs": "test"})
    return model, report, root, folder


def test_does_a_lora_run_train_only_the_adapter_and_measure_itself(trained):
    _, report, _, _ = trained
    assert report.trainable == 6 * 2 * 4 * (384 + 384)
    assert len(report.losses) == len(report.step_seconds) == 2 and np.isfinite(report.losses).all()
    assert report.seconds_per_step > 0 and report.peak_how


def test_is_the_adapter_a_small_versioned_artifact_that_loads_back(trained):
    from shipml.retrieval.embedding import embed

    model, _, root, folder = trained
    assert (root / "CURRENT").read_text() == "v1"
    assert (folder / "adapter_model.safetensors").stat().st_size < 1_000_000
    assert "lineage" in (folder / "meta.json").read_text()
    reloaded = contrastive.load_adapter(root, "cpu")
    model.max_seq_length = reloaded.max_seq_length = 32
    texts = ["a question about serving", "a sentence"]
    assert np.abs(embed(texts, model) - embed(texts, reloaded)).max() < 1e-6
    with pytest.raises(FileExistsError):
        contrastive.save_adapter(model, root, "v1", inputs={})


def test_does_retrieval_table_score_each_answerable_question(trained):
    model, _, _, _ = trained
    questions = pd.DataFrame({"qid": ["a", "b"], "question": ["Section 3", "nothing"],
                              "sections": [["doc#s3"], []], "answerable": [True, False]})
    table = contrastive.retrieval_table(model, SECTIONS, questions, k=5)
    assert table["qid"].tolist() == ["a"] and set(table.columns) == {"qid", "recall@5", "rr"}
