"""The chat widget (bot/static/widget.js) in a real Chromium, embedded in a help-center page served
from another origin with hostile CSS, against the real app under uvicorn.

Needs Chromium at /usr/bin/chromium (or PRIVACYBOT_CHROMIUM) and the playwright package; without
them the module is skipped, except under CI (env CI set), where it fails. Screenshots go to
artifacts/widget-desktop.png and artifacts/widget-mobile.png."""
from __future__ import annotations

import asyncio
import html
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from starlette.applications import Starlette
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse
from starlette.routing import Route

from bot.api import create_app
from bot.settings import Settings
from conftest import ROOT, get_free_port, serve_app

CHROMIUM = os.environ.get("PRIVACYBOT_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "artifacts"
WIDGET_JS = ROOT / "bot" / "static" / "widget.js"

LAUNCHER = "隐私政策助手 / Privacy assistant"
INPUT = "输入问题 / Your question"
CLOSE = "关闭 / Close"
HELPFUL, NOT_HELPFUL = "有帮助 / Helpful", "没帮助 / Not helpful"

_missing = None
try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    _missing = "the playwright package is not installed (pip install -e '.[dev]')"
if _missing is None and not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
    _missing = (f"no Chromium at {CHROMIUM} (apt-get install chromium, or set "
                "PRIVACYBOT_CHROMIUM to a Chromium binary)")
if _missing and not os.environ.get("CI"):
    pytest.skip(f"widget browser tests skipped: {_missing}", allow_module_level=True)

# Host CSS written to break embedded widgets: none of it may reach the widget.
HOSTILE_CSS = """
* { color: red !important; font-size: 40px !important; font-family: serif !important;
    line-height: 3 !important; letter-spacing: 4px !important; box-sizing: content-box !important; }
button { display: none !important; }
input, textarea { visibility: hidden !important; }
privacybot-widget, body > :last-child { transform: scale(0.2) !important; opacity: 0.3 !important;
    position: absolute !important; top: -9999px !important; }
html { font-size: 5px !important; }
h1, p { word-break: break-word; }
"""


class HostSite:
    """A help center on its own origin: pages embedding the widget, and a fake bot at /fake/
    (same file widget.js, scripted API replies) for replies the real server never gives."""

    def __init__(self):
        self.pages: dict[str, str] = {}
        self.fake_replies: list[tuple] = []  # (status, headers, body[, delay in s])
        self.url = ""
        self.app = Starlette(routes=[
            Route("/healthz", lambda r: PlainTextResponse("ok")),
            Route("/help/{name}", self._page),
            Route("/fake/widget.js", lambda r: FileResponse(WIDGET_JS, media_type="text/javascript")),
            Route("/fake/api/v1/suggestions", lambda r: JSONResponse(
                {"lang": "zh", "questions": ["<b>粗体</b>问题"]})),
            Route("/fake/api/v1/ask", self._fake_ask, methods=["POST"]),
        ])

    def _page(self, request):
        body = self.pages.get(request.path_params["name"])
        return HTMLResponse(body) if body else PlainTextResponse("no such page", 404)

    async def _fake_ask(self, request):
        status, headers, body, *delay = self.fake_replies.pop(0)
        if delay:
            await asyncio.sleep(delay[0])
        return JSONResponse(body, status_code=status, headers=headers)

    def page(self, bot_url: str, attrs: dict[str, str] | None = None, html_lang: str = "zh-CN",
             head: str = "") -> str:
        """Register a help-center page embedding bot_url/widget.js; returns its URL."""
        name = f"p{len(self.pages)}"
        data = "".join(f' {k}="{html.escape(v)}"' for k, v in (attrs or {}).items())
        self.pages[name] = f"""<!doctype html>
<html lang="{html_lang}"><head><meta charset="utf-8">{head}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ACME 帮助中心</title><style>{HOSTILE_CSS}</style></head>
<body><h1>ACME 帮助中心</h1>
<p>常见问题与账户帮助。Frequently asked questions.</p>
<p><a href="#contact">联系我们 / Contact</a></p>
<script src="{bot_url}/widget.js" defer{data}></script>
</body></html>"""
        return f"{self.url}/help/{name}"


@pytest.fixture(scope="session")
def host_site():
    site = HostSite()
    with serve_app(site.app) as url:
        site.url = url
        yield site


_shared: dict = {}  # the one Chromium of this thread (Playwright's sync API runs one at a time)


@contextmanager
def shared_chromium():
    """Chromium for a module's tests, shared with any other module using it at the same time,
    and stopped when the last one is done: Playwright's sync API leaves an event loop running
    in the thread, which other tests' asyncio.run() cannot share."""
    if _missing:
        pytest.fail(f"CI must run the widget browser tests: {_missing}")
    if not _shared:
        pw = sync_playwright().start()
        try:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
        except BaseException:
            pw.stop()
            raise
        _shared.update(pw=pw, browser=browser, users=0)
    _shared["users"] += 1
    try:
        yield _shared["browser"]
    finally:
        _shared["users"] -= 1
        if not _shared["users"]:
            _shared["browser"].close()
            _shared["pw"].stop()
            _shared.clear()


@pytest.fixture(scope="session")
def chromium():
    with shared_chromium() as browser:
        yield browser


@pytest.fixture
def open_page(chromium):
    """open_page(url, **context options) -> a page on a fresh context (own sessionStorage)."""
    contexts = []

    def _open(url, **options):
        options.setdefault("viewport", {"width": 1280, "height": 800})
        ctx = chromium.new_context(**options)
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.js_errors = errors
        page.console_log = []
        page.on("console", lambda m: page.console_log.append(m.text))
        page.goto(url)
        expect(page.get_by_role("button", name=LAUNCHER)).to_be_visible()
        return page

    yield _open
    errors = [e for ctx in contexts for p in ctx.pages for e in getattr(p, "js_errors", [])]
    for ctx in contexts:
        ctx.close()
    assert errors == [], "the widget threw into the host page"


def widget(page):
    return page.locator("privacybot-widget")


def ask(page, question: str):
    box = page.get_by_role("textbox", name=INPUT)
    box.fill(question)
    box.press("Enter")


def last_card(page):
    card = widget(page).locator(".card").last
    expect(card).to_be_visible()
    return card


def shadow_eval(page, js: str):
    """Evaluate `js` (an expression over `root`, the widget's shadow root)."""
    return page.evaluate(f"() => {{ const root = document.querySelector('privacybot-widget').shadowRoot; return {js}; }}")


def norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


# -- tests ---------------------------------------------------------------------------------------

def test_desktop_answer_card_links_to_the_clause(open_page, host_site, base_url):
    page = open_page(host_site.page(base_url))
    assert urlparse(page.url).netloc != urlparse(base_url).netloc  # another origin
    launcher = page.get_by_role("button", name=LAUNCHER)
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    dialog = page.get_by_role("dialog", name="隐私政策助手")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert 360 <= box["width"] <= 400 and 520 <= box["height"] <= 600
    assert box["x"] + box["width"] > 1280 - 40 and box["y"] + box["height"] > 800 - 110  # bottom right
    expect(widget(page).locator(".welcome .chip").first).to_be_visible()  # suggestions on first open

    ask(page, "怎么注销账号？")
    card = last_card(page)
    quote = card.locator("blockquote").first
    expect(quote).to_contain_text("注销")
    expect(card.locator(".path").first).to_have_text("盟畅云会议 › 五、您的权利 › 5.6 注销帐号")
    expect(card.locator(".frame").first).to_have_text(re.compile(r"^根据《盟畅云会议隐私政策》"))
    # The widget's own CSS wins over the host's: readable size, not red, buttons shown.
    style = quote.evaluate("e => { const s = getComputedStyle(e); return [s.fontSize, s.color]; }")
    assert style[0] == "14px" and style[1] != "rgb(255, 0, 0)"
    expect(card.get_by_role("button", name=HELPFUL)).to_be_visible()
    expect(card.get_by_role("button", name=re.compile("更多"))).to_be_visible()

    link = card.get_by_role("link", name="查看原文")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener")
    href = link.get_attribute("href")
    assert href.startswith(base_url + "/policies/mcmeet#")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-desktop.png"))

    with page.context.expect_page() as new_tab:
        link.click()
    policy = new_tab.value
    policy.wait_for_load_state()
    anchor = urlparse(href).fragment
    assert anchor == "s-5-6"
    section = policy.locator(f"[id='{anchor}']")
    expect(section).to_be_visible()
    expect(section).to_be_in_viewport()
    assert section.evaluate("e => e.matches(':target')")
    quoted = quote.text_content()
    for line in quoted.split("\n"):
        assert norm(line) in norm(section.inner_text())


def test_mobile_panel_fills_the_screen_without_horizontal_scroll(open_page, host_site, base_url):
    page = open_page(host_site.page(base_url), viewport={"width": 360, "height": 740},
                     is_mobile=True, has_touch=True, device_scale_factor=2)
    page.get_by_role("button", name=LAUNCHER).tap()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert dialog.bounding_box() == {"x": 0, "y": 0, "width": 360, "height": 740}
    ask(page, "我不想用了，怎么把号销掉")
    card = last_card(page)
    expect(card.locator("blockquote").first).to_contain_text("注销")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-mobile.png"))
    card.get_by_role("button", name=re.compile("更多")).tap()
    expect(card.locator(".others")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert shadow_eval(page, "root.querySelector('.log').scrollWidth <= root.querySelector('.log').clientWidth")
    # The text box and send button stay on screen.
    send = page.get_by_role("button", name="发送").bounding_box()
    assert send["x"] + send["width"] <= 360 and send["y"] + send["height"] <= 740


def test_keyboard_only(open_page, host_site, base_url):
    page = open_page(host_site.page(base_url))
    launcher = page.get_by_role("button", name=LAUNCHER)
    for _ in range(6):
        page.keyboard.press("Tab")
        if shadow_eval(page, "root.activeElement && root.activeElement.classList.contains('launcher')"):
            break
    expect(launcher).to_be_focused()
    # Visible focus: the launcher has an outline when reached by keyboard.
    assert launcher.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name=INPUT)
    expect(box).to_be_focused()
    page.keyboard.type("会收集我的位置信息吗？")
    page.keyboard.press("Enter")
    expect(last_card(page).locator("blockquote").first).to_contain_text("位置")
    expect(box).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_visitor_markup_is_shown_as_text(open_page, host_site, base_url):
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    page = open_page(host_site.page(base_url))
    page.get_by_role("button", name=LAUNCHER).click()
    ask(page, hostile)
    last_card(page)
    expect(widget(page).locator(".user").last).to_have_text(hostile)
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None
    assert shadow_eval(page, "root.querySelectorAll('img, script').length") == 0
    assert page.evaluate("document.querySelectorAll('img').length") == 0


def test_hostile_api_reply_is_shown_as_text_and_bad_links_dropped(open_page, host_site):
    evil = '<img src=x onerror="window.__pwned=3">'
    host_site.fake_replies[:] = [(200, {}, {
        "id": "abc", "question": "q", "answered": True, "lang": "zh", "message": evil,
        "answers": [{"policy_id": "p", "policy_title": "<b>T</b>", "product": "<i>P</i>",
                     "section_id": "1", "heading": evil, "quote": evil + "\n第二行",
                     "url": "javascript:window.__pwned=4", "source_url": None, "updated": None,
                     "score": 1.0}]})]
    page = open_page(host_site.page(host_site.url + "/fake"))
    page.get_by_role("button", name=LAUNCHER).click()
    expect(widget(page).locator(".welcome .chip")).to_have_text("<b>粗体</b>问题")
    ask(page, "anything")
    card = last_card(page)
    expect(card.locator("blockquote")).to_have_text(evil + "\n第二行")
    expect(card.locator(".path")).to_have_text("<i>P</i> › " + evil)
    assert card.get_by_role("link").count() == 0  # javascript: URL never becomes a link
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None
    assert shadow_eval(page, "root.querySelectorAll('img, b, i, a').length") == 0


def test_rate_limit_and_bad_request_errors(open_page, host_site):
    host_site.fake_replies[:] = [
        (429, {"Retry-After": "7"}, {"detail": "too many requests"}, 0.8),
        (200, {}, {"id": "x", "question": "q", "answered": False, "lang": "zh",
                   "message": "抱歉，没有找到。", "answers": []}),
        (404, {}, {"detail": "unknown policy_id 'nope'"}),
    ]
    page = open_page(host_site.page(host_site.url + "/fake"))
    page.get_by_role("button", name=LAUNCHER).click()
    ask(page, "第一个问题")
    typing = widget(page).locator(".typing")
    expect(typing).to_contain_text("正在查找")  # while the server thinks
    expect(page.get_by_role("button", name="发送")).to_be_disabled()
    error = widget(page).locator(".error")
    expect(error).to_contain_text("提问太频繁，请 7 秒后再试")
    expect(typing).to_have_count(0)
    expect(page.get_by_role("button", name="发送")).to_be_enabled()
    error.get_by_role("button", name="重试").click()
    expect(error).to_have_count(0)
    expect(last_card(page).locator(".message")).to_have_text("抱歉，没有找到。")
    expect(widget(page).locator(".user")).to_have_count(1)  # the retry did not repeat the question
    ask(page, "第二个问题")
    expect(widget(page).locator(".error")).to_have_text("unknown policy_id 'nope'")


def test_feedback_is_stored(open_page, host_site, base_url, server_app):
    store = server_app.state.store
    page = open_page(host_site.page(base_url))
    page.get_by_role("button", name=LAUNCHER).click()

    q_down = "盟畅会收集我的手机号码吗"
    ask(page, q_down)
    card = widget(page).locator(".card").nth(0)
    expect(card.locator("blockquote").first).to_be_visible()
    card.get_by_role("button", name=NOT_HELPFUL).click()
    card.get_by_label("条款不对").check()
    card.get_by_label("补充说明（可选）").fill("想知道能不能关掉")
    ARTIFACTS.mkdir(exist_ok=True)
    card.screenshot(path=str(ARTIFACTS / "widget-feedback.png"))
    card.get_by_role("button", name="提交").click()
    expect(card.locator(".thanks")).to_have_text("谢谢反馈")
    expect(card.get_by_role("button", name=NOT_HELPFUL)).to_be_disabled()
    expect(card.get_by_role("button", name=HELPFUL)).to_be_disabled()

    q_up = "数据泄露了你们会怎么通知"
    ask(page, q_up)
    card2 = widget(page).locator(".card").nth(1)
    expect(card2.locator("blockquote").first).to_be_visible()
    card2.get_by_role("button", name=HELPFUL).click()
    expect(card2.locator(".thanks")).to_be_visible()

    def rows():
        got = {r["question"]: r for r in store.feedback_rows() if r["channel"] == "widget"}
        return got if q_down in got and q_up in got else None

    got = wait_for(rows)
    assert got, "feedback rows did not appear"
    down, up = got[q_down], got[q_up]
    assert (down["vote"], down["reason"], down["comment"]) == ("down", "wrong_clause", "想知道能不能关掉")
    assert up["vote"] == "up" and up["reason"] is None
    shown = card.locator("blockquote").first.text_content()
    assert down["quote"] == shown and down["policy_id"] == "mcmeet" and down["section_id"]
    assert down["url"] == card.get_by_role("link", name="查看原文").get_attribute("href")
    store.flush()
    asked = {r["id"]: r for r in store.question_rows()}
    assert asked[down["question_id"]]["question"] == q_down
    assert asked[down["question_id"]]["channel"] == "widget"


def test_server_down_shows_retry_and_retry_works(open_page, host_site, policy_index, log_store,
                                                 hermetic_env):
    port = get_free_port()
    with serve_app(create_app(Settings(), policy_index, log_store), port) as bot_url:
        page = open_page(host_site.page(bot_url))
        page.get_by_role("button", name=LAUNCHER).click()
        expect(widget(page).locator(".welcome .chip").first).to_be_visible()
    ask(page, "怎么注销账号？")
    error = widget(page).locator(".error")
    expect(error).to_contain_text("无法连接服务器")
    retry = error.get_by_role("button", name="重试")
    expect(retry).to_be_visible()
    with serve_app(create_app(Settings(), policy_index, log_store), port):
        retry.click()
        expect(last_card(page).locator("blockquote").first).to_contain_text("注销")
    expect(error).to_have_count(0)


def test_english_ui_left_position_and_accent(open_page, host_site, base_url):
    page = open_page(host_site.page(base_url, {"data-lang": "en", "data-position": "left",
                                               "data-accent": "#0a7", "data-title": "Help bot"},
                                    html_lang="zh"))
    launcher = page.get_by_role("button", name=LAUNCHER)
    assert launcher.bounding_box()["x"] < 100
    launcher.click()
    dialog = page.get_by_role("dialog", name="Help bot")
    expect(dialog).to_be_visible()
    assert dialog.bounding_box()["x"] < 100
    expect(page.get_by_role("textbox", name=INPUT)).to_have_attribute("placeholder", "Type your question…")
    expect(widget(page).locator(".welcome .chip").first).to_have_text("How do I delete my account?")
    assert launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(0, 170, 119)"
    ask(page, "How do I delete my account?")
    card = last_card(page)
    expect(card.get_by_role("link", name="Open clause")).to_be_visible()
    expect(card.locator(".frame").first).to_have_text(re.compile(r"^From the .+ privacy policy"))
    expect(card.get_by_role("button", name=re.compile("^More"))).to_be_visible()


def test_traditional_ui_on_a_taiwan_page(open_page, host_site, base_url):
    page = open_page(host_site.page(base_url, html_lang="zh-TW"))
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.get_by_role("dialog", name="隱私政策助理")).to_be_visible()
    expect(page.get_by_role("textbox", name=INPUT)).to_have_attribute("placeholder", "輸入您的問題…")
    expect(widget(page).locator(".welcome .chip").first).to_have_text("怎麼註銷帳號？")  # from the API
    widget(page).locator(".welcome .chip").first.click()
    card = last_card(page)
    expect(card.locator(".frame").first).to_have_text(re.compile(r"^根據《盟畅云会议隐私政策》"))
    expect(card.get_by_role("button", name=re.compile("^更多相關條款"))).to_be_visible()
    expect(card.get_by_role("link", name="查看原文")).to_be_visible()


def test_traditional_question_gets_a_traditional_frame(open_page, host_site, base_url):
    page = open_page(host_site.page(base_url))  # a Simplified (zh-CN) page and widget
    page.get_by_role("button", name=LAUNCHER).click()
    ask(page, "如何註銷帳號？")
    card = last_card(page)
    expect(card.locator(".frame").first).to_have_text(re.compile(r"^根據《盟畅云会议隐私政策》"))
    expect(card.get_by_role("button", name=re.compile("^更多相關條款"))).to_be_visible()
    ask(page, "怎么注销账号？")  # the next Simplified question is framed in Simplified again
    expect(last_card(page).locator(".frame").first).to_have_text(re.compile(r"^根据《"))
    page.reload()  # the reply's language is kept with the conversation
    expect(widget(page).locator(".card .frame").first).to_have_text(re.compile(r"^根據《"))


def test_invalid_accent_is_ignored(open_page, host_site, base_url):
    page = open_page(host_site.page(base_url, {"data-accent": "red; background: url(x)"}))
    launcher = page.get_by_role("button", name=LAUNCHER)
    assert launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(37, 99, 235)"


def test_conversation_survives_a_reload(open_page, host_site, base_url):
    page = open_page(host_site.page(base_url))
    page.get_by_role("button", name=LAUNCHER).click()
    ask(page, "Where does McMeet store user data?")
    card = last_card(page)
    quote = card.locator("blockquote").first.text_content()
    card.get_by_role("button", name=HELPFUL).click()
    expect(card.locator(".thanks")).to_be_visible()

    page.reload()
    expect(page.get_by_role("dialog")).to_be_visible()  # it was open
    expect(widget(page).locator(".user")).to_have_text(["Where does McMeet store user data?"])
    card = last_card(page)
    expect(card.locator("blockquote").first).to_have_text(quote)
    expect(card.get_by_role("button", name=HELPFUL)).to_be_disabled()  # the vote is remembered
    expect(card.locator(".thanks")).to_be_visible()

    page.get_by_role("button", name=CLOSE).click()
    page.reload()
    expect(page.get_by_role("button", name=LAUNCHER)).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.get_by_role("button", name=LAUNCHER).click()
    expect(widget(page).locator(".card")).to_have_count(1)
    stored = page.evaluate("JSON.stringify(sessionStorage)")
    assert base_url in stored


def test_unanswered_question_offers_suggestions(open_page, host_site, base_url):
    page = open_page(host_site.page(base_url))
    page.get_by_role("button", name=LAUNCHER).click()
    ask(page, "明天会下雨吗")
    card = last_card(page)
    expect(card.locator(".message")).to_contain_text("没有找到")
    expect(card.locator("blockquote")).to_have_count(0)
    chip = card.get_by_role("button", name="怎么注销账号？")
    expect(chip).to_be_visible()
    expect(card.get_by_role("button", name=NOT_HELPFUL)).to_be_visible()
    card.get_by_role("button", name=NOT_HELPFUL).click()  # no reason form: nothing was quoted
    expect(card.locator(".thanks")).to_be_visible()
    expect(card.locator(".reason")).to_have_count(0)
    chip.click()
    expect(widget(page).locator(".card")).to_have_count(2)
    expect(last_card(page).locator("blockquote").first).to_contain_text("注销")


def test_works_under_a_strict_content_security_policy(open_page, host_site, base_url):
    csp = (f"default-src 'none'; script-src {base_url}; connect-src {base_url}; "
           "style-src 'self'; img-src 'none'")
    page = open_page(host_site.page(base_url, head=f'<meta http-equiv="Content-Security-Policy" '
                                                   f'content="{csp}">'))
    launcher = page.get_by_role("button", name=LAUNCHER)
    assert launcher.bounding_box()["width"] == 56  # the widget's CSS applied
    launcher.click()
    ask(page, "怎么注销账号？")
    expect(last_card(page).locator("blockquote").first).to_contain_text("注销")
    # The policy is in force (the host page's own inline <style> is refused), and it refuses
    # nothing of the widget's.
    violations = [m for m in page.console_log if "Content Security Policy" in m]
    assert violations and all("style-src" in v for v in violations), violations
    assert widget(page).locator(".card").evaluate("e => getComputedStyle(e).borderRadius") == "12px"


def test_the_demo_page_embeds_the_widget(open_page, base_url):
    page = open_page(base_url + "/")
    page.get_by_role("button", name=LAUNCHER).click()
    ask(page, "会把我的信息分享给第三方吗？")
    expect(last_card(page).get_by_role("link", name="查看原文")).to_be_visible()
