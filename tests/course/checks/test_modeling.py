"""Chapter 2's checks: the reference answers pass, wrong answers fail, untouched stubs are not attempted."""

import numpy as np
import pytest

from shipml.course import checks
from shipml.course.checks import registered_ids, run
from shipml.course.checks.modeling import _reference_choice, _search_table
from shipml.evaluation import metrics
from shipml.modeling import training

# --- answers as a learner would write them ------------------------------------------------------


def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    losses, sizes = [], []
    for X_batch, y_batch in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(X_batch), y_batch)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        sizes.append(len(y_batch))
    return float(np.average(losses, weights=sizes))


def recall_at_fpr(y_true, scores, fpr):
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)
    if not (y_true == 1).any():
        return float("nan")
    best = 0.0
    for threshold in np.unique(scores):
        flagged = scores >= threshold
        if flagged[y_true == 0].mean() <= fpr:
            best = max(best, flagged[y_true == 1].mean())
    return float(best)


def choose_configuration(table):
    summary = table.groupby("config").agg(mean=("val_pr_auc", "mean"), std=("val_pr_auc", "std"),
                                          seconds=("seconds", "mean"))
    best = summary["mean"].max()
    best_std = summary.loc[summary["mean"].idxmax(), "std"]
    chosen = summary[summary["mean"] >= best - best_std].sort_values("seconds").index[0]
    return chosen, summary.loc[chosen, "mean"], summary.loc[chosen, "std"]


def stub_train_one_epoch(model, loader, loss_fn, optimizer):
    ...


def stub_recall_at_fpr(y_true, scores, fpr):
    ...


def stub_choose_configuration(table):
    ...


def choose_returning_a_label(table):
    return choose_configuration(table)[0]


# The typical wrong answers, each with the case that must name its mistake, are in wrong_modeling.py.


# --- the tests --------------------------------------------------------------------------------


def test_chapter_two_registers_its_three_checked_exercises():
    assert {"ch02-ex2", "ch02-ex3", "ch02-ex5"} <= set(registered_ids())


@pytest.mark.parametrize(
    "exercise_id, answer",
    [
        ("ch02-ex2", train_one_epoch),
        ("ch02-ex2", training.train_one_epoch),
        ("ch02-ex3", recall_at_fpr),
        ("ch02-ex3", metrics.recall_at_fpr),
        ("ch02-ex5", choose_configuration),
        ("ch02-ex5", _reference_choice),
    ],
)
def test_the_reference_answers_pass_every_check_hidden_ones_included(exercise_id, answer):
    result = run(exercise_id, answer, include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize(
    "exercise_id, stub",
    [
        ("ch02-ex2", stub_train_one_epoch),
        ("ch02-ex3", stub_recall_at_fpr),
        ("ch02-ex5", stub_choose_configuration),
        ("ch02-ex2", None),
        ("ch02-ex5", None),
    ],
)
def test_an_untouched_stub_is_not_attempted(exercise_id, stub):
    result = run(exercise_id, stub, include_hidden=True)
    assert result.status == "not attempted", result.summary()


def test_a_wrong_type_is_a_sentence_not_a_traceback():
    result = run("ch02-ex5", choose_returning_a_label)
    assert result.status == "error"
    assert any("Expected a tuple" in case.message for case in result.cases), result.summary()
    assert "Traceback" not in result.summary()


def test_the_search_tables_of_the_checks_have_the_stated_means_and_spreads():
    table = _search_table([0.2, 0.3], [0.01, 0.02], [1.0, 2.0])
    summary = table.groupby("config").val_pr_auc.agg(["mean", "std"])
    assert np.allclose(summary["mean"], [0.2, 0.3]) and np.allclose(summary["std"], [0.01, 0.02])


def test_every_case_of_chapter_two_runs_quickly():
    for exercise_id, answer in (("ch02-ex2", train_one_epoch), ("ch02-ex3", recall_at_fpr),
                                ("ch02-ex5", choose_configuration)):
        assert run(exercise_id, answer, include_hidden=True).seconds < 5


ANSWERS = (("ch02-ex2", train_one_epoch), ("ch02-ex3", recall_at_fpr), ("ch02-ex5", choose_configuration))


@pytest.mark.parametrize("exercise_id, answer", ANSWERS)
def test_a_judge_gets_only_plain_data_and_passes_the_reference_on_it(exercise_id, answer):
    seen = checks.observe(exercise_id, answer, include_hidden=True)
    assert [o.status for o in seen] == ["observed"] * len(seen), [o.to_dict() for o in seen]
    for observation in seen:
        checks.plain(observation.value)  # raises WrongType on anything but plain data
    assert checks.judge(exercise_id, seen, include_hidden=True).passed


def test_the_epoch_is_observed_as_a_number_and_numpy_weights():
    [loss, _, weights, mode] = checks.observe("ch02-ex2", train_one_epoch)
    assert isinstance(loss.value, float)
    assert weights.value and all(isinstance(w, np.ndarray) for w in weights.value.values())
    assert mode.value["model"] is True


class SlyFloat(float):
    """A float that claims to equal everything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = float.__hash__


class AlwaysEqual:
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("sly", [lambda: SlyFloat(0.123), AlwaysEqual])
def test_an_answer_that_claims_to_equal_everything_does_not_pass(sly):
    def recall(y_true, scores, fpr):
        return sly()

    def choose(table):
        return ("width=16", sly(), sly())

    for exercise_id, answer in (("ch02-ex3", recall), ("ch02-ex5", choose)):
        result = run(exercise_id, answer, include_hidden=True)
        assert not result.passed and result.status in ("failed", "error"), result.summary()


def test_a_loss_tensor_without_a_graph_counts_as_its_number_and_one_with_a_graph_fails_in_the_observer():
    import torch

    def as_tensor(model, loader, loss_fn, optimizer):
        return torch.tensor(train_one_epoch(model, loader, loss_fn, optimizer))

    assert run("ch02-ex2", as_tensor, include_hidden=True).passed
    seen = checks.observe("ch02-ex2", lambda *a: torch.ones(1, requires_grad=True) * 0.5)
    assert seen[0].status == "failed" and "computation graph" in seen[0].message
