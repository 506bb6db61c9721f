"""The worker that torchrun starts on every rank: gradients averaged by hand with all_reduce, then DDP.

    python -m torch.distributed.run --standalone --nproc-per-node=2 -m shipml.distributed.ddp_worker \\
        --data DATA --out OUT [--mode train|grads] [--steps 20] [--batch 2048] [--average FILE]
    # from Python: shipml.distributed.launch.run_ranks("shipml.distributed.ddp_worker", [...], nproc=2)

    from shipml.distributed.ddp_worker import prepare_data, global_batches, local_gradients, read_results
    prepare_data(DATA, rows=40_960)            # the fraud data, encoded, as X.npy and y.npy
    results = read_results(OUT)                # one dict per rank

Every rank builds the fraud MLP (`shipml.modeling.mlp.FraudMLP`) from the
same seed and cuts every global batch of the same shuffled order
(`make_loader`, seed 0) into `world_size` equal shards; rank r takes shard r.
Then, in mode `grads`, it computes its shard's gradient and averages it over
the ranks with `average_gradients` (`dist.all_reduce`, a sum, divided by
the number of ranks), or with the function `average_gradients` read from
`--average FILE`. In mode `train` it also trains: a few SGD steps with the
averaging by hand, timing the computation and the communication apart, and
then the same steps with `DistributedDataParallel` and the course's training
loop (`shipml.modeling.training.train_one_epoch`). Each rank saves what it
saw to `OUT/rank<r>.pt`.

The backend is NCCL when CUDA shows at least two GPUs (one per rank), else
gloo on the CPU: the same script, unchanged, on a laptop or a GPU cluster.
The process group has a timeout (`--pg-timeout`, seconds), so a rank whose
peer died fails instead of waiting forever.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from shipml.modeling.mlp import FraudMLP, TransactionDataset, make_loader
from shipml.modeling.training import train_one_epoch

__all__ = ["WIDTH", "average_gradients", "backend_and_device", "encoded_payments", "global_batches", "local_gradients", "main",
           "new_model", "prepare_data", "read_results", "shard", "timed_steps"]

WIDTH, DEPTH, LR, SEED = 64, 2, 0.05, 0


def encoded_payments(rows: int = 40_960, seed: int = 0):
    """The first `rows` payments of the scenario's stream, encoded by the course's encoder: X and y."""
    from shipml.data import SCENARIO, transactions
    from shipml.features.encoding import fit_encoder

    if not isinstance(rows, int) or rows < 2:
        raise ValueError(f"rows must be a whole number of at least 2; got {rows!r}.")
    days = -(-rows // SCENARIO.payments_per_day) + 2
    df = transactions(days=days, seed=seed)
    while len(df) < rows:  # a quiet stretch: a few more days
        days += 5
        df = transactions(days=days, seed=seed)
    df = df.iloc[:rows]
    return fit_encoder(df).transform(df).astype(np.float32), df["is_fraud"].to_numpy(np.float32)


def prepare_data(folder, rows: int = 40_960, seed: int = 0) -> Path:
    """`encoded_payments` saved as X.npy and y.npy in `folder`, for the ranks to load."""
    X, y = encoded_payments(rows, seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "X.npy", X)
    np.save(folder / "y.npy", y)
    return folder


def load_data(folder):
    """X and y as saved by `prepare_data`."""
    folder = Path(folder)
    return np.load(folder / "X.npy"), np.load(folder / "y.npy")


def backend_and_device(local_rank: int = 0):
    """("nccl", cuda:local_rank) when there is a GPU per rank, else ("gloo", cpu)."""
    import shipml

    device = shipml.device()
    if device.type == "cuda" and torch.cuda.device_count() >= 2:
        return "nccl", torch.device("cuda", local_rank)
    return "gloo", torch.device("cpu")


def average_gradients(grads):
    """Replace each rank's gradients by their mean over all ranks: all_reduce sums, then divide by the ranks."""
    world_size = dist.get_world_size()
    for grad in grads:
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        grad /= world_size
    return grads


def new_model(n_features: int, device=None):
    """The fraud MLP with the seed every rank shares: identical weights everywhere before step one."""
    torch.manual_seed(SEED)
    return FraudMLP(n_features, width=WIDTH, depth=DEPTH).to(device or "cpu")


def global_batches(X, y, batch_size: int, seed: int = SEED) -> list:
    """The shuffled global batches of one epoch (the course's loader), the same on every rank."""
    return list(make_loader(TransactionDataset(X, y), batch_size, seed=seed))


def shard(batches, rank: int, world_size: int) -> list:
    """Rank `rank`'s equal share of every global batch."""
    return [(Xb.tensor_split(world_size)[rank], yb.tensor_split(world_size)[rank]) for Xb, yb in batches]


def local_gradients(model, X, y) -> list:
    """The gradient of the mean loss on (X, y), one tensor per parameter."""
    model.zero_grad()
    nn.BCEWithLogitsLoss()(model(X), y).backward()
    return [p.grad.detach().clone() for p in model.parameters()]


def timed_steps(model, batches, lr: float = LR, average=None) -> dict:
    """SGD steps with the averaging by hand; seconds of computation and of communication per step, apart."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    device = next(model.parameters()).device
    compute_s, comm_s = [], []
    for Xb, yb in batches:
        t0 = time.perf_counter()
        optimizer.zero_grad()
        loss_fn(model(Xb.to(device)), yb.to(device)).backward()
        t1 = time.perf_counter()
        if average is not None:
            average([p.grad for p in model.parameters()])
            if device.type == "cuda":
                torch.cuda.synchronize(device)
        t2 = time.perf_counter()
        optimizer.step()
        compute_s.append(time.perf_counter() - t2 + t1 - t0)
        comm_s.append(t2 - t1)
    return {"compute_s": torch.tensor(compute_s), "comm_s": torch.tensor(comm_s),
            "weights": [p.detach().cpu().clone() for p in model.parameters()]}


def _learner_average(path):
    namespace = {"torch": torch, "dist": dist, "np": np, "__name__": "learner"}
    exec(compile(Path(path).read_text(), str(path), "exec"), namespace)
    function = namespace.get("average_gradients")
    if not callable(function):
        raise SystemExit(f"{path} defines no function average_gradients(grads).")
    return function


def _gradient_part(model, batch, rank, world_size, average, device) -> dict:
    Xb, yb = shard([batch], rank, world_size)[0]
    local = local_gradients(model, Xb.to(device), yb.to(device))
    out = {"local": [g.cpu() for g in local], "averaged": None, "error": None}
    try:
        averaged = average([g.clone() for g in local])
    except Exception as error:  # the learner's code: report it, do not hang the peers
        out["error"] = f"{type(error).__name__}: {error}"
        return out
    if averaged is not None:
        out["averaged"] = [torch.as_tensor(g).detach().cpu().clone() for g in averaged]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--mode", choices=("train", "grads"), default="train")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--average", default=None, help="a Python file defining average_gradients(grads)")
    parser.add_argument("--pg-timeout", type=float, default=60.0)
    parser.add_argument("--fail-rank", type=int, default=None, help="make this rank fail (a test of the launcher)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    torch.set_num_threads(1)  # one core per rank: two ranks on a two-core machine
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    backend, device = backend_and_device(local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend, timeout=timedelta(seconds=args.pg_timeout))
    try:
        if args.fail_rank == rank:
            raise RuntimeError(f"injected failure on rank {rank}")
        X, y = load_data(args.data)
        batches = global_batches(X, y, args.batch)[: args.steps]
        average = _learner_average(args.average) if args.average else average_gradients
        result = {"rank": rank, "world_size": world_size, "backend": backend,
                  "grads": _gradient_part(new_model(X.shape[1], device), batches[0], rank, world_size, average,
                                          device)}
        if args.mode == "train":
            mine = shard(batches, rank, world_size)
            dist.barrier()
            result["hand"] = timed_steps(new_model(X.shape[1], device), mine, average=average_gradients)
            model = new_model(X.shape[1], device)
            ddp = nn.parallel.DistributedDataParallel(model, device_ids=[local_rank] if device.type == "cuda"
                                                      else None)
            optimizer = torch.optim.SGD(ddp.parameters(), lr=LR)
            dist.barrier()
            t0 = time.perf_counter()
            train_one_epoch(ddp, mine, nn.BCEWithLogitsLoss(), optimizer)
            result["ddp"] = {"step_s": (time.perf_counter() - t0) / len(mine),
                             "weights": [p.detach().cpu().clone() for p in model.parameters()]}
        torch.save(result, Path(args.out) / f"rank{rank}.pt")
        dist.barrier()
    finally:
        dist.destroy_process_group()
    return 0


def read_results(folder) -> list[dict]:
    """The ranks' saved results, in rank order."""
    paths = sorted(Path(folder).glob("rank*.pt"), key=lambda p: int(p.stem[4:]))
    return [torch.load(p, weights_only=True) for p in paths]


if __name__ == "__main__":
    sys.exit(main())
