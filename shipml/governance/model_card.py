"""A model card generated from computed facts, and a check that nothing in it is missing or made up.

    from shipml.governance import model_card
    card = model_card.render(facts)            # Markdown: every section, numbers from `facts`
    model_card.check(card, facts)              # [] when complete; else one sentence per problem
    model_card.render(facts, sections=["Model details", "Data"])   # only some sections
    facts = model_card.example_facts(seed=0)   # the system's text, numbers from a small seeded batch
    facts = model_card.example_facts(policy=fitted.policy, measured={...})   # the production model's card

`facts` is a dict: `name`, `version`, `owner`, `date`, `model_details`,
`intended_use`, `out_of_scope` and `data` (text); `metrics` ({name: number});
`group_results` ({attribute: the table of `shipml.governance.fairness.group_metrics`});
`limitations` and `ethical_considerations` (lists of sentences); `lineage`
(a `shipml.workflows.lineage.LineageRecord`'s `to_dict()`).

Every number is written by `fmt` (three decimals; "no cases" where a rate is
undefined), so `check` can find each computed value in the card: a card whose
numbers were typed by hand, or left as "TODO", fails it.
"""

from __future__ import annotations

import math
import re

__all__ = ["PLACEHOLDERS", "REQUIRED_SECTIONS", "check", "example_facts", "fmt", "render", "sections",
           "system_facts"]

REQUIRED_SECTIONS = (
    "Model details", "Intended use", "Data", "Metrics", "Per-group results",
    "Limitations", "Ethical considerations", "Lineage",
)
# Text that marks a field nobody filled in.
PLACEHOLDERS = re.compile(r"\bTODO\b|\bTBD\b|\bFIXME\b|\bXXX\b|lorem ipsum|<[^<>|]*>|\.\.\.|\[fill[^\]]*\]",
                          re.IGNORECASE)


def fmt(value) -> str:
    """A number as the card writes it: three decimals, 'no cases' for NaN, thousands separators for counts."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,d}"
    value = float(value)
    return "no cases" if math.isnan(value) else f"{value:.3f}"


def _bullets(items) -> str:
    return "\n".join(f"- {item}" for item in items)


def _table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _group_tables(facts) -> str:
    parts = []
    for attribute, table in facts["group_results"].items():
        rows = [(group, fmt(int(r["n"])), fmt(int(r["fraud"])), fmt(r["fpr"]), fmt(r["recall"]),
                 fmt(r["selection_rate"])) for group, r in table.iterrows()]
        parts.append(f"By `{attribute}`:\n\n" + _table(
            ["group", "transactions", "fraud", "false-positive rate", "recall", "selection rate"], rows))
    return "\n\n".join(parts)


_WRITERS = {
    "Model details": lambda f: f["model_details"] + f"\n\nVersion {f['version']}, owned by {f['owner']}, "
    f"card generated on {f['date']}.",
    "Intended use": lambda f: f["intended_use"] + "\n\nOut of scope: " + f["out_of_scope"],
    "Data": lambda f: f["data"],
    "Metrics": lambda f: _table(["metric", "value"], [(name, fmt(v)) for name, v in f["metrics"].items()]),
    "Per-group results": _group_tables,
    "Limitations": lambda f: _bullets(f["limitations"]),
    "Ethical considerations": lambda f: _bullets(f["ethical_considerations"]),
    "Lineage": lambda f: _table(["field", "value"], [(k, f"`{v}`") for k, v in f["lineage"].items()
                                                     if k not in ("params", "metrics")]
                                + [("params", f"`{f['lineage'].get('params', {})}`")]),
}


def render(facts: dict, sections=None) -> str:
    """The model card as Markdown: a title, then each of `sections` (default: all required ones)."""
    chosen = REQUIRED_SECTIONS if sections is None else tuple(sections)
    unknown = [s for s in chosen if s not in _WRITERS]
    if unknown:
        raise ValueError(f"A model card has no section {unknown[0]!r}; the sections are: {', '.join(REQUIRED_SECTIONS)}.")
    missing = [key for key in ("name", "version") if key not in facts]
    if missing:
        raise ValueError(f"The facts need a {missing[0]!r} for the card's title.")
    parts = [f"# Model card: {facts['name']} {facts['version']}"]
    parts += [f"## {title}\n\n{_WRITERS[title](facts)}" for title in chosen]
    return "\n\n".join(parts) + "\n"


def sections(card: str) -> dict[str, str]:
    """The card's `## ` sections: title -> body text."""
    found, title, body = {}, None, []
    for line in card.splitlines():
        if line.startswith("## "):
            if title is not None:
                found[title] = "\n".join(body).strip()
            title, body = line[3:].strip(), []
        elif title is not None:
            body.append(line)
    if title is not None:
        found[title] = "\n".join(body).strip()
    return found


def check(card: str, facts: dict) -> list[str]:
    """The card's problems, one sentence each: a missing or empty section, a placeholder, a value not in it."""
    if not isinstance(card, str):
        return [f"The card should be Markdown text, not {type(card).__name__}."]
    problems = []
    found = sections(card)
    for title in REQUIRED_SECTIONS:
        if title not in found:
            problems.append(f"The section '## {title}' is missing.")
        elif not found[title]:
            problems.append(f"The section '## {title}' is empty.")
    for title, body in found.items():
        placeholder = PLACEHOLDERS.search(body)
        if placeholder:
            problems.append(f"The section '## {title}' holds a placeholder: {placeholder.group(0)!r}.")
    metrics_text = found.get("Metrics", "")
    for name, value in facts.get("metrics", {}).items():
        row = next((line for line in metrics_text.splitlines() if f"| {name} |" in line), None)
        if row is None or fmt(value) not in row:
            problems.append(f"The metric {name!r} should appear in '## Metrics' as {fmt(value)}.")
    groups_text = found.get("Per-group results", "")
    for attribute, table in facts.get("group_results", {}).items():
        if f"`{attribute}`" not in groups_text:
            problems.append(f"The per-group results should name the attribute `{attribute}`.")
        for group, r in table.iterrows():
            row = next((line for line in groups_text.splitlines() if line.startswith(f"| {group} |")), "")
            cells = [c.strip() for c in row.strip("|").split("|")]
            for column in ("fpr", "recall", "selection_rate"):
                if fmt(r[column]) not in cells:
                    problems.append(f"In '## Per-group results' the group {group!r} should show its {column} "
                                    f"as {fmt(r[column])}.")
                    break
    for key in ("limitations", "ethical_considerations"):
        title = "Limitations" if key == "limitations" else "Ethical considerations"
        for item in facts.get(key, []):
            if item not in found.get(title, ""):
                problems.append(f"'## {title}' should list: {item!r}.")
    return problems


def system_facts(policy=None, *, scenario=None, spec=None) -> dict:
    """The card's text about the system, from the scenario and the model's spec and policy: what it does and for whom.

    One home for what the book's system does (the model, the decision that travels with it, where the score
    is used, the review capacity, the service level), so the card, the chapter and the exercises say the same.
    """
    from shipml.data.scenario import SCENARIO
    from shipml.modeling.production import ACCOUNT_FEATURES, PRODUCTION

    scenario = SCENARIO if scenario is None else scenario
    spec = PRODUCTION if spec is None else spec
    decision = (f" The decision policy travels with the model in its artifact: {policy.describe()}." if policy
                is not None else "")
    return {
        "model_details": f"A {spec.describe()} (a FraudMLP of depth 0, whose weights are the coefficients) on the "
        "course's encoding of the payment (chapter 2) and the account's point-in-time features "
        f"{', '.join(ACCOUNT_FEATURES)} (chapter 4), computed from the account's earlier payments only." + decision,
        "intended_use": "Score every card payment at authorisation, within "
        f"{scenario.latency_slo_ms:g} ms at the {scenario.latency_slo_quantile:.0%} quantile of the whole request "
        f"path at the peak rate ({scenario.availability:.1%} of requests answered in time). A payment the policy "
        "holds is confirmed by the card holder in the bank's app, or reviewed by a fraud analyst; the team reviews "
        f"at most {scenario.review_capacity:.0%} of payments; the policy is tightened to hold no more than that on the "
        "validation period, and later periods can hold a little more, so the held share is watched in production.",
        "out_of_scope": "Declining a payment or blocking a card without the card holder's confirmation or an "
        "analyst's review; any credit, pricing or account decision; the same scores under other costs or another "
        "review capacity without choosing the policy again.",
    }


def example_facts(seed: int = 0, *, policy=None, measured: dict | None = None, scenario=None) -> dict:
    """The facts of the fraud model's card: the system's text from `system_facts`, the numbers from `measured`.

    `measured` holds what a notebook computed on the production model: `metrics`, `group_results`, `data`,
    `limitations`, `ethical_considerations`, `lineage`, and optionally `name`, `version`, `date`. Without it
    the numbers come from a small seeded batch (`seed`): an example for `render` and `check`, and for chapter
    10's checks, which use a few seeds.
    """
    from shipml.governance.fairness import group_metrics

    import numpy as np

    facts = {"name": "fraud-lr", "version": "1.0", "owner": "the fraud-model team", "date": "2026-03-31",
             **system_facts(policy, scenario=scenario)}
    if measured is not None:
        return {**facts, **measured}
    rng = np.random.default_rng(seed)
    n = 400
    y_true = (rng.random(n) < 0.08).astype(int)
    y_pred = ((rng.random(n) < 0.1) | (y_true & (rng.random(n) < 0.6))).astype(int)
    bands = rng.choice(["18-25", "26-40", "41-60", "61+"], n)
    countries = rng.choice(["DE", "FR", "NL"], n)
    return {
        **facts, "name": f"fraud-lr-{seed}", "version": f"1.{seed}",
        "data": f"{n:,} synthetic card payments, split by time.",
        "metrics": {"PR-AUC": float(rng.uniform(0.2, 0.6)), "recall at 1% FPR": float(rng.uniform(0.3, 0.7))},
        "group_results": {"age_band": group_metrics(y_true, y_pred, bands),
                          "home_country": group_metrics(y_true, y_pred, countries)},
        "limitations": [f"Trained on {n:,} synthetic payments only.", "Per-group recall rests on few frauds."],
        "ethical_considerations": ["A false alarm holds a customer's payment: the harm falls on them.",
                                   "Age band is used for auditing, never as a feature or in the decision."],
        "lineage": {"training_data_hash": f"{seed:016x}", "code_version": "unknown", "params": {"C": 1.0},
                    "who": "alice", "when": "2026-05-01T09:00:00+00:00"},
    }
