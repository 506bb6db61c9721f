"""The environment: the lock file is read exactly and compared with what is installed, offline."""

import pytest

from shipml.workflows.environment import check_lock, find_root, normalise, read_lock


def test_does_the_repository_match_its_lock():
    root = find_root(__file__)
    report = check_lock(read_lock(root / "requirements.lock"))
    assert len(report) > 50 and (report.status == "ok").all(), report[report.status != "ok"]


def test_are_differences_and_missing_packages_reported(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("# pins\nPandas==2.2.3\nnumpy==1.0  # old\ntorch==2.13.0\nnot-installed==1.0\n")
    pins = read_lock(lock)
    report = check_lock(pins, installed={"pandas": "3.1.1", "NumPy": "1.0", "torch": "2.13.0+cpu"}).set_index("package")
    assert report.status.to_dict() == {"not-installed": "missing", "numpy": "ok", "pandas": "different", "torch": "ok"}
    assert normalise("Scikit_Learn") == "scikit-learn"


def test_is_a_bad_lock_or_a_missing_root_a_sentence(tmp_path):
    (tmp_path / "requirements.lock").write_text("numpy>=1\n")
    with pytest.raises(ValueError, match="line 1.*exact pin"):
        read_lock(tmp_path / "requirements.lock")
    with pytest.raises(FileNotFoundError, match="no no-such-marker-file"):
        find_root(tmp_path.parent, marker="no-such-marker-file")
