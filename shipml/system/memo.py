"""The one-page decision memo for a leader, generated from the run's numbers.

    from shipml.system.memo import headline, render, results_of
    results = results_of(run)              # the numbers the memo needs, read from the run's tables
    headline(results)                      # the money, latency and fairness verdicts and the recommendation
    render(results, score_table(assessment))  # Markdown: recommendation first, then money, service, risks, readiness

A leader decides from a few numbers, each with the doubt it carries: the money
saved against doing nothing and against the bank's rule (a month, at the
bank's scale, with its interval), net of what the service costs to run; whether the
service answers within its SLO; whether the holds fall fairly; what could go
wrong; and how ready the system is (the ML Test Score and its weakest section).
The recommendation is "ship" only when the saving against the rule, at the low
end of its interval, pays for the service, the SLO is met and the fairness gap
is within its limit.
"""

from __future__ import annotations

import math

__all__ = ["KEYS", "headline", "render", "results_of"]

KEYS = ("saved_vs_none", "saved_vs_rule", "saved_vs_rule_low", "monthly_cost", "p99_ms", "slo_ms", "fpr_gap",
        "max_fpr_gap")


def headline(results: dict) -> dict:
    """The memo's headline: money saved, net of running cost, the SLO and fairness verdicts, the recommendation."""
    if not isinstance(results, dict):
        raise ValueError(f"results is a dict of the run's numbers ({', '.join(KEYS)}), not {type(results).__name__}.")
    missing = [k for k in KEYS if k not in results]
    if missing:
        raise ValueError(f"results has no {missing[0]!r}; the headline needs {', '.join(KEYS)}.")
    within_slo = results["p99_ms"] <= results["slo_ms"]
    fair = results["fpr_gap"] <= results["max_fpr_gap"]
    pays = results["saved_vs_rule_low"] - results["monthly_cost"] > 0
    return {
        "saved against no model": float(results["saved_vs_none"]),
        "saved against the rule": float(results["saved_vs_rule"]),
        "net of running cost": float(results["saved_vs_rule"] - results["monthly_cost"]),
        "latency": "within the SLO" if within_slo else "over the SLO",
        "fairness": "within the limit" if fair else "over the limit",
        "recommendation": "ship" if pays and within_slo and fair else "do not ship",
    }


def results_of(run) -> dict:
    """The numbers of a `shipml.system.run.SystemRun` that the memo reads."""
    gates = run.table("gates").set_index("gate")
    service = run.table("service").set_index("figure")["value"]
    rollout = run.table("rollout").iloc[0]
    slice_gate = run.slice_gate
    return {
        "saved_vs_none": float(gates.loc["saved a month against no model", "value"]),
        "saved_vs_none_low": float(gates.loc["saved a month against no model", "low"]),
        "saved_vs_rule": float(gates.loc["saved a month against the rule", "value"]),
        "saved_vs_rule_low": float(gates.loc["saved a month against the rule", "low"]),
        "saved_vs_rule_high": float(gates.loc["saved a month against the rule", "high"]),
        "monthly_cost": float(service["monthly cost"]),
        "instances": int(service["instances"]),
        "p95_ms": float(service["p95"]), "p99_ms": float(service["p99"]), "slo_ms": float(service["SLO"]),
        "fpr_gap": float(gates.loc["false-positive-rate gap", "value"]),
        "max_fpr_gap": float(gates.loc["false-positive-rate gap", "limit"]),
        "pr_auc": float(gates.loc["PR-AUC", "value"]), "pr_auc_low": float(gates.loc["PR-AUC", "low"]),
        "pr_auc_high": float(gates.loc["PR-AUC", "high"]),
        "held_share": float(gates.loc["held share", "value"]),
        "slice": slice_gate["slice"], "slice_extra": float(slice_gate["value"]),
        "slice_passed": bool(slice_gate["passed"]),
        "detected_days": {incident: float(days) for incident, days in run.detection_delays.items()},
        "canary": str(rollout["decision"]),
        "canary_why": str(rollout.get("why", "")),
    }


def _eur(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f} million EUR"
    return f"{value:,.0f} EUR"


def render(results: dict, score: dict) -> str:
    """The memo as Markdown: the recommendation, the money, the service, the risks, and the ML Test Score."""
    head = headline(results)
    weakest = min(("data", "model", "infrastructure", "monitoring"), key=lambda s: score[s])
    late = {k: v for k, v in results.get("detected_days", {}).items() if not math.isnan(v)}
    slowest = max(late, key=late.get) if late else None
    risks = []
    if not results.get("slice_passed", True):
        risks.append(f"On {results['slice']} payments the model costs {_eur(results['slice_extra'])} more than the "
                     "rule over the test fortnight: let the rule keep holding those, or accept it in writing.")
    if slowest is not None:
        risks.append(f"A new fraud pattern is seen only when its labels mature: the slowest incident of the "
                     f"simulated month ({slowest}) was caught after {late[slowest]:.0f} days.")
    risks.append(f"The retrained model's canary said {results['canary']!r}; every model change goes through it.")
    risks.append("Trained on synthetic data: the figures are this course's scenario, not a bank's.")
    lines = [
        "# Decision memo: the card-fraud model",
        "",
        f"**Recommendation: {head['recommendation']}.** Against the bank's current rule the model saves about "
        f"{_eur(results['saved_vs_rule'])} a month (90 % interval {_eur(results['saved_vs_rule_low'])} to "
        f"{_eur(results['saved_vs_rule_high'])}), for a service that costs {_eur(results['monthly_cost'])} a month "
        f"to run; net {_eur(head['net of running cost'])}.",
        "",
        "## Money",
        f"- Against no model: {_eur(results['saved_vs_none'])} a month saved.",
        f"- Against the rule: {_eur(results['saved_vs_rule'])} a month saved; at the low end of its interval "
        f"{_eur(results['saved_vs_rule_low'])}.",
        f"- Running cost: {results.get('instances', 0)} instances, {_eur(results['monthly_cost'])} a month.",
        "",
        "## Service",
        f"- Latency: p95 {results.get('p95_ms', float('nan')):.1f} ms, p99 {results['p99_ms']:.1f} ms against a "
        f"{results['slo_ms']:.0f} ms SLO ({head['latency']}).",
        f"- Holds: {results.get('held_share', float('nan')):.2%} of payments go to review.",
        "",
        "## Fairness",
        f"- The largest false-positive-rate gap between age bands is {results['fpr_gap']:.4f} "
        f"({head['fairness']} of {results['max_fpr_gap']}).",
        "",
        "## Risks",
        *[f"- {r}" for r in risks],
        "",
        "## Readiness",
        f"- ML Test Score {score['final']:.1f} (data {score['data']:.1f}, model {score['model']:.1f}, "
        f"infrastructure {score['infrastructure']:.1f}, monitoring {score['monitoring']:.1f}); the weakest "
        f"section is {weakest}. Automating its tests done by hand, and adding those not done, raises it.",
    ]
    return "\n".join(lines) + "\n"
