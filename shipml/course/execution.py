"""Run the course's MyST notebooks: one at a time, or all of them once, in parallel, into the book's cache.

    from shipml.course.execution import execute, execute_course
    run = execute("exercises/01-ml-engineering.md")
    run.seconds, run.error          # wall time; None or the first failing cell's error

    runs = execute_course(".", jobs=2)   # every notebook of the ToC that the cache does not hold yet
    [r.status for r in runs]             # "executed", "cached" or "failed"

`execute_course` is what `make test` and `make book` run first (`shipml
execute`): each notebook is executed once, by the same reader and client as
the book's own execution (myst-nb and jupyter-cache), and stored in the book's
cache, so the build that follows only reads the cache and executes nothing.
While a notebook runs, every check it calls is logged to
`_build/checks/<folder>--<stem>.jsonl` (SHIPML_CHECK_LOG), which the two-way
exercise validation reads instead of running the notebooks again; the seconds
of each run, the kernel's start-up and the first cell (the imports and set-up) go to
`_build/execution.json`.

A notebook whose front matter says `shipml: {runs_alone: true}` (one that
asserts timing ratios) runs while no other notebook runs. The kernel starts in
the notebook's own folder, as in Jupyter and in the book build.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from shipml.course.static import BOOK_BUILD_ENV

CACHE_DIR = Path("_build") / ".jupyter_cache"   # the book's cache (Jupyter Book's default place)
CHECK_LOG_DIR = Path("_build") / "checks"
REPORT = Path("_build") / "execution.json"
TIMEOUT_S = 60  # per cell, as the book's `execute.timeout`
FIGURES_HOOK = "from shipml.course.figures import describe_figures; describe_figures()"



@dataclass
class Execution:
    """The outcome of executing one notebook."""

    path: Path
    seconds: float
    error: str | None = None
    notebook: object = field(default=None, repr=False)
    status: str = "executed"          # "executed", "cached" or "failed"
    kernel_start_s: float | None = None   # from the start to the first cell's execution
    first_cell_s: float | None = None     # the first code cell: a page's imports and set-up

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self, root: Path | None = None) -> dict:
        data = {k: v for k, v in asdict(self).items() if k != "notebook"}
        data["path"] = str(self.path.relative_to(root) if root else self.path)
        return data


def read_notebook(path):
    """The notebook as the book reads it (myst-nb's reader), so that its cache key is the book's."""
    from myst_nb.core.read import read_myst_markdown_notebook

    path = Path(path)
    return read_myst_markdown_notebook(path.read_text(encoding="utf-8"), add_source_map=True, path=str(path))


def _timings(notebook, started_at: float) -> tuple[float | None, float | None]:
    """Kernel start-up and first code cell seconds, from nbclient's per-cell timestamps."""
    for cell in notebook.cells:
        timing = cell.get("metadata", {}).get("execution") if cell.cell_type == "code" else None
        if not timing:
            continue
        try:
            begin = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00")).timestamp()
            end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00")).timestamp()
        except (KeyError, ValueError):
            return None, None
        return max(begin - started_at, 0.0), max(end - begin, 0.0)
    return None, None


def _strip_timings(notebook) -> None:
    for cell in notebook.cells:
        cell.get("metadata", {}).pop("execution", None)


def _run(path: str, timeout_s: float, env: dict[str, str]) -> tuple[dict | None, float, str | None, tuple]:
    """Worker: execute one notebook in its folder; (executed notebook as a dict, seconds, error, timings)."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    from shipml.course.kernel import ipc_kernels

    os.environ.update(env)  # the kernel inherits this (worker) process's environment
    # the book's kernels describe each figure they show, for its alt text (shipml.course.figures)
    describe = [f"--IPKernelApp.exec_lines={FIGURES_HOOK}"] if env.get(BOOK_BUILD_ENV) else []
    notebook = read_notebook(path)
    started_at = time.time()
    start = time.perf_counter()
    try:
        with ipc_kernels() as config:
            result = single_nb_execution(notebook, cwd=str(Path(path).parent), timeout=timeout_s, allow_errors=False,
                                         meta_override=True, record_timing=True, config=config,
                                         extra_arguments=describe)
        error = None if result.err is None else _describe(result.err)
    except Exception as exc:  # a dead kernel, a kernel that cannot start: said as a sentence, not raised
        error = _describe(exc)
    seconds = time.perf_counter() - start
    timings = _timings(notebook, started_at)
    _strip_timings(notebook)  # the cache keys a notebook on its cells' metadata too
    return (nbformat.from_dict(notebook) if error is None else None), seconds, error, timings


def _describe(exc: BaseException) -> str:
    name = getattr(exc, "ename", None) or type(exc).__name__
    value = getattr(exc, "evalue", None)
    if value is None:
        text = str(exc).strip().splitlines()
        value = text[-1] if text else ""
    return f"{name}: {value}" if value else name


def execute(path, *, timeout_s: float = TIMEOUT_S, env: dict[str, str] | None = None) -> Execution:
    """Execute the notebook at `path` in this process's child kernel; a failing cell is reported, not raised."""
    saved = dict(os.environ)
    try:
        notebook, seconds, error, (kernel_s, first_s) = _run(str(path), timeout_s, env or {})
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return Execution(Path(path), seconds, error, notebook, "failed" if error else "executed", kernel_s, first_s)


def course_notebooks(root=".") -> list[Path]:
    """Every notebook the book executes: the ToC's files that are notebooks (a `kernelspec` in the front matter)."""
    from shipml.course.notebooks import toc_paths

    return [p for p in toc_paths(root) if "kernelspec:" in p.read_text(encoding="utf-8")[:2000]]


def _runs_alone(path: Path) -> bool:
    from shipml.course.notebooks import front_matter

    try:
        return bool(front_matter(path).get("runs_alone", False))
    except Exception:  # a page without the course's front matter
        return False


def _log_name(root: Path, path: Path) -> str:
    return "--".join(path.resolve().relative_to(root).with_suffix("").parts) + ".jsonl"


def check_log(root, path) -> Path:
    """Where the checks called by the notebook at `path` were logged by its last execution."""
    root = Path(root).resolve()
    return root / CHECK_LOG_DIR / _log_name(root, Path(path) if Path(path).is_absolute() else root / path)


def execute_course(root=".", paths=None, *, jobs: int = 2, timeout_s: float = TIMEOUT_S, progress: bool = True,
                   cache_dir=None) -> list[Execution]:
    """Execute each notebook that the book's cache does not hold, at most `jobs` at a time; cache the results.

    Returns one Execution per notebook, in the order given: "cached" (nothing
    run), "executed" or "failed" (with the error). Also writes the check logs
    and `_build/execution.json`.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    root = Path(root).resolve()
    paths = [Path(p).resolve() for p in (paths if paths is not None else course_notebooks(root))]
    cache = get_cache(str(Path(cache_dir) if cache_dir else root / CACHE_DIR))
    logs = root / CHECK_LOG_DIR
    logs.mkdir(parents=True, exist_ok=True)

    results: dict[Path, Execution] = {}
    todo = []
    for path in paths:
        try:
            record = cache.match_cache_notebook(read_notebook(path))
        except KeyError:
            record = None
        if record is not None and check_log(root, path).exists():
            seconds = float(record.data.get("execution_seconds") or 0.0)
            results[path] = Execution(path, seconds, status="cached")
        else:
            todo.append(path)

    alone = [p for p in todo if _runs_alone(p)]
    together = sorted((p for p in todo if p not in alone), key=lambda p: -p.stat().st_size)  # long ones first

    def submit(pool, path):
        log = check_log(root, path)
        log.unlink(missing_ok=True)
        log.touch()  # exists once the notebook ran with logging on, even if it calls no check
        # the book's pages: explorers also draw the states of their static rendering (shipml.course.static)
        return pool.submit(_run, str(path), timeout_s, {"SHIPML_CHECK_LOG": str(log), BOOK_BUILD_ENV: "1"})

    def collect(path, future, bar):
        notebook, seconds, error, (kernel_s, first_s) = future.result()
        status = "failed" if error else "executed"
        results[path] = Execution(path, seconds, error, notebook, status, kernel_s, first_s)
        if notebook is not None:
            cache.cache_notebook_bundle(CacheBundleIn(notebook, str(path), data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
        if bar is not None:
            bar.set_postfix_str(f"{path.name} {seconds:.1f} s{' FAILED' if error else ''}")
            bar.update(1)

    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc=f"executing notebooks ({jobs} at a time)", unit="nb")
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            for path in alone:  # timing claims are measured on a quiet machine
                collect(path, submit(pool, path), bar)
        if together:
            with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(together)))) as pool:
                futures = [(path, submit(pool, path)) for path in together]
                for path, future in futures:
                    collect(path, future, bar)
    finally:
        if bar is not None:
            bar.close()

    ordered = [results[p] for p in paths]
    _write_report(root, ordered, jobs)
    return ordered


def _write_report(root: Path, runs: list[Execution], jobs: int) -> None:
    report = root / REPORT
    previous = {}
    if report.exists():
        try:
            previous = {r["path"]: r for r in json.loads(report.read_text())["notebooks"]}
        except (ValueError, KeyError, TypeError):
            previous = {}
    rows = []
    for run in runs:
        row = run.to_dict(root)
        if run.status == "cached" and row["path"] in previous:  # keep the figures of the run the cache holds
            row = {**previous[row["path"]], "status": "cached"}
        rows.append(row)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({"written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                  "jobs": jobs, "notebooks": rows}, indent=1))
