"""The HTTP API of docs/contract.md, over real HTTP against the real app under uvicorn."""
from __future__ import annotations

import re

import pytest

ANSWER_FIELDS = {"policy_id", "policy_title", "section_id", "heading", "quote", "url",
                 "source_url", "score"}
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def ask(client, **body):
    return client.post("/api/v1/ask", json=body)


def is_chinese(text: str) -> bool:
    return len(CJK.findall(text)) > len(LATIN.findall(text))


def is_english(text: str) -> bool:
    return len(LATIN.findall(text)) > 2 * len(CJK.findall(text))


def framing(reply: dict) -> str:
    """The message without the verbatim quotes it embeds."""
    message = reply["message"]
    for a in reply["answers"]:
        message = message.replace(a["quote"], "")
    return message


# -- answering ---------------------------------------------------------------------------

def test_ask_answers_with_every_contract_field(client, base_url):
    r = ask(client, question="怎么注销账号？")
    assert r.status_code == 200
    reply = r.json()
    assert {"question", "answered", "message", "answers"} <= reply.keys()
    assert reply["answered"] is True and reply["message"]
    first = reply["answers"][0]
    assert ANSWER_FIELDS <= first.keys()
    assert "注销" in first["quote"]
    assert isinstance(first["score"], (int, float))
    for a in reply["answers"]:
        assert 0 < len(a["quote"]) <= 1000
        pattern = re.escape(base_url) + "/policies/" + re.escape(a["policy_id"]) + r"#[A-Za-z][\w-]*"
        assert re.fullmatch(pattern, a["url"]), a["url"]


def test_english_question_gets_english_message_and_chinese_quote(client):
    reply = ask(client, question="How do I delete my account?").json()
    assert reply["answered"] is True
    assert is_english(framing(reply)), reply["message"]
    assert is_chinese(reply["answers"][0]["quote"])


def test_traditional_question_finds_the_same_clause_as_simplified(client):
    simplified = ask(client, question="怎么注销账号？").json()
    traditional = ask(client, question="如何註銷帳號？").json()
    assert traditional["answered"] is True
    assert traditional["answers"][0]["url"] == simplified["answers"][0]["url"]


def test_traditional_message_keeps_the_meaning_of_the_cited_heading(client):
    reply = ask(client, question="如何註銷帳號？").json()
    assert reply["answers"][0]["section_id"] == "5.6"
    assert "登出" not in reply["message"]


@pytest.mark.parametrize("policy_id", ["mcmeet", "vymeet"])
def test_policy_id_restricts_answers_to_that_policy(client, policy_id):
    reply = ask(client, question="怎么注销账号？", policy_id=policy_id, top_k=10).json()
    assert reply["answered"] is True
    assert {a["policy_id"] for a in reply["answers"]} == {policy_id}


def test_top_k_1_returns_one_answer(client):
    assert len(ask(client, question="怎么注销账号？").json()["answers"]) > 1  # default: more
    reply = ask(client, question="怎么注销账号？", top_k=1).json()
    assert len(reply["answers"]) == 1


def test_top_k_10_is_accepted(client):
    r = ask(client, question="会收集哪些个人信息？", top_k=10)
    assert r.status_code == 200
    assert 1 <= len(r.json()["answers"]) <= 10


@pytest.mark.parametrize("question, language", [
    ("What's a good pizza recipe?", is_english),
    ("明天会下雨吗", is_chinese),
])
def test_off_topic_question_is_not_answered_politely(client, question, language):
    r = ask(client, question=question)
    assert r.status_code == 200
    reply = r.json()
    assert reply["answered"] is False and reply["answers"] == []
    assert reply["message"].strip() and language(reply["message"]), reply["message"]


def suggestions(message: str) -> list[str]:
    """The example questions a not-answered message suggests ("For example: a / b / c")."""
    tail = re.split(r"For example:|例如：", message)[-1]
    return [q.strip() for q in tail.split(" / ") if q.strip()]


def test_chinese_suggestions_are_answered(client):
    examples = suggestions(ask(client, question="明天会下雨吗").json()["message"])
    assert len(examples) >= 2
    assert all(ask(client, question=q).json()["answered"] for q in examples), examples


def test_english_suggestions_are_answered(client):
    examples = suggestions(ask(client, question="What's a good pizza recipe?").json()["message"])
    assert len(examples) >= 2
    unanswered = [q for q in examples if not ask(client, question=q).json()["answered"]]
    assert unanswered == []


def simplified_characters(text: str) -> list[str]:
    """The characters of `text` that Traditional Chinese writes otherwise (账, 号, 么 …)."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    return [ch for ch in text if s2t.convert(ch) != ch]


def test_traditional_refusal_is_written_in_traditional(client):
    message = ask(client, question="明天會下雨嗎").json()["message"]
    framing = message.split("：")[0] + message.split("例如：")[-1]  # the policies' titles aside
    assert simplified_characters(framing) == [], message
    assert "註銷帳號" in message and "登出" not in message, message  # not "log out"
    examples = suggestions(message)
    assert len(examples) >= 2 and all(simplified_characters(q) == [] for q in examples)
    assert all(ask(client, question=q).json()["answered"] for q in examples), examples
    assert ask(client, question=examples[0]).json()["answers"][0]["section_id"] == "5.6"


def test_traditional_answer_is_framed_in_traditional(client):
    message = ask(client, question="如何註銷帳號？").json()["message"]
    assert message.startswith("根據《") and "查看原文：" in message, message


@pytest.mark.parametrize("lang", ["zh", "zh-Hant", "en"])
def test_suggestions_are_in_the_language_asked_for(client, lang):
    r = client.get("/api/v1/suggestions", params={"lang": lang})
    assert r.status_code == 200 and r.json()["lang"] == lang
    questions = r.json()["questions"]
    assert len(questions) >= 2
    if lang == "zh-Hant":
        assert all(simplified_characters(q) == [] for q in questions), questions
        assert "怎麼註銷帳號？" in questions
    elif lang == "zh":
        assert all(simplified_characters(q) for q in questions), questions
    else:
        assert all(q.isascii() for q in questions), questions
    assert all(ask(client, question=q).json()["answered"] for q in questions), questions


# -- bad input: JSON {"detail": "..."} with a 4xx, never a 500 ---------------------------

JSON = {"content-type": "application/json"}
BAD_REQUESTS = [  # id, keyword arguments of client.post, a word the detail must contain
    ("missing question", {"json": {}}, "question"),
    ("empty question", {"json": {"question": ""}}, "question"),
    ("spaces only", {"json": {"question": "  \t  "}}, "question"),
    ("501 chars", {"json": {"question": "隐" * 501}}, "question"),
    ("501 chars trimmed", {"json": {"question": "  " + "a" * 501 + "  "}}, "question"),
    ("question number", {"json": {"question": 42}}, "question"),
    ("question list", {"json": {"question": ["注销账号"]}}, "question"),
    ("question null", {"json": {"question": None}}, "question"),
    ("top_k 0", {"json": {"question": "注销账号", "top_k": 0}}, "top_k"),
    ("top_k 11", {"json": {"question": "注销账号", "top_k": 11}}, "top_k"),
    ("top_k string", {"json": {"question": "注销账号", "top_k": "three"}}, "top_k"),
    ("top_k float", {"json": {"question": "注销账号", "top_k": 2.5}}, "top_k"),
    ("lang fr", {"json": {"question": "注销账号", "lang": "fr"}}, "lang"),
    ("not json", {"content": b"hello", "headers": JSON}, ""),
    ("empty body", {"content": b"", "headers": JSON}, ""),
    ("json array", {"content": b'["question"]', "headers": JSON}, ""),
    ("invalid utf-8", {"content": b'{"question": "\xff\xfe"}', "headers": JSON}, ""),
    ("form encoded", {"data": {"question": "注销账号"}}, ""),
]


def assert_json_error(r, status: int | None = None) -> str:
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    if status is not None:
        assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail.strip()
    return detail


@pytest.mark.parametrize("kwargs, word", [b[1:] for b in BAD_REQUESTS],
                         ids=[b[0] for b in BAD_REQUESTS])
def test_bad_request_gets_json_4xx_detail(client, kwargs, word):
    detail = assert_json_error(client.post("/api/v1/ask", **kwargs))
    assert word in detail


def test_500_chars_after_trimming_is_accepted(client):
    r = ask(client, question="  " + "a" * 500 + "  ")
    assert r.status_code == 200


def test_unknown_policy_id_is_404_naming_the_known_ones_not_echoing_it(client):
    r = ask(client, question="怎么注销账号？", policy_id="nope-policy")
    detail = assert_json_error(r, 404)
    assert "mcmeet" in detail and "/api/v1/policies" in detail and "nope-policy" not in detail


def test_get_on_ask_is_405_json(client):
    assert_json_error(client.get("/api/v1/ask"), 405)


def test_unknown_path_is_404_json(client):
    assert_json_error(client.get("/api/v1/no-such-endpoint"), 404)


def test_server_still_answers_after_bad_requests(client):
    for _, kwargs, _ in BAD_REQUESTS:
        client.post("/api/v1/ask", **kwargs)
    r = ask(client, question="怎么注销账号？")
    assert r.status_code == 200 and r.json()["answered"] is True


@pytest.mark.parametrize("question", [
    "🙂", "<script>alert(1)</script>", "'; DROP TABLE users; --", "？？？", "注销\x00账号",
    "\u200f怎么注销账号？\u200f", "注\u0301销\u0308账号 e\u0301\u0302",
], ids=["emoji", "script", "sql", "punctuation", "nul", "rtl-mark", "combining"])
def test_odd_but_valid_question_gets_200(client, question):
    r = ask(client, question=question)
    assert r.status_code == 200, r.text
    reply = r.json()
    assert isinstance(reply["answered"], bool) and reply["message"].strip()


# -- other endpoints ---------------------------------------------------------------------

def test_policies_lists_both_with_their_fields(client):
    r = client.get("/api/v1/policies")
    assert r.status_code == 200
    policies = {p["id"]: p for p in r.json()}
    assert {"mcmeet", "vymeet"} <= policies.keys()
    for p in policies.values():
        assert {"id", "title", "product", "company", "updated", "source_url", "sections"} <= p.keys()
        assert isinstance(p["sections"], int) and p["sections"] > 0


def test_healthz(client):
    assert client.get("/healthz").status_code == 200


def test_openapi_describes_ask(client):
    r = client.get("/openapi.json")
    assert r.status_code == 200 and "/api/v1/ask" in r.json()["paths"]


def test_docs_page(client):
    r = client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
