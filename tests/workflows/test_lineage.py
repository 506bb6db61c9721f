"""Lineage: a full-length, deterministic content hash and one record that survives a round trip."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from shipml.workflows.lineage import LineageRecord, code_version, content_hash, record_lineage


def test_is_the_content_hash_a_full_sha256_about_content():
    df = pd.DataFrame({"x": [1, 2], "y": ["a", "b"]})
    h = content_hash(df)
    assert len(h) == 64 and int(h, 16) >= 0
    assert h == content_hash(df.copy()) == content_hash(df.set_axis([5, 6]))  # the index is not content
    assert h != content_hash(df.assign(x=[1, 3])) != content_hash(df.rename(columns={"x": "z"}))
    assert content_hash(df.astype({"x": float})) != h  # a dtype is part of the content
    a = np.arange(6, dtype=np.int64)
    assert content_hash(a) == content_hash(a.copy()) != content_hash(a.reshape(2, 3))
    assert content_hash(b"abc") != content_hash("abc")  # the kind is part of the hash
    assert content_hash({"b": 1, "a": 2}) == content_hash({"a": 2, "b": 1})


def test_is_the_content_hash_the_same_in_another_process():
    code = ("import pandas as pd; from shipml.workflows.lineage import content_hash; "
            "print(content_hash(pd.DataFrame({'x': [1, 2], 'y': ['a', 'b']})))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == content_hash(pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}))


def test_does_the_record_survive_json_and_refuse_another_schema(tmp_path):
    record = record_lineage("model v1", inputs={"training_data": content_hash(b"rows")}, params={"C": np.float64(1.0)},
                            metrics={"pr_auc": 0.4}, who="alice", when="2026-01-01T00:00:00+00:00", folder=tmp_path)
    assert record.code_version == "unknown"  # tmp_path is no git checkout
    assert "numpy" in record.libraries and record.params == {"C": 1.0}
    data = json.loads(json.dumps(record.to_dict()))
    assert LineageRecord.from_dict(data) == record
    with pytest.raises(ValueError, match="unknown field"):
        LineageRecord.from_dict({**data, "training_data_hash": "abc"})


def test_is_the_code_version_a_commit_inside_the_repository():
    version = code_version(".")
    assert version == "unknown" or len(version.split("+")[0]) == 40
