"""Figures described in words, so that the book's images have an alt text that says what they show.

    from shipml.course.figures import describe, describe_figures
    describe(fig)        # "Figure: Cost against threshold (x: threshold, y: cost (EUR); lines: model, rule)"
    describe_figures()   # in a kernel: a displayed Figure's text/plain is its description

`shipml execute` starts the book's kernels with `describe_figures()` (an
`IPKernelApp.exec_lines` argument), so every figure a notebook shows carries
its description next to its PNG; the book's Sphinx extension
(`shipml.course.sphinxext`) makes it the image's alt text. The description is
built from what the author wrote on the figure: the titles, the axis labels,
the legend's entries. A figure with none of them is described by its size.
"""

from __future__ import annotations

PREFIX = "Figure: "


def _axes_words(ax) -> str:
    parts = []
    labels = [f"x: {ax.get_xlabel()}" if ax.get_xlabel() else "", f"y: {ax.get_ylabel()}" if ax.get_ylabel() else ""]
    labels = [label for label in labels if label]
    legend = ax.get_legend()
    entries = [t.get_text() for t in legend.get_texts()] if legend is not None else []
    if entries:
        labels.append("lines: " + ", ".join(entries))
    title = ax.get_title()
    if title:
        parts.append(title)
    if labels:
        parts.append(f"({'; '.join(labels)})")
    return " ".join(parts)


def describe(fig) -> str:
    """The figure in words: its title, then each plot's title, axis labels and legend entries."""
    parts = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        parts.append(suptitle.get_text())
    axes = [_axes_words(ax) for ax in fig.get_axes()]
    parts += [words for words in axes if words]
    if not parts:
        width, height = fig.get_size_inches()
        parts.append(f"a plot of {len(fig.get_axes())} axes, {width:g} × {height:g} inches, without labels")
    return PREFIX + "; ".join(parts)


def describe_figures(shell=None) -> None:
    """Make a displayed matplotlib Figure's text/plain its description (in an IPython kernel; a no-op elsewhere)."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return
        shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["text/plain"]

    def register(*_):
        formatter.for_type_by_name("matplotlib.figure", "Figure", lambda fig, printer, cycle: printer.text(describe(fig)))

    # The inline backend drops every formatter's Figure printer when it starts (select_figure_formats, at the first
    # figure): register again right after it has.
    try:
        from matplotlib_inline import backend_inline  # importing it may start it, which drops the printer
    except ImportError:
        register()
        return
    select = backend_inline.select_figure_formats
    if not getattr(select, "describes_figures", False):
        def select_then_describe(*args, **kwargs):
            select(*args, **kwargs)
            register()

        select_then_describe.describes_figures = True
        backend_inline.select_figure_formats = select_then_describe
    register()
