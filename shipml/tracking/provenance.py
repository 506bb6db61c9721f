"""Lineage end to end: from a registered model version back to its run, configuration, code and data.

    from shipml.tracking.provenance import rebuild_data_hash, walk_back
    trail = walk_back(client, "fraud-model", "champion")     # an alias, or a version number
    trail.version, trail.run_id, trail.config, trail.tags["data_hash"], trail.tags["code_hash"]
    rebuild_data_hash(trail.config, cache_folder) == trail.tags["data_hash"]   # the data, made again and hashed

"Which data made this model?" is answered by code: the registered version
names its run; the run keeps the configuration (`config.json`) and the
hashes logged by `shipml.tracking.mlflow_runs`; the configuration says which
days and seed chapter 4's pipeline read; running the pipeline's `data` stage
again into a fresh cache folder gives the data back, and its content hash
must equal the one the run recorded. A mismatch means the data (or the code
that makes it) changed since: the model cannot be rebuilt from what is here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from shipml.tracking.promotion import RegistryError, resolve

__all__ = ["Trail", "rebuild_data_hash", "walk_back"]


@dataclass(frozen=True)
class Trail:
    """What a model version was made from."""

    name: str
    version: str
    run_id: str
    config: dict
    tags: dict
    config_hash_matches: bool


def walk_back(client, name: str, version_or_alias) -> Trail:
    """The trail of `name` at a version (a number) or an alias: run, configuration, hashes."""
    import mlflow
    from mlflow.exceptions import MlflowException

    from shipml.workflows.config import parse_config

    key = str(version_or_alias)
    if key.isdigit():
        try:
            version = client.get_model_version(name, key)
        except MlflowException:
            raise RegistryError(f"The registry has no version {key} of {name!r}.") from None
    else:
        version = resolve(client, name, key)
    run = client.get_run(version.run_id)
    config = json.loads(mlflow.artifacts.load_text(f"runs:/{version.run_id}/config.json"))
    tags = {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")}
    matches = parse_config(config).config_hash() == tags.get("config_hash")
    return Trail(name, str(version.version), version.run_id, config, tags, matches)


def rebuild_data_hash(config: dict, cache_folder) -> str:
    """Run chapter 4's `data` stage for this configuration in `cache_folder`; the content hash of what it made."""
    from shipml.workflows.pipeline import Pipeline
    from shipml.workflows.train import data

    run = Pipeline([data], cache_folder).run({}, params={"days": config["days"], "data_seed": config["data_seed"]})
    return run.lineage["data"]["outputs"]["transactions"]["hash"]
