"""Both directions of exercise validation, on the course's own notebooks, from one execution's check logs.

Every solution ran and all its checks passed; every generated exercise ran top
to bottom unsolved, without an error, and none of its checks reports passed.
`shipml execute` (the first step of `make test-book`) wrote the logs; nothing is
executed here, so these tests run after it (marker `book`).
"""

from pathlib import Path

import pytest

from shipml.course.notebooks import toc_paths
from shipml.course.validation import validate_exercises

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.book


def test_do_the_solutions_pass_and_the_untouched_exercises_report_not_solved():
    pages = [p for p in toc_paths(ROOT) if p.parent.name in ("solutions", "exercises")]
    assert len(pages) >= 12, "the ToC lists the solutions and exercises of every chapter"
    assert validate_exercises(ROOT) == []
