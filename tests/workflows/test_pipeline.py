"""The pipeline: content-hash cache, only dependants re-run, lineage records, plain-sentence errors."""

import json
import sys

import pandas as pd
import pytest

from shipml.workflows.lineage import LineageRecord, content_hash
from shipml.workflows import pipeline as pipeline_module
from shipml.workflows.pipeline import Pipeline, code_modules, stage

CALLS = []


@stage(outputs=["doubled"])
def double(numbers):
    CALLS.append("double")
    return pd.read_csv(numbers).assign(x=lambda d: d.x * 2)


@stage(outputs=["shifted", "summary"])
def shift(doubled, *, by=1):
    CALLS.append("shift")
    out = doubled.assign(x=doubled.x + by)
    return out, pd.DataFrame({"total": [out.x.sum()]})


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_text("x\n1\n2\n3\n")
    return path


def test_does_a_rerun_with_nothing_changed_do_no_work(source, tmp_path):
    pipeline = Pipeline([double, shift], tmp_path / "cache")
    CALLS.clear()
    first = pipeline.run({"numbers": source})
    second = pipeline.run({"numbers": source})
    assert CALLS == ["double", "shift"] and second.ran == [] and second.reused == ["double", "shift"]
    assert second.outputs["summary"].total.tolist() == [15]
    assert first.outputs["shifted"].equals(second.outputs["shifted"])


def test_does_a_changed_parameter_rerun_only_its_stage(source, tmp_path):
    pipeline = Pipeline([double, shift], tmp_path / "cache")
    pipeline.run({"numbers": source})
    run = pipeline.run({"numbers": source}, params={"by": 10})
    assert run.ran == ["shift"] and run.reused == ["double"]
    assert run.outputs["summary"].total.tolist() == [42]


def test_does_a_changed_input_rerun_everything(source, tmp_path):
    pipeline = Pipeline([double, shift], tmp_path / "cache")
    pipeline.run({"numbers": source})
    source.write_text("x\n1\n2\n4\n")
    assert pipeline.run({"numbers": source}).ran == ["double", "shift"]


def test_does_the_lineage_chain_hashes_params_and_rows(source, tmp_path):
    run = Pipeline([double, shift], tmp_path / "cache").run({"numbers": source}, params={"by": 2})
    record = run.lineage["shift"]
    assert record["params"] == {"by": 2}
    assert record["inputs"]["doubled"] == run.lineage["double"]["outputs"]["doubled"]["hash"]
    assert run.lineage["double"]["inputs"]["numbers"] == content_hash(source)
    assert record["outputs"]["shifted"]["rows"] == 3
    assert record["made"] == "shift" and record["code_version"] == shift.code_hash
    [stored_path] = (tmp_path / "cache").glob("shift-*/lineage.json")
    stored = json.loads(stored_path.read_text())
    assert stored == record and LineageRecord.from_dict(stored).to_dict() == record


def test_is_the_content_hash_about_content():
    a = pd.DataFrame({"x": [1, 2]})
    assert content_hash(a) == content_hash(a.copy()) != content_hash(a.assign(x=[1, 3]))
    assert content_hash({"b": 1, "a": 2}) == content_hash({"a": 2, "b": 1})


def test_are_mistakes_explained_in_a_sentence(source, tmp_path):
    pipeline = Pipeline([double, shift], tmp_path / "cache")
    with pytest.raises(ValueError, match="no stage has a parameter 'bye'"):
        pipeline.run({"numbers": source}, params={"bye": 1})
    with pytest.raises(ValueError, match="needs the input 'numbers'"):
        pipeline.run({})
    with pytest.raises(TypeError, match="not a stage"):
        Pipeline([lambda x: x], tmp_path)

    @stage(outputs=["a", "b"])
    def broken(numbers):
        return pd.DataFrame()

    with pytest.raises(ValueError, match="should return 2 table"):
        Pipeline([broken], tmp_path / "c2").run({"numbers": source})

    @stage(outputs=["table"])
    def not_a_table(numbers):
        return {"table": [1, 2]}

    with pytest.raises(TypeError, match="output 'table' should be a pandas DataFrame, not list"):
        Pipeline([not_a_table], tmp_path / "c3").run({"numbers": source})

    @stage(outputs=["b", "a"])
    def first(numbers):
        return numbers, numbers

    @stage(outputs=["a", "b"])
    def again(b):
        return b, b

    with pytest.raises(ValueError, match="stage again produces 'a', which an earlier stage produces"):
        Pipeline([first, again], tmp_path / "c4")


@pytest.fixture
def helper_package(tmp_path, monkeypatch):
    """A package `fakehelpers` whose source counts as stage code, as shipml's does, with a module `steps`."""
    root = tmp_path / "pkgs"
    (root / "fakehelpers").mkdir(parents=True)
    (root / "fakehelpers" / "__init__.py").write_text("")
    (root / "fakehelpers" / "steps.py").write_text("from fakehelpers import rules\n\n"
                                                  "def triple(df):\n    return df.assign(x=df.x * rules.K)\n")
    (root / "fakehelpers" / "rules.py").write_text("K = 3\n")
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setattr(pipeline_module, "CODE_PACKAGES", ("shipml", "fakehelpers"))
    import fakehelpers.steps  # noqa: F401  (imported so that the pipeline sees a module outside shipml)

    yield root / "fakehelpers"
    for name in ("fakehelpers", "fakehelpers.steps", "fakehelpers.rules"):
        sys.modules.pop(name, None)


def _triple_stage():
    from fakehelpers.steps import triple

    @stage(outputs=["tripled"])
    def tripled(numbers):
        return triple(pd.read_csv(numbers))
    return tripled


def test_does_changing_a_called_helper_rerun_the_stage(source, tmp_path, helper_package):
    pipeline = Pipeline([_triple_stage()], tmp_path / "cache")
    assert pipeline.run({"numbers": source}).ran == ["tripled"]
    assert pipeline.run({"numbers": source}).ran == []
    steps = helper_package / "steps.py"
    steps.write_text(steps.read_text().replace("df.x * rules.K", "df.x * rules.K + 0"))
    assert pipeline.run({"numbers": source}).ran == ["tripled"]


def test_does_changing_a_module_the_helper_imports_rerun_the_stage(source, tmp_path, helper_package):
    pipeline = Pipeline([_triple_stage()], tmp_path / "cache")
    pipeline.run({"numbers": source})
    (helper_package / "rules.py").write_text("K = 4\n")  # not called by the stage: imported by its helper
    assert pipeline.run({"numbers": source}).ran == ["tripled"]


def test_does_a_helper_in_the_stages_own_module_count_as_its_code(monkeypatch):
    before = shift.code_hash
    monkeypatch.setattr(sys.modules[__name__], "_offset", lambda: 2, raising=False)
    assert shift.code_hash == before  # `_offset` is not used by shift: no change
    assert "def _scaled" in uses_helper.code["source"]


def _scaled(df):
    return df.assign(x=df.x * 10)


@stage(outputs=["scaled"])
def uses_helper(doubled):
    return _scaled(doubled)


def test_are_the_library_versions_in_the_key(source, tmp_path, monkeypatch):
    pipeline = Pipeline([double], tmp_path / "cache")
    pipeline.run({"numbers": source})
    real = pipeline_module.environment()
    assert set(real) >= {"python", "numpy", "pandas", "pandera", "pyarrow"}
    monkeypatch.setattr(pipeline_module, "environment", lambda: {**real, "pandas": "0.0.1"})
    assert pipeline.run({"numbers": source}).ran == ["double"]


def test_do_the_stages_of_the_chapter_see_the_shipml_modules_they_use():
    from shipml.data.ingestion import ingest_batches

    @stage(outputs=["clean"])
    def ingest(batch_folder):
        return ingest_batches(batch_folder)
    modules = code_modules(ingest.fn)
    assert {"shipml.data.ingestion", "shipml.data.validation", "shipml.data.contract"} <= set(modules)


def test_are_the_modules_found_from_source_without_importing_them(tmp_path, monkeypatch):
    from shipml.workflows.pipeline import module_sources, source_modules

    package = tmp_path / "pkgs" / "unloaded"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('imported')\n")  # importing it would fail
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "leaf.py").write_text("from unloaded import other\n")
    (package / "other.py").write_text("K = 1\n")
    (package / "named.py").write_text("K = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    monkeypatch.setattr(pipeline_module, "CODE_PACKAGES", ("shipml", "unloaded"))

    found = module_sources(["unloaded.sub.leaf", "unloaded.missing", "pandas"])
    assert sorted(found) == ["unloaded", "unloaded.other", "unloaded.sub", "unloaded.sub.leaf"]
    assert "unloaded" not in sys.modules
    # strings that name a module count only when asked (a command or a server's app), never a docstring
    code = '"""unloaded.other"""\ncommand = ["python", "-m", "unloaded.named"]\n'
    assert source_modules(code) == set()
    assert source_modules(code, named=True) == {"unloaded", "unloaded.named"}
