"""Telegram message text: replies as HTML (every piece of text escaped), split under 4096.

A message is a list of flat `Span`s: plain text, or text in one tag (<b>, <i>, <code>,
<blockquote>, <a href>). Spans are escaped and wrapped only when rendered, so a long message is
split on its text, never inside a tag or an entity: a span cut in two is closed at the end of
one part and opened again at the start of the next.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace

from index import Policy, Reply

LIMIT = 4096  # Telegram's limit on a message's text, in UTF-16 code units
TAGS = ("b", "i", "code", "pre", "blockquote", "a")
BREAKS = ("\n", "。", "！", "？", "；", ". ", "! ", "? ", "; ", "，", ", ", " ")


@dataclass(frozen=True)
class Span:
    text: str
    tag: str | None = None
    href: str | None = None  # for tag "a"

    def __post_init__(self):
        if self.tag is not None and self.tag not in TAGS:
            raise ValueError(f"tag {self.tag!r} is not one Telegram accepts")

    def open(self) -> str:
        if self.tag is None:
            return ""
        if self.tag == "a":
            return f'<a href="{html.escape(self.href or "", quote=True)}">'
        return f"<{self.tag}>"

    def close(self) -> str:
        return f"</{self.tag}>" if self.tag else ""

    def render(self) -> str:
        return self.open() + html.escape(self.text, quote=False) + self.close()


def b(text: str) -> Span:
    return Span(text, "b")


def link(text: str, url: str) -> Span:
    return Span(text, "a", url)


def ulen(s: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(s.encode("utf-16-le")) // 2


def render(spans: list[Span]) -> str:
    return "".join(s.render() for s in spans)


def _fit(text: str, room: int) -> int:
    """How many leading characters of `text` fit in `room` once escaped, cut at a natural break
    (line, sentence, clause, word) when one lies in the second half of what fits."""
    lo, hi = 0, len(text)
    while lo < hi:  # largest n with ulen(escape(text[:n])) <= room
        mid = (lo + hi + 1) // 2
        if ulen(html.escape(text[:mid], quote=False)) <= room:
            lo = mid
        else:
            hi = mid - 1
    n = lo
    if n == len(text) or n == 0:
        return n
    for sep in BREAKS:
        cut = text.rfind(sep, 0, n)
        if cut >= 0 and cut + len(sep) > n // 2:
            return cut + len(sep)
    return n


def split(spans: list[Span], limit: int = LIMIT) -> list[str]:
    """The spans rendered as one or more HTML texts, each at most `limit` UTF-16 units, each
    with balanced tags. A span that does not fit in what is left of a part starts the next one;
    only a span longer than a whole part is cut."""
    parts: list[list[Span]] = [[]]
    used = 0

    def flush() -> None:
        nonlocal used
        if parts[-1]:
            parts.append([])
        used = 0

    for span in spans:
        size = ulen(span.render())
        if used + size <= limit:
            parts[-1].append(span)
            used += size
            continue
        if size <= limit:  # fits in a part of its own: do not cut it
            flush()
            parts[-1].append(span)
            used = size
            continue
        text = span.text
        overhead = ulen(span.open() + span.close())
        while text:
            room = limit - used - overhead
            n = _fit(text, room) if room > 0 else 0
            if n == 0 or (used and n < len(text) and room < limit // 4):
                if not parts[-1]:
                    raise ValueError(f"limit {limit} too small for a {span.tag} span")
                flush()
                continue
            piece = replace(span, text=text[:n] if n == len(text) else text[:n].rstrip())
            parts[-1].append(piece)
            used += ulen(piece.render())
            text = text[n:].lstrip("\n") if n < len(text) else ""
            if text:
                flush()
    out = []
    for part in parts:
        rendered = render(part).strip()
        if rendered and re.sub(r"<[^>]*>", "", rendered).strip():
            out.append(rendered)
    return out


# -- texts --------------------------------------------------------------------------------------

def ui_lang(language_code: str | None) -> str:
    """The interface language of a Telegram user: Chinese for zh*, else English."""
    return "zh" if (language_code or "").lower().startswith("zh") else "en"


def _reply_lang(reply: Reply) -> str:
    return "en" if reply.lang == "en" else ("zh-Hant" if reply.lang == "zh-Hant" else "zh")


WORDS = {
    "zh": {"from": "摘自《{title}》（{date} 版）：", "nodate": "日期不详", "see_also": "相关条款：",
           "open": "查看原文", "policy": "全文"},
    "zh-Hant": {"from": "摘自《{title}》（{date} 版）：", "nodate": "日期不詳", "see_also": "相關條款：",
                "open": "查看原文", "policy": "全文"},
    "en": {"from": "From the {name} privacy policy ({title}, version of {date}):",
           "nodate": "unknown date", "see_also": "See also:", "open": "Open clause",
           "policy": "full text"},
}


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["zh"])


def reply_spans(reply: Reply, policies: dict[str, Policy] | None = None) -> list[Span]:
    """A reply as spans: product › heading in bold, the policy and its date, the clause as a
    blockquote, then the other answers as one line each with its link. A reply that does not
    answer is its message (which says what can be asked)."""
    if not reply.answered or not reply.answers:
        return [Span(reply.message)]
    lang = _reply_lang(reply)
    w = words(lang)
    best = reply.answers[0]
    policy = (policies or {}).get(best.policy_id)
    name = policy.latin_name if policy is not None else best.product
    spans = [b(f"{best.product} › {best.heading}"), Span("\n"),
             Span(w["from"].format(title=best.policy_title, name=name,
                                   date=best.updated or w["nodate"]) + "\n"),
             Span(best.quote, "blockquote")]
    others = reply.answers[1:]
    if others:
        spans.append(Span("\n" + w["see_also"]))
        for a in others:
            spans += [Span("\n• "), link(f"{a.product} › {a.heading}", a.url)]
    return spans


def inline_spans(reply: Reply, i: int) -> list[Span]:
    """What an agent pastes from inline mode: the clause, where it is from, and its link."""
    a = reply.answers[i]
    w = words(_reply_lang(reply))
    quote = a.quote if len(a.quote) <= 3000 else a.quote[:3000] + "…"
    return [b(f"{a.product} › {a.heading}"), Span(f"\n《{a.policy_title}》 {a.updated or ''}".rstrip()),
            Span(quote, "blockquote"), link(w["open"], a.url)]


def policies_spans(policies: dict[str, Policy], lang: str, base_url: str) -> list[Span]:
    """The policies the bot answers from, with their dates and a link to each."""
    base = base_url.rstrip("/")
    if lang == "en":
        spans = [b(f"I answer from these {len(policies)} privacy policies:")]
        for p in policies.values():
            spans += [Span("\n• "), b(p.latin_name),
                      Span(f" — {p.title}, version of {p.updated or 'unknown date'} — "),
                      link("full text", f"{base}{p.page}")]
    else:
        spans = [b(f"我根据这 {len(policies)} 份隐私政策回答：")]
        for p in policies.values():
            spans += [Span("\n• "), b(p.product),
                      Span(f" — 《{p.title}》，{p.updated or '日期不详'} 版 — "),
                      link("全文", f"{base}{p.page}")]
    return spans


def help_text(lang: str, username: str, policies: dict[str, Policy], examples: list[str]) -> str:
    """/start and /help, in the user's language."""
    at = "@" + username if username else "@bot"
    if lang == "en":
        names = ", ".join(p.latin_name for p in policies.values())
        spans = [b("Privacy policy assistant"),
                 Span(f"\nAsk me about the privacy policies of {names}: I reply with the clause "
                      "that answers, verbatim, and a link to it.\n\n"),
                 Span("• Private chat: just send the question.\n"
                      f"• Group: /ask QUESTION, mention me ({at} QUESTION) or reply to one of my messages.\n"
                      f"• Any chat: type {at} QUESTION and pick a clause to paste it to a customer.\n"
                      "• 👍/👎 under an answer tells us whether it was the right clause.\n\n"
                      "/policies lists the policies, /help shows this again.\n\nFor example:"),
                 *[Span("\n• " + e) for e in examples]]
    else:
        names = "、".join(p.product for p in policies.values())
        spans = [b("隐私政策助手"),
                 Span(f"\n问我关于{names}隐私政策的问题：我会原文引用回答它的条款，并附上链接。\n\n"),
                 Span("• 私聊：直接发送问题。\n"
                      f"• 群组：/ask 问题，或 @ 我（{at} 问题），或回复我的消息。\n"
                      f"• 任意聊天：输入 {at} 问题，选择条款发给客户。\n"
                      "• 答案下的 👍/👎 告诉我们引用的条款对不对。\n\n"
                      "/policies 查看政策列表，/help 再次显示本说明。\n\n例如："),
                 *[Span("\n• " + e) for e in examples]]
    return render(spans)


TEXTS = {
    "zh": {
        "refused": "抱歉，这个机器人只为授权的客服人员服务。如需使用，请联系管理员并提供您的 Telegram 用户 ID：{uid}",
        "ask_usage": "请在 /ask 后面写上问题，例如：/ask 怎么注销账号？",
        "mention_usage": "请在 @{username} 后面写上问题，例如：@{username} 怎么注销账号？",
        "too_long": "问题太长了（最多 {n} 个字符），请简短一些。",
        "thanks_up": "谢谢反馈！👍",
        "thanks_down": "谢谢反馈！我们会检查这个答案。👎",
        "feedback_failed": "暂时无法保存反馈，请稍后再试。",
        "feedback_bad": "这个按钮已失效。",
        "no_answer": "没有找到回答这个问题的条款",
        "refused_short": "仅限授权的客服人员使用",
        "example": "例：",
    },
    "en": {
        "refused": "Sorry, this bot only answers authorized support agents. To get access, ask an "
                   "administrator to add your Telegram user id: {uid}",
        "ask_usage": "Write the question after /ask, for example: /ask How do I delete my account?",
        "mention_usage": "Write the question after @{username}, for example: "
                         "@{username} How do I delete my account?",
        "too_long": "The question is too long (at most {n} characters); please shorten it.",
        "thanks_up": "Thanks for the feedback! 👍",
        "thanks_down": "Thanks for the feedback! We will check this answer. 👎",
        "feedback_failed": "The feedback could not be stored right now; please try again later.",
        "feedback_bad": "This button no longer works.",
        "no_answer": "No clause answers this question",
        "refused_short": "Only for authorized support agents",
        "example": "Example: ",
    },
}


def text(lang: str, key: str, **kw) -> str:
    """A fixed text of the interface (plain, not HTML)."""
    return TEXTS["en" if lang == "en" else "zh"][key].format(**kw)
