"""Telegram updates as they arrive, before python-telegram-bot reads them.

Every string is cleaned (lone surrogates → U+FFFD, index/cleaning.py), and an update whose
parts the bot reads do not have Telegram's shape (a message without a chat, a text that is an
object, a user that is a string) is emptied to its update_id: no handler sees it, polling moves
past it, and one log line names it (no traceback). Used by the polling client
(CleanRequest.parse_json_payload) and the webhook (sanitize_update).
"""
from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest

from index.cleaning import clean_json

log = logging.getLogger("privacybot.telegram")

MESSAGE_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post",
                 "business_message", "edited_business_message")


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _opt(d: dict, key: str, kind: type) -> bool:
    return key not in d or d[key] is None or isinstance(d[key], kind)


def _user(u: Any) -> bool:
    return (isinstance(u, dict) and _int(u.get("id")) and _opt(u, "first_name", str)
            and _opt(u, "username", str) and _opt(u, "language_code", str))


def _entity(e: Any) -> bool:
    return (isinstance(e, dict) and isinstance(e.get("type"), str) and _int(e.get("offset"))
            and _int(e.get("length")) and ("user" not in e or _user(e["user"])))


def _message(m: Any, nested: bool = False) -> str | None:
    """What is wrong with a message, or None."""
    if not isinstance(m, dict):
        return "not an object"
    chat = m.get("chat")
    if not (isinstance(chat, dict) and _int(chat.get("id")) and isinstance(chat.get("type"), str)):
        return "no chat"
    if not (_int(m.get("message_id")) and _int(m.get("date"))):
        return "no message_id or date"
    for key in ("text", "caption"):
        if not _opt(m, key, str):
            return f"{key} is not text"
    for key in ("from", "sender_chat"):
        if m.get(key) is not None and not (_user(m[key]) if key == "from" else isinstance(m[key], dict)):
            return f"{key} is malformed"
    for key in ("entities", "caption_entities"):
        if m.get(key) is not None and not (isinstance(m[key], list) and all(map(_entity, m[key]))):
            return f"{key} are malformed"
    if m.get("reply_to_message") is not None:
        if nested:
            return "replies nested too deep"
        if _message(m["reply_to_message"], nested=True):
            return "reply_to_message is malformed"
    return None


def problem(update: dict) -> str | None:
    """What makes an update unusable for the bot's handlers, or None when it is fine."""
    for kind in MESSAGE_KINDS:
        if kind in update and (why := _message(update[kind])):
            return f"{kind}: {why}"
    q = update.get("inline_query")
    if q is not None and not (isinstance(q, dict) and isinstance(q.get("id"), str)
                              and _user(q.get("from")) and isinstance(q.get("query"), str)):
        return "inline_query is malformed"
    c = update.get("chosen_inline_result")
    if c is not None and not (isinstance(c, dict) and isinstance(c.get("result_id"), str)
                              and _user(c.get("from")) and isinstance(c.get("query"), str)):
        return "chosen_inline_result is malformed"
    cb = update.get("callback_query")
    if cb is not None:
        if not (isinstance(cb, dict) and isinstance(cb.get("id"), str) and _user(cb.get("from"))
                and _opt(cb, "data", str)):
            return "callback_query is malformed"
        if cb.get("message") is not None and _message(cb["message"]):
            return "callback_query.message is malformed"
    try:  # whatever else PTB reads must parse too (a date that is text, a chat that is a list)
        Update.de_json(update, None)
    except Exception as e:  # noqa: BLE001 - any failure to parse is a malformed update
        return f"does not parse ({type(e).__name__})"
    return None


def sanitize_update(data: dict) -> dict:
    """The update with its strings cleaned; a malformed one emptied to its update_id (logged)."""
    data = clean_json(data)
    why = problem(data)
    if why is None:
        return data
    log.info("Telegram update %s ignored: %s", data.get("update_id"), why)
    return {"update_id": data["update_id"]}


def sanitize_updates(payload: Any) -> Any:
    """A getUpdates answer with every update sanitized (entries without an update_id dropped)."""
    if not (isinstance(payload, dict) and isinstance(payload.get("result"), list)):
        return payload
    result = payload["result"]
    if not any(isinstance(u, dict) and "update_id" in u for u in result):
        return payload  # not a list of updates (getMyCommands, …)
    kept = [sanitize_update(u) for u in result if isinstance(u, dict) and _int(u.get("update_id"))]
    return {**payload, "result": kept}


class CleanRequest(HTTPXRequest):
    """PTB's HTTP client, reading the Bot API's answers through sanitize_updates."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict:
        return sanitize_updates(clean_json(HTTPXRequest.parse_json_payload(payload)))
