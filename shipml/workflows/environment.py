"""The environment: what a lock file pins, and whether the installed packages match it, checked offline.

    from shipml.workflows.environment import find_root, read_lock, check_lock
    root = find_root()                               # the folder above here that holds requirements.lock
    pins = read_lock(root / "requirements.lock")     # {normalised name: version}
    report = check_lock(pins)                        # one row per pin: locked, installed, status
    report[report.status != "ok"]                    # the packages that differ from the lock

Installed versions come from `importlib.metadata`, so nothing reaches the
network. A local version label is ignored when comparing (`2.13.0+cpu` is the
CPU build of the pinned `2.13.0`).
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pandas as pd

__all__ = ["LOCK_FILE", "check_lock", "find_root", "normalise", "read_lock"]

LOCK_FILE = "requirements.lock"


def normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them: lower case, runs of -_. as one -."""
    return re.sub(r"[-_.]+", "-", name).lower()


def find_root(start=None, marker: str = LOCK_FILE) -> Path:
    """The nearest folder at or above `start` (default: the working directory) that holds `marker`."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / marker).is_file():
            return folder
    raise FileNotFoundError(f"no {marker} in {here} or any folder above it; run this inside the repository.")


def read_lock(path) -> dict[str, str]:
    """{normalised name: version} of every `name==version` line of a lock file (comments and blanks skipped)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"the lock file {str(path)!r} does not exist.")
    pins = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep or not name.strip() or not version.strip():
            raise ValueError(f"{path.name}, line {number}: {line!r} is not an exact pin (name==version).")
        pins[normalise(name.strip())] = version.split()[0].strip()
    return pins


def _installed() -> dict[str, str]:
    found = {}
    for dist in metadata.distributions():
        name = dist.metadata.get("Name")
        if name:
            found.setdefault(normalise(name), dist.version)
    return found


def check_lock(pins: dict[str, str], installed: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per pinned package: the locked and installed versions and a status (ok, different, missing)."""
    installed = _installed() if installed is None else {normalise(k): v for k, v in installed.items()}
    rows = []
    for name, locked in sorted(pins.items()):
        have = installed.get(normalise(name))
        status = "missing" if have is None else ("ok" if have.split("+")[0] == locked.split("+")[0] else "different")
        rows.append({"package": name, "locked": locked, "installed": have, "status": status})
    return pd.DataFrame(rows, columns=["package", "locked", "installed", "status"])
