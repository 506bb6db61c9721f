"""Checks of chapter 2, "Research-style modeling": a training epoch, recall at a fixed FPR, choosing a configuration.

    from shipml.course.checks import run
    run("ch02-ex2", train_one_epoch)        # the learner's train_one_epoch(model, loader, loss_fn, optimizer)
    run("ch02-ex3", recall_at_fpr)          # the learner's recall_at_fpr(y_true, scores, fpr)
    run("ch02-ex5", choose_configuration)   # the learner's choose_configuration(table) -> (config, mean, std)

Each case observes, then judges. The observers call the learner's code on
small, seeded inputs and return plain data: the epoch's loss as a number and
the model's weights as NumPy arrays (ex2), the recalls (ex3), the chosen
(config, mean, std) (ex5). The judges compare with hand-worked numbers and
with references computed from the same fixed inputs: one epoch of
`shipml.modeling.training.train_one_epoch`, `shipml.evaluation.metrics.recall_at_fpr`
(which the chapter uses), and the rule `_reference_choice` below.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from shipml.course.checks import Failure, WrongType, exercise, expect, expect_number, kind_of, to_number

# --- exercise 2: one training epoch ---------------------------------------------------------------

ex2 = exercise(
    "ch02-ex2",
    title="One training epoch",
    hints=[
        "Loop over the loader: for each batch, forward, loss, backward, step.",
        "Start with `model.train()`; in the loop call `optimizer.zero_grad()` before `loss.backward()`.",
        "Add up `loss.item() * len(y_batch)` and the number of rows; return the total divided by the rows.",
    ],
)


def _tiny_problem(seed: int = 0, n: int = 64, batch_size: int = 16):
    """A tiny model with dropout, a sequential loader of equal batches, a loss and an SGD optimizer."""
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 2, generator=generator)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).float()
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.25), nn.Linear(8, 1), nn.Flatten(0))
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    return model, loader, nn.BCEWithLogitsLoss(), optimizer


def _epoch_loss(value, what="the value your function returns"):
    """Observe: the returned loss as a number; a tensor that still holds its graph fails here, in the observer."""
    import torch

    if isinstance(value, torch.Tensor):
        if value.requires_grad:
            raise Failure("Your function returns a tensor that still holds the computation graph; return a number "
                          "(`loss.item()`), or every epoch keeps the last graph alive.")
        if value.numel() == 1:
            return float(value)
        raise WrongType(f"Expected a number for {what}, got {kind_of(value)}.")
    return value  # plain data; the judge says so when it is not a number


def _weights(model) -> dict:
    """The model's parameters and buffers as NumPy arrays, by name."""
    return {name: tensor.detach().cpu().numpy().copy() for name, tensor in model.state_dict().items()}


@functools.lru_cache(maxsize=None)
def _reference_epoch(seed: int, n: int = 64, batch_size: int = 16):
    """Judge's reference: the weights and the mean loss after one epoch of `training.train_one_epoch`."""
    import torch

    from shipml.modeling.training import train_one_epoch

    model, loader, loss_fn, optimizer = _tiny_problem(seed, n=n, batch_size=batch_size)
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed + 100)  # the dropout masks
        loss = train_one_epoch(model, loader, loss_fn, optimizer)
    finally:
        torch.random.set_rng_state(state)  # judging leaves no trace on the global generator
    return _weights(model), float(loss)


def _learner_epoch(train_one_epoch, seed: int, eval_first: bool = False, **kwargs):
    import torch

    model, loader, loss_fn, optimizer = _tiny_problem(seed, **kwargs)
    if eval_first:
        model.eval()
    torch.manual_seed(seed + 100)
    loss = train_one_epoch(model, loader, loss_fn, optimizer)
    return model, loss


@ex2.case("returns the mean training loss of the epoch, as a number",
          hint="Return the mean of the batch losses as a Python number: accumulate `loss.item()`.")
def _observe_loss(train_one_epoch):
    return _epoch_loss(_learner_epoch(train_one_epoch, seed=0)[1])


@_observe_loss.judge
def _(loss):
    expect_number(loss, _reference_epoch(0)[1], tol=1e-5, what="the mean loss of the first epoch")


@ex2.case("the loss drops over five epochs",
          hint="Call `loss.backward()` and `optimizer.step()` for every batch, so the model learns.")
def _observe_five_epochs(train_one_epoch):
    import torch

    model, loader, loss_fn, optimizer = _tiny_problem(1)
    torch.manual_seed(7)
    return [_epoch_loss(train_one_epoch(model, loader, loss_fn, optimizer)) for _ in range(5)]


@_observe_five_epochs.judge
def _(losses):
    losses = [to_number(loss, f"the mean loss of epoch {i + 1}") for i, loss in enumerate(losses)]
    expect(losses[-1] < 0.8 * losses[0],
           f"The loss went from {losses[0]:.3f} in the first epoch to {losses[-1]:.3f} in the fifth; "
           "it should drop by at least a fifth on this easy problem.")


@ex2.case("updates the weights exactly as one step per batch with fresh gradients would",
          hint="Call `optimizer.zero_grad()` before each `loss.backward()`: gradients add up otherwise.")
def _observe_weights(train_one_epoch):
    return _weights(_learner_epoch(train_one_epoch, seed=2)[0])


@_observe_weights.judge
def _(weights):
    for name, want in _reference_epoch(2)[0].items():
        got = weights.get(name)
        if got is None or np.shape(got) != want.shape or not np.allclose(got, want, rtol=1e-5, atol=1e-5):
            raise Failure(f"After one epoch the weights {name!r} differ from one optimizer step per batch with "
                          "that batch's gradients only: gradients seem to be left over from the previous batch.")


@ex2.case("puts the model in training mode, dropout on",
          hint="Call `model.train()` at the start: the model may come in evaluation mode.")
def _observe_mode(train_one_epoch):
    model, _ = _learner_epoch(train_one_epoch, seed=3, eval_first=True)
    return {"model": bool(model.training), "modules": [bool(m.training) for m in model.modules()]}


@_observe_mode.judge
def _(mode):
    expect(mode["model"] is True and all(m is True for m in mode["modules"]),
           "After your epoch the model is in evaluation mode; it must train with dropout on, in training mode.")


@ex2.case("leaves no gradient behind the graph: a loss from a longer loader is the same number",
          hint="Use `loss.item()` when you add up the losses, and don't keep tensors from the loop.", hidden=True)
def _observe_longer(train_one_epoch):
    return _epoch_loss(_learner_epoch(train_one_epoch, seed=4, n=96, batch_size=32)[1])


@_observe_longer.judge
def _(loss):
    expect_number(loss, _reference_epoch(4, n=96, batch_size=32)[1], tol=1e-5,
                  what="the mean loss over three batches")


# --- exercise 3: recall at a fixed false-positive rate --------------------------------------------

ex3 = exercise(
    "ch02-ex3",
    title="Recall at a fixed false-positive rate",
    hints=[
        "Try each distinct score as the threshold (flag scores >= it); keep those whose FPR is at most `fpr`.",
        "FPR = flagged legitimate / all legitimate; recall = flagged fraud / all fraud. Return the best recall.",
        "Tied scores are flagged together. With no fraud, recall is undefined: return float('nan').",
    ],
)


def _recall(fn, y, scores, fpr):
    """Observe: the learner's recall on one fixed input (a 0-d array or tensor becomes its number)."""
    value = fn(np.array(y), np.array(scores, dtype=float), fpr)
    if getattr(value, "shape", None) == () and hasattr(value, "__float__") and not isinstance(value, bool):
        return float(value)
    return value


def _recall_case(name, hint, y, scores, expected, hidden=False):
    """A case of calls at several FPRs on one input: `expected` maps fpr -> (recall, what)."""

    def observe(recall_at_fpr):
        return {fpr: _recall(recall_at_fpr, y, scores, fpr) for fpr in expected}

    def judge(got):
        for fpr, (want, what) in expected.items():
            expect_number(got[fpr], want, tol=1e-9, what=what)

    ex3.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


# FPR counts flagged legitimate rows out of the 10 legitimate ones, not out of all 14 rows (hence fpr=0.6).
_recall_case("a hand-worked example: 10 legitimate, 4 fraud",
             "At fpr=0.1 one of the 10 legitimate rows may be flagged; divide by the legitimate rows only.",
             [1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0],
             [0.95, 0.9, 0.85, 0.7, 0.6, 0.55, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05, 0.01],
             {0.1: (0.5, "the recall at fpr=0.1"), 0.3: (0.75, "the recall at fpr=0.3"),
              0.6: (0.75, "the recall at fpr=0.6")})
_recall_case("fpr=0 flags only what scores above every legitimate row",
             "At fpr=0 no legitimate row may be flagged; fpr=1 may flag everything.",
             [1, 1, 0, 1, 0], [0.9, 0.8, 0.7, 0.6, 0.1],
             {0.0: (2 / 3, "the recall at fpr=0"), 1.0: (1.0, "the recall at fpr=1")})
# The second fraud ties with a legitimate row: flagging it costs FPR 0.5, above the 0.25 allowed.
_recall_case("tied scores are flagged together",
             "A threshold flags every score at least as high: a fraud tied with a legitimate row comes as a pair.",
             [1, 1, 0, 0, 0, 0, 1], [0.9, 0.5, 0.5, 0.5, 0.2, 0.1, 0.1],
             {0.25: (1 / 3, "the recall at fpr=0.25 with tied scores")})


@ex3.case("no fraud in the data: the recall is undefined (NaN)",
          hint="With no fraud there is nothing to recall: return float('nan'), don't divide by zero.",
          allow_none=False)
def _observe_no_fraud(recall_at_fpr):
    return _recall(recall_at_fpr, [0, 0, 0], [0.3, 0.2, 0.1], 0.5)


@_observe_no_fraud.judge
def _(got):
    value = to_number(got, "the recall without fraud")
    expect(math.isnan(value), f"Without any fraud the recall is undefined and should be NaN; yours is {value:g}.")


@functools.lru_cache(maxsize=None)
def _random_recall_inputs():
    rng = np.random.default_rng(0)
    inputs = []
    for _ in range(5):
        y = (rng.random(400) < 0.05).astype(int)
        inputs.append((y, np.round(np.clip(0.3 * y + rng.random(400), 0, 1), 2)))
    return inputs


_RANDOM_FPRS = (0.0, 0.01, 0.05, 0.2)


@ex3.case("random scores with many ties, against the reference", hidden=True)
def _observe_random_recall(recall_at_fpr):
    return [[_recall(recall_at_fpr, y, scores, fpr) for fpr in _RANDOM_FPRS] for y, scores in _random_recall_inputs()]


@_observe_random_recall.judge
def _(got):
    from shipml.evaluation.metrics import recall_at_fpr as reference

    for seen, (y, scores) in zip(got, _random_recall_inputs()):
        for value, fpr in zip(seen, _RANDOM_FPRS):
            expect_number(value, reference(y, scores, fpr), tol=1e-9, what=f"the recall at fpr={fpr}")


# --- exercise 5: choosing a configuration ---------------------------------------------------------

ex5 = exercise(
    "ch02-ex5",
    title="Choose a configuration by a stated rule",
    hints=[
        "Group the table by `config` and take the mean and the standard deviation of `val_pr_auc` over seeds.",
        "The contenders are the configurations whose mean is at least the best mean minus the best one's std.",
        "Of the contenders, take the one with the lowest mean `seconds`; return (config, its mean, its std).",
    ],
)


def _reference_choice(table: pd.DataFrame):
    """The rule: among configurations within one seed std of the best mean PR-AUC, the fastest on average."""
    summary = table.groupby("config").agg(mean=("val_pr_auc", "mean"), std=("val_pr_auc", "std"),
                                          seconds=("seconds", "mean"))
    best = summary.loc[summary["mean"].idxmax()]
    contenders = summary[summary["mean"] >= best["mean"] - best["std"]]
    chosen = contenders["seconds"].idxmin()
    return chosen, float(summary.loc[chosen, "mean"]), float(summary.loc[chosen, "std"])


def _search_table(means, stds, seconds, seeds=5, seed=0) -> pd.DataFrame:
    """A search table with the given per-configuration means, spreads and wall times."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, (mean, std, sec) in enumerate(zip(means, stds, seconds)):
        noise = rng.standard_normal(seeds)
        noise = (noise - noise.mean()) / noise.std(ddof=1)  # exactly this mean and sample std
        for s in range(seeds):
            rows.append({"config": f"width={16 * 2 ** i}", "width": 16 * 2 ** i, "seed": s,
                         "val_pr_auc": mean + std * noise[s], "seconds": sec * (1 + 0.01 * s)})
    return pd.DataFrame(rows)


def _judge_choice(got, table, what):
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise WrongType(f"Expected a tuple (config, mean, std) for {what}, got {kind_of(got)}.")
    config, mean, std = got
    want = _reference_choice(table)
    expect(str(config) == want[0], f"For {what} the rule chooses {want[0]!r}, yours chooses {config!r}.")
    expect_number(mean, want[1], tol=1e-6, what="the mean validation PR-AUC of the chosen configuration")
    expect_number(std, want[2], tol=1e-6, what="its standard deviation over seeds (pandas' .std(), ddof=1)")


def _choice_case(name, hint, tables, what, hidden=False):
    """A case over fixed tables: `tables()` builds them afresh for the observer and for the judge."""

    def observe(choose_configuration):
        return [choose_configuration(table) for table in tables()]

    def judge(got):
        if not isinstance(got, list) or len(got) != len(tables()):
            raise WrongType(f"Expected one answer per table for {what}, got {kind_of(got)}.")
        for seen, table in zip(got, tables()):
            _judge_choice(seen, table, what)

    ex5.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


def _random_tables():
    rng = np.random.default_rng(3)
    return [_search_table(rng.uniform(0.1, 0.3, 5), rng.uniform(0.005, 0.03, 5), rng.uniform(1, 5, 5), seed=seed)
            for seed in range(3)]


_choice_case("the best mean wins when nothing else is within its spread",
             "Compute each configuration's mean and std over seeds first.",
             lambda: [_search_table([0.20, 0.26, 0.21], [0.01, 0.01, 0.01], [1.0, 2.0, 4.0])], "a clear winner")
_choice_case("a cheaper configuration within one std of the best is preferred",
             "Contenders: mean >= best mean - best std. Among them, the lowest mean seconds.",
             lambda: [_search_table([0.24, 0.25, 0.20], [0.02, 0.02, 0.01], [3.0, 5.0, 1.0])], "a near tie")
_choice_case("many configurations, random spreads", None, _random_tables, "a random table", hidden=True)
