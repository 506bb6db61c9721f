"""Chapter 2's checks: the reference answers pass, wrong answers fail, untouched stubs are not attempted."""

import numpy as np
import pytest

from shipml.evaluation import metrics
from shipml.modeling import mlp as model
from shipml.course.checks import registered_ids, run
from shipml.course.checks.modeling import _search_table, reference_choice

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


# --- wrong answers: each a mistake a learner makes --------------------------------------------


def epoch_without_zero_grad(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for X_batch, y_batch in loader:
        loss = loss_fn(model(X_batch), y_batch)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y_batch)
        count += len(y_batch)
    return total / count


def epoch_without_train_mode(model, loader, loss_fn, optimizer):
    total, count = 0.0, 0
    for X_batch, y_batch in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(X_batch), y_batch)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y_batch)
        count += len(y_batch)
    return total / count


def epoch_returning_a_tensor(model, loader, loss_fn, optimizer):
    model.train()
    total = 0.0
    for X_batch, y_batch in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(X_batch), y_batch)
        loss.backward()
        optimizer.step()
        total = total + loss  # keeps the graph of every batch alive
    return total / len(loader)


def epoch_without_step(model, loader, loss_fn, optimizer):
    model.train()
    losses = []
    for X_batch, y_batch in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(X_batch), y_batch)
        loss.backward()
        losses.append(loss.item())
    return float(np.mean(losses))


def recall_with_fpr_over_all_rows(y_true, scores, fpr):
    """Divides the false positives by every row, not by the legitimate ones."""
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)
    if not (y_true == 1).any():
        return float("nan")
    best = 0.0
    for threshold in np.unique(scores):
        flagged = scores >= threshold
        if (flagged & (y_true == 0)).mean() <= fpr:
            best = max(best, flagged[y_true == 1].mean())
    return float(best)


def recall_splitting_ties(y_true, scores, fpr):
    """Ranks rows one by one, as if ties could be split."""
    y_true = np.asarray(y_true)
    if not (y_true == 1).any():
        return float("nan")
    ranked = y_true[np.argsort(-np.asarray(scores, dtype=float), kind="stable")]
    tp, fp = np.cumsum(ranked == 1), np.cumsum(ranked == 0)
    allowed = fp / (y_true == 0).sum() <= fpr
    return float(tp[allowed].max() / (y_true == 1).sum()) if allowed.any() else 0.0


def recall_zero_without_fraud(y_true, scores, fpr):
    answer = recall_at_fpr(y_true, scores, fpr)
    return 0.0 if np.isnan(answer) else answer


def choose_best_mean(table):
    summary = table.groupby("config").val_pr_auc.agg(["mean", "std"])
    chosen = summary["mean"].idxmax()
    return chosen, summary.loc[chosen, "mean"], summary.loc[chosen, "std"]


def choose_with_population_std(table):
    chosen, mean, _ = choose_configuration(table)
    return chosen, mean, table[table.config == chosen].val_pr_auc.std(ddof=0)


def choose_returning_a_label(table):
    return choose_configuration(table)[0]


# --- the tests --------------------------------------------------------------------------------


def test_chapter_two_registers_its_three_checked_exercises():
    assert {"ch02-ex2", "ch02-ex3", "ch02-ex5"} <= set(registered_ids())


@pytest.mark.parametrize(
    "exercise_id, answer",
    [
        ("ch02-ex2", train_one_epoch),
        ("ch02-ex2", model.train_one_epoch),
        ("ch02-ex3", recall_at_fpr),
        ("ch02-ex3", metrics.recall_at_fpr),
        ("ch02-ex5", choose_configuration),
        ("ch02-ex5", reference_choice),
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


@pytest.mark.parametrize(
    "exercise_id, wrong, failing_case",
    [
        ("ch02-ex2", epoch_without_zero_grad,
         "updates the weights exactly as one step per batch with fresh gradients would"),
        ("ch02-ex2", epoch_without_train_mode, "puts the model in training mode, dropout on"),
        ("ch02-ex2", epoch_returning_a_tensor, "returns the mean training loss of the epoch, as a number"),
        ("ch02-ex2", epoch_without_step, "the loss drops over five epochs"),
        ("ch02-ex3", recall_with_fpr_over_all_rows, "a hand-worked example: 10 legitimate, 4 fraud"),
        ("ch02-ex3", recall_splitting_ties, "tied scores are flagged together"),
        ("ch02-ex3", recall_zero_without_fraud, "no fraud in the data: the recall is undefined (NaN)"),
        ("ch02-ex5", choose_best_mean, "a cheaper configuration within one std of the best is preferred"),
        ("ch02-ex5", choose_with_population_std, "the best mean wins when nothing else is within its spread"),
    ],
)
def test_a_wrong_answer_fails_the_check_that_names_its_mistake(exercise_id, wrong, failing_case):
    result = run(exercise_id, wrong, include_hidden=True)
    assert not result.passed, result.summary()
    by_name = {case.name: case for case in result.cases}
    assert by_name[failing_case].status == "failed", result.summary()
    assert by_name[failing_case].message.endswith("."), "a failure is a plain sentence"


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
