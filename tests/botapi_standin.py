"""A stand-in for the Telegram Bot API on loopback, for running the real python-telegram-bot
client end to end without the internet.

It serves /bot<TOKEN>/<method> (GET or POST, form-encoded as PTB sends, or JSON): getMe,
getUpdates (long-poll aware, returns at once when updates are queued), setWebhook,
deleteWebhook, getWebhookInfo, sendMessage (returns a Message), and answers True to every other
method. Every call is recorded; tests queue updates with `push` and wait for calls with `wait`.
`fail_next(method)` makes the next call of a method return a Bot API error.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

TOKEN = "123456789:TEST-stand-in_token"
BOT_ID = 123456789
BOT_USERNAME = "privacy_test_bot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Privacy", "username": BOT_USERNAME,
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": True}
RAW_KEYS = {"text", "caption", "secret_token", "url", "inline_query_id", "callback_query_id",
            "query", "title", "description", "next_offset", "ip_address", "language_code"}
LONG_POLL_CAP = 0.5  # seconds a getUpdates waits at most, whatever timeout it asks for


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None
    at: float = field(default_factory=time.monotonic)


class BotApiStandIn:
    def __init__(self, token: str = TOKEN):
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict] = []
        self.webhook: dict[str, Any] = {"url": ""}
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._failures: dict[str, list[tuple[int, str]]] = {}
        self._chat_types: dict[int, str] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> "BotApiStandIn":
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                standin._handle(self)

            def do_POST(self):
                standin._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="botapi-standin",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    def __enter__(self) -> "BotApiStandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The server's root, as TELEGRAM_API_BASE_URL (without "/bot")."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- test controls --------------------------------------------------------------------------
    def push(self, update: dict) -> dict:
        """Queue an update for getUpdates; an update_id is given if it has none."""
        update = dict(update)
        update.setdefault("update_id", next(self._ids))
        for key in ("message", "edited_message"):
            message = update.get(key)
            chat = message.get("chat") if isinstance(message, dict) else None
            if isinstance(chat, dict) and "id" in chat:  # malformed updates are pushed too
                self._chat_types[chat["id"]] = chat.get("type")
        with self._cond:
            self.updates.append(update)
            self._cond.notify_all()
        return update

    def fail_next(self, method: str, error_code: int = 400,
                  description: str = "Bad Request: chat not found") -> None:
        with self._cond:
            self._failures.setdefault(method, []).append((error_code, description))

    def calls_of(self, method: str, where: Callable[[Call], bool] | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and (where is None or where(c))]

    def wait(self, method: str, where: Callable[[Call], bool] | None = None, count: int = 1,
             timeout: float = 10.0) -> list[Call]:
        """Wait until `count` calls of `method` (matching `where`) were made; returns them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method and (where is None or where(c))]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = sorted({c.method for c in self.calls})
                    raise AssertionError(f"{count} {method} call(s) expected within {timeout} s, "
                                         f"got {len(found)}; methods called: {seen}")
                self._cond.wait(min(left, 0.1))

    # -- HTTP -----------------------------------------------------------------------------------
    def _params(self, req: BaseHTTPRequestHandler) -> dict[str, Any]:
        parts = urlsplit(req.path)
        params: dict[str, Any] = dict(parse_qsl(parts.query))
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        ctype = req.headers.get("Content-Type", "")
        if body and ctype.startswith("application/json"):
            params.update(json.loads(body))
            return params
        if body:
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        out = {}
        for k, v in params.items():
            if k in RAW_KEYS or not isinstance(v, str):
                out[k] = v
                continue
            try:
                out[k] = json.loads(v)
            except ValueError:
                out[k] = v
        return out

    def _send(self, req: BaseHTTPRequestHandler, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        try:
            req.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (bot stopping)
            req.close_connection = True

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        path = urlsplit(req.path).path
        prefix = f"/bot{self.token}/"
        try:
            params = self._params(req)
        except ValueError:
            self._send(req, 400, {"ok": False, "error_code": 400, "description": "Bad Request"})
            return
        if not path.startswith(prefix):
            self._send(req, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        method = path[len(prefix):]
        if method == "getUpdates":
            result = self._get_updates(params)
            self._send(req, 200, {"ok": True, "result": result})
            return
        with self._cond:
            failures = self._failures.get(method)
            failure = failures.pop(0) if failures else None
        if failure:
            call = Call(method, params, {"error": failure})
            with self._cond:
                self.calls.append(call)
                self._cond.notify_all()
            self._send(req, failure[0], {"ok": False, "error_code": failure[0],
                                         "description": failure[1]})
            return
        result = self._result(method, params)
        with self._cond:
            self.calls.append(Call(method, params, result))
            self._cond.notify_all()
        self._send(req, 200, {"ok": True, "result": result})

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        deadline = time.monotonic() + wait
        with self._cond:
            if offset:  # confirms every update before offset
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline:
                self._cond.wait(max(0.0, deadline - time.monotonic()))
            return [u for u in self.updates if u["update_id"] >= offset][:limit]

    def _message(self, params: dict) -> dict:
        chat_id = int(params["chat_id"])
        chat_type = self._chat_types.get(chat_id, "private" if chat_id > 0 else "group")
        chat = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "Support team"
        msg = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
               "from": BOT_USER, "text": params.get("text", "")}
        if isinstance(params.get("reply_markup"), dict):
            msg["reply_markup"] = params["reply_markup"]
        return msg

    def _result(self, method: str, params: dict) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "setWebhook":
            self.webhook = {"url": params.get("url", ""), "secret_token": params.get("secret_token")}
            return True
        if method == "deleteWebhook":
            self.webhook = {"url": ""}
            return True
        if method == "getWebhookInfo":
            return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": 0}
        if method == "sendMessage":
            return self._message(params)
        if method in ("editMessageReplyMarkup", "editMessageText") and "chat_id" in params:
            msg = self._message(params)
            msg["message_id"] = int(params.get("message_id", msg["message_id"]))
            return msg
        return True


# -- updates as Telegram sends them ---------------------------------------------------------------

_message_ids = itertools.count(1)


def user(uid: int, language_code: str | None = "zh-hans", first_name: str = "Agent") -> dict:
    u = {"id": uid, "is_bot": False, "first_name": first_name}
    if language_code:
        u["language_code"] = language_code
    return u


def entities_for(text: str) -> list[dict]:
    """bot_command and mention entities, with UTF-16 offsets as Telegram gives them."""
    import re

    out = []
    for m in re.finditer(r"(?<!\S)(/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?)|(@[A-Za-z0-9_]{5,32})", text):
        off = len(text[:m.start()].encode("utf-16-le")) // 2
        length = len(m.group(0).encode("utf-16-le")) // 2
        kind = "bot_command" if m.group(1) else "mention"
        if kind == "bot_command" and m.start() != 0:
            continue
        out.append({"type": kind, "offset": off, "length": length})
    return out


def message_update(text: str, *, chat_id: int, from_user: dict, chat_type: str = "private",
                   reply_to: dict | None = None) -> dict:
    chat = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = from_user.get("first_name", "Agent")
    else:
        chat["title"] = "Support team"
    msg = {"message_id": next(_message_ids), "date": int(time.time()), "chat": chat,
           "from": from_user, "text": text}
    ents = entities_for(text)
    if ents:
        msg["entities"] = ents
    if reply_to is not None:
        msg["reply_to_message"] = reply_to
    return {"message": msg}


def inline_update(query: str, *, from_user: dict, query_id: str = "4242") -> dict:
    return {"inline_query": {"id": query_id, "from": from_user, "query": query, "offset": ""}}


def chosen_inline_update(query: str, *, from_user: dict, result_id: str = "0-x") -> dict:
    return {"chosen_inline_result": {"result_id": result_id, "from": from_user, "query": query}}


def callback_update(data: str, *, from_user: dict, message: dict, query_id: str = "777") -> dict:
    return {"callback_query": {"id": query_id, "from": from_user, "chat_instance": "1",
                               "message": message, "data": data}}
