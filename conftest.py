"""Let `pytest --nbval-lax` collect the MyST notebooks of chapters/ and solutions/.

nbval collects only .ipynb files and jupytext has no pytest plugin, so this hook
reads a MyST `.md` notebook with jupytext and hands it to nbval's collector.
nbval starts each kernel in the notebook's own folder.

    .venv/bin/python -m pytest --nbval-lax chapters solutions
"""

from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent
NOTEBOOK_FOLDERS = {ROOT / "chapters", ROOT / "solutions"}


def _is_myst_notebook(path: Path) -> bool:
    if path.suffix != ".md" or path.resolve().parent not in NOTEBOOK_FOLDERS:
        return False
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "kernelspec:" in head


def pytest_collect_file(file_path, parent):
    opt = parent.config.option
    if not (getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False)):
        return None
    if not _is_myst_notebook(Path(file_path)):
        return None
    from nbval.plugin import IPyNbFile

    class MystNotebook(IPyNbFile):
        """nbval's notebook collector, reading MyST markdown through jupytext."""

        def collect(self):
            import jupytext
            import nbval.plugin

            notebook = jupytext.read(self.path, fmt="md:myst")
            with mock.patch.object(nbval.plugin.nbformat, "read", lambda *a, **k: notebook):
                yield from super().collect()

    return MystNotebook.from_parent(parent, path=file_path)
