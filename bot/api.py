"""FastAPI app: the JSON API of docs/contract.md, the widget, policy pages, demo and admin."""
from __future__ import annotations

import hmac
import logging
import os
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from index import Answer, PolicyIndex
from index.answer import examples
from index.cleaning import clean_text

from . import admin, handoff
from .admin import presented_token
from .guard import (AllowedHosts, BodyLimit, PublicHost, RateLimit, SecurityHeaders, Timeout,
                    is_loopback)
from .metrics import Metrics, MetricsMiddleware
from .openapi_doc import document_errors
from .pages import Templates
from .reload import Reloader
from .settings import Settings
from .deferred_store import DeferredStore
from .store_common import REASONS, StoreError, UnknownQuestion

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger("privacybot.api")
HERE = Path(__file__).resolve().parent
MAX_QUESTION = 500
MAX_POLICY_ID = 200  # longer than any id a file name gives; never echoed back
MAX_BODY = 64 * 1024  # bytes; larger request bodies are refused before being read
PUBLIC_POSTS = ("/api/v1/ask", "/api/v1/feedback")  # rate-limited per client
QUESTION_PAGES = ("/",)  # GET with ?q= answers a question: rate-limited like ask
CHANNEL = r"^[a-z][a-z0-9_-]{0,31}$"


class CleanModel(BaseModel):
    """A request body whose strings are cleaned (lone surrogates → U+FFFD) before validation."""

    @field_validator("*", mode="before")
    @classmethod
    def _clean(cls, v):
        return clean_text(v) if isinstance(v, str) else v


class AskRequest(CleanModel):
    # The pattern says in the schema what the validator checks: 1 to 500 characters once
    # leading and trailing white space is trimmed (so "" and "   " are refused).
    question: str = Field(description="The question, 1 to 500 characters after trimming.",
                          examples=["怎么注销账号？"],
                          json_schema_extra={"pattern": r"^\s*\S(?:[\s\S]{0,498}\S)?\s*$"})
    policy_id: str | None = Field(None, max_length=MAX_POLICY_ID,
                                  description="Restrict the search to one policy.")
    top_k: int = Field(3, ge=1, le=10, strict=True,
                       description="How many clauses to return (1 to 10).")
    lang: Literal["zh", "en", "zh-Hant"] | None = Field(
        None, description="Reply language; default: the question's own.")
    channel: str | None = Field(None, pattern=CHANNEL, description=(
        "Where the question comes from, for the question log (`widget`, `api`, …); "
        "default `api`."))

    @field_validator("top_k", mode="before")
    @classmethod
    def _whole(cls, v):
        # JSON Schema's integer includes 5.0; "3", true and 2.5 are not numbers of clauses.
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return v

    @field_validator("question")
    @classmethod
    def _trimmed(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("question is empty")
        if len(v) > MAX_QUESTION:
            raise ValueError(f"question is longer than {MAX_QUESTION} characters")
        return v


class AskReply(BaseModel):
    id: str | None = Field(None, description="Id of the logged question, for feedback.")
    question: str
    answered: bool
    message: str
    lang: str
    answers: list[Answer]


class FeedbackRequest(CleanModel):
    """👍/👎 on a reply. The question and the clause shown are taken from the server's own log
    by `question_id`; what else a client sends about them (`question`, `policy_id`,
    `section_id`, `url`, `quote`) is ignored."""

    question_id: str = Field(min_length=1, max_length=64,
                             description="`id` of the ask reply the vote is about.")
    vote: Literal["up", "down"]
    reason: Literal[REASONS] | None = Field(None, description="Why 👎 (optional).")
    comment: str | None = Field(None, max_length=1000)
    channel: str | None = Field(None, pattern=CHANNEL)


class FeedbackReply(BaseModel):
    id: str


class Suggestions(BaseModel):
    lang: str
    questions: list[str]


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


def unknown_policy(index: PolicyIndex) -> str:
    """The 404 detail for a policy id no policy has; the id asked for is not echoed back."""
    ids = list(index.policies)
    known = f" ({', '.join(ids)})" if len(ids) <= 20 else ""
    return f"unknown policy_id; GET /api/v1/policies lists the known ones{known}"


def client_of(request: Request) -> str:
    """What identifies a client for the log; the store keeps only its HMAC."""
    host = request.client.host if request.client else ""
    return f"{host}|{request.headers.get('user-agent', '')}"


def _attach_telegram(app: FastAPI, settings: Settings) -> None:
    """The Telegram bot, when one is configured: POST /telegram/webhook with
    TELEGRAM_WEBHOOK_URL, else polling with TELEGRAM_BOT_TOKEN. python-telegram-bot and httpx
    (14 MB, a fifth of a second at start) are imported only then."""
    app.state.telegram = None
    if any(os.environ.get(k, "").strip() for k in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL")):
        from . import telegram
        telegram.attach_webhook(app, settings)


def create_app(settings: Settings | None = None, index: PolicyIndex | None = None,
               store: Store | DeferredStore | None = None) -> FastAPI:
    """The web app; loads the corpus and opens the log at start unless given (tests share them).
    A DeferredStore, given or its own, is opened in the background once the app starts."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if app.state.index is None:
            app.state.index = settings.load_index()
        own_store = app.state.store is None
        if own_store:
            app.state.store = DeferredStore(settings.database_url,
                                            hash_secret=settings.hash_secret,
                                            retention_days=settings.retention_days)
        if isinstance(app.state.store, DeferredStore):
            app.state.store.open_in_background()  # SQLAlchemy and the database, off the start
        if settings.watch:
            app.state.reloader.watch(settings.watch_interval)
        if app.state.telegram is not None:  # the bot, by webhook or polling (see _attach_telegram)
            from . import telegram
            await telegram.start_webhook(app)
        if os.environ.get("FORWARDED_ALLOW_IPS", "").strip() == "*":
            log.warning("FORWARDED_ALLOW_IPS is \"*\": any client can name its own address in "
                        "X-Forwarded-For (rate limits, loopback exemption); name the proxy's "
                        "address instead")
        if settings.public_base_url:
            log.info("links use PUBLIC_BASE_URL %s", settings.public_base_url)
        else:
            log.warning("PUBLIC_BASE_URL is not set: links use the request's Host header, "
                        "accepted only for %s (PRIVACYBOT_ALLOWED_HOSTS); other hosts get 400",
                        ", ".join(settings.allowed_host_list))
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            app.state.reloader.stop()
            if app.state.telegram is not None:
                from . import telegram
                await telegram.stop_webhook(app)
            await handoff.stop(app)
            if own_store:
                app.state.store.close()

    app = FastAPI(title="privacybot", version="1.0.0", lifespan=lifespan,
                  description="Answers questions about privacy policies by quoting the clause "
                              "that answers them, with a link to it.")
    app.state.index = index
    app.state.store = store
    app.state.settings = settings
    app.state.reloader = Reloader(app, settings)
    app.state.metrics = Metrics(app)
    app.state.ready = False
    # Added innermost first. From the outside in: metrics see every answer, including refusals;
    # security headers; CORS, so that a 429 or 413 still reaches the widget on another origin
    # with its Retry-After readable; then the body limit, rate limits and the timeout.
    app.add_middleware(Timeout, seconds=settings.request_timeout)
    app.add_middleware(RateLimit, per_client=settings.rate_limit,
                       overall=settings.rate_limit_global, paths=PUBLIC_POSTS,
                       limit_loopback=settings.rate_limit_loopback, question_pages=QUESTION_PAGES)
    handoff.limit(app, settings)  # the handoff POSTs, like ask's
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    # Public endpoints are called from help centers' own sites; no cookies are involved.
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origin_list,
                       allow_methods=["GET", "POST"], allow_headers=["Content-Type", "Authorization"],
                       expose_headers=["Retry-After"], max_age=600)
    if settings.public_base_url:
        app.add_middleware(PublicHost, public_base_url=settings.public_base_url)
    else:
        app.add_middleware(AllowedHosts, hosts=settings.allowed_host_list)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    templates = Templates()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def idx(request: Request) -> PolicyIndex:
        return request.app.state.index

    def base_url(request: Request) -> str:
        return (settings.public_base_url or str(request.base_url)).rstrip("/")

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        detail = _readable(exc)
        log.info("400 %s %s: %s", request.method, request.url.path, detail)
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.detail == "There was an error parsing the body":  # FastAPI's words for bad bytes
            exc = StarletteHTTPException(400, "request body is not valid UTF-8 JSON")
        if exc.status_code == 405:  # Starlette names the methods of one route; a path has several
            exc = StarletteHTTPException(405, exc.detail, {"Allow": allowed_methods(request)})
        if exc.status_code >= 400 and exc.status_code != 404:
            log.info("%d %s %s: %s", exc.status_code, request.method, request.url.path, exc.detail)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.post("/api/v1/ask", response_model=AskReply, tags=["api"],
              responses={404: {"description": "Unknown policy_id"},
                         422: {"description": "Invalid request"}})
    async def ask(body: AskRequest, request: Request) -> dict:
        """Answer a question with the clauses that answer it, or `answered: false`."""
        # Run on the event loop, not in a worker thread: an answer is a few milliseconds of
        # CPU and never waits (the log write is queued); threads only added GIL contention
        # (measured at 64 clients: 89 → 171 req/s, p99 1,992 → 703 ms).
        index = idx(request)
        if body.policy_id is not None and index.resolve(body.policy_id) is None:
            raise HTTPException(404, unknown_policy(index))
        t0 = time.perf_counter()
        reply = index.ask(body.question, body.policy_id, body.top_k, body.lang, base_url(request))
        ms = 1000 * (time.perf_counter() - t0)
        out = reply.to_dict()
        out["id"] = request.app.state.store.log_question(
            question=body.question, reply=out, channel=body.channel or "api", latency_ms=ms,
            client=client_of(request))
        log.info("ask answered=%s ms=%.1f", reply.answered, ms)
        return out

    @app.post("/api/v1/feedback", response_model=FeedbackReply, status_code=201, tags=["api"],
              responses={404: {"description": "No question with this question_id was answered here"},
                         422: {"description": "Invalid request"},
                         503: {"description": "The log database is unavailable"}})
    def post_feedback(body: FeedbackRequest, request: Request) -> dict:
        """Store 👍/👎 on a reply, with the question and the answer that was shown (from the
        server's log); a second vote on the same reply replaces the first."""
        index, base = idx(request), base_url(request)

        def shown(policy_id: str, section_id: str) -> tuple[str | None, str | None]:
            answer = index.answer_of(policy_id, section_id, base)
            return (answer.url, answer.quote) if answer else (None, None)

        try:
            fid = request.app.state.store.add_answer_feedback(
                question_id=body.question_id, vote=body.vote, reason=body.reason,
                comment=body.comment, channel=body.channel or "api", client=client_of(request),
                shown=shown)
        except UnknownQuestion:
            raise HTTPException(404, "unknown question_id: feedback is taken on replies this "
                                     "server gave (the id of an /api/v1/ask reply)")
        except StoreError:
            raise HTTPException(503, "feedback could not be stored right now; try again later",
                                headers={"Retry-After": "30"})
        return {"id": fid}

    @app.get("/api/v1/suggestions", response_model=Suggestions, tags=["api"])
    def suggestions(request: Request, lang: Literal["zh", "en", "zh-Hant"] = "zh",
                    policy_id: str | None = Query(None, max_length=200)) -> dict:
        """Example questions to offer (the widget shows them as chips)."""
        return {"lang": lang, "questions": examples(lang)}

    @app.get("/widget.js", tags=["pages"], response_class=FileResponse)
    def widget_js():
        """The chat widget: `<script src="https://BOT-HOST/widget.js" defer></script>`."""
        return handoff.widget_response(HERE / "static")  # widget.js with handoff.js in front

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        """The icon browsers ask every page for (made by tools/make_favicon.py)."""
        return FileResponse(HERE / "static" / "favicon.ico", media_type="image/x-icon",
                            headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/api/v1/policies", response_model=list[PolicyOut], tags=["api"])
    def policies(request: Request) -> list[dict]:
        """The policies this server answers from."""
        return [p.summary() for p in idx(request).policies.values()]

    @app.get("/readyz", tags=["ops"], responses={503: {"description": "Not ready"}})
    def readyz(request: Request):
        """200 while this replica should get traffic: index loaded, not shutting down. `log`
        says whether the question/feedback log takes writes (checked, and healed if it can
        be: a deleted SQLite file is made again); answers are served either way."""
        if not request.app.state.ready or request.app.state.index is None:
            return JSONResponse({"status": "not ready"}, status_code=503)
        store = request.app.state.store
        return {"status": "ready", "log": "ok" if store.check() else "unavailable"}

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse,
             responses={401: {"description": "Missing or wrong metrics token"},
                        404: {"description": "No metrics token configured and not on loopback"}})
    def metrics(request: Request):
        """Prometheus metrics: `Authorization: Bearer PRIVACYBOT_METRICS_TOKEN`; without a
        configured token, loopback clients only."""
        if not settings.metrics_token:
            if not is_loopback(request.client.host if request.client else ""):
                raise HTTPException(404, "Not Found")
        else:
            token = presented_token(request.headers.get("authorization", ""))
            if token is None or not hmac.compare_digest(token, settings.metrics_token.encode()):
                log.warning("metrics: request without the right token refused")
                raise HTTPException(401, "a valid metrics token is required",
                                    headers={"WWW-Authenticate": 'Bearer realm="privacybot metrics"'})
        return PlainTextResponse(generate_latest(request.app.state.metrics.registry),
                                 media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", tags=["ops"])
    async def healthz(request: Request) -> dict:
        """200 once the index is loaded."""
        # On the event loop: it reads two lengths. A worker thread was most of its cost, and
        # at a start the first one loads anyio's thread machinery (0.015 s) before the first 200.
        index = idx(request)
        return {"status": "ok", "policies": len(index.policies), "clauses": len(index.entries)}

    @app.get("/policies/{policy_id}", response_class=HTMLResponse, tags=["pages"],
             responses={404: {"description": "Unknown policy id"}})
    def policy_page(request: Request, policy_id: str = PathParam(max_length=MAX_POLICY_ID)):
        """The whole policy as a readable page; every clause has its anchor."""
        index = idx(request)
        policy = index.policies.get(index.resolve(policy_id) or policy_id)
        if policy is None:
            raise HTTPException(404, unknown_policy(index))
        return templates.TemplateResponse(request, "policy.html", {"policy": policy})

    @app.get("/", response_class=HTMLResponse, tags=["pages"])
    def home(request: Request, q: str = Query("", max_length=2000),
             policy: str = Query("", max_length=100)):
        """Demo help-center page: the policies, example questions and a question box."""
        index = idx(request)
        reply, error = None, None
        q = clean_text(q).strip()
        if q:
            if len(q) > MAX_QUESTION:
                error = f"问题超过 {MAX_QUESTION} 个字符 / question longer than {MAX_QUESTION} characters"
            else:
                t0 = time.perf_counter()
                reply = index.ask(q, policy if policy in index.policies else None,
                                  3, None, base_url(request))
                request.app.state.store.log_question(
                    question=q, reply=reply.to_dict(), channel="web",
                    latency_ms=1000 * (time.perf_counter() - t0), client=client_of(request))
        return templates.TemplateResponse(request, "home.html", {
            "policies": list(index.policies.values()), "q": q, "reply": reply, "error": error,
            "base_url": base_url(request),
            "examples": ["怎么注销账号？", "How do I delete my account?", "如何註銷帳號？",
                         "会收集我的位置信息吗？", "Does vymeet sell my data?",
                         "盟畅的联系邮箱是什么？"]})

    def allowed_methods(request: Request) -> str:
        methods: set[str] = set()
        for route in request.app.router.routes:
            if getattr(route, "methods", None) and route.path_regex.match(request.url.path):
                methods |= route.methods
        return ", ".join(sorted(methods))

    admin.mount(app, settings, templates)
    handoff.mount(app, settings)  # /api/v1/handoffs…, /admin/handoffs
    _attach_telegram(app, settings)
    document_errors(app, PUBLIC_POSTS, QUESTION_PAGES)
    return app
