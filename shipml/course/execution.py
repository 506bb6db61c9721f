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

When is a notebook executed again? jupyter-cache keys a notebook on its own
code only, so `execute_course` adds the library: a notebook runs again when
its code changed, when it has no check log, or when the hash of the `shipml`
code it uses changed (`library_dependencies`): the modules its code cells
import or name in a string (a server's app, `-m shipml.workflows.train`),
those the book's kernels import (`FIGURES_HOOK`), the modules all of those
import, transitively (`shipml.workflows.pipeline.module_sources`, the rule
cached pipeline stages follow), and the data files (`prices.csv`,
`questions.yaml`, ...) in those modules' folders. A cell that does not parse
makes the notebook depend on the whole package. The hash each notebook was
executed with is kept beside the cache, in `shipml-deps.json`; an edit that is
reverted, or one to a module no notebook uses, executes nothing.

A notebook executed into the book's own cache also has its saved page state
(`_build/.doctrees/<page>.doctree`) removed, so the next build reads the page
again with the new outputs: its source did not change, and Sphinx re-reads
only pages whose source, dependencies or saved state changed. The source is
left alone (touching it would change a file the author owns). A notebook
that fails loses its cache record too, so no build shows the outputs it had
with the old library.
"""

from __future__ import annotations

import ast
import functools
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
DOCTREES = Path("_build") / ".doctrees"          # Sphinx's saved state of each page (Jupyter Book's place)
DEPENDENCIES = "shipml-deps.json"                # in the cache folder: the library hash each notebook ran with
TIMEOUT_S = 60  # per cell, as the book's `execute.timeout`
# CONTRIBUTING.md's budgets, on 2 CPU cores: one notebook (unless its front matter's
# `shipml.runtime_budget_s` says less), and every notebook of the course together
NOTEBOOK_BUDGET_S = 60
COURSE_BUDGET_S = 600  # 14 chapters of three notebooks: about 45 s a chapter on average
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


def _package_modules(package: str, folder: Path) -> set[str]:
    """Every module in a package's folder and its subfolders, by name."""
    names = set()
    for file in folder.rglob("*.py"):
        parts = file.relative_to(folder).with_suffix("").parts
        names.add(".".join((package, *(parts[:-1] if parts[-1] == "__init__" else parts))))
    return names


def _every_module() -> set[str]:
    """Every module of the tracked packages (for a notebook whose code cannot be read)."""
    from shipml.workflows.pipeline import CODE_PACKAGES, _module_file

    return set().union(*(_package_modules(p, _module_file(p).parent) for p in CODE_PACKAGES if _module_file(p)))


RUN_TIME_IMPORTS = {"import_module", "__import__", "iter_modules", "walk_packages"}


@functools.lru_cache(maxsize=1024)
def _imports_at_run_time(source: str) -> bool:
    """Does the source import modules it finds at run time (a call above whose argument is not a literal name)?"""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            literal = node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
            if called in RUN_TIME_IMPORTS and not literal:
                return True
    return False


def _imported_at_run_time(name: str, source: str) -> set[str]:
    """Every module of `name`'s package if its source imports modules it finds at run time, else nothing.

    `shipml.course.checks` imports each module of its folder (`pkgutil.iter_modules`); an `import_module` of a
    computed name could import any of them too. A literal name is not at run time: `source_modules` reads it.
    """
    from shipml.workflows.pipeline import _module_file

    if not _imports_at_run_time(source):
        return set()
    path = _module_file(name)
    return _package_modules(name if path.name == "__init__.py" else name.rpartition(".")[0], path.parent)


def library_modules(names) -> dict[str, str]:
    """{module: source} of the `shipml` code that importing `names` runs: the modules they import or name in a
    string, transitively, and every module of a package that finds its modules at run time."""
    from shipml.workflows.pipeline import module_sources

    sources = module_sources(names, named=True)
    while extra := set().union(*(_imported_at_run_time(n, text) for n, text in sources.items())) - set(sources):
        sources = module_sources(set(sources) | extra, named=True)
    return sources


def library_dependencies(path, notebook=None) -> dict:
    """The `shipml` code the notebook at `path` runs: {"library": hash, "modules": [names], "data": [files]}.

    `notebook`: the notebook as `read_notebook` gives it, if already read.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    from shipml.workflows.lineage import digest
    from shipml.workflows.pipeline import _module_file, source_modules

    notebook = notebook if notebook is not None else read_notebook(path)
    transform = TransformerManager().transform_cell  # IPython's syntax (%magic, !cmd) as the Python it runs
    names = source_modules(FIGURES_HOOK, named=True)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            names |= source_modules(transform(cell.source), "__notebook__", named=True)
        except SyntaxError:  # a cell that does not parse: it may import anything
            names |= _every_module()
    sources = library_modules(names)
    folders = sorted({_module_file(name).parent for name in sources})
    data = sorted(file for folder in folders for file in folder.iterdir()
                  if file.is_file() and file.suffix not in (".py", ".pyc") and not file.name.startswith("."))
    parts = [part for name, text in sources.items() for part in (name.encode(), text.encode())]
    parts += [part for file in data for part in (file.name.encode(), file.read_bytes())]
    return {"library": digest(*parts), "modules": list(sources), "data": [f"{f.parent.name}/{f.name}" for f in data]}


def _read_dependencies(file: Path) -> dict:
    try:
        known = json.loads(file.read_text())
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def _write_dependencies(file: Path, known: dict) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_suffix(".partial")
    partial.write_text(json.dumps(dict(sorted(known.items())), indent=1))
    partial.replace(file)  # whole or not at all, even if the run is stopped


def _page(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


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
    and `_build/execution.json`. A notebook whose `shipml` code changed since
    it was cached runs again (the module docstring says how that is decided).
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    root = Path(root).resolve()
    paths = [Path(p).resolve() for p in (paths if paths is not None else course_notebooks(root))]
    cache_folder = Path(cache_dir).resolve() if cache_dir else root / CACHE_DIR
    books_cache = cache_folder == (root / CACHE_DIR).resolve()  # the cache the book's pages are read from
    cache = get_cache(str(cache_folder))
    logs = root / CHECK_LOG_DIR
    logs.mkdir(parents=True, exist_ok=True)
    deps_file = cache_folder / DEPENDENCIES
    known = _read_dependencies(deps_file)

    results: dict[Path, Execution] = {}
    todo, library = [], {}
    for path in paths:
        notebook = read_notebook(path)
        library[path] = library_dependencies(path, notebook)  # before it runs: an edit meanwhile runs it again
        try:
            record = cache.match_cache_notebook(notebook)
        except KeyError:
            record = None
        same_library = (known.get(_page(root, path)) or {}).get("library") == library[path]["library"]
        if record is not None and same_library and check_log(root, path).exists():
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
            known[_page(root, path)] = library[path]
        else:
            known.pop(_page(root, path), None)
            try:  # the outputs it had with the code it ran before: no page may show them now
                cache.remove_cache(cache.match_cache_notebook(read_notebook(path)).pk)
            except KeyError:
                pass
        _write_dependencies(deps_file, known)
        if books_cache and path.is_relative_to(root):  # the page is read again, with what the cache now holds
            (root / DOCTREES / path.relative_to(root)).with_suffix(".doctree").unlink(missing_ok=True)
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
