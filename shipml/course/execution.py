"""Run a MyST notebook top to bottom, as the book, the tests and the bench do.

    from shipml.course.execution import execute
    run = execute("exercises/01-ml-engineering.md")
    run.seconds, run.error          # wall time; None or the first failing cell's error

The kernel starts in the notebook's own folder, as in Jupyter and in the book
build. Extra environment variables (e.g. SHIPML_CHECK_LOG) reach the kernel.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Execution:
    """The outcome of executing one notebook."""

    path: Path
    seconds: float
    error: str | None = None
    notebook: object = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None


def execute(path, *, timeout_s: float = 60, env: dict[str, str] | None = None) -> Execution:
    """Execute the notebook at `path`; a failing cell is reported, not raised."""
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    notebook = jupytext.read(path, fmt="md:myst")
    client = NotebookClient(
        notebook,
        timeout=timeout_s,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    saved = dict(os.environ)
    os.environ.update(env or {})  # the kernel inherits this process's environment
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}"
    except (CellTimeoutError, DeadKernelError) as exc:
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return Execution(path, time.perf_counter() - start, error, notebook)
