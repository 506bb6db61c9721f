"""A generated answer from any OpenAI-compatible chat-completions endpoint: optional, never required.

    from shipml.retrieval.generator import Generator
    generator = Generator.from_env()          # None unless SHIPML_LLM_BASE_URL and SHIPML_LLM_MODEL are set
    if generator is not None:
        reply = generator.answer(question, quotes)   # {"text", "citations", "invalid_citations", "refused", "usage"}

The endpoint is named by the environment: `SHIPML_LLM_BASE_URL` (such as
`http://127.0.0.1:8080/v1` for a local llama.cpp or vLLM server),
`SHIPML_LLM_MODEL`, and `SHIPML_LLM_API_KEY` if the server wants one. The
course never sets them: every chapter answers extractively, and the tests
speak to a fake chat-completions server on loopback (tests/retrieval/test_generator.py),
so the prompt, the citations and the refusal path are tested without a model.

The prompt is `guardrails.build_prompt`: rules in the system message,
sources tagged and escaped in the user message. The reply is checked, not
trusted: a citation `[section_id]` that names no source given is reported in
`invalid_citations` (and the reply should then not be shown as cited), and
the exact sentence "The book does not say." is a refusal.
"""

from __future__ import annotations

import os
import re

from shipml.retrieval.answer import ABSTAIN
from shipml.retrieval.guardrails import build_prompt

__all__ = ["Generator", "parse_reply"]

_CITATION = re.compile(r"\[([^\[\]\s]+#[^\[\]\s]+)\]")


def parse_reply(text: str, source_ids) -> dict:
    """The reply's citations, those that name no given source, and whether it refused."""
    cited = list(dict.fromkeys(_CITATION.findall(text or "")))
    given = set(source_ids)
    return {"text": text, "citations": [c for c in cited if c in given],
            "invalid_citations": [c for c in cited if c not in given],
            "refused": (text or "").strip() == ABSTAIN}


class Generator:
    """A client of one chat-completions endpoint (`POST {base_url}/chat/completions`)."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 30.0,
                 max_tokens: int = 300):
        if not base_url or not model:
            raise ValueError("a generator needs the endpoint's base URL and a model name.")
        self.base_url, self.model, self.api_key = base_url.rstrip("/"), model, api_key
        self.timeout_s, self.max_tokens = timeout_s, max_tokens

    @classmethod
    def from_env(cls, environ=None) -> Generator | None:
        """The generator the environment names, or None when it names none."""
        environ = os.environ if environ is None else environ
        base_url, model = environ.get("SHIPML_LLM_BASE_URL"), environ.get("SHIPML_LLM_MODEL")
        if not base_url or not model:
            return None
        return cls(base_url, model, environ.get("SHIPML_LLM_API_KEY") or None)

    def request(self, question: str, quotes) -> dict:
        """The JSON body sent: model, messages (the guarded prompt), temperature 0, max_tokens."""
        return {"model": self.model, "messages": build_prompt(question, quotes), "temperature": 0,
                "max_tokens": self.max_tokens}

    def answer(self, question: str, quotes) -> dict:
        """Ask the endpoint; the reply parsed and its citations checked against the quotes' section ids."""
        import httpx

        if not quotes:  # no evidence: do not ask a model to answer from nothing
            return {**parse_reply(ABSTAIN, []), "usage": {}}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            with httpx.Client(trust_env=False, timeout=self.timeout_s) as client:
                response = client.post(f"{self.base_url}/chat/completions", json=self.request(question, quotes),
                                       headers=headers)
            response.raise_for_status()
            body = response.json()
            text = body["choices"][0]["message"]["content"]
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as error:
            raise RuntimeError(f"the endpoint {self.base_url} gave no usable answer ({type(error).__name__}: "
                               f"{error}); fall back to the extractive answer.") from None
        return {**parse_reply(text, [q["section_id"] for q in quotes]), "usage": body.get("usage", {})}
