"""The `shipml` command: a thin layer over the library's functions.

    shipml exercises            # regenerate exercises/ from solutions/
    shipml exercises --check    # exit 1 when an exercise is stale, 0 when all are current
    shipml execute --jobs 2     # execute every notebook once into the book's cache; validate the exercises
    shipml assign --chapters 01,02 --out week3      # student pack + autograder
    shipml grade week3/autograder submissions/ --out grades.csv --jobs 2
    shipml book --edition student|instructor [--chapters 01,02]
    shipml --help
    shipml --version            # shipml 0.1.0: the course's version (pyproject.toml, shipml.__version__)

Each subcommand is a function `_name(args) -> exit status` registered in
COMMANDS with the function that adds its arguments. A mistake in a course
notebook prints `error: <file>:<line>: <message>` and exits 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shipml import __version__
from shipml.course.instructor import assign, edition, grade


def _exercises_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any exercise is stale")
    parser.add_argument("--root", default=".", type=Path, help="the course's root folder (default: .)")


def _exercises(args) -> int:
    from shipml.course.authoring import write_exercises

    root = args.root
    if not (root / "solutions").is_dir():
        where = root / "solutions"
        print(f"error: {where} is not a folder: run this in the course's root or pass --root", file=sys.stderr)
        return 2
    paths = write_exercises(root, check=args.check)
    shown = [_shown(path, root) for path in paths]
    if args.check:
        if not paths:
            print("exercises are current")
            return 0
        for name in shown:
            print(f"stale: {name}", file=sys.stderr)
        fix = "shipml exercises" + ("" if root == Path(".") else f" --root {root}")
        count = f"{len(paths)} exercise file(s) do not match their solutions"
        print(f"{count}: run `{fix}` to regenerate them", file=sys.stderr)
        return 1
    for path, name in zip(paths, shown):
        print(f"{'wrote' if path.exists() else 'removed'} {name}")
    if not paths:
        print("exercises are current")
    return 0


def _execute_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks to execute (default: every notebook of the ToC)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at the same time (default: 2)")
    parser.add_argument("--root", default=".", type=Path, help="the course's root folder (default: .)")
    parser.add_argument("--no-validate", action="store_true", help="skip the two-way validation of the exercises")


def _execute(args) -> int:
    from shipml.course.execution import execute_course
    from shipml.course.validation import validate_exercises

    root = args.root
    if not (root / "_toc.yml").exists():
        print(f"error: {root / '_toc.yml'} does not exist: run this in the course's root or pass --root",
              file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"error: {missing[0]} does not exist", file=sys.stderr)
        return 2
    runs = execute_course(root, args.paths or None, jobs=args.jobs)
    executed = [r for r in runs if r.status != "cached"]
    total = sum(r.seconds for r in executed)
    print(f"{len(executed)} notebook(s) executed ({total:.1f} s of execution), {len(runs) - len(executed)} cached")
    failed = [r for r in runs if r.status == "failed"]
    for run in failed:
        print(f"FAILED {_shown(run.path, root.resolve())}: {run.error}", file=sys.stderr)
    problems = [] if args.no_validate or args.paths else validate_exercises(root)
    for problem in problems:
        print(f"INVALID {problem}", file=sys.stderr)
    return 1 if failed or problems else 0


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


# name -> (help, add_arguments, run)
COMMANDS = {
    "exercises": ("generate exercises/NN-slug.md from solutions/NN-slug.md", _exercises_arguments, _exercises),
    "execute": ("execute every notebook once into the book's cache, then validate the exercises both ways",
                _execute_arguments, _execute),
    "assign": ("write a student pack and an autograder for chosen chapters", assign.add_arguments, assign.command),
    "grade": ("grade submissions: grades.csv and a feedback file per student", grade.add_arguments, grade.command),
    "book": ("build the student or the instructor edition of the book", edition.add_arguments, edition.command),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per entry of COMMANDS."""
    parser = argparse.ArgumentParser(prog="shipml", description="Tools for the Shipping ML course.")
    parser.add_argument("--version", action="version", version=f"shipml {__version__}")
    subparsers = parser.add_subparsers(dest="command", title="commands")
    for name, (help_text, add_arguments, run) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        add_arguments(sub)
        sub.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run `shipml` with `argv` (default: the command line); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.run(args)
    except ValueError as exc:
        # Imported here so that `shipml --help` does not wait for jupytext and nbformat.
        from shipml.course.authoring import AuthoringError

        if not isinstance(exc, AuthoringError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
