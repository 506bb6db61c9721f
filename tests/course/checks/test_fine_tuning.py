"""Chapter 12's checks: the reference answers pass, untouched stubs are not attempted, PEFT agrees with the counts."""

import copy
import math
import warnings

import pytest
import torch
from torch import nn

from shipml.course import checks
from shipml.course.checks import registered_ids, run
from shipml.course.checks.fine_tuning import COUNT_CASES, _block_model, expected_count
from shipml.finetuning.memory import QUANT_OVERHEAD

# --- answers as a learner would write them in the notebook ------------------------------------


class LoRALinear(nn.Module):
    def __init__(self, base, r=8, alpha=16):
        super().__init__()
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.scaling = alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling


class StubLoRALinear(LoRALinear):
    def forward(self, x):
        ...


def lora_trainable(model, targets, r):
    return sum(r * (m.in_features + m.out_features) for name, m in model.named_modules()
               if isinstance(m, nn.Linear) and any(name == t or name.endswith("." + t) for t in targets))


def training_memory(params, *, method="full", trainable_params=None, activations=0):
    weight_bytes = {"full": 2, "lora": 2, "qlora": 0.5 + QUANT_OVERHEAD}[method]
    trainable = params if method == "full" else trainable_params
    adapters = 0 if method == "full" else 2 * trainable
    return params * weight_bytes + adapters + trainable * (2 + 8) + activations


def kv_cache(shape, batch, seq_len, bytes_per_value=2):
    return 2 * batch * seq_len * shape.layers * shape.kv_heads * (shape.hidden // shape.heads) * bytes_per_value


def stub_count(model, targets, r):
    ...


def stub_memory(params, *, method="full", trainable_params=None, activations=0):
    ...


def stub_kv(shape, batch, seq_len, bytes_per_value=2):
    ...


ANSWERS = (("ch12-ex2", LoRALinear), ("ch12-ex3", lora_trainable), ("ch12-ex4", training_memory),
           ("ch12-ex5", kv_cache))

# The typical wrong answers, each with the case that must name its mistake, are in wrong_fine_tuning.py.


def test_chapter_twelve_registers_its_four_checked_exercises():
    assert {"ch12-ex2", "ch12-ex3", "ch12-ex4", "ch12-ex5"} <= set(registered_ids())


@pytest.mark.parametrize("exercise_id, answer", ANSWERS)
def test_the_reference_answers_pass_every_check_hidden_ones_included(exercise_id, answer):
    result = run(exercise_id, answer, include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize("exercise_id, stub", [("ch12-ex2", StubLoRALinear), ("ch12-ex3", stub_count),
                                               ("ch12-ex4", stub_memory), ("ch12-ex5", stub_kv),
                                               ("ch12-ex2", None), ("ch12-ex4", None)])
def test_an_untouched_stub_is_not_attempted(exercise_id, stub):
    result = run(exercise_id, stub, include_hidden=True)
    assert result.status == "not attempted", result.summary()


@pytest.mark.parametrize("exercise_id, answer", ANSWERS)
def test_a_judge_gets_only_plain_data_and_passes_the_reference_on_it(exercise_id, answer):
    seen = checks.observe(exercise_id, answer, include_hidden=True)
    assert [o.status for o in seen] == ["observed"] * len(seen), [o.to_dict() for o in seen]
    for observation in seen:
        checks.plain(observation.value)
    assert checks.judge(exercise_id, seen, include_hidden=True).passed


@pytest.mark.parametrize("kind, targets, r", COUNT_CASES)
def test_does_the_expected_count_of_every_case_equal_peft_s_own(kind, targets, r):
    from peft import LoraConfig, get_peft_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peft_model = get_peft_model(copy.deepcopy(_block_model(kind)),
                                    LoraConfig(r=r, lora_alpha=2 * r, target_modules=list(targets)))
    assert expected_count(kind, tuple(targets), r) == peft_model.get_nb_trainable_parameters()[0]


def test_a_crash_in_the_learners_code_is_a_sentence_not_a_traceback():
    def crashes(shape, batch, seq_len, bytes_per_value=2):
        return shape.no_such_field * batch

    result = run("ch12-ex5", crashes)
    assert result.status == "error" and "Traceback" not in result.summary()


def test_every_case_of_chapter_twelve_runs_quickly():
    for exercise_id, answer in ANSWERS:
        assert run(exercise_id, answer, include_hidden=True).seconds < 8
