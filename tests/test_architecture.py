"""The dependency rule of shipml, checked on the source with `ast` (nothing is imported).

    .venv/bin/python -m pytest tests/test_architecture.py -q

Every `import` and `from ... import` counts, also those inside functions
(a lazy import is still a dependency), with relative imports resolved:

- (a) a building block (any module of shipml outside shipml.course) never
  imports shipml.course: the course machinery sits on top of the library;
- (b) no import cycle between shipml modules;
- (c) a building block imports only its own stage or earlier ones, in the
  order of the book (STAGES); the package root `shipml` is shared by all.

The checker is run on a planted tree too, so that a rule that can no longer
fail is noticed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "shipml"
COURSE = "shipml.course"
# The life-cycle stages in book order; a later stage may use an earlier one, never the reverse.
STAGES = ("data", "features", "evaluation", "modeling", "workflows", "serving", "performance", "governance",
          "tracking", "monitoring", "retrieval", "finetuning", "distributed", "system")


def modules(root: Path, package: str = PACKAGE) -> dict[str, Path]:
    """Module name -> file, for every .py under root/package (a package is its __init__.py)."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _resolve(name: str, known: dict) -> str | None:
    """The longest known module that `name` is or lies in (shipml.data.transactions.X -> its module)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports(known: dict[str, Path]) -> dict[str, dict[str, int]]:
    """Module -> {imported shipml module: the line of its first import}."""
    graph: dict[str, dict[str, int]] = {}
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        package = module if is_package else module.rpartition(".")[0]
        edges: dict[str, int] = {}

        def add(target: str, line: int):
            resolved = _resolve(target, known)
            if resolved is not None and resolved != module:
                edges.setdefault(resolved, line)

        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name, node.lineno)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base_parts = package.split(".")
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                    base = ".".join(base_parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                for alias in node.names:
                    # `from shipml.course import widgets` imports the submodule when there is one
                    sub = f"{base}.{alias.name}"
                    add(sub if sub in known else base, node.lineno)
        graph[module] = edges
    return graph


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def _is_course(module: str) -> bool:
    return module == COURSE or module.startswith(COURSE + ".")


def course_imports(graph) -> list[str]:
    """(a) Each import of shipml.course by a building block, as `module:line imports target`."""
    return [f"{m}:{line} imports {t}" for m, edges in sorted(graph.items()) if not _is_course(m)
            for t, line in sorted(edges.items()) if _is_course(t)]


def cycles(graph) -> list[list[str]]:
    """(b) One cycle per strongly connected group of modules, as [a, b, ..., a]."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []
    counter = [0]

    def connect(v):  # Tarjan's algorithm; the graph is small enough for recursion
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(set(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    found = []
    for group in groups:
        start = min(group)
        path, seen = [start], {start}
        while True:  # walk inside the group until the path closes: that is a cycle to show
            nxt = next(w for w in sorted(graph[path[-1]]) if w in group and (w == start or w not in seen))
            path.append(nxt)
            if nxt == start:
                break
            seen.add(nxt)
        found.append(path)
    return found


def stage_violations(graph) -> list[str]:
    """(c) Each import of a later stage by a building block, and each building block outside a stage."""
    problems = []
    for module, edges in sorted(graph.items()):
        if _is_course(module) or module == PACKAGE:
            continue
        stage = _stage(module)
        if stage is None:
            problems.append(f"{module} is in no stage: put it in one of shipml.{{{','.join(STAGES)}}}")
            continue
        for target, line in sorted(edges.items()):
            target_stage = _stage(target)
            if target == PACKAGE or _is_course(target) or target_stage is None:
                continue  # the root is shared; course imports are rule (a)
            if STAGES.index(target_stage) > STAGES.index(stage):
                problems.append(f"{module}:{line} imports {target}, a later stage ({stage} < {target_stage})")
    return problems


@pytest.fixture(scope="module")
def graph():
    return imports(modules(ROOT))


def test_does_the_checker_see_the_library(graph):
    assert "shipml.course.widgets" in graph and {"data", "governance"} <= {_stage(m) for m in graph}
    assert "shipml.course.checks" in graph["shipml.course.widgets"]


def test_does_no_building_block_import_the_course_machinery(graph):
    assert course_imports(graph) == []


def test_is_there_no_import_cycle(graph):
    assert [" -> ".join(c) for c in cycles(graph)] == []


def test_does_each_stage_import_only_itself_and_earlier_stages(graph):
    assert stage_violations(graph) == []


def _plant(root: Path, files: dict[str, str]) -> dict:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return imports(modules(root))


def test_does_the_checker_report_each_planted_violation(tmp_path):
    graph = _plant(tmp_path, {
        "shipml/__init__.py": "",
        "shipml/course/__init__.py": "",
        "shipml/course/widgets.py": "from shipml.data import clean\n",   # the course may use a building block
        "shipml/data/__init__.py": "",
        "shipml/data/clean.py": "def f():\n    from shipml.course.widgets import Quiz\n",  # a lazy import counts
        "shipml/features/__init__.py": "",
        "shipml/features/a.py": "from . import b\n",                         # relative, resolved
        "shipml/features/b.py": "import shipml.features.a\n",
        "shipml/data/early.py": "from ..serving import api\n",                 # a later stage
        "shipml/serving/__init__.py": "",
        "shipml/serving/api.py": "from shipml.data import early\nfrom shipml import course\n",
        "shipml/helpers.py": "",                                                 # in no stage
    })
    assert course_imports(graph) == ["shipml.data.clean:2 imports shipml.course.widgets",
                                     "shipml.serving.api:2 imports shipml.course"]
    found = [" -> ".join(c) for c in cycles(graph)]
    assert "shipml.features.a -> shipml.features.b -> shipml.features.a" in found
    assert "shipml.data.early -> shipml.serving.api -> shipml.data.early" in found
    assert "shipml.course.widgets -> shipml.data.clean -> shipml.course.widgets" in found
    assert stage_violations(graph) == [
        "shipml.data.early:1 imports shipml.serving.api, a later stage (data < serving)",
        f"shipml.helpers is in no stage: put it in one of shipml.{{{','.join(STAGES)}}}",
    ]


def test_does_the_checker_pass_a_clean_tree(tmp_path):
    graph = _plant(tmp_path, {
        "shipml/__init__.py": "",
        "shipml/data/__init__.py": "",
        "shipml/data/clean.py": "import shipml\n",
        "shipml/serving/__init__.py": "from .api import serve\n",
        "shipml/serving/api.py": "from shipml.data.clean import f\n",
    })
    assert course_imports(graph) == [] and cycles(graph) == [] and stage_violations(graph) == []


def test_does_the_sphinx_extension_load_neither_ipywidgets_nor_the_checks():
    import subprocess
    import sys

    code = ("import sys, shipml.course.sphinxext\n"
            "print(sorted(m for m in sys.modules if m == 'ipywidgets' or m.startswith('shipml.course.checks')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
