"""The repository as an open course others can reuse: self-contained, licensed, citable, versioned once.

- No file of the repository refers to a document outside it (a clone has only
  what is in it): `outside_references` scans every file git tracks or would
  track, and a planted reference shows that it finds one.
- The version has one source, pyproject.toml's: `shipml.__version__`,
  CITATION.cff and the newest release of CHANGELOG.md agree with it, `shipml
  --version` prints it, and the book's footer gets it from the package.
- LICENSE (MIT, the code) and LICENSE-CONTENT (CC BY 4.0, the text, figures and
  exercises) exist and are named in the README and in every page's footer.
- CONTRIBUTING.md is linked from the README and from the book, and names every
  front-matter key the chapter contract asks for; every chapter has them.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

import shipml
from shipml.course import notebooks

ROOT = Path(__file__).resolve().parents[1]

# A path into the sibling folder that held the team's notes, or the notes' file name: a clone has neither.
OUTSIDE = re.compile(r"\.\./shared\b|\bshared/DESIGN\.md\b|\bDESIGN\.md\b")


def repository_files(root: Path = ROOT) -> list[Path]:
    """Every file git tracks in `root`, and every new file it would track (not ignored), that exists."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    return [root / name for name in listed if name and (root / name).is_file()]


def outside_references(paths: list[Path], root: Path = ROOT) -> list[str]:
    """`file:line: text` for every line of `paths` that refers to a document outside the repository."""
    found = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files say nothing to a reader
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
                found.append(f"{name}:{number}: {line.strip()}")
    return found


def _git_repository() -> bool:
    try:
        return subprocess.run(["git", "rev-parse", "--git-dir"], cwd=ROOT, capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


# --- self-contained ------------------------------------------------------------------------------


@pytest.mark.skipif(not _git_repository(), reason="not a git checkout: no list of tracked files")
def test_does_no_file_of_the_repository_refer_to_a_document_outside_it():
    files = repository_files()
    assert ROOT / "CONTRIBUTING.md" in files and ROOT / "pyproject.toml" in files
    problems = outside_references(files)
    assert not problems, "refer to CONTRIBUTING.md instead:\n" + "\n".join(problems)


def test_does_the_scan_find_a_planted_reference_and_pass_clean_text(tmp_path):
    sibling = ".." + "/shared"  # written in two halves, so that this file does not refer to it itself
    planted = tmp_path / "planted.md"
    planted.write_text(f"# Notes\n\nThe budgets are in {sibling}/DESIGN" + ".md, see there.\n")
    docstring = tmp_path / "module.py"
    docstring.write_text('"""Checks.\n\n' + f"See {sibling} for the tiers.\n" + '"""\n')
    named = tmp_path / "Makefile"
    named.write_text("# ---- tests: every tier of " + "DESIGN" + ".md ----\n")
    clean = tmp_path / "clean.md"
    clean.write_text("Shared code lives once in shipml; see CONTRIBUTING.md and the shared/ folder of a pack.\n")
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" + sibling.encode())
    found = outside_references([planted, docstring, named, clean, binary], root=tmp_path)
    assert [f.split(": ")[0] for f in found] == ["planted.md:3", "module.py:3", "Makefile:1"]


# --- one version ---------------------------------------------------------------------------------


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_is_the_package_version_pyprojects():
    version = _pyproject()["project"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert shipml.__version__ == version


def test_does_shipml_version_print_it(capsys):
    from shipml.course.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"shipml {shipml.__version__}"


def test_does_the_command_print_it_too():
    answer = subprocess.run([sys.executable, "-m", "shipml.course.cli", "--version"],
                            capture_output=True, text=True, cwd=ROOT)
    assert answer.returncode == 0 and answer.stdout.strip() == f"shipml {shipml.__version__}"


def test_does_the_changelog_have_the_version_and_an_unreleased_section():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## (\d+\.\d+\.\d+) — (\d{4}-\d{2}-\d{2})$", text, re.MULTILINE)
    assert releases and releases[0][0] == shipml.__version__, "the newest release must be the package's version"
    assert text.index("## Unreleased") < text.index(f"## {shipml.__version__}")
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(citation["date-released"]) == releases[0][1]


def test_is_the_citation_file_valid_cff_with_the_version():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    for key in ("cff-version", "message", "title", "authors"):  # what CFF 1.2.0 requires
        assert citation.get(key), f"CITATION.cff needs {key}"
    assert citation["cff-version"] == "1.2.0"
    assert citation["authors"] == [{"name": "The Shipping ML authors"}]  # an entity: `name`, not given/family
    assert str(citation["version"]) == shipml.__version__
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(citation["date-released"]))
    licences = citation["license"] if isinstance(citation["license"], list) else [citation["license"]]
    assert set(licences) == {"MIT", "CC-BY-4.0"}  # SPDX identifiers
    assert citation.get("type", "software") in {"software", "dataset"}


def test_does_the_book_get_the_version_from_the_package():
    from shipml.course.sphinxext import _set_version

    footer = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["html"]["extra_footer"]
    config = SimpleNamespace(version="", release="", myst_substitutions={},
                             html_theme_options={"extra_footer": footer})
    _set_version(None, config)
    assert config.version == config.release == shipml.__version__
    assert config.myst_substitutions == {"shipml_version": shipml.__version__}
    assert f"Shipping ML {shipml.__version__}," in config.html_theme_options["extra_footer"]
    assert "{version}" not in config.html_theme_options["extra_footer"]


# --- licences --------------------------------------------------------------------------------------


def test_is_the_code_mit_licensed():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 The Shipping ML authors\n")
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text
    assert _pyproject()["project"]["license"] == "MIT"


def test_is_the_content_cc_by_with_attribution_and_the_legal_code():
    text = (ROOT / "LICENSE-CONTENT").read_text(encoding="utf-8")
    assert text.startswith("Creative Commons Attribution 4.0 International (CC BY 4.0)")
    assert "Attribution: you must give appropriate credit" in text
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in text


def test_are_the_licences_in_the_readme_and_in_every_pages_footer():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("LICENSE", "LICENSE-CONTENT", "CC BY 4.0", "MIT", "CITATION.cff", "CHANGELOG.md"):
        assert name in readme
    footer = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["html"]["extra_footer"]
    assert footer.startswith("Runs offline on a laptop CPU. Every number on these pages was computed when the "
                             "book was built.")
    for words in ("{version}", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/", "MIT"):
        assert words in footer


# --- the authors' guide and the chapter contract ----------------------------------------------------


def test_is_contributing_linked_from_the_readme_and_the_book():
    assert "(CONTRIBUTING.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
    pages = [p for p in notebooks.toc_paths(ROOT) if p.parent.name == "book"]
    linked = [p.name for p in pages if "<../CONTRIBUTING.md>" in p.read_text(encoding="utf-8")]
    assert linked, "no front-matter page of the book links to CONTRIBUTING.md"


def test_does_contributing_name_every_front_matter_key_and_the_commands():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for key in notebooks._SHIPML_KEYS:
        assert f"{key}:" in text, f"CONTRIBUTING.md's chapter contract does not show shipml.{key}"
    for words in ("make book", "make test", "make lab", "make test-notebooks", "shipml exercises",
                  "shipml execute", "# BEGIN SOLUTION", "<!-- BEGIN SOLUTION -->", "hidden-check",
                  "wrong_<slug>.py", "ARCHITECTURE.md", "glue", "observe"):
        assert words in text, f"CONTRIBUTING.md does not say {words!r}"


@pytest.mark.parametrize("chapter", [p.stem for p in notebooks.chapter_paths(ROOT)])
def test_does_every_chapter_have_the_contracts_front_matter(chapter):
    facts = notebooks.front_matter(ROOT / "chapters" / f"{chapter}.md", ROOT)
    for key in ("objectives", "minutes", "prerequisites", "runtime_budget_s", "skills"):
        assert key in facts, f"chapters/{chapter}.md has no shipml.{key}"
    assert 3 <= sum(len(phrases) for phrases in facts["skills"].values()) <= 5
    assert facts["runtime_budget_s"] <= 60


@pytest.mark.parametrize("chapter", [p.stem for p in notebooks.chapter_paths(ROOT)])
def test_is_each_solution_titled_as_solutions_and_its_exercise_as_exercises(chapter):
    # one search hit per page, and a solution page that does not call itself an exercise
    solution = notebooks.title(ROOT / "solutions" / f"{chapter}.md")
    assert solution.startswith("Solutions: "), f"solutions/{chapter}.md is titled {solution!r}"
    assert notebooks.title(ROOT / "exercises" / f"{chapter}.md") == "Exercises: " + solution.removeprefix("Solutions: ")


def test_does_some_chapter_build_every_competency_of_the_career_map():
    from shipml.course.authoring import career_map

    missing = [c["title"] for c in career_map(ROOT) if not c["chapters"]]
    assert not missing, f"no chapter's skills name these competencies: {missing}"
