"""Example and malformed requests for the API, and how to send one.

    from shipml.serving.requests import GOOD, bad_requests, send
    send(client, GOOD).status_code                 # 200 from a healthy app
    for name, (body, what) in bad_requests().items():
        send(client, body).status_code             # 422 (or 400) for each, with a message

`GOOD` is one valid transaction as the API takes it. `bad_requests()` is the
table of malformed requests a schema must refuse: name -> (body, what is
wrong), the body as JSON data, raw text (not JSON) or None (no body at all).
`send` posts one body to the right route of a FastAPI TestClient (or any
client with httpx's `post`): a batch to /predict/batch, anything else to
/predict.
"""

from __future__ import annotations

__all__ = ["GOOD", "bad_requests", "send"]

GOOD = {"amount": 42.5, "merchant_category": "grocery", "country": "DE", "channel": "card_present",
        "device": "chip", "hour": 14, "account_age_days": 900, "home_country": "DE"}


def bad_requests() -> dict:
    """The table of malformed requests: name -> (body as JSON data or raw text, what is wrong)."""
    missing = {k: v for k, v in GOOD.items() if k != "amount"}
    return {
        "missing field": (missing, "amount is missing"),
        "wrong type": ({**GOOD, "amount": "lots"}, "amount is text"),
        "negative amount": ({**GOOD, "amount": -10.0}, "amount below zero"),
        "zero amount": ({**GOOD, "amount": 0}, "amount of zero"),
        "unknown category": ({**GOOD, "merchant_category": "gambling"}, "a merchant category the model never saw"),
        "unknown country": ({**GOOD, "country": "XX"}, "a country code that does not exist"),
        "hour out of range": ({**GOOD, "hour": 24}, "hour 24"),
        "negative account age": ({**GOOD, "account_age_days": -1}, "account age below zero"),
        "extra field": ({**GOOD, "is_fraud": 0}, "a field the API does not have (the label!)"),
        "empty body": (None, "no body at all"),
        "invalid JSON": ("{amount: 12", "text that is not JSON"),
        "huge batch": ({"transactions": [GOOD] * 1001}, "a batch over the 1,000-row limit"),
    }


def send(client, body):
    """POST one row of the table: to /predict/batch for a batch, else to /predict."""
    if isinstance(body, dict) and "transactions" in body:
        return client.post("/predict/batch", json=body)
    if isinstance(body, str):
        return client.post("/predict", content=body, headers={"content-type": "application/json"})
    if body is None:
        return client.post("/predict")
    return client.post("/predict", json=body)
