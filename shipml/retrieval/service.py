"""The /ask endpoint: chapter 7's server pattern around the assistant, run as a real process.

    from shipml.retrieval.service import serve_assistant
    with serve_assistant(folder) as server:            # folder: Assistant.save(...)
        httpx.post(server.url + "/ask", json={"question": "What is a load test?"}).json()

`create_app(folder)` is a FastAPI app with chapter 7's contract: GET /health
(the process answers), GET /ready (200 once the assistant and its model are
loaded, 503 before), POST /ask `{"question": str, "k": int}` answered with the
extractive answer, its citations, quotes and evidence. A question is 1 to
10,000 characters; anything else is answered 422 with a sentence that says
which field is wrong (chapter 7's handler). `serve_assistant` starts it with
`shipml.serving.process.serve` (a free loopback port, SIGTERM on exit) and
waits for the model to load.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AskRequest", "MAX_QUESTION_CHARS", "app_from_env", "create_app", "serve_assistant"]

MAX_QUESTION_CHARS = 10_000


class AskRequest(BaseModel):
    """A question to the assistant."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    k: int = Field(default=5, ge=1, le=20)


def create_app(folder, *, cache_dir=None):
    """The assistant's web app: /health, /ready, POST /ask."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    from shipml.retrieval.assistant import Assistant
    from shipml.serving.app import _problem

    state: dict = {"assistant": None, "error": None}

    def load():
        import torch

        torch.set_num_threads(1)  # one question at a time per worker: threads cost more than they save
        try:
            assistant = Assistant.load(folder, cache_dir=cache_dir)
            assistant.ask("warm up")  # loads the model and runs every stage once
            state["assistant"] = assistant
        except Exception as error:  # the server stays up and says why in /ready
            state["error"] = f"{type(error).__name__}: {error}"

    @asynccontextmanager
    async def lifespan(app):
        task = asyncio.create_task(asyncio.to_thread(load))
        yield
        await asyncio.gather(task, return_exceptions=True)

    app = FastAPI(title="Ask the book", lifespan=lifespan)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        problems = [_problem(e) for e in exc.errors()]
        message = "; ".join(f"{p['field']}: {p['problem']}" for p in problems[:5])
        return JSONResponse({"detail": problems, "message": f"Invalid request. {message}."}, status_code=422)

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/ready")
    def ready():
        if state["assistant"] is not None:
            return {"status": "ready"}
        status = "failed" if state["error"] else "loading"
        return JSONResponse({"status": status, "reason": state["error"]}, status_code=503)

    @app.post("/ask")
    def ask(request: AskRequest):  # sync: the model runs in the thread pool, the event loop stays free
        if state["assistant"] is None:
            return JSONResponse({"detail": "the assistant is not loaded yet; retry when GET /ready says ready"},
                                status_code=503)
        answer = state["assistant"].ask(request.question, k=request.k)
        return {key: answer[key] for key in ("text", "citations", "quotes", "evidence", "abstained", "retrieved")}

    return app


def app_from_env():
    """The app for `uvicorn --factory shipml.retrieval.service:app_from_env` (SHIPML_ARTIFACT: the folder)."""
    folder = os.environ.get("SHIPML_ARTIFACT")
    if not folder or not Path(folder).exists():
        raise RuntimeError(f"Set SHIPML_ARTIFACT to a folder written by Assistant.save (got {folder!r}).")
    return create_app(folder, cache_dir=os.environ.get("SHIPML_EMBEDDING_CACHE") or None)


def serve_assistant(folder, *, cache_dir=None, startup_timeout_s: float = 90.0):
    """Start the /ask server on a free loopback port (a context manager yielding chapter 7's `Server`)."""
    from shipml.retrieval.embedding import offline
    from shipml.serving.process import serve

    offline()
    env = {"SHIPML_EMBEDDING_CACHE": str(Path(cache_dir).resolve()) if cache_dir else ""}
    return serve(folder, app="shipml.retrieval.service:app_from_env", env=env, startup_timeout_s=startup_timeout_s)
