"""Checks of chapter 12, "Fine-tuning".

    from shipml.course.checks import run
    run("ch12-ex2", LoRALinear)           # the learner's class; its forward(x) -> base(x) + (alpha / r) x A^T B^T
    run("ch12-ex3", lora_trainable)       # lora_trainable(model, targets, r) -> the adapters' parameter count
    run("ch12-ex4", training_memory)      # training_memory(params, *, method, trainable_params, activations) -> bytes
    run("ch12-ex5", kv_cache)             # kv_cache(shape, batch, seq_len, bytes_per_value=2) -> bytes

Each case observes (builds a layer of the learner's class on a seeded linear
layer and calls it, or calls the learner's function on fixed models and
shapes) into plain numbers, and judges against hand-worked values, the count of
`shipml.finetuning.lora` (held equal to PEFT's `get_nb_trainable_parameters()`
on every case by the tests), published figures (the QLoRA paper's 780 GB, vLLM's 800 KB a token of OPT-13B)
and the references in `shipml.finetuning.memory`.
"""

from __future__ import annotations

import functools

import numpy as np

from shipml.course.checks import Failure, NotAttempted, exercise, expect, expect_array, expect_number, kind_of
from shipml.finetuning.memory import GB, MODEL_SHAPES, ModelShape, kv_cache_bytes, training_memory_bytes

# --- exercise 2: LoRALinear.forward ------------------------------------------------------------------------------

ex2 = exercise(
    "ch12-ex2",
    title="LoRALinear.forward",
    hints=[
        "The output is the frozen layer's output plus the low-rank update: `self.base(x) + update`.",
        "The update multiplies x by A transposed, then by B transposed, and scales by `self.scaling` (alpha / r): "
        "`(x @ self.lora_A.T @ self.lora_B.T) * self.scaling`. Written with `@`, it works for any number of "
        "leading dimensions (a batch of sequences too).",
        "`return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling`; do not detach anything and "
        "do not use torch.no_grad(): A and B must get gradients.",
    ],
)

_IN, _OUT, _R, _ALPHA = 8, 6, 2, 4.0


def _base_layer():
    import torch
    from torch import nn

    torch.manual_seed(120)
    return nn.Linear(_IN, _OUT)


def _inputs(shape, seed):
    import torch

    return torch.from_numpy(np.random.default_rng(seed).normal(size=shape).astype(np.float32))


def _fixed_ab():
    rng = np.random.default_rng(121)
    return (rng.normal(size=(_R, _IN)).astype(np.float32), rng.normal(size=(_OUT, _R)).astype(np.float32))


def _make(cls):
    base = _base_layer()
    try:
        layer = cls(base, r=_R, alpha=_ALPHA)
    except TypeError as error:
        raise Failure(f"LoRALinear(base, r=2, alpha=4) could not be built ({error}); keep the given __init__.") \
            from None
    for name in ("lora_A", "lora_B", "base"):
        if not hasattr(layer, name):
            raise Failure(f"Your layer has no attribute {name!r}; keep the given __init__.")
    return layer


def _call(layer, x):
    try:
        out = layer(x)
    except RuntimeError as error:
        first = str(error).splitlines()[0]
        raise Failure(f"Your forward fails on an input of shape {tuple(x.shape)}: {first}. Multiply with `@` "
                      f"by the transposed matrices (x @ A.T @ B.T).") from None
    if out is None or out is Ellipsis:
        raise NotAttempted("Not attempted yet: your forward returns None.")
    if not hasattr(out, "shape") or not hasattr(out, "detach"):
        raise Failure(f"Your forward should return a tensor; it returns {kind_of(out)}.")
    return out


def _set_ab(layer):
    import torch

    a, b = _fixed_ab()
    with torch.no_grad():
        layer.lora_A.copy_(torch.from_numpy(a))
        layer.lora_B.copy_(torch.from_numpy(b))


@ex2.case("the output has the base layer's shape",
          hint="A (r x in) and B (out x r): x @ A.T @ B.T has the shape of base(x), for a batch of rows and for a "
               "batch of sequences.")
def _observe_shapes(cls):
    layer = _make(cls)
    return [list(_call(layer, _inputs(shape, 1)).shape) for shape in ((3, _IN), (2, 5, _IN))]


@_observe_shapes.judge
def _(got):
    expect(got == [[3, _OUT], [2, 5, _OUT]], f"For inputs of shapes (3, 8) and (2, 5, 8) the outputs should have "
                                             f"shapes [3, 6] and [2, 5, 6]; yours have {got}.")


@ex2.case("before training the layer computes exactly what the base layer did",
          hint="B starts at zero, so the update B A x is zero: the output must be base(x) itself, the bias "
               "included.")
def _observe_identity(cls):
    layer = _make(cls)
    x = _inputs((4, _IN), 2)
    return _call(layer, x).detach().numpy().astype(float)


@_observe_identity.judge
def _(got):

    expect_array(got, _base_layer()(_inputs((4, _IN), 2)).detach().numpy(), tol=1e-6,
                 what="the outputs of a fresh layer (B = 0)")


@ex2.case("the update is B A x, scaled by alpha / r",
          hint="With A and B set, the output is base(x) + (alpha / r) x A^T B^T; here alpha / r = 2.")
def _observe_update(cls):
    layer = _make(cls)
    _set_ab(layer)
    return _call(layer, _inputs((3, _IN), 3)).detach().numpy().astype(float)


@_observe_update.judge
def _(got):
    a, b = _fixed_ab()
    x = _inputs((3, _IN), 3).numpy()
    want = _base_layer()(_inputs((3, _IN), 3)).detach().numpy() + (x @ a.T @ b.T) * (_ALPHA / _R)
    expect_array(got, want, tol=1e-4, what="the outputs with A and B set")


@ex2.case("gradients reach A and B, and only them",
          hint="Do not detach the update or compute it under torch.no_grad(); the base weight stays frozen.")
def _observe_gradients(cls):
    layer = _make(cls)
    _set_ab(layer)
    out = _call(layer, _inputs((5, _IN), 4))
    if not out.requires_grad:
        return {"A": False, "B": False, "base": False}
    out.pow(2).sum().backward()

    def has(p):
        return p.grad is not None and bool(p.grad.abs().sum() > 0)

    return {"A": has(layer.lora_A), "B": has(layer.lora_B),
            "base": any(has(p) for p in layer.base.parameters())}


@_observe_gradients.judge
def _(got):
    expect(isinstance(got, dict) and got.get("A") and got.get("B"),
           "After backward, A and B should both have gradients; yours do not. A detached update, or one "
           "computed under torch.no_grad(), gets none.")
    expect(not got.get("base"), "The base layer got a gradient: it must stay frozen; use self.base(x) as it is.")


# --- exercise 3: the trainable parameters of LoRA -------------------------------------------------------------------

ex3 = exercise(
    "ch12-ex3",
    title="Trainable parameters of LoRA",
    hints=[
        "A layer of shape (out x in) adapted with rank r gets A (r x in) and B (out x r): r x (in + out) "
        "parameters. Nothing else is trainable.",
        "Walk `model.named_modules()`, keep the `nn.Linear` layers whose name is a target or ends with "
        "'.' + target (PEFT's rule: 'v' matches 'attn.v' but not 'attn.kv').",
        "`sum(r * (m.in_features + m.out_features) for name, m in model.named_modules() if isinstance(m, "
        "nn.Linear) and any(name == t or name.endswith('.' + t) for t in targets))`.",
    ],
)


def _block_model(kind):
    """Small models with named linear layers: attention blocks, an MLP, a 'kv' projection as a trap."""
    import torch
    from torch import nn

    torch.manual_seed(0)

    class Attention(nn.Module):
        def __init__(self, d, d_kv):
            super().__init__()
            self.q, self.k, self.v, self.o = nn.Linear(d, d), nn.Linear(d, d_kv), nn.Linear(d, d_kv), nn.Linear(d, d)

    class Block(nn.Module):
        def __init__(self, d, d_kv, d_ff):
            super().__init__()
            self.attn = Attention(d, d_kv)
            self.up, self.down = nn.Linear(d, d_ff), nn.Linear(d_ff, d, bias=False)
            self.norm = nn.LayerNorm(d)

    class Tiny(nn.Module):
        def __init__(self, n, d, d_kv, d_ff):
            super().__init__()
            self.embed = nn.Embedding(50, d)
            self.blocks = nn.ModuleList(Block(d, d_kv, d_ff) for _ in range(n))
            self.head = nn.Linear(d, 50)

    if kind == "gqa":
        return Tiny(3, 32, 8, 64)
    if kind == "trap":
        model = Tiny(2, 16, 16, 32)
        for block in model.blocks:
            block.attn.kv = nn.Linear(16, 32)     # a fused projection whose name also ends in "v"
        return model
    return Tiny(2, 16, 16, 32)


@functools.lru_cache(maxsize=None)
def expected_count(kind, targets, r):
    """The reference count (shipml.finetuning.lora); tests/course/checks/test_fine_tuning.py holds it equal to
    PEFT's own count on every case below (importing PEFT here would cost a learner seconds per check)."""
    from shipml.finetuning.lora import lora_param_count

    return lora_param_count(_block_model(kind), targets, r)


#: (model kind, targets, rank) of every case of exercise 3.
COUNT_CASES: list = []


def _count_case(name, hint, problems, hidden=False):
    def observe(fn):
        return [fn(_block_model(kind), list(targets), r) for kind, targets, r in problems]

    def judge(got):
        for value, (kind, targets, r) in zip(got, problems):
            expect_number(value, expected_count(kind, tuple(targets), r), tol=0,
                          what=f"the trainable parameters of rank {r} on {list(targets)} ({kind} model)")

    COUNT_CASES.extend(problems)
    ex3.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_count_case("one target, square layers: r x (in + out) per layer",
            "Two blocks, each with one 16 x 16 'q': 2 x 4 x (16 + 16) = 256 at rank 4.",
            [("plain", ("q",), 4)])
_count_case("both matrices count, not just A",
            "A has r x in parameters and B has out x r: count both, r x (in + out).",
            [("plain", ("q", "v"), 8), ("plain", ("up", "down"), 2)])
_count_case("grouped-query attention: k and v are narrower",
            "Use each layer's own in_features and out_features: here k and v project 32 to 8.",
            [("gqa", ("q", "k", "v", "o"), 4)])
_count_case("a target matches a whole name, not a substring",
            "PEFT adapts a module whose name is the target or ends with '.' + target: 'v' is not 'kv'.",
            [("trap", ("v",), 4), ("trap", ("q", "v"), 2)])
_count_case("agrees with PEFT on more cases", None,
            [("gqa", ("up", "down", "o"), 16), ("trap", ("kv", "down"), 3), ("plain", ("head",), 1)], hidden=True)


# --- exercise 4: the training-memory estimator -------------------------------------------------------------------

ex4 = exercise(
    "ch12-ex4",
    title="The memory of training",
    hints=[
        "Add four parts: the weights, the gradients, the optimizer's states and the activations. Gradients and "
        "optimizer states exist only for trainable parameters.",
        "Full fine-tuning: 2 bytes a weight, 2 a gradient, 8 of AdamW state (two fp32 moments), every parameter "
        "trainable. LoRA: the base at 2 bytes, plus for each adapter parameter 2 (its weight) + 2 + 8. QLoRA: the "
        "base at 0.5 byte + QUANT_OVERHEAD, the adapters as in LoRA.",
        "`base = {'full': 2, 'lora': 2, 'qlora': 0.5 + QUANT_OVERHEAD}[method]`; `trainable = params if method == "
        "'full' else trainable_params`; return `params * base + trainable * (2 + 8 + (0 if method == 'full' else "
        "2)) + activations`.",
    ],
)


def _memory_case(name, hint, problems, hidden=False, rtol=1e-9):
    def observe(fn):
        return [fn(params, method=method, trainable_params=trainable, activations=acts)
                for params, method, trainable, acts, _ in problems]

    def judge(got):
        for value, (params, method, trainable, acts, what) in zip(got, problems):
            want = training_memory_bytes(params, method=method, trainable_params=trainable, activations=acts)
            expect_number(value, want, tol=1.0, rtol=rtol, what=f"the memory {what}")

    ex4.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_SEVEN = MODEL_SHAPES["7B"]
_memory_case("full fine-tuning: 12 bytes a parameter (QLoRA paper: 65 B needs 780 GB)",
             "2 (bf16 weight) + 2 (gradient) + 8 (AdamW's two fp32 moments) = 12 bytes a parameter: 65e9 x 12 = "
             "780 GB, the figure Dettmers et al. quote.",
             [(65_000_000_000, "full", None, 0, "of full fine-tuning of a 65 B model"),
              (1_000_000, "full", None, 0, "of full fine-tuning of a million parameters")])
_memory_case("LoRA: gradients and optimizer states for the adapters only",
             "The 7 B base is frozen at 2 bytes a weight; only the 4.2 M adapter parameters get a gradient and "
             "AdamW's states (2 + 2 + 8 bytes each).",
             [(_SEVEN.params, "lora", 4_194_304, 0, "of LoRA r=8 on q and v of Llama 2 7B")])
_memory_case("QLoRA: the frozen base in 4 bits",
             "The base weights take half a byte each plus QUANT_OVERHEAD for the block constants; the adapters "
             "stay as in LoRA.",
             [(_SEVEN.params, "qlora", 4_194_304, 0, "of QLoRA r=8 on q and v of Llama 2 7B")])
_memory_case("the activations are added as given",
             "Activations come on top of the model states: add the bytes you are given.",
             [(1_000_000, "full", None, 5_000_000, "with 5 MB of activations"),
              (2_000_000, "lora", 10_000, 123_456, "of LoRA with activations")])
_memory_case("more cases with known answers", None,
             [(70_000_000_000, "qlora", 40_000_000, 2 * GB, "of QLoRA on a 70 B model"),
              (1_235_814_400, "full", None, 3 * GB, "of full fine-tuning of a 1 B model"),
              (22_713_216, "lora", 73_728, 10_000_000, "of LoRA on MiniLM")], hidden=True)


# --- exercise 5: the KV cache ------------------------------------------------------------------------------------

ex5 = exercise(
    "ch12-ex5",
    title="The size of the KV cache",
    hints=[
        "Each token keeps, in every layer, a key and a value vector for each KV head: 2 x layers x kv_heads x "
        "head_dim numbers, where head_dim = hidden / heads.",
        "With grouped-query attention, kv_heads (shape.kv_heads) is smaller than heads: use it, not shape.heads.",
        "`return 2 * batch * seq_len * shape.layers * shape.kv_heads * (shape.hidden // shape.heads) * "
        "bytes_per_value`.",
    ],
)

_OPT_13B = ModelShape("OPT-13B", 12_853_000_000, layers=40, hidden=5120, heads=40, kv_heads=40, intermediate=20_480,
                      vocab=50_272, source="facebook/opt-13b config.json")


def _kv_case(name, hint, problems, hidden=False):
    def observe(fn):
        return [fn(shape, batch, seq_len, bytes_per_value=bpv) for shape, batch, seq_len, bpv, _ in problems]

    def judge(got):
        for value, (shape, batch, seq_len, bpv, what) in zip(got, problems):
            want = kv_cache_bytes(batch, seq_len, shape.layers, shape.kv_heads, shape.head_dim, bpv)
            expect_number(value, want, tol=0.5, what=f"the KV cache {what}")

    ex5.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_kv_case("one token of OPT-13B: 800 KB (the vLLM paper)",
         "2 (key and value) x 40 layers x 40 heads x 128 dimensions x 2 bytes = 819,200 bytes, the 800 KB a token "
         "that Kwon et al. quote.",
         [(_OPT_13B, 1, 1, 2, "of one token of OPT-13B")])
_kv_case("grouped-query attention stores kv_heads, not heads",
         "Llama 2 70B has 64 query heads but only 8 KV heads: the cache holds 8 per layer.",
         [(MODEL_SHAPES["70B"], 1, 4096, 2, "of one 4,096-token sequence of Llama 2 70B")])
_kv_case("batch, sequence length and precision multiply it",
         "The cache grows with every sequence in the batch and every token of each; 8-bit values halve it.",
         [(MODEL_SHAPES["7B"], 8, 2048, 2, "of 8 sequences of 2,048 tokens of Llama 2 7B"),
          (MODEL_SHAPES["7B"], 8, 2048, 1, "of the same in 8 bits")])
_kv_case("more model shapes", None,
         [(MODEL_SHAPES["1B"], 16, 8192, 2, "of Llama 3.2 1B, 16 x 8,192 tokens"),
          (MODEL_SHAPES["7B-GQA"], 4, 32_768, 2, "of Mistral 7B, 4 x 32,768 tokens")], hidden=True)
