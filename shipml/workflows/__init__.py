"""Stage 5, workflows: repeatable pipelines with caching and lineage.

    shipml.workflows.pipeline   stages as plain functions, cached by content hash, with a lineage record
"""
