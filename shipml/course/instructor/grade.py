"""`shipml grade`: run every submission safely, check every exercise, write a gradebook and feedback.

    from shipml.course.instructor.grade import grade
    rows = grade("week3/autograder", "submissions/", "grades.csv", jobs=2, timeout_s=120)

    shipml grade week3/autograder submissions/ --out grades.csv [--jobs 2] [--timeout 120] [--memory 4096]
    shipml grade week3/autograder submissions/ --out grades.csv --reviews reviews.csv   # merge hand marks

`submissions/` holds one folder per student (named after the student, with the
notebooks under their assigned names, e.g. `ada/01-ml-engineering.ipynb`, and
any files they read) or one notebook per student (`ada.ipynb`, for a
one-chapter assignment). A notebook is found by its name, else as the only
notebook of the folder, else by the exercise ids in its code.

Each notebook runs in its own process (shipml/course/instructor/worker.py) on a
temporary copy of the student's folder, never on the submission itself, inside
a sandbox (shipml/course/instructor/sandbox.py: bubblewrap namespaces with no
network, its own PID namespace, the course and the Python installation
read-only, an allowlisted environment, limits on memory, CPU, processes, open
files and file size), with a time limit for the whole notebook and a cap on the
output kept. Then the public and hidden checks of each exercise OBSERVE the
learner's objects in that kernel, in the sandbox, and write what they saw as
plain data (tagged JSON, shipml/course/instructor/observed.py; never pickle).
This process, which never runs a learner's code, reads those data with strict
types and a size limit and JUDGES them with its own import of the checks, so
a fake `shipml` package, an import hook, patched comparisons or an object
whose `==` is always true in the submission cannot pass a check. The
solution's hidden-check cells run in the kernel too; their pass counts only
when every check judged here passed, else it is left out (they can lower a score, never raise it).
Points: an exercise's points (from the solution, 1 by default) times the share
of its checks passed, to 2 decimals.

Without a sandbox (no `bwrap`, no user namespaces) grading is refused with a
sentence saying how to get one; `--no-sandbox` grades anyway and says so on
stderr, in a `(grader)` row of grades.csv and on top of every feedback file.

`grades.csv` has one row per student and exercise (student, exercise, points,
max_points, status, message), one row per notebook (exercise
`notebook:NN-slug`, no points) saying how it ran, and one per quiz (status
`ungraded`: quizzes are self-checked in the notebook, whose answers they show).
The notebook statuses: `ran`, `ran with errors`, `output truncated`,
`timeout`, `memory limit`, `kernel died`, `not json`, `not a notebook`,
`wrong chapter`, `missing`, `grader error`. Each status from `timeout` on is
fatal: every exercise of that notebook gets the same status and 0 points.
`feedback/<student>.md` (next to grades.csv) says per exercise what passed,
what failed with its hint, and shows no check's code. A submission's own text
(its errors, its values) is cut to a few hundred characters and cleaned of
control characters, paths outside the submission and the grading user's
environment values before it enters feedback.

A chapter whose solution carries a manual-review rubric (front matter
`shipml.review`, see shipml/course/instructor/review.py) adds, per student and
rubric row, a row `review:<chapter-stem>:<id>` with status `to review`, empty
points, the row's points as max_points and its criterion as message; the
feedback lists those rows as "to be reviewed by your instructor". Next to
grades.csv, `reviews-template.csv` has one line per student and row (student,
row, points, note; points empty) for the instructor to fill in; a template
that already holds marks is never overwritten. `merge_reviews` (the command's
`--reviews FILE`) reads the filled-in file strictly (an unknown student or
row, points outside 0 to the row's points: one sentence, exit status 2) and
merges it into the gradebook that an earlier run wrote, without running a
notebook again: the rows become `reviewed` with the mark and the note, and
grades-wide.csv and the feedback files show the marks. The reviews file is the
whole record of the marks, so merging again with a fuller file is safe; a row
it leaves empty is `to review` again.

What the sandbox guarantees and what it does not: see the instructor guide
(book/instructor-guide.md, "Grading untrusted work").
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass
from pathlib import Path

from shipml.course import notebooks
from shipml.course.checks import SYMBOLS, Observation, registered_ids
from shipml.course.checks import judge as judge_observations
from shipml.course.instructor import observed, review
from shipml.course.instructor import sandbox as sandboxing
from shipml.course.instructor.course import InstructorError

__all__ = ["FIELDS", "Row", "grade", "load_assignment", "merge_reviews", "add_arguments", "command"]

FIELDS = ("student", "exercise", "points", "max_points", "status", "message")
FATAL = ("timeout", "memory limit", "kernel died", "not json", "not a notebook", "wrong chapter", "missing",
         "grader error")
_MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
_MAX_PIPE_BYTES = 4 * 1024 * 1024  # the worker's status lines; the observations travel in a file
_MAX_MESSAGE = 300  # characters of a submission's own text (an error, a value) kept in feedback
NO_SANDBOX_WARNING = ("Graded WITHOUT a sandbox (--no-sandbox): the submissions' code ran as the grading user, "
                      "with its files and network; use this only for trusted work or inside a container or VM.")
_OBSERVED_STATUSES = ("observed", "not attempted", "error", "failed")  # never "passed": only a judge passes
_NOTEBOOK_STATUSES = ("ran", "timeout", "memory limit", "kernel died", "grader error")
TO_REVIEW, REVIEWED = "to review", "reviewed"  # the statuses of a rubric row (shipml.review)
TEMPLATE = "reviews-template.csv"
_GRADER = "(grader)"  # the student of the --no-sandbox warning row
_REVIEW_HEADING = "## Reviewed by your instructor"


@dataclass
class Row:
    """One line of grades.csv."""

    student: str
    exercise: str
    points: float | str
    max_points: float | str
    status: str
    message: str


def load_assignment(autograder) -> dict:
    """The assignment.json of an autograder folder written by `shipml assign`."""
    path = Path(autograder) / "assignment.json"
    if not path.is_file():
        raise InstructorError(f"{autograder} is not an autograder folder: it has no assignment.json "
                              "(make one with `shipml assign`)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise InstructorError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != 1 or not manifest.get("chapters"):
        raise InstructorError(f"{path} was not written by this version of `shipml assign`: assign again")
    return manifest


# --- finding and vetting each student's notebooks ------------------------------


def _students(submissions: Path) -> list[tuple[str, Path]]:
    if not submissions.is_dir():
        raise InstructorError(f"{submissions} is not a folder of submissions")
    found = []
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith((".", "_")) or entry.is_symlink():
            continue
        if entry.is_file() and (entry.suffix not in (".ipynb", ".md") or entry.name == "README.md"):
            continue  # a stray gradebook or note, not a submission
        found.append((entry.name if entry.is_dir() else entry.stem, entry))
    if not found:
        raise InstructorError(f"{submissions} holds no submission (one folder or one notebook per student)")
    return found


def _notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".ipynb", ".md") and p.is_file()
                  and not p.is_symlink() and ".ipynb_checkpoints" not in p.parts and p.name != "README.md")


def _find(entry: Path, chapter: dict, one_chapter: bool) -> Path | None:
    if entry.is_file():
        if one_chapter:
            return entry
        candidates = [entry]
    else:
        for name in (chapter["notebook"], f"{chapter['stem']}.md"):
            if (entry / name).is_file():
                return entry / name
        candidates = _notebooks(entry)
        if one_chapter and len(candidates) == 1:
            return candidates[0]
    for path in candidates:
        if path.stat().st_size <= _MAX_NOTEBOOK_BYTES:
            if int(chapter["number"]) in notebooks.chapter_numbers(path.read_text(encoding="utf-8", errors="replace")):
                return path
    return None


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _notebook_problem(data) -> str | None:
    """What keeps `data` (parsed JSON) from being a version-4 notebook, or None.

    The structure nbclient needs, checked by hand: nbformat's full schema check imports
    jsonschema's format checkers, seconds of start-up for one file (the worker validates again).
    """
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return "it has no list of cells"
    if data.get("nbformat") != 4:
        return f"its nbformat is {data.get('nbformat')!r}, not 4"
    if not isinstance(data.get("metadata", {}), dict):
        return "its metadata is not a mapping"
    for i, cell in enumerate(data["cells"], 1):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            return f"cell {i} is not a code, markdown or raw cell"
        source = cell.get("source")
        if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(s, str) for s in source)):
            return f"cell {i} has no text source"
    return None


def _vet(path: Path, chapter: dict) -> tuple[str, str] | None:
    """(status, message) when the file cannot be run as this chapter's notebook, else None."""
    if path.stat().st_size > _MAX_NOTEBOOK_BYTES:
        return "not a notebook", f"{path.name} is larger than {_MAX_NOTEBOOK_BYTES // 2**20} MiB."
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".md":
        import jupytext

        try:
            nb = jupytext.reads(text, fmt="md:myst")
        except Exception as error:
            return "not a notebook", f"{path.name} is not a MyST notebook: {type(error).__name__}."
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    else:
        try:
            data = json.loads(text)
        except ValueError as error:
            return "not json", f"{path.name} is not JSON ({error}): was it saved from Jupyter?"
        problem = _notebook_problem(data)
        if problem:
            return "not a notebook", f"{path.name} is JSON but not a Jupyter notebook (version 4): {problem}."
        code = "\n".join(_source(c) for c in data["cells"] if c["cell_type"] == "code")
    numbers = notebooks.chapter_numbers(code)
    if numbers and int(chapter["number"]) not in numbers:
        others = ", ".join(f"{n:02d}" for n in sorted(numbers))
        return "wrong chapter", (f"{path.name} holds the exercises of chapter {others}, not of chapter "
                                 f"{chapter['number']} ({chapter['title']}).")
    return None


# --- running one notebook ----------------------------------------------------------


def _environment(job_dir: Path, jobs: int, at) -> dict:
    """The worker's whole environment: an allowlist (sandbox.environment), never the instructor's own variables."""
    threads = str(max(1, (os.cpu_count() or 1) // jobs))  # --jobs shares the cores
    env = sandboxing.environment(dict(
        PYTHONHASHSEED="0",  # the same grades on every run
        MPLBACKEND="Agg",
        OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads,
        IPYTHONDIR=at(job_dir / "ipython"),
        JUPYTER_RUNTIME_DIR=at(job_dir / "runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        HOME=at(job_dir / "home"),
        TMPDIR="/tmp" if at is not str else str(job_dir / "tmp"),
    ))
    return env


def _kill_group(pid) -> None:
    if not isinstance(pid, int) or pid <= 1:
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _ignore_links(folder, names) -> set[str]:
    """Leave out checkpoints and symbolic links (a link could point anywhere, e.g. at the autograder)."""
    return {n for n in names if n == ".ipynb_checkpoints" or os.path.islink(os.path.join(folder, n))}


def _read_file(path: Path, limit: int) -> tuple[bytes | None, str | None]:
    """(the bytes, None) of a regular file the sandbox wrote, or (None, why not): no link, no FIFO, no giant."""
    try:  # neither the folder nor the file may be a link (to a file of the grading user's)
        folder = os.open(path.parent, os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY)
        try:
            fd = os.open(path.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
        finally:
            os.close(folder)
    except OSError:
        return None, "the checks wrote no observations (did the notebook delete them or stop its kernel?)"
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None, "the observations are not a plain file"
        data = handle.read(limit + 1)
    if len(data) > limit:
        return None, f"the observations are larger than {limit // 2**20} MiB"
    return data, None


def _run(path: Path, entry: Path, chapter: dict, limits: dict) -> dict:
    job_dir = Path(tempfile.mkdtemp(prefix="shipml-grade-")).resolve()
    boxed = limits["sandbox"]

    def at(p) -> str:  # a path of the job folder as the worker sees it
        return sandboxing.inside_path(job_dir, p) if boxed else str(p)

    log = None
    try:
        work = job_dir / "work"
        if entry.is_dir():
            shutil.copytree(entry, work, ignore=_ignore_links)
            notebook = work / path.relative_to(entry)
        else:
            work.mkdir()
            notebook = work / (chapter["notebook"] if path.suffix == ".ipynb" else f"{chapter['stem']}.md")
            shutil.copy2(path, notebook)
        for name in ("out", "home", "tmp"):
            (job_dir / name).mkdir()
        read_end, write_end = os.pipe()
        job = {
            "notebook": at(notebook), "workdir": at(notebook.parent), "result_fd": write_end,
            "observations": at(job_dir / "out" / "observations.json"),
            "exercises": [{k: e[k] for k in ("id", "target", "hidden_cells")} for e in chapter["exercises"]],
            **{k: v for k, v in limits.items() if k != "hide"},
        }
        argv = [sys.executable, "-m", "shipml.course.instructor.worker"]
        env = _environment(job_dir, limits["jobs"], at)
        if boxed:
            argv, env = sandboxing.wrap(argv, job_dir, env=env, hide=limits["hide"], limits=sandboxing.Limits(
                memory_mb=limits["memory_mb"] + 512, cpu_s=limits["cpu_s"]))
        log = tempfile.TemporaryFile()  # outside the job folder: the sandbox cannot swap it for a link
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=log, stderr=log, cwd=job_dir, env=env,
                                pass_fds=(write_end,), start_new_session=True)
        os.close(write_end)
        proc.stdin.write(json.dumps(job).encode())
        proc.stdin.close()
        deadline = time.monotonic() + limits["timeout_s"] + limits["grader_timeout_s"] + 60
        buffer, kernel_pid, result = b"", None, None
        with os.fdopen(read_end, "rb") as pipe:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([pipe], [], [], 0.5)
                if not ready:
                    continue
                chunk = os.read(pipe.fileno(), 65536)
                if not chunk:
                    break
                if len(buffer) < _MAX_PIPE_BYTES:  # keep draining, stop keeping
                    buffer += chunk
        for line in buffer.decode("utf-8", errors="replace").splitlines():
            try:
                message = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(message, dict):
                kernel_pid = message.get("kernel_pid", kernel_pid)
                result = message.get("result", result)
        if proc.poll() is None:
            try:
                proc.wait(timeout=max(1.0, min(10.0, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                pass
        if proc.poll() is None:
            _kill_group(proc.pid)  # in the sandbox: bwrap, whose PID namespace takes every process with it
            proc.wait()
            if result is None:
                result = {"status": "timeout", "cell": None, "message": "the notebook and its grading ran past "
                          f"{limits['timeout_s'] + limits['grader_timeout_s'] + 60:g} s and were stopped"}
        if not boxed:
            _kill_group(kernel_pid)  # whatever the learner's code left running in the kernel's session
        if result is None:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 300))
            tail = log.read().decode(errors="replace").strip().splitlines()
            result = {"status": "grader error", "message": f"the grading process stopped (exit code "
                      f"{proc.returncode}){': ' + tail[-1] if tail else ''}"}
        result = _vetted_result(result)
        if result["status"] == "ran":
            raw, problem = _read_file(job_dir / "out" / "observations.json", observed.MAX_BYTES)
            if raw is not None:
                try:
                    raw = json.loads(raw)
                except (ValueError, RecursionError):
                    raw, problem = None, "the observations are not valid JSON"
            if raw is None or not isinstance(raw, dict):
                result.update(status="grader error", message=problem or "the observations are not a mapping")
            else:
                result["checks"] = {ex["id"]: _judged(ex, raw.get(ex["id"])) for ex in chapter["exercises"]}
        return result
    finally:
        if log is not None:
            log.close()
        shutil.rmtree(job_dir, ignore_errors=True)


def _vetted_result(raw) -> dict:
    """The worker's report with strict types: it comes from beside the learner's code and is not trusted."""
    if not isinstance(raw, dict) or raw.get("status") not in _NOTEBOOK_STATUSES:
        return {"status": "grader error", "message": "the grading process sent no readable report"}
    number = lambda v: v if type(v) in (int, float) and math.isfinite(v) else 0  # noqa: E731
    errors = []
    for e in raw.get("errors") if isinstance(raw.get("errors"), list) else []:
        if isinstance(e, dict) and type(e.get("cell")) is int:
            errors.append({"cell": e["cell"], "ename": _clean(e.get("ename", ""), 60),
                           "evalue": _clean(e.get("evalue", ""))})
    vetted = {"status": raw["status"], "cell": raw["cell"] if type(raw.get("cell")) is int else None,
              "errors": errors[:100], "truncated": raw.get("truncated") is True, "seconds": number(raw.get("seconds")),
              "observed": raw.get("observed") is True}
    if raw.get("message"):
        vetted["message"] = _clean(raw["message"])
    if vetted["status"] == "ran" and not vetted["observed"]:
        vetted.update(status="grader error", message="the checks did not run to their end")
    return vetted


_HIDDEN_CELL = {
    "failed": ("failed", "A hidden check of this exercise failed."),
    "missing name": ("error", "A hidden check needs a name your notebook does not define."),
    "error": ("error", "A hidden check stopped with an error."),
}


def _judged(ex: dict, entry) -> dict:
    """One exercise's observations from the sandbox, read strictly and judged here, with this process's checks."""
    if not isinstance(entry, dict):
        return {"cases": [], "missing": False, "error": "the checks of this exercise reported nothing"}
    if entry.get("missing") is True:
        return {"cases": [], "missing": True, "error": None}
    seen = []
    for item in entry.get("observations") if isinstance(entry.get("observations"), list) else []:
        if not (isinstance(item, dict) and isinstance(item.get("case"), str) and isinstance(item.get("message"), str)
                and item.get("status") in _OBSERVED_STATUSES):
            continue
        status, message, value = item["status"], _clean(item["message"]), None
        if status == "observed":
            try:
                value = observed.decode(item.get("value"))
            except (observed.DecodeError, RecursionError) as error:
                status, message = "error", f"What the check saw of your answer could not be read back: {error}."
        seen.append(Observation(item["case"][:200], status, value, message))
    try:
        result = judge_observations(ex["id"], seen, include_hidden=True)
    except Exception as error:  # an unknown exercise in this installation, a bug: a sentence, not a crash
        return {"cases": [], "missing": False, "error": _clean(f"{type(error).__name__}: {error}")}
    cases = [dict(c.to_dict(), message=_clean(c.message)) for c in result.cases]
    error = _clean(entry["error"]) if isinstance(entry.get("error"), str) and entry["error"] else None
    trusted = bool(cases) and all(c["status"] == "passed" for c in cases)
    reported = entry.get("hidden_cells") if isinstance(entry.get("hidden_cells"), list) else []
    for k in range(1, len(ex["hidden_cells"]) + 1):
        status = reported[k - 1] if k <= len(reported) and isinstance(reported[k - 1], str) else "error"
        if status == "passed" and not trusted:
            # it ran in the learner's kernel: its pass is not counted unless the checks judged here all passed
            continue
        if status == "passed":
            message = ""
        else:
            status, message = _HIDDEN_CELL.get(status, _HIDDEN_CELL["error"])
        cases.append({"name": f"hidden check cell {k}", "status": status, "message": message, "hint": None,
                      "hidden": True})
    return {"cases": cases, "missing": False, "error": error}


def _instructor_values() -> list[str]:
    """Text that must never reach a student: the grading user's environment values and home folder."""
    values = {v for v in os.environ.values() if len(v) >= 8}
    values.add(str(Path.home()))
    values.add(tempfile.gettempdir() + os.sep)
    return sorted(values, key=len, reverse=True)


def _clean(text, limit: int = _MAX_MESSAGE) -> str:
    """A submission's text made safe for feedback: no control characters, paths or instructor values; cut."""
    text = str(text)
    text = re.sub(r"[\x00-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2066-\u2069]", " ", text)
    text = text.replace(sandboxing.INSIDE + "/work/", "").replace(sandboxing.INSIDE, "…")
    for value in _instructor_values():
        text = text.replace(value, "…")
    text = re.sub(r"(?<![\w.~])/(?:[\w.+-]+/)+[\w.+-]*", "…", text)  # any other absolute path
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --- turning results into rows ------------------------------------------------------


def _notebook_message(status: str, result: dict, limits: dict) -> str:
    cell = result.get("cell")
    errors = result.get("errors") or []
    where = f" at cell {cell}" if cell else ""
    if status == "timeout":
        return result.get("message") or (f"The notebook ran past its time limit of {limits['timeout_s']:g} s{where}; "
                                         "its exercises were not graded.")
    if status == "memory limit":
        return (f"The notebook ran out of memory{where} (limit {limits['memory_mb']:g} MiB of address space); "
                "its exercises were not graded.")
    if status == "kernel died":
        return (f"The kernel stopped{where} (os._exit(), a crash, or the memory limit); "
                "its exercises were not graded.")
    if status == "grader error":
        return ("The checks could not report back (did the notebook delete their files or stop the kernel?)"
                + (f": {result['message']}." if result.get("message") else "."))
    parts = [f"Ran in {result.get('seconds', 0):g} s."]
    if errors:
        shown = "; ".join(f"cell {e['cell']}: {e['ename']}" + (f": {e['evalue']}" if e["evalue"] else "")
                          for e in errors[:3])
        parts.append(f"{len(errors)} cell(s) raised an error ({shown}{'; …' if len(errors) > 3 else ''}).")
    if result.get("truncated"):
        parts.append(f"Its output passed {limits['max_output_bytes'] // 2**20} MiB; the rest was dropped.")
    return " ".join(parts)


def _exercise_row(student: str, ex: dict, entry: dict | None) -> tuple[Row, list[dict]]:
    points = ex["points"]
    if entry is None or entry.get("missing"):
        message = f"Your notebook defines no `{ex['target']}`: keep the name the exercise asks for."
        return Row(student, ex["id"], 0, points, "not attempted", message), []
    cases = entry.get("cases") or []
    if entry.get("error"):
        return Row(student, ex["id"], 0, points, "error", f"The checks could not run: {entry['error']}"), cases
    public = [c for c in cases if not c.get("name", "").startswith("hidden check cell")]
    statuses = [c["status"] for c in cases]
    if not public or all(c["status"] == "not attempted" for c in public):
        status, score = "not attempted", 0.0
    else:
        score = sum(s == "passed" for s in statuses) / len(statuses)
        status = "passed" if score == 1 else ("error" if "error" in statuses else "failed")
    earned = round(points * score, 2)
    n_passed = sum(s == "passed" for s in statuses)
    message = {"passed": f"All {len(statuses)} checks passed.",
               "not attempted": "Not attempted yet."}.get(status, f"{n_passed} of {len(statuses)} checks passed.")
    return Row(student, ex["id"], earned, points, status, message), cases


def _grade_notebook(student: str, entry: Path, chapter: dict, one_chapter: bool, limits: dict):
    """(rows, feedback details) of one student's notebook for one chapter."""
    name = f"notebook:{chapter['stem']}"
    path = _find(entry, chapter, one_chapter)
    if path is None:
        vetted, result = ("missing", f"No notebook for chapter {chapter['number']}: expected "
                          f"{chapter['notebook']}."), None
    else:
        vetted = _vet(path, chapter)
        result = None if vetted else _run(path, entry, chapter, limits)
    if vetted:
        status, message = vetted
    else:
        status = result.get("status", "grader error")
        if status == "ran" and result.get("errors"):
            status = "ran with errors"
        if status == "ran" and result.get("truncated"):
            status = "output truncated"
        message = _notebook_message(status, result, limits)
    rows = [Row(student, name, "", "", status, message)]
    details = []
    for ex in chapter["exercises"]:
        if status in FATAL:
            rows.append(Row(student, ex["id"], 0, ex["points"], status, f"Not graded: {message}"))
            details.append([])
            continue
        row, cases = _exercise_row(student, ex, (result.get("checks") or {}).get(ex["id"]))
        rows.append(row)
        details.append(cases)
    for quiz in chapter.get("quizzes", []):
        rows.append(Row(student, quiz, "", "", "ungraded", "Quizzes are self-checked in the notebook."))
    return rows, details


# --- feedback -------------------------------------------------------------------------


def _number(value) -> float | None:
    """A gradebook cell as a number (a Row's own number, or the text read back from grades.csv), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value) if str(value).strip() else None
    except ValueError:
        return None


def _points_line(automatic: list[Row], reviews: list[Row]) -> str:
    """The feedback's first line: the points, and what is still to be reviewed by hand."""
    earned = round(sum(_number(r.points) or 0 for r in automatic), 2)
    top = round(sum(_number(r.max_points) or 0 for r in automatic), 2)
    if not reviews:
        return f"**{earned:g} of {top:g} points.**"
    marked = [r for r in reviews if r.status == REVIEWED]
    pending = round(sum(_number(r.max_points) or 0 for r in reviews if r.status != REVIEWED), 2)
    got = round(earned + sum(_number(r.points) or 0 for r in marked), 2)
    whole = round(top + sum(_number(r.max_points) or 0 for r in reviews), 2)
    parts = f"{earned:g} of {top:g} from the automatic checks"
    if marked:
        parts += (f", {round(sum(_number(r.points) or 0 for r in marked), 2):g} of "
                  f"{round(sum(_number(r.max_points) or 0 for r in marked), 2):g} from your instructor's review")
    if pending:
        return f"**{got:g} points so far, of {whole:g}**: {parts}; {pending:g} more to be reviewed by your instructor."
    return f"**{got:g} of {whole:g} points**: {parts}."


def _review_section(manifest: dict, reviews: list[Row]) -> list[str]:
    """The feedback's last section: each rubric row with its mark and note, or "to be reviewed"."""
    if not reviews:
        return []
    by_id = {r.exercise: r for r in reviews}
    lines = [_REVIEW_HEADING, ""]
    for chapter in manifest["chapters"]:
        rubric = review.from_manifest(chapter)
        if not rubric:
            continue
        lines += [f"### {chapter['title']} (`{chapter['notebook']}`)", ""]
        for item in rubric:
            row = by_id.get(review.exercise_id(chapter["stem"], item.id))
            if row is None:
                continue
            lines.append(f"- **{item.id}** ({item.points:g} point{'' if item.points == 1 else 's'}): {item.criterion}")
            if row.status == REVIEWED:
                note = f" Note: {row.message}" if row.message != item.criterion else ""
                lines.append(f"  - **{_number(row.points):g} of {item.points:g} points.**{note}")
            else:
                lines.append(f"  - To be reviewed by your instructor. Full points: {item.levels['full']}. "
                             f"Half: {item.levels['half']}. None: {item.levels['none']}.")
        lines.append("")
    return lines


def _feedback(student: str, manifest: dict, graded: list, warning: str | None = None,
              reviews: list[Row] | None = None) -> str:
    lines = [f"# Feedback for {student}: {manifest['title']}", ""]
    if warning:
        lines += [f"> **Warning:** {warning}", ""]
    lines += [_points_line([r for rows, _ in graded for r in rows], reviews or []), ""]
    for chapter, (rows, details) in zip(manifest["chapters"], graded):
        notebook = rows[0]
        lines += [f"## {chapter['title']} (`{chapter['notebook']}`)", "", f"Notebook: **{notebook.status}**. "
                  f"{notebook.message}", ""]
        exercise_rows = [r for r in rows[1:] if r.status != "ungraded"]
        for ex, row, cases in zip(chapter["exercises"], exercise_rows, details):
            lines += [f"### {ex['id']}: {ex.get('title') or ex['target']}", "",
                      f"**{row.status}** — {row.points:g} of {row.max_points:g} points. {row.message}", ""]
            hidden = 0
            for case in cases:
                if case.get("hidden"):
                    hidden += 1
                    name = f"hidden check {hidden}"
                else:
                    name = case["name"]
                mark = SYMBOLS.get(case["status"], "?")
                line = f"- {mark} {name}"
                if case["status"] != "passed" and case.get("message"):
                    line += f": {case['message']}"
                lines.append(line)
                if case["status"] == "failed" and case.get("hint") and not case.get("hidden"):
                    lines.append(f"  - Hint: {case['hint']}")
            lines.append("")
    lines += _review_section(manifest, reviews or [])
    return "\n".join(lines)


def _refreshed_feedback(text: str, manifest: dict, automatic: list[Row], reviews: list[Row]) -> str:
    """A feedback file written by `grade` with its points line and review section redone from the rows."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.startswith("**")), None)
    if first is not None:
        lines[first] = _points_line(automatic, reviews)
    # A submission's own text in the file is on one line (grade cleans it), so it cannot fake this heading.
    starts = [i for i, line in enumerate(lines) if line == _REVIEW_HEADING]
    if starts:
        lines = lines[:starts[-1]]
    elif lines and lines[-1] != "":
        lines.append("")
    return "\n".join(lines + _review_section(manifest, reviews))


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "student"


def grade(autograder, submissions, out, *, jobs: int = 1, timeout_s: float = 120, memory_mb: float = 4096,
          max_output_mb: float = 10, grader_timeout_s: float = 120, feedback_dir=None,
          sandbox: bool = True) -> list[Row]:
    """Grade every submission; write `out` (CSV) and one feedback file per student; return the rows.

    `sandbox=False` (the command's --no-sandbox) grades without the sandbox: a warning goes to stderr,
    into the gradebook (a row of student `(grader)`) and on top of every feedback file.
    """
    if sandbox:
        problem = sandboxing.problem()
        if problem:
            raise InstructorError(f"refusing to run students' code without a sandbox: {problem}")
        warning = None
    else:
        warning = NO_SANDBOX_WARNING
        print(f"warning: {warning}", file=sys.stderr)
    manifest = load_assignment(autograder)
    rubric = _rubric(manifest)  # a malformed rubric is an error before any notebook runs
    if jobs < 1 or timeout_s <= 0 or memory_mb <= 0:
        raise InstructorError("--jobs, --timeout and --memory must be positive")
    students = _students(Path(submissions))
    registered_ids()  # load every chapter's checks here, once, before the threads judge with them
    limits = {"jobs": jobs, "timeout_s": float(timeout_s), "memory_mb": float(memory_mb),
              "max_output_bytes": int(max_output_mb * 2**20), "grader_timeout_s": float(grader_timeout_s),
              "cpu_s": 4 * (timeout_s + grader_timeout_s) + 60, "sandbox": bool(sandbox),
              # hidden from the sandbox: the autograder, every submission, where the gradebook goes
              "hide": [str(Path(p).resolve()) for p in (autograder, submissions, Path(out).parent,
                                                         feedback_dir or Path(out).parent) if Path(p).is_dir()]}
    chapters = manifest["chapters"]
    one = len(chapters) == 1
    tasks = [(student, entry, chapter) for student, entry in students for chapter in chapters]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        outcomes = list(pool.map(lambda t: _grade_notebook(t[0], t[1], t[2], one, limits), tasks))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    feedback = Path(feedback_dir) if feedback_dir else out.parent / "feedback"
    feedback.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    for i, (student, _) in enumerate(students):
        graded = outcomes[i * len(chapters):(i + 1) * len(chapters)]
        reviews = [_review_row(student, name, item) for name, item in rubric.items()]
        rows += [row for chapter_rows, _ in graded for row in chapter_rows] + reviews
        (feedback / f"{_safe(student)}.md").write_text(_feedback(student, manifest, graded, warning, reviews),
                                                      encoding="utf-8")
    warning_row = Row(_GRADER, "warning:no-sandbox", "", "", "unsandboxed", warning) if warning else None
    _write_gradebook(out, rows, warning_row)
    _write_wide(out.with_name(f"{out.stem}-wide.csv"), manifest, [s for s, _ in students], rows)
    _write_summary(out.with_name(f"{out.stem}-summary.csv"), manifest, rows, outcomes)
    template = out.with_name(TEMPLATE)
    if rubric and template.exists() and review.has_marks(template):
        print(f"note: kept {template}: it already holds marks (merge them with --reviews)", file=sys.stderr)
    elif rubric:
        review.write_template(template, [s for s, _ in students], rubric)
    return rows


def _write_gradebook(out: Path, rows: list[Row], warning_row: Row | None) -> None:
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        if warning_row is not None:
            writer.writerow(astuple(warning_row))
        writer.writerows(astuple(r) for r in rows)


# --- the manual-review rubric ---------------------------------------------------------------


def _rubric(manifest: dict) -> dict[str, review.ReviewRow]:
    """Every rubric row of the assignment by its gradebook id, `review:<stem>:<id>`, in the manifest's order."""
    return {review.exercise_id(chapter["stem"], item.id): item
            for chapter in manifest["chapters"] for item in review.from_manifest(chapter)}


def _review_row(student: str, name: str, item: review.ReviewRow, mark: tuple[float, str] | None = None) -> Row:
    """A rubric row of the gradebook: `to review` with empty points, or `reviewed` with the mark (and note)."""
    if mark is None:
        return Row(student, name, "", item.points, TO_REVIEW, item.criterion)
    points, note = mark
    return Row(student, name, points, item.points, REVIEWED, note or item.criterion)


def _read_gradebook(out: Path) -> list[Row]:
    if not out.is_file():
        raise InstructorError(f"{out} does not exist: grade first (the same command without --reviews), "
                              "then merge the reviews into it")
    try:
        with out.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = tuple(next(reader, ()))
            found = [Row(*cells) for cells in reader if len(cells) == len(FIELDS)]
    except (UnicodeDecodeError, csv.Error) as error:
        raise InstructorError(f"{out} is not a gradebook written by `shipml grade`: {error}") from None
    if header != FIELDS:
        raise InstructorError(f"{out} is not a gradebook written by `shipml grade`: its columns are not "
                              f"{', '.join(FIELDS)}")
    return found


def merge_reviews(autograder, out, reviews, *, feedback_dir=None) -> list[Row]:
    """Merge the instructor's marks (`reviews`: student, row, points, note) into the gradebook `out`; return its rows.

    `out` is the grades.csv that `grade` wrote for this autograder; no notebook runs again. grades.csv,
    grades-wide.csv and each feedback file (feedback/ next to `out`, or `feedback_dir`) are rewritten: a
    marked row is `reviewed` with its points and note, a row the file leaves empty is `to review`.
    """
    manifest = load_assignment(autograder)
    rubric = _rubric(manifest)
    if not rubric:
        raise InstructorError(f"{autograder} has no manual-review rubric (no chapter's solution has "
                              "`shipml.review`): there is nothing to merge")
    out = Path(out)
    found = _read_gradebook(out)
    warning_row = next((r for r in found if r.student == _GRADER), None)
    automatic = [r for r in found if r.student != _GRADER and not r.exercise.startswith(review.PREFIX)]
    notebooks_found = {r.exercise for r in automatic if r.exercise.startswith("notebook:")}
    if notebooks_found != {f"notebook:{c['stem']}" for c in manifest["chapters"]}:
        raise InstructorError(f"{out} was not written for {autograder}: its chapters differ from the assignment's")
    students = list(dict.fromkeys(r.student for r in automatic))
    marks = review.read_marks(reviews, students, rubric)
    rows: list[Row] = []
    feedback = Path(feedback_dir) if feedback_dir else out.parent / "feedback"
    for student in students:
        mine = [r for r in automatic if r.student == student]
        reviewed = [_review_row(student, name, item, marks.get((student, name))) for name, item in rubric.items()]
        rows += mine + reviewed
        path = feedback / f"{_safe(student)}.md"
        if path.is_file():
            path.write_text(_refreshed_feedback(path.read_text(encoding="utf-8"), manifest, mine, reviewed),
                            encoding="utf-8")
        else:
            print(f"warning: {path} does not exist, so its marks reach the gradebook only", file=sys.stderr)
    _write_gradebook(out, rows, warning_row)
    _write_wide(out.with_name(f"{out.stem}-wide.csv"), manifest, students, rows)
    return rows


# --- for the learning platform and for the instructor ---------------------------------------


def _exercises(manifest: dict) -> list[dict]:
    return [ex for chapter in manifest["chapters"] for ex in chapter["exercises"]]


def _write_wide(path: Path, manifest: dict, students: list[str], rows: list[Row]) -> None:
    """One row per student, one column per exercise and a total: the shape Canvas and Moodle import.

    With a manual-review rubric, each rubric row is a column too (`review:14-capstone:memo (3 pt)`), empty
    until the instructor's mark is merged, then `Automatic total` (the checks' points alone) and `Total`.
    `Total` stays empty for a student until every rubric row of theirs is marked: a platform imports an
    empty cell as no grade yet, whereas a total without the reviewed points would post a grade that looks
    final and is too low, and a student would see it. Once every row is marked, Total is the whole grade.
    """
    exercises = _exercises(manifest)
    rubric = _rubric(manifest)
    points = {(r.student, r.exercise): _number(r.points) for r in rows if _number(r.points) is not None}
    header = ["Student", *(f"{ex['id']} ({ex['points']:g} pt)" for ex in exercises)]
    header += [f"{name} ({item.points:g} pt)" for name, item in rubric.items()]
    header += ["Automatic total", "Total"] if rubric else ["Total"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for student in students:
            earned = [points.get((student, ex["id"]), 0) for ex in exercises]
            marks = [points.get((student, name)) for name in rubric]
            automatic = round(sum(earned), 2)
            line = [student, *(f"{p:g}" for p in earned), *("" if m is None else f"{m:g}" for m in marks)]
            if rubric:
                whole = "" if None in marks else f"{round(automatic + sum(marks), 2):g}"
                line += [f"{automatic:g}", whole]
            else:
                line.append(f"{automatic:g}")
            writer.writerow(line)


def _write_summary(path: Path, manifest: dict, rows: list[Row], outcomes: list) -> dict:
    """Per exercise: mean points, share passed, the case failed most often; a CSV and a bar chart (PNG)."""
    failures: dict[str, dict[str, int]] = {}
    for chapter_rows, details in outcomes:
        graded = [r for r in chapter_rows[1:] if r.status != "ungraded"]
        for row, cases in zip(graded, details):
            if row.status not in ("failed", "error"):  # not attempted, or not run: no case to blame
                continue
            for case in cases:
                if case.get("status") in ("failed", "error"):
                    counts = failures.setdefault(row.exercise, {})
                    counts[case["name"]] = counts.get(case["name"], 0) + 1
    summary = {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["exercise", "title", "max_points", "mean_points", "share_passed", "most_failed_case",
                         "times_failed"])
        for ex in _exercises(manifest):
            graded = [r for r in rows if r.exercise == ex["id"] and isinstance(r.points, (int, float))]
            mean = sum(r.points for r in graded) / len(graded) if graded else 0.0
            passed = sum(r.status == "passed" for r in graded) / len(graded) if graded else 0.0
            counts = failures.get(ex["id"], {})
            worst = max(sorted(counts), key=lambda name: (counts[name], not name.startswith("hidden check cell")),
                        default="")
            summary[ex["id"]] = (mean / ex["points"] if ex["points"] else 0.0, passed)
            writer.writerow([ex["id"], ex.get("title") or ex["target"], f"{ex['points']:g}", f"{mean:.2f}",
                             f"{passed:.2f}", worst, counts.get(worst, 0)])
    _bar_chart(path.with_suffix(".png"), summary, manifest.get("title", ""))
    return summary


def _bar_chart(path: Path, summary: dict, title: str) -> None:
    from matplotlib.figure import Figure

    ids = list(summary)
    figure = Figure(figsize=(max(4.0, 0.9 * len(ids) + 1.5), 3.2), layout="constrained")
    ax = figure.subplots()
    x = range(len(ids))
    ax.bar([i - 0.2 for i in x], [100 * summary[i][0] for i in ids], width=0.4, label="mean score")
    ax.bar([i + 0.2 for i in x], [100 * summary[i][1] for i in ids], width=0.4, label="share passed")
    ax.set_xticks(list(x), ids, rotation=30, ha="right")
    ax.set_ylim(0, 118)  # room for the legend above a bar at 100 %
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("% of the class")
    ax.set_title(f"{title}: by exercise" if title else "By exercise")
    ax.legend(loc="upper center", ncols=2, fontsize="small", frameon=False)
    figure.savefig(path, dpi=100)


def add_arguments(parser) -> None:
    parser.add_argument("autograder", type=Path, help="the autograder/ folder written by `shipml assign`")
    parser.add_argument("submissions", type=Path, help="one folder (or one notebook) per student")
    parser.add_argument("--out", required=True, type=Path, help="the gradebook to write (CSV)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded in parallel (default 1)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per notebook (default 120)")
    parser.add_argument("--memory", type=float, default=4096, help="MiB of address space per notebook (default 4096)")
    parser.add_argument("--feedback", type=Path, help="folder for feedback files (default: feedback/ next to --out)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade without the sandbox (only for trusted work, or inside a container or VM "
                             "without network); warns on every run and in the gradebook")
    parser.add_argument("--reviews", type=Path,
                        help="merge your manual-review marks (a filled-in reviews-template.csv: student, row, "
                             "points, note) into the gradebook at --out written by an earlier run; runs no "
                             "notebook again")


def command(args) -> int:
    if getattr(args, "reviews", None) is not None:
        return _merge_command(args)
    try:
        rows = grade(args.autograder, args.submissions, args.out, jobs=args.jobs, timeout_s=args.timeout,
                     memory_mb=args.memory, feedback_dir=args.feedback, sandbox=not args.no_sandbox)
    except InstructorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    students = sorted({r.student for r in rows})
    out = Path(args.out)
    print(f"graded {len(students)} submission(s): wrote {out}, {out.with_name(out.stem + '-wide.csv')} (for your "
          f"learning platform), {out.with_name(out.stem + '-summary.csv')} and .png (by exercise), and "
          f"{args.feedback or out.parent / 'feedback'}/")
    pending = sum(r.status == TO_REVIEW for r in rows)
    if pending:
        print(f"{pending} manual-review mark(s) to give: fill in {out.with_name(TEMPLATE)}, then run this "
              f"command again with --reviews {out.with_name(TEMPLATE)}")
    return 0


def _merge_command(args) -> int:
    try:
        rows = merge_reviews(args.autograder, args.out, args.reviews, feedback_dir=args.feedback)
    except InstructorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    done = sum(r.status == REVIEWED for r in rows)
    pending = sum(r.status == TO_REVIEW for r in rows)
    print(f"merged {done} mark(s) from {args.reviews} into {out}, {out.with_name(out.stem + '-wide.csv')} and "
          f"{args.feedback or out.parent / 'feedback'}/; {pending} still to review")
    return 0
