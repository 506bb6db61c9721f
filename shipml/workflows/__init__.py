"""Stage 5, workflows: repeatable pipelines with caching and lineage.

    shipml.workflows.lineage    content_hash (full SHA-256) and the one LineageRecord
    shipml.workflows.pipeline   stages as plain functions, cached by content hash, with a lineage record
"""
