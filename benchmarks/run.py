"""`make bench`: the course's scoreboard — each notebook's seconds, the course total, kernel start-up, make test per tier.

    .venv/bin/python benchmarks/run.py [--notebooks-only] [--jobs 1]

Every notebook of the ToC is executed afresh (a new, temporary execution
cache), one at a time by default so that each time is the notebook's own, as
`shipml execute` runs it (kernel in the notebook's folder, 60 s per cell).
For each one: the seconds of the whole run, the kernel's start-up (until the
first cell begins) and the first cell (a page's imports and set-up). Then the course
total against the ten minutes of CONTRIBUTING.md's budgets, the cached no-change `make book`, and
the wall seconds per tier of the last `make test` (`_build/test-tiers.json`).
The figures also go to `_build/bench.json`, for trend-keeping; the book's
execution status page shows those of the last `shipml execute`.

A notebook over its budget (front matter `shipml.runtime_budget_s`, else
60 s), a failing one, a course over ten minutes or a `make book` over 15 s
makes the run exit 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shipml.course.execution import COURSE_BUDGET_S, NOTEBOOK_BUDGET_S, execute_course  # noqa: E402
from shipml.course.notebooks import front_matter  # noqa: E402

MAKE_BOOK_BUDGET_S = 15


def budget(path: Path) -> float:
    try:
        return float(front_matter(path, ROOT).get("runtime_budget_s", NOTEBOOK_BUDGET_S))
    except ValueError:
        return NOTEBOOK_BUDGET_S


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return time.perf_counter() - start


def import_seconds(path: Path) -> float:
    """Seconds a fresh Python spends on the notebook's import statements (all its code cells'), nothing else."""
    import ast

    from shipml.course.execution import read_notebook

    imports = []
    for cell in read_notebook(path).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        imports += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    code = "import time\nt = time.perf_counter()\n" + "\n".join(imports) + "\nprint(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", code], cwd=path.parent, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else float("nan")


def _s(value) -> str:
    return "" if value is None else f"{value:.1f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks-only", action="store_true", help="skip the book build timing")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks at a time (1: each time is its own)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as cache:
        wall = time.perf_counter()
        runs = execute_course(ROOT, jobs=args.jobs, cache_dir=cache)
        wall = time.perf_counter() - wall

    rows, over = [], []
    print("\n| notebook | seconds | kernel start-up s | imports s | first cell s | budget s | status |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    imports = {}
    for run in runs:
        name, limit = str(run.path.relative_to(ROOT)), budget(run.path)
        imports[name] = import_seconds(run.path)
        status = "ok" if run.ok else f"FAILED: {run.error}"
        if run.seconds > limit:
            over.append(name)
            status += f" (over its {limit:g} s budget)"
        rows.append({**run.to_dict(ROOT), "imports_s": round(imports[name], 2), "budget_s": limit})
        print(f"| {name} | {run.seconds:.1f} | {_s(run.kernel_start_s)} | {imports[name]:.1f} | "
              f"{_s(run.first_cell_s)} | {limit:g} | {status} |")
    total = sum(r.seconds for r in runs)
    kernel = sum(r.kernel_start_s or 0 for r in runs)
    first = sum(r.first_cell_s or 0 for r in runs)
    imported = sum(imports.values())
    print(f"| **all notebooks** | **{total:.1f}** | {kernel:.1f} | {imported:.1f} | {first:.1f} | {COURSE_BUDGET_S} | "
          f"{'ok' if total <= COURSE_BUDGET_S else 'OVER'} |")
    print(f"\nStart-up before a notebook's own work: kernel {kernel / total:.0%} and imports {imported / total:.0%} "
          f"of the execution ({(kernel + imported) / total:.0%} together). "
          f"Wall time with {args.jobs} at a time: {wall:.1f} s.")

    result = {"written": datetime.now(timezone.utc).isoformat(timespec="seconds"), "jobs": args.jobs,
              "notebooks": rows, "total_s": round(total, 1), "wall_s": round(wall, 1),
              "kernel_start_s": round(kernel, 1), "imports_s": round(imported, 1), "first_cell_s": round(first, 1)}

    if not args.notebooks_only:
        subprocess.run(["make", "-s", "book"], cwd=ROOT, capture_output=True)
        make_noop = timed(["make", "-s", "book"], ROOT)
        result["make_book_noop_s"] = round(make_noop, 1)
        print(f"\n`make book`, nothing changed: {make_noop:.1f} s (budget {MAKE_BOOK_BUDGET_S} s)")
        if make_noop > MAKE_BOOK_BUDGET_S:
            over.append("make book")

    tiers_file = ROOT / "_build" / "test-tiers.json"
    if tiers_file.exists():
        tiers = json.loads(tiers_file.read_text())
        result["make_test_tiers_s"] = tiers
        print("\nThe last `make test`, wall seconds per tier:\n\n| tier | seconds |\n| --- | ---: |")
        for name, seconds in tiers.items():
            print(f"| {name} | {seconds:.1f} |")
        print(f"| **all** | **{sum(tiers.values()):.1f}** |")

    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "bench.json").write_text(json.dumps(result, indent=1))

    failed = [str(r.path.relative_to(ROOT)) for r in runs if not r.ok]
    if failed or over or total > COURSE_BUDGET_S:
        print(f"\nover budget or failing: {failed + over}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
