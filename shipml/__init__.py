"""Shipping ML's course library.

    import shipml
    shipml.device()                  # torch.device("cuda") where present, else cpu
    from shipml.data import transactions
    from shipml.course.widgets import Quiz, Check

Two layers (ARCHITECTURE.md draws them):

- the production building blocks, one subpackage per stage of the life cycle,
  in the order of the book: `data`, `features`, `evaluation`, `modeling`,
  `workflows`, `serving`, `performance`, `governance` (and, as chapters land,
  `tracking`, `monitoring`, `retrieval`, `finetuning`, `distributed`);
- the course machinery, `shipml.course`: notebooks, exercise generation,
  execution, the book's Sphinx extension, widgets, checks, instructor tools
  and the command line.

Building blocks never import the course machinery (tests/test_architecture.py
enforces it). Importing shipml has no side effects: nothing is created,
downloaded or set.
"""

__version__ = "0.1.0"  # pyproject.toml's version: tests/test_repository.py holds the two equal


def device(prefer: str | None = None):
    """The torch device a chapter should use: CUDA where present, else the CPU.

    `prefer="cpu"` (or the environment variable SHIPML_DEVICE=cpu) forces the
    CPU, e.g. to compare timings; asking for CUDA where there is none falls back
    to the CPU rather than failing, since no chapter may need a GPU.
    """
    import os

    import torch

    choice = (prefer or os.environ.get("SHIPML_DEVICE") or "auto").lower()
    if choice not in {"auto", "cpu", "cuda"}:
        raise ValueError(f"device(prefer=...) takes 'auto', 'cpu' or 'cuda', not {prefer!r}")
    if choice != "cpu" and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")
