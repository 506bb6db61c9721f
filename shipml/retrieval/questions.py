"""The labelled question set: questions about this book, the sections that answer them, and the answer spans.

    from shipml.retrieval.questions import load_questions
    questions = load_questions()                       # qid, question, sections, answer, answerable, split
    dev = questions[questions["split"] == "dev"]       # choose thresholds here
    test = questions[questions["split"] == "test"]     # held out: report here (chapter 12 never trains on it)

`questions.yaml`, shipped in this package, holds the questions; its header
says how they were written and their limits. `sections` is a list of
`shipml.retrieval.corpus` section ids (`07-serving#load-testing`); `answer`
is a span copied verbatim from one of those sections' text; an unanswerable
question has no section and the answer "". `check_labels(questions,
sections)` returns the labels that no longer match the book (a section
renamed or gone, an answer span edited away): tests/retrieval/test_questions.py
runs it on the book as it is, so the labels cannot rot as chapters change.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd
import yaml

__all__ = ["QUESTION_COLUMNS", "check_labels", "load_questions"]

QUESTION_COLUMNS = ["qid", "question", "sections", "answer", "answerable", "split"]


def load_questions(path=None) -> pd.DataFrame:
    """The question set as a table (see the module's docstring); `path` reads another YAML file of the same form."""
    text = (open(path, encoding="utf-8").read() if path is not None
            else resources.files("shipml.retrieval").joinpath("questions.yaml").read_text(encoding="utf-8"))
    items = yaml.safe_load(text) or []
    rows = []
    for item in items:
        sections = list(item.get("sections") or [])
        answer = str(item.get("answer") or "")
        if bool(sections) != bool(answer):
            raise ValueError(f"question {item.get('qid')!r}: an answerable question has sections and an answer "
                             "span, an unanswerable one neither.")
        if item.get("split") not in {"dev", "test"}:
            raise ValueError(f"question {item.get('qid')!r}: split is 'dev' or 'test', not {item.get('split')!r}.")
        rows.append({"qid": str(item["qid"]), "question": str(item["question"]), "sections": sections,
                     "answer": answer, "answerable": bool(sections), "split": item["split"]})
    table = pd.DataFrame(rows, columns=QUESTION_COLUMNS)
    if table["qid"].duplicated().any():
        raise ValueError(f"question ids repeat: {sorted(table.loc[table['qid'].duplicated(), 'qid'])}.")
    return table


def check_labels(questions: pd.DataFrame, sections: pd.DataFrame) -> list[str]:
    """Sentences naming each label that the book no longer supports; empty when every label holds."""
    text = dict(zip(sections["section_id"], sections["text"]))
    problems = []
    for row in questions.itertuples(index=False):
        for section_id in row.sections:
            if section_id not in text:
                problems.append(f"{row.qid}: section {section_id!r} is no longer in the book (renamed or removed).")
        if row.answer and not any(row.answer in text.get(s, "") for s in row.sections):
            problems.append(f"{row.qid}: the answer {row.answer!r} is in none of its sections' text any more.")
    return problems
