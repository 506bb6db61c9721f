"""The memory arithmetic of large models: size a GPU job before paying for one.

    from shipml.finetuning.memory import (MODEL_SHAPES, kv_cache_bytes, inference_memory_bytes,
                                          activation_bytes, training_memory_bytes, training_memory_breakdown,
                                          gpus_needed, measure_peak_bytes)
    shape = MODEL_SHAPES["7B"]                                   # Llama 2 7B: layers, hidden, heads, kv heads, ...
    kv = kv_cache_bytes(batch=8, seq_len=4096, layers=shape.layers, kv_heads=shape.kv_heads,
                        head_dim=shape.head_dim)                 # 16-bit keys and values: 17.2 GB
    inference_memory_bytes(shape.params, bytes_per_param=2, kv_cache=kv)      # weights + KV cache
    acts = activation_bytes(batch=1, seq_len=2048, layers=shape.layers, hidden=shape.hidden,
                            heads=shape.heads, checkpointing=True)
    training_memory_bytes(shape.params, method="full", activations=acts)      # 16-bit weights, fp32 AdamW
    training_memory_bytes(shape.params, method="qlora", trainable_params=lora_params(shape, r=16),
                          activations=acts)
    gpus_needed(training_memory_bytes(...), "H100 80GB")       # how many of those cards, at 90 % usable
    smallest_gpu(inference_memory_bytes(shape.params))         # "L4 24GB": the smallest single card that holds it
    with measure_peak_bytes() as peak:                         # measured: CUDA's allocator, or the CPU's RSS
        loss.backward(); optimizer.step()
    peak.bytes

Everything is in **bytes** (1 GB = 10**9 bytes, as GPU data sheets count).
The estimates count what dominates and say what they leave out:

- **weights**: every parameter at `bytes_per_param` (4 for fp32, 2 for
  bf16/fp16, 1 for int8, 0.5 for 4-bit NF4 plus `QUANT_OVERHEAD` for its
  block constants);
- **gradients**: one per *trainable* parameter, in the trainable parameters'
  precision (`trainable_bytes`);
- **optimizer states**: per trainable parameter, `OPTIMIZER_BYTES[optimizer]`
  (AdamW keeps two fp32 moments: 8 bytes); `master_weights=True` adds a 4-byte
  fp32 copy of each trainable weight, as mixed-precision training with
  ZeRO/DeepSpeed does (16 bytes a parameter in all);
- **activations**: what the forward pass keeps for the backward pass; pass the
  bytes, e.g. from `activation_bytes` (Korthikanti et al.'s count for a
  transformer layer, with or without activation checkpointing).

Left out: the framework's workspace and fragmentation (plan with 10-20 %
headroom: `gpus_needed` keeps 10 % free by default), the CUDA context (about
0.5-1 GB per GPU), and for inference the activations of one forward pass
(small next to the weights and KV cache at serving batch sizes).

Methods (`method=`):

- `"full"`: every parameter trainable, weights at `bytes_per_param` (default 2);
- `"lora"`: the base frozen at `bytes_per_param` (default 2), only the adapters
  (`trainable_params`) get gradients and optimizer states (Hu et al. 2021);
- `"qlora"`: as LoRA, but the frozen base stored in 4-bit NF4 (default 0.5
  byte plus `QUANT_OVERHEAD`) and dequantised a block at a time (Dettmers et
  al. 2023).

The shapes in `MODEL_SHAPES` come from the models' published configuration
files (`config.json` on the Hugging Face hub) and papers, named in each row's
`source`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

__all__ = ["GB", "GPU_MEMORY_GB", "MODEL_SHAPES", "OPTIMIZER_BYTES", "PUBLISHED", "QUANT_OVERHEAD", "ModelShape",
           "PeakMemory", "activation_bytes", "gpus_needed", "inference_memory_bytes", "kv_cache_bytes",
           "lora_params", "measure_peak_bytes", "smallest_gpu", "training_memory_breakdown", "training_memory_bytes"]

#: One gigabyte as GPU data sheets and cloud consoles count it.
GB = 10**9

#: Bytes of optimizer state per trainable parameter (fp32 states unless the name says otherwise).
OPTIMIZER_BYTES = {
    "adamw": 8,          # first and second moment, fp32
    "adam": 8,
    "adamw_8bit": 2,     # both moments in 8 bits (bitsandbytes), block constants neglected
    "sgd_momentum": 4,   # one momentum buffer
    "sgd": 0,            # plain SGD keeps nothing
}

#: Extra bytes per parameter of 4-bit NF4 with double quantisation: 0.127 bit a parameter (QLoRA, section 3).
QUANT_OVERHEAD = 0.127 / 8

#: Default bytes per (frozen or full) weight for each method.
_DEFAULT_WEIGHT_BYTES = {"full": 2.0, "lora": 2.0, "qlora": 0.5 + QUANT_OVERHEAD}

#: GPU memory from the vendors' data sheets, in GB.
GPU_MEMORY_GB = {
    "T4 16GB": 16,
    "L4 24GB": 24,
    "A10G 24GB": 24,
    "RTX 4090 24GB": 24,
    "A100 40GB": 40,
    "L40S 48GB": 48,
    "A100 80GB": 80,
    "H100 80GB": 80,
    "H200 141GB": 141,
}


@dataclass(frozen=True)
class ModelShape:
    """A decoder-only transformer's shape, as its config.json gives it."""

    name: str
    params: int            # total parameters, as published
    layers: int            # num_hidden_layers
    hidden: int            # hidden_size
    heads: int             # num_attention_heads
    kv_heads: int          # num_key_value_heads (== heads without grouped-query attention)
    intermediate: int      # intermediate_size of the MLP
    vocab: int             # vocab_size
    source: str

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


#: Public model shapes for the 1B, 7B and 70B rows of the chapter's table (and one more 7B-class with GQA).
MODEL_SHAPES = {
    "1B": ModelShape("Llama 3.2 1B", 1_235_814_400, layers=16, hidden=2048, heads=32, kv_heads=8,
                     intermediate=8192, vocab=128_256,
                     source="meta-llama/Llama-3.2-1B config.json; Meta's model card (1.23 B parameters)"),
    "7B": ModelShape("Llama 2 7B", 6_738_415_616, layers=32, hidden=4096, heads=32, kv_heads=32,
                     intermediate=11_008, vocab=32_000,
                     source="meta-llama/Llama-2-7b-hf config.json; Touvron et al. 2023, Llama 2, table 1"),
    "7B-GQA": ModelShape("Mistral 7B", 7_241_732_096, layers=32, hidden=4096, heads=32, kv_heads=8,
                         intermediate=14_336, vocab=32_000,
                         source="mistralai/Mistral-7B-v0.1 config.json; Jiang et al. 2023, Mistral 7B, table 1"),
    "70B": ModelShape("Llama 2 70B", 68_976_648_192, layers=80, hidden=8192, heads=64, kv_heads=8,
                      intermediate=28_672, vocab=32_000,
                      source="meta-llama/Llama-2-70b-hf config.json; Touvron et al. 2023, Llama 2, table 1"),
}

#: Published figures the estimators are checked against (tests/finetuning/test_memory.py asserts them).
PUBLISHED = [
    {"claim": "KV cache of one token of OPT-13B, 16-bit: 800 KB", "bytes": 800 * 1024,
     "source": "Kwon et al. 2023 (vLLM, PagedAttention), section 3",
     "case": dict(kind="kv_cache", batch=1, seq_len=1, layers=40, kv_heads=40, head_dim=128)},
    {"claim": "model states of a 1.5 B model in mixed-precision Adam: 24 GB (16 bytes a parameter)",
     "bytes": 24 * GB, "source": "Rajbhandari et al. 2020 (ZeRO), section 3.1",
     "case": dict(kind="training", params=1_500_000_000, method="full", master_weights=True)},
    {"claim": "full 16-bit fine-tuning of a 65 B model: more than 780 GB",
     "bytes": 780 * GB, "source": "Dettmers et al. 2023 (QLoRA), introduction",
     "case": dict(kind="training", params=65_000_000_000, method="full")},
]


def _count(name, value, *, allow_zero=True) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be a whole number, not {value!r}.")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'at least 0' if allow_zero else 'positive'}, not {value}.")
    return int(value)


def _amount(name, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a number of at least 0, not {value!r}.")
    return float(value)


def kv_cache_bytes(batch, seq_len, layers, kv_heads, head_dim, bytes_per_value=2) -> int:
    """Bytes of the KV cache: a key and a value vector per token, layer and KV head.

    2 (key and value) x batch x seq_len x layers x kv_heads x head_dim x bytes_per_value.
    With grouped-query attention `kv_heads` is smaller than the number of query heads.
    """
    batch, seq_len = _count("batch", batch), _count("seq_len", seq_len)
    layers, kv_heads = _count("layers", layers), _count("kv_heads", kv_heads)
    head_dim = _count("head_dim", head_dim)
    return int(round(2 * batch * seq_len * layers * kv_heads * head_dim * _amount("bytes_per_value", bytes_per_value)))


def inference_memory_bytes(params, bytes_per_param=2, kv_cache=0) -> int:
    """Bytes to serve a model: its weights at `bytes_per_param` plus the KV cache (bytes)."""
    return int(round(_count("params", params) * _amount("bytes_per_param", bytes_per_param)
                     + _amount("kv_cache", kv_cache)))


def activation_bytes(batch, seq_len, layers, hidden, heads, *, bytes_per_value=2, checkpointing=False,
                     attention_scores=True) -> int:
    """Bytes the forward pass of a transformer keeps for the backward pass (Korthikanti et al. 2022).

    Per layer, in 16-bit, s*b*h*(34 + 5*a*s/h) bytes (s sequence, b batch, h hidden, a heads); the
    second term is the attention score matrix, which a fused attention kernel (FlashAttention,
    `attention_scores=False`) does not keep. With activation checkpointing only each layer's input
    is kept (2*s*b*h bytes a layer) and one layer's activations are recomputed at a time.
    Scaled by bytes_per_value / 2 for other precisions. Embeddings and the output layer are left out.
    """
    s, b = _count("seq_len", seq_len), _count("batch", batch)
    n_layers, h, a = _count("layers", layers), _count("hidden", hidden, allow_zero=False), _count("heads", heads)
    scale = _amount("bytes_per_value", bytes_per_value) / 2
    per_layer = s * b * h * (34 + (5 * a * s / h if attention_scores else 0)) * scale
    if checkpointing:
        kept = n_layers * 2 * s * b * h * scale
        return int(round(kept + (per_layer if n_layers else 0)))
    return int(round(n_layers * per_layer))


def lora_params(shape: ModelShape, r: int, targets=("q", "v")) -> int:
    """Trainable parameters of LoRA with rank r on the named projections of every layer of `shape`.

    Each adapted matrix of shape (d_out, d_in) adds r * (d_in + d_out) parameters. Targets: q, k, v, o
    (attention) and gate, up, down (the MLP). With grouped-query attention k and v project to
    kv_heads * head_dim.
    """
    r = _count("r", r, allow_zero=False)
    kv = shape.kv_heads * shape.head_dim
    dims = {"q": (shape.hidden, shape.hidden), "k": (shape.hidden, kv), "v": (shape.hidden, kv),
            "o": (shape.hidden, shape.hidden), "gate": (shape.hidden, shape.intermediate),
            "up": (shape.hidden, shape.intermediate), "down": (shape.intermediate, shape.hidden)}
    unknown = [t for t in targets if t not in dims]
    if unknown:
        raise ValueError(f"lora_params knows the targets {sorted(dims)}, not {unknown}.")
    return shape.layers * sum(r * (dims[t][0] + dims[t][1]) for t in targets)


def training_memory_breakdown(params, *, method="full", trainable_params=None, bytes_per_param=None,
                              trainable_bytes=None, optimizer="adamw", activations=0,
                              master_weights=False) -> dict:
    """The parts of training memory in bytes: weights, adapters, gradients, optimizer, master, activations.

    `params` counts the model's own parameters (without adapters). For "lora" and "qlora" give
    `trainable_params` (the adapters' count, e.g. from `lora_params`); for "full" it defaults to
    `params`. `trainable_bytes` is the precision of trainable weights and their gradients
    (default: `bytes_per_param` for full fine-tuning, 2 for adapters).
    """
    if method not in _DEFAULT_WEIGHT_BYTES:
        raise ValueError(f"method must be one of {sorted(_DEFAULT_WEIGHT_BYTES)}, not {method!r}.")
    if optimizer not in OPTIMIZER_BYTES:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZER_BYTES)}, not {optimizer!r}.")
    params = _count("params", params)
    weight_bytes = _amount("bytes_per_param", _DEFAULT_WEIGHT_BYTES[method] if bytes_per_param is None
                           else bytes_per_param)
    if method == "full":
        trainable = params if trainable_params is None else _count("trainable_params", trainable_params)
        grad_bytes = weight_bytes if trainable_bytes is None else _amount("trainable_bytes", trainable_bytes)
        adapters = 0.0
    else:
        if trainable_params is None:
            raise ValueError(f"method={method!r} needs trainable_params: the adapters' parameter count "
                             "(lora_params(shape, r) counts them).")
        trainable = _count("trainable_params", trainable_params)
        grad_bytes = 2.0 if trainable_bytes is None else _amount("trainable_bytes", trainable_bytes)
        adapters = trainable * grad_bytes
    parts = {
        "weights": params * weight_bytes,
        "adapters": adapters,
        "gradients": trainable * grad_bytes,
        "optimizer": trainable * OPTIMIZER_BYTES[optimizer],
        "master": trainable * 4.0 if master_weights else 0.0,
        "activations": _amount("activations", activations),
    }
    return {name: int(round(value)) for name, value in parts.items()}


def training_memory_bytes(params, *, method="full", trainable_params=None, bytes_per_param=None,
                          trainable_bytes=None, optimizer="adamw", activations=0, master_weights=False) -> int:
    """Bytes to train: the sum of `training_memory_breakdown` (see there and the module's docstring)."""
    return sum(training_memory_breakdown(params, method=method, trainable_params=trainable_params,
                                         bytes_per_param=bytes_per_param, trainable_bytes=trainable_bytes,
                                         optimizer=optimizer, activations=activations,
                                         master_weights=master_weights).values())


def gpus_needed(memory_bytes, gpu="H100 80GB", usable=0.9) -> int:
    """How many GPUs of a kind hold `memory_bytes` when the job is split evenly (ZeRO-3/FSDP), keeping 10 % free."""
    if gpu not in GPU_MEMORY_GB:
        raise ValueError(f"gpu must be one of {sorted(GPU_MEMORY_GB)}, not {gpu!r}.")
    if not 0 < usable <= 1:
        raise ValueError(f"usable is a share of the card's memory, in (0, 1], not {usable!r}.")
    return max(1, math.ceil(_amount("memory_bytes", memory_bytes) / (GPU_MEMORY_GB[gpu] * GB * usable)))


def smallest_gpu(memory_bytes, usable=0.9) -> str | None:
    """The GPU of `GPU_MEMORY_GB` with the least memory that holds `memory_bytes` alone; None when none does."""
    fits = [(gb, name) for name, gb in GPU_MEMORY_GB.items() if gpus_needed(memory_bytes, name, usable) == 1]
    return min(fits)[1] if fits else None


@dataclass
class PeakMemory:
    """What `measure_peak_bytes` saw: the peak above the starting point, in bytes, and how it was measured."""

    bytes: int = 0
    how: str = ""


def _rss_bytes(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"/proc/self/status has no {field}")


def _trim() -> None:
    """glibc's malloc_trim(0): return freed heap memory to the system (a no-op elsewhere)."""
    import ctypes
    import ctypes.util

    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class measure_peak_bytes:
    """Context manager: the peak memory a block adds, in bytes (`.bytes`) and the method used (`.how`).

    On CUDA: the allocator's peak (`torch.cuda.max_memory_allocated`) above what was allocated
    at the start. On Linux CPUs: the process's peak resident set (VmHWM, reset through
    /proc/self/clear_refs) above the resident set at the start, after glibc's `malloc_trim` has
    returned freed memory. The CPU figure is coarse: the allocator may still reuse memory freed
    before the block (the peak is then too low), and pages of libraries first touched inside it
    count (too high).
    """

    def __init__(self, device=None):
        self.device = device
        self.result = PeakMemory()

    def __enter__(self) -> PeakMemory:
        import torch

        dev = torch.device(self.device) if self.device is not None else None
        self._cuda = dev is not None and dev.type == "cuda" and torch.cuda.is_available()
        if self._cuda:
            torch.cuda.synchronize(dev)
            torch.cuda.reset_peak_memory_stats(dev)
            self._start = torch.cuda.memory_allocated(dev)
            self.result.how = "CUDA allocator peak"
        else:
            try:
                _trim()                  # hand freed heap pages back, so the block's own pages are what is counted
                with open("/proc/self/clear_refs", "w") as clear:
                    clear.write("5")     # resets VmHWM to the current resident set
                self._start = _rss_bytes("VmRSS")
                self.result.how = "peak resident set (VmHWM)"
            except OSError:
                self._start = None
                self.result.how = "not measurable here (needs Linux's /proc or CUDA)"
        return self.result

    def __exit__(self, *exc):
        import torch

        if self._cuda:
            torch.cuda.synchronize(torch.device(self.device))
            self.result.bytes = int(torch.cuda.max_memory_allocated(torch.device(self.device)) - self._start)
        elif self._start is not None:
            try:
                self.result.bytes = max(0, _rss_bytes("VmHWM") - self._start)
            except OSError:
                self.result.how = "not measurable here (needs Linux's /proc or CUDA)"
        return False

