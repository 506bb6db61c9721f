"""Chapter 2's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import numpy as np
from check_assertions import WrongAnswer
from test_modeling import choose_configuration, recall_at_fpr



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


WRONG_ANSWERS = [
    WrongAnswer("ch02-ex2", "never calls optimizer.zero_grad()", epoch_without_zero_grad,
                "updates the weights exactly as one step per batch with fresh gradients would"),
    WrongAnswer("ch02-ex2", "never calls model.train()", epoch_without_train_mode,
                "puts the model in training mode, dropout on"),
    WrongAnswer("ch02-ex2", "returns a tensor that holds the graph", epoch_returning_a_tensor,
                "returns the mean training loss of the epoch, as a number"),
    WrongAnswer("ch02-ex2", "never calls optimizer.step()", epoch_without_step, "the loss drops over five epochs"),
    WrongAnswer("ch02-ex3", "divides false positives by every row", recall_with_fpr_over_all_rows,
                "a hand-worked example: 10 legitimate, 4 fraud"),
    WrongAnswer("ch02-ex3", "splits tied scores", recall_splitting_ties, "tied scores are flagged together"),
    WrongAnswer("ch02-ex3", "returns 0 instead of NaN without fraud", recall_zero_without_fraud,
                "no fraud in the data: the recall is undefined (NaN)"),
    WrongAnswer("ch02-ex5", "takes the best mean, ignoring cost", choose_best_mean,
                "a cheaper configuration within one std of the best is preferred"),
    WrongAnswer("ch02-ex5", "uses the population std (ddof=0)", choose_with_population_std,
                "the best mean wins when nothing else is within its spread"),
]
