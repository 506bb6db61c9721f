"""The roofline and the cost of a million predictions: FLOPs, bytes, intensity, the price table's GPUs."""

import pytest

from shipml.distributed import roofline
from shipml.finetuning.memory import MODEL_SHAPES
from shipml.modeling.mlp import FraudMLP
from shipml.performance.pricing import cost_per_million, monthly_cost


def test_are_an_mlps_flops_two_per_weight_a_row():
    cost = roofline.mlp_cost(FraudMLP(10, width=8, depth=2), batch=1)
    assert cost["flops_per_row"] == 2 * (10 * 8 + 8 * 8 + 8 * 1)
    assert cost["weight_bytes"] == 4 * (10 * 8 + 8 + 8 * 8 + 8 + 8 + 1)


def test_does_batching_raise_the_intensity():
    model = FraudMLP(73, width=64, depth=2)
    one, many = roofline.mlp_cost(model, batch=1), roofline.mlp_cost(model, batch=4096)
    assert many["intensity"] > 20 * one["intensity"] and many["flops_per_row"] == one["flops_per_row"]


def test_is_a_transformer_decoding_alone_memory_bound():
    gpu = roofline.gpus()["gpu-h100"]
    one = roofline.transformer_decode_cost(MODEL_SHAPES["1B"], batch=1, seq_len=1024)
    assert one["intensity"] < roofline.ridge_point(gpu["bf16_tflops"], gpu["memory_gbps"])
    assert 2 * MODEL_SHAPES["1B"].params < one["flops_per_row"] < 2.2 * MODEL_SHAPES["1B"].params  # + attention


def test_is_the_roofline_the_lower_of_the_two_roofs():
    assert roofline.attainable_tflops(1.0, 100.0, 1000.0) == pytest.approx(1.0)   # memory-bound: 1 x 1 TB/s
    assert roofline.attainable_tflops(1e6, 100.0, 1000.0) == 100.0                # compute-bound
    assert roofline.ridge_point(100.0, 1000.0) == pytest.approx(100.0)


def test_does_the_cost_per_million_use_chapter_eights_pricing():
    assert roofline.cost_per_million_predictions(1000, 3.6) == pytest.approx(1.0)
    assert roofline.cost_per_million_predictions(1000, 3.6, utilisation=0.5) == pytest.approx(2.0)
    assert roofline.cost_per_million_predictions(50_000, 0.85, 0.4) == pytest.approx(
        cost_per_million(monthly_cost(1, 0.85), 20_000))


@pytest.mark.parametrize("kwargs", [dict(rows_per_s=0, eur_per_hour=1.0), dict(rows_per_s=10, eur_per_hour=1.0,
                                                                                  utilisation=1.5)])
def test_is_bad_input_a_sentence(kwargs):
    with pytest.raises(ValueError, match="must be|at most 1"):
        roofline.cost_per_million_predictions(**kwargs)


def test_are_the_price_tables_gpus_joined_with_their_data_sheets():
    gpus = roofline.gpus()
    assert set(gpus) == {"gpu-t4", "gpu-l4", "gpu-h100"}
    assert all(g["memory_gbps"] > 0 and g["memory_gb"] >= 16 and g["eur_per_hour"] > 0 for g in gpus.values())
