"""Example and malformed requests for the API, and how to send one.

    from shipml.serving.requests import BAD_FIELDS, GOOD, bad_requests, send
    send(client, GOOD).status_code                 # 200 from a healthy app
    for name, (body, what) in bad_requests().items():
        send(client, body).status_code             # 422 (or 400) for each, with a message
        BAD_FIELDS[name]                           # the field the message must name (None: there is none)

`GOOD` is one valid payment as the API takes it: the paying account and the
payment's time (with its UTC offset) come with it, so that the server can look
the account's history up. `bad_requests()` is the
table of malformed requests a schema must refuse: name -> (body, what is
wrong), the body as JSON data, raw text (not JSON) or None (no body at all).
`send` posts one body to the right route of a FastAPI TestClient (or any
client with httpx's `post`): a batch to /predict/batch, anything else to
/predict.
"""

from __future__ import annotations

__all__ = ["BAD_FIELDS", "GOOD", "bad_requests", "send"]

GOOD = {"account_id": "acc00042", "timestamp": "2026-03-25T13:05:00+00:00",
        "amount": 42.5, "merchant_category": "grocery", "country": "DE", "channel": "card_present",
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
        "naive timestamp": ({**GOOD, "timestamp": "2026-03-25T13:05:00"}, "a time without a UTC offset"),
        "malformed account": ({**GOOD, "account_id": "42"}, "an account id not of the form acc00042"),
        "empty body": (None, "no body at all"),
        "invalid JSON": ("{amount: 12", "text that is not JSON"),
        "huge batch": ({"transactions": [GOOD] * 1001}, "a batch over the 1,000-row limit"),
    }


# The field each bad request's message must name; None where there is no field to name (no body, not JSON).
BAD_FIELDS = {
    "missing field": "amount", "wrong type": "amount", "negative amount": "amount", "zero amount": "amount",
    "unknown category": "merchant_category", "unknown country": "country", "hour out of range": "hour",
    "negative account age": "account_age_days", "extra field": "is_fraud", "naive timestamp": "timestamp",
    "malformed account": "account_id", "empty body": None, "invalid JSON": None, "huge batch": "transactions",
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
