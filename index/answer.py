"""Compose replies: the message in the asker's language around verbatim clause quotes."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from .corpus import Policy
from .sections import Clause

_SPACES = re.compile(r"\s+")
EXAMPLES = {
    "zh": ["怎么注销账号？", "会收集我的位置信息吗？", "会把我的信息分享给第三方吗？"],
    "en": ["How do I delete my account?", "Do you share my data with advertisers?",
           "Where is my data stored?"],
}


@dataclass
class Answer:
    """One quoted clause, as the API returns it."""

    policy_id: str
    policy_title: str
    product: str
    section_id: str
    heading: str
    quote: str
    url: str
    source_url: str | None
    updated: str | None
    score: float

    @classmethod
    def of(cls, policy: Policy, clause: Clause, score: float, base_url: str = "") -> "Answer":
        return cls(policy.id, policy.title, policy.product, clause.section_id, clause.heading,
                   quote_of(clause), f"{base_url.rstrip('/')}{policy.page}#{clause.anchor}",
                   policy.source_url, policy.updated, round(score, 4))


@dataclass
class Reply:
    question: str
    answered: bool
    message: str
    lang: str
    answers: list[Answer] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def quote_of(clause: Clause) -> str:
    """The clause text with whitespace collapsed: one line per paragraph or list item."""
    return "\n".join(_SPACES.sub(" ", ln).strip() for ln in clause.text.split("\n") if ln.strip())


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2twp")


def _localize(text: str, lang: str) -> str:
    """Framing text in Traditional Chinese for a Traditional question (quotes stay as they are)."""
    return _s2t().convert(text) if lang == "zh-Hant" else text


def _base(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def compose(question: str, lang: str, answers: list[Answer], policies: dict[str, Policy]) -> Reply:
    """The message names product, heading path and version date; titles, headings and quotes
    are cited as the policy writes them, only the framing follows the asker's language."""
    best = answers[0]
    if _base(lang) == "en":
        date = best.updated or "unknown date"
        name = policies[best.policy_id].latin_name
        msg = (f"The {name} privacy policy ({best.policy_title}, version of {date}) "
               f"answers this in “{best.heading}”:\n\n{best.quote}\n\n"
               f"Open the clause: {best.url}")
        if len(answers) > 1:
            msg += "\n\nSee also: " + "; ".join(
                f"{policies[a.policy_id].latin_name} › {a.heading}" for a in answers[1:])
    else:
        t = lambda s: _localize(s, lang)  # noqa: E731 - framing words only
        date = best.updated or t("日期不详")
        msg = (t("根据") + f"《{best.policy_title}》（{best.product}，{date} " + t("版") + "）"
               f"「{best.heading}」：\n\n{best.quote}\n\n" + t("查看原文：") + best.url)
        if len(answers) > 1:
            msg += "\n\n" + t("相关条款：") + "；".join(f"{a.product} › {a.heading}" for a in answers[1:])
    return Reply(question, True, msg, lang, answers)


LISTED = 8  # products named in a "not answered" reply; a large corpus is summed up after them


def not_answered(question: str, lang: str, policies: list[Policy],
                 missing: list[str] = ()) -> Reply:
    """A polite "the policies do not answer this", with what can be asked instead; `missing`
    names the products asked about whose policies are not here."""
    shown, more = policies[:LISTED], len(policies) - LISTED
    if _base(lang) == "en":
        known = ", ".join(f"{p.latin_name} ({p.title})" for p in shown)
        known += f" and {more} more" if more > 0 else ""
        opening = ("Sorry, I do not have the privacy policy of " + " or ".join(missing) + ". "
                   if missing else
                   "Sorry, I could not find a clause in the privacy policies that answers this. ")
        msg = (opening + "I answer questions about how these products collect, use, share, "
               f"store and protect personal information, and about your rights: {known}. "
               "For example: " + " / ".join(EXAMPLES["en"]))
    else:
        known = "、".join(f"{p.product}（《{p.title}》）" for p in shown)
        known += _localize(f"等 {len(policies)} 个产品", lang) if more > 0 else ""
        opening = ("抱歉，我这里没有" + "、".join(f"「{m}」" for m in missing) + "的隐私政策。"
                   if missing else "抱歉，隐私政策中没有找到能回答这个问题的条款。")
        msg = (_localize(opening + "我可以回答这些产品如何收集、使用、共享、存储和保护个人信息，"
                         "以及您有哪些权利：", lang)
               + known + _localize("。例如：" + " / ".join(EXAMPLES["zh"]), lang))
    return Reply(question, False, msg, lang, [])
