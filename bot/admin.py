"""Admin pages: the unanswered-questions report, behind a bearer token from the environment.

With no token configured the admin endpoints do not exist (404). A browser can sign in with
HTTP Basic (any user name, the token as password); scripts send `Authorization: Bearer TOKEN`.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import logging

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from .pages import Templates
from .settings import Settings
from .store_common import StoreError

log = logging.getLogger("privacybot.admin")
ADMIN_ERRORS = {401: {"description": "Missing or wrong token"},
                404: {"description": "Admin disabled: no PRIVACYBOT_ADMIN_TOKEN configured"},
                503: {"description": "The log database is unavailable"}}
CHALLENGE = 'Bearer realm="privacybot admin", Basic realm="privacybot admin", charset="UTF-8"'


def presented_token(authorization: str) -> bytes | None:
    """The token in an Authorization header: Bearer TOKEN, or Basic with TOKEN as password.

    Header values arrive decoded as Latin-1; the original bytes (UTF-8 for a non-ASCII token)
    are compared."""
    scheme, _, value = authorization.strip().partition(" ")
    raw = value.strip().encode("latin-1", "replace")
    if scheme.lower() == "bearer" and raw:
        return raw
    if scheme.lower() == "basic" and raw:
        try:
            decoded = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            return None
        return decoded.partition(b":")[2] or None
    return None


def require_admin(request: Request, settings: Settings) -> None:
    if not settings.admin_token:
        raise HTTPException(404, "Not Found")  # admin disabled: nothing to find here
    token = presented_token(request.headers.get("authorization", ""))
    # compare_digest on bytes: constant time, and no error on non-ASCII input.
    if token is None or not hmac.compare_digest(token, settings.admin_token.encode()):
        log.warning("admin: %s %s refused (%s)", request.method, request.url.path,
                    "no token" if token is None else "wrong token")
        raise HTTPException(401, "a valid admin token is required",
                            headers={"WWW-Authenticate": CHALLENGE})


def mount(app: FastAPI, settings: Settings, templates: Templates) -> None:
    def report_of(request: Request, days: int, top: int) -> dict:
        require_admin(request, settings)
        from sqlalchemy.exc import SQLAlchemyError  # the log is open (or opening) by now

        try:
            report = request.app.state.store.report(days=days, top=top)
        except (SQLAlchemyError, StoreError) as e:  # down, or not open yet
            log.error("admin report failed: %s", e.__class__.__name__)
            raise HTTPException(503, "the log database is unavailable",
                                headers={"Retry-After": "10"})
        # Links and quotes are the server's own, from the index served: never a stored URL.
        index = request.app.state.index
        base = (settings.public_base_url or str(request.base_url)).rstrip("/")
        for clause in report["downvoted"]:
            answer = index.answer_of(clause["policy_id"], clause["section_id"], base)
            clause["url"] = answer.url if answer else None
            clause["quote"] = answer.quote[:120] if answer else clause["quote"]
        return report

    @app.get("/admin", response_class=HTMLResponse, tags=["admin"],
             responses=ADMIN_ERRORS)
    def admin_page(request: Request, days: int = Query(30, ge=1, le=3650),
                   top: int = Query(20, ge=1, le=200)):
        """What went unanswered, which clauses got 👎, volumes per day and channel."""
        report = report_of(request, days, top)
        return templates.TemplateResponse(request, "admin.html", {"r": report},
                                          headers={"Cache-Control": "no-store"})

    @app.get("/admin/report.json", tags=["admin"],
             responses=ADMIN_ERRORS)
    def admin_report(request: Request, days: int = Query(30, ge=1, le=3650),
                     top: int = Query(20, ge=1, le=200)) -> dict:
        """The same report as JSON, for export."""
        return report_of(request, days, top)

    @app.post("/admin/reindex", status_code=202, tags=["admin"],
              responses=ADMIN_ERRORS)
    def reindex(request: Request):
        """Rebuild the index from the corpus folder in the background and swap it in; requests
        keep being answered by the current index meanwhile. Poll GET for the outcome."""
        require_admin(request, settings)
        started = request.app.state.reloader.trigger()
        log.info("admin: reindex %s", "started" if started else "queued after the running one")
        return JSONResponse({"started": started, **request.app.state.reloader.status()}, 202)

    @app.get("/admin/reindex", tags=["admin"],
             responses=ADMIN_ERRORS)
    def reindex_status(request: Request) -> dict:
        """Whether a reindex is running, when the last one succeeded, the last error."""
        require_admin(request, settings)
        return request.app.state.reloader.status()
