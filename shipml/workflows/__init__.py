"""Stage 5, workflows: repeatable pipelines with caching and lineage.

    shipml.workflows.lineage    content_hash (full SHA-256) and the one LineageRecord
    shipml.workflows.pipeline   stages as plain functions, cached by content hash, with a lineage record
    shipml.workflows.determinism  seeds, threads, the deterministic switch, the weights hash, runs in fresh processes
    shipml.workflows.config     the typed, validated configuration of a training run, read from YAML
    shipml.workflows.train      data -> features -> train -> evaluate on the pipeline; `python -m ... --config FILE`
    shipml.workflows.mutation   planted bugs (mutants) and the mutation score of a set of tests
    shipml.workflows.environment  the lock file against the installed packages, offline
"""
