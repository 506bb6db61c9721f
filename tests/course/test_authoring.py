"""Golden tests of exercise generation, its errors, notebook metadata and `shipml exercises`.

Each folder under fixtures/authoring/golden/ holds a solution.md and the exact
exercise.md expected from it. After an intended change of the generator,
regenerate them with

    SHIPML_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_authoring.py

and read the diff before committing it.
"""

import itertools
import os
import re
import shutil
from pathlib import Path

import jupytext
import pytest

from shipml.course import authoring
from shipml.course.authoring import (
    career_map,
    career_map_markdown,
    self_assessment_markdown,
    AuthoringError,
    check_chapter,
    generate_exercise,
    schedule,
    schedule_markdown,
    syllabus_markdown,
    write_exercises,
)
from shipml.course.cli import main
from shipml.course.competencies import COMPETENCIES
from shipml.course.notebooks import front_matter

FIXTURES = Path(__file__).parent / "fixtures" / "authoring"
GOLDEN = sorted(p.name for p in (FIXTURES / "golden").iterdir() if p.is_dir())
UPDATE = os.environ.get("SHIPML_UPDATE_GOLDEN") == "1"


def _generate(name: str) -> str:
    text = (FIXTURES / "golden" / name / "solution.md").read_text(encoding="utf-8")
    return generate_exercise(text, f"solutions/{name}.md")


@pytest.fixture
def course(tmp_path):
    """A copy of the fixture course (chapters, solutions, current exercises, _toc.yml)."""
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "course", root)
    return root


@pytest.fixture
def registry(monkeypatch):
    """Pretend shipml.course.checks registers ch01-ex1 only."""
    monkeypatch.setattr(authoring, "_registered_ids", lambda: {"ch01-ex1"})


# --- golden exercises ---------------------------------------------------------------


def test_is_there_a_golden_case_per_marker():
    assert {"01-assignments", "01-function-body", "01-solution-tag", "01-hidden-check", "01-markdown-answer",
            "01-title"} <= set(GOLDEN)


def test_does_a_solutions_title_and_intro_become_the_exercises():
    text = _generate("01-title")
    assert "# Exercises: pricing mistakes" in text and "Solutions:" not in text
    assert "introduces the solutions only" not in text
    assert authoring.EXERCISE_INTRO.format(stem="01-title") in text
    assert "Both pages keep this paragraph" in text


@pytest.mark.parametrize("name", GOLDEN)
def test_does_the_exercise_match_its_golden_file(name):
    got = _generate(name)
    expected_path = FIXTURES / "golden" / name / "exercise.md"
    if UPDATE:
        expected_path.write_text(got, encoding="utf-8")
    assert got == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", GOLDEN)
def test_is_generation_stable_and_idempotent(name):
    once = _generate(name)
    assert _generate(name) == once
    assert generate_exercise(once, f"solutions/{name}.md") == once


@pytest.mark.parametrize("name", GOLDEN)
def test_does_the_exercise_survive_a_jupytext_round_trip(name):
    text = _generate(name)
    nb = jupytext.reads(text, fmt="md:myst")
    assert jupytext.writes(nb, fmt=dict(authoring._WRITE_FMT)) == text


@pytest.mark.parametrize("name", GOLDEN)
def test_does_the_exercise_say_it_is_generated_and_keep_no_version(name):
    text = _generate(name)
    first = jupytext.reads(text, fmt="md:myst").cells[0]
    assert first.cell_type == "markdown"
    assert f"`solutions/{name}.md`" in first.source and "`shipml exercises`" in first.source
    assert "jupytext_version" not in text


@pytest.mark.parametrize("name", GOLDEN)
def test_does_no_line_of_an_answer_region_or_hidden_check_leak(name):
    solution = (FIXTURES / "golden" / name / "solution.md").read_text(encoding="utf-8")
    exercise = _generate(name)
    hidden = []
    for cell in jupytext.reads(solution, fmt="md:myst").cells:
        inside = False
        for line in cell.source.split("\n"):
            if "hidden-check" in cell.metadata.get("tags", []):
                hidden.append(line)
            elif "BEGIN SOLUTION" in line or "END SOLUTION" in line:
                inside = "BEGIN" in line
            elif inside:
                hidden.append(line)
    exposed = set(exercise.split("\n"))
    assert [line for line in hidden if line.strip() and line in exposed] == []
    assert "BEGIN SOLUTION" not in exercise and "END SOLUTION" not in exercise


def test_does_a_stubbed_function_return_none_and_stubbed_names_exist():
    namespace: dict = {}
    nb = jupytext.reads(_generate("01-solution-tag"), fmt="md:myst")
    for cell in nb.cells:
        if cell.cell_type == "code":
            exec(cell.source, namespace)
    assert namespace["log_ratio"](1.0, 2.0) is None
    assert namespace["RATIO"] is None
    assert namespace["one_liner"](3) is None


def test_do_a_models_stubbed_fields_keep_their_annotations_so_the_class_still_builds():
    from pydantic import BaseModel, Field

    from shipml.course.authoring import _stub

    code = ("model_config = {'strict': True}\n\nlr: float = Field(0.03, gt=0)\nepochs: int = 12\n"
            "a, b = 1, 2")
    stub = "\n".join(_stub(code))
    assert stub == ("model_config = None  # YOUR CODE HERE\n\nlr: float = None  # YOUR CODE HERE\n"
                    "epochs: int = None  # YOUR CODE HERE\na = None  # YOUR CODE HERE\nb = None  # YOUR CODE HERE")
    body = "\n".join("    " + line for line in stub.splitlines())
    namespace = {"BaseModel": BaseModel, "Field": Field}
    fields = "\n".join(line for line in body.splitlines() if not line.lstrip().startswith(("a ", "b ")))
    exec(f"class RunConfig(BaseModel):\n{fields}\n", namespace)  # a bare `lr = None` would not build
    assert namespace["RunConfig"]().lr is None


def test_does_the_solution_tag_leave_the_cells_other_tags():
    nb = jupytext.reads(_generate("01-solution-tag"), fmt="md:myst")
    tags = [cell.metadata.get("tags") for cell in nb.cells if cell.cell_type == "code"]
    assert tags[0] == ["hide-output"]
    assert all(t is None or "solution" not in t for t in tags)


def test_does_the_generated_exercise_run_top_to_bottom_unsolved(course, tmp_path):
    from nbclient import NotebookClient

    write_exercises(course)
    nb = jupytext.read(course / "exercises" / "01-basics.md", fmt="md:myst")
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o.get("text", "") for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert "threshold: None cost: None\n" in outputs


# --- errors name the file and the line ---------------------------------------------------

ERRORS = [
    ("01-unclosed.md", 16, "never closed"),
    ("01-nested.md", 17, "inside the region opened at line 15"),
    ("01-end-without-begin.md", 22, "without a # BEGIN SOLUTION"),
    ("01-md-unclosed.md", 16, "<!-- BEGIN SOLUTION --> is never closed"),
    ("01-md-nested.md", 22, "inside the region opened at line 20"),
    ("01-md-end-without-begin.md", 21, "<!-- END SOLUTION --> without"),
    ("01-marker-after-code.md", 15, "looks like a solution marker"),
    ("01-half-statement.md", 14, "not valid Python"),
    ("01-unregistered-id.md", 22, "'ch01-ex9' is not registered in shipml.course.checks"),
    ("01-wrong-chapter-id.md", 16, "belongs to chapter 02, but this notebook is chapter 01"),
]


@pytest.mark.parametrize("name, line, words", ERRORS)
def test_does_a_bad_solution_raise_an_error_naming_file_and_line(name, line, words, registry):
    source = f"bad/{name}"
    with pytest.raises(AuthoringError) as caught:
        generate_exercise((FIXTURES / source).read_text(encoding="utf-8"), source)
    assert (caught.value.file, caught.value.line) == (source, line)
    assert str(caught.value).startswith(f"{source}:{line}: ")
    assert words in str(caught.value)


def test_is_an_authoring_error_a_value_error():
    assert issubclass(AuthoringError, ValueError)


def test_are_exercise_ids_accepted_when_registered_or_when_there_is_no_registry(monkeypatch):
    text = (FIXTURES / "bad" / "01-unregistered-id.md").read_text(encoding="utf-8")
    monkeypatch.setattr(authoring, "_registered_ids", lambda: {"ch01-ex1", "ch01-ex9"})
    generate_exercise(text, "solutions/01-unregistered-id.md")
    monkeypatch.setattr(authoring, "_registered_ids", lambda: None)
    generate_exercise(text, "solutions/01-unregistered-id.md")


def test_are_registered_ids_read_from_shipml_checks(monkeypatch):
    import shipml.course.checks

    monkeypatch.setattr(shipml.course.checks, "registered_ids", lambda: ["ch01-ex1"], raising=False)
    assert authoring._registered_ids() == {"ch01-ex1"}


def test_does_a_chapter_with_a_hidden_check_raise_an_error_naming_file_and_line():
    source = "chapters/01-hidden-check-chapter.md"
    with pytest.raises(AuthoringError, match=re.escape(f"{source}:18: a chapter may not have a hidden-check")):
        check_chapter((FIXTURES / "bad" / "01-hidden-check-chapter.md").read_text(encoding="utf-8"), source)


def test_does_a_clean_chapter_pass_check_chapter():
    check_chapter((FIXTURES / "course" / "chapters" / "01-basics.md").read_text(encoding="utf-8"), "chapters/01-basics.md")


def test_does_a_solution_without_a_chapter_raise_an_error_naming_it():
    with pytest.raises(AuthoringError, match=re.escape("solutions/03-lonely.md:1: no chapter for this solution")):
        write_exercises(FIXTURES / "no_chapter", check=True)


# --- write_exercises and `shipml exercises` ------------------------------------------------


def test_is_the_fixture_course_current():
    assert write_exercises(FIXTURES / "course", check=True) == []


def test_does_writing_twice_change_nothing_the_second_time(course):
    (course / "exercises" / "01-basics.md").unlink()
    assert write_exercises(course) == [course / "exercises" / "01-basics.md"]
    assert write_exercises(course) == []
    assert write_exercises(course, check=True) == []


def test_does_check_report_stale_missing_and_orphaned_files_without_writing(course):
    exercise = course / "exercises" / "01-basics.md"
    exercise.write_text(exercise.read_text() + "\nedited by hand\n")
    orphan = course / "exercises" / "09-gone.md"
    orphan.write_text("*This exercise notebook is generated from `solutions/09-gone.md` ...*\n")
    assert write_exercises(course, check=True) == [exercise, orphan]
    assert "edited by hand" in exercise.read_text() and orphan.exists()
    exercise.unlink()
    assert write_exercises(course, check=True) == [exercise, orphan]


def test_does_writing_remove_a_generated_orphan_but_refuse_a_hand_written_one(course):
    orphan = course / "exercises" / "09-gone.md"
    orphan.write_text("*This exercise notebook is generated from `solutions/09-gone.md` ...*\n")
    assert write_exercises(course) == [orphan]
    assert not orphan.exists()
    orphan.write_text("# my own notes\n")
    with pytest.raises(AuthoringError, match="exercises/09-gone.md:1: this exercise has no solution"):
        write_exercises(course)


def test_does_the_cli_check_exit_0_when_current_and_1_naming_stale_files(course, capsys):
    assert main(["exercises", "--check", "--root", str(course)]) == 0
    assert "exercises are current" in capsys.readouterr().out
    exercise = course / "exercises" / "01-basics.md"
    exercise.write_text(exercise.read_text().replace("YOUR CODE HERE", "my answer"))
    assert main(["exercises", "--check", "--root", str(course)]) == 1
    err = capsys.readouterr().err
    assert "stale: exercises/01-basics.md" in err and "shipml exercises" in err
    assert main(["exercises", "--root", str(course)]) == 0
    assert "wrote exercises/01-basics.md" in capsys.readouterr().out
    assert main(["exercises", "--check", "--root", str(course)]) == 0


def test_does_the_cli_print_an_authoring_error_without_a_traceback(course, capsys):
    shutil.copy(FIXTURES / "bad" / "01-unclosed.md", course / "solutions" / "01-basics.md")
    assert main(["exercises", "--check", "--root", str(course)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: solutions/01-basics.md:16: ") and "Traceback" not in err


def test_does_the_cli_explain_a_missing_solutions_folder(tmp_path, capsys):
    assert main(["exercises", "--root", str(tmp_path)]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_does_shipml_help_list_the_subcommands(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "exercises" in capsys.readouterr().out
    assert main([]) == 2


# --- front matter and syllabus --------------------------------------------------------------


def test_does_front_matter_return_the_shipml_block():
    facts = front_matter(FIXTURES / "course" / "chapters" / "02-pipelines.md")
    assert facts == {
        "objectives": ["Split data by time"],
        "minutes": 30,
        "prerequisites": ["01-basics"],
        "runtime_budget_s": 2.5,
    }
    assert front_matter(FIXTURES / "course" / "chapters" / "03-draft.md") == {}


@pytest.mark.parametrize(
    "replace, line, words",
    [
        ("minutes: 30", "minutes: thirty", "shipml.minutes must be a whole number"),
        ("minutes: 30", "minutes: true", "shipml.minutes must be a whole number"),
        ("minutes: 30", "minute: 30", "unknown key shipml.minute"),
        ('objectives: ["Split data by time"]', "objectives: Split data by time", "shipml.objectives must be a list"),
        ('prerequisites: ["01-basics"]', 'prerequisites: ["00-nothing"]', "'00-nothing' is not a chapter"),
        ("runtime_budget_s: 2.5", "runtime_budget_s: -1", "shipml.runtime_budget_s must be a number"),
        ("runtime_budget_s: 2.5", "skills: Splitting by time", "shipml.skills must be a mapping from competency"),
        ("runtime_budget_s: 2.5", "skills: [Splitting by time]", "shipml.skills must be a mapping from competency"),
        ("runtime_budget_s: 2.5", "skills: {data-engineering: [1, 2]}", "shipml.skills must be a mapping"),
        ("runtime_budget_s: 2.5", "skills: {data-engineering: []}", "shipml.skills must be a mapping"),
        ("runtime_budget_s: 2.5", "skills: {data-wrangling: [Splits]}", "'data-wrangling' is not a competency"),
    ],
)
def test_does_bad_front_matter_raise_an_error_naming_file_and_line(course, replace, line, words):
    path = course / "chapters" / "02-pipelines.md"
    text = path.read_text()
    path.write_text(text.replace(replace, line))
    expected_line = text.split("\n").index("  " + replace) + 1
    with pytest.raises(AuthoringError) as caught:
        front_matter(path)
    assert str(caught.value).startswith(f"chapters/02-pipelines.md:{expected_line}: ")
    assert words in str(caught.value)


def test_does_the_syllabus_follow_the_toc_with_titles_minutes_and_objectives():
    text = syllabus_markdown(FIXTURES / "course")
    assert text.index("Basics of cost") < text.index("Pipelines that repeat")
    assert "A draft" not in text  # not in _toc.yml
    assert "1. **Basics of cost** (45 minutes, 0.75 h; prerequisites: none)" in text
    assert "2. **Pipelines that repeat** (30 minutes, 0.5 h; prerequisites: Basics of cost)" in text
    assert "   - Pick a threshold by its cost" in text
    assert "Total: 75 minutes (1 h 15 min)" in text


def test_does_the_syllabus_list_every_chapter_by_name_without_a_toc(course):
    (course / "_toc.yml").unlink()
    text = syllabus_markdown(course, link_prefix="../chapters/")
    assert "3. **[A draft not yet in the table of contents](../chapters/03-draft.md)** (time not given" in text


def test_does_a_toc_entry_without_its_file_raise_an_error_naming_the_toc_line(course):
    (course / "chapters" / "02-pipelines.md").unlink()
    with pytest.raises(AuthoringError, match=re.escape("_toc.yml:9: lists chapters/02-pipelines.md, but")):
        syllabus_markdown(course)


def test_is_a_wrong_chapter_id_an_error_even_without_a_registry(monkeypatch):
    monkeypatch.setattr(authoring, "_registered_ids", lambda: None)
    with pytest.raises(AuthoringError, match="belongs to chapter 02"):
        generate_exercise((FIXTURES / "bad" / "01-wrong-chapter-id.md").read_text(encoding="utf-8"), "bad/01-x.md")


def test_are_skills_a_front_matter_key(course):
    path = course / "chapters" / "02-pipelines.md"
    path.write_text(path.read_text().replace("  minutes: 30", '  minutes: 30\n  skills:\n    data-engineering: ["Time-based splits"]'))
    assert front_matter(path)["skills"] == {"data-engineering": ["Time-based splits"]}


# --- the suggested schedule ---------------------------------------------------------------------


def _course(root: Path, chapters: list[tuple[str, int, list[str]]]) -> Path:
    """A course whose ToC lists `chapters` (stem, minutes, prerequisites) in the order given."""
    (root / "chapters").mkdir(parents=True)
    for stem, minutes, prerequisites in chapters:
        (root / "chapters" / f"{stem}.md").write_text(
            f"---\nshipml:\n  minutes: {minutes}\n  prerequisites: {prerequisites}\n---\n\n# Chapter {stem}\n"
        )
    files = "".join(f"      - file: chapters/{stem}\n" for stem, _, _ in chapters)
    (root / "_toc.yml").write_text(f"format: jb-book\nroot: intro\nparts:\n  - chapters:\n{files}")
    return root


def _first_and_last_week(plan):
    first, last = {}, {}
    for number, week in enumerate(plan):
        for entry in week:
            first.setdefault(entry["stem"], number)
            last[entry["stem"]] = number
    return first, last


# 15 chapters (more than any term's weeks) and 6 (fewer): the ToC puts 05 before its prerequisite 06.
MANY = [(f"{n:02d}-c", 30 + 15 * (n % 4), [f"{n - 1:02d}-c"] if n > 1 and n != 6 else []) for n in range(1, 16)]
MANY[4], MANY[5] = ("05-c", 45, ["06-c"]), ("06-c", 60, ["04-c"])
FEW = [("01-a", 60, []), ("02-b", 75, ["01-a"]), ("04-c", 75, ["01-a"]), ("07-d", 75, ["02-b"]),
       ("08-e", 75, ["02-b", "07-d"]), ("10-f", 75, ["01-a", "02-b", "04-c"])]


@pytest.mark.parametrize("chapters", [MANY, FEW], ids=["more-chapters-than-weeks", "fewer-chapters-than-weeks"])
@pytest.mark.parametrize("weeks", [10, 12, 14])
def test_does_the_schedule_fill_the_weeks_sum_the_minutes_and_respect_prerequisites(tmp_path, chapters, weeks):
    plan = schedule(_course(tmp_path, chapters), weeks=weeks)
    assert len(plan) == weeks and all(plan)  # every week teaches something
    assert sum(e["minutes"] for week in plan for e in week) == sum(m for _, m, _ in chapters)
    per_chapter = {}
    for week in plan:
        for e in week:
            per_chapter[e["stem"]] = per_chapter.get(e["stem"], 0) + e["minutes"]
    assert per_chapter == {stem: m for stem, m, _ in chapters}
    first, last = _first_and_last_week(plan)
    order = [e["stem"] for week in plan for e in week]
    for stem, _, prerequisites in chapters:
        for required in prerequisites:
            assert last[required] <= first[stem], f"{stem} starts before its prerequisite {required} ends"
            assert order.index(required) < order.index(stem)
    # otherwise the ToC's order: in MANY only 05 moves, after its prerequisite 06
    stems = [s for s, _, _ in chapters]
    expected = stems[:4] + ["06-c", "05-c"] + stems[6:] if chapters is MANY else stems
    assert list(dict.fromkeys(order)) == expected


def test_is_the_busiest_week_as_light_as_any_grouping_can_make_it(tmp_path):
    plan = schedule(_course(tmp_path, MANY), weeks=12)
    ordered = [m for week in plan for m in (e["minutes"] for e in week)]
    best = min(  # every way to cut the 15 chapters, in this order, into 12 non-empty weeks
        max(sum(ordered[a:b]) for a, b in zip((0,) + cuts, cuts + (len(ordered),)))
        for cuts in itertools.combinations(range(1, len(ordered)), 11)
    )
    assert max(sum(e["minutes"] for e in week) for week in plan) == best
    few = schedule(_course(tmp_path / "few", FEW), weeks=12)
    assert [len(week) for week in few] == [1] * 12  # fewer chapters than weeks: here each spans two
    assert [e["parts"] for week in few for e in week] == [2] * 12
    assert [e["minutes"] for e in few[2]] == [38] and [e["minutes"] for e in few[3]] == [37]


def test_does_the_schedule_markdown_show_weeks_hours_and_totals(tmp_path):
    text = schedule_markdown(_course(tmp_path, FEW), weeks=12, link_prefix="../chapters/")
    assert text.startswith("| week | chapters | minutes | hours |")
    assert "| 1 | [Chapter 01-a](../chapters/01-a.md) (part 1 of 2) | 30 | 0.5 h |" in text
    assert "Total: 435 minutes (7.25 h) of reading and exercises over 12 weeks" in text


def test_is_a_prerequisite_cycle_or_a_bad_week_count_an_error(tmp_path):
    with pytest.raises(AuthoringError, match="form a cycle"):
        schedule(_course(tmp_path, [("01-a", 30, ["02-b"]), ("02-b", 30, ["01-a"])]), weeks=10)
    with pytest.raises(ValueError, match="weeks must be a whole number"):
        schedule(tmp_path, weeks=0)


def test_does_the_real_course_fill_a_ten_to_fourteen_week_term():
    root = Path(__file__).parents[2]
    for weeks in range(10, 15):
        plan = schedule(root, weeks=weeks)
        assert len(plan) == weeks and all(plan)


# --- the career map -------------------------------------------------------------------------------


def _with_skills(course):
    """The fixture course with skills filed under competencies, and a titled exercise in its one solution."""
    basics = course / "chapters" / "01-basics.md"
    basics.write_text(basics.read_text().replace(
        "  minutes: 45", '  minutes: 45\n  skills:\n    tradeoffs: ["Cost-based thresholds"]\n'
        '    business-outcomes: ["Money saved against a baseline"]'))
    pipelines = course / "chapters" / "02-pipelines.md"
    pipelines.write_text(pipelines.read_text().replace(
        "  minutes: 30", '  minutes: 30\n  skills:\n    tradeoffs: ["Cached pipelines"]'))
    solution = course / "solutions" / "01-basics.md"
    solution.write_text(solution.read_text() + "\n## Exercise 1: the cheapest threshold\n")
    return course


def test_does_the_career_map_file_each_chapter_under_the_competencies_its_skills_name(course):
    found = {c["id"]: c for c in career_map(_with_skills(course))}
    assert list(found) == list(COMPETENCIES)  # every competency, in the vocabulary's order
    assert [(ch["number"], ch["skills"]) for ch in found["tradeoffs"]["chapters"]] == [
        (1, ["Cost-based thresholds"]), (2, ["Cached pipelines"])]
    assert found["business-outcomes"]["chapters"][0]["exercises"] == ["the cheapest threshold"]
    assert found["retrieval"]["chapters"] == []


def test_does_the_career_map_page_link_chapters_and_exercises_and_say_what_is_missing(course):
    text = career_map_markdown(_with_skills(course), link_prefix="../")
    assert "| [ROI, latency and cost trade-offs](competency-tradeoffs) |" in text
    assert "[1](../chapters/01-basics.md), [2](../chapters/02-pipelines.md) |" in text
    assert "[Exercises](../exercises/01-basics.md): the cheapest threshold." in text
    assert "No chapter builds this competency yet." in text  # retrieval, in this fixture
    checklist = self_assessment_markdown(course)
    assert "- ☐ Cached pipelines (chapter 2)" in checklist and "Retrieval pipelines" not in checklist


def test_does_moving_a_skill_move_it_on_the_map(course):
    _with_skills(course)
    pipelines = course / "chapters" / "02-pipelines.md"
    pipelines.write_text(pipelines.read_text().replace("    tradeoffs: [", "    data-engineering: ["))
    found = {c["id"]: [ch["stem"] for ch in c["chapters"]] for c in career_map(course)}
    assert found["tradeoffs"] == ["01-basics"] and found["data-engineering"] == ["02-pipelines"]
