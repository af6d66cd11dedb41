"""Handoffs in /admin, for agents without Telegram: the open conversations, a reply box each.

Same token as the report (bot/admin.py). The forms carry a token derived from the admin token,
so that another site cannot post with the browser's saved login (HTTP Basic is sent by itself).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from fastapi import FastAPI, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .admin import require_admin
from .handoff_common import ConversationClosed, clean_text, public_message
from .pages import Templates
from .settings import Settings
from .store_common import StoreError

if TYPE_CHECKING:
    from .handoff_store import Handoffs

log = logging.getLogger("privacybot.handoff")
ID = r"^[0-9a-f]{32}$"
MAX_FORM = 16 * 1024
RETRY = {"Retry-After": "10"}  # a 503: the log is down, or still opening at start


def form_token(settings: Settings) -> str:
    return hmac.new(settings.admin_token.encode(), b"handoff-admin-form",
                    hashlib.sha256).hexdigest()


async def _form(request: Request, settings: Settings) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM:
        raise HTTPException(413, "form too large")
    try:
        fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise HTTPException(400, "form is not UTF-8")
    if not hmac.compare_digest(fields.get("csrf", "").encode(), form_token(settings).encode()):
        raise HTTPException(403, "form token missing or wrong; reload /admin/handoffs")
    return fields


def mount(app: FastAPI, settings: Settings, handoff) -> None:
    templates = Templates()

    def store() -> Handoffs:
        try:
            return handoff.handoffs
        except StoreError:
            raise HTTPException(503, "the log database is unavailable", headers=RETRY)

    def conversations(limit: int = 100) -> list[dict]:
        hs = store()
        try:
            rows = hs.list_open(limit)
            for r in rows:
                r["messages"] = [public_message(m) for m in hs.messages_after(r["id"])]
        except StoreError:
            raise HTTPException(503, "the log database is unavailable", headers=RETRY)
        return rows

    @app.get("/admin/handoffs", response_class=HTMLResponse, tags=["admin"],
             responses={401: {"description": "Missing or wrong token"},
                        404: {"description": "Admin disabled (no PRIVACYBOT_ADMIN_TOKEN)"},
                        503: {"description": "The log database is unavailable"}})
    def handoffs_page(request: Request):
        """Open handoffs with their messages, and a box to answer each."""
        require_admin(request, settings)
        return templates.TemplateResponse(request, "handoffs.html", {
            "rows": conversations(), "enabled": handoff.config.enabled,
            "csrf": form_token(settings)}, headers={"Cache-Control": "no-store"})

    @app.get("/admin/handoffs.json", tags=["admin"],
             responses={401: {"description": "Missing or wrong token"},
                        404: {"description": "Admin disabled (no PRIVACYBOT_ADMIN_TOKEN)"},
                        503: {"description": "The log database is unavailable"}})
    def handoffs_json(request: Request) -> list[dict]:
        """The open handoffs and their messages, as JSON."""
        require_admin(request, settings)
        out = []
        for r in conversations():
            r.pop("token_hash", None)
            r.pop("client", None)
            out.append({k: (v.isoformat(timespec="seconds") + "Z" if hasattr(v, "isoformat") else v)
                        for k, v in r.items()})
        return out

    @app.post("/admin/handoffs/{handoff_id}/reply", tags=["admin"], status_code=303,
              responses={303: {"description": "Sent; back to /admin/handoffs"},
                         400: {"description": "Bad form"},
                         401: {"description": "Missing or wrong token"},
                         403: {"description": "Missing or wrong form token"},
                         404: {"description": "No such open conversation, or admin disabled"},
                         409: {"description": "The conversation is closed"},
                         413: {"description": "Form too large"},
                         503: {"description": "The log database is unavailable"}})
    async def reply(request: Request, handoff_id: str = Path(pattern=ID)):
        """Answer a visitor from the browser (form fields `text`, `agent`, `csrf`)."""
        require_admin(request, settings)
        fields = await _form(request, settings)
        text = clean_text(fields.get("text", ""))
        agent = clean_text(fields.get("agent", ""), 128) or "admin"
        if not text:
            raise HTTPException(400, "the reply is empty")
        hs = await asyncio.to_thread(store)  # the log may still be opening at start
        try:
            row = await asyncio.to_thread(hs.get, handoff_id)
            if row is None:
                raise HTTPException(404, "no such conversation")
            await asyncio.to_thread(hs.add_message, handoff_id, sender="agent", text=text,
                                    agent=agent)
        except ConversationClosed:
            raise HTTPException(409, "this conversation is closed")
        except StoreError:
            raise HTTPException(503, "the log database is unavailable", headers=RETRY)
        handoff.hub.notify(handoff_id)
        if handoff.relay is not None:
            handoff.relay.from_admin(row, text, agent)
        log.info("handoff %s: reply from /admin", handoff_id[:8])
        return RedirectResponse(f"/admin/handoffs#h-{handoff_id}", status_code=303)

    @app.post("/admin/handoffs/{handoff_id}/close", tags=["admin"], status_code=303,
              responses={303: {"description": "Closed; back to /admin/handoffs"},
                         400: {"description": "Bad form"},
                         401: {"description": "Missing or wrong token"},
                         403: {"description": "Missing or wrong form token"},
                         404: {"description": "No such open conversation, or admin disabled"},
                         413: {"description": "Form too large"},
                         503: {"description": "The log database is unavailable"}})
    async def close(request: Request, handoff_id: str = Path(pattern=ID)):
        """Close a conversation (the visitor's widget returns to the bot)."""
        require_admin(request, settings)
        fields = await _form(request, settings)
        agent = clean_text(fields.get("agent", ""), 128) or "admin"
        hs = await asyncio.to_thread(store)
        try:
            if not await asyncio.to_thread(hs.close, handoff_id):
                raise HTTPException(404, "no such open conversation")
            row = await asyncio.to_thread(hs.get, handoff_id)
            await asyncio.to_thread(hs.add_message, handoff_id, sender="system", kind="status",
                                    text=agent, agent=agent, payload={"event": "closed"},
                                    allow_closed=True)
        except StoreError:
            raise HTTPException(503, "the log database is unavailable", headers=RETRY)
        handoff.hub.notify(handoff_id)
        if handoff.relay is not None and row is not None:
            handoff.relay.closed(row, agent)
        return RedirectResponse("/admin/handoffs", status_code=303)
