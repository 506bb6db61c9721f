"""Chapter 7's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

from typing import Literal

import numpy as np
from check_assertions import WrongAnswer
from pydantic import BaseModel, ConfigDict, Field

from shipml.data import COUNTRIES, DEVICES, MERCHANT_CATEGORIES
from shipml.serving.app import to_requests


class Loose(BaseModel):  # types only: no ranges, no categories, extra fields ignored
    amount: float
    merchant_category: str
    country: str
    channel: str
    device: str
    hour: int
    account_age_days: int
    home_country: str


class TooStrict(BaseModel):  # refuses the online channel
    model_config = ConfigDict(extra="forbid")
    amount: float = Field(gt=0)
    merchant_category: Literal[MERCHANT_CATEGORIES]
    country: Literal[tuple(COUNTRIES)]
    channel: Literal["card_present"]
    device: Literal[DEVICES]
    hour: int = Field(ge=0, le=23)
    account_age_days: int = Field(ge=0)
    home_country: Literal[tuple(COUNTRIES)]


def always_ready(state):
    return 200, {"status": "ready", "model_version": getattr(state.artifact, "version", None)}


def ready_without_reason(state):
    return (200, {"model_version": state.artifact.version}) if state.artifact else (503, {})


def parity_mean(client, artifact, df):
    served = np.asarray(client.post("/predict/batch", json={"transactions": to_requests(df)}).json()["scores"])
    return float(np.mean(np.abs(served - artifact.score(df))))


def unsorted_rank(latencies):
    return {f"p{q}": float(latencies[int(np.ceil(q / 100 * len(latencies))) - 1]) for q in (50, 95, 99)}


WRONG_ANSWERS = [
    WrongAnswer("ch07-ex2", "types only: no ranges, no categories, extra fields allowed", Loose,
                "refuses every malformed request with 422 and a message, and keeps serving"),
    WrongAnswer("ch07-ex2", "a rule too strict: only card-present", TooStrict,
                "accepts good requests, edge values included"),
    WrongAnswer("ch07-ex3", "always ready", always_ready, "503 while the model is loading"),
    WrongAnswer("ch07-ex3", "no reason after a failed load", ready_without_reason,
                "503 with the reason after a failed load"),
    WrongAnswer("ch07-ex4", "the mean difference, not the largest", parity_mean,
                "a skewed server: reports the largest difference"),
    WrongAnswer("ch07-ex5", "takes ranks without sorting", unsorted_rank, "unsorted latencies with a slow tail"),
]
