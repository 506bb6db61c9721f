"""The book's Sphinx extension.

    # _config.yml
    sphinx:
      extra_extensions: [shipml.course.sphinxext]

- Widgets without a kernel: a `shipml.course.widgets.Quiz` output carries both the
  widget view and a static HTML quiz (`shipml.course.quiz.render`); the book shows the
  static one, which grades in the reader's browser. Explorers, checks and score
  sheets carry a static rendering too (`shipml.course.static`): an explorer's
  precomputed states switched in the page, or its plot shown still; a check's
  verdict with its hints folded (on an exercise page, the hints stay in the
  notebook: the last one nearly gives the answer); a score sheet as a table. No control in the
  book looks live and does nothing.
- A figure's image has its description as alt text: its titles, axis labels
  and legend entries, which the book's kernels put in its text/plain
  (`shipml.course.figures`), not the image's file name.
- A tqdm progress bar (a widget in a notebook's output) is shown as its last
  state in plain HTML, a `<progress>` between its two labels.
- The widget manager (require.js and ipywidgets' embed script, 3.6 MB) is
  loaded only by a page that still shows a widget view.
- The grader's cells (tagged `hidden-check` in a solution) are left out of the
  page: they are for `shipml grade`, not for a reader, and their cases are
  meant to stay unseen.
- A box under each chapter's title (`chapters/*`): its objectives and estimated
  minutes (front matter `shipml:`), the seconds its execution took when the
  book was built (myst-nb's execution data, also shown on book/execution), a
  link to its exercise page and a download of the executed notebook (.ipynb).
- Every notebook page offers its executed notebook as .ipynb in the theme's
  download menu (sphinx-book-theme offers it only when a launch button is
  configured), at `_sources/<page>.ipynb`.
- Offline: a script or stylesheet from the network (MathJax from a CDN on a
  page with math, a web font) is removed from the page with a warning, which
  fails the book's `-W` build.
- `{shipml-execution-report}` (on book/execution): each notebook's seconds,
  kernel start-up and first cell from `shipml execute`'s `_build/execution.json`,
  the course total against its budget, and `make test`'s seconds per tier
  (`_build/test-tiers.json`), the figures `make bench` also prints.
- `{shipml-review-rubric} 14-capstone` (on book/instructor-guide): the
  chapter's manual-review rubric, rendered from its solution notebook's front
  matter (`shipml.review`, shipml.course.instructor.review.rubric_markdown), so
  the guide's table cannot drift from what `shipml grade` puts in the gradebook.
- The course's version, from its one source (`shipml.__version__`, which a
  test holds equal to pyproject.toml's): Sphinx's `version` and `release`, the
  MyST substitution `{{ shipml_version }}`, and `{version}` in the footer
  (`_config.yml` `html.extra_footer`), so every page says which version of the
  course it is.
- Drops a script that a page would load twice. Jupyter Book 1 with Sphinx 7.4
  adds sphinx-thebe's and sphinx-togglebutton's inline scripts twice, and the
  second `const THEBE_JS_URL` is a JavaScript error on every page.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
import shutil
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

# Only these: the build loads neither ipywidgets nor the checks registry.
from shipml.course import notebooks
from shipml.course.execution import COURSE_BUDGET_S
from shipml.course.quiz import MARKER
from shipml.course.figures import PREFIX as FIGURE_PREFIX
from shipml.course.static import HINTS, HINTS_IN_NOTEBOOK, MARKERS

logger = logging.getLogger(__name__)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CHAPTERS, EXERCISES = "chapters/", "exercises/"


# --- widgets: the static rendering wins ----------------------------------------

STATIC_MARKERS = (MARKER, *MARKERS)


def _is_static_rendering(node) -> bool:
    return node.get("mime_type") == "text/html" and any(
        f'class="{marker}"' in raw.astext() for raw in node.findall(nodes.raw) for marker in STATIC_MARKERS)


class PreferStaticRendering(SphinxPostTransform):
    """In a widget's output that has a static rendering, drop the widget view so that myst-nb picks the HTML."""

    default_priority = 3  # before myst-nb's SelectMimeType (4) picks one mime type per bundle

    def run(self, **kwargs) -> None:
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") != "mime_bundle":
                continue
            if any(_is_static_rendering(child) for child in bundle.children):
                for child in [c for c in bundle.children if c.get("mime_type") == WIDGET_VIEW]:
                    bundle.remove(child)


class FigureAltText(SphinxPostTransform):
    """A figure's description (its text/plain, `shipml.course.figures`) becomes its image's alt text."""

    default_priority = 3  # while the bundle still holds both the image and its text

    def run(self, **kwargs) -> None:
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") != "mime_bundle":
                continue
            texts = [c.astext() for c in bundle.children if c.get("mime_type") == "text/plain"]
            described = [t.strip() for t in texts if t.strip().startswith(FIGURE_PREFIX)]
            if not described:
                continue
            for child in bundle.children:
                if str(child.get("mime_type", "")).startswith("image/"):
                    for image in child.findall(nodes.image):
                        image["alt"] = described[0]


_HINT_LADDER = re.compile(rf'<details class="{HINTS}".*?</details>', re.S)


class HintsOffExercisePages(SphinxPostTransform):
    """A check's hint ladder stays in the notebook on an exercise page: its last hint nearly gives the answer, and the
    student edition must hold no solution text (`shipml.course.instructor.leaks`). A solution page keeps it."""

    default_priority = 3

    def run(self, **kwargs) -> None:
        if not self.env.docname.startswith(EXERCISES):
            return
        for raw in list(self.document.findall(nodes.raw)):
            text = raw.astext()
            if f'class="{HINTS}"' in text:
                raw.replace_self(nodes.raw("", _HINT_LADDER.sub(HINTS_IN_NOTEBOOK, text), format=raw.get("format")))


class DropGraderCells(SphinxPostTransform):
    """Leave the cells tagged `hidden-check` (myst-nb's class `tag_hidden-check`) out of the page."""

    default_priority = 3

    def run(self, **kwargs) -> None:
        for cell in list(self.document.findall(nodes.container)):
            if "tag_hidden-check" in cell.get("classes", []) and cell.parent is not None:
                cell.parent.remove(cell)


# --- a box of facts under each chapter's title ------------------------------------


def _runtime_text(exec_data) -> str:
    if not exec_data or exec_data.get("runtime") is None:
        return "It was not executed when this book was built."
    status = "" if exec_data.get("succeeded") else ", and failed"
    return f"Its code ran in {exec_data['runtime']:.1f} s when this book was built{status}."


def _paragraph(*parts) -> nodes.paragraph:
    paragraph = nodes.paragraph()
    for part in parts:
        paragraph += nodes.Text(part) if isinstance(part, str) else part
    return paragraph


def chapter_facts(docname: str, facts: dict, exec_data, exercise_doc: str | None) -> nodes.Element:
    """The box of facts for a chapter page, as docutils nodes."""
    box = nodes.admonition(classes=["shipml-chapter-facts", "tip"])
    box += nodes.title(text="This chapter at a glance")
    objectives = [str(o) for o in facts.get("objectives") or []]
    if objectives:
        box += _paragraph("You will be able to:")
        items = nodes.bullet_list()
        for objective in objectives:
            items += nodes.list_item("", _paragraph(objective))
        box += items
    minutes = facts.get("minutes")
    time_text = f"About {minutes} minutes of reading and exercises. " if minutes else ""
    box += _paragraph(time_text + _runtime_text(exec_data))
    up = "../" * docname.count("/")
    label = "download this chapter as a notebook (.ipynb)"
    download = nodes.reference("", "", internal=True, refuri=f"{up}_sources/{docname}.ipynb",
                               classes=["shipml-download-ipynb"])
    if exercise_doc:
        download += nodes.Text(label)
        xref = addnodes.pending_xref(
            "", nodes.inline(text="the exercises"), refdomain="std", reftype="doc", refexplicit=True,
            reftarget=posixpath.relpath(exercise_doc, posixpath.dirname(docname)), refdoc=docname, refwarn=True)
        links = ["Practise with ", xref, ", or ", download, "."]
    else:
        download += nodes.Text(label[0].upper() + label[1:])
        links = [download, "."]
    box += _paragraph(*links)
    return box


def _add_chapter_facts(app, doctree) -> None:
    env = app.env
    docname = env.docname
    if not docname.startswith(CHAPTERS):
        return
    try:
        facts = notebooks.front_matter(env.doc2path(docname), root=app.srcdir)
    except notebooks.AuthoringError as error:
        logger.warning(str(error), location=docname)
        return
    if not facts:
        return
    exec_data = getattr(env, "nb_metadata", {}).get(docname, {}).get("exec_data")
    exercise = EXERCISES + docname[len(CHAPTERS):]
    exercise_doc = exercise if exercise in env.found_docs else None
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not isinstance(section[0], nodes.title):
        return
    section.insert(1, chapter_facts(docname, facts, exec_data, exercise_doc))


# --- the executed notebook in the download menu -----------------------------------


def _offer_notebook_download(app, pagename, templatename, context, doctree) -> None:
    if app.builder.format != "html" or context.get("ipynb_source"):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


# --- offline: nothing from the network --------------------------------------------


def _is_remote(uri) -> bool:
    return isinstance(uri, str) and uri.lower().startswith(("http://", "https://", "//"))


def _refuse_remote_assets(app, pagename, templatename, context, doctree) -> None:
    for key in ("script_files", "css_files"):
        assets = context.get(key)
        if not assets:
            continue
        remote = [a for a in assets if _is_remote(getattr(a, "filename", a))]
        for asset in remote:
            uri = getattr(asset, "filename", asset)
            hint = " (MathJax: the page has math; write it without LaTeX)" if "mathjax" in uri.lower() else ""
            logger.warning(f"page {pagename} would load {uri} from the network{hint}; "
                           "the book must work offline, so it was left out", location=pagename)
        assets[:] = [a for a in assets if a not in remote]


# --- the widget manager only where a widget view is left --------------------------

WIDGET_SCRIPTS = ("require.js", "require-config.js", "html-manager/embed-amd.js")
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


TQDM_CHILDREN = ["HTMLModel", "FloatProgressModel", "HTMLModel"]  # tqdm.notebook's bar: label, bar, counts
_VIEW = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)


def progress_html(state: dict, model_id: str) -> str | None:
    """The tqdm bar whose widget is `model_id`, as its last state in HTML; None when it is no tqdm bar."""
    models = state.get("state", {})
    box = models.get(model_id, {})
    if box.get("model_name") != "HBoxModel":
        return None
    children = [models.get(str(ref).removeprefix("IPY_MODEL_"), {}) for ref in box.get("state", {}).get("children", [])]
    if [c.get("model_name") for c in children] != TQDM_CHILDREN:
        return None
    left, bar, right = (c.get("state", {}) for c in children)
    value, top = float(bar.get("value") or 0), float(bar.get("max") or 1)
    label = html.escape(re.sub(r"<[^>]+>", "", str(left.get("value", ""))).strip() or "progress", quote=True)
    return (f'<div class="shipml-progress">{left.get("value", "")} '
            f'<progress value="{value:g}" max="{top:g}" aria-label="{label}"></progress> {right.get("value", "")}</div>')


def _attributes(script) -> dict:
    """A page script's attributes (Sphinx's _JavaScript), {} for a plain file name."""
    return getattr(script, "attributes", {}) or {}


def _static_progress_bars(app, pagename, templatename, context, doctree) -> None:
    scripts, body = context.get("script_files") or [], context.get("body") or ""
    states = [_attributes(s).get("body") for s in scripts if _attributes(s).get("type") == WIDGET_STATE]
    if not states or WIDGET_VIEW not in body:
        return
    try:
        state = json.loads(states[0])
    except ValueError:
        return

    def replace(match):
        try:
            model_id = json.loads(match.group(1))["model_id"]
        except (ValueError, KeyError, TypeError):
            return match.group(0)
        return progress_html(state, model_id) or match.group(0)

    context["body"] = _VIEW.sub(replace, body)


def _drop_unused_widget_manager(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts or WIDGET_VIEW in (context.get("body") or ""):
        return

    def is_widget_script(script) -> bool:
        name = (getattr(script, "filename", None) or "").removeprefix("_static/")  # Sphinx adds the prefix
        return name in WIDGET_SCRIPTS or _attributes(script).get("type") == WIDGET_STATE

    scripts[:] = [s for s in scripts if not is_widget_script(s)]


# --- scripts added twice ----------------------------------------------------------


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in sorted(scripts, key=lambda js: getattr(js, "priority", 500)):
        # The twins differ only in filename None versus "" (an inline script).
        key = (getattr(script, "filename", None) or "", tuple(sorted((k, str(v)) for k, v in _attributes(script).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


# --- the execution report -------------------------------------------------------------

def _table(header: list[str], rows: list[list[str]]) -> nodes.table:
    table, group = nodes.table(), nodes.tgroup(cols=len(header))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in header]

    def row(cells):
        line = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(text=cell)
            line += entry
        return line

    head, body = nodes.thead(), nodes.tbody()
    head += row(header)
    body += [row(r) for r in rows]
    group += [head, body]
    return table


def _seconds(value) -> str:
    return "" if value is None else f"{value:.1f}"


def execution_report(report: dict | None, tiers: dict | None) -> list[nodes.Node]:
    """The report's nodes: a sentence when there is nothing to show, else tables."""
    if not report or not report.get("notebooks"):
        return [_paragraph("No execution report: `shipml execute` writes one to _build/execution.json.")]
    rows, total, kernel, first = [], 0.0, 0.0, 0.0
    for r in report["notebooks"]:
        total += r.get("seconds") or 0.0
        kernel += r.get("kernel_start_s") or 0.0
        first += r.get("first_cell_s") or 0.0
        rows.append([r["path"], _seconds(r.get("seconds")), _seconds(r.get("kernel_start_s")),
                     _seconds(r.get("first_cell_s")), r.get("status", "")])
    rows.append(["all notebooks", _seconds(total), _seconds(kernel), _seconds(first),
                 f"budget {COURSE_BUDGET_S} s: {'within' if total <= COURSE_BUDGET_S else 'OVER'}"])
    share = f"{kernel / total:.0%}" if total else "–"
    out = [_paragraph(f"Written {report.get('written', '?')}, {report.get('jobs', 1)} notebook(s) at a time. "
                      f"Kernel start-up is {share} of the execution time; the first cell "
                      f"(a page's imports and set-up) {first / total:.0%}." if total else "Nothing was executed."),
           _table(["notebook", "seconds", "kernel start-up s", "first cell s", "status"], rows)]
    if tiers:
        out.append(_paragraph("The last `make test`, wall seconds per tier:"))
        out.append(_table(["tier", "seconds"], [[k, _seconds(v)] for k, v in tiers.items()]
                          + [["all tiers", _seconds(sum(tiers.values()))]]))
    return out


class ExecutionReport(Directive):
    """`{shipml-execution-report}`: the figures of the last `shipml execute` and `make test`."""

    def run(self):
        import json

        env = self.state.document.settings.env
        root = Path(env.srcdir)
        loaded = []
        for name in ("execution.json", "test-tiers.json"):
            path = root / "_build" / name
            env.note_dependency(str(path))
            try:
                loaded.append(json.loads(path.read_text()) if path.exists() else None)
            except ValueError:
                loaded.append(None)
        return execution_report(*loaded)


# --- a chapter's manual-review rubric ----------------------------------------------------


class ReviewRubric(Directive):
    """`{shipml-review-rubric} 14-capstone`: the chapter's rubric from its solution's front matter, as a table."""

    required_arguments = 1

    def run(self):
        from docutils.statemachine import StringList

        from shipml.course.instructor.review import rubric_markdown

        env = self.state.document.settings.env
        stem = self.arguments[0]
        env.note_dependency(str(Path(env.srcdir) / "solutions" / f"{stem}.md"))  # rebuilt when the rubric changes
        try:
            text = rubric_markdown(env.srcdir, stem)
        except notebooks.AuthoringError as error:
            logger.warning(str(error), location=(env.docname, self.lineno))
            return [_paragraph(f"The rubric of {stem} could not be read: {error.message}")]
        container = nodes.container()
        self.state.nested_parse(StringList(text.splitlines(), source=f"solutions/{stem}.md"), self.content_offset,
                                container)
        return list(container.children)


# --- the course's version -----------------------------------------------------------------


def _set_version(app, config) -> None:
    """Put the course's version into Sphinx's config, the MyST substitutions and the footer's `{version}`."""
    from shipml import __version__

    config.version = config.release = __version__
    substitutions = getattr(config, "myst_substitutions", None)
    if isinstance(substitutions, dict):  # new dicts: a config value's default is shared
        config.myst_substitutions = {"shipml_version": __version__, **substitutions}
    options = getattr(config, "html_theme_options", None)
    if isinstance(options, dict) and isinstance(options.get("extra_footer"), str):
        config.html_theme_options = {**options, "extra_footer": options["extra_footer"].replace("{version}", __version__)}


def setup(app):
    app.connect("config-inited", _set_version)
    app.add_directive("shipml-execution-report", ExecutionReport)
    app.add_directive("shipml-review-rubric", ReviewRubric)
    app.add_post_transform(PreferStaticRendering)
    app.add_post_transform(DropGraderCells)
    app.add_post_transform(FigureAltText)
    app.add_post_transform(HintsOffExercisePages)
    app.connect("doctree-read", _add_chapter_facts)
    # before sphinx-book-theme builds its download menu (priority 501)
    app.connect("html-page-context", _offer_notebook_download, priority=450)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _static_progress_bars, priority=905)
    app.connect("html-page-context", _drop_unused_widget_manager, priority=910)
    app.connect("html-page-context", _refuse_remote_assets, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": machinery_version()}


def machinery_version() -> int:
    """A number that changes with the source of this extension and of the `shipml` modules it imports.

    Sphinx keeps each page's doctree between builds and reads a page again only when its source (or a file it
    noted) changed; it discards them all when an extension's `env_version` changed. So an edit to this
    extension or to what it imports, transitively (the rule of cached pipeline stages,
    `shipml.workflows.pipeline.module_sources`), reaches every page; an edit elsewhere in the library reads
    again only the pages of the notebooks it executes again (`shipml.course.execution`).
    """
    from shipml.workflows.lineage import digest
    from shipml.workflows.pipeline import module_sources

    sources = module_sources([__name__])
    return int(digest(*(part.encode() for item in sources.items() for part in item))[:15], 16)
