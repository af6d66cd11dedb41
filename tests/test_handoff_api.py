"""The handoff API over HTTP against the real app under uvicorn: tokens, limits, bad input,
long polls woken by an agent's reply (in this process or written by another), /admin/handoffs."""
from __future__ import annotations

import concurrent.futures
import json
import threading
import time

import httpx
import pytest

from bot.api import create_app
from bot.handoff_admin import form_token
from bot.handoff_store import Handoffs
from bot.settings import Settings
from bot.store import Store
from conftest import serve_app

ADMIN = "admin-Token_1"


@pytest.fixture(scope="module")
def handoff_store(tmp_path_factory):
    s = Store(f"sqlite:///{tmp_path_factory.mktemp('handoff') / 'log.sqlite3'}", hash_secret="k")
    yield s
    s.close()


@pytest.fixture(scope="module")
def settings():
    return Settings(admin_token=ADMIN, rate_limit="1000/minute")


@pytest.fixture(scope="module")
def http(policy_index, handoff_store, settings, hermetic_env):
    """An app with handoff on and agents in /admin only (no Telegram)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PRIVACYBOT_HANDOFF", "on")
        app = create_app(settings, policy_index, handoff_store)
    with serve_app(app) as url, httpx.Client(base_url=url, trust_env=False, timeout=40) as c:
        yield c


def start(http, **body) -> tuple[str, dict]:
    r = http.post("/api/v1/handoffs", json={"question": "怎么开发票？", "reason": "refused",
                                             "lang": "zh", **body})
    assert r.status_code == 201, r.text
    d = r.json()
    return d["id"], {"Authorization": f"Bearer {d['token']}"}


def admin_reply(http, hid, text, agent="Li"):
    return http.post(f"/admin/handoffs/{hid}/reply", auth=("agent", ADMIN),
                     data={"text": text, "agent": agent, "csrf": form_token(Settings(admin_token=ADMIN))})


def test_handoff_is_off_unless_configured(client):
    assert client.get("/api/v1/handoffs/availability").json() == {"enabled": False}
    r = client.post("/api/v1/handoffs", json={"question": "怎么开发票？"})
    assert r.status_code == 404 and "not enabled" in r.json()["detail"]


def test_a_conversation_is_read_and_written_only_with_its_token(http):
    assert http.get("/api/v1/handoffs/availability").json() == {"enabled": True}
    hid, auth = start(http)
    other, other_auth = start(http)
    url = f"/api/v1/handoffs/{hid}/messages"
    assert http.post(url, json={"text": "还在吗？"}, headers=auth).status_code == 201
    for headers, status in (({}, 401), ({"Authorization": "Basic eDp5"}, 401),
                            ({"Authorization": "Bearer"}, 401),
                            ({"Authorization": "Bearer wrong-token"}, 404),
                            (other_auth, 404)):
        assert http.get(url, headers=headers).status_code == status, headers
        assert http.post(url, json={"text": "x"}, headers=headers).status_code == status
        assert http.post(f"/api/v1/handoffs/{hid}/contact", json={"email": "a@b.cn"},
                         headers=headers).status_code == status
    r = http.get(url, headers=auth)
    assert r.status_code == 200 and [m["text"] for m in r.json()["messages"]] == ["还在吗？"]
    assert http.get(f"/api/v1/handoffs/{other}/messages", headers=other_auth).json()["messages"] == []
    assert http.get("/api/v1/handoffs/ffffffffffffffffffffffffffffffff/messages",
                    headers=auth).status_code == 404


def test_the_server_tells_the_agents_what_the_bot_answered(http, handoff_store):
    hid, _ = start(http, question="怎么注销账号？", reason="downvote", policy_id="McMeet",
                   contact="visitor@example.com")
    row = Handoffs(handoff_store.engine).get(hid)
    assert row["answered"] is True and row["policy_id"] == "mcmeet"
    assert row["answer_heading"].endswith("5.6 注销帐号") and row["answer_url"].endswith("#s-5-6")
    assert row["contact"] == "visitor@example.com" and row["reason"] == "downvote"
    hid, _ = start(http, question="怎么开发票？")
    assert Handoffs(handoff_store.engine).get(hid)["answered"] is False
    r = http.post("/api/v1/handoffs", json={"policy_id": "nope"})
    assert r.status_code == 404 and "unknown policy_id" in r.json()["detail"]
    assert http.post("/api/v1/handoffs", json={}).status_code == 201  # from the panel, no question


@pytest.mark.parametrize("path, body, status", [
    ("", b'{"question": "\\ud800 lone"}', 422),
    ("", b'{"question": ["a"]}', 422),
    ("", b'{"question": "x", "lang": "fr"}', 422),
    ("", b'{"reason": "bored"}', 422),
    ("", b'{"contact": "not an address"}', 422),
    ("", b'{"contact": 5}', 422),
    ("", b'not json', 422),
    ("", b'[]', 422),
    ("", "\udcff".encode("utf-8", "surrogatepass"), 422),
    ("", b'{"question": "' + b"x" * 70_000 + b'"}', 413),

    ("/messages", b'{"text": 5}', 422),
    ("/messages", b'{"text": "   "}', 422),
    ("/messages", b'{"text": "\\u0000\\u0007"}', 422),
    ("/messages", b'{"text": "' + b"x" * 2001 + b'"}', 422),
    ("/messages", b'{}', 422),
    ("/contact", b'{"email": "a@b"}', 422),
    ("/contact", b'{"email": null}', 422),
])
def test_bad_input_gets_a_clear_4xx(http, path, body, status):
    hid, auth = start(http)
    url = "/api/v1/handoffs" + (f"/{hid}{path}" if path else "")
    r = http.post(url, content=body, headers={**auth, "Content-Type": "application/json"})
    assert r.status_code == status, (body[:60], r.status_code, r.text[:200])
    assert isinstance(r.json()["detail"], str)


@pytest.mark.parametrize("query", ["after=-1", "after=x", "wait=26", "wait=-1", "wait=nan"])
def test_bad_read_parameters_get_422(http, query):
    hid, auth = start(http)
    r = http.get(f"/api/v1/handoffs/{hid}/messages?{query}", headers=auth)
    assert r.status_code == 422, r.text


def test_bad_ids_get_422(http):
    _, auth = start(http)
    for bad in ("x", "%F0%9F%98%80", "A" * 32, "0" * 33):
        assert http.get(f"/api/v1/handoffs/{bad}/messages", headers=auth).status_code == 422


def test_a_lone_surrogate_is_replaced_not_refused_nor_a_crash(http):
    hid, auth = start(http)
    r = http.post(f"/api/v1/handoffs/{hid}/messages", content=b'{"text": "a\\udfffb"}',
                  headers={**auth, "Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    [m] = http.get(f"/api/v1/handoffs/{hid}/messages", headers=auth).json()["messages"]
    assert m["text"] == "a\ufffdb"


def test_markup_and_odd_text_are_stored_and_returned_as_they_were_typed(http):
    hid, auth = start(http, question="<img src=x onerror=alert(1)>")
    text = "<script>alert('x')</script> & 😀 \u202e RTL"
    r = http.post(f"/api/v1/handoffs/{hid}/messages", json={"text": text}, headers=auth)
    assert r.status_code == 201
    [m] = http.get(f"/api/v1/handoffs/{hid}/messages", headers=auth).json()["messages"]
    assert m["text"] == text and m["sender"] == "visitor"


def test_an_agents_reply_wakes_a_waiting_read(http):
    """(How fast: bench/handoff.py.)"""
    hid, auth = start(http)
    url = f"/api/v1/handoffs/{hid}/messages"
    def reply_soon():
        time.sleep(0.5)
        assert admin_reply(http, hid, "您好，<b>我来帮您</b>").status_code == 303

    t = threading.Thread(target=reply_soon)
    t.start()
    r = http.get(url + "?after=0&wait=20", headers=auth)
    t.join()
    [m] = r.json()["messages"]
    assert m["text"] == "您好，<b>我来帮您</b>" and m["sender"] == "agent" and m["agent"] == "Li"
    # Nothing new: the read waits, then returns an empty list.
    t0 = time.monotonic()
    r = http.get(url + f"?after={m['id']}&wait=1", headers=auth)
    assert r.json()["messages"] == [] and time.monotonic() - t0 >= 0.9


def test_a_reply_written_by_another_process_reaches_a_waiting_read(http, handoff_store):
    """`privacybot telegram` in its own process writes to the database only: the read looks
    at the database every second."""
    hid, auth = start(http)
    other = Store(handoff_store.url, hash_secret="k", writer=False)  # another engine, as another process
    try:
        def reply_soon():
            time.sleep(0.5)
            Handoffs(other.engine).add_message(hid, sender="agent", text="from Telegram", agent="Wang")

        t = threading.Thread(target=reply_soon)
        t.start()
        r = http.get(f"/api/v1/handoffs/{hid}/messages?wait=10", headers=auth)
        t.join()
    finally:
        other.close()
    assert [m["text"] for m in r.json()["messages"]] == ["from Telegram"]


def test_too_many_waiting_reads_on_one_conversation_get_429(http):
    hid, auth = start(http)
    url = f"/api/v1/handoffs/{hid}/messages?wait=3"
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        first = [pool.submit(http.get, url, headers=auth) for _ in range(3)]
        time.sleep(0.5)
        extra = http.get(url, headers=auth)
        assert extra.status_code == 429 and extra.headers["Retry-After"] == "2"
        assert [f.result().status_code for f in first] == [200, 200, 200]


def test_a_closed_conversation_refuses_messages_and_says_so(http):
    hid, auth = start(http)
    r = http.post(f"/admin/handoffs/{hid}/close", auth=("agent", ADMIN),
                  data={"agent": "Li", "csrf": form_token(Settings(admin_token=ADMIN))})
    assert r.status_code == 303
    d = http.get(f"/api/v1/handoffs/{hid}/messages", headers=auth).json()
    assert d["status"] == "closed" and d["messages"][-1]["event"] == "closed"
    assert http.post(f"/api/v1/handoffs/{hid}/messages", json={"text": "hello?"},
                     headers=auth).status_code == 409
    assert admin_reply(http, hid, "late").status_code == 409


def test_contact_is_checked_and_kept(http, handoff_store):
    hid, auth = start(http)
    r = http.post(f"/api/v1/handoffs/{hid}/contact", json={"email": " li@example.com "},
                  headers=auth)
    assert r.status_code == 200 and r.json() == {"contact": "li@example.com"}
    assert http.get(f"/api/v1/handoffs/{hid}/messages", headers=auth).json()["contact"] == "li@example.com"


def test_admin_lists_open_handoffs_as_text_and_needs_its_tokens(http):
    hid, auth = start(http, question="<b>bold?</b>")
    http.post(f"/api/v1/handoffs/{hid}/messages", json={"text": "<script>x()</script>"}, headers=auth)
    assert http.get("/admin/handoffs").status_code == 401
    page = http.get("/admin/handoffs", auth=("agent", ADMIN))
    assert page.status_code == 200 and f'id="h-{hid}"' in page.text
    assert "&lt;script&gt;x()&lt;/script&gt;" in page.text and "<script>x()" not in page.text
    assert "&lt;b&gt;bold?&lt;/b&gt;" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    rows = http.get("/admin/handoffs.json", auth=("agent", ADMIN)).json()
    mine = next(r for r in rows if r["id"] == hid)
    assert "token_hash" not in mine and mine["messages"][0]["text"] == "<script>x()</script>"
    # The reply form needs the admin login and its form token (another site has neither).
    url = f"/admin/handoffs/{hid}/reply"
    assert http.post(url, data={"text": "hi"}).status_code == 401
    assert http.post(url, data={"text": "hi", "csrf": "forged"}, auth=("a", ADMIN)).status_code == 403
    assert http.post(url, content=b"\xff\xfe", auth=("a", ADMIN),
                     headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 400
    assert admin_reply(http, hid, "   ").status_code == 400
    assert admin_reply(http, hid, "hi").headers["location"] == f"/admin/handoffs#h-{hid}"


def test_handoff_posts_are_rate_limited_like_ask_with_a_readable_retry_after(
        policy_index, handoff_store, hermetic_env, monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_HANDOFF", "on")
    app = create_app(Settings(admin_token=ADMIN, rate_limit="3/minute", rate_limit_loopback=True),
                     policy_index, handoff_store)
    origin = {"Origin": "https://help.example.com"}
    with serve_app(app) as url, httpx.Client(base_url=url, trust_env=False, timeout=10) as c:
        r = c.post("/api/v1/handoffs", json={}, headers=origin)
        assert r.status_code == 201
        auth = {"Authorization": f"Bearer {r.json()['token']}", **origin}
        hid = r.json()["id"]
        codes = [c.post(f"/api/v1/handoffs/{hid}/messages", json={"text": f"m{i}"},
                        headers=auth).status_code for i in range(3)]
        assert codes == [201, 201, 429]
        r = c.post("/api/v1/handoffs", json={}, headers=origin)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert r.headers["access-control-expose-headers"] == "Retry-After"
        assert c.get(f"/api/v1/handoffs/{hid}/messages", headers=auth).status_code == 200
        # ask has its own budget
        assert c.post("/api/v1/ask", json={"question": "怎么注销账号？"}).status_code == 200
        # the widget on another origin may send the token header
        pre = c.options(f"/api/v1/handoffs/{hid}/messages", headers={
            **origin, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        assert pre.status_code == 200 and "authorization" in pre.headers[
            "access-control-allow-headers"].lower()


def test_the_routes_are_in_the_openapi_document_with_their_statuses(http):
    paths = http.get("/openapi.json").json()["paths"]
    assert set(paths["/api/v1/handoffs"]["post"]["responses"]) >= {"201", "404", "422", "429", "503"}
    read = paths["/api/v1/handoffs/{handoff_id}/messages"]
    assert set(read["get"]["responses"]) >= {"200", "401", "404", "422", "429", "503"}
    assert set(read["post"]["responses"]) >= {"201", "401", "404", "409", "422", "429", "503"}
    assert "/api/v1/handoffs/{handoff_id}/contact" in paths
    assert "/api/v1/handoffs/availability" in paths
    names = [p["name"] for p in read["get"]["parameters"]]
    assert {"after", "wait", "authorization", "handoff_id"} <= set(names)
    json.dumps(paths)  # serializable as is


def test_the_admin_report_shows_handoffs_per_day_first_reply_and_unanswered(http):
    start(http, question="<i>nobody</i> answers me")
    replied, _ = start(http)
    assert admin_reply(http, replied, "hello").status_code == 303
    page = http.get("/admin", auth=("agent", ADMIN))
    assert page.status_code == 200
    assert "人工客服 / Handoffs" in page.text and "首次回复中位数" in page.text
    assert "&lt;i&gt;nobody&lt;/i&gt; answers me" in page.text
    h = http.get("/admin/report.json", auth=("agent", ADMIN)).json()["handoffs"]
    assert h["total"] >= 1 and h["unanswered"] >= 1 and h["per_day"]
    assert h["median_first_reply_s"] is not None


def test_schemathesis_runs_every_check_on_the_handoff_routes(http):
    """Generated requests, valid and not, with and without a conversation's real token: every
    built-in check of schemathesis (no 5xx, documented statuses and headers, responses as the
    schema says, …)."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    hid, auth = start(http)
    schema = schemathesis.openapi.from_url(str(http.base_url) + "/openapi.json")
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/v1/handoffs"):
            continue

        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), real=st_booleans())
        def check(case, real):
            if case.query and "wait" in case.query:
                case.query["wait"] = 0  # no long waits here: the long poll is tested above
            if real and "handoff_id" in (case.path_parameters or {}):
                case.path_parameters["handoff_id"] = hid
                case.headers = {**(case.headers or {}), **auth}
            try:
                case.call_and_validate(base_url=str(http.base_url))
            except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001 - shown all together
                failures.append((operation.method, operation.path, str(e)[:300]))

        check()
    assert failures == [], "\n".join(map(str, failures[:10]))


def st_booleans():
    from hypothesis import strategies
    return strategies.booleans()
