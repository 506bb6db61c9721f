"""Static renderings of the Explorer, the Check and the ScoreSheet, for a page without a kernel.

    from shipml.course.static import MARKERS, explorer_html, still_html, check_html, score_sheet_html
    explorer_html(controls, states, current, alt_prefix)   # controls that switch precomputed states in the page
    still_html(png, caption, alt, note)                    # one state, plainly still: no control that looks live
    check_html(heading, results, hints)                    # the last verdict, the hint ladder folded, no button
    score_sheet_html(rows, result)                         # the marks and scores as a table

The widgets (`shipml.course.widgets`) put one of these in their display next
to the widget view, as a Quiz does: Jupyter shows the widget, and the book's
Sphinx extension (`shipml.course.sphinxext`) drops the widget view of an
output that carries one of `MARKERS`, so a reader of the static book never
meets a control that moves and changes nothing.

An explorer's states are computed when the book's notebooks are executed
(`shipml execute` sets `BOOK_BUILD_ENV`): each state is a PNG and a caption,
embedded in the page as JSON, and a little JavaScript switches them when a
control moves. A slider becomes an `<input type="range">` over the state
grid's positions with an `<output>` that shows the value, a list of options a
`<select>`, a tick box a checkbox. Every control has a label, and every image
an alt text. Like the quizzes' script, it requests nothing from the network
and defines no global. This module imports no widget library.
"""

from __future__ import annotations

import hashlib
import html
import json

__all__ = ["BOOK_BUILD_ENV", "MARKERS", "check_html", "explorer_html", "score_sheet_html", "still_html"]

BOOK_BUILD_ENV = "SHIPML_BOOK_BUILD"  # set by `shipml execute` in its kernels: compute the static states
EXPLORER, STILL, CHECK, SHEET = ("shipml-explorer-static", "shipml-explorer-still", "shipml-check-static",
                                 "shipml-score-sheet-static")
MARKERS = (EXPLORER, STILL, CHECK, SHEET)  # the classes that tell the book an output has a static rendering
HINTS = "shipml-hints"  # a check's folded hint ladder: the book leaves it out of an exercise page
HINTS_IN_NOTEBOOK = ('<p class="shipml-hints-note" style="margin:0.3em 0 0">Hints: in the notebook, one at a time '
                     "(the last one nearly gives the answer).</p>")

_BOX = "border:1px solid #ddd;border-radius:4px;padding:0.5em 0.8em;margin:0.5em 0"
_IMG = "max-width:100%;height:auto;display:block"

EXPLORER_JS = """
(function (root) {
  var data = JSON.parse(root.querySelector('script[type="application/json"]').textContent);
  var img = root.querySelector("img"), caption = root.querySelector(".shipml-explorer-caption");
  var inputs = Array.prototype.slice.call(root.querySelectorAll("[data-control]"));
  function position(input) { return input.type === "checkbox" ? (input.checked ? 1 : 0) : Number(input.value); }
  function update() {
    var state = data.states[inputs.map(position).join(",")];
    inputs.forEach(function (input) {
      var out = root.querySelector('output[for="' + input.id + '"]');
      if (out) { out.textContent = data.controls[Number(input.dataset.control)].labels[position(input)]; }
    });
    if (!state) { return; }
    img.src = "data:image/png;base64," + state[0];
    img.alt = state[2];
    caption.innerHTML = state[1];
  }
  inputs.forEach(function (input) { input.addEventListener(input.type === "range" ? "input" : "change", update); });
})(document.currentScript.parentElement);
"""
_EXPLORER_SCRIPT = "\n".join(line.strip() for line in EXPLORER_JS.strip().splitlines())


def _png_img(png_b64: str, alt: str, width: int | None = None) -> str:
    size = f' width="{width}"' if width else ""
    return f'<img src="data:image/png;base64,{png_b64}" alt="{html.escape(alt)}"{size} style="{_IMG}">'


def _control_html(index: int, control: dict, uid: str) -> str:
    """One control of the static explorer: a range, a select or a checkbox, with its label."""
    cid = f"{uid}-{index}"
    label = f'<label for="{cid}" style="margin-right:0.5em">{html.escape(control["label"])}</label>'
    current, labels = control["current"], control["labels"]
    if control["kind"] == "checkbox":
        checked = " checked" if current == 1 else ""
        field = f'<input type="checkbox" id="{cid}" data-control="{index}"{checked}>'
        return f"<div>{field} {label}</div>"
    if control["kind"] == "select":
        options = "".join(f'<option value="{i}"{" selected" if i == current else ""}>{html.escape(str(text))}</option>'
                          for i, text in enumerate(labels))
        return f'<div>{label}<select id="{cid}" data-control="{index}">{options}</select></div>'
    field = (f'<input type="range" id="{cid}" data-control="{index}" min="0" max="{len(labels) - 1}" step="1" '
             f'value="{current}" style="vertical-align:middle;width:12em;max-width:60%">')
    readout = f'<output for="{cid}" style="margin-left:0.5em">{html.escape(str(labels[current]))}</output>'
    return f"<div>{label}{field}{readout}</div>"


def explorer_html(controls: list[dict], states: dict[str, tuple[str, str, str]], current: str,
                  width: int | None = None) -> str:
    """An explorer that works without a kernel.

    controls: [{"label", "kind": "range" | "select" | "checkbox", "labels": [shown value per position],
    "current": position}], in the order of the state keys; states: {"i,j,...": (png base64, caption HTML, alt)};
    current: the key of the state shown first.
    """
    payload = {"controls": [{"labels": [str(v) for v in c["labels"]]} for c in controls],
               "states": {key: list(value) for key, value in states.items()}}
    data = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).replace("</", "<\\/")
    uid = "shipml-x-" + hashlib.sha256(data.encode()).hexdigest()[:10]
    png, caption, alt = states[current]
    fields = "".join(_control_html(i, c, uid) for i, c in enumerate(controls))
    return (f'<div class="{EXPLORER}" style="{_BOX}">'
            f'<script type="application/json">{data}</script>'
            f'<div role="group" aria-label="Explorer controls">{fields}</div>'
            f"{_png_img(png, alt, width)}"
            f'<div class="shipml-explorer-caption" aria-live="polite">{caption}</div>'
            f"<script>{_EXPLORER_SCRIPT}</script></div>")


def still_html(png_b64: str | None, caption: str, alt: str, note: str, width: int | None = None) -> str:
    """One state of an explorer, shown as still: the figure, its caption and a note on how to move it."""
    figure = _png_img(png_b64, alt, width) if png_b64 else ""
    return (f'<div class="{STILL}" style="{_BOX}">{figure}'
            f'<div class="shipml-explorer-caption">{caption}</div>'
            f'<p style="opacity:0.8;margin:0.3em 0 0"><i>{html.escape(note)}</i></p></div>')


def check_html(heading: str, results: str, hints: list[str]) -> str:
    """A Check as the book shows it: the verdict it gave when the page was built, and its hints folded away."""
    ladder = ""
    if hints:
        items = "".join(f"<li>{h}</li>" for h in hints)
        ladder = (f'<details class="{HINTS}" style="margin-top:0.3em"><summary>Hints ({len(hints)}), one after the other'
                  f'</summary><ol style="margin:0.3em 0">{items}</ol></details>')
    note = ('<p style="opacity:0.8;margin:0.3em 0 0"><i>The verdict on this page\'s code when the book was built. '
            "Open the notebook in Jupyter to check your own code.</i></p>")
    return f'<div class="{CHECK}" style="{_BOX}">{heading}{results}{ladder}{note}</div>'


def score_sheet_html(rows: list[tuple[str, str, float]], summary: str) -> str:
    """The ML Test Score sheet as a table: (test id, test, points) per row, and the scores under it."""
    body = "".join(f"<tr><td>{html.escape(t)}</td><td>{html.escape(name)}</td><td>{points:g}</td></tr>"
                   for t, name, points in rows)
    return (f'<div class="{SHEET}" style="{_BOX}"><table><caption>Points per test (1 automated, 0.5 by hand)'
            f"</caption><thead><tr><th>test</th><th></th><th>points</th></tr></thead><tbody>{body}</tbody></table>"
            f'{summary}<p style="opacity:0.8;margin:0.3em 0 0"><i>Open the notebook in Jupyter to tick the boxes.'
            "</i></p></div>")
