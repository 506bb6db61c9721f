"""Run the model server as a real process on a free loopback port, and always stop it.

    from shipml.serving.process import serve
    with serve("models", log_file=tmp / "requests.jsonl") as server:
        httpx.post(server.url + "/predict", json=transaction)
    server.returncode          # 0: uvicorn shut down gracefully on SIGTERM (-9: it had to be killed)

`serve` picks a free port on 127.0.0.1 (none is hard-coded), starts uvicorn
in a subprocess, and waits for GET /ready. If the process dies or is not
ready within `startup_timeout_s`, it is stopped and `ServerFailedToStart`
names the reason with the end of the server's stderr. Leaving the `with`
block, even through an exception, sends SIGTERM (uvicorn finishes the
requests in flight and runs the app's shutdown) and kills the process only if
it has not exited within `stop_timeout_s`. Should the block never be left (a
kernel killed mid-chapter), the server still ends with this process: on
Linux it gets SIGTERM when its parent dies, and an atexit hook stops it.

The process is uvicorn's own command line (`python -m shipml.serving.process`
takes uvicorn's arguments) with one difference: the exit code. Since 0.29,
uvicorn ends a graceful shutdown by raising the signal it caught once more,
with the handler it found at start-up, so that under Python's default
handler the process dies of SIGTERM (exit code -15) even though it shut down
cleanly. Here the handler it finds turns SIGTERM into a normal exit, so a
server stopped by `Server.stop` exits 0 after its shutdown, whatever the app
(`shipml.serving.app`, `shipml.monitoring.prometheus`, `shipml.retrieval.service`);
a SIGTERM before uvicorn takes over the signals (while Python starts) also
ends it with 0. A server that had to be killed exits -9.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Server", "ServerFailedToStart", "free_port", "serve"]


class ServerFailedToStart(RuntimeError):
    """The server exited or was not ready in time; the message says why."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running server process: its URL, and how to stop it."""

    def __init__(self, process: subprocess.Popen, url: str, stderr_path: Path):
        self.process, self.url, self.stderr_path = process, url, stderr_path
        self.returncode: int | None = None

    def stderr(self, last: int = 2000) -> str:
        """The end of what the server wrote to stderr."""
        try:
            return self.stderr_path.read_text(errors="replace")[-last:]
        except OSError:
            return ""

    def stop(self, timeout_s: float = 10.0) -> int:
        """Graceful shutdown: SIGTERM, wait, and SIGKILL only if it does not exit; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.returncode = self.process.returncode
        return self.returncode


def _wait_ready(server: Server, timeout_s: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    with httpx.Client(trust_env=False, timeout=1.0) as client:  # trust_env=False: never via a proxy
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise ServerFailedToStart(f"The server exited with code {server.process.returncode} before it was "
                                          f"ready. Its stderr ends with:\n{server.stderr()}")
            try:
                response = client.get(server.url + "/ready")
                if response.status_code == 200:
                    return
                last = f"/ready answered {response.status_code}: {response.text[:300]}"
            except httpx.TransportError as error:
                last = f"{type(error).__name__}"
            time.sleep(0.05)
    raise ServerFailedToStart(f"The server was not ready within {timeout_s:g} s (last: {last}). "
                              f"Its stderr ends with:\n{server.stderr()}")


@contextmanager
def serve(artifact_path, *, log_file=None, startup_timeout_s: float = 15.0, stop_timeout_s: float = 10.0,
          load_delay_s: float = 0.0, app: str = "shipml.serving.app:app_from_env", env: dict | None = None,
          history=None):
    """Start the model server on a free loopback port, wait until ready, yield a `Server`, always stop it.

    `history`: a Parquet file of payments for the server's feature store (default: the artifact's snapshot).
    """
    port = free_port()
    stderr_file = tempfile.NamedTemporaryFile(prefix="shipml-server-", suffix=".log", delete=False)
    stderr_path = Path(stderr_file.name)
    environment = {**os.environ, "SHIPML_ARTIFACT": str(Path(artifact_path).resolve()),
                   "SHIPML_LOG_FILE": str(Path(log_file).resolve()) if log_file else "",
                   "SHIPML_LOAD_DELAY_S": str(load_delay_s), "PYTHONUNBUFFERED": "1",
                   "SHIPML_HISTORY": str(Path(history).resolve()) if history else "", **(env or {})}
    command = [sys.executable, "-m", "shipml.serving.process", app, "--factory", "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", str(int(stop_timeout_s))]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr_file, env=environment,
                               preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    stderr_file.close()
    server = Server(process, f"http://127.0.0.1:{port}", stderr_path)
    atexit.register(server.stop, 2.0)  # a `with` left open (a kernel restarted mid-chapter) still ends it
    try:
        _wait_ready(server, startup_timeout_s)
        yield server
    finally:
        server.stop(stop_timeout_s)
        atexit.unregister(server.stop)
        stderr_path.unlink(missing_ok=True)


def _die_with_parent() -> None:
    """In the child, before uvicorn starts: receive SIGTERM if the parent process dies (Linux)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except OSError:
        pass


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(0)


def _uvicorn(argv: list[str]) -> None:
    """The server process: uvicorn's command line, where SIGTERM (stop as asked) ends with exit code 0."""
    # uvicorn keeps this handler aside while it serves and calls it once its graceful shutdown is done
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    from uvicorn.main import main

    main(args=argv, prog_name="uvicorn")


if __name__ == "__main__":
    _uvicorn(sys.argv[1:])
