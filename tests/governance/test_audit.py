"""The audit log verifies untouched and fails at the entry someone changed; the lineage record is complete."""

import json


from shipml.governance.audit import GENESIS, AuditLog, entry_hash, verify


def _log(tmp_path, n=5):
    log = AuditLog(tmp_path / "audit.jsonl")
    for i in range(n):
        log.append({"kind": "prediction", "transaction_id": f"tx{i}", "score": i / 10}, actor="scorer")
    return log


def test_does_an_untouched_log_verify(tmp_path):
    log = _log(tmp_path)
    result = verify(log.path)
    assert result and result.entries == 5 and result.bad_line is None
    assert log.entries()[0]["prev"] == GENESIS
    assert verify(tmp_path / "never-written.jsonl").ok


def test_is_a_changed_past_entry_detected_at_its_line(tmp_path):
    log = _log(tmp_path)
    lines = log.path.read_text().splitlines()
    entry = json.loads(lines[2])
    entry["event"]["score"] = 0.99
    lines[2] = json.dumps(entry)
    log.path.write_text("\n".join(lines) + "\n")
    result = verify(log.path)
    assert not result and result.bad_line == 3 and "hash" in result.reason


def test_is_a_rehashed_entry_caught_by_the_next_link(tmp_path):
    log = _log(tmp_path)
    entries = log.entries()
    entries[1]["actor"] = "mallory"
    entries[1]["hash"] = entry_hash(entries[1])
    log.path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    result = verify(log.path)
    assert not result and result.bad_line == 3 and "link" in result.reason


def test_are_deleted_and_garbled_lines_detected(tmp_path):
    log = _log(tmp_path)
    lines = log.path.read_text().splitlines()
    log.path.write_text("\n".join(lines[:1] + lines[2:]) + "\n")
    assert not verify(log.path)
    log.path.write_text("not json\n")
    assert verify(log.path).reason == "the line is not JSON"


def test_does_appending_after_a_check_keep_the_chain(tmp_path):
    log = _log(tmp_path, 2)
    log.append({"kind": "model_retired"}, actor="alice", at="2026-05-01T00:00:00+00:00")
    assert verify(log.path).entries == 3
