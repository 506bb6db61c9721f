"""`make bench`: each notebook's execution seconds, the totals, and the book's build times.

    .venv/bin/python benchmarks/run.py [--notebooks-only]

Notebooks run as the book runs them (kernel in the notebook's folder, 60 s per
cell); a notebook over its budget (front matter `shipml.runtime_budget_s`, else
DESIGN.md's 60 s) makes the run exit 1. Times include the kernel's start.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shipml.course.execution import execute  # noqa: E402

NOTEBOOK_BUDGET_S = 60
COURSE_BUDGET_S = 300
MAKE_BOOK_BUDGET_S = 15


def notebooks() -> list[Path]:
    found = []
    for folder in ("book", "chapters", "exercises", "solutions"):
        for path in sorted((ROOT / folder).glob("*.md")):
            if "kernelspec:" in path.read_text(encoding="utf-8")[:2000]:
                found.append(path)
    return found


def budget(path: Path) -> float:
    import jupytext

    meta = jupytext.read(path, fmt="md:myst").metadata.get("shipml", {})
    return float(meta.get("runtime_budget_s", NOTEBOOK_BUDGET_S))


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks-only", action="store_true", help="skip the book build timings")
    args = parser.parse_args(argv)

    rows, over = [], []
    for path in tqdm(notebooks(), desc="executing notebooks", unit="nb"):
        run = execute(path, timeout_s=NOTEBOOK_BUDGET_S)
        limit = budget(path)
        status = "ok" if run.ok else f"FAILED: {run.error}"
        if run.seconds > limit:
            over.append(path)
            status += f" (over its {limit:g} s budget)"
        rows.append((str(path.relative_to(ROOT)), run.seconds, limit, status))

    total = sum(r[1] for r in rows)
    print(f"\n| notebook | seconds | budget s | status |\n| --- | ---: | ---: | --- |")
    for name, seconds, limit, status in rows:
        print(f"| {name} | {seconds:.1f} | {limit:g} | {status} |")
    print(f"| **all notebooks** | **{total:.1f}** | {COURSE_BUDGET_S} | {'ok' if total <= COURSE_BUDGET_S else 'OVER'} |")

    if not args.notebooks_only:
        jb = str(ROOT / ".venv" / "bin" / "jupyter-book")
        with tempfile.TemporaryDirectory() as out:
            build = [jb, "build", "--path-output", out, "."]
            cold = timed(build, ROOT)
            warm = timed(build, ROOT)
        subprocess.run(["make", "-s", "book"], cwd=ROOT, capture_output=True)
        make_noop = timed(["make", "-s", "book"], ROOT)
        print("\n| book build | seconds | budget s |\n| --- | ---: | ---: |")
        print(f"| cold (no cache, fresh output folder) | {cold:.1f} | |")
        print(f"| `jupyter-book build`, nothing changed | {warm:.1f} | |")
        print(f"| `make book`, nothing changed | {make_noop:.1f} | {MAKE_BOOK_BUDGET_S} |")
        if make_noop > MAKE_BOOK_BUDGET_S:
            over.append("make book")

    failed = [r[0] for r in rows if not r[3].startswith("ok")]
    if failed or over or total > COURSE_BUDGET_S:
        print(f"\nover budget or failing: {failed + [str(o) for o in over]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
