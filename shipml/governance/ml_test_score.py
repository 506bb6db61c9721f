"""Google's ML Test Score rubric (Breck et al., 2017): 28 tests, four sections, the minimum counts.

    from shipml.governance.ml_test_score import TESTS, score, interpret, marks_from
    marks = {"data-1": 1, "model-5": 0.5}     # test id -> 0, 0.5 (done by hand) or 1 (automated)
    score(marks)       # {"data": 1.0, "model": 0.5, "infrastructure": 0.0, "monitoring": 0.0, "final": 0.0}
    interpret(0.0)     # what a final score means, in the paper's words (paraphrased)
    marks_from(by_hand={"data-1": True}, automated={"data-1": False})   # {"data-1": 0.5, ...}

The rule, as in the paper: a test scores half a point when it is run by hand
and its results are written down and shared, a full point when a system runs it
automatically and repeatedly, else nothing. Each section's score is the sum of
its seven tests; the final score is the lowest section score, so a system is
as ready as its weakest side. The score sheet a reader ticks in the notebook
is a widget, `shipml.course.widgets.ScoreSheet`, a thin view over `score`.
"""

from __future__ import annotations

import numbers

__all__ = ["SECTIONS", "TESTS", "interpret", "marks_from", "score"]

SECTIONS = ("data", "model", "infrastructure", "monitoring")

# Test id -> the test's name, short, in the order of the paper's tables.
TESTS: dict[str, str] = {
    "data-1": "Feature expectations are captured in a schema",
    "data-2": "All features are beneficial",
    "data-3": "No feature's cost is too much",
    "data-4": "Features adhere to meta-level requirements",
    "data-5": "The data pipeline has appropriate privacy controls",
    "data-6": "New features can be added quickly",
    "data-7": "All input feature code is tested",
    "model-1": "Model specs are reviewed and submitted",
    "model-2": "Offline and online metrics correlate",
    "model-3": "All hyperparameters have been tuned",
    "model-4": "The impact of model staleness is known",
    "model-5": "A simpler model is not better",
    "model-6": "Model quality is sufficient on important data slices",
    "model-7": "The model is tested for considerations of inclusion",
    "infrastructure-1": "Training is reproducible",
    "infrastructure-2": "Model specs are unit tested",
    "infrastructure-3": "The ML pipeline is integration tested",
    "infrastructure-4": "Model quality is validated before serving",
    "infrastructure-5": "The model is debuggable",
    "infrastructure-6": "Models are canaried before serving",
    "infrastructure-7": "Serving models can be rolled back",
    "monitoring-1": "Dependency changes result in notification",
    "monitoring-2": "Data invariants hold for inputs",
    "monitoring-3": "Training and serving are not skewed",
    "monitoring-4": "Models are not too stale",
    "monitoring-5": "Models are numerically stable",
    "monitoring-6": "Computing performance has not regressed",
    "monitoring-7": "Prediction quality has not regressed",
}

# (upper bound of the final score, what it means), after the paper's table of interpretations.
_MEANINGS = (
    (0.0, "more of a research project than a productionised system"),
    (1.0, "not totally untested, but there may be serious holes in reliability"),
    (2.0, "a first pass at basic productionisation; more investment may be needed"),
    (3.0, "reasonably tested, though more tests and procedures may be automated"),
    (5.0, "strong levels of automated testing and monitoring, fit for mission-critical systems"),
    (float("inf"), "exceptional levels of automated testing and monitoring"),
)


def score(marks: dict) -> dict[str, float]:
    """Each section's score (the sum of its tests' points) and the final score (the lowest section)."""
    if not isinstance(marks, dict):
        raise ValueError(f"marks is a dict of test id -> 0, 0.5 or 1, such as {{'data-1': 1}}, "
                         f"not {type(marks).__name__}.")
    for test, points in marks.items():
        if test not in TESTS:
            raise ValueError(f"{test!r} is not a test of the rubric; the ids run from 'data-1' to 'monitoring-7'.")
        if isinstance(points, bool) or not isinstance(points, numbers.Real) or points not in (0, 0.5, 1):
            raise ValueError(f"{test} scores 0, 0.5 (by hand) or 1 (automated), not {points!r}.")
    sections = {s: float(sum(marks.get(t, 0) for t in TESTS if t.startswith(s + "-"))) for s in SECTIONS}
    return {**sections, "final": min(sections.values())}


def interpret(final: float) -> str:
    """What a final score means (the paper's interpretation, paraphrased)."""
    for upper, meaning in _MEANINGS:
        if final <= upper:
            return meaning
    return _MEANINGS[-1][1]


def marks_from(by_hand: dict, automated: dict) -> dict[str, float]:
    """Each test's points from two ticks: 1 when automated, 0.5 when done by hand, else 0."""
    return {t: 1.0 if automated.get(t) else 0.5 if by_hand.get(t) else 0.0 for t in TESTS}
