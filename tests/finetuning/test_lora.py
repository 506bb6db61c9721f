"""LoRA by hand: the identity at the start, gradients to A and B only, merging, PEFT's count."""

import copy
import warnings

import pytest
import torch
from torch import nn

from shipml.finetuning import lora


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.ModuleDict({"query": nn.Linear(12, 12), "value": nn.Linear(12, 6), "kv": nn.Linear(12, 8)})
        self.out = nn.Linear(6, 4)

    def forward(self, x):
        return self.out(torch.tanh(self.attn["value"](torch.relu(self.attn["query"](x)))))


def test_is_a_fresh_lora_layer_the_identity_of_its_base():
    torch.manual_seed(0)
    base = nn.Linear(10, 7)
    x = torch.randn(3, 5, 10)
    assert torch.equal(lora.LoRALinear(base, r=4)(x), base(x))


def test_do_only_a_and_b_get_gradients():
    layer = lora.LoRALinear(nn.Linear(10, 7), r=4, alpha=8)
    with torch.no_grad():
        layer.lora_B.normal_()
    layer(torch.randn(6, 10)).pow(2).sum().backward()
    assert layer.lora_A.grad is not None and layer.lora_B.grad is not None
    assert layer.base.weight.grad is None and layer.base.bias.grad is None


def test_does_merging_give_the_unmerged_outputs():
    torch.manual_seed(1)
    model = Tiny()
    names = lora.apply_lora(model, targets=("query", "value"), r=2, alpha=4)
    assert names == ["attn.query", "attn.value"]
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, lora.LoRALinear):
                m.lora_B.normal_()
    x = torch.randn(5, 12)
    unmerged = model(x)
    assert lora.merge_lora(model) == 2
    assert not any(isinstance(m, lora.LoRALinear) for m in model.modules())
    assert torch.allclose(model(x), unmerged, atol=1e-6)


def test_does_apply_lora_freeze_everything_but_the_adapters():
    model = Tiny()
    lora.apply_lora(model, targets=("value",), r=3)
    counts = lora.count_parameters(model)
    assert counts["trainable"] == 3 * (12 + 6) == lora.lora_param_count(Tiny(), ("value",), 3)
    assert set(lora.adapter_state_dict(model)) == {"attn.value.lora_A", "attn.value.lora_B"}


@pytest.mark.parametrize("targets, r", [(("query", "value"), 8), (("v",), 2), (("kv", "out"), 4), (("value",), 1)])
def test_does_the_hand_count_agree_with_peft(targets, r):
    from peft import LoraConfig, get_peft_model

    if targets == ("v",):   # no layer is named "v": PEFT refuses too
        with pytest.raises(ValueError, match="No linear layer"):
            lora.lora_param_count(Tiny(), targets, r)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peft_model = get_peft_model(copy.deepcopy(Tiny()), LoraConfig(r=r, lora_alpha=2 * r,
                                                                       target_modules=list(targets)))
    assert lora.lora_param_count(Tiny(), targets, r) == peft_model.get_nb_trainable_parameters()[0]


def test_is_bad_input_answered_with_a_sentence():
    with pytest.raises(TypeError, match="wraps an nn.Linear"):
        lora.LoRALinear(nn.Conv1d(3, 3, 1))
    with pytest.raises(ValueError, match="rank r"):
        lora.LoRALinear(nn.Linear(3, 3), r=0)
