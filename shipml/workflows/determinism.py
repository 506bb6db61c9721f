"""Determinism: where a training run's randomness comes from, measured in fresh processes, and how to remove it.

    from shipml.workflows.determinism import Controls, deterministic, seed_everything, weights_hash
    seed_everything(0)                            # Python's random, NumPy's global generator and torch, one seed
    with deterministic(threads=1):                # deterministic torch kernels and a fixed thread count, restored after
        model = ...train...
    weights_hash(model)                           # content_hash of the state_dict's tensors: equal hash, equal bytes

    [result] = train_in_fresh_process(Controls(), timeout_s=120)    # {"weights_hash": ..., "seconds": ...}
    results = train_in_fresh_process([Controls(), Controls(threads=2)])   # several runs, one after the other

`Controls` names every factor a training run depends on besides its code and
data: which random generators are seeded, `PYTHONHASHSEED` (the order in which
a set of strings is iterated), the number of CPU threads, the order of the
rows, and `torch.use_deterministic_algorithms`. `Controls()` controls them all.
`train_in_fresh_process` trains `TINY` (chapter 2's production model, few days,
few epochs) in a new Python interpreter, so no state of the caller leaks in,
and returns its weights' hash (several Controls: one after the other in that
interpreter, which costs one start-up of Python and torch); a worker that fails or runs past `timeout_s`
raises a RuntimeError with the last lines of its stderr.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

from shipml.workflows.lineage import content_hash

__all__ = ["TINY", "Controls", "TinyRun", "deterministic", "seed_everything", "stderr_tail", "train_in_fresh_process",
           "train_tiny", "weights_hash"]


def weights_hash(model) -> str:
    """The content hash of a torch model's weights: each state_dict tensor's name and content_hash, in order."""
    state = model.state_dict() if hasattr(model, "state_dict") else model
    return content_hash([[name, content_hash(tensor.detach().cpu().numpy())] for name, tensor in state.items()])


def seed_everything(seed: int) -> None:
    """Seed Python's `random`, NumPy's global generator and torch's default generator with `seed`."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@contextlib.contextmanager
def deterministic(threads: int | None = 1, enabled: bool = True):
    """Within the block: torch's deterministic algorithms (if `enabled`) and `threads` CPU threads; restored after."""
    import torch

    before = (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled())
    try:
        if threads is not None:
            torch.set_num_threads(int(threads))
        torch.use_deterministic_algorithms(bool(enabled))
        yield
    finally:
        torch.set_num_threads(before[0])
        torch.use_deterministic_algorithms(before[1])


@dataclass(frozen=True)
class Controls:
    """What a training run fixes besides its code and data; the defaults fix everything."""

    seed_torch: bool = True                 # torch's generator: the initial weights and the order of the batches
    seed_numpy: bool = True                 # Python's random and NumPy's global generator
    hash_seed: str | None = "0"             # PYTHONHASHSEED of the process; None: Python picks one at random
    threads: int | None = 1                 # torch's CPU threads; None: torch's default (one per core)
    row_order: int | None = None            # None: the rows as generated (time order); a number: shuffled by it
    deterministic_algorithms: bool = True   # torch.use_deterministic_algorithms


@dataclass(frozen=True)
class TinyRun:
    """A training run small enough to repeat in a table: chapter 2's production model on a few days."""

    days: int = 6
    train_days: int = 4
    val_days: int = 1
    max_epochs: int = 2
    data_seed: int = 0


TINY = TinyRun()


def train_tiny(controls: Controls = Controls(), run: TinyRun = TINY, seed: int = 0, *, return_model: bool = False) -> dict:
    """Train `run` in this process under `controls` (all but `hash_seed`, which only a new process can set).

    Returns {"weights_hash", "seconds"}, and the trained torch module as "model" with `return_model`.
    """
    import torch

    from shipml.data import SCENARIO, transactions
    from shipml.modeling.production import PRODUCTION, train_production

    started = time.perf_counter()
    df = transactions(days=run.days, seed=run.data_seed)
    if controls.row_order is not None:
        df = df.sample(frac=1.0, random_state=controls.row_order)  # the same rows, in another order
    if controls.seed_numpy:
        random.seed(seed)
        np.random.seed(seed)
    scenario = dataclasses.replace(SCENARIO, days=run.days, train_days=run.train_days, val_days=run.val_days)
    spec = dataclasses.replace(PRODUCTION, max_epochs=run.max_epochs, patience=None)
    threads = controls.threads if controls.threads is not None else torch.get_num_threads()
    with deterministic(threads, enabled=controls.deterministic_algorithms):
        fitted = train_production(df, seed=seed if controls.seed_torch else None, spec=spec, scenario=scenario)
    result = {"weights_hash": weights_hash(fitted.model), "seconds": time.perf_counter() - started}
    return {**result, "model": fitted.model} if return_model else result


def stderr_tail(text: str, lines: int = 8) -> str:
    """The last `lines` lines of a process's stderr, for an error message."""
    return "\n".join((text or "").strip().splitlines()[-lines:]) or "(nothing on stderr)"


def train_in_fresh_process(controls=Controls(), run: TinyRun = TINY, *, timeout_s: float = 120) -> list[dict]:
    """`train_tiny` under each of `controls` (one Controls or a list), in order, in one new Python interpreter.

    Returns one result per Controls. They must share `hash_seed`, which is the
    process's; a worker that fails or runs past `timeout_s` raises a
    RuntimeError with the last lines of its stderr.
    """
    controls = [controls] if isinstance(controls, Controls) else list(controls)
    for each in controls:
        if not isinstance(each, Controls):
            raise TypeError(f"controls should be Controls, not {type(each).__name__}.")
    if not controls or len({each.hash_seed for each in controls}) != 1:
        raise ValueError("train_in_fresh_process needs at least one Controls, all with the same hash_seed "
                         "(PYTHONHASHSEED is set once per process).")
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONHASHSEED", "OMP_NUM_THREADS")}
    env["PYTHONHASHSEED"] = "random" if controls[0].hash_seed is None else str(controls[0].hash_seed)
    payload = json.dumps({"controls": [asdict(each) for each in controls], "run": asdict(run)})
    command = [sys.executable, "-m", "shipml.workflows.determinism", payload]
    try:
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired as error:
        stderr = error.stderr.decode(errors="replace") if isinstance(error.stderr, bytes) else error.stderr
        raise RuntimeError(f"the training process ran past {timeout_s:.0f} s and was stopped; its stderr ended:\n"
                           f"{stderr_tail(stderr)}") from None
    if done.returncode != 0:
        raise RuntimeError(f"the training process failed (exit code {done.returncode}); its stderr ended:\n"
                           f"{stderr_tail(done.stderr)}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _main(argv) -> int:
    if len(argv) != 1:
        print("usage: python -m shipml.workflows.determinism '{\"controls\": [{...}], \"run\": {...}}'",
              file=sys.stderr)
        return 2
    payload = json.loads(argv[0])
    run = TinyRun(**payload.get("run", {}))
    print(json.dumps([train_tiny(Controls(**each), run) for each in payload["controls"]]))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
