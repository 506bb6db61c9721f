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
Nothing changed: the stored outputs are loaded and no work is done. A changed
parameter changes the key of its stage, which changes that stage's outputs and
so the keys of the stages that read them; stages upstream keep their keys.
Outputs are Parquet files; each stage's lineage (`shipml.workflows.lineage`'s
one record, with the stage's code hash as its code version) is a JSON file
next to them.
"""

from __future__ import annotations

import inspect
import json
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from shipml.workflows.lineage import content_hash, digest, record_lineage

__all__ = ["Pipeline", "Run", "Stage", "stage"]


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
    def code_hash(self) -> str:
        """A hash of the function's source (and `version`, to bump when a helper it calls changes)."""
        try:
            source = textwrap.dedent(inspect.getsource(self.fn))
        except (OSError, TypeError):
            source = self.fn.__code__.co_code.hex()
        return digest(source.encode(), self.version.encode())

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


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
                raise ValueError(f"stage {s.name} produces {sorted(clash)[0]!r}, which an earlier stage produces.")
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
            key = digest(s.name.encode(), s.code_hash.encode(), json.dumps(used, sort_keys=True, default=str).encode(),
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
                    s.name, inputs=inputs, params=used, code=s.code_hash,
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
                raise ValueError(f"stage {s.name}: output {name!r} should be a pandas DataFrame, "
                                 f"not {type(table).__name__}.")
        return dict(zip(s.outputs, produced))
