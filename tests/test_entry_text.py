"""Text from outside, as a hostile client or a careless operator sends it: lone surrogates,
overlong ids, front matter of the wrong type. Never a 500, never an echo, never a broken index."""
from __future__ import annotations

import json
import shutil
import time

import httpx
import pytest

from bot.api import create_app
from bot.settings import Settings
from conftest import CORPUS, serve_app
from index import load_corpus
from index.cleaning import clean_text
from index.corpus import load_policy
from index.text import normalize

JSON = {"content-type": "application/json"}
# Written by hand: json.dumps would refuse nothing, but httpx encodes a str body as UTF-8,
# which a lone surrogate cannot be. The escapes are what a hostile client sends.
SURROGATE_BODIES = [
    b'{"question": "\\ud800"}',
    b'{"question": "\\udfff\\u6ce8\\u9500\\u8d26\\u53f7"}',
    b'{"question": "\\ud83d"}',
    b'{"question": "\\ude00\\ud83d"}',
    b'{"question": "\\u600e\\u4e48\\u6ce8\\u9500\\u8d26\\u53f7\\ud800", "lang": "zh-Hant"}',
    b'{"question": "\\ud800", "policy_id": "\\ud800"}',
    b'{"question": "\\u6ce8\\u9500", "policy_id": "mcmeet\\udc80"}',
]


def test_clean_text_replaces_lone_surrogates_and_joins_pairs():
    assert clean_text("a\ud800b") == "a\ufffdb"
    assert clean_text("\udc00\ud800") == "\ufffd\ufffd"
    assert clean_text("\ud83d\ude00") == "😀"
    assert clean_text("注销") == "注销"
    clean_text("x\ud800").encode("utf-8")  # encodable


def test_normalize_survives_a_lone_surrogate():
    assert normalize("註銷\ud800帳號") == normalize("註銷\ufffd帳號")


@pytest.mark.parametrize("body", SURROGATE_BODIES, ids=range(len(SURROGATE_BODIES)))
def test_a_lone_surrogate_in_a_question_gets_a_json_reply(client, body):
    r = client.post("/api/v1/ask", content=body, headers=JSON)
    assert r.status_code in (200, 404), r.text[:200]
    assert r.headers["content-type"].startswith("application/json")
    reply = r.json()
    assert reply.get("message") or reply.get("detail")
    assert "\\ud8" not in r.text


def test_a_lone_surrogate_in_feedback_is_stored_cleaned(client, log_store):
    qid = client.post("/api/v1/ask", json={"question": "怎么注销账号？"}).json()["id"]
    body = (b'{"question_id": "%s", "vote": "down", "reason": "other", '
            b'"comment": "\\ud800\\u4e0d\\u5bf9\\udfff"}' % qid.encode())
    r = client.post("/api/v1/feedback", content=body, headers=JSON)
    assert r.status_code == 201, r.text
    [row] = [f for f in log_store.feedback_rows() if f["id"] == r.json()["id"]]
    assert row["comment"] == "\ufffd不对\ufffd"


def test_invalid_utf8_in_the_query_string_and_path_is_not_a_500(client):
    for path in ("/?q=%ED%A0%80", "/?q=%ED%A0%80&policy=%ED%A0%80", "/policies/%ED%A0%80",
                 "/api/v1/suggestions?policy_id=%ED%A0%80"):
        r = client.get(path)
        assert r.status_code < 500, (path, r.status_code)


@pytest.mark.parametrize("where", ["ask", "page"])
def test_an_overlong_policy_id_is_refused_and_never_echoed(client, where):
    pid = "<x>" + "p" * 5000
    if where == "ask":
        r = client.post("/api/v1/ask", json={"question": "怎么注销账号？", "policy_id": pid})
        assert r.status_code == 422 and "policy_id" in r.json()["detail"]
    else:
        r = client.get("/policies/" + pid)
        assert r.status_code == 422
    assert "ppppp" not in r.text and "<x>" not in r.text


@pytest.mark.parametrize("path", ["/policies/nope-<b>", "/policies/" + "q" * 200])
def test_an_unknown_policy_page_does_not_echo_the_id(client, path):
    r = client.get(path)
    assert r.status_code == 404 and "nope" not in r.text and "qqqq" not in r.text


# -- corpus files ------------------------------------------------------------------------------

POLICY_BODY = "## 一、注销账号\n您可以在设置页面申请注销账号，我们将在十五个工作日内删除您的个人信息。\n"


@pytest.mark.parametrize("front, expect", [
    ("company: 2021", {"company": "2021"}),
    ("title: 2021\nproduct: 42", {"title": "2021", "product": "42"}),
    ("updated: 2021-03-09", {"updated": "2021-03-09"}),
    ("updated: 2021-03-09 10:00:00", {"updated": "2021-03-09"}),
    ("updated: 20210309", {"updated": "20210309"}),
    ("aliases: 7", {"aliases": ["7"]}),
    ("aliases: [星河, 12, 3.5]", {"aliases": ["星河", "12", "3.5"]}),
    ("language: true", {"language": "True"}),
    ("source_url: 5", {"source_url": None}),
    ('company: "\\ud800公司"', {"company": "\ufffd公司"}),
    ("id: 12345", {"id": "12345"}),
])
def test_front_matter_values_are_made_text_at_load(tmp_path, front, expect):
    path = tmp_path / "p.md"
    path.write_text(f"---\n{front}\n---\n{POLICY_BODY}", encoding="utf-8")
    policy = load_policy(path)
    for key, value in expect.items():
        assert getattr(policy, key) == value
    for key, value in policy.summary().items():
        assert value is None or isinstance(value, (str, int)) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)), (key, value)
    json.dumps(policy.summary(), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("front", ["company: [a, b]", "title: {x: 1}", "aliases: {a: 1}",
                                   "aliases: [[a]]", "updated: [2021]"])
def test_front_matter_of_the_wrong_shape_skips_the_file_with_a_message(tmp_path, front, caplog):
    (tmp_path / "bad.md").write_text(f"---\n{front}\n---\n{POLICY_BODY}", encoding="utf-8")
    (tmp_path / "good.md").write_text(POLICY_BODY, encoding="utf-8")
    assert [p.id for p in load_corpus(tmp_path)] == ["good"]
    assert "bad.md" in caplog.text and "front matter field" in caplog.text


def test_front_matter_that_is_not_yaml_skips_the_file_with_a_message(tmp_path, caplog):
    (tmp_path / "bad.md").write_text(f"---\ntitle: [unclosed\n---\n{POLICY_BODY}", encoding="utf-8")
    (tmp_path / "good.md").write_text(POLICY_BODY, encoding="utf-8")
    assert [p.id for p in load_corpus(tmp_path)] == ["good"]
    assert "bad.md" in caplog.text and "front matter is not valid YAML" in caplog.text


def test_a_file_name_with_undecodable_bytes_loads(tmp_path):
    name = b"\xff\xfe-policy.md".decode("utf-8", "surrogateescape")
    (tmp_path / name).write_text(POLICY_BODY, encoding="utf-8")
    [policy] = load_corpus(tmp_path)
    assert policy.id == "policy"
    json.dumps(policy.summary(), ensure_ascii=False).encode("utf-8")


def test_a_reindexed_number_in_front_matter_never_breaks_the_policies_list(tmp_path,
                                                                           hermetic_env):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(corpus=corpus, admin_token="t", cache_dir="off",
                        database_url=f"sqlite:///{tmp_path / 'log.sqlite3'}")
    auth = {"Authorization": "Bearer t"}
    with serve_app(create_app(settings)) as url, \
            httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
        (corpus / "n.md").write_text("---\nid: n\ncompany: 2021\nupdated: 2022\naliases: 3\n"
                                     f"---\n{POLICY_BODY}", encoding="utf-8")
        (corpus / "m.md").write_text(f"---\nid: m\ntitle: [1, 2]\n---\n{POLICY_BODY}",
                                     encoding="utf-8")
        assert c.post("/admin/reindex", headers=auth).status_code == 202
        deadline = time.monotonic() + 60
        while c.get("/admin/reindex", headers=auth).json()["running"] or \
                c.get("/admin/reindex", headers=auth).json()["reloads"] == 0:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        r = c.get("/api/v1/policies")
        assert r.status_code == 200
        by_id = {p["id"]: p for p in r.json()}
        assert by_id["n"]["company"] == "2021" and by_id["n"]["updated"] == "2022"
        assert "m" not in by_id
        assert c.get("/policies/n").status_code == 200
        assert c.post("/api/v1/ask", json={"question": "怎么注销账号", "policy_id": "n"}).json()["answered"]


# -- the engine and the command line -------------------------------------------------------------

def test_the_engine_answers_a_question_with_a_lone_surrogate(policy_index):
    reply = policy_index.ask("\ud800怎么注销账号？\udc00", "mcmeet")
    assert reply.answered and reply.question == "\ufffd怎么注销账号？\ufffd"
    json.dumps(reply.to_dict(), ensure_ascii=False).encode("utf-8")


def test_privacybot_ask_with_arguments_that_are_not_utf8(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import ROOT, settings_env_keys

    env = {k: v for k, v in os.environ.items() if k not in settings_env_keys()}
    env.update(PRIVACYBOT_CACHE_DIR="off", PYTHONPATH=str(ROOT))
    question = b"\xff\xfe" + "怎么注销账号".encode()
    run = subprocess.run([sys.executable, "-m", "bot.cli", "ask", question, "--json"],
                         capture_output=True, env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    assert json.loads(run.stdout)["answered"] is True
    bad_policy = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "注销", "--policy",
                                 b"\xff"], capture_output=True, env=env, cwd=tmp_path, timeout=300)
    assert bad_policy.returncode == 2 and b"Traceback" not in bad_policy.stderr
