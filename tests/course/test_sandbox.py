"""The sandbox of `shipml grade`: no network, its own processes, a read-only course, an allowlisted environment."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shipml.course.instructor import sandbox

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = sandbox.problem()


@pytest.fixture(autouse=True)
def _needs_a_sandbox(request):
    """Skip where no sandbox can run, with the reason; in CI (CI=true) fail instead, as a skip would hide it."""
    if PROBLEM and request.node.name != "test_does_a_missing_bwrap_give_a_sentence_on_how_to_install_it":
        if os.environ.get("CI"):
            pytest.fail(f"the sandbox tests cannot run in CI: {PROBLEM}")
        pytest.skip(PROBLEM)


def _run(code: str, job: Path, **kwargs) -> subprocess.CompletedProcess:
    argv, env = sandbox.wrap([sys.executable, "-c", code], job, **kwargs)
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)


def test_does_a_loopback_listener_of_the_host_see_no_connection(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        code = ("import socket\ntry:\n    socket.create_connection(('127.0.0.1', %d), timeout=2); print('connected')\n"
                "except OSError as e:\n    print('refused')" % port)
        done = _run(code, tmp_path)
        assert done.stdout.strip() == "refused", done.stderr
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_is_the_environment_built_from_an_allowlist(tmp_path, monkeypatch):
    monkeypatch.setenv("SHIPML_TEST_SECRET", "s3cret-value-9f2c")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "another-s3cret-d81e")
    done = _run("import os, json; print(json.dumps(dict(os.environ)))", tmp_path, env={"MPLBACKEND": "Agg"})
    env = json.loads(done.stdout)
    assert "s3cret" not in done.stdout
    assert set(env) <= {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "DO_NOT_TRACK", "HF_HUB_OFFLINE",
                        "PYTHONDONTWRITEBYTECODE", "MPLBACKEND", "PWD"}
    assert env["HOME"].startswith(sandbox.INSIDE + "/") and env["MPLBACKEND"] == "Agg"


def test_is_the_course_read_only_and_only_the_job_folder_writable(tmp_path):
    code = f"""
import os, sys
results = {{}}
for path in [{str(ROOT / "shipml" / "checks_probe.py")!r}, os.path.join(sys.prefix, "probe"), "/etc/probe",
             "/usr/probe", "/var/probe"]:
    try:
        open(path, "w").write("x"); results[path] = "written"
    except OSError:
        results[path] = "refused"
open(os.path.join(os.environ["HOME"], "note"), "w").write("ok")
open("/tmp/private", "w").write("ok")
print(sorted(set(results.values())))
"""
    done = _run(code, tmp_path)
    assert done.stdout.strip() == "['refused']", done.stderr
    assert (tmp_path / "home" / "note").read_text() == "ok"
    assert not (ROOT / "shipml" / "checks_probe.py").exists()


def test_are_the_home_folders_and_the_hosts_temporary_files_hidden(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read me")
    outside = tmp_path.parent / "shipml-sandbox-outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text("nor me")
    code = (f"import os\nfor p in [{str(outside / 'secret.txt')!r}, os.path.expanduser('~root/.bash_history'), "
            f"{str(ROOT / 'solutions')!r}]:\n    print(os.path.exists(p))")
    (tmp_path / "job").mkdir()
    done = _run(code, tmp_path / "job")
    assert done.stdout.split() == ["False", "False", "False"], done.stderr


def test_does_a_setsid_child_die_with_the_sandbox(tmp_path):
    marker = "313.25"
    code = (f"import subprocess\nsubprocess.Popen(['sleep', {marker!r}], start_new_session=True)\nprint('started')")
    done = _run(code, tmp_path)
    assert done.stdout.strip() == "started", done.stderr
    time.sleep(0.3)
    left = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if cmdline[:2] == [b"sleep", marker.encode()]:
                left.append(int(entry))
    assert not left, f"processes left behind: {left}"


def test_are_the_limits_set_inside(tmp_path):
    code = ("import resource, json\nprint(json.dumps({n: resource.getrlimit(getattr(resource, 'RLIMIT_' + n))[0] "
            "for n in ('AS', 'CPU', 'NOFILE', 'FSIZE', 'NPROC')}))")
    limits = sandbox.Limits(memory_mb=1024, cpu_s=30, open_files=64, file_mb=8)
    got = json.loads(_run(code, tmp_path, limits=limits).stdout)
    assert got["AS"] == 1024 * 2**20 and got["CPU"] == 30 and got["NOFILE"] == 64 and got["FSIZE"] == 8 * 2**20
    assert 0 < got["NPROC"] < 10**6


def test_does_a_missing_bwrap_give_a_sentence_on_how_to_install_it(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    problem = sandbox.problem.__wrapped__()
    assert problem.startswith("no sandbox: bwrap (bubblewrap) is not installed")
    assert "apt-get install bubblewrap" in problem


def test_does_the_sandbox_start_fast(tmp_path):
    """Its start-up cost per submission: printed, and far below a kernel's start."""
    argv, env = sandbox.wrap(["true"], tmp_path)
    started = time.perf_counter()
    for _ in range(10):
        subprocess.run(argv, env=env, check=True)
    seconds = (time.perf_counter() - started) / 10
    print(f"sandbox start-up: {seconds * 1000:.1f} ms per run")
    assert seconds < 1.0


def test_are_folders_named_to_hide_hidden(tmp_path):
    import shutil
    import tempfile

    # A writable folder the sandbox shows unless told to hide it: not under one it always hides
    # (a clone in /tmp has its parent hidden).
    hidden_always = [Path(p) for p in sandbox._HIDDEN]
    candidates = [ROOT.parent, Path("/opt"), Path("/var/local"), Path("/usr/local")]
    usable = [c for c in candidates if c.is_dir() and os.access(c, os.W_OK)
              and not any(c == h or h in c.parents for h in hidden_always)]
    if not usable:
        pytest.skip("no writable folder outside the ones the sandbox always hides")
    other = Path(tempfile.mkdtemp(prefix=".shipml-hide-test-", dir=usable[0]))  # visible unless hidden
    try:
        (other / "ada.ipynb").write_text("{}")
        code = f"import os; print(os.listdir({str(other)!r}))"
        argv, env = sandbox.wrap([sys.executable, "-c", code], tmp_path)
        seen = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60).stdout.strip()
        argv, env = sandbox.wrap([sys.executable, "-c", code], tmp_path, hide=[other])
        hidden = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60).stdout.strip()
    finally:
        shutil.rmtree(other)
    assert (seen, hidden) == ("['ada.ipynb']", "[]")
