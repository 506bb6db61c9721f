"""Kernels that talk to their client over Unix sockets, not TCP ports.

    from shipml.course.kernel import ipc_kernels
    with ipc_kernels() as config:
        NotebookClient(nb, config=config).execute()

Over TCP, jupyter_client picks five free ports, closes them, and the kernel
binds them a moment later. Two notebooks started at once, or a notebook that
starts an HTTP server on port 0 meanwhile (chapters 7 and 8 do), can take a
port in between; the kernel then dies in `bind` and the client waits 60 s for
"Kernel didn't respond". (That happened in CI with two notebooks at a time.)
Unix sockets in a private folder have no such race, and the kernel does not
warn that it "is running over TCP without encryption".
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator


@contextlib.contextmanager
def ipc_kernels() -> Iterator[object]:
    """A traitlets Config whose kernels listen on Unix sockets in a private temporary folder."""
    from traitlets.config import Config

    folder = tempfile.mkdtemp(prefix="shipml-kernel-")   # mode 0700: only this user can connect
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = f"{folder}/kernel"          # absolute: the kernel starts in another folder
    try:
        yield config
    finally:
        shutil.rmtree(folder, ignore_errors=True)
