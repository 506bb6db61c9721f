"""Executing the course once: `shipml execute` fills the book's cache, logs the checks, and fails on a planted defect.

Each test builds a tiny course in tmp_path (a ToC, a chapter, a solution and an
exercise that register a test-only exercise), so a planted failure is shown to
fail the same command that `make test` runs, without touching the real course.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from myst_notebooks import FRONT_MATTER

from shipml.course.cli import main
from shipml.course.execution import check_log, execute_course, read_notebook
from shipml.course.validation import validate_notebook

FRONT = FRONT_MATTER

REGISTER = '''
from shipml.course.checks import exercise, expect_number, run
ex = exercise("ch99-ex1", "Double a number")
ex.case("doubles 21", observe=lambda double: double(21), judge=lambda got: expect_number(got, 42.0, what="double(21)"))
'''


def _notebook(title: str, *cells: str) -> str:
    body = "".join(f"\n```{{code-cell}} ipython3\n{textwrap.dedent(cell).strip()}\n```\n" for cell in cells)
    return f"{FRONT}\n# {title}\n{body}"


def _course(root: Path, chapter: str, solution: str, exercise: str) -> Path:
    for folder in ("book", "chapters", "solutions", "exercises"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "book" / "intro.md").write_text("# A planted course\n")
    (root / "_toc.yml").write_text(textwrap.dedent("""\
        format: jb-book
        root: book/intro
        parts:
          - caption: Planted
            chapters:
              - file: chapters/99-planted
              - file: solutions/99-planted
              - file: exercises/99-planted
        """))
    (root / "chapters" / "99-planted.md").write_text(chapter)
    (root / "solutions" / "99-planted.md").write_text(solution)
    (root / "exercises" / "99-planted.md").write_text(exercise)
    return root


CHAPTER_OK = _notebook("Chapter", "total = sum(range(4))\nassert total == 6")
SOLUTION_OK = _notebook("Solution", REGISTER, "def double(x):\n    return 2 * x", 'print(run("ch99-ex1", double))')
EXERCISE_OK = _notebook("Exercise", REGISTER, "def double(x):\n    ...  # YOUR CODE HERE", 'print(run("ch99-ex1", double))')


def _execute(root: Path, capsys) -> tuple[int, str]:
    status = main(["execute", "--root", str(root), "--jobs", "2"])
    out = capsys.readouterr()
    return status, out.out + out.err


def test_does_a_clean_course_pass_and_run_each_notebook_only_once(tmp_path, capsys):
    root = _course(tmp_path, CHAPTER_OK, SOLUTION_OK, EXERCISE_OK)
    status, text = _execute(root, capsys)
    assert status == 0, text
    assert "3 notebook(s) executed" in text
    report = json.loads((root / "_build" / "execution.json").read_text())
    assert [r["status"] for r in report["notebooks"]] == ["executed"] * 3
    assert all(r["kernel_start_s"] is not None and r["first_cell_s"] is not None for r in report["notebooks"])
    # the logs say what each notebook's checks reported
    logged = [json.loads(line)["status"] for line in check_log(root, "solutions/99-planted.md").read_text().splitlines()]
    assert logged == ["passed"]
    # run again: everything comes from the cache, nothing is executed twice
    status, text = _execute(root, capsys)
    assert status == 0 and "0 notebook(s) executed" in text and "3 cached" in text, text


def test_does_the_book_find_the_executed_notebooks_in_its_cache(tmp_path):
    from jupyter_cache import get_cache

    root = _course(tmp_path, CHAPTER_OK, SOLUTION_OK, EXERCISE_OK)
    execute_course(root, jobs=1, progress=False)
    cache = get_cache(str(root / "_build" / ".jupyter_cache"))
    # myst-nb matches a page to the cache by the notebook it reads; this is the same reader
    for page in ("chapters/99-planted.md", "solutions/99-planted.md", "exercises/99-planted.md"):
        record = cache.match_cache_notebook(read_notebook(root / page))
        assert record.data["execution_seconds"] > 0


@pytest.mark.parametrize(
    "planted, expected",
    [
        ("a failing cell in a chapter", "FAILED chapters/99-planted.md: AssertionError: planted"),
        ("a failing check in a solution", "INVALID solutions/99-planted.md: ch99-ex1 is failed"),
        ("a solved stub in an exercise", "INVALID exercises/99-planted.md: ch99-ex1 reports passed"),
    ],
)
def test_does_a_planted_defect_fail_the_command_that_make_test_runs(tmp_path, capsys, planted, expected):
    chapter, solution, exercise = CHAPTER_OK, SOLUTION_OK, EXERCISE_OK
    if planted == "a failing cell in a chapter":
        chapter = _notebook("Chapter", "total = sum(range(4))", 'assert total == 7, "planted"')
    elif planted == "a failing check in a solution":
        solution = _notebook("Solution", REGISTER, "def double(x):\n    return x + 2", 'print(run("ch99-ex1", double))')
    else:
        exercise = _notebook("Exercise", REGISTER, "def double(x):\n    return 2 * x", 'print(run("ch99-ex1", double))')
    root = _course(tmp_path, chapter, solution, exercise)
    status, text = _execute(root, capsys)
    assert status == 1, text
    assert expected in text, text


def test_does_a_changed_notebook_run_again_and_only_it(tmp_path, capsys):
    root = _course(tmp_path, CHAPTER_OK, SOLUTION_OK, EXERCISE_OK)
    assert _execute(root, capsys)[0] == 0
    (root / "chapters" / "99-planted.md").write_text(_notebook("Chapter", "total = sum(range(5))\nassert total == 10"))
    status, text = _execute(root, capsys)
    assert status == 0 and "1 notebook(s) executed" in text and "2 cached" in text, text


def test_is_a_notebook_without_a_log_or_without_checks_invalid():
    assert validate_notebook("solutions/x.md", None, solved=True)[0].endswith("run `shipml execute` (it executes "
                                                                               "the notebook with checks logged)")
    assert validate_notebook("exercises/x.md", [], solved=False) == ["exercises/x.md ran no check"]
    logged = [{"exercise_id": "ch01-ex2", "status": "not attempted"}]
    assert validate_notebook("exercises/x.md", logged, solved=False) == []
    assert validate_notebook("solutions/x.md", logged, solved=True) == [
        "solutions/x.md: ch01-ex2 is not attempted, a solution must pass every check"]


def test_does_the_command_say_what_is_wrong_with_its_arguments(tmp_path, capsys):
    assert main(["execute", "--root", str(tmp_path)]) == 2
    assert "_toc.yml does not exist" in capsys.readouterr().err


def test_do_the_kernels_talk_over_unix_sockets_so_that_no_port_can_be_taken_from_them(tmp_path, capsys):
    # Over TCP the client picks free ports and the kernel binds them later; a notebook that starts
    # a server meanwhile can take one, and the kernel dies ("Kernel didn't respond in 60 seconds").
    chapter = _notebook("Chapter", """
        import os
        from ipykernel.connect import get_connection_info
        info = get_connection_info(unpack=True)
        assert info["transport"] == "ipc", info["transport"]
        assert os.path.isabs(info["ip"]) and not info["ip"].startswith(os.getcwd()), info["ip"]
        """)
    root = _course(tmp_path, chapter, SOLUTION_OK, EXERCISE_OK)
    status, text = _execute(root, capsys)
    assert status == 0, text
    assert "running over TCP" not in text


def test_do_the_books_kernels_describe_each_figure_and_draw_the_explorers_states(tmp_path, capsys):
    chapter = _notebook("Chapter", """
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0], label="model")
        ax.set(title="Cost", xlabel="threshold", ylabel="cost (EUR)")
        ax.legend()
        plt.show()
        """, """
        from shipml.course.widgets import Explorer
        Explorer(lambda ax, t: ax.axvline(t), t=(0.0, 1.0, 0.1))
        """)
    root = _course(tmp_path, chapter, SOLUTION_OK, EXERCISE_OK)
    status, text = _execute(root, capsys)
    assert status == 0, text
    from jupyter_cache import get_cache

    cache = get_cache(str(root / "_build" / ".jupyter_cache"))
    record = cache.match_cache_notebook(read_notebook(root / "chapters" / "99-planted.md"))
    cells = cache.get_cache_bundle(record.pk).nb.cells
    figure, explorer = cells[0].outputs[0]["data"], cells[1].outputs[0]["data"]
    assert figure["text/plain"] == "Figure: Cost (x: threshold; y: cost (EUR); lines: model)" and "image/png" in figure
    assert 'class="shipml-explorer-static"' in explorer["text/html"]


# --- the library a notebook uses: executed again when it changed, and only then -----------------


@pytest.fixture
def fake_library(tmp_path, monkeypatch):
    """A package `fakeship` tracked as shipml is: `used` imports `helper` and reads `table.csv`; `unrelated`."""
    from shipml.workflows import pipeline

    lib = tmp_path / "lib"
    package = lib / "fakeship"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "helper.py").write_text("FACTOR = 2\n")
    (package / "used.py").write_text(textwrap.dedent("""\
        from pathlib import Path
        from fakeship.helper import FACTOR

        def value():
            return FACTOR * len(Path(__file__).with_name("table.csv").read_text().splitlines())
        """))
    (package / "unrelated.py").write_text("NOTHING = None\n")
    (package / "table.csv").write_text("a\n1\n")
    monkeypatch.setattr(pipeline, "CODE_PACKAGES", ("shipml", "fakeship"))
    monkeypatch.syspath_prepend(str(lib))
    monkeypatch.setenv("PYTHONPATH", str(lib))  # the kernels import it too
    return package


def test_is_a_notebook_executed_again_when_the_library_code_it_uses_changes_and_only_then(tmp_path, capsys,
                                                                                          fake_library):
    solution = _notebook("Solution", REGISTER, "from fakeship.used import value\nprint(value())",
                         "def double(x):\n    return 2 * x", 'print(run("ch99-ex1", double))')
    root = _course(tmp_path / "course", CHAPTER_OK, solution, EXERCISE_OK)
    assert _execute(root, capsys)[0] == 0
    deps = json.loads((root / "_build" / ".jupyter_cache" / "shipml-deps.json").read_text())
    assert "fakeship.helper" in deps["solutions/99-planted.md"]["modules"]
    assert "fakeship.helper" not in deps["chapters/99-planted.md"]["modules"]
    doctrees = {page: root / "_build" / ".doctrees" / f"{page}.doctree" for page in ("chapters/99-planted",
                                                                                      "solutions/99-planted")}
    for doctree in doctrees.values():
        doctree.parent.mkdir(parents=True, exist_ok=True)
        doctree.write_text("a page Sphinx read before")
    log = check_log(root, "solutions/99-planted.md")

    # a module no notebook uses, and an edit undone before the next run: nothing runs, nothing is re-read
    (fake_library / "unrelated.py").write_text("NOTHING = 1\n")
    (fake_library / "helper.py").write_text("FACTOR = 3\n")
    (fake_library / "helper.py").write_text("FACTOR = 2\n")
    status, text = _execute(root, capsys)
    assert status == 0 and "0 notebook(s) executed" in text and "3 cached" in text, text
    assert all(doctree.exists() for doctree in doctrees.values())

    # a module the solution imports through another: it alone runs again, its log and its page are new
    (fake_library / "helper.py").write_text("FACTOR = 3\n")
    log.write_text('{"exercise_id": "ch99-ex1", "status": "failed"}\n')
    status, text = _execute(root, capsys)
    assert status == 0 and "1 notebook(s) executed" in text and "2 cached" in text, text
    assert [json.loads(line)["status"] for line in log.read_text().splitlines()] == ["passed"]
    assert not doctrees["solutions/99-planted"].exists() and doctrees["chapters/99-planted"].exists()
    from jupyter_cache import get_cache

    cache = get_cache(str(root / "_build" / ".jupyter_cache"))
    record = cache.match_cache_notebook(read_notebook(root / "solutions" / "99-planted.md"))
    assert cache.get_cache_bundle(record.pk).nb.cells[1].outputs[0]["text"] == "6\n"  # 3 x 2 lines: the new code

    # a data file in the folder of a module it uses
    (fake_library / "table.csv").write_text("a\n1\n2\n")
    status, text = _execute(root, capsys)
    assert status == 0 and "1 notebook(s) executed" in text and "2 cached" in text, text


def test_which_library_code_counts_for_a_notebook(tmp_path, fake_library):
    from shipml.course.execution import library_dependencies

    (fake_library / "served.py").write_text("def app():\n    return None\n")
    (fake_library / "plugins").mkdir()
    (fake_library / "plugins" / "__init__.py").write_text(
        "import importlib, pkgutil\n"
        "for info in pkgutil.iter_modules(__path__):\n"
        "    importlib.import_module(f'{__name__}.{info.name}')\n")
    (fake_library / "plugins" / "one.py").write_text("ONE = 1\n")

    def modules(*cells):
        page = tmp_path / "page.md"
        page.write_text(_notebook("Page", *cells))
        return set(library_dependencies(page)["modules"])

    assert {"fakeship", "fakeship.used", "fakeship.helper"} <= modules("from fakeship.used import value")
    assert "fakeship.unrelated" not in modules("from fakeship.used import value")
    # a module a server or a command runs is named in a string, not imported
    assert "fakeship.served" in modules('command = ["python", "-m", "uvicorn", "fakeship.served:app"]')
    assert "fakeship.served" not in modules('"""fakeship.served, in a docstring, is only words"""')
    # a package that imports its modules at run time uses all of them
    assert "fakeship.plugins.one" in modules("import fakeship.plugins")
    # IPython's syntax is read as the Python it runs; a cell that does not parse may use anything
    assert "fakeship.used" in modules("%matplotlib inline\nfrom fakeship import used")
    assert {"fakeship.unrelated", "shipml.data"} <= modules("from fakeship import used\nprint(1")
    # the book's kernels import the figure describer: every notebook depends on it
    assert "shipml.course.figures" in modules("x = 1")
