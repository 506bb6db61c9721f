"""The book's Sphinx extension: static quizzes, the chapter box, the .ipynb download, offline assets, no twin scripts."""

import json
from pathlib import Path

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from sphinx import addnodes
from sphinx.builders.html._assets import _JavaScript

from shipml.course import quiz, sphinxext, static
from shipml.course.execution import COURSE_BUDGET_S
from shipml.course.sphinxext import _dedupe_scripts


def test_is_an_inline_script_added_twice_kept_once():
    body = {"body": 'const THEBE_JS_URL = "x";'}
    context = {"script_files": [
        _JavaScript("_static/doctools.js", priority=200),
        _JavaScript(None, **body),
        _JavaScript("", **body),           # the twin: same script, filename "" instead of None
        _JavaScript("_static/sphinx-thebe.js", **{"async": "async"}),
    ]}
    _dedupe_scripts(None, "page", "page.html", context, None)
    names = [(js.filename or "", js.attributes.get("body")) for js in context["script_files"]]
    assert names == [("_static/doctools.js", None), ("", 'const THEBE_JS_URL = "x";'), ("_static/sphinx-thebe.js", None)]


def test_are_different_scripts_all_kept():
    context = {"script_files": [_JavaScript(None, body="a"), _JavaScript(None, body="b")]}
    _dedupe_scripts(None, "page", "page.html", context, None)
    assert len(context["script_files"]) == 2


# --- quizzes: the static rendering wins ----------------------------------------------

def _bundle(*mime_types_and_html):
    """A myst-nb mime bundle node: one container per mime type, as myst-nb builds them."""
    bundle = nodes.container(nb_element="mime_bundle")
    for mime_type, content in mime_types_and_html:
        child = nodes.container(mime_type=mime_type)
        child += nodes.raw("", content, format="html")
        bundle += child
    return bundle


def _document(*children):
    document = new_document("test", get_default_settings(Parser))
    for child in children:
        document += child
    return document


def test_does_an_output_with_a_static_rendering_lose_its_widget_view_and_one_without_keep_it():
    quiz_html = quiz.render(quiz.QuizSpec.create("q", "Which?", ["a", "b"], "a"))
    quiz_output = _bundle((sphinxext.WIDGET_VIEW, "{}"), ("text/html", quiz_html), ("text/plain", "Quiz"))
    still = static.still_html(None, "caption", "Plot for x = 1", "open it in Jupyter")
    explorer = _bundle((sphinxext.WIDGET_VIEW, "{}"), ("text/html", still), ("text/plain", "Explorer"))
    check = _bundle((sphinxext.WIDGET_VIEW, "{}"), ("text/html", static.check_html("<b>Check</b>", "", ["a hint"])))
    bare = _bundle((sphinxext.WIDGET_VIEW, "{}"), ("text/plain", "a widget of someone else's"))
    other_html = _bundle((sphinxext.WIDGET_VIEW, "{}"), ("text/html", "<table></table>"))
    sphinxext.PreferStaticRendering(_document(quiz_output, explorer, check, bare, other_html)).run()
    assert [c["mime_type"] for c in quiz_output.children] == ["text/html", "text/plain"]
    assert [c["mime_type"] for c in explorer.children] == ["text/html", "text/plain"]
    assert [c["mime_type"] for c in check.children] == ["text/html"]
    assert [c["mime_type"] for c in bare.children] == [sphinxext.WIDGET_VIEW, "text/plain"]
    assert [c["mime_type"] for c in other_html.children] == [sphinxext.WIDGET_VIEW, "text/html"]


def _widget_scripts():
    # as Sphinx holds them in a page's context: an extension's own files under _static/
    return [_JavaScript("_static/doctools.js"), _JavaScript("_static/require.js"),
            _JavaScript("_static/require-config.js"),
            _JavaScript("_static/html-manager/embed-amd.js", **{"data-jupyter-widgets-cdn": "_static/"}),
            _JavaScript(None, type=sphinxext.WIDGET_STATE, body="{}"), _JavaScript("_static/sidebar-toggles.js")]


def test_is_the_widget_manager_loaded_only_by_a_page_that_still_shows_a_widget_view():
    static_page = {"body": '<div class="shipml-explorer-static"></div>', "script_files": _widget_scripts()}
    sphinxext._drop_unused_widget_manager(None, "p", "p.html", static_page, None)
    assert [js.filename for js in static_page["script_files"]] == ["_static/doctools.js", "_static/sidebar-toggles.js"]
    live_page = {"body": f'<script type="{sphinxext.WIDGET_VIEW}">{{}}</script>', "script_files": _widget_scripts()}
    sphinxext._drop_unused_widget_manager(None, "p", "p.html", live_page, None)
    assert len(live_page["script_files"]) == 6


def _tqdm_state(children=("HTMLModel", "FloatProgressModel", "HTMLModel")):
    models = {"box": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_a", "IPY_MODEL_b", "IPY_MODEL_c"]}}}
    values = [{"value": "fresh processes: 100%"}, {"value": 3, "max": 3}, {"value": "3/3 [00:04&lt;00:00]"}]
    for key, name, value in zip("abc", children, values):
        models[key] = {"model_name": name, "state": value}
    return {"version_major": 2, "version_minor": 0, "state": models}


def test_is_a_progress_bar_shown_as_its_last_state_and_the_widget_manager_left_out():
    view = '<script type="application/vnd.jupyter.widget-view+json">{"model_id": "box", "version_major": 2}</script>'
    scripts = _widget_scripts()
    scripts[4] = _JavaScript(None, type=sphinxext.WIDGET_STATE, body=json.dumps(_tqdm_state()))
    page = {"body": f"<p>before</p>{view}<p>after</p>", "script_files": scripts}
    sphinxext._static_progress_bars(None, "p", "p.html", page, None)
    sphinxext._drop_unused_widget_manager(None, "p", "p.html", page, None)
    assert page["body"] == ('<p>before</p><div class="shipml-progress">fresh processes: 100% <progress value="3" '
                            'max="3" aria-label="fresh processes: 100%"></progress> 3/3 [00:04&lt;00:00]</div>'
                            "<p>after</p>")
    assert [js.filename for js in page["script_files"]] == ["_static/doctools.js", "_static/sidebar-toggles.js"]
    assert sphinxext.progress_html(_tqdm_state(("HTMLModel", "IntSliderModel", "HTMLModel")), "box") is None
    assert sphinxext.progress_html(_tqdm_state(), "missing") is None


def test_does_a_described_figure_get_its_description_as_alt_text():
    figure = nodes.container(nb_element="mime_bundle")
    png = nodes.container(mime_type="image/png")
    png += nodes.image(uri="_images/abc.png", alt="_images/abc.png")
    text = nodes.container(mime_type="text/plain")
    text += nodes.literal_block("", "Figure: Cost (x: threshold)")
    figure += [png, text]
    plain = _bundle(("image/png", ""), ("text/plain", "<Figure size 640x480 with 1 Axes>"))
    plain.children[0] += nodes.image(uri="_images/def.png", alt="_images/def.png")
    sphinxext.FigureAltText(_document(figure, plain)).run()
    assert next(figure.findall(nodes.image))["alt"] == "Figure: Cost (x: threshold)"
    assert next(plain.findall(nodes.image))["alt"] == "_images/def.png"  # not described: left as it was


def test_does_an_exercise_page_keep_a_checks_hints_in_the_notebook_and_a_solution_page_show_them():
    from types import SimpleNamespace

    check = static.check_html("<b>Check</b>", "", ["Multiply.", "flagged = scores >= threshold"])
    pages = {}
    for docname in ("exercises/01-x", "solutions/01-x"):
        document = _document(_bundle(("text/html", check)))
        document.settings.env = SimpleNamespace(docname=docname)
        sphinxext.HintsOffExercisePages(document).run()
        pages[docname] = "".join(raw.astext() for raw in document.findall(nodes.raw))
    assert "flagged = scores" not in pages["exercises/01-x"] and "in the notebook, one at a time" in pages["exercises/01-x"]
    assert "<li>flagged = scores >= threshold</li>" in pages["solutions/01-x"]


def test_are_the_graders_hidden_check_cells_left_out_of_the_page():
    grader = nodes.container(classes=["cell", "tag_hidden-check"])
    worked = nodes.container(classes=["cell", "tag_hide-input"])
    plain = nodes.container(classes=["cell"])
    document = _document(grader, worked, plain)
    sphinxext.DropGraderCells(document).run()
    assert list(document.children) == [worked, plain]


# --- the chapter's box of facts -------------------------------------------------------

FACTS = {"objectives": ["Price a mistake", "Pick a threshold"], "minutes": 45}


def test_does_the_box_show_objectives_minutes_runtime_and_links():
    box = sphinxext.chapter_facts("chapters/03-x", FACTS, {"runtime": 7.26, "succeeded": True},
                                  "exercises/03-x")
    text = box.astext()
    assert "Price a mistake" in text and "Pick a threshold" in text
    assert "About 45 minutes" in text and "ran in 7.3 s when this book was built" in text
    xref = next(iter(box.findall(addnodes.pending_xref)))
    assert xref["reftarget"] == "../exercises/03-x" and xref["reftype"] == "doc"
    download = next(n for n in box.findall(nodes.reference) if "shipml-download-ipynb" in n["classes"])
    assert download["refuri"] == "../_sources/chapters/03-x.ipynb"


def test_does_the_box_say_so_when_a_chapter_was_not_executed_or_failed():
    assert "not executed" in sphinxext.chapter_facts("chapters/03-x", FACTS, None, None).astext()
    failed = sphinxext.chapter_facts("chapters/03-x", FACTS, {"runtime": 2.0, "succeeded": False}, None)
    assert "and failed" in failed.astext()
    assert not list(failed.findall(addnodes.pending_xref))  # no exercise page, no link to one


# --- offline ----------------------------------------------------------------------------


def test_is_a_script_or_stylesheet_from_the_network_left_out_with_a_warning(caplog):
    from sphinx.builders.html._assets import _CascadingStyleSheet

    mathjax = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"
    context = {"script_files": [_JavaScript("_static/doctools.js"), _JavaScript(mathjax)],
               "css_files": [_CascadingStyleSheet("//fonts.example.org/font.css"),
                             _CascadingStyleSheet("_static/basic.css")]}
    with caplog.at_level("WARNING"):
        sphinxext._refuse_remote_assets(None, "chapters/x", "page.html", context, None)
    assert [js.filename for js in context["script_files"]] == ["_static/doctools.js"]
    assert [css.filename for css in context["css_files"]] == ["_static/basic.css"]
    assert "MathJax" in caplog.text and "offline" in caplog.text


def test_does_a_page_with_math_fail_a_strict_build_instead_of_loading_mathjax(tmp_path):
    import pytest
    from sphinx.application import Sphinx
    from sphinx.errors import SphinxWarning

    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text("extensions = ['sphinx.ext.mathjax', 'shipml.course.sphinxext']\n")
    (source / "index.rst").write_text("Title\n=====\n\n.. math:: a + b\n")
    app = Sphinx(str(source), str(source), str(tmp_path / "out"), str(tmp_path / "doctrees"), "html",
                 status=None, warning=None, warningiserror=True, freshenv=True)
    with pytest.raises(SphinxWarning, match="offline"):
        app.build()


# --- the executed notebook in the download menu -----------------------------------------


def test_is_the_executed_notebook_copied_for_the_download_menu(tmp_path):
    from types import SimpleNamespace

    outdir = tmp_path / "html"
    executed = tmp_path / "jupyter_execute" / "chapters" / "01-x.ipynb"
    executed.parent.mkdir(parents=True)
    executed.write_text('{"cells": []}')
    app = SimpleNamespace(outdir=str(outdir), builder=SimpleNamespace(format="html"))
    context = {}
    sphinxext._offer_notebook_download(app, "chapters/01-x", "page.html", context, None)
    assert context["ipynb_source"] == "chapters/01-x.ipynb"
    assert (outdir / "_sources" / "chapters" / "01-x.ipynb").read_text() == '{"cells": []}'
    plain = {}
    sphinxext._offer_notebook_download(app, "book/intro", "page.html", plain, None)
    assert "ipynb_source" not in plain  # not a notebook: no .ipynb to offer


def test_does_the_execution_report_show_each_notebook_the_total_and_the_tiers():
    from docutils import nodes

    from shipml.course.sphinxext import execution_report

    report = {"written": "2026-12-04T14:00:00+00:00", "jobs": 2, "notebooks": [
        {"path": "chapters/01-a.md", "seconds": 10.0, "kernel_start_s": 1.0, "first_cell_s": 2.0, "status": "executed"},
        {"path": "chapters/02-b.md", "seconds": 30.0, "kernel_start_s": 1.0, "first_cell_s": 4.0, "status": "cached"}]}
    made = execution_report(report, {"unit": 60.0, "execute": 100.0})
    text = "\n".join(node.astext() for node in made)
    assert "Kernel start-up is 5% of the execution time" in text
    assert "first cell (a page's imports and set-up) 15%" in text
    assert "chapters/02-b.md" in text and "40.0" in text and f"budget {COURSE_BUDGET_S} s: within" in text
    assert "all tiers" in text and "160.0" in text
    assert sum(isinstance(node, nodes.table) for node in made) == 2
    assert execution_report(None, None)[0].astext().startswith("No execution report")
    over = {**report, "notebooks": [{"path": "chapters/01-a.md", "seconds": COURSE_BUDGET_S + 1.0}]}
    assert f"budget {COURSE_BUDGET_S} s: OVER" in "\n".join(node.astext() for node in execution_report(over, None))


def test_do_the_book_and_the_benchmark_hold_one_course_budget_of_ten_minutes():
    import runpy

    from shipml.course import execution

    assert sphinxext.COURSE_BUDGET_S is execution.COURSE_BUDGET_S == 600
    bench = runpy.run_path(str(Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"), run_name="bench")
    assert bench["COURSE_BUDGET_S"] is execution.COURSE_BUDGET_S  # imported, not a second copy
    assert bench["NOTEBOOK_BUDGET_S"] is execution.NOTEBOOK_BUDGET_S and execution.NOTEBOOK_BUDGET_S == 60


# --- which pages Sphinx reads again ------------------------------------------------------------


def test_does_a_changed_extension_or_a_removed_page_state_have_sphinx_read_pages_again(tmp_path, monkeypatch):
    from sphinx.application import Sphinx

    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text("extensions = ['shipml.course.sphinxext']\n")
    (source / "index.rst").write_text("Title\n=====\n\nA page.\n")
    (source / "other.rst").write_text(":orphan:\n\nOther\n=====\n")

    def build() -> list[str]:
        app = Sphinx(str(source), str(source), str(tmp_path / "out"), str(tmp_path / "doctrees"), "html",
                     status=None, warning=None)
        read = []
        app.connect("source-read", lambda app, docname, content: read.append(docname))
        app.build()
        return sorted(read)

    assert build() == ["index", "other"]
    assert build() == []  # nothing changed: nothing read
    # what `shipml execute` does for a notebook it executed again: that page alone is read again
    (tmp_path / "doctrees" / "other.doctree").unlink()
    assert build() == ["other"]
    # the extension's code changed (its env_version): every page
    version = sphinxext.machinery_version()
    monkeypatch.setattr(sphinxext, "machinery_version", lambda: version + 1)
    assert build() == ["index", "other"]


def test_does_the_extensions_version_follow_its_code_and_what_it_imports(monkeypatch):
    from shipml.workflows import pipeline

    version = sphinxext.machinery_version()
    assert version == sphinxext.machinery_version() and isinstance(version, int)
    sources = pipeline.module_sources(["shipml.course.sphinxext"])
    assert {"shipml.course.sphinxext", "shipml.course.static", "shipml.course.notebooks"} <= set(sources)
    changed = {**sources, "shipml.course.static": sources["shipml.course.static"] + "\n# an edit\n"}
    monkeypatch.setattr(pipeline, "module_sources", lambda names: changed)
    assert sphinxext.machinery_version() != version
