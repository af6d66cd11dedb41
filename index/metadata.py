"""What a raw policy says about itself: title, product, language, date, other names.

Curated files state these in front matter; for a file dropped in as it comes, they are guessed
from the text here, once, when the file is loaded.
"""
from __future__ import annotations

import datetime as dt
import re

TITLE_HINT = re.compile(r"隐私政策|隐私权政策|隐私条款|隐私保护|隱私政策|隱私權政策|privacy (policy|notice)", re.I)
_DATE = re.compile(
    r"(?:更新|生效|发布|更新日期|更新时间|生效日期|last updated|updated|effective)[^0-9\n]{0,12}"
    r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})", re.I)

_PRONOUNS = {"我们", "我司", "本公司", "公司", "您", "用户", "本应用", "本产品", "本平台", "本政策", "产品"}


def guess_title(text: str, fallback: str) -> str:
    """The first short line naming a privacy policy, preferring one that names a product
    ("盟畅云会议隐私政策" over a menu's "隐私条款"), or a page title's "隐私条款 - 盟畅云会议"."""
    candidates = []
    for line in text.splitlines()[:60]:
        s = line.strip().lstrip("#").strip()
        if s and len(s) <= 60 and TITLE_HINT.search(s) and not re.search(r"[。，；：！？,;!?]", s):
            candidates.append(s)
    for s in candidates:
        if len(s) <= 40 and " - " not in s and "|" not in s and TITLE_HINT.sub("", s).strip(" 《》-—:："):
            return s
    for s in candidates:
        if " - " in s:  # a web page's title: "隐私条款 - 盟畅云会议"
            parts = [p.strip() for p in s.split(" - ")]
            named = [p for p in parts if not TITLE_HINT.fullmatch(p) and len(p) <= 20]
            if named and any(TITLE_HINT.fullmatch(p) for p in parts):
                return f"{named[0]}{TITLE_HINT.search(s).group(0)}"
    return candidates[0] if candidates and len(candidates[0]) <= 40 else fallback


def guess_product(title: str, text: str, fallback: str) -> str:
    product = TITLE_HINT.sub("", title).strip(" 《》-—:：")
    if product:
        return product
    for m in re.finditer(r"[《“\"]([^《》“”\"]{2,20}?)(?:隐私政策|隐私条款|服务条款|》|”)", text[:5000]):
        name = m.group(1).strip("(（“ ")
        if name not in _PRONOUNS and not TITLE_HINT.search(name):
            return name
    m = re.search(r"[(（“]+([A-Za-z0-9\u4e00-\u9fff]{2,20})[)）”]", text[:2000])
    return m.group(1) if m else fallback


def guess_language(text: str) -> str:
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "en" if latin > 4 * cjk else "zh"


def derived_aliases(product: str) -> list[str]:
    """Other names a question may use: the Latin part of a mixed name ("vymeet" of
    "vymeet云会议") and the name without a generic suffix ("星云笔记" of "星云笔记App")."""
    out = []
    if not product.isascii():
        out += re.findall(r"[A-Za-z][A-Za-z0-9]{2,}", product)
    short = re.sub(r"(?i)(app|应用|软件|平台|客户端|服务)$", "", product).strip()
    if short and short != product and len(short) >= 2:
        out.append(short)
    return out


def guess_date(text: str) -> str | None:
    m = _DATE.search(text[:5000])
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


