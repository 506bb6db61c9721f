"""Chapter 12's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import torch
from check_assertions import WrongAnswer
from test_fine_tuning import LoRALinear, kv_cache, training_memory

from shipml.finetuning.memory import QUANT_OVERHEAD


class NoScaling(LoRALinear):
    """Forgets alpha / r."""

    def forward(self, x):
        return self.base(x) + x @ self.lora_A.T @ self.lora_B.T


class InverseScaling(LoRALinear):
    """Scales by r / alpha."""

    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) / self.scaling


class UpdateOnly(LoRALinear):
    """Returns the update without the frozen layer's output."""

    def forward(self, x):
        return (x @ self.lora_A.T @ self.lora_B.T) * self.scaling


class Detached(LoRALinear):
    """Computes the update without gradients."""

    def forward(self, x):
        with torch.no_grad():
            update = (x @ self.lora_A.T @ self.lora_B.T) * self.scaling
        return self.base(x) + update


class WrongOrder(LoRALinear):
    """Multiplies by B before A: the shapes do not fit."""

    def forward(self, x):
        return self.base(x) + (x @ self.lora_B @ self.lora_A) * self.scaling


class WithoutBias(LoRALinear):
    """Uses the base weight but drops its bias."""

    def forward(self, x):
        return x @ self.base.weight.T + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling


def count_a_only(model, targets, r):
    return sum(r * m.in_features for name, m in model.named_modules()
               if isinstance(m, torch.nn.Linear) and any(name.endswith("." + t) or name == t for t in targets))


def count_square(model, targets, r):
    """Assumes every adapted layer is square: 2 r in."""
    return sum(2 * r * m.in_features for name, m in model.named_modules()
               if isinstance(m, torch.nn.Linear) and any(name.endswith("." + t) or name == t for t in targets))


def count_substring(model, targets, r):
    """Matches a target anywhere in the name: 'v' also adapts 'kv'."""
    return sum(r * (m.in_features + m.out_features) for name, m in model.named_modules()
               if isinstance(m, torch.nn.Linear) and any(name.endswith(t) for t in targets))


def count_full_matrix(model, targets, r):
    """Counts the weight's own in x out parameters."""
    return sum(m.in_features * m.out_features for name, m in model.named_modules()
               if isinstance(m, torch.nn.Linear) and any(name.endswith("." + t) or name == t for t in targets))


def memory_optimizer_everywhere(params, *, method="full", trainable_params=None, activations=0):
    """Gives the frozen base gradients and optimizer states too."""
    weight_bytes = {"full": 2, "lora": 2, "qlora": 0.5 + QUANT_OVERHEAD}[method]
    return params * weight_bytes + params * 10 + activations


def memory_one_moment(params, *, method="full", trainable_params=None, activations=0):
    """Counts one fp32 moment for AdamW instead of two."""
    return training_memory(params, method=method, trainable_params=trainable_params, activations=activations) - 4 * (
        params if method == "full" else trainable_params)


def memory_qlora_in_16_bits(params, *, method="full", trainable_params=None, activations=0):
    """Keeps the QLoRA base in 16 bits."""
    return training_memory(params, method="lora" if method == "qlora" else method,
                           trainable_params=trainable_params, activations=activations)


def memory_no_activations(params, *, method="full", trainable_params=None, activations=0):
    return training_memory(params, method=method, trainable_params=trainable_params)


def kv_no_factor_two(shape, batch, seq_len, bytes_per_value=2):
    return kv_cache(shape, batch, seq_len, bytes_per_value) // 2


def kv_query_heads(shape, batch, seq_len, bytes_per_value=2):
    return 2 * batch * seq_len * shape.layers * shape.hidden * bytes_per_value


def kv_fixed_bytes(shape, batch, seq_len, bytes_per_value=2):
    return kv_cache(shape, batch, seq_len, 2)


def kv_one_sequence(shape, batch, seq_len, bytes_per_value=2):
    return kv_cache(shape, 1, seq_len, bytes_per_value)


WRONG_ANSWERS = [
    WrongAnswer("ch12-ex2", "forgets alpha / r", NoScaling, "the update is B A x, scaled by alpha / r"),
    WrongAnswer("ch12-ex2", "scales by r / alpha", InverseScaling, "the update is B A x, scaled by alpha / r"),
    WrongAnswer("ch12-ex2", "drops the base layer's output", UpdateOnly,
                "before training the layer computes exactly what the base layer did"),
    WrongAnswer("ch12-ex2", "detaches the update", Detached, "gradients reach A and B, and only them"),
    WrongAnswer("ch12-ex2", "multiplies B before A", WrongOrder, "the output has the base layer's shape"),
    WrongAnswer("ch12-ex2", "drops the base's bias", WithoutBias,
                "before training the layer computes exactly what the base layer did"),
    WrongAnswer("ch12-ex3", "counts A only", count_a_only, "both matrices count, not just A"),
    WrongAnswer("ch12-ex3", "assumes square layers", count_square, "grouped-query attention: k and v are narrower"),
    WrongAnswer("ch12-ex3", "matches a substring", count_substring, "a target matches a whole name, not a substring"),
    WrongAnswer("ch12-ex3", "counts the full matrix", count_full_matrix,
                "one target, square layers: r x (in + out) per layer"),
    WrongAnswer("ch12-ex4", "optimizer states for frozen weights", memory_optimizer_everywhere,
                "LoRA: gradients and optimizer states for the adapters only"),
    WrongAnswer("ch12-ex4", "one AdamW moment", memory_one_moment,
                "full fine-tuning: 12 bytes a parameter (QLoRA paper: 65 B needs 780 GB)"),
    WrongAnswer("ch12-ex4", "QLoRA base in 16 bits", memory_qlora_in_16_bits, "QLoRA: the frozen base in 4 bits"),
    WrongAnswer("ch12-ex4", "ignores the activations", memory_no_activations, "the activations are added as given"),
    WrongAnswer("ch12-ex5", "forgets keys or values", kv_no_factor_two, "one token of OPT-13B: 800 KB (the vLLM paper)"),
    WrongAnswer("ch12-ex5", "caches every query head", kv_query_heads,
                "grouped-query attention stores kv_heads, not heads"),
    WrongAnswer("ch12-ex5", "ignores the precision", kv_fixed_bytes,
                "batch, sequence length and precision multiply it"),
    WrongAnswer("ch12-ex5", "one sequence only", kv_one_sequence, "batch, sequence length and precision multiply it"),
]
