"""Two replicas of the app behind one PostgreSQL log, over real HTTP."""
from __future__ import annotations

import time

import httpx

from bot.api import create_app
from bot.settings import Settings
from conftest import serve_app

TOKEN = "replica-admin"


def test_two_replicas_share_one_postgresql_log(policy_index, pg_url, hermetic_env):
    settings = Settings(database_url=pg_url, admin_token=TOKEN, hash_secret="same-everywhere")
    with serve_app(create_app(settings, policy_index)) as one, \
            serve_app(create_app(settings, policy_index)) as two, \
            httpx.Client(trust_env=False, timeout=30) as c:
        asked = c.post(f"{one}/api/v1/ask", json={"question": "副本一：明天会下雪吗",
                                                  "channel": "widget"}).json()
        c.post(f"{two}/api/v1/ask", json={"question": "副本一：明天会下雪吗"})
        # feedback on replica two for a question answered by replica one
        fb = c.post(f"{two}/api/v1/feedback", json={"question_id": asked["id"], "vote": "down",
                                                    "reason": "not_answered"})
        assert fb.status_code == 201
        # question rows are queued and written by each replica's log thread within a moment
        auth = {"Authorization": f"Bearer {TOKEN}"}
        deadline = time.monotonic() + 15
        while True:
            report = c.get(f"{one}/admin/report.json", headers=auth).json()
            rows = [u for u in report["unanswered"] if u["question"] == "副本一：明天会下雪吗"]
            if rows and rows[0]["count"] == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert rows and rows[0]["count"] == 2
        same = c.get(f"{two}/admin/report.json", headers=auth).json()
        assert same["totals"]["feedback_down"] == report["totals"]["feedback_down"] >= 1
