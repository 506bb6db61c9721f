"""The book's Sphinx extension (listed in _config.yml under sphinx.extra_extensions).

- Drops a script that a page would load twice. Jupyter Book 1 with Sphinx 7.4
  adds sphinx-thebe's and sphinx-togglebutton's inline scripts twice, and the
  second `const THEBE_JS_URL` is a JavaScript error on every page.
"""

from __future__ import annotations


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in sorted(scripts, key=lambda js: getattr(js, "priority", 500)):
        # The twins differ only in filename None versus "" (an inline script).
        attributes = getattr(script, "attributes", {}) or {}
        key = (getattr(script, "filename", None) or "", tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
