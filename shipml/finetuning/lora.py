"""LoRA by hand: a frozen linear layer plus a trainable low-rank update, applied to named layers and merged back.

    from shipml.finetuning.lora import (LoRALinear, apply_lora, merge_lora, lora_param_count,
                                        count_parameters, adapter_state_dict)
    layer = LoRALinear(nn.Linear(384, 384), r=8, alpha=16)   # y = W x + b + (alpha / r) * B A x, B = 0 at first
    names = apply_lora(bert, targets=("query", "value"), r=8, alpha=16)   # wraps those layers, freezes the rest
    count_parameters(bert)                                   # {"total": ..., "trainable": ...}
    lora_param_count(bert, targets=("query", "value"), r=8)  # the same count without touching the model
    adapter_state_dict(bert)                                 # only the A and B matrices: the adapter to save
    merge_lora(bert)                                         # W <- W + (alpha / r) B A; plain nn.Linear again

LoRA (Hu et al. 2021) freezes a pretrained weight W (d_out x d_in) and learns
its change as a product of two thin matrices, B (d_out x r) and A (r x d_in),
scaled by alpha / r. A starts random and B at zero, so before training the
wrapped layer computes exactly what the original did; afterwards B A can be
added into W ("merged"), and the model runs at its original speed and size.

Layers are named as PEFT names them: a target matches a module whose dotted
name is the target or ends with "." + target (`"query"` matches
`encoder.layer.0.attention.self.query`), so the same `targets` give the same
layers, and the same trainable count, here and in `peft.LoraConfig`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["LoRALinear", "adapter_state_dict", "apply_lora", "count_parameters", "lora_param_count", "merge_lora",
           "target_linears"]


class LoRALinear(nn.Module):
    """`base(x) + (alpha / r) * x A^T B^T`: the base layer frozen, A (r x in) and B (out x r) trainable."""

    def __init__(self, base: nn.Linear, r: int = 8, alpha: float = 16, dropout: float = 0.0):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"LoRALinear wraps an nn.Linear, not {type(base).__name__}.")
        if isinstance(r, bool) or not isinstance(r, int) or r < 1:
            raise ValueError(f"The rank r must be a whole number of at least 1, not {r!r}.")
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.r, self.alpha = r, alpha
        self.scaling = alpha / r
        weight = base.weight
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, dtype=weight.dtype, device=weight.device))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, dtype=weight.dtype, device=weight.device))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))    # as nn.Linear and PEFT initialise A
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    @property
    def in_features(self) -> int:
        return self.base.in_features

    @property
    def out_features(self) -> int:
        return self.base.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (self.dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scaling

    def delta_weight(self) -> torch.Tensor:
        """The update the adapter adds to the weight: (alpha / r) B A, shaped like W."""
        return (self.lora_B @ self.lora_A) * self.scaling

    def merged(self) -> nn.Linear:
        """A plain nn.Linear whose weight is W + (alpha / r) B A: the same outputs, no adapter."""
        layer = nn.Linear(self.in_features, self.out_features, bias=self.base.bias is not None,
                          dtype=self.base.weight.dtype, device=self.base.weight.device)
        with torch.no_grad():
            layer.weight.copy_(self.base.weight + self.delta_weight())
            if self.base.bias is not None:
                layer.bias.copy_(self.base.bias)
        return layer

    def extra_repr(self) -> str:
        return f"r={self.r}, alpha={self.alpha}"


def _matches(name: str, targets) -> bool:
    return any(name == t or name.endswith("." + t) for t in targets)


def _targets(targets) -> tuple[str, ...]:
    if isinstance(targets, str):
        targets = (targets,)
    targets = tuple(targets)
    if not targets or not all(isinstance(t, str) and t for t in targets):
        raise ValueError(f"targets names the layers to adapt, e.g. ('query', 'value'); got {targets!r}.")
    return targets


def target_linears(model: nn.Module, targets) -> dict[str, nn.Linear]:
    """The nn.Linear layers of `model` that `targets` name (PEFT's rule), by dotted name."""
    targets = _targets(targets)
    found = {name: module for name, module in model.named_modules()
             if isinstance(module, nn.Linear) and _matches(name, targets)}
    if not found:
        linears = sorted({name.rsplit(".", 1)[-1] for name, m in model.named_modules() if isinstance(m, nn.Linear)})
        raise ValueError(f"No linear layer of the model is named {list(targets)}; its linear layers end in "
                         f"{linears}.")
    return found


def lora_param_count(model: nn.Module, targets=("query", "value"), r: int = 8) -> int:
    """Trainable parameters LoRA of rank r adds on the targeted layers: r * (in + out) each."""
    return sum(r * (layer.in_features + layer.out_features) for layer in target_linears(model, targets).values())


def apply_lora(model: nn.Module, targets=("query", "value"), r: int = 8, alpha: float = 16,
               dropout: float = 0.0) -> list[str]:
    """Freeze every parameter of `model` and wrap the targeted linear layers in LoRALinear; their names."""
    found = target_linears(model, targets)
    for p in model.parameters():
        p.requires_grad_(False)
    for name, layer in found.items():
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, LoRALinear(layer, r=r, alpha=alpha, dropout=dropout))
    return sorted(found)


def merge_lora(model: nn.Module) -> int:
    """Replace every LoRALinear in `model` by its merged nn.Linear; how many were merged."""
    wrapped = [(name, m) for name, m in model.named_modules() if isinstance(m, LoRALinear)]
    for name, module in wrapped:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, module.merged())
    return len(wrapped)


def count_parameters(model: nn.Module) -> dict:
    """{"total": every parameter, "trainable": those with requires_grad, "share": trainable / total}."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"total": total, "trainable": trainable, "share": trainable / total if total else 0.0}


def adapter_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """Only the adapters' A and B matrices, by name: what a LoRA checkpoint holds."""
    return {name: p.detach().cpu().clone() for name, p in model.named_parameters()
            if name.endswith(("lora_A", "lora_B"))}
