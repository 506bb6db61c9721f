"""Chapter 3's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import numpy as np
import torch
from check_assertions import WrongAnswer
from pydantic import BaseModel, ConfigDict, Field
from test_repeatable_workflows import payments, train_small

from shipml.workflows.determinism import deterministic, seed_everything


def seeds_torch_only(X, y, seed=0):
    torch.manual_seed(seed)  # but train_small shuffles with NumPy
    return train_small(X, y)


def seeds_numpy_only(X, y, seed=0):
    np.random.seed(seed)  # but the weights start from torch's generator
    return train_small(X, y)


def ignores_its_seed(X, y, seed=0):
    with deterministic(threads=1):
        seed_everything(0)
        return train_small(X, y)


class ConfigWithoutRanges(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    lr: float = 0.03
    epochs: int = 12
    seed: int = 0
    batch_size: int = 1024


class ConfigIgnoringUnknownKeys(BaseModel):
    model_config = ConfigDict(strict=True)
    lr: float = Field(0.03, gt=0)
    epochs: int = Field(12, ge=1)
    seed: int = Field(0, ge=0)
    batch_size: int = Field(1024, ge=1)


class ConfigCoercingText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lr: float = Field(0.03, gt=0)
    epochs: int = Field(12, ge=1)
    seed: int = Field(0, ge=0)
    batch_size: int = Field(1024, ge=1)


class ConfigWithOtherDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    lr: float = Field(0.01, gt=0)
    epochs: int = Field(10, ge=1)
    seed: int = Field(0, ge=0)
    batch_size: int = Field(256, ge=1)


class HandCheckedWithoutNames:
    def __init__(self, lr=0.03, epochs=12, seed=0, batch_size=1024, **unknown):
        if unknown or not isinstance(lr, (int, float)) or lr <= 0 or not isinstance(epochs, int) or epochs < 1 \
                or not isinstance(seed, int) or seed < 0 or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError("invalid configuration")
        self.lr, self.epochs, self.seed, self.batch_size = float(lr), epochs, seed, batch_size


def test_only_that_the_column_exists(features):
    assert "night_online" in features(payments).columns


def test_one_row_at_3am(features):
    df = payments.head(1).assign(hour=[3], channel=["online"])
    assert features(df)["night_online"].tolist() == [1]


def test_in_shop_rows_only(features):
    df = payments.head(4).assign(hour=[0, 5, 6, 23], channel=["card_present"] * 4)
    assert features(df)["night_online"].tolist() == [0, 0, 0, 0]


def test_calls_hour_6_night(features):
    df = payments.head(4).assign(hour=[0, 5, 6, 23], channel=["online"] * 4)
    assert features(df)["night_online"].tolist() == [1, 1, 1, 0]


EX2_SAME = "the same seed gives the same weights, whatever ran before"
EX3_BAD = "each bad setting is refused with the field's name"
EX4 = "it passes on the correct feature and fails on each planted bug"

WRONG_ANSWERS = [
    WrongAnswer("ch03-ex2", "seeds torch but not NumPy's shuffle", seeds_torch_only, EX2_SAME),
    WrongAnswer("ch03-ex2", "seeds NumPy but not torch", seeds_numpy_only, EX2_SAME),
    WrongAnswer("ch03-ex2", "a fixed seed that ignores the argument", ignores_its_seed, "another seed gives other weights"),
    WrongAnswer("ch03-ex3", "types but no ranges", ConfigWithoutRanges, EX3_BAD),
    WrongAnswer("ch03-ex3", "unknown keys silently ignored", ConfigIgnoringUnknownKeys, EX3_BAD),
    WrongAnswer("ch03-ex3", "numbers in quotes coerced", ConfigCoercingText, EX3_BAD),
    WrongAnswer("ch03-ex3", "other defaults than the run's", ConfigWithOtherDefaults,
                "good settings are accepted, with the defaults filled in"),
    WrongAnswer("ch03-ex3", "refuses without naming the field", HandCheckedWithoutNames, EX3_BAD),
    WrongAnswer("ch03-ex4", "asserts only that the column exists", test_only_that_the_column_exists, EX4),
    WrongAnswer("ch03-ex4", "one row, far from the edges", test_one_row_at_3am, EX4),
    WrongAnswer("ch03-ex4", "in-shop rows only", test_in_shop_rows_only, EX4),
    WrongAnswer("ch03-ex4", "expects 6:00 to be night", test_calls_hour_6_night, EX4),
]
