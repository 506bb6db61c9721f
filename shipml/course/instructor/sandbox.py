"""A sandbox for a learner's code: bubblewrap (`bwrap`) namespaces plus resource limits.

    from shipml.course.instructor import sandbox
    sandbox.problem()                 # None when a sandbox can run here, else a sentence saying how to get one
    argv, env = sandbox.wrap(["python", "-c", "print(1)"], job_dir, limits=sandbox.Limits(memory_mb=2048))
    subprocess.run(argv, env=env)

What the command sees inside (`wrap`):

- its own network namespace: no network at all; its loopback is its own, so
  a server on the host's 127.0.0.1 cannot be reached;
- its own PID namespace, killed with its first process (`--unshare-pid
  --die-with-parent`): every process it started, also one in a new session
  (`setsid`), dies when the sandbox ends; it sees no host process in /proc;
- the root filesystem read-only, with the home folders (/root, /home), the
  temporary folders (/tmp, /var/tmp, /run) and the course's folder hidden,
  and only what Python needs mounted back read-only: the Python installation,
  the virtual environment and the `shipml` package;
- writable: only the job folder, mounted at `/tmp/grade` (in a private /tmp),
  and `$HOME`, which points into it;
- an environment built from an allowlist (`ENV_ALLOWED` plus the values the
  caller passes): none of the instructor's other variables;
- limits (`prlimit`, inherited by every process inside): address space
  (memory), CPU seconds, processes, open files and the size of a file written.

It needs `bwrap` (Debian: `apt-get install bubblewrap`; the Makefile installs
it where it can) and user namespaces (or root). `problem()` tries it once and
says plainly what is missing.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ENV_ALLOWED", "INSIDE", "Limits", "environment", "inside_path", "problem", "wrap"]

INSIDE = "/tmp/grade"  # where the job folder is mounted inside the sandbox
ENV_ALLOWED = ("LANG", "LC_ALL", "TZ")  # taken from the caller's environment when set; nothing else is
_HIDDEN = ("/root", "/home", "/tmp", "/var/tmp", "/run", "/mnt", "/media", "/srv")
_HOW = ("install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install "
        "bubblewrap`) and allow user namespaces, or grade inside a container or VM without network and pass "
        "--no-sandbox")


@dataclass(frozen=True)
class Limits:
    """Resource limits of everything inside one sandbox."""

    memory_mb: float = 4096       # address space of each process (RLIMIT_AS)
    cpu_s: float = 600            # CPU seconds of each process (RLIMIT_CPU)
    processes: int = 256          # processes beyond the ones the user already runs (RLIMIT_NPROC)
    open_files: int = 1024        # RLIMIT_NOFILE
    file_mb: float = 256          # the largest file it may write (RLIMIT_FSIZE)


def _course_root() -> Path:
    return Path(__file__).resolve().parents[3]


def _package_dir() -> Path:
    return Path(__file__).resolve().parents[2]


def _own_processes() -> int:
    uid = os.getuid()
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


def _binds(hide=()) -> list[str]:
    """bwrap arguments for the filesystem: / read-only, private folders hidden, Python mounted back."""
    args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/dev/shm"]
    hidden = [p for p in _HIDDEN if os.path.isdir(p)]
    for path in [str(_course_root()), *(os.path.realpath(h) for h in hide)]:
        if path != "/" and os.path.isdir(path) and not any(path == h or path.startswith(h + os.sep) for h in hidden):
            hidden.append(path)
    for path in hidden:
        args += ["--tmpfs", path]
    needed = []
    for path in {sys.base_prefix, sys.prefix, sys.exec_prefix, str(_package_dir())}:
        real = os.path.realpath(path)
        if any(real == h or real.startswith(h + os.sep) for h in hidden):
            needed.append(real)
    for path in sorted(set(needed)):  # parents before children
        args += ["--ro-bind", path, path]
    # the venv's python may be a link into a hidden folder (pyenv): mount its target back too
    exe = os.path.realpath(sys.executable)
    if any(exe.startswith(h + os.sep) for h in hidden) and not any(exe.startswith(n + os.sep) for n in needed):
        folder = os.path.dirname(os.path.dirname(exe))
        args += ["--ro-bind", folder, folder]
    for path in hidden:
        if path != "/tmp":
            args += ["--remount-ro", path]
    return args


def environment(extra: dict | None = None) -> dict:
    """The sandbox's whole environment: PATH, HOME and TMPDIR, the allowed variables, then `extra`."""
    env = {k: os.environ[k] for k in ENV_ALLOWED if k in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env.update(PATH=f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", HOME=f"{INSIDE}/home",
               TMPDIR="/tmp", DO_NOT_TRACK="1", HF_HUB_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")
    env.update({k: str(v) for k, v in (extra or {}).items()})
    return env


def inside_path(job_dir, path) -> str:
    """Where `path` (under `job_dir`) is seen inside the sandbox."""
    return str(Path(INSIDE) / Path(path).resolve().relative_to(Path(job_dir).resolve()))


def wrap(argv: list[str], job_dir, *, limits: Limits = Limits(), cwd=None, env: dict | None = None,
         hide=()) -> tuple[list, dict]:
    """(the command line, the environment) that run `argv` in a sandbox whose only writable folder is job_dir.

    `cwd` (a folder under job_dir; default job_dir) is the working folder inside; paths in `argv` and `env`
    that point into the job folder must be given as `inside_path(job_dir, ...)`. `hide` names more folders
    to hide behind empty ones (the autograder, the other submissions, the gradebook's folder).
    """
    job_dir = Path(job_dir).resolve()
    (job_dir / "home").mkdir(exist_ok=True)
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise RuntimeError(f"no sandbox: bwrap is not installed; {_HOW}")
    processes = _own_processes() + int(limits.processes)
    prlimit = [shutil.which("prlimit") or "prlimit",
               f"--as={int(limits.memory_mb * 2**20)}", f"--cpu={int(max(1, limits.cpu_s))}",
               f"--nproc={processes}", f"--nofile={int(limits.open_files)}",
               f"--fsize={int(limits.file_mb * 2**20)}", "--"]
    chdir = inside_path(job_dir, cwd) if cwd is not None else INSIDE
    command = [*prlimit, bwrap, *_binds(hide), "--bind", str(job_dir), INSIDE,
               "--unshare-all", "--die-with-parent", "--new-session", "--hostname", "sandbox",
               "--chdir", chdir, "--", *argv]
    return command, environment(env)


@functools.lru_cache(maxsize=1)
def problem() -> str | None:
    """None when a sandbox runs here; else a sentence that says what is missing and how to get it."""
    if sys.platform != "linux":
        return f"no sandbox: it needs Linux namespaces, and this is {sys.platform}; {_HOW}."
    if shutil.which("bwrap") is None:
        return f"no sandbox: bwrap (bubblewrap) is not installed; {_HOW}."
    if shutil.which("prlimit") is None:
        return f"no sandbox: prlimit (util-linux) is not installed, so no limits could be set; {_HOW}."
    import tempfile

    with tempfile.TemporaryDirectory(prefix="shipml-sandbox-") as job:
        argv, env = wrap([sys.executable, "-c", "import sys; print('sandbox ok')"], job,
                         limits=Limits(memory_mb=1024, cpu_s=20))
        try:
            done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"no sandbox: bwrap could not start ({type(error).__name__}); {_HOW}."
    if "sandbox ok" not in done.stdout:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return f"no sandbox: bwrap failed here ({reason}); user namespaces may be disabled; {_HOW}."
    return None
