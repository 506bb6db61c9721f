"""The memory arithmetic: published figures, hand-worked cases, bad input, the measured peak."""

import pytest

from shipml.finetuning import memory
from shipml.finetuning.memory import GB, MODEL_SHAPES


@pytest.mark.parametrize("figure", memory.PUBLISHED, ids=[f["source"].split(" (")[0] for f in memory.PUBLISHED])
def test_do_the_estimates_agree_with_published_figures(figure):
    case = dict(figure["case"])
    kind = case.pop("kind")
    estimate = memory.kv_cache_bytes(**case) if kind == "kv_cache" else memory.training_memory_bytes(**case)
    assert estimate == pytest.approx(figure["bytes"], rel=0.01)


def test_is_the_kv_cache_of_llama_2_7b_half_a_mebibyte_a_token():
    shape = MODEL_SHAPES["7B"]
    assert memory.kv_cache_bytes(1, 1, shape.layers, shape.kv_heads, shape.head_dim) == 2**19


def test_does_grouped_query_attention_shrink_the_cache_by_heads_over_kv_heads():
    gqa, mha = MODEL_SHAPES["7B-GQA"], MODEL_SHAPES["7B"]
    ratio = (memory.kv_cache_bytes(4, 1000, mha.layers, mha.kv_heads, mha.head_dim)
             / memory.kv_cache_bytes(4, 1000, gqa.layers, gqa.kv_heads, gqa.head_dim))
    assert ratio == gqa.heads / gqa.kv_heads == 4


def test_is_lora_r8_on_query_and_value_of_llama_2_7b_4_2_million_parameters():
    assert memory.lora_params(MODEL_SHAPES["7B"], r=8, targets=("q", "v")) == 4_194_304


def test_does_lora_pay_gradients_and_optimizer_only_for_the_adapters():
    parts = memory.training_memory_breakdown(1_000_000, method="lora", trainable_params=1000)
    assert parts == {"weights": 2_000_000, "adapters": 2000, "gradients": 2000, "optimizer": 8000, "master": 0,
                     "activations": 0}


def test_does_qlora_store_the_base_in_about_half_a_byte():
    parts = memory.training_memory_breakdown(10**9, method="qlora", trainable_params=0)
    assert parts["weights"] == pytest.approx(10**9 * (0.5 + memory.QUANT_OVERHEAD))


def test_does_checkpointing_cut_the_activations():
    shape = MODEL_SHAPES["7B"]
    full = memory.activation_bytes(1, 2048, shape.layers, shape.hidden, shape.heads)
    kept = memory.activation_bytes(1, 2048, shape.layers, shape.hidden, shape.heads, checkpointing=True)
    assert kept < full / 10


def test_does_a_70b_model_need_several_h100s_to_fine_tune_fully_and_one_48gb_card_with_qlora():
    shape = MODEL_SHAPES["70B"]
    assert memory.gpus_needed(memory.training_memory_bytes(shape.params)) > 8
    adapters = memory.lora_params(shape, r=16)
    acts = memory.activation_bytes(1, 2048, shape.layers, shape.hidden, shape.heads, checkpointing=True)
    assert memory.smallest_gpu(memory.training_memory_bytes(shape.params, method="qlora", activations=acts,
                                                            trainable_params=adapters)) == "L40S 48GB"
    assert memory.inference_memory_bytes(shape.params) / GB == pytest.approx(138, rel=0.01)


@pytest.mark.parametrize("call, words", [
    (lambda: memory.kv_cache_bytes(-1, 10, 2, 2, 64), "batch must be"),
    (lambda: memory.kv_cache_bytes(1, 1.5, 2, 2, 64), "whole number"),
    (lambda: memory.training_memory_bytes(10, method="prefix"), "method must be one of"),
    (lambda: memory.training_memory_bytes(10, method="lora"), "needs trainable_params"),
    (lambda: memory.training_memory_bytes(10, optimizer="lion"), "optimizer must be one of"),
    (lambda: memory.gpus_needed(10, "B300"), "gpu must be one of"),
    (lambda: memory.lora_params(MODEL_SHAPES["1B"], r=8, targets=("qkv",)), "knows the targets"),
])
def test_is_bad_input_answered_with_a_sentence(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_does_the_peak_measure_see_an_allocation():
    import torch

    with memory.measure_peak_bytes() as peak:
        block = torch.ones(25_000_000)   # 100 MB
        del block
    assert peak.how
    if "not measurable" not in peak.how:
        assert 50e6 < peak.bytes < 400e6
