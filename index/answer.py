"""Compose replies: the message in the asker's language around verbatim clause quotes."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .corpus import Policy
from .sections import Clause

_SPACES = re.compile(r"\s+")
# Example questions offered to askers, per reply language. The Traditional ones are written
# by hand in Taiwan usage (註銷帳號, 蒐集, 資料), not converted from the Simplified ones.
EXAMPLES = {
    "zh": ["怎么注销账号？", "会收集我的位置信息吗？", "会把我的信息分享给第三方吗？"],
    "zh-Hant": ["怎麼註銷帳號？", "會蒐集我的位置資訊嗎？", "會把我的資料分享給第三方嗎？"],
    "en": ["How do I delete my account?", "Do you share my data with advertisers?",
           "Where is my data stored?"],
}

# The words around a Chinese reply, written by hand for each script: OpenCC's phrase
# conversion of the Simplified ones turned 注销 (close the account) into 登出 (log out).
_ZH = {
    "zh": {"per": "根据", "edition": "版", "no_date": "日期不详", "open": "查看原文：",
           "related": "相关条款：", "and_more": "等 {n} 个产品",
           "missing": "抱歉，我这里没有{names}的隐私政策。",
           "none": "抱歉，隐私政策中没有找到能回答这个问题的条款。",
           "offer": "我可以回答这些产品如何收集、使用、共享、存储和保护个人信息，以及您有哪些权利：",
           "for_example": "。例如："},
    "zh-Hant": {"per": "根據", "edition": "版", "no_date": "日期不詳", "open": "查看原文：",
                "related": "相關條款：", "and_more": "等 {n} 個產品",
                "missing": "抱歉，我這裡沒有{names}的隱私政策。",
                "none": "抱歉，隱私政策中沒有找到能回答這個問題的條款。",
                "offer": "我可以回答這些產品如何蒐集、使用、分享、儲存和保護個人資料，以及您有哪些權利：",
                "for_example": "。例如："},
}


def examples(lang: str) -> list[str]:
    """The example questions for a reply language (zh, zh-Hant, en; others get zh)."""
    return EXAMPLES.get(lang, EXAMPLES["zh"])


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
        w = _ZH.get(lang, _ZH["zh"])
        date = best.updated or w["no_date"]
        msg = (w["per"] + f"《{best.policy_title}》（{best.product}，{date} " + w["edition"] + "）"
               f"「{best.heading}」：\n\n{best.quote}\n\n" + w["open"] + best.url)
        if len(answers) > 1:
            msg += "\n\n" + w["related"] + "；".join(f"{a.product} › {a.heading}" for a in answers[1:])
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
        w = _ZH.get(lang, _ZH["zh"])
        known = "、".join(f"{p.product}（《{p.title}》）" for p in shown)
        known += w["and_more"].format(n=len(policies)) if more > 0 else ""
        opening = (w["missing"].format(names="、".join(f"「{m}」" for m in missing))
                   if missing else w["none"])
        msg = (opening + w["offer"] + known + w["for_example"]
               + " / ".join(examples(lang)))
    return Reply(question, False, msg, lang, [])
