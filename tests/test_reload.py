"""Hot reload over real HTTP: no request lost under load, a bad corpus keeps the old index."""
from __future__ import annotations

import shutil
import threading
import time

import httpx
import pytest

from bot.api import create_app
from bot.settings import Settings
from conftest import CORPUS, serve_app

TOKEN = "reload-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEW_POLICY = ("星河笔记隐私政策\n\n更新日期：2026年1月1日\n\n一、我们收集的信息\n"
              "我们会收集您的手机号码，用于注册星河笔记账号。\n\n二、注销账号\n"
              "您可以在星河笔记的设置页面申请注销账号，我们将在十五个工作日内删除您的个人信息。\n")


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def wait_until(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def policy_ids(c: httpx.Client) -> set[str]:
    return {p["id"] for p in c.get("/api/v1/policies").json()}


def test_reindex_under_load_loses_no_request(corpus, tmp_path, hermetic_env):
    settings = Settings(corpus=corpus, admin_token=TOKEN, cache_dir=str(tmp_path / "cache"),
                        database_url=f"sqlite:///{tmp_path / 'log.sqlite3'}")
    with serve_app(create_app(settings)) as url, \
            httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
        assert policy_ids(c) == {"mcmeet", "vymeet"}
        stop = threading.Event()
        results: list[int | str] = []

        def client() -> None:
            with httpx.Client(base_url=url, trust_env=False, timeout=30) as own:
                while not stop.is_set():
                    try:
                        r = own.post("/api/v1/ask", json={"question": "怎么注销账号？"})
                        results.append(r.status_code if r.json()["answered"] else "unanswered")
                    except httpx.HTTPError as e:
                        results.append(repr(e))

        threads = [threading.Thread(target=client) for _ in range(16)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        (corpus / "xinghe.txt").write_text(NEW_POLICY, encoding="utf-8")
        r = c.post("/admin/reindex", headers=AUTH)
        assert r.status_code == 202 and r.json()["started"] is True
        wait_until(lambda: not c.get("/admin/reindex", headers=AUTH).json()["running"])
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        status = c.get("/admin/reindex", headers=AUTH).json()
        assert status["reloads"] == 1 and status["last_error"] is None and status["policies"] == 3
        assert "xinghe" in policy_ids(c)
        assert len(results) > 50
        assert set(results) == {200}, [r for r in results if r != 200][:5]
        answer = c.post("/api/v1/ask", json={"question": "星河笔记怎么注销账号"}).json()
        assert answer["answers"][0]["policy_id"] == "xinghe"


def test_a_corpus_that_fails_to_build_leaves_the_old_index_serving(corpus, tmp_path,
                                                                   hermetic_env):
    settings = Settings(corpus=corpus, admin_token=TOKEN, cache_dir="off",
                        database_url=f"sqlite:///{tmp_path / 'log.sqlite3'}")
    with serve_app(create_app(settings)) as url, \
            httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
        for path in corpus.iterdir():
            path.write_bytes(b"\xff\xfe not utf-8 \xff")
        assert c.post("/admin/reindex", headers=AUTH).status_code == 202
        wait_until(lambda: not c.get("/admin/reindex", headers=AUTH).json()["running"])
        status = c.get("/admin/reindex", headers=AUTH).json()
        assert status["reloads"] == 0 and "no readable policy" in status["last_error"]
        assert status["policies"] == 2
        r = c.post("/api/v1/ask", json={"question": "怎么注销账号？"})
        assert r.status_code == 200 and r.json()["answered"] is True


def test_reindex_needs_the_admin_token(client):
    assert client.post("/admin/reindex").status_code == 404  # no token configured: no admin


def test_watch_reindexes_a_changed_folder(corpus, tmp_path, hermetic_env):
    settings = Settings(corpus=corpus, watch=True, watch_interval=0.3, cache_dir="off",
                        database_url=f"sqlite:///{tmp_path / 'log.sqlite3'}")
    app = create_app(settings)
    with serve_app(app) as url, httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
        (corpus / "xinghe.txt").write_text(NEW_POLICY, encoding="utf-8")
        wait_until(lambda: "xinghe" in policy_ids(c), timeout=60)
        (corpus / "xinghe.txt").unlink()
        wait_until(lambda: "xinghe" not in policy_ids(c), timeout=60)
        assert app.state.reloader.status()["reloads"] == 2
