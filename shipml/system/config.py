"""The configuration of the whole system's run: chapter 3's training fields plus the system's own, from YAML.

    from shipml.system.config import SystemConfig, load_system_config
    config = load_system_config("system.yaml")     # a ConfigError naming the file and the field if anything is wrong
    config.batch_days, config.canary_share, config.training()   # the TrainConfig part, for chapter 3's stages
    SystemConfig()                                  # the defaults: the scenario, the model that ships, a 20 % canary

Every field of `TrainConfig` (the data window, the model, the controls) is a
field here too, validated the same way (strict types, ranges, unknown keys
named with a suggestion); the system adds how the last week of data arrives,
the load test, the alarms' false-alarm rate, the canary and the registry name.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from shipml.data.stream import FEED_DEFECTS
from shipml.workflows.config import ConfigError, TrainConfig, load_config, parse_config

__all__ = ["ConfigError", "SystemConfig", "defect_rates", "load_system_config", "parse_system_config"]


def defect_rates(multiplier: float) -> dict:
    """The raw week's defect rates: chapter 4's feed (`FEED_DEFECTS`), each times `multiplier`, at most 1."""
    return {name: min(1.0, rate * multiplier) for name, rate in FEED_DEFECTS.items()}


class SystemConfig(TrainConfig):
    """A training run's configuration plus the system's: the raw week, the load test, the alarms, the canary."""

    # --- ingestion: the window's last `batch_days` days arrive as raw daily files, with defects ---
    batch_days: int = Field(7, ge=1, le=30)
    defect_rate: float = Field(1.0, ge=0, le=10)        # a multiplier of FEED_DEFECTS' rates (0: clean files)
    # --- the decision policy and the evaluation gates ---
    capacity_margin: float = Field(0.9, gt=0, le=1)     # the policy holds this share of the review capacity on validation
    min_pr_auc: float = Field(0.2, ge=0, le=1)          # the test period's PR-AUC interval must start above this
    max_fpr_gap: float = Field(0.05, ge=0, le=1)        # the largest false-positive-rate gap between age bands
    # --- the load test against the SLO ---
    load_seconds: float = Field(2.0, gt=0, le=60)
    load_clients: int = Field(4, ge=1, le=64)
    # --- monitoring and the rollout ---
    false_alarm_rate: float = Field(1 / 90, gt=0, lt=1)
    canary_share: float = Field(0.2, gt=0, le=0.5)
    canary_tolerance: float = Field(0.05, ge=0, le=1)
    register_as: str = Field("fraud-model", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")

    @model_validator(mode="after")
    def _week_inside_window(self):
        if self.batch_days >= self.days:
            raise ValueError(f"batch_days ({self.batch_days}) must be less than days ({self.days}): the raw week "
                             "arrives at the end of the data window")
        return self

    def training(self) -> TrainConfig:
        """The TrainConfig part: what chapter 3's stages read."""
        return TrainConfig(**{name: getattr(self, name) for name in TrainConfig.model_fields})

    def defects(self) -> dict:
        """The raw week's defect rates."""
        return defect_rates(self.defect_rate)


def parse_system_config(data, source: str = "the configuration") -> SystemConfig:
    """A SystemConfig from a dict (as YAML gives), or a ConfigError naming `source` and the field."""
    return parse_config(data, source, model=SystemConfig)


def load_system_config(path) -> SystemConfig:
    """Read and validate a YAML file of SystemConfig fields; every problem is a ConfigError naming file and field."""
    return load_config(path, model=SystemConfig)

