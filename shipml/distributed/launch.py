"""Start a job's ranks with torchrun, wait with a timeout, and leave no process behind.

    from shipml.distributed.launch import run_ranks, launched, RankFailed
    run = run_ranks("shipml.distributed.ddp_worker", ["--data", d, "--out", out], nproc=2, timeout_s=120)
    run.seconds, run.stderr          # wall time of the whole launch, what the ranks wrote to stderr
    with launched("shipml.distributed.ddp_worker", args, nproc=2) as job:   # the same, step by step
        job.wait()                   # raises RankFailed (with the failing rank's stderr) or LaunchTimeout

`torchrun --standalone --nproc-per-node=N -m MODULE` (run here as `python -m
torch.distributed.run`, the same program) starts N copies of a module on this
machine, gives each its RANK, WORLD_SIZE and LOCAL_RANK, and a rendezvous on
a free loopback port (MASTER_ADDR and MASTER_PORT): exactly what it does on
each machine of a cluster, where `--nnodes` and `--rdzv-endpoint` name the
others. A notebook cannot `mp.spawn` a function it defines (the children
cannot import it), so the ranks run a module of this package.

Reliability: the launcher runs in a session of its own, so leaving the `with`
block (also through an exception or a timeout) kills the launcher and every
rank it started. `--max-restarts=0`: when one rank fails, torchrun stops the
others at once and exits non-zero, and `RankFailed` carries the end of the
ranks' stderr, so a broken rank fails the run in seconds instead of leaving
its peers waiting forever in a collective. `stray_processes(marker)` lists
processes whose command line contains a marker (the job's unique output
folder), to check that none is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Finished", "Job", "LaunchTimeout", "RankFailed", "failing_rank_stderr", "launched", "run_ranks", "stray_processes",
           "torchrun_command"]


class RankFailed(RuntimeError):
    """A rank (or the launcher) exited with an error; the message ends with their stderr."""


class LaunchTimeout(RankFailed):
    """The ranks did not finish within the timeout; they were stopped."""


@dataclass(frozen=True)
class Finished:
    """A launch that ended well: its exit code (0), wall seconds, and what the ranks printed."""

    returncode: int
    seconds: float
    stdout: str
    stderr: str


def torchrun_command(module: str, args=(), *, nproc: int = 2) -> list[str]:
    """The command line: torchrun, standalone (one machine, a free port), N ranks, no restarts."""
    if not isinstance(nproc, int) or isinstance(nproc, bool) or nproc < 1:
        raise ValueError(f"nproc is the number of ranks, a whole number of at least 1; got {nproc!r}.")
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
            "--max-restarts=0", "-m", module, *map(str, args)]


def _environment(extra: dict | None) -> dict:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1",
           "DO_NOT_TRACK": "1", "TORCHELASTIC_ENABLE_FILE_TIMER": "0", **(extra or {})}
    env.pop("SHIPML_CHECK_LOG", None)  # the ranks run no checks
    return env


class Job:
    """A running launch: the launcher process and files holding its output."""

    def __init__(self, process: subprocess.Popen, stdout_path: Path, stderr_path: Path, timeout_s: float,
                 token: str = ""):
        self.process, self.stdout_path, self.stderr_path = process, stdout_path, stderr_path
        self.timeout_s, self.started = float(timeout_s), time.perf_counter()
        self.token = token  # the value of SHIPML_JOB in the environment of the launcher and of every rank it starts

    def _text(self, path: Path, last: int | None = None) -> str:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            return ""
        return text if last is None else text[-last:]

    def wait(self) -> Finished:
        """Wait for the ranks; RankFailed (or LaunchTimeout) with their stderr if they fail or hang."""
        remaining = self.timeout_s - (time.perf_counter() - self.started)
        try:
            code = self.process.wait(timeout=max(remaining, 0.01))
        except subprocess.TimeoutExpired:
            self.stop()
            raise LaunchTimeout(f"The ranks did not finish within {self.timeout_s:g} s and were stopped. Their "
                                f"stderr ends:\n{self._text(self.stderr_path, 3000)}") from None
        seconds = time.perf_counter() - self.started
        if code != 0:
            raise RankFailed(f"A rank failed (the launcher exited with {code} after {seconds:.1f} s). "
                             f"{failing_rank_stderr(self._text(self.stderr_path))}")
        return Finished(code, seconds, self._text(self.stdout_path), self._text(self.stderr_path))

    def stop(self, grace_s: float = 5.0) -> None:
        """SIGTERM to the launcher's whole session (every rank), then SIGKILL to whatever is left."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=grace_s)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        try:  # ranks may outlive the launcher for a moment: kill the group, whoever is in it
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.process.poll() is None:
            self.process.wait(timeout=grace_s)
        # torchrun starts each rank in a session of its own, so a launcher stopped while it was still starting
        # them can leave ranks outside its group: find them by the job's token in their environment.
        deadline = time.perf_counter() + grace_s
        while self.token and (left := _processes_of_job(self.token)) and time.perf_counter() < deadline:
            for process in left:
                try:
                    process.kill()
                except Exception:  # gone meanwhile, or not ours to kill
                    pass
            time.sleep(0.1)


def failing_rank_stderr(stderr: str, last: int = 12) -> str:
    """The end of the stderr of the rank that raised (torchrun prefixes each rank's lines with [rankN]:)."""
    import re

    per_rank: dict[str, list[str]] = {}
    raised = []  # ranks with a traceback, in the order their tracebacks appear
    for line in stderr.splitlines():
        match = re.match(r"\[(rank\d+)\]:(.*)", line)
        if match:
            per_rank.setdefault(match.group(1), []).append(match.group(2))
            if "Traceback" in match.group(2) and match.group(1) not in raised:
                raised.append(match.group(1))
    # A peer of a dead rank fails too, in its next collective ("Connection reset by peer", a timeout): name the
    # rank whose own error is not such a consequence.
    consequences = ("Connection reset", "Connection closed", "Broken pipe", "timed out", "Timeout",
                    "DistBackendError", "NCCL communicator was aborted")
    causes = [r for r in raised if not any(c in per_rank[r][-1] for c in consequences)]
    if raised:
        rank = (causes or raised)[0]
        return f"{rank} failed; its stderr ends:\n" + "\n".join(per_rank[rank][-last:])
    return "The stderr ends:\n" + stderr[-3000:]


@contextmanager
def launched(module: str, args=(), *, nproc: int = 2, timeout_s: float = 120.0, env: dict | None = None):
    """Start torchrun on `module` with `nproc` ranks; yield the `Job`; always stop every process on the way out."""
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be a positive number of seconds; got {timeout_s!r}.")
    command = torchrun_command(module, args, nproc=nproc)
    with tempfile.TemporaryDirectory(prefix="shipml-ranks-") as folder:
        stdout_path, stderr_path = Path(folder) / "stdout.txt", Path(folder) / "stderr.txt"
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                       env={**_environment(env), "SHIPML_JOB": folder}, start_new_session=True)
        job = Job(process, stdout_path, stderr_path, timeout_s, token=folder)
        try:
            yield job
        finally:
            job.stop()


def run_ranks(module: str, args=(), *, nproc: int = 2, timeout_s: float = 120.0, env: dict | None = None) -> Finished:
    """Launch, wait, stop: a `Finished`, or RankFailed / LaunchTimeout naming what went wrong."""
    with launched(module, args, nproc=nproc, timeout_s=timeout_s, env=env) as job:
        return job.wait()


def stray_processes(marker: str, wait_s: float = 0.0) -> list[str]:
    """Command lines of live processes that contain `marker` (e.g. a job's unique folder): [] when none is left.

    `wait_s`: keep looking for up to this long while some are still exiting (a killed process takes a moment).
    """
    deadline = time.perf_counter() + wait_s
    while True:
        found = _processes_with(marker)
        if not found or time.perf_counter() >= deadline:
            return found
        time.sleep(0.1)


def _processes_of_job(token: str) -> list:
    """Live processes whose environment has SHIPML_JOB=token (a launcher and its ranks, wherever their session)."""
    import psutil

    found = []
    for process in psutil.process_iter(["pid", "status"]):
        try:
            if (process.pid != os.getpid() and process.info["status"] != psutil.STATUS_ZOMBIE
                    and process.environ().get("SHIPML_JOB") == token):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def _processes_with(marker: str) -> list[str]:
    import psutil

    found = []
    for process in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or ())
            if marker in cmdline and process.pid != os.getpid() and process.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(f"{process.pid}: {cmdline[:200]}")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found
