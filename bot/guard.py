"""What stands between the public and the app: body size, rate limits, timeouts, headers.

Plain ASGI middleware (no per-request task or body buffering of its own), added in
create_app. Each refusal is a JSON {"detail": ...} with a 4xx/5xx code and a log line.
"""
from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import math
import threading
import time
from collections import OrderedDict
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger("privacybot.guard")

# Pages we render ourselves carry no inline script or style: the strictest policy fits them.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
PAGE_PREFIXES = ("/policies/", "/admin")  # our own HTML pages besides "/" (not /docs)


async def send_json(send, status: int, detail: str, headers: dict[str, str] | None = None):
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies over `limit` bytes: at once when Content-Length says so, else as
    soon as the streamed body passes the limit (never reading the rest)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        too_big = f"request body larger than {self.limit // 1024} KB"
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                return await send_json(send, 400, "invalid Content-Length header")
            if size > self.limit:
                log.info("413 %s %s: %d bytes declared", scope["method"], scope["path"], size)
                return await send_json(send, 413, too_big)
        seen = 0
        started = refused = False

        async def limited_receive():
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # Answer now and tell the app the client left: the rest is never read.
                    refused = True
                    log.info("413 %s %s: streamed body over the limit", scope["method"],
                             scope["path"])
                    if not started:
                        await send_json(send, 413, too_big)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message):
            nonlocal started
            if refused:
                return  # the 413 is already sent
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, tracking_send)


class TokenBuckets:
    """Per-key token buckets (rate per second, burst), bounded in memory (LRU)."""

    def __init__(self, rate: float, burst: float, max_keys: int = 100_000):
        self.rate, self.burst, self.max_keys = rate, burst, max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """0 if a request may pass now, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                wait, tokens = 0.0, tokens - 1
            else:
                wait = (1 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait


def parse_rate(text: str) -> tuple[float, float]:
    """"30/minute" → (0.5 per second, burst 30); "10/second"; "0" or "" → no limit."""
    text = text.strip().lower()
    if text in ("", "0", "off", "none"):
        return 0.0, 0.0
    count, _, unit = text.partition("/")
    seconds = {"second": 1, "s": 1, "minute": 60, "min": 60, "m": 60, "hour": 3600, "h": 3600}
    n = float(count)
    if n <= 0 or unit not in seconds:
        raise ValueError(f"rate must look like 30/minute, not {text!r}")
    return n / seconds[unit], n


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.is_loopback or bool(getattr(ip, "ipv4_mapped", None) and ip.ipv4_mapped.is_loopback)


class RateLimit:
    """Per-client limits (by address, as uvicorn read it from a trusted proxy) on what answers
    or writes: POSTs to `paths`, and GETs of `question_pages` that carry a question (`?q=`);
    and a global backstop over all clients; over either → 429 with Retry-After."""

    def __init__(self, app, per_client: str, overall: str, paths: tuple[str, ...],
                 limit_loopback: bool = False, question_pages: tuple[str, ...] = ()):
        self.app, self.paths, self.limit_loopback = app, paths, limit_loopback
        self.question_pages = question_pages
        rate, burst = parse_rate(per_client)
        self.clients = TokenBuckets(rate, burst) if rate else None
        rate, burst = parse_rate(overall)
        self.overall = TokenBuckets(rate, burst) if rate else None

    def _limited(self, scope) -> bool:
        if scope["type"] != "http":
            return False
        if scope["method"] == "POST":
            return scope["path"] in self.paths
        if scope["method"] in ("GET", "HEAD") and scope["path"] in self.question_pages:
            query = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
            return any(k == "q" and v.strip() for k, v in query)
        return False

    async def __call__(self, scope, receive, send):
        if self._limited(scope):
            client = (scope.get("client") or ("?", 0))[0]
            # Loopback is the machine itself (tools, the evaluation, a local proxy that does
            # not forward addresses): only the global backstop applies, unless asked.
            local = is_loopback(client)
            for buckets, key, who in ((self.clients, client, "client"),
                                      (self.overall, "*", "all clients")):
                if buckets is None or (who == "client" and local and not self.limit_loopback):
                    continue
                wait = buckets.take(key)
                if wait > 0:
                    retry = max(1, math.ceil(wait))
                    log.info("429 %s for %s (retry in %d s)", scope["path"], who, retry)
                    return await send_json(
                        send, 429, f"too many questions; try again in {retry} s",
                        {"Retry-After": str(retry)})
        await self.app(scope, receive, send)


class Timeout:
    """A request that has not started its response after `seconds` gets a 503."""

    def __init__(self, app, seconds: float):
        self.app, self.seconds = app, seconds

    EXEMPT = ("/healthz", "/readyz", "/metrics")  # cheap, and probes need their own timeouts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.seconds or scope["path"] in self.EXEMPT:
            return await self.app(scope, receive, send)
        started = False

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            async with asyncio.timeout(self.seconds):
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            log.warning("503 %s %s: no response within %.0f s", scope["method"], scope["path"],
                        self.seconds)
            if not started:
                await send_json(send, 503, "the server took too long; try again",
                                {"Retry-After": "5"})


class SecurityHeaders:
    """nosniff and a referrer policy on everything; a strict CSP on our own HTML pages."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        page = path == "/" or path.startswith(PAGE_PREFIXES)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"strict-origin-when-cross-origin")]
                ctype = dict(headers).get(b"content-type", b"")
                if page and ctype.startswith(b"text/html"):
                    extra += [(b"content-security-policy", PAGE_CSP.encode()),
                              (b"x-frame-options", b"DENY")]
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class AllowedHosts:
    """With no PUBLIC_BASE_URL, links are built from the request's Host header: only the
    configured host names may be named (anything else → 400), so a request cannot make the
    server link elsewhere."""

    def __init__(self, app, hosts: list[str]):
        self.app, self.hosts = app, {h.lower() for h in hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        try:
            name = (urlsplit("//" + host).hostname or "") if host else ""
        except ValueError:
            name = ""
        if name not in self.hosts:
            log.info("400 %s %s: Host %r is not an allowed host", scope.get("method"),
                     scope["path"], host[:100])
            return await send_json(send, 400, "invalid Host header")
        await self.app(scope, receive, send)


class PublicHost:
    """With PUBLIC_BASE_URL set, every request is seen as addressed to it (scheme and host):
    links, the embed snippet and redirects (/policies/x/ → /policies/x) never take the
    client's Host header."""

    def __init__(self, app, public_base_url: str):
        self.app = app
        u = urlsplit(public_base_url)
        self.scheme = u.scheme or "http"
        self.host = u.netloc.encode("latin-1", "replace")
        port = u.port or (443 if self.scheme == "https" else 80)
        self.server = (u.hostname or "", port)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = [(k, v) for k, v in scope["headers"] if k != b"host"] + [(b"host", self.host)]
        await self.app({**scope, "scheme": self.scheme, "server": self.server,
                        "headers": headers}, receive, send)
