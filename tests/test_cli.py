"""The real `privacybot` console script, run as a subprocess."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, settings_env_keys

_NEXT_TO_PYTHON = Path(sys.executable).with_name("privacybot")
EXE = str(_NEXT_TO_PYTHON) if _NEXT_TO_PYTHON.exists() else shutil.which("privacybot")
GOOD_POLICY = ("示例隐私政策\n\n一、我们收集的信息\n我们会收集您的手机号码和电子邮件地址，用于注册账号和联系您。\n\n"
               "二、注销账号\n您可以在设置页面中申请注销账号，我们将在十五个工作日内删除您的个人信息。\n")


LOG_DIR = Path(tempfile.mkdtemp(prefix="privacybot-cli-"))


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k not in settings_env_keys()}
    e["PYTHONIOENCODING"] = "utf-8"
    e["PRIVACYBOT_DATABASE_URL"] = f"sqlite:///{LOG_DIR / 'default.sqlite3'}"  # never the cwd
    e["PRIVACYBOT_CACHE_DIR"] = str(LOG_DIR / "index-cache")  # never the user's cache
    e.update(extra)
    return e


def wait_ready(proc: subprocess.Popen, url: str, path: str = "/healthz", timeout: float = 60) -> None:
    """Until the server started as `proc` answers `path` with 200 (failing if it exits)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, trust_env=False, timeout=5) as c:
        while True:
            assert proc.poll() is None, "privacybot serve exited"
            try:
                if c.get(path).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"no answer on {path} within {timeout:.0f} s"
            time.sleep(0.2)


def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
    assert EXE, "privacybot console script not found"
    return subprocess.run([EXE, *args], capture_output=True, text=True, encoding="utf-8",
                          timeout=120, env=env(**extra_env), cwd=ROOT)


def assert_clean_failure(p: subprocess.CompletedProcess, *words: str) -> None:
    assert p.returncode != 0
    assert "Traceback" not in p.stderr and p.stderr.strip()
    for word in words:
        assert word in p.stderr


@pytest.mark.parametrize("args", [[], ["serve"], ["ask"], ["index"], ["report"]],
                         ids=["main", "serve", "ask", "index", "report"])
def test_help(args):
    p = run(*args, "--help")
    assert p.returncode == 0
    assert p.stdout.startswith(f"usage: privacybot {' '.join(args)}".rstrip())


def test_ask_json_has_the_shape_of_the_api_reply(client):
    p = run("ask", "怎么注销账号？", "--json")
    assert p.returncode == 0, p.stderr
    cli = json.loads(p.stdout)
    api = client.post("/api/v1/ask", json={"question": "怎么注销账号？"}).json()
    assert {"question", "answered", "message", "answers"} <= cli.keys()
    assert cli.keys() == api.keys()
    assert cli["answered"] is True
    assert cli["answers"][0].keys() == api["answers"][0].keys()


def test_ask_top_k_1():
    p = run("ask", "怎么注销账号？", "--json", "--top-k", "1")
    assert p.returncode == 0, p.stderr
    assert len(json.loads(p.stdout)["answers"]) == 1


def test_ask_unknown_policy_fails_naming_it():
    assert_clean_failure(run("ask", "怎么注销账号？", "--policy", "nope"), "nope")


@pytest.mark.parametrize("question", ["", "   "], ids=["empty", "spaces"])
def test_ask_empty_question_fails_clearly(question):
    assert_clean_failure(run("ask", question), "question")


def test_index_prints_a_line_per_policy_and_a_total(policy_index):
    p = run("index")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    for pid in policy_index.policies:
        assert any(line.split()[0] == pid for line in lines), pid
    assert re.match(rf"{len(policy_index.policies)} policies\b", lines[-1])


def test_index_missing_folder_fails_clearly():
    assert_clean_failure(run("index", "/nonexistent"), "/nonexistent")


def test_index_skips_bad_files_with_a_warning_naming_them(tmp_path):
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("隐私政策".encode("gb18030") + b"\xff\xfe")
    (tmp_path / "good.txt").write_text(GOOD_POLICY, encoding="utf-8")
    p = run("index", str(tmp_path))
    assert p.returncode == 0, p.stderr
    assert re.search(r"^good\s", p.stdout, re.M) and re.search(r"^1 polic", p.stdout, re.M)
    assert "empty.md" in p.stderr and "latin1.txt" in p.stderr


def test_index_empty_folder_fails_clearly(tmp_path):
    assert_clean_failure(run("index", str(tmp_path)), str(tmp_path))


def test_serve_without_policies_fails_clearly(tmp_path, free_port):
    (tmp_path / "notes.md").write_text("", encoding="utf-8")
    p = run("serve", "--port", str(free_port), "--corpus", str(tmp_path))
    assert_clean_failure(p, str(tmp_path))


def test_serve_starts_answers_and_report_shows_the_questions(tmp_path, free_port):
    url = f"http://127.0.0.1:{free_port}"
    db = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    with open(tmp_path / "stderr.txt", "w+", encoding="utf-8") as err:
        proc = subprocess.Popen([EXE, "serve", "--host", "127.0.0.1", "--port", str(free_port)],
                                stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT,
                                env=env(DATABASE_URL=db, PRIVACYBOT_DATABASE_URL=db))
        try:
            wait_ready(proc, url)
            with httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
                r = c.post("/api/v1/ask", json={"question": "怎么注销账号？"})
                off = c.post("/api/v1/ask", json={"question": "明天会下雨吗", "channel": "widget"})
                vote = c.post("/api/v1/feedback", json={
                    "question_id": r.json()["id"], "vote": "down", "reason": "unclear",
                    "policy_id": "mcmeet", "section_id": "5.6", "question": "怎么注销账号？"})
            assert r.status_code == 200 and r.json()["answered"] is True
            assert r.json()["answers"][0]["url"].startswith(url + "/policies/")
            assert off.json()["answered"] is False and vote.status_code == 201
        finally:
            proc.terminate()  # SIGTERM: the queued log rows are written before it exits
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    p = run("report", "--json", "--database", db)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["totals"]["questions"] == 2 and report["totals"]["feedback_down"] == 1
    assert report["unanswered"][0]["question"] == "明天会下雨吗"
    assert report["downvoted"][0]["section_id"] == "5.6"
    assert {d["channel"] for d in report["per_day"]} == {"api", "widget"}
    text = run("report", "--database", db)
    assert text.returncode == 0 and "明天会下雨吗" in text.stdout and "mcmeet 5.6" in text.stdout


def test_serve_with_two_workers_answers_from_both(tmp_path, free_port):
    url = f"http://127.0.0.1:{free_port}"
    db = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    proc = subprocess.Popen([EXE, "serve", "--port", str(free_port), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                            env=env(PRIVACYBOT_DATABASE_URL=db,
                                    PRIVACYBOT_CACHE_DIR=str(tmp_path / "cache")))
    try:
        wait_ready(proc, url, "/readyz", timeout=90)
        with httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
            answers = [c.post("/api/v1/ask", json={"question": "怎么注销账号？"},
                              headers={"Connection": "close"}) for _ in range(8)]
        assert all(r.status_code == 200 and r.json()["answered"] for r in answers)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("name, value", [("PRIVACYBOT_RATE_LIMIT", "lots"),
                                         ("PRIVACYBOT_RATE_LIMIT_GLOBAL", "5/fortnight"),
                                         ("PRIVACYBOT_REQUEST_TIMEOUT", "-1")])
def test_an_invalid_setting_stops_serve_with_a_clear_message(free_port, name, value):
    p = run("serve", "--port", str(free_port), **{name: value})
    assert p.returncode == 2
    assert_clean_failure(p, name)


@pytest.mark.parametrize("settings, link", [
    ({"PRIVACYBOT_PORT": "9123"}, "http://127.0.0.1:9123/policies/mcmeet#s-5-6"),
    ({"PRIVACYBOT_HOST": "help.internal", "PRIVACYBOT_PORT": "8080"},
     "http://help.internal:8080/policies/mcmeet#s-5-6"),
    ({"PRIVACYBOT_HOST": "0.0.0.0", "PRIVACYBOT_PORT": "9123"},  # a wildcard is no address to open
     "http://127.0.0.1:9123/policies/mcmeet#s-5-6"),
    ({"PUBLIC_BASE_URL": "https://help.example.com/", "PRIVACYBOT_PORT": "9123"},
     "https://help.example.com/policies/mcmeet#s-5-6"),
], ids=["port", "host and port", "wildcard host", "public base url"])
def test_ask_links_to_the_configured_address(settings, link):
    p = run("ask", "怎么注销账号？", **settings)
    assert p.returncode == 0, p.stderr
    assert f"\n查看原文：{link}\n" in p.stdout, p.stdout
    p = run("ask", "怎么注销账号？", "--json", "--top-k", "1", **settings)
    assert json.loads(p.stdout)["answers"][0]["url"] == link


def test_serve_on_a_busy_port_says_so_and_nothing_else(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        p = run("serve", "--port", str(port))
    assert p.returncode == 1
    assert p.stdout == "" and p.stderr == f"privacybot: port {port} is in use\n"


@pytest.mark.parametrize("args, words", [
    (["--host", "192.0.2.1"], ["192.0.2.1", "not an address of this machine"]),
    (["--port", "70000"], ["70000", "not a port number"]),
], ids=["foreign address", "port out of range"])
def test_serve_where_it_cannot_listen_fails_in_one_line(args, words):
    p = run("serve", *args)
    assert_clean_failure(p, *words)
    assert len(p.stderr.splitlines()) == 1 and p.stdout == ""


@pytest.mark.parametrize("args, unknown, near", [
    (["serve", "--prot", "9000"], "--prot 9000", "--port"),
    (["ask", "怎么注销账号？", "--polcy", "mcmeet"], "--polcy mcmeet", "--policy"),
    (["report", "--dyas", "3"], "--dyas 3", "--days"),
    (["index", "--if-chnged"], "--if-chnged", "--if-changed"),
], ids=["serve", "ask", "report", "index"])
def test_a_mistyped_option_gets_the_command_usage(args, unknown, near):
    p = run(*args)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.startswith(f"usage: privacybot {args[0]} "), p.stderr
    assert f"privacybot {args[0]}: error: unrecognized arguments: {unknown} (did you mean {near}?)" in p.stderr
