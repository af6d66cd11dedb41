"""Hostile and odd input, limits, headers, metrics and readiness, over real HTTP."""
from __future__ import annotations

import json
import re
import logging

import httpx
import pytest

from bot.api import create_app
from bot.logs import JsonFormatter
from bot.settings import Settings
from conftest import serve_app


@pytest.fixture
def server(policy_index, tmp_path, hermetic_env):
    """A server of its own with the given settings: `with server(rate_limit=...) as c:`."""
    def start(**overrides):
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'log.sqlite3'}", **overrides)
        return _Server(create_app(settings, policy_index))
    return start


class _Server:
    def __init__(self, app):
        self.app = app

    def __enter__(self) -> httpx.Client:
        self._serving = serve_app(self.app)
        url = self._serving.__enter__()
        self._client = httpx.Client(base_url=url, trust_env=False, timeout=30)
        return self._client

    def __exit__(self, *exc):
        self._client.close()
        self._serving.__exit__(*exc)


MALFORMED = [
    ("POST", "/api/v1/ask", {"content": b""}),
    ("POST", "/api/v1/ask", {"content": b"{not json"}),
    ("POST", "/api/v1/ask", {"json": []}),
    ("POST", "/api/v1/ask", {"json": "question"}),
    ("POST", "/api/v1/ask", {"json": {}}),
    ("POST", "/api/v1/ask", {"json": {"question": None}}),
    ("POST", "/api/v1/ask", {"json": {"question": 42}}),
    ("POST", "/api/v1/ask", {"json": {"question": "   "}}),
    ("POST", "/api/v1/ask", {"json": {"question": "问" * 501}}),
    ("POST", "/api/v1/ask", {"json": {"question": "q", "top_k": 0}}),
    ("POST", "/api/v1/ask", {"json": {"question": "q", "top_k": 11}}),
    ("POST", "/api/v1/ask", {"json": {"question": "q", "top_k": "3"}}),
    ("POST", "/api/v1/ask", {"json": {"question": "q", "lang": "fr"}}),
    ("POST", "/api/v1/ask", {"json": {"question": "q", "policy_id": "nope"}}),
    ("POST", "/api/v1/ask", {"json": {"question": "q", "policy_id": ["x"]}}),
    ("POST", "/api/v1/ask", {"content": b'{"question": "\xff\xfe"}',
                             "headers": {"content-type": "application/json"}}),
    ("POST", "/api/v1/ask", {"data": {"question": "怎么注销账号"}}),
    ("POST", "/api/v1/ask", {"content": b"question=x", "headers": {"content-type": "text/plain"}}),
    ("POST", "/api/v1/feedback", {"content": b""}),
    ("POST", "/api/v1/feedback", {"json": {"vote": 1}}),
    ("POST", "/api/v1/feedback", {"data": {"vote": "up"}}),
    ("GET", "/api/v1/suggestions?lang=xx", {}),
    ("GET", "/api/v1/ask", {}),
    ("GET", "/policies/%00", {}),
    ("GET", "/policies/..%2F..%2Fetc%2Fpasswd", {}),
    ("GET", "/?q=" + "x" * 3000, {}),
    ("GET", "/admin/report.json?days=-1", {}),
    ("DELETE", "/api/v1/ask", {}),
    ("POST", "/admin/reindex", {}),
]


@pytest.mark.parametrize("method, path, kw", MALFORMED, ids=[f"{m} {p[:30]} {i}" for i, (m, p, _) in enumerate(MALFORMED)])
def test_malformed_requests_get_a_clear_4xx(client, method, path, kw):
    r = client.request(method, path, **kw)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
    if r.headers.get("content-type", "").startswith("application/json"):
        assert r.json()["detail"]


ODD = ["😀🔥 怎么注销账号？👍", "怎么\x00注销\x07账号", "\u202e怎么注销账号\u202c", "\u200f\u200e", "e\u0301\u0308" * 20,
       "？？？！！！", "...", "'; DROP TABLE questions; --", "$(rm -rf /) `reboot` | cat /etc/passwd",
       "<script>alert(1)</script>", "\ufeff注销", "ﾁｪｯｸ　ＡＢＣ", "\t\n 注销 \r\n", "𠀀𠀁𠀂", "a" * 500]


@pytest.mark.parametrize("question", ODD, ids=range(len(ODD)))
def test_odd_but_valid_questions_get_a_normal_reply(client, question):
    r = client.post("/api/v1/ask", json={"question": question})
    assert r.status_code == 200, r.text[:200]
    body = r.json()
    assert isinstance(body["answered"], bool) and body["message"]


def test_a_declared_oversized_body_is_refused_before_reading(client):
    r = client.post("/api/v1/ask", content=b"{" + b" " * (70 * 1024) + b"}",
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and "64 KB" in r.json()["detail"]


def test_a_streamed_oversized_body_is_refused(client):
    def chunks():
        yield b'{"question": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'
    r = client.post("/api/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert client.get("/healthz").status_code == 200


def test_per_client_rate_limit_gives_429_with_retry_after_readable_cross_origin(server):
    with server(rate_limit="3/minute", rate_limit_loopback=True) as c:
        origin = {"Origin": "https://help.example.com"}
        codes = [c.post("/api/v1/ask", json={"question": "怎么注销账号？"}, headers=origin)
                 for _ in range(4)]
        assert [r.status_code for r in codes] == [200, 200, 200, 429]
        limited = codes[-1]
        assert int(limited.headers["retry-after"]) >= 1 and "try again" in limited.json()["detail"]
        assert limited.headers["access-control-allow-origin"] == "*"
        assert "retry-after" in limited.headers["access-control-expose-headers"].lower()
        assert c.get("/api/v1/policies").status_code == 200  # reads are not limited
        assert 'privacybot_http_requests_total{method="POST",route="unmatched",status="429"} 1.0' \
            in c.get("/metrics").text


def test_loopback_is_not_limited_per_client_by_default(server):
    with server(rate_limit="2/minute") as c:
        assert all(c.post("/api/v1/ask", json={"question": "注销"}).status_code == 200
                   for _ in range(5))


def test_global_backstop_limits_all_clients_together(server):
    with server(rate_limit="off", rate_limit_global="2/second") as c:
        codes = [c.post("/api/v1/feedback", json={"question_id": "x", "vote": "up"}).status_code
                 for _ in range(5)]
        assert codes[:2] == [404, 404] and 429 in codes


def test_a_request_past_the_timeout_gets_503(server):
    with server(request_timeout=0.000001) as c:
        # feedback waits on the database in a worker thread: the wait is what times out
        r = c.post("/api/v1/feedback", json={"question_id": "x", "vote": "up"})
        assert r.status_code == 503 and r.headers["retry-after"]


def test_security_headers_on_pages(client):
    for path in ("/", "/policies/mcmeet", "/?q=怎么注销账号"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "<script>" not in r.text and " style=" not in r.text  # nothing inline to allow
    api = client.post("/api/v1/ask", json={"question": "怎么注销账号？"})
    assert api.headers["x-content-type-options"] == "nosniff"
    assert client.get("/widget.js").headers["x-content-type-options"] == "nosniff"


def test_metrics_in_prometheus_format(client):
    client.post("/api/v1/ask", json={"question": "怎么注销账号？", "channel": "widget"})
    client.post("/api/v1/ask", json={"question": "明天会下雨吗", "channel": "widget"})
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    for name in ("privacybot_http_requests_total", "privacybot_http_request_duration_seconds_bucket",
                 "privacybot_questions_total", "privacybot_answered_ratio",
                 "privacybot_log_rows_dropped_total", "privacybot_index_clauses"):
        assert name in text, name
    assert 'privacybot_questions_total{answered="false",channel="widget"}' in text
    assert 'route="/api/v1/ask"' in text and 'route="/nope"' not in text
    client.get("/nope")
    assert 'route="unmatched"' in client.get("/metrics").text  # unknown paths: bounded labels


def test_readyz_and_healthz(client):
    assert client.get("/readyz").json() == {"status": "ready", "log": "ok"}
    assert client.get("/healthz").status_code == 200


def test_json_log_lines():
    record = logging.LogRecord("privacybot.api", logging.INFO, __file__, 1, "ask %s", ("注销",), None)
    record.latency_ms = 3.5
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "ask 注销" and line["level"] == "info"
    assert line["logger"] == "privacybot.api" and line["latency_ms"] == 3.5
    assert line["time"].endswith("Z")


def test_the_openapi_document_tells_the_truth(base_url, tmp_path):
    """schemathesis with every check it has (status codes, content types, response shapes and
    headers, schema-valid data accepted and invalid data refused, 405 with the right Allow, no
    5xx …) over all its phases (examples, coverage, fuzzing, stateful), against the real
    server: the same run as `st run URL --checks all`."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "schemathesis.cli", "run", base_url + "/openapi.json",
           "--checks", "all", "--max-examples", "25", "--seed", "12", "--continue-on-failure",
           "--generation-database", "none", "--no-color"]
    run = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    tested = re.search(r"Tested: (\d+)", run.stdout)
    assert tested and int(tested[1]) >= 11  # the operations were reached
