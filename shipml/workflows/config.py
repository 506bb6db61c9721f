"""Configuration as data: one typed, validated configuration for a training run, read from YAML.

    from shipml.workflows.config import ConfigError, TrainConfig, load_config
    config = load_config("train.yaml")       # a sentence naming the file and the field if anything is wrong
    config.lr, config.spec(), config.scenario()
    config.config_hash()                     # content_hash of its canonical JSON: goes into the run's lineage
    TrainConfig()                            # the defaults: the scenario's data window and the model that ships

Validation happens at the boundary, before any training: a wrong type (strict:
"0.01" in quotes is text, not a number), a value out of range (a negative
learning rate), an unknown key (a typo such as `learning_rate`), a split that
leaves no test days, a file that does not exist or is not YAML: each is one
`ConfigError` (a ValueError) whose message names the file and the field.
"""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shipml.data.scenario import SCENARIO
from shipml.modeling.production import PRODUCTION, ModelSpec
from shipml.workflows.lineage import content_hash

__all__ = ["ConfigError", "TrainConfig", "load_config", "parse_config"]


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the file and the field."""


class TrainConfig(BaseModel):
    """Everything a training run reads besides code and data; the defaults are the scenario and the model that ships."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    # --- the data: transactions(days, seed=data_seed), split by time ---
    data_seed: int = Field(0, ge=0)
    days: int = Field(SCENARIO.days, ge=3, le=366)
    train_days: int = Field(SCENARIO.train_days, ge=1)
    val_days: int = Field(SCENARIO.val_days, ge=1)
    # --- the model and its training (chapter 2's ModelSpec) ---
    depth: int = Field(PRODUCTION.depth, ge=0, le=8)
    width: int = Field(PRODUCTION.width, ge=1, le=1024)
    lr: float = Field(PRODUCTION.lr, gt=0, le=1)
    batch_size: int = Field(PRODUCTION.batch_size, ge=1)
    max_epochs: int = Field(PRODUCTION.max_epochs, ge=1, le=1000)
    patience: int | None = Field(PRODUCTION.patience, ge=1)
    # --- what makes it repeatable ---
    seed: int = Field(0, ge=0)
    threads: int = Field(1, ge=1, le=256)
    deterministic: bool = True

    @model_validator(mode="after")
    def _leaves_test_days(self):
        if self.train_days + self.val_days >= self.days:
            raise ValueError(f"train_days + val_days ({self.train_days} + {self.val_days}) must be less than days "
                             f"({self.days}), so that test days remain")
        return self

    def spec(self) -> ModelSpec:
        """The ModelSpec this configuration trains (chapter 2's, the production model's by default)."""
        return ModelSpec(depth=self.depth, width=self.width, lr=self.lr, batch_size=self.batch_size,
                         max_epochs=self.max_epochs, patience=self.patience)

    def scenario(self):
        """SCENARIO with this configuration's data window and split."""
        return dataclasses.replace(SCENARIO, days=self.days, train_days=self.train_days, val_days=self.val_days)

    def config_hash(self) -> str:
        """content_hash of the configuration's canonical JSON (every field, defaults included)."""
        return content_hash(self.model_dump(mode="json"))


def _field_name(location) -> str:
    return ".".join(str(part) for part in location) or "the configuration"


def _sentence(error: dict, model=TrainConfig) -> str:
    field = _field_name(error.get("loc", ()))
    if error.get("type") == "extra_forbidden":
        close = difflib.get_close_matches(field, model.model_fields, n=1)
        return f"unknown field {field!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
    message = error.get("msg", "is not valid").removeprefix("Value error, ")
    if error.get("loc"):
        return f"field {field!r}: {message[:1].lower() + message[1:]} (got {error.get('input')!r})"
    return message


def parse_config(data, source: str = "the configuration", model=TrainConfig) -> TrainConfig:
    """A TrainConfig (or a `model` that extends it) from a dict (as YAML gives), or a ConfigError naming the field."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source} should hold a mapping of settings (field: value), not a {type(data).__name__}.")
    try:
        return model(**{str(key): value for key, value in data.items()})
    except ValidationError as error:
        raise ConfigError(f"{source}: " + "; ".join(_sentence(e, model) for e in error.errors()) + ".") from None


def load_config(path, model=TrainConfig) -> TrainConfig:
    """Read and validate a YAML configuration file; every problem is a ConfigError naming the file and field."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"the configuration file {str(path)!r} does not exist.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{str(path)!r} is not a YAML file: it is not text.") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or "it cannot be parsed"
        raise ConfigError(f"{str(path)!r} is not valid YAML{where}: {problem}.") from None
    return parse_config(data, source=repr(str(path)), model=model)
