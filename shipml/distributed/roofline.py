"""GPUs, sized: FLOPs and bytes moved per prediction, the roofline, and the cost of a million predictions.

    from shipml.distributed import roofline
    mlp = roofline.mlp_cost(model, batch=1024)         # flops_per_row, bytes_per_row, intensity (FLOPs per byte)
    llm = roofline.transformer_decode_cost(MODEL_SHAPES["1B"], batch=8, seq_len=1024)   # per generated token
    gpu = roofline.gpus()["gpu-l4"]                    # peak TFLOPS, memory GB/s, memory GB, EUR per hour
    roofline.attainable_tflops(mlp["intensity"], gpu["fp32_tflops"], gpu["memory_gbps"])
    roofline.rows_per_s(mlp, gpu["fp32_tflops"], gpu["memory_gbps"], utilisation=0.4)
    roofline.cost_per_million_predictions(rows_per_s=50_000, eur_per_hour=0.85, utilisation=0.5)

**The roofline** (Williams, Waterman and Patterson, 2009): a kernel that does
F floating-point operations while moving B bytes between memory and the chip
has an arithmetic intensity I = F / B. The chip can sustain at most
min(peak FLOPs, I x memory bandwidth): below the ridge point
(peak / bandwidth) the memory is the limit (memory-bound), above it the
arithmetic units (compute-bound). Batching raises I: the weights are read
once per batch and used for every row in it.

A dense layer of `n_in` x `n_out` weights does 2 x n_in x n_out FLOPs a row
(a multiply and an add). A decoder transformer generating one token does
about 2 x parameters FLOPs, plus attention over the cached keys and values,
and reads all its weights and its KV cache once per step of the batch
(`shipml.finetuning.memory.kv_cache_bytes`).

`gpus()` gives the price table's GPU instances (`shipml.performance.pricing`,
illustrative prices, peak fp32 TFLOPS) joined with the rest of their data
sheets: memory bandwidth, dense 16-bit tensor TFLOPS and memory
(`shipml.finetuning.memory.GPU_MEMORY_GB`). Data-sheet peaks are upper
bounds; real kernels reach a share of them (`utilisation`), which only a
measurement on the device tells.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["DATA_SHEETS", "attainable_tflops", "cost_per_million_predictions", "gpus", "mlp_cost",
           "ridge_point", "rows_per_s", "transformer_decode_cost"]

#: From the vendors' data sheets (dense, no sparsity): memory bandwidth in GB/s and 16-bit tensor-core TFLOPS;
#: `memory` names the card's row in shipml.finetuning.memory.GPU_MEMORY_GB. H100 is the SXM card.
DATA_SHEETS = {
    "gpu-t4": {"memory_gbps": 320.0, "bf16_tflops": 65.0, "memory": "T4 16GB"},
    "gpu-l4": {"memory_gbps": 300.0, "bf16_tflops": 121.0, "memory": "L4 24GB"},
    "gpu-h100": {"memory_gbps": 3350.0, "bf16_tflops": 989.0, "memory": "H100 80GB"},
}


def gpus(prices=None) -> dict:
    """The GPU instances of the price table with their data sheets: one dict per instance name."""
    from shipml.finetuning.memory import GPU_MEMORY_GB
    from shipml.performance.pricing import load_prices

    prices = load_prices() if prices is None else prices
    out = {}
    for row in prices[prices.kind == "gpu"].itertuples():
        sheet = DATA_SHEETS.get(row.instance)
        if sheet is None:
            continue
        out[row.instance] = {"gpu": row.gpu, "fp32_tflops": float(row.gpu_fp32_tflops),
                             "bf16_tflops": sheet["bf16_tflops"], "memory_gbps": sheet["memory_gbps"],
                             "memory_gb": float(GPU_MEMORY_GB[sheet["memory"]]), "eur_per_hour": float(row.eur_per_hour)}
    return out


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive, finite number; got {value!r}.")
    return float(value)


def _linear_shapes(model) -> list[tuple[int, int]]:
    from torch import nn

    shapes = [(m.in_features, m.out_features) for m in model.modules() if isinstance(m, nn.Linear)]
    if not shapes:
        raise ValueError("mlp_cost needs a model with nn.Linear layers (such as FraudMLP), or a list of "
                         "(n_in, n_out) pairs.")
    return shapes


def mlp_cost(model_or_shapes, batch: int = 1, bytes_per_value: float = 4) -> dict:
    """FLOPs and bytes per row of an MLP scoring `batch` rows at once; intensity = FLOPs / bytes."""
    shapes = (list(model_or_shapes) if isinstance(model_or_shapes, (list, tuple))
              else _linear_shapes(model_or_shapes))
    batch = int(_positive("batch", batch))
    flops = sum(2 * n_in * n_out for n_in, n_out in shapes)
    weights = sum(n_in * n_out + n_out for n_in, n_out in shapes) * bytes_per_value  # read once per batch
    activations = (shapes[0][0] + sum(n_out for _, n_out in shapes)) * bytes_per_value  # each layer's output
    bytes_per_row = weights / batch + activations
    return {"flops_per_row": float(flops), "bytes_per_row": float(bytes_per_row),
            "intensity": flops / bytes_per_row, "weight_bytes": float(weights), "batch": batch}


def transformer_decode_cost(shape, batch: int = 1, seq_len: int = 1024, bytes_per_param: float = 2) -> dict:
    """FLOPs and bytes per generated token of a decoder (weights and KV cache read once per step of `batch`)."""
    from shipml.finetuning.memory import inference_memory_bytes, kv_cache_bytes

    batch, seq_len = int(_positive("batch", batch)), int(_positive("seq_len", seq_len))
    kv = kv_cache_bytes(batch, seq_len, shape.layers, shape.kv_heads, shape.head_dim, bytes_per_value=2)
    memory = inference_memory_bytes(shape.params, bytes_per_param=bytes_per_param, kv_cache=kv)
    flops = 2 * shape.params + 4 * shape.layers * seq_len * shape.hidden  # weights, then scores and values
    bytes_per_token = memory / batch
    return {"flops_per_row": float(flops), "bytes_per_row": float(bytes_per_token),
            "intensity": flops / bytes_per_token, "memory_bytes": float(memory), "kv_cache_bytes": float(kv),
            "batch": batch}


def ridge_point(peak_tflops, memory_gbps) -> float:
    """The intensity (FLOPs per byte) above which a kernel is compute-bound on this chip."""
    return _positive("peak_tflops", peak_tflops) * 1e12 / (_positive("memory_gbps", memory_gbps) * 1e9)


def attainable_tflops(intensity, peak_tflops, memory_gbps) -> float:
    """The roofline: min(peak, intensity x bandwidth), in TFLOPS."""
    return min(_positive("peak_tflops", peak_tflops),
               _positive("intensity", intensity) * _positive("memory_gbps", memory_gbps) / 1000)


def rows_per_s(cost: dict, peak_tflops, memory_gbps, utilisation: float = 0.4) -> float:
    """Rows (or tokens) a second at `utilisation` of what the roofline allows for this cost."""
    attainable = attainable_tflops(cost["intensity"], peak_tflops, memory_gbps)
    return _positive("utilisation", utilisation) * attainable * 1e12 / cost["flops_per_row"]


def cost_per_million_predictions(rows_per_s, eur_per_hour, utilisation: float = 1.0) -> float:
    """EUR per 1,000,000 predictions from a device that scores `rows_per_s` when busy, busy `utilisation` of the time."""
    from shipml.performance.pricing import cost_per_million, monthly_cost

    utilisation = _positive("utilisation", utilisation)
    if utilisation > 1:
        raise ValueError(f"utilisation is the share of time the device is busy, at most 1; got {utilisation!r}.")
    return cost_per_million(monthly_cost(1, eur_per_hour), _positive("rows_per_s", rows_per_s) * utilisation)
