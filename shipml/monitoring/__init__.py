"""Stage 10, monitoring: a model in production watched, its alarms measured, and the loop back to training.

    shipml.monitoring.simulation  the simulated month: the scenario's stream with injected, labelled incidents
    shipml.monitoring.drift       drift by hand: PSI, Kolmogorov-Smirnov, Jensen-Shannon, Wasserstein, chi-square
    shipml.monitoring.health      a day's batch checked: volume, schema, missing values, ranges, categories
    shipml.monitoring.alarms      thresholds for a target false-alarm rate; detection delays and false alarms
    shipml.monitoring.estimation  performance before the labels come (confidence-based, CBPE by hand)
    shipml.monitoring.prometheus  the server's metrics in Prometheus' format (prometheus-client, GET /metrics)
    shipml.monitoring.rollout     closing the loop: shadow scoring, a canary, the promote-or-roll-back rule
"""
