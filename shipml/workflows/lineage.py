"""Lineage: what was made, from which inputs (by content hash), with which code and settings, by whom, when.

    from shipml.workflows.lineage import LineageRecord, content_hash, record_lineage
    content_hash(df_train)               # full SHA-256 hex of a table's values (or an array, bytes, str, file, folder)
    record = record_lineage("fraud model v1", inputs={"training_data": content_hash(df_train)},
                            params={"C": 1.0}, metrics={"pr_auc": 0.41}, who="alice")
    record.to_dict()                     # JSON-able; LineageRecord.from_dict(d) reads it back

One record, one schema, for every thing the course makes: a pipeline stage's
outputs (chapter 4), a model artifact (chapter 7), a model registered in the
audit log (chapter 10). `content_hash` is deterministic across processes and
machines: the same content gives the same 64 hex digits, and any change to a
value, a column name or a dtype gives other ones. The full digest is kept
(256 bits): a hash that names training data is evidence, and a cut one makes
collisions cheap to find.
"""

from __future__ import annotations

import datetime
import getpass
import hashlib
import json
import subprocess
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["LIBRARIES", "LineageRecord", "code_version", "content_hash", "digest", "library_versions",
           "record_lineage"]

# The libraries whose versions change a model's numbers; recorded when installed.
LIBRARIES = ("numpy", "pandas", "scikit-learn", "torch", "onnxruntime")


def digest(*parts: bytes) -> str:
    """SHA-256 hex of several byte strings, each prefixed by its length (so ("ab", "c") differs from ("a", "bc"))."""
    sha = hashlib.sha256()
    for part in parts:
        sha.update(len(part).to_bytes(8, "little"))
        sha.update(part)
    return sha.hexdigest()


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def content_hash(value) -> str:
    """The full SHA-256 hex of a value's content.

    A DataFrame: its column names, dtypes and values (not its index). A NumPy
    array: its dtype, shape and bytes. bytes and str: themselves. A Path: a
    file's bytes, or a folder's files (relative names and bytes, sorted).
    Anything else: its canonical JSON (sorted keys).
    """
    if isinstance(value, pd.DataFrame):
        values = pd.util.hash_pandas_object(value, index=False).to_numpy().tobytes()
        schema = json.dumps([[str(c), str(t)] for c, t in value.dtypes.items()]).encode()
        return digest(b"frame", schema, values)
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        if array.dtype == object:
            raise ValueError("content_hash cannot hash an object array by its bytes; pass a DataFrame or a list.")
        return digest(b"array", str(array.dtype).encode(), _canonical(array.shape), array.tobytes())
    if isinstance(value, bytes):
        return digest(b"bytes", value)
    if isinstance(value, str):
        return digest(b"str", value.encode())
    if isinstance(value, Path):
        if value.is_dir():
            files = sorted(p for p in value.rglob("*") if p.is_file())
            return digest(b"folder", *(part for p in files for part in (str(p.relative_to(value)).encode(), p.read_bytes())))
        return digest(b"file", value.read_bytes())
    return digest(b"json", _canonical(value))


def code_version(folder=".") -> str:
    """The git commit of `folder` (with '+dirty' for uncommitted changes), or 'unknown' without git."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=folder,
                                capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}+dirty" if status else commit or "unknown"


def library_versions(names=LIBRARIES) -> dict[str, str]:
    """{library: installed version} for those of `names` that are installed."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True)
class LineageRecord:
    """What was made, from which inputs (name -> content hash), with which params and code, by whom, when."""

    made: str
    inputs: dict
    params: dict
    code_version: str
    libraries: dict
    who: str
    when: str
    outputs: dict = field(default_factory=dict)  # name -> what was produced (a hash, rows, a file...)
    metrics: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A JSON-able dict (params and metrics passed through JSON, so a NumPy number becomes a plain one)."""
        return json.loads(_canonical(asdict(self)))

    @classmethod
    def from_dict(cls, data: dict) -> LineageRecord:
        """The record a `to_dict` wrote; unknown keys are an error, so a record of another schema is noticed."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"not a lineage record: unknown field(s) {', '.join(sorted(unknown))}.")
        return cls(**data)


def record_lineage(made: str, *, inputs: dict, params: dict | None = None, metrics: dict | None = None,
                   outputs: dict | None = None, code: str | None = None, who: str | None = None,
                   when: str | None = None, folder=".") -> LineageRecord:
    """A LineageRecord of now: `code` defaults to the git commit of `folder`, `who` to the user, `when` to now (UTC)."""
    return LineageRecord(
        made=str(made),
        inputs=dict(inputs),
        params=json.loads(_canonical(params or {})),
        code_version=code if code is not None else code_version(folder),
        libraries=library_versions(),
        who=who if who is not None else _user(),
        when=when or _now(),
        outputs=json.loads(_canonical(outputs or {})),
        metrics=json.loads(_canonical(metrics or {})),
    )
