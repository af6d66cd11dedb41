"""bot/launch.py, the `privacybot` entry point: the garbage collector is off while a command
starts, then what it built is frozen and collection is on again, while it serves."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, get_free_port
from test_cli import env

SERVING = """
import gc, json, os, sys, threading, time, urllib.request
port = sys.argv[1]
sys.argv = ["privacybot", "serve", "--port", port]
from bot import launch

threading.Thread(target=launch.main, daemon=True).start()
deadline = time.monotonic() + 60
while True:
    try:
        if urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200:
            break
    except OSError:
        assert time.monotonic() < deadline
        time.sleep(0.05)
print(json.dumps({"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}))
sys.stdout.flush()
os._exit(0)
"""

COMMAND = """
import gc, json, sys
sys.argv = ["privacybot", "ask", "怎么注销账号"]
from bot import launch

code = launch.main()
print(json.dumps({"code": code, "enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}))
"""


def probe(code: str, *args: str) -> dict:
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                       encoding="utf-8", timeout=120, env=env(), cwd=ROOT, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_serve_collects_garbage_again_once_started_with_the_start_frozen():
    state = probe(SERVING, str(get_free_port()))
    assert state["enabled"]  # while serving, the collector runs
    assert state["frozen"] > 50_000  # the imports and the app, made while it was off


def test_other_commands_run_with_the_collector_on():
    state = probe(COMMAND)
    assert state["code"] == 0 and state["enabled"] and state["frozen"] > 10_000
