"""The book's Sphinx extension drops a script that a page would load twice."""

from sphinx.builders.html._assets import _JavaScript

from shipml.sphinxext import _dedupe_scripts


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
