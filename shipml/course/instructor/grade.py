"""`shipml grade`: run every submission safely, check every exercise, write a gradebook and feedback.

    from shipml.course.instructor.grade import grade
    rows = grade("week3/autograder", "submissions/", "grades.csv", jobs=2, timeout_s=120)

    shipml grade week3/autograder submissions/ --out grades.csv [--jobs 2] [--timeout 120] [--memory 4096]

`submissions/` holds one folder per student (named after the student, with the
notebooks under their assigned names, e.g. `ada/01-ml-engineering.ipynb`, and
any files they read) or one notebook per student (`ada.ipynb`, for a
one-chapter assignment). A notebook is found by its name, else as the only
notebook of the folder, else by the exercise ids in its code.

Each notebook runs in its own process (shipml/course/instructor/worker.py) on a
temporary copy of the student's folder, never on the submission itself, with a
time limit for the whole notebook, a memory limit (address space) and a cap on
the output kept. Then the public and hidden checks of each exercise run on the
learner's objects in the same kernel. Points: an exercise's points (from the
solution, 1 by default) times the share of its checks passed, to 2 decimals.

`grades.csv` has one row per student and exercise (student, exercise, points,
max_points, status, message), one row per notebook (exercise
`notebook:NN-slug`, no points) saying how it ran, and one per quiz (status
`ungraded`: quizzes are self-checked in the notebook, whose answers they show).
The notebook statuses: `ran`, `ran with errors`, `output truncated`,
`timeout`, `memory limit`, `kernel died`, `not json`, `not a notebook`,
`wrong chapter`, `missing`, `grader error`. Each status from `timeout` on is
fatal: every exercise of that notebook gets the same status and 0 points.
`feedback/<student>.md` (next to grades.csv) says per exercise what passed,
what failed with its hint, and shows no check's code.

What this protects, and what it does not (it is not a security sandbox):
the submission is never written to; a notebook that loops, allocates without
bound, exits, deletes its files or prints megabytes gets a status and the run
goes on; the kernel's folder is a fresh temporary copy holding only the
student's files, its environment carries no path of the autograder, and the
results come back through a pipe the kernel does not hold. Code that runs as
your user can still read any file your user can, /proc included, so a
determined student can find the autograder (or patch the kernel mid-grade
from a background thread): grade untrusted work in a container or a VM
without network, as nbgrader and otter advise too.
"""

from __future__ import annotations

import csv
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass
from pathlib import Path

from shipml.course import notebooks
from shipml.course.checks import SYMBOLS
from shipml.course.instructor.course import InstructorError

__all__ = ["FIELDS", "Row", "grade", "load_assignment", "add_arguments", "command"]

FIELDS = ("student", "exercise", "points", "max_points", "status", "message")
FATAL = ("timeout", "memory limit", "kernel died", "not json", "not a notebook", "wrong chapter", "missing",
         "grader error")
_MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024


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


def _environment(job_dir: Path, jobs: int) -> dict:
    threads = str(max(1, (os.cpu_count() or 1) // jobs))  # --jobs shares the cores
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHIPML_", "JPY_", "JUPYTER_"))}
    env.update(
        PYTHONHASHSEED="0",  # the same grades on every run
        MPLBACKEND="Agg",
        OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads,
        IPYTHONDIR=str(job_dir / "ipython"),
        JUPYTER_RUNTIME_DIR=str(job_dir / "runtime"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
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


def _run(path: Path, entry: Path, chapter: dict, limits: dict) -> dict:
    job_dir = Path(tempfile.mkdtemp(prefix="shipml-grade-"))
    try:
        work = job_dir / "work"
        if entry.is_dir():
            shutil.copytree(entry, work, ignore=_ignore_links)
            notebook = work / path.relative_to(entry)
        else:
            work.mkdir()
            notebook = work / (chapter["notebook"] if path.suffix == ".ipynb" else f"{chapter['stem']}.md")
            shutil.copy2(path, notebook)
        read_end, write_end = os.pipe()
        job = {
            "notebook": str(notebook), "workdir": str(notebook.parent), "result_fd": write_end,
            "exercises": [{k: e[k] for k in ("id", "target", "hidden_cells")} for e in chapter["exercises"]],
            **limits,
        }
        with open(job_dir / "worker.log", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "shipml.course.instructor.worker"], stdin=subprocess.PIPE, stdout=log,
                stderr=log, cwd=job_dir, env=_environment(job_dir, limits["jobs"]), pass_fds=(write_end,),
                start_new_session=True,
            )
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
                buffer += chunk
        for line in buffer.decode("utf-8", errors="replace").splitlines():
            try:
                message = json.loads(line)
            except ValueError:
                continue
            kernel_pid = message.get("kernel_pid", kernel_pid)
            result = message.get("result", result)
        if proc.poll() is None:
            try:
                proc.wait(timeout=max(1.0, min(10.0, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                pass
        if proc.poll() is None:
            _kill_group(proc.pid)
            proc.wait()
            if result is None:
                result = {"status": "timeout", "cell": None, "message": "the notebook and its grading ran past "
                          f"{limits['timeout_s'] + limits['grader_timeout_s'] + 60:g} s and were stopped"}
        _kill_group(kernel_pid)  # whatever the learner's code left running in the kernel's session
        if result is None:
            tail = (job_dir / "worker.log").read_text(errors="replace")[-300:].strip().splitlines()
            result = {"status": "grader error", "message": f"the grading process stopped (exit code "
                      f"{proc.returncode}){': ' + tail[-1] if tail else ''}"}
        return result
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)


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
        return ("The checks could not report back (did the notebook replace sys.stdout or stop the kernel?)"
                + (f": {result['message']}" if result.get("message") else "."))
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


def _feedback(student: str, manifest: dict, graded: list) -> str:
    lines = [f"# Feedback for {student}: {manifest['title']}", ""]
    total = sum(r.points for rows, _ in graded for r in rows if isinstance(r.points, (int, float)))
    top = sum(r.max_points for rows, _ in graded for r in rows if isinstance(r.max_points, (int, float)))
    lines += [f"**{total:g} of {top:g} points.**", ""]
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
    return "\n".join(lines)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "student"


def grade(autograder, submissions, out, *, jobs: int = 1, timeout_s: float = 120, memory_mb: float = 4096,
          max_output_mb: float = 10, grader_timeout_s: float = 120, feedback_dir=None) -> list[Row]:
    """Grade every submission; write `out` (CSV) and one feedback file per student; return the rows."""
    manifest = load_assignment(autograder)
    if jobs < 1 or timeout_s <= 0 or memory_mb <= 0:
        raise InstructorError("--jobs, --timeout and --memory must be positive")
    students = _students(Path(submissions))
    limits = {"jobs": jobs, "timeout_s": float(timeout_s), "memory_mb": float(memory_mb),
              "max_output_bytes": int(max_output_mb * 2**20), "grader_timeout_s": float(grader_timeout_s),
              "cpu_s": 4 * (timeout_s + grader_timeout_s) + 60}
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
        rows += [row for chapter_rows, _ in graded for row in chapter_rows]
        (feedback / f"{_safe(student)}.md").write_text(_feedback(student, manifest, graded), encoding="utf-8")
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        writer.writerows(astuple(r) for r in rows)
    return rows


def add_arguments(parser) -> None:
    parser.add_argument("autograder", type=Path, help="the autograder/ folder written by `shipml assign`")
    parser.add_argument("submissions", type=Path, help="one folder (or one notebook) per student")
    parser.add_argument("--out", required=True, type=Path, help="the gradebook to write (CSV)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded in parallel (default 1)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per notebook (default 120)")
    parser.add_argument("--memory", type=float, default=4096, help="MiB of address space per notebook (default 4096)")
    parser.add_argument("--feedback", type=Path, help="folder for feedback files (default: feedback/ next to --out)")


def command(args) -> int:
    try:
        rows = grade(args.autograder, args.submissions, args.out, jobs=args.jobs, timeout_s=args.timeout,
                     memory_mb=args.memory, feedback_dir=args.feedback)
    except InstructorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    students = sorted({r.student for r in rows})
    print(f"graded {len(students)} submission(s): wrote {args.out} and "
          f"{args.feedback or args.out.parent / 'feedback'}/")
    return 0
