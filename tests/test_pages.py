"""HTML pages: every answer's link opens a page holding the quote at its anchor; text is escaped."""
from __future__ import annotations

import html
import re
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from bot.api import create_app
from bot.settings import Settings

QUESTIONS = [
    # zh
    "怎么注销账号？", "如何退出登录", "会申请哪些手机权限？", "使用了cookie吗",
    "会把我的信息分享给第三方吗？", "如何保护儿童的个人信息", "联系邮箱是什么",
    "个人信息存储在哪里", "会议录制的内容保存在哪里", "接入了哪些第三方SDK", "个人信息保存多久",
    # en
    "How do I delete my account?", "Can I close my account?", "Do you share my data with third parties?",
    # zh-Hant
    "如何註銷帳號？", "會收集我的位置資訊嗎？", "你們會與第三方共享我的資料嗎？",
]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def element_text(page_html: str, element_id: str) -> str | None:
    nodes = LexborHTMLParser(page_html).css(f'[id="{element_id}"]')
    return nodes[0].text(separator="") if nodes else None


def test_policy_page_is_html(client):
    r = client.get("/policies/mcmeet")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "盟畅云会议隐私政策" in r.text


def test_unknown_policy_page_is_404(client):
    assert client.get("/policies/nope").status_code == 404


def test_every_answer_url_holds_its_quote_at_its_anchor(client):
    pages: dict[str, str] = {}
    checked, problems = 0, []
    for question in QUESTIONS:
        reply = client.post("/api/v1/ask", json={"question": question, "top_k": 5}).json()
        for a in reply["answers"]:
            page_url, _, anchor = a["url"].partition("#")
            if page_url not in pages:
                r = client.get(page_url)
                assert r.status_code == 200, page_url
                pages[page_url] = r.text
            text = element_text(pages[page_url], anchor)
            if text is None or squash(a["quote"]) not in squash(text):
                problems.append((question, a["url"], a["quote"][:60]))
            checked += 1
    assert problems == []
    assert checked >= 30  # the set is mostly answered, so the check is not vacuous


@pytest.mark.parametrize("policy_id", ["mcmeet", "vymeet"])
def test_anchor_ids_are_unique_on_policy_page(client, policy_id):
    tree = LexborHTMLParser(client.get(f"/policies/{policy_id}").text)
    ids = [n.attributes["id"] for n in tree.css("[id]")]
    assert len(tree.css("section.clause")) > 5
    assert [i for i, n in Counter(ids).items() if n > 1] == []


EVIL_POLICY = """---
id: evil
title: 测试隐私政策
product: 测试
---
## 一、我们收集的信息
我们会收集您的手机号码<script>alert(1)</script>和电子邮件地址，用于注册账号和联系您。
## 二、注销账号
您可以在设置页面申请注销账号<img src=x onerror=alert(1)>，详见[帮助](javascript:alert(1))。
"""


def policy_page_of(tmp_path, text: str) -> str:
    (tmp_path / "evil.md").write_text(text, encoding="utf-8")
    with TestClient(create_app(Settings(corpus=tmp_path, database_url=f"sqlite:///{tmp_path}/log.sqlite3")),
                    base_url="http://localhost") as c:  # an allowed host (no PUBLIC_BASE_URL)
        r = c.get("/policies/evil")
    assert r.status_code == 200
    return r.text


def test_policy_text_is_rendered_escaped(tmp_path, hermetic_env):
    page = policy_page_of(tmp_path, EVIL_POLICY)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert 'href="javascript:' not in page.lower()


def test_javascript_source_url_is_not_a_link(tmp_path, hermetic_env):
    text = EVIL_POLICY.replace("product: 测试\n",
                               'product: 测试\nsource_url: "javascript:alert(document.cookie)"\n')
    page = policy_page_of(tmp_path, text)
    assert 'href="javascript:' not in page.lower()


def test_home_lists_both_policies(client):
    r = client.get("/")
    assert r.status_code == 200
    assert 'href="/policies/mcmeet"' in r.text and 'href="/policies/vymeet"' in r.text


def test_home_question_shows_the_quote(client):
    quote = client.post("/api/v1/ask", json={"question": "怎么注销账号"}).json()["answers"][0]["quote"]
    r = client.get("/", params={"q": "怎么注销账号"})
    assert r.status_code == 200
    assert html.escape(quote.splitlines()[0], quote=False) in r.text


def test_home_echoes_the_question_escaped(client):
    r = client.get("/", params={"q": "<script>alert(1)</script>注销账号"})
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)" in r.text


def test_home_example_questions_are_answered(client):
    tree = LexborHTMLParser(client.get("/").text)
    examples = [a.text() for a in tree.css('a[href^="/?q="]')]
    assert len(examples) >= 3
    unanswered = [q for q in examples
                  if not client.post("/api/v1/ask", json={"question": q}).json()["answered"]]
    assert unanswered == []


def test_contact_email_example_quotes_the_address(client):
    reply = client.post("/api/v1/ask", json={"question": "盟畅的联系邮箱是什么？"}).json()
    assert "support@mcmeet.com" in reply["answers"][0]["quote"]


def test_favicon_is_an_icon(client):
    # Browsers ask every page for /favicon.ico; a 404 is a console error on each of them.
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # ICO header
    count = int.from_bytes(r.content[4:6], "little")
    sizes = {r.content[6 + 16 * i] for i in range(count)}
    assert {16, 32} <= sizes
    assert "max-age" in r.headers["cache-control"]
