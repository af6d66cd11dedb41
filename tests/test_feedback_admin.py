"""Question log, feedback, suggestions, CORS, /widget.js and /admin over real HTTP."""
from __future__ import annotations

import base64
import logging

import httpx
import pytest

from bot.api import create_app
from bot.settings import Settings
from bot.store import Store
from conftest import serve_app

TOKEN = "s3cret-admin-token-ünïcode"


def rows_with(store, **match) -> list[dict]:
    store.flush()
    return [r for r in store.question_rows(limit=10_000)
            if all(r[k] == v for k, v in match.items())]


def test_ask_reply_has_an_id_and_the_question_is_logged(client, log_store):
    r = client.post("/api/v1/ask", json={"question": "会收集我的位置信息吗？", "channel": "widget"})
    assert r.status_code == 200
    qid = r.json()["id"]
    [row] = rows_with(log_store, id=qid)
    assert row["channel"] == "widget" and row["answered"] is True
    assert row["question"] == "会收集我的位置信息吗？"
    assert row["section_id"] == r.json()["answers"][0]["section_id"]
    assert row["latency_ms"] > 0 and row["client"] and "127.0.0.1" not in row["client"]


def test_ask_without_channel_is_logged_as_api(client, log_store):
    qid = client.post("/api/v1/ask", json={"question": "明天会下雨吗？"}).json()["id"]
    [row] = rows_with(log_store, id=qid)
    assert row["channel"] == "api" and row["answered"] is False


@pytest.mark.parametrize("channel", ["", "Widget", "a" * 40, "<script>", 5])
def test_ask_rejects_a_bad_channel(client, channel):
    r = client.post("/api/v1/ask", json={"question": "怎么注销账号？", "channel": channel})
    assert r.status_code == 422 and "channel" in r.json()["detail"]


def test_demo_page_questions_are_logged_as_web(client, log_store):
    assert client.get("/", params={"q": "盟畅会收集我的手机号码吗"}).status_code == 200
    assert rows_with(log_store, question="盟畅会收集我的手机号码吗", channel="web")


def test_feedback_is_stored_with_the_answer_shown(client, log_store):
    ask = client.post("/api/v1/ask", json={"question": "怎么注销账号？", "channel": "widget"}).json()
    best = ask["answers"][0]
    body = {"question_id": ask["id"], "vote": "down", "reason": "wrong_clause",
            "comment": "不是我要的", "question": ask["question"], "policy_id": best["policy_id"],
            "section_id": best["section_id"], "url": best["url"], "quote": best["quote"],
            "channel": "widget"}
    r = client.post("/api/v1/feedback", json=body)
    assert r.status_code == 201
    [row] = [f for f in log_store.feedback_rows() if f["id"] == r.json()["id"]]
    for key, value in body.items():
        assert row[key] == value
    assert row["created_at"] is not None and row["client"] and len(row["client"]) == 32


def test_thumbs_up_needs_only_the_question_id_and_the_vote(client, log_store):
    qid = client.post("/api/v1/ask", json={"question": "怎么注销账号？"}).json()["id"]
    r = client.post("/api/v1/feedback", json={"question_id": qid, "vote": "up"})
    assert r.status_code == 201
    [row] = [f for f in log_store.feedback_rows() if f["id"] == r.json()["id"]]
    assert row["vote"] == "up" and row["channel"] == "api"


@pytest.mark.parametrize("body, field", [
    ({"question_id": "x"}, "vote"),
    ({"question_id": "x", "vote": "meh"}, "vote"),
    ({"question_id": "x", "vote": "down", "reason": "because"}, "reason"),
    ({"question_id": "x", "vote": "down", "comment": "x" * 1001}, "comment"),
    ({"question_id": "x" * 65, "vote": "up"}, "question_id"),
    ({"question_id": "x", "vote": "up", "channel": "Bad Channel"}, "channel"),
    ([], "body"),
])
def test_bad_feedback_gets_a_clear_422(client, body, field):
    r = client.post("/api/v1/feedback", json=body)
    assert r.status_code == 422
    assert field in r.json()["detail"] or "JSON object" in r.json()["detail"]


def test_feedback_with_a_non_json_body_gets_a_4xx(client):
    r = client.post("/api/v1/feedback", content=b"vote=up",
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert 400 <= r.status_code < 500 and r.json()["detail"]


@pytest.mark.parametrize("lang, sample", [("zh", "怎么注销账号？"), ("en", "How do I delete my account?")])
def test_suggestions(client, lang, sample):
    r = client.get("/api/v1/suggestions", params={"lang": lang})
    assert r.status_code == 200 and sample in r.json()["questions"]


def test_widget_js_is_served_as_javascript_to_any_origin(client):
    r = client.get("/widget.js", headers={"Origin": "https://help.example.com"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["access-control-allow-origin"] == "*"


def test_api_preflight_from_another_origin_is_allowed(client):
    r = client.options("/api/v1/ask", headers={
        "Origin": "https://help.example.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    r = client.post("/api/v1/feedback", json={"vote": "up"},
                    headers={"Origin": "https://help.example.com"})
    assert r.headers["access-control-allow-origin"] == "*"


def test_cors_allowlist(policy_index, tmp_path, hermetic_env):
    settings = Settings(cors_origins="https://help.example.com, https://docs.example.com/",
                        database_url=f"sqlite:///{tmp_path / 'log.sqlite3'}")
    with serve_app(create_app(settings, policy_index)) as url, \
            httpx.Client(base_url=url, trust_env=False) as c:
        ok = c.post("/api/v1/ask", json={"question": "怎么注销账号？"},
                    headers={"Origin": "https://docs.example.com"})
        assert ok.headers["access-control-allow-origin"] == "https://docs.example.com"
        other = c.post("/api/v1/ask", json={"question": "怎么注销账号？"},
                       headers={"Origin": "https://evil.example.net"})
        assert "access-control-allow-origin" not in other.headers
        pre = c.options("/api/v1/ask", headers={"Origin": "https://evil.example.net",
                                                "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 400


def test_admin_is_absent_without_a_configured_token(client):
    assert client.get("/admin").status_code == 404
    assert client.get("/admin/report.json",
                      headers={"Authorization": "Bearer anything"}).status_code == 404


@pytest.fixture(scope="module")
def admin_server(policy_index, tmp_path_factory, hermetic_env):
    db = tmp_path_factory.mktemp("admin") / "log.sqlite3"
    store = Store(f"sqlite:///{db}", hash_secret="k")
    settings = Settings(admin_token=TOKEN)
    with serve_app(create_app(settings, policy_index, store)) as url, \
            httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
        yield c, store
    store.close()


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer"},
    {"Authorization": "Basic !!!notbase64"}, {"Authorization": TOKEN},
    {"Authorization": "Bearer " + TOKEN[:-1]},
], ids=["none", "wrong", "empty", "bad-basic", "no-scheme", "prefix"])
def test_admin_without_the_right_token_is_401(admin_server, headers):
    c, _ = admin_server
    for path in ("/admin", "/admin/report.json"):
        r = c.get(path, headers={k: v.encode() for k, v in headers.items()})
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert "Basic" in r.headers["www-authenticate"]


def test_admin_report_shows_unanswered_questions_and_downvotes(admin_server, caplog):
    c, store = admin_server
    c.post("/api/v1/ask", json={"question": "<b>明天天气怎么样</b>", "channel": "widget"})
    ask = c.post("/api/v1/ask", json={"question": "怎么注销账号？"}).json()
    c.post("/api/v1/feedback", json={"question_id": ask["id"], "vote": "down",
                                     "reason": "unclear", "policy_id": "mcmeet",
                                     "section_id": "5.6", "url": "javascript:alert(1)"})
    store.flush()
    auth = {"Authorization": f"Bearer {TOKEN}".encode()}
    with caplog.at_level(logging.DEBUG):
        page = c.get("/admin", headers=auth)
        c.get("/admin", headers={"Authorization": "Bearer wrong-guess"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "&lt;b&gt;明天天气怎么样&lt;/b&gt;" in page.text and "<b>明天天气怎么样" not in page.text
    assert "mcmeet 5.6" in page.text and 'href="javascript:' not in page.text
    assert TOKEN not in caplog.text and "wrong-guess" not in caplog.text
    data = c.get("/admin/report.json", headers=auth).json()
    assert data["unanswered"][0]["question"] == "<b>明天天气怎么样</b>"
    assert data["downvoted"][0]["reasons"] == {"unclear": 1}
    assert {d["channel"] for d in data["per_day"]} == {"api", "widget"}
    basic = base64.b64encode(f"support:{TOKEN}".encode()).decode()
    assert c.get("/admin", headers={"Authorization": f"Basic {basic}"}).status_code == 200


def test_answers_are_served_when_the_log_database_is_unusable(policy_index, tmp_path,
                                                              hermetic_env):
    (tmp_path / "a-file").write_text("not a folder")
    store = Store(f"sqlite:///{tmp_path / 'a-file' / 'log.sqlite3'}", retry_delays=(0.01,))
    with serve_app(create_app(Settings(), policy_index, store)) as url, \
            httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
        r = c.post("/api/v1/ask", json={"question": "怎么注销账号？"})
        assert r.status_code == 200 and r.json()["answered"] is True
        fb = c.post("/api/v1/feedback", json={"question_id": r.json()["id"], "vote": "up"})
        assert fb.status_code == 503 and fb.headers["retry-after"]
        assert "try again" in fb.json()["detail"]
        store.flush()
        assert store.dropped == 1
        assert "privacybot_log_rows_dropped_total 1.0" in c.get("/metrics").text
        assert c.get("/healthz").status_code == 200
    store.close()
