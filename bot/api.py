"""FastAPI app: the JSON API of ../shared/CONTRACT.md, policy pages and the demo page."""
from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from index import PolicyIndex

from .settings import Settings

log = logging.getLogger("privacybot.api")
HERE = Path(__file__).resolve().parent
MAX_QUESTION = 500


class AskRequest(BaseModel):
    question: str = Field(description="The question, 1 to 500 characters after trimming.",
                          examples=["怎么注销账号？"])
    policy_id: str | None = Field(None, description="Restrict the search to one policy.")
    top_k: int = Field(3, ge=1, le=10, strict=True,
                       description="How many clauses to return (1 to 10).")
    lang: Literal["zh", "en", "zh-Hant"] | None = Field(
        None, description="Reply language; default: the question's own.")

    @field_validator("question")
    @classmethod
    def _trimmed(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("question is empty")
        if len(v) > MAX_QUESTION:
            raise ValueError(f"question is longer than {MAX_QUESTION} characters")
        return v


class AnswerOut(BaseModel):
    policy_id: str
    policy_title: str
    product: str
    section_id: str
    heading: str
    quote: str
    url: str
    source_url: str | None
    updated: str | None
    score: float


class AskReply(BaseModel):
    question: str
    answered: bool
    message: str
    lang: str
    answers: list[AnswerOut]


class PolicyOut(BaseModel):
    id: str
    title: str
    product: str
    aliases: list[str]
    company: str | None
    updated: str | None
    language: str
    source_url: str | None
    sections: int


def _readable(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"
        msg = err.get("msg", "invalid").removeprefix("Value error, ")
        if err.get("type") == "json_invalid":
            return "request body is not valid JSON"
        if err.get("type") == "model_attributes_type":
            return ("request body must be a JSON object such as {\"question\": \"...\"}, "
                    "sent with Content-Type: application/json")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts) or "invalid request"


def create_app(settings: Settings | None = None, index: PolicyIndex | None = None) -> FastAPI:
    """The web app; loads the corpus at start unless an index is given (tests share one)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if app.state.index is None:
            app.state.index = PolicyIndex.from_folder(settings.corpus)
        yield

    app = FastAPI(title="privacybot", version="1.0.0", lifespan=lifespan,
                  description="Answers questions about privacy policies by quoting the clause "
                              "that answers them, with a link to it.")
    app.state.index = index
    app.state.settings = settings
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def idx(request: Request) -> PolicyIndex:
        return request.app.state.index

    def base_url(request: Request) -> str:
        return settings.public_base_url or str(request.base_url).rstrip("/")

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        detail = _readable(exc)
        log.info("400 %s %s: %s", request.method, request.url.path, detail)
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.detail == "There was an error parsing the body":  # FastAPI's words for bad bytes
            exc = StarletteHTTPException(400, "request body is not valid UTF-8 JSON")
        if exc.status_code >= 400 and exc.status_code != 404:
            log.info("%d %s %s: %s", exc.status_code, request.method, request.url.path, exc.detail)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.post("/api/v1/ask", response_model=AskReply, tags=["api"],
              responses={404: {"description": "Unknown policy_id"},
                         422: {"description": "Invalid request"}})
    def ask(body: AskRequest, request: Request) -> dict:
        """Answer a question with the clauses that answer it, or `answered: false`."""
        index = idx(request)
        if body.policy_id is not None and body.policy_id not in index.policies:
            raise HTTPException(404, f"unknown policy_id {body.policy_id!r}; "
                                     f"known: {', '.join(index.policies)}")
        t0 = time.perf_counter()
        reply = index.ask(body.question, body.policy_id, body.top_k, body.lang, base_url(request))
        log.info("ask answered=%s ms=%.1f", reply.answered, 1000 * (time.perf_counter() - t0))
        return reply.to_dict()

    @app.get("/api/v1/policies", response_model=list[PolicyOut], tags=["api"])
    def policies(request: Request) -> list[dict]:
        """The policies this server answers from."""
        return [p.summary() for p in idx(request).policies.values()]

    @app.get("/healthz", tags=["ops"])
    def healthz(request: Request) -> dict:
        """200 once the index is loaded."""
        index = idx(request)
        return {"status": "ok", "policies": len(index.policies), "clauses": len(index.entries)}

    @app.get("/policies/{policy_id}", response_class=HTMLResponse, tags=["pages"])
    def policy_page(policy_id: str, request: Request):
        """The whole policy as a readable page; every clause has its anchor."""
        policy = idx(request).policies.get(policy_id)
        if policy is None:
            raise HTTPException(404, f"unknown policy {policy_id!r}")
        return templates.TemplateResponse(request, "policy.html", {"policy": policy})

    @app.get("/", response_class=HTMLResponse, tags=["pages"])
    def home(request: Request, q: str = Query("", max_length=2000),
             policy: str = Query("", max_length=100)):
        """Demo help-center page: the policies, example questions and a question box."""
        index = idx(request)
        reply, error = None, None
        q = q.strip()
        if q:
            if len(q) > MAX_QUESTION:
                error = f"问题超过 {MAX_QUESTION} 个字符 / question longer than {MAX_QUESTION} characters"
            else:
                reply = index.ask(q, policy if policy in index.policies else None,
                                  3, None, base_url(request))
        return templates.TemplateResponse(request, "home.html", {
            "policies": list(index.policies.values()), "q": q, "reply": reply, "error": error,
            "examples": ["怎么注销账号？", "How do I delete my account?", "如何註銷帳號？",
                         "会收集我的位置信息吗？", "Does vymeet sell my data?",
                         "盟畅的联系邮箱是什么？"]})

    return app
