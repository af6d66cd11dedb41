"""How long an agent's reply takes to reach the visitor (issue 13's target: 3 s).

    .venv/bin/python -m bench.handoff [--replies N] [--no-browser]

The real app under uvicorn on 127.0.0.1, its bot polling the Bot API stand-in
(tests/botapi_standin.py) with the real python-telegram-bot client, as `privacybot serve` does.
Measured, N replies each, from the moment the agent's update is handed to the Bot API stand-in:

- in-process: the reply handled by the app's own bot, until the visitor's long poll returns it;
- other process: the reply written to the database by another engine, as `privacybot telegram`
  running apart does, until the long poll (which looks at the database every second) returns it;
- widget: as the first, until the text is on screen in a real Chromium (MutationObserver
  timestamps; skipped without Chromium or with --no-browser).

Prints a Markdown table and writes bench/results/handoff-latest.md.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from botapi_standin import TOKEN, BotApiStandIn, message_update, user  # noqa: E402

AGENTS, AGENT = -100_555, 4242


def serve(app):
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/healthz", trust_env=False).status_code == 200:
                return url, server, thread
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise SystemExit("the app did not start")


def summary(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return (f"| {name} | {len(ms)} | {statistics.median(ms):.0f} | {p95:.0f} | {ms[-1]:.0f} | "
            f"{sum(m < 3000 for m in ms)}/{len(ms)} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replies", type=int, default=30)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="privacybot-handoff-bench-"))
    os.environ.update(PRIVACYBOT_DATABASE_URL=f"sqlite:///{tmp / 'log.sqlite3'}",
                      PRIVACYBOT_CACHE_DIR=str(tmp / "cache"))
    from bot.api import create_app
    from bot.handoff_store import Handoffs
    from bot.settings import Settings
    from bot.store import Store
    from index import PolicyIndex

    index = PolicyIndex.from_folder(ROOT / "corpus")
    store = Store(os.environ["PRIVACYBOT_DATABASE_URL"], hash_secret="bench")
    rows = []
    with BotApiStandIn() as api:
        os.environ.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.url,
                          TELEGRAM_AGENT_CHAT_ID=str(AGENTS))
        app = create_app(Settings(), index, store)
        url, server, thread = serve(app)
        http = httpx.Client(base_url=url, trust_env=False, timeout=40)
        api.wait("deleteWebhook", timeout=30)

        def new_conversation():
            d = http.post("/api/v1/handoffs", json={"question": "怎么开发票？"}).json()
            hid, auth = d["id"], {"Authorization": f"Bearer {d['token']}"}
            [card] = api.wait("sendMessage", lambda c: f"#{hid[:8]}" in c.params["text"])
            while Handoffs(store.engine).card_of(hid, AGENTS) is None:
                time.sleep(0.01)
            return hid, auth, card

        # 1. in-process
        hid, auth, card = new_conversation()
        after, ms = 0, []
        for i in range(args.replies):
            t0 = time.perf_counter()
            api.push(message_update(f"reply {i}", chat_id=AGENTS, from_user=user(AGENT),
                                    chat_type="supergroup", reply_to=card.result))
            d = http.get(f"/api/v1/handoffs/{hid}/messages?after={after}&wait=20", headers=auth).json()
            ms.append(1000 * (time.perf_counter() - t0))
            after = d["messages"][-1]["id"]
        rows.append(summary("agent's Telegram reply → visitor's long poll (bot in the web process)", ms))

        # 2. another process's write
        other = Store(os.environ["PRIVACYBOT_DATABASE_URL"], hash_secret="bench", writer=False)
        hid, auth, _ = new_conversation()
        after, ms = 0, []
        for i in range(args.replies):
            result = {}

            def poll():
                result["d"] = http.get(f"/api/v1/handoffs/{hid}/messages?after={after}&wait=20",
                                       headers=auth).json()
                result["t"] = time.perf_counter()

            t = threading.Thread(target=poll)
            t.start()
            time.sleep(0.05 + (i % 10) / 10)  # the write lands anywhere in the poll's second
            t0 = time.perf_counter()
            Handoffs(other.engine).add_message(hid, sender="agent", text=f"r{i}", agent="x")
            t.join()
            ms.append(1000 * (result["t"] - t0))
            after = result["d"]["messages"][-1]["id"]
        other.close()
        rows.append(summary("reply written by another process (`privacybot telegram` apart) → long poll", ms))

        # 3. on screen in Chromium
        chromium = os.environ.get("PRIVACYBOT_CHROMIUM") or "/usr/bin/chromium"
        if not args.no_browser and os.access(chromium, os.X_OK):
            rows.append(browser(url, api, store, chromium, args.replies))
        http.close()
        server.should_exit = True
        thread.join(timeout=30)
    store.close()
    table = "\n".join([
        f"Handoff reply latency, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
        "everything on 127.0.0.1 (ms)", "",
        "| path | replies | p50 | p95 | max | under 3 s |", "|---|---|---|---|---|---|", *rows])
    print(table)
    out = ROOT / "bench" / "results" / "handoff-latest.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(table + "\n")
    return 0


def browser(url, api, store, chromium, n) -> str:
    from playwright.sync_api import sync_playwright
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from bot.handoff_store import Handoffs

    page_html = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>help</title></head>
<body><script src="{url}/widget.js" defer></script></body></html>"""
    site = Starlette(routes=[Route("/", lambda r: HTMLResponse(page_html)),
                             Route("/healthz", lambda r: HTMLResponse("ok"))])
    site_url, site_server, site_thread = serve(site)
    ms = []
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, headless=True,
                               args=["--no-sandbox", "--disable-gpu"])
        page = b.new_page()
        page.goto(site_url + "/")
        page.get_by_role("button", name="隐私政策助手 / Privacy assistant").click()
        shadow = page.locator("privacybot-widget")
        is_card = lambda c: "Handoff" in c.params["text"]  # noqa: E731
        cards = len(api.calls_of("sendMessage", is_card))
        shadow.locator(".ho-bar button").click()
        shadow.locator(".ho-banner").wait_for()
        card = api.wait("sendMessage", is_card, count=cards + 1)[-1]
        hid = store_id(store, card)
        while Handoffs(store.engine).card_of(hid, AGENTS) is None:
            time.sleep(0.01)
        page.evaluate("""() => {
          const root = document.querySelector('privacybot-widget').shadowRoot;
          window.__seen = {};
          new MutationObserver(() => root.querySelectorAll('.ho-agent .bubble').forEach(e => {
            if (!(e.textContent in window.__seen)) window.__seen[e.textContent] = Date.now();
          })).observe(root.querySelector('.log'), {childList: true, subtree: true});
        }""")
        for i in range(n):
            text = f"browser reply {i}"
            t0 = time.time()
            api.push(message_update(text, chat_id=AGENTS, from_user=user(AGENT),
                                    chat_type="supergroup", reply_to=card.result))
            page.wait_for_function(f"() => window.__seen[{text!r}]", timeout=15000)
            ms.append(page.evaluate(f"window.__seen[{text!r}]") - 1000 * t0)
        b.close()
    site_server.should_exit = True
    site_thread.join(timeout=10)
    return summary("agent's Telegram reply → on screen in the widget (Chromium)", ms)


def store_id(store, card) -> str:
    import re

    from sqlalchemy import text

    short = re.search(r"#([0-9a-f]{8})", card.params["text"]).group(1)
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT id FROM handoffs WHERE id LIKE :p"),
                            {"p": short + "%"}).scalar_one()


if __name__ == "__main__":
    raise SystemExit(main())
