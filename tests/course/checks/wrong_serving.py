"""Chapter 7's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

from typing import Literal

import numpy as np
from check_assertions import WrongAnswer
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shipml.data import COUNTRIES, DEVICES, MERCHANT_CATEGORIES
from shipml.modeling.mlp import predict_scores
from shipml.serving.app import to_requests
from shipml.serving.artifact import activate, onnx_scores
from shipml.serving.requests import GOOD


class Loose(BaseModel):  # types only: no ranges, no categories, extra fields ignored
    account_id: str
    timestamp: str
    amount: float
    merchant_category: str
    country: str
    channel: str
    device: str
    hour: int
    account_age_days: int
    home_country: str


class NaiveTime(BaseModel):  # right in every field but the time: a datetime without its offset is accepted
    model_config = ConfigDict(extra="forbid")
    account_id: str = Field(pattern=r"^acc\d+$")
    timestamp: str
    amount: float = Field(gt=0, le=100_000)
    merchant_category: Literal[MERCHANT_CATEGORIES]
    country: Literal[tuple(COUNTRIES)]
    channel: Literal["card_present", "online"]
    device: Literal[DEVICES]
    hour: int = Field(ge=0, le=23)
    account_age_days: int = Field(ge=0)
    home_country: Literal[tuple(COUNTRIES)]


class TooStrict(BaseModel):  # refuses the online channel
    model_config = ConfigDict(extra="forbid")
    account_id: str = Field(pattern=r"^acc\d+$")
    timestamp: AwareDatetime
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


def export_without_parity(artifact, path, X, export):
    export(artifact, path)
    return {"max_gap": 0.0, "ships": True}  # exported, never compared


def parity_too_loose(artifact, path, X, export):
    export(artifact, path)
    gap = float(np.max(np.abs(onnx_scores(path, X) - predict_scores(artifact.model, X))))
    return {"max_gap": gap, "ships": gap <= 1e-3}  # "close enough": a different computation passes


def parity_eager_with_eager(artifact, path, X, export):
    gap = float(np.max(np.abs(predict_scores(artifact.model, X) - predict_scores(artifact.model, X))))
    return {"max_gap": gap, "ships": True}  # compares the model with itself; nothing written


def rollback_current_only(root, to_version, restart):
    activate(root, to_version)
    return to_version  # CURRENT changed; the running servers still hold the new version


def rollback_asks_before_switching(root, to_version, restart):
    client = restart(root)
    activate(root, to_version)
    return client.post("/predict", json=GOOD).json()["model_version"]  # still the new version


def rollback_trusts_current(root, to_version, restart):
    activate(root, to_version)
    restart(root).post("/predict", json=GOOD)
    return to_version  # asked, but did not compare the answer with the target


def unsorted_rank(latencies):
    return {f"p{q}": float(latencies[int(np.ceil(q / 100 * len(latencies))) - 1]) for q in (50, 95, 99)}


WRONG_ANSWERS = [
    WrongAnswer("ch07-ex2", "types only: no ranges, no categories, extra fields allowed", Loose,
                "refuses every malformed request with 422 and a message, and keeps serving"),
    WrongAnswer("ch07-ex2", "a rule too strict: only card-present", TooStrict,
                "accepts good requests, edge values included"),
    WrongAnswer("ch07-ex2", "a timestamp as text: a naive time is accepted", NaiveTime,
                "refuses every malformed request with 422 and a message, and keeps serving"),
    WrongAnswer("ch07-ex3", "always ready", always_ready, "503 while the model is loading"),
    WrongAnswer("ch07-ex3", "no reason after a failed load", ready_without_reason,
                "503 with the reason after a failed load"),
    WrongAnswer("ch07-ex4", "the mean difference, not the largest", parity_mean,
                "a skewed server: reports the largest difference"),
    WrongAnswer("ch07-ex5", "takes ranks without sorting", unsorted_rank, "unsorted latencies with a slow tail"),
    WrongAnswer("ch07-ex6", "no parity check: ships whatever was exported", export_without_parity,
                "an export with half-precision weights: refused"),
    WrongAnswer("ch07-ex6", "parity with a tolerance too loose (1e-3)", parity_too_loose,
                "an export with half-precision weights: refused"),
    WrongAnswer("ch07-ex6", "compares eager with eager, exports nothing", parity_eager_with_eager,
                "a faithful export: the gap measured, and it ships"),
    WrongAnswer("ch07-ex7", "changes CURRENT, restarts nothing, checks nothing", rollback_current_only,
                "from v2 to v1: CURRENT names v1 and the restarted server answers v1"),
    WrongAnswer("ch07-ex7", "asks the server before the switch: a response still shows v2",
                rollback_asks_before_switching, "from v2 to v1: CURRENT names v1 and the restarted server answers v1"),
    WrongAnswer("ch07-ex7", "asks, but reports the target instead of the answer", rollback_trusts_current,
                "a restarted server that still serves v2: the rollback is not reported done"),
]
