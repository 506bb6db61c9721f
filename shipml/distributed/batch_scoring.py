"""Score a large batch in partitions: in one process, with concurrent.futures, and with Ray tasks.

    from shipml.distributed.batch_scoring import partitions, score_single, score_futures, ray_session, score_ray
    scores = score_single(model, X)                             # one process, one thread
    scores, start_s = score_futures(model, X, n_parts=8, workers=2, kind="threads")  # or "processes"
    with ray_session(num_cpus=2) as session:                    # local Ray, no dashboard, no usage stats
        session.start_s                                         # what starting the engine cost
        run = score_ray(model, X, n_parts=8, fail_partition=3, scratch=session.scratch)
        run.scores, run.attempts                                # partition 3 ran twice: its first worker died

Every way scores the same rows with the same function, `score_partition`,
which rebuilds the fraud MLP from its weights and scores one partition with
one thread; the results are concatenated in the partitions' order, so all
three agree to the last bit. What differs is what it costs to start the
workers and to ship the model and the rows to them.

Ray (`ray.init`) starts a small cluster on this machine: a head process, an
object store in shared memory, and worker processes. `ray_session` turns its
usage statistics and dashboard off, keeps it local (no address: nothing is
reached over the network), logs to a temporary folder, and always shuts it
down and removes that folder. Pointed at a cluster (`ray.init(address=...)`),
the same `score_ray` runs on many machines: the model and the rows are put in
the object store once (`ray.put`) and each task gets references and reads its
partition from there (on one machine, from shared memory without a copy); a task whose worker
dies is run again (`max_retries`). `fail_partition` injects such a death: the
task kills its own worker process on its first attempt, and Ray retries it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["RayRun", "RaySession", "partitions", "ray_session", "score_futures", "score_partition", "score_ray",
           "score_single"]


def partitions(n_rows: int, n_parts: int) -> list[slice]:
    """`n_parts` contiguous slices covering `n_rows` rows, sizes differing by at most one."""
    if not isinstance(n_parts, int) or isinstance(n_parts, bool) or n_parts < 1:
        raise ValueError(f"n_parts must be a whole number of at least 1; got {n_parts!r}.")
    edges = np.linspace(0, n_rows, n_parts + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def _state(model) -> tuple[dict, dict]:
    return {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}, dict(model.config)


def score_partition(state: dict, config: dict, X) -> np.ndarray:
    """Fraud probabilities for X from the MLP with these weights, on one thread."""
    import torch

    from shipml.modeling.mlp import FraudMLP, predict_scores

    torch.set_num_threads(1)
    model = FraudMLP(**config)
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()})
    return predict_scores(model, X)


def score_single(model, X) -> np.ndarray:
    """The baseline: the whole batch in this process, on one thread."""
    return score_partition(*_state(model), X)


def score_futures(model, X, *, n_parts: int = 8, workers: int = 2, kind: str = "threads") -> tuple[np.ndarray, float]:
    """The partitions on a pool of `workers` (concurrent.futures): scores, and the pool's start-up seconds.

    `kind="threads"`: threads of this process; they run in parallel because torch releases Python's global
    interpreter lock while it computes. `kind="processes"`: fresh processes (forkserver), which must start
    Python and import torch first, and receive the weights and rows pickled.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    if kind not in ("threads", "processes"):
        raise ValueError(f"kind is 'threads' or 'processes', not {kind!r}.")
    state, config = _state(model)
    started = time.perf_counter()
    # forkserver: fresh processes that do not inherit this one's threads (a fork of a process running torch's
    # thread pool, or Ray, can deadlock)
    pool = (ThreadPoolExecutor(workers) if kind == "threads"
            else ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")))
    with pool:
        list(pool.map(_warm, range(workers)))  # the workers' start-up (Python, NumPy, torch), timed apart
        start_s = time.perf_counter() - started
        parts = list(pool.map(score_partition, [state] * n_parts, [config] * n_parts,
                              [X[s] for s in partitions(len(X), n_parts)]))
    return np.concatenate(parts), start_s


def _warm(_):
    import torch  # noqa: F401

    import shipml.modeling.mlp  # noqa: F401
    time.sleep(0.05)  # keep this worker busy so that the pool starts the next one
    return os.getpid()


@dataclass
class RaySession:
    """A running local Ray: what starting it cost, and a scratch folder of its own."""

    start_s: float
    scratch: Path
    temp_dir: Path
    stop_s: float | None = None


@contextmanager
def ray_session(num_cpus: int = 2, object_store_mb: int = 256):
    """Start Ray on this machine only (no dashboard, no usage stats, logs in a temp folder); always shut it down."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # Ray's own telemetry switch
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    import ray

    if ray.is_initialized():
        raise RuntimeError("Ray is already running in this process: leave the other ray_session first.")
    temp_dir = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))  # short: Ray's socket paths must stay short
    scratch = temp_dir / "scratch"
    scratch.mkdir()
    started = time.perf_counter()
    session = None
    try:
        ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                 _temp_dir=str(temp_dir), _node_ip_address="127.0.0.1", object_store_memory=object_store_mb * 2**20,
                 runtime_env={"env_vars": {"RAY_USAGE_STATS_ENABLED": "0", "OMP_NUM_THREADS": "1"}})
        session = RaySession(time.perf_counter() - started, scratch, temp_dir)
        yield session
    finally:
        stopping = time.perf_counter()
        ray.shutdown()
        if session is not None:
            session.stop_s = time.perf_counter() - stopping
        shutil.rmtree(temp_dir, ignore_errors=True)


@dataclass
class RayRun:
    """Ray's scores, seconds, and how many times each partition's task ran."""

    scores: np.ndarray
    seconds: float
    attempts: list[int]


def _score_task(state, config, X, start: int, stop: int, index: int, scratch: str, fail: bool):
    """One partition's task, rows start:stop of X; with `fail`, its first attempt kills its own worker process."""
    folder = Path(scratch)
    attempt = len(list(folder.glob(f"attempt-{index}-*"))) + 1
    (folder / f"attempt-{index}-{attempt}").touch()
    if fail and attempt == 1:
        os._exit(1)  # a worker dying mid-task: a lost machine, an out-of-memory kill
    return score_partition(state, config, X[start:stop])  # X is read from the object store without a copy


def score_ray(model, X, *, n_parts: int = 8, scratch, fail_partition: int | None = None,
              max_retries: int = 2) -> RayRun:
    """Score X in `n_parts` Ray tasks (inside a `ray_session`); `fail_partition` kills that task's first worker."""
    import ray

    if not ray.is_initialized():
        raise RuntimeError("Start Ray first: call score_ray inside `with ray_session() as session:`.")
    scratch = Path(scratch)
    for old in scratch.glob("attempt-*"):
        old.unlink()
    task = ray.remote(num_cpus=1, max_retries=max_retries)(_score_task)
    started = time.perf_counter()
    state, config = _state(model)
    # the model and the rows go into the object store once; every task gets references, not copies
    state_ref, config_ref, rows_ref = ray.put(state), ray.put(config), ray.put(np.ascontiguousarray(X))
    refs = [task.remote(state_ref, config_ref, rows_ref, s.start, s.stop, i, str(scratch), i == fail_partition)
            for i, s in enumerate(partitions(len(X), n_parts))]
    scores = np.concatenate(ray.get(refs))
    seconds = time.perf_counter() - started
    attempts = [len(list(scratch.glob(f"attempt-{i}-*"))) for i in range(n_parts)]
    return RayRun(scores, seconds, attempts)
