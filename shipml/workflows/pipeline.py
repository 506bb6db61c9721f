"""A repeatable pipeline: stages as plain functions, cached by content hash, with a lineage record.

    from shipml.workflows.pipeline import Pipeline, stage

    @stage(outputs=["clean", "quarantine"])
    def ingest(batch_folder):                         # inputs: the function's parameters
        ...                                           # returns DataFrames, one per output

    @stage(outputs=["features"])
    def featurize(clean, *, window="24h"):            # keyword-only parameters are the stage's params
        ...

    pipeline = Pipeline([ingest, featurize], cache_folder)
    run = pipeline.run({"batch_folder": folder}, params={"window": "12h"})
    run.outputs["features"], run.ran, run.reused       # which stages did work, which were cached
    run.lineage["featurize"]                           # a LineageRecord's dict: input hashes, params, outputs

A stage's cache key is a hash of its code, its parameters and the content of
its inputs (a file or folder is hashed by its bytes, a table by its values).
"Its code" is the function's source, the sources of the functions of its own
notebook or module that it calls, the source files of every `shipml` module it
uses and of the `shipml` modules those import (transitively), and the versions
of Python and the `KEY_LIBRARIES`. Not covered: the source of other packages
(only the versions listed count), data the code reads that is not an input
(an environment variable, a file opened by name, the clock), and the machine
(CPU, BLAS threads); `stage(version=...)` is the handle for those.
Nothing changed: the stored outputs are loaded and no work is done. A changed
parameter changes the key of its stage, which changes that stage's outputs and
so the keys of the stages that read them; stages upstream keep their keys.
Outputs are Parquet files; each stage's lineage (`shipml.workflows.lineage`'s
one record, with the stage's code hash as its code version) is a JSON file
next to them.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import json
import platform
import re
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from shipml.workflows.lineage import (
    content_hash,
    digest,
    library_versions,
    record_lineage,
)

__all__ = ["CODE_PACKAGES", "KEY_LIBRARIES", "Pipeline", "Run", "Stage", "code_modules", "environment",
           "module_sources", "source_modules", "stage"]


@dataclass(frozen=True)
class Stage:
    """A plain function with declared inputs (positional parameters), params (keyword-only) and outputs."""

    fn: object
    outputs: tuple[str, ...]
    version: str = ""

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def inputs(self) -> tuple[str, ...]:
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        return tuple(p.name for p in inspect.signature(self.fn).parameters.values() if p.kind in kinds)

    @property
    def params(self) -> dict:
        return {p.name: p.default for p in inspect.signature(self.fn).parameters.values()
                if p.kind is inspect.Parameter.KEYWORD_ONLY}

    @property
    def code(self) -> dict:
        """What the stage's code is made of: its source, the sources it calls, the library versions."""
        helpers = _dependencies(self.fn)[0]
        source = "\n".join([_source(self.fn), *sorted(_source(h) for h in helpers)])
        return {"source": source, "modules": code_modules(self.fn), "libraries": environment(),
                "version": self.version}

    @property
    def code_hash(self) -> str:
        """A hash of `code`: the function, the functions of its notebook or module it calls, the source files
        of the `CODE_PACKAGES` modules it uses (transitively), the library versions, and `version`."""
        code = self.code
        modules = [part for name, text in code["modules"].items() for part in (name.encode(), text.encode())]
        return digest(code["source"].encode(), *modules, json.dumps(code["libraries"], sort_keys=True).encode(),
                      self.version.encode())

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


# Packages whose source counts as the stage's code: a change to a module of these that a stage uses
# re-runs the stage. Other packages count by their version (`KEY_LIBRARIES`), not their source.
CODE_PACKAGES = ("shipml",)
# The libraries whose versions are in every stage's key (and the Python version).
KEY_LIBRARIES = ("numpy", "pandas", "pandera", "pyarrow", "scikit-learn")


def environment() -> dict:
    """{"python": its version, library: version} for the `KEY_LIBRARIES` that are installed."""
    return {"python": platform.python_version(), **library_versions(KEY_LIBRARIES)}


def _source(fn) -> str:
    try:
        return textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return fn.__code__.co_code.hex()


def _tracked(module_name) -> bool:
    return isinstance(module_name, str) and any(
        module_name == p or module_name.startswith(p + ".") for p in CODE_PACKAGES)


def _names(code) -> set:
    """Global names a code object (and the functions and comprehensions nested in it) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _names(const)
    return names


def source_modules(source: str, name: str = "__main__", *, named: bool = False) -> set:
    """The tracked modules a module's (or a notebook cell's) source imports, at the top or inside a function.

    `named`: also the modules its strings name, e.g. "shipml.serving.app:app_from_env" or
    "-m shipml.workflows.train" (a process it starts runs them), but not its docstrings' words.
    """
    names = set(_imported_names(name, source)) | (_named_in_strings(source, CODE_PACKAGES) if named else set())
    return {m for m in names if _tracked(m) and _module_file(m) is not None}


@functools.lru_cache(maxsize=1024)
def _named_in_strings(source: str, packages: tuple) -> frozenset:
    """Every prefix of each dotted name in `packages` (or `pkg/a/b.py` path) in the source's string constants."""
    packages = "|".join(re.escape(p) for p in packages)
    dotted = re.compile(rf"(?<![\w.])(?:{packages})(?:\.[A-Za-z_]\w*)*")
    path = re.compile(rf"(?<![\w.])((?:{packages})(?:/[A-Za-z_]\w*)+)\.py\b")
    nodes = list(ast.walk(ast.parse(source)))
    docstrings = {id(node.value) for node in nodes if isinstance(node, ast.Expr)}  # and other bare strings
    found = set()
    for node in nodes:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            names = dotted.findall(node.value) + [p.replace("/", ".") for p in path.findall(node.value)]
            for full in names:
                parts = full.split(".")
                found |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return frozenset(found)


@functools.lru_cache(maxsize=1024)
def _imported_names(name: str, source: str) -> frozenset:
    """Every name a module's source imports (and `package.name` for `from package import name`)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # a relative import: from . import x, from .y import z
                package = name if _is_package(name) else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from pkg import module`
    return frozenset(found)


def _is_package(name: str) -> bool:
    path = _module_file(name)
    return path is not None and path.name == "__init__.py"


def _module_file(name: str):
    """The source file of module `name` (a package's `__init__.py`), or None; found without importing anything."""
    loaded = getattr(sys.modules.get(name), "__file__", None)
    if loaded:
        return Path(loaded) if loaded.endswith(".py") else None
    top, _, rest = name.partition(".")
    try:
        spec = importlib.util.find_spec(top)  # a top-level name is found, not imported (a submodule's parent would be)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if not rest:
        return Path(spec.origin) if spec.origin and spec.origin.endswith(".py") else None
    *packages, last = rest.split(".")
    folders = [Path(folder) for folder in (spec.submodule_search_locations or ())]
    for part in packages:
        folders = [folder / part for folder in folders if (folder / part).is_dir()]
    for folder in folders:  # a package before a module of the same name, as Python's path finder does
        for candidate in (folder / last / "__init__.py", folder / f"{last}.py"):
            if candidate.is_file():
                return candidate
    return None


def _contents(cell):
    try:
        return cell.cell_contents
    except ValueError:  # a cell not filled yet
        return None


def _dependencies(fn) -> tuple[list, set]:
    """The functions of fn's own notebook or module that it calls (transitively), and the tracked modules used."""
    helpers, modules, seen = [], set(), set()
    stack = [fn]
    while stack:
        f = stack.pop()
        if id(f) in seen or not hasattr(f, "__code__"):
            continue
        seen.add(id(f))
        if f is not fn:
            helpers.append(f)
        closure = {name: _contents(cell) for name, cell in zip(f.__code__.co_freevars, f.__closure__ or ())}
        for name in sorted(_names(f.__code__) | set(closure)):
            value = closure[name] if name in closure else f.__globals__.get(name)
            if isinstance(value, Stage):
                value = value.fn
            module = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", None)
            if _tracked(module):
                modules.add(module)
            elif inspect.isfunction(value) and module == fn.__module__:
                stack.append(value)  # a helper defined next to the stage, in the notebook
    return helpers, modules


def code_modules(fn) -> dict[str, str]:
    """{module: source} of the `CODE_PACKAGES` modules that `fn` uses, and the modules they import, transitively."""
    return module_sources(_dependencies(fn)[1])


def module_sources(names, *, named: bool = False) -> dict[str, str]:
    """{module: source} of the modules `names` and those they import, transitively (a package's parents too).

    `named`: also follow the modules their strings name (`source_modules`).
    """
    todo = sorted(name for name in names if _tracked(name))
    sources = {}
    while todo:
        name = todo.pop()
        if name in sources:
            continue
        path = _module_file(name)
        if path is None:
            continue
        sources[name] = path.read_text()
        todo.extend(sorted(source_modules(sources[name], name, named=named) - set(sources)))
        parent = name.rpartition(".")[0]
        if parent:
            todo.append(parent)  # importing a.b runs a/__init__.py first
    return dict(sorted(sources.items()))


def stage(outputs, version: str = ""):
    """Declare a function as a stage producing the named outputs (DataFrames)."""
    outputs = (outputs,) if isinstance(outputs, str) else tuple(outputs)

    def wrap(fn):
        return Stage(fn, outputs, version)

    return wrap


@dataclass
class Run:
    """What one pipeline run did."""

    outputs: dict = field(default_factory=dict)
    ran: list = field(default_factory=list)
    reused: list = field(default_factory=list)
    lineage: dict = field(default_factory=dict)
    seconds: float = 0.0


class Pipeline:
    """Stages in order; each input is a source given to `run` or an output of an earlier stage."""

    def __init__(self, stages, cache_folder):
        self.stages = list(stages)
        self.cache_folder = Path(cache_folder)
        produced = set()
        for s in self.stages:
            if not isinstance(s, Stage):
                raise TypeError(f"{s!r} is not a stage: decorate it with @stage(outputs=[...]).")
            clash = produced & set(s.outputs)
            if clash:
                raise ValueError(f"stage {s.name} produces {min(clash)!r}, which an earlier stage produces.")
            produced |= set(s.outputs)

    def run(self, sources: dict, params: dict | None = None) -> Run:
        """Run every stage whose key is not in the cache; load the others' outputs."""
        started = time.perf_counter()
        params = dict(params or {})
        known = {name for s in self.stages for name in s.params}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(f"no stage has a parameter {unknown[0]!r}; "
                             f"the parameters are: {', '.join(sorted(known)) or 'none'}.")
        values = dict(sources)
        hashes = {name: content_hash(Path(v) if isinstance(v, str) else v) for name, v in sources.items()}
        result = Run()
        for s in self.stages:
            missing = [name for name in s.inputs if name not in values]
            if missing:
                raise ValueError(f"stage {s.name} needs the input {missing[0]!r}, which no source or earlier "
                                 "stage provides.")
            used = {k: params.get(k, default) for k, default in s.params.items()}
            inputs = {name: hashes[name] for name in s.inputs}
            code_hash = s.code_hash
            key = digest(s.name.encode(), code_hash.encode(), json.dumps(used, sort_keys=True, default=str).encode(),
                       json.dumps(inputs, sort_keys=True).encode())
            folder = self.cache_folder / f"{s.name}-{key}"
            record_path = folder / "lineage.json"
            if record_path.exists():
                record = json.loads(record_path.read_text())
                outputs = {name: pd.read_parquet(folder / f"{name}.parquet") for name in s.outputs}
                result.reused.append(s.name)
            else:
                t0 = time.perf_counter()
                produced = s.fn(*(values[name] for name in s.inputs), **used)
                outputs = self._as_outputs(s, produced)
                folder.mkdir(parents=True, exist_ok=True)
                for name, table in outputs.items():
                    table.to_parquet(folder / f"{name}.parquet")
                record = record_lineage(
                    s.name, inputs=inputs, params=used, code=code_hash,
                    outputs={name: {"hash": content_hash(t), "rows": len(t), "columns": list(map(str, t.columns)),
                                    "file": f"{folder.name}/{name}.parquet"} for name, t in outputs.items()},
                    metrics={"seconds": round(time.perf_counter() - t0, 3)}).to_dict()
                record_path.write_text(json.dumps(record, indent=2, default=str))
                result.ran.append(s.name)
            for name, table in outputs.items():
                values[name] = table
                hashes[name] = record["outputs"][name]["hash"]
            result.outputs.update(outputs)
            result.lineage[s.name] = record
        result.seconds = time.perf_counter() - started
        return result

    @staticmethod
    def _as_outputs(s: Stage, produced) -> dict:
        if isinstance(produced, pd.DataFrame):
            produced = (produced,)
        if isinstance(produced, dict):
            produced = tuple(produced[name] for name in s.outputs)
        if not isinstance(produced, tuple) or len(produced) != len(s.outputs):
            raise ValueError(f"stage {s.name} should return {len(s.outputs)} table(s) ({', '.join(s.outputs)}).")
        for name, table in zip(s.outputs, produced):
            if not isinstance(table, pd.DataFrame):
                raise TypeError(f"stage {s.name}: output {name!r} should be a pandas DataFrame, "
                                f"not {type(table).__name__}.")
        return dict(zip(s.outputs, produced))
