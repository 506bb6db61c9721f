"""`shipml grade` against submissions that try to game it: each does no exercise work plus one trick.

The tricks (tests/course/fixtures/tricks/): a fake `shipml` package in the working folder, an import
hook, patched comparisons with always-equal answers, rewriting the installed checks, reading the
environment and home folders into feedback, connecting to a loopback listener, children in new
sessions. Each must score 0; the course installation stays byte-for-byte the same; the listener sees
no connection; no secret reaches a file the grader wrote; no process of a submission is left.
"""

import hashlib
import os
import socket
import time
from pathlib import Path

import jupytext
import nbformat
import pytest

from shipml.course.cli import main
from shipml.course.instructor import sandbox
from shipml.course.instructor.assign import assign
from shipml.course.instructor.course import InstructorError
from shipml.course.instructor.grade import NO_SANDBOX_WARNING, grade

pytestmark = pytest.mark.timing

ROOT = Path(__file__).resolve().parents[2]
TRICKS = Path(__file__).parent / "fixtures" / "tricks"
NOTEBOOK = "01-ml-engineering.ipynb"
ENV_SECRET = "tr1ck-env-secret-7a3e9c"
HOME_SECRET = "tr1ck-home-secret-5b1d08"
CHILD_MARKERS = (b"417.25", b"417.5", b"417.75")


def _tree(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def _children_left() -> list[int]:
    left = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if any(marker in cmdline for marker in CHILD_MARKERS) and b"pytest" not in cmdline:
                left.append(int(entry))
    return left


@pytest.fixture(scope="module")
def tricks(tmp_path_factory):
    problem = sandbox.problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"the hostile-trick tests cannot run in CI without a sandbox: {problem}")
        pytest.skip(problem)
    base = tmp_path_factory.mktemp("tricks")
    assign(ROOT, "01", base / "pack", title="Week 1")
    autograder = base / "pack" / "autograder"
    submissions = base / "submissions"
    for fixture in sorted(TRICKS.glob("*.md")):
        (submissions / fixture.stem).mkdir(parents=True)
        nbformat.write(jupytext.read(fixture, fmt="md:myst"), submissions / fixture.stem / NOTEBOOK)
    (submissions / "solved").mkdir()
    nbformat.write(nbformat.read(autograder / "solutions" / NOTEBOOK, as_version=4), submissions / "solved" / NOTEBOOK)
    home = base / "instructor-home"
    (home / ".ssh").mkdir(parents=True)
    (home / "instructor-secret.txt").write_text(HOME_SECRET)
    (home / ".ssh" / "id_secret").write_text(HOME_SECRET)
    saved = {k: os.environ.get(k) for k in ("HOME", "SHIPML_TRICK_SECRET")}
    before = _tree(ROOT / "shipml")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        (submissions / "loopback" / "port.txt").write_text(str(listener.getsockname()[1]))
        os.environ.update(HOME=str(home), SHIPML_TRICK_SECRET=ENV_SECRET)
        try:
            started = time.perf_counter()
            rows = grade(autograder, submissions, base / "out" / "grades.csv", jobs=2, timeout_s=60,
                         memory_mb=2048, grader_timeout_s=60)
            seconds = time.perf_counter() - started
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        try:
            listener.accept()
            connected = True
        except BlockingIOError:
            connected = False
    time.sleep(0.5)
    print(f"graded {len(list(TRICKS.glob('*.md'))) + 1} submissions in the sandbox in {seconds:.1f} s")
    return {"rows": rows, "out": base / "out", "before": before, "connected": connected, "home": home,
            "students": [p.stem for p in sorted(TRICKS.glob("*.md"))], "left": _children_left()}


def _points(rows, student):
    return sum(r.points for r in rows if r.student == student and isinstance(r.points, (int, float)))


def test_does_every_trick_score_zero_and_the_solution_full_marks(tricks):
    got = {student: _points(tricks["rows"], student) for student in tricks["students"]}
    assert got == {student: 0 for student in tricks["students"]}, [
        (r.student, r.exercise, r.points, r.status, r.message) for r in tricks["rows"] if r.points]
    assert _points(tricks["rows"], "solved") == 5


def test_is_the_course_installation_byte_for_byte_unchanged(tricks):
    assert _tree(ROOT / "shipml") == tricks["before"]


def test_did_the_loopback_listener_see_no_connection(tricks):
    assert not tricks["connected"]


def test_is_no_process_of_a_submission_left(tricks):
    assert tricks["left"] == [] and _children_left() == []


def test_does_no_secret_or_outside_path_reach_a_file_the_grader_wrote(tricks):
    written = [p for p in tricks["out"].rglob("*") if p.is_file()]
    assert len(written) >= len(tricks["students"]) + 1
    for path in written:
        data = path.read_bytes()
        for secret in (ENV_SECRET, HOME_SECRET, str(tricks["home"]), str(ROOT)):
            assert secret.encode() not in data, (path.name, secret)
    feedback = (tricks["out"] / "feedback" / "read-secrets.md").read_text(encoding="utf-8")
    assert max(len(line) for line in feedback.splitlines()) < 600  # a submission's text is cut


def test_does_grading_refuse_without_a_sandbox_and_say_how_to_get_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "problem", lambda: "no sandbox: bwrap (bubblewrap) is not installed; install it")
    (tmp_path / "subs").mkdir()
    with pytest.raises(InstructorError, match="refusing to run students' code without a sandbox"):
        grade(tmp_path, tmp_path / "subs", tmp_path / "g.csv")  # refused before anything else is read
    assert main(["grade", str(tmp_path), str(tmp_path / "subs"), "--out", str(tmp_path / "g.csv")]) == 2
    assert "bubblewrap" in capsys.readouterr().err


def test_does_no_sandbox_grade_with_a_warning_everywhere(tmp_path, capsys):
    out = tmp_path / "pack"
    assign(ROOT, "01", out, title="Week 1")
    (tmp_path / "subs").mkdir()
    nbformat.write(jupytext.read(ROOT / "exercises" / "01-ml-engineering.md", fmt="md:myst"),
                   tmp_path / "subs" / "ada.ipynb")
    rows = grade(out / "autograder", tmp_path / "subs", tmp_path / "grades.csv", timeout_s=60, sandbox=False)
    assert NO_SANDBOX_WARNING in capsys.readouterr().err
    assert NO_SANDBOX_WARNING in (tmp_path / "grades.csv").read_text(encoding="utf-8")
    assert NO_SANDBOX_WARNING in (tmp_path / "feedback" / "ada.md").read_text(encoding="utf-8")
    assert {r.status for r in rows if r.exercise.startswith("ch01-ex")} == {"not attempted"}
