"""Feedback refers to a question this server answered; what the report shows about the answer
comes from the server's own log and index, never from what a client sent. Over real HTTP."""
from __future__ import annotations

import re

import httpx
import pytest

from bot.api import create_app
from bot.settings import Settings
from bot.store import Store
from conftest import serve_app

TOKEN = "forgery-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FORGED = {"question": "forged question", "policy_id": "evil", "section_id": "9.9",
          "url": "//evil.example/x", "quote": "<b>forged quote</b>"}
EVIL_URLS = ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)",
             "/\\/evil.example", " //evil.example", "http:evil.example"]


@pytest.fixture
def site(policy_index, tmp_path, hermetic_env):
    store = Store(f"sqlite:///{tmp_path / 'log.sqlite3'}", hash_secret="k")
    settings = Settings(admin_token=TOKEN, rate_limit="off")
    with serve_app(create_app(settings, policy_index, store)) as url, \
            httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
        yield c, store, url
    store.close()


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


@pytest.mark.parametrize("qid", ["0" * 32, "abc", "x" * 64, "../../etc"])
def test_feedback_on_a_question_never_asked_is_404_and_not_stored(site, qid):
    c, store, _ = site
    r = c.post("/api/v1/feedback", json={"question_id": qid, "vote": "down", **FORGED})
    assert r.status_code == 404 and "question_id" in r.json()["detail"]
    assert store.feedback_rows() == []


def test_feedback_without_a_question_id_is_422(site):
    c, store, _ = site
    r = c.post("/api/v1/feedback", json={"vote": "up", **FORGED})
    assert r.status_code == 422 and "question_id" in r.json()["detail"]
    assert store.feedback_rows() == []


@pytest.mark.parametrize("evil", EVIL_URLS)
def test_what_a_client_says_about_the_answer_is_ignored(site, evil):
    c, store, url = site
    ask = c.post("/api/v1/ask", json={"question": "怎么注销账号？"}).json()
    best = ask["answers"][0]
    r = c.post("/api/v1/feedback", json={"question_id": ask["id"], "vote": "down",
                                         "reason": "unclear", **FORGED, "url": evil})
    assert r.status_code == 201
    [row] = store.feedback_rows()
    assert (row["question"], row["policy_id"], row["section_id"]) == \
        ("怎么注销账号？", best["policy_id"], best["section_id"])
    assert row["url"] == best["url"] and row["quote"] == best["quote"]
    page = c.get("/admin", headers=AUTH).text
    assert "evil" not in page and "forged" not in page
    links = [h for h in hrefs(page) if "/policies/" in h]
    assert links and all(h.startswith(url + "/policies/") for h in links)


def test_a_vote_on_an_unanswered_question_stores_no_clause(site):
    c, store, _ = site
    qid = c.post("/api/v1/ask", json={"question": "明天会下雨吗"}).json()["id"]
    assert c.post("/api/v1/feedback", json={"question_id": qid, "vote": "down",
                                            **FORGED}).status_code == 201
    [row] = store.feedback_rows()
    assert row["policy_id"] is None and row["url"] is None and row["quote"] is None
    assert row["question"] == "明天会下雨吗"


def test_many_votes_on_one_reply_count_once(site):
    c, store, _ = site
    qid = c.post("/api/v1/ask", json={"question": "会收集我的位置信息吗？"}).json()["id"]
    for i in range(200):
        r = c.post("/api/v1/feedback", json={"question_id": qid, "vote": "down" if i % 2 else "up",
                                             "comment": f"spam {i}"})
        assert r.status_code == 201
    [row] = store.feedback_rows(limit=10_000)
    assert row["vote"] == "down" and row["comment"] == "spam 199"  # the last vote counts
    totals = c.get("/admin/report.json", headers=AUTH).json()["totals"]
    assert totals["feedback_down"] + totals["feedback_up"] == 1


@pytest.mark.parametrize("evil", EVIL_URLS)
def test_the_report_never_links_a_stored_url(site, evil):
    """Rows stored before this check (or written by hand) cannot put a link in the report."""
    c, store, url = site
    store.add_feedback(question_id=None, vote="down", policy_id="mcmeet", section_id="5.6",
                       url=evil, quote="quote")
    store.add_feedback(question_id=None, vote="down", policy_id="evil", section_id="1",
                       url=evil, quote="quote")
    page = c.get("/admin", headers=AUTH).text
    assert "evil.example" not in " ".join(hrefs(page)) and "javascript:" not in page
    assert f'href="{url}/policies/mcmeet#s-5-6"' in page
    report = c.get("/admin/report.json", headers=AUTH).json()
    assert {d["url"] for d in report["downvoted"]} == {f"{url}/policies/mcmeet#s-5-6", None}


def test_one_client_voting_on_many_answers_counts_once_per_clause(site):
    c, store, _ = site
    for _ in range(30):
        qid = c.post("/api/v1/ask", json={"question": "怎么注销账号？"}).json()["id"]
        c.post("/api/v1/feedback", json={"question_id": qid, "vote": "down", "reason": "unclear"})
    for agent in ("browser-a", "browser-b"):
        qid = c.post("/api/v1/ask", json={"question": "怎么注销账号？"},
                     headers={"User-Agent": agent}).json()["id"]
        c.post("/api/v1/feedback", json={"question_id": qid, "vote": "down", "reason": "other"},
               headers={"User-Agent": agent})
    [clause] = c.get("/admin/report.json", headers=AUTH).json()["downvoted"]
    assert clause["down"] == 3 and clause["reasons"] == {"unclear": 1, "other": 2}
