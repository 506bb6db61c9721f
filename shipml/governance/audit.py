"""An append-only audit log with a hash chain.

    from shipml.governance.audit import AuditLog, verify
    log = AuditLog(folder / "audit.jsonl")
    log.append({"kind": "model_registered", "lineage": record.to_dict()}, actor="alice")
    log.append({"kind": "prediction", "transaction_id": "tx0000042", "score": 0.31}, actor="scoring-service")
    verify(log.path)            # Verification(ok=True, ...); truthy when the chain is intact

A model's lineage record (which data, code and settings made it) is
`shipml.workflows.lineage.record_lineage`'s; the log keeps it as an event.

Each line of the log is one JSON object: `seq`, `at` (UTC, ISO 8601),
`actor`, `event`, `prev` (the previous entry's hash; 64 zeros for the first)
and `hash`, the SHA-256 of `prev` followed by the entry's other fields as
canonical JSON. Changing any past entry changes its hash, which no longer
matches the `prev` of the next one; rewriting every later hash to hide it
needs the whole tail rewritten, and a copy of the last hash kept elsewhere
(a ticket, another system) exposes that too. The chain cannot notice entries
cut off the end on its own: that is what the copy of the last hash is for.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GENESIS", "AuditLog", "Verification", "entry_hash", "verify"]

GENESIS = "0" * 64


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(entry: dict) -> str:
    """SHA-256 of the entry's `prev` and its other fields (all but `hash`), as canonical JSON."""
    body = {key: value for key, value in entry.items() if key not in ("hash", "prev")}
    return hashlib.sha256((str(entry.get("prev", "")) + _canonical(body)).encode()).hexdigest()


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class AuditLog:
    """Append-only JSON lines: each entry carries the hash of the one before it."""

    def __init__(self, path):
        self.path = Path(path)

    def entries(self) -> list[dict]:
        """Every entry, in order (an empty list for a log not yet written)."""
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def append(self, event: dict, *, actor: str, at: str | None = None) -> dict:
        """Add one event (JSON-able) by `actor`; return the entry as written."""
        if not isinstance(event, dict):
            raise ValueError(f"An audit event is a dict such as {{'kind': 'prediction'}}, not {type(event).__name__}.")
        previous = self.entries()
        entry = {
            "seq": len(previous),
            "at": at or _now(),
            "actor": str(actor),
            "event": json.loads(_canonical(event)),
            "prev": previous[-1]["hash"] if previous else GENESIS,
        }
        entry["hash"] = entry_hash(entry)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as log:  # append only: past lines are never rewritten
            log.write(_canonical(entry) + "\n")
        return entry


@dataclass(frozen=True)
class Verification:
    """The verdict on a log: ok, and where it breaks (1-based line) and why."""

    ok: bool
    entries: int
    bad_line: int | None = None
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


def verify(path) -> Verification:
    """Check every entry's hash and its link to the entry before it."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    prev = GENESIS
    for number, line in enumerate(lines, start=1):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            return Verification(False, number - 1, number, "the line is not JSON")
        if not isinstance(entry, dict):
            return Verification(False, number - 1, number, "the line is not a JSON object")
        if entry.get("prev") != prev:
            return Verification(False, number - 1, number, "it does not link to the entry before it")
        if entry.get("seq") != number - 1:
            return Verification(False, number - 1, number, "its sequence number is out of place")
        if entry.get("hash") != entry_hash(entry):
            return Verification(False, number - 1, number, "its content does not match its hash")
        prev = entry["hash"]
    return Verification(True, len(lines))
