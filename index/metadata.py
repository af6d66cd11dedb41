"""What a raw policy says about itself: title, product, company, language, date, other names.

Curated files state these in front matter; for a file dropped in as it comes, they are guessed
from the text here, once, when the file is loaded (`guess_metadata`).

The guesses read the shapes of a policy's own sentences and lines, never lists of products:

- the title line among the first lines ("58同城隐私政策（2022年6月）", "Dropbox Privacy Policy",
  "Privacy Policy | Slack"); a numbered section heading ("10、本隐私政策的变更") or a generic
  line ("隐私政策", "本隐私政策将帮您了解…") is not one;
- the sentences a policy names itself with: 《X隐私政策》, "欢迎使用X", "X是由…提供",
  "作为X的运营者", "X（以下简称“Y”）", "“X”指…", "Welcome to X", "X, Inc. (“X”, “we”)";
- its dates: "更新日期：2022 年 08 月 01 日", "本隐私政策于2022年1月19日更新",
  "Last updated: September 29, 2024", "Effective as of 10 October 2024".

A name is a candidate only if it looks like one: 2–20 characters, no brackets or quotes, not a
word any policy uses for itself ("我们", "本平台", "APP", "用户"), not a heading or a law.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

# The kind of document a title names ("隐私政策", "隐私保护指引", "个人信息保护政策", …).
KIND = re.compile(
    r"(?:用户)?(?:个人信息(?:及|和|与|以及)?)?(?:隐私|隱私)(?:权|權|信息)?(?:保护|保護)?"
    r"(?:政策|指引|协议|協議|条款|條款|声明|聲明|规则|規則)"
    r"|个人信息保护(?:政策|指引|规则|声明)|个人信息处理规则"
    r"|privacy\s+(?:policy|notice|statement)", re.I)
TITLE_HINT = KIND  # what corpus.py checked a title against before (kept for callers)

_CJK = r"\u4e00-\u9fff"
_DECOR = "《》“”\"「」『』【】〈〉<>‘’'＜＞"
_SENTENCE = re.compile(r"[。，；！？!?;]|，|(?<=[a-z]), ")
_NUMBERED = re.compile(
    r"^\s*(?:\d+(?:[.．]\d+)*\s*[、.．)）]|\d+\s+\S|[一二三四五六七八九十百]+\s*[、.．]"
    r"|第[一二三四五六七八九十百\d]+\s*[部章条節节篇款]|[（(][一二三四五六七八九十\d]+[)）]"
    r"|[ivxIVX]+[.)、]\s|[a-zA-Z][.)、]\s)")
# Words a policy calls itself, its readers or its kind of software, never a product's name.
_GENERIC = {
    "我们", "我司", "我方", "我行", "本公司", "公司", "您", "你", "用户", "本应用", "应用", "本产品",
    "产品", "本平台", "平台", "本政策", "本软件", "软件", "服务", "本服务", "网站", "本网站", "客户端",
    "游戏", "本游戏", "手游", "移动应用", "手机银行", "电子银行", "网上银行", "关联公司", "运营者",
    "服务提供者", "第三方", "合作方", "会员", "账号", "帐号", "简版", "摘要", "概要", "引言", "前言",
    "导言", "目录", "更新", "更新提示", "版本更新提示", "重要提示", "特别提示", "法律条款", "下载",
    "app", "apps", "application", "sdk", "api", "cookie", "cookies", "wifi", "wlan", "gps", "id",
    "ip", "vip", "tv", "pc", "web", "ios", "android", "game", "games", "online", "office", "mobile",
    "china", "inc", "ltd", "the", "privacy", "policy", "notice", "terms", "service", "services",
    "user", "users", "we", "us", "our", "you", "site", "website", "company", "http", "https",
    "www", "com", "cn", "net", "org", "help", "support", "contact", "email", "mail",
}
# Words that make a string a document, a law, a section or a group of people rather than a name.
_NOT_NAME = re.compile(
    r"隐私|隱私|政策|协议|協議|条款|條款|指引|声明|規則|规则|须知|法$|通知|规范|规定|办法|标准|"
    r"个人信息|儿童|未成年|监护人|第三方|以下|上述|相关|更新|生效|日期|时间|目录|我们|您|你们|"
    r"privacy|policy|notice|cookie", re.I)
_BAD_START = re.compile(
    r"^(?:本|该|此|我们|我司|我方|我行|您|你|贵|其他|其|各|上述|以下|第[一二三四五六七八九十\d]|如果|如您|若|"
    r"请|为了|关于|根据|欢迎|感谢|使用|选择|通过|包括|除了|平台及|并|且|但|而|the |this |our |your |a )", re.I)
_COMPANY_END = re.compile(
    r"(?:有限公司|有限责任公司|股份公司|集团|公司|分行|支行|研究所|事务所|"
    r"\bInc\.?|\bLLC|\bL\.L\.C\.|\bLtd\.?|\bLimited|\bGmbH|\bCorp\.?|\bCorporation|\bplc|\bPLC"
    r"|\bS\.A\.|\bB\.V\.|\bAG|\bAB|\bPte\.? Ltd\.?)$")
_COMPANY_ZH = re.compile(
    rf"[{_CJK}A-Za-z0-9·]{{2,30}}?(?:[（(][{_CJK}]{{2,8}}[)）][{_CJK}A-Za-z0-9·]{{0,20}}?)?"
    r"(?:股份有限公司|有限责任公司|有限公司)")
_COMPANY_EN = re.compile(
    r"\b((?:[A-Z][\w&'.-]*[ ,]+){0,4}?[A-Z][\w&'-]*),?\s+"
    r"(Inc\.|Inc\b|LLC|Ltd\.|Ltd\b|Limited|GmbH|Corp\.|Corporation|plc|S\.A\.|B\.V\.|AG|AB|"
    r"Pte\. Ltd\.|FZ-LLC)")
# What a policy calls the product or its operator when it means itself ("以下简称“我们”").
_SELF = re.compile(r"我们|我方|我司|我行|本公司|本行|本平台|本软件|本产品|本应用|本款产品|本APP|本App|APP|App|"
                   r"平台|公司|本服务|本网站|本游戏|本客户端|we|us")
# Left edges of a name inside a sentence: what comes before it is not part of it.
_LEFT = re.compile(
    r"^.*(?:欢迎您?(?:使用|选择|来到|访问)?|感谢您?(?:使用|选择)?|本次|选择由|选择|使用|"
    r"服务提供者|提供方|运营方|运营者[为是：:]?|即|指|系|是|由|我司)")
# Endings that describe a name rather than belong to it, in the order they are taken off.
_ALWAYS_OFF = re.compile(r"(?:用户|服务提供者|提供者|运营方|(?:的)?产品(?:和|与|及|或|与/或)服务|产品|服务)$")
_SUFFIX_OFF = re.compile(rf"(?:手游|移动客户端|客户端|移动应用|应用程序|應用|(?<=[{_CJK}\s])(?:APP|App|app))$")
_SUFFIX_IF_USED = re.compile(r"(?:平台|社区|软件|網站|网站|官网)$")
_EDITION = re.compile(
    r"[（(【\[][^（）()【】\[\]]{0,24}(?:\d{4}|版|[Vv]\d|摘要|概要|简|详细|完整|更新|修订)"
    r"[^（）()【】\[\]]{0,24}[）)】\]]|(?:简版|简明版|摘要版|摘要|概要|详细版|完整版|精简版)$")


@dataclass
class Metadata:
    """What the text says about itself (or the file's stem where it says nothing)."""

    title: str
    product: str
    aliases: list[str] = field(default_factory=list)
    company: str | None = None
    updated: str | None = None
    language: str = "zh"


# ---------------------------------------------------------------------------------------------
# Names


def _squash(s: str) -> str:
    """Spaces between two CJK characters go ("《剑侠世界3》手游 隐私政策"); others stay."""
    s = re.sub(r"\s+", " ", s).strip()
    return re.sub(rf"(?<=[{_CJK}》”】」）)]) (?=[{_CJK}《“【「（(])|(?<=[{_CJK}]) (?=[A-Za-z0-9])"
                  rf"|(?<=[A-Za-z0-9]) (?=[{_CJK}])", "", s) if re.search(f"[{_CJK}]", s) else s


def _undecorate(s: str) -> str:
    s = _EDITION.sub("", s)
    s = s.translate({ord(c): None for c in _DECOR})
    s = _squash(s)
    return s.strip(" -—–_:：·•|｜/、,，.。*#")


def is_generic(name: str) -> bool:
    return name.casefold().strip() in _GENERIC


def _is_company(name: str) -> bool:
    return bool(_COMPANY_END.search(name))


def looks_like_name(name: str) -> bool:
    """A string a user could type to mean one product."""
    n = name.strip()
    if not 2 <= len(n) <= 20 or is_generic(n):
        return False
    if re.search(r"[\s　]{2,}|[。，；！？!?;,、：:（）()《》“”\"「」【】\[\]<>{}|/\\@=+*#%$]", n):
        return False
    if _NOT_NAME.search(n) or _BAD_START.search(n) or _NUMBERED.match(n + " "):
        return False
    if re.search(r"等$|过程|产生|提交|以及|或者|之间|信息|数据|[的或]\S*[的或等]", n):  # a phrase, not a name
        return False
    if not re.search(rf"[{_CJK}]|[A-Za-z].*[A-Za-z]", n):
        return False
    if re.fullmatch(r"[\d\s.\-]+|[A-Za-z]", n):
        return False
    words = re.findall(r"[A-Za-z]+", n)
    return not (words and not re.search(f"[{_CJK}]", n) and all(is_generic(w) for w in words))


def spelling(name: str, text: str) -> str:
    """A Latin name as the text mostly writes it: "WeChat" for a title's "WECHAT", "Reddit" for
    a page title's "reddit", "DuckDuckGo" for "duckduckgo"."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9 .&'-]*", name):
        return name
    word = rf"(?<![\w./@-]){re.escape(name)}(?![\w@-]|\.\w)"  # not inside an address
    seen = Counter(m.group(0) for m in re.finditer(word, text, re.I))
    if not seen:
        return name
    best, n = seen.most_common(1)[0]
    return best if n > seen.get(name, 0) else name


def _standalone(text: str, short: str, full: str) -> int:
    """How often `short` occurs in the text other than as the start of `full`."""
    rest = full[len(short):]
    return sum(1 for m in re.finditer(re.escape(short), text) if not text.startswith(rest, m.end()))


def _trim(name: str, text: str) -> tuple[str, list[str]]:
    """The name without what only describes it ("QQ炫舞手游" → "QQ炫舞", "雷霆游戏用户" →
    "雷霆游戏", "喜马拉雅平台" → "喜马拉雅" when the text says 喜马拉雅 alone), and the longer
    forms a user may also type."""
    longer = []
    while True:
        for rx, needs_use in ((_ALWAYS_OFF, False), (_SUFFIX_OFF, False), (_SUFFIX_IF_USED, True)):
            m = rx.search(name)
            if not m:
                continue
            short = name[:m.start()].strip(" -·")
            if not looks_like_name(short) or (needs_use and _standalone(text, short, name) < 2):
                continue
            if rx is _SUFFIX_OFF or m.group(0) in ("平台", "社区"):
                longer.append(name)
            name = short
            break
        else:
            return name, longer


def _split_company(name: str) -> tuple[str, str | None]:
    """"中国银行股份有限公司手机银行" → ("中国银行手机银行", "中国银行股份有限公司")."""
    m = re.search(r"(?:股份有限公司|有限责任公司|有限公司)(?=.)", name)
    if not m:
        return name, None
    company = name[:m.end()]
    return name[:m.start()].removesuffix("股份") + name[m.end():], company


class _Names:
    """Candidate names with the weight of the evidence for each."""

    def __init__(self, text: str):
        self.text = text
        self.score: Counter[str] = Counter()
        self.first: dict[str, int] = {}
        self.longer: dict[str, list[str]] = {}
        self.short: dict[str, list[str]] = {}  # names the text gives as this one's short forms
        self.companies: list[tuple[int, int, str]] = []  # (rank, position, name)
        self.tally: Counter[tuple[str, str]] = Counter()

    def add(self, raw: str, weight: float, pos: int, short: list[str] | None = None,
            cap: tuple[str, float] | None = None) -> str | None:
        """Count `weight` for the name in `raw`; `cap`: (kind of evidence, most it adds up to)."""
        name = _undecorate(raw)
        name, company = _split_company(name)
        if company:  # the company's own short name is a name of its product too (中国银行)
            self.add_company(company, pos)
            base = _COMPANY_END.sub("", company).removesuffix("股份")
            if looks_like_name(base) and base in name:
                short = [*(short or []), base]
        latin = re.fullmatch(
            rf"([{_CJK}]{{2,}}[{_CJK}0-9]*)\s*[（(]([A-Za-z][A-Za-z0-9 .&-]{{1,30}})[)）]", name)
        if latin:  # "哔哩哔哩（bilibili）"
            name = latin.group(1)
            short = [*(short or []), latin.group(2).strip()]
        name = name.strip()
        if _is_company(name):
            self.add_company(name, pos)
            return None
        name, longer = _trim(name, self.text)
        if not looks_like_name(name):
            return None
        name = spelling(name, self.text)
        if cap and weight > 0:
            kind, most = cap
            weight = max(0.0, min(weight, most - self.tally[(name, kind)]))
            self.tally[(name, kind)] += weight
        self.score[name] += weight
        self.first[name] = min(pos, self.first.get(name, pos))
        for n in longer:
            self.longer.setdefault(name, [])
            if n not in self.longer[name]:
                self.longer[name].append(n)
        for s in short or []:
            s = _undecorate(s)
            if s != name and s not in self.short.setdefault(name, []):
                self.short[name].append(s)
        return name

    def add_company(self, raw: str, pos: int, rank: int = 1) -> None:
        name = clean_company(raw)
        if name:
            self.companies.append((rank, pos, name))

    def best(self) -> str | None:
        names = [n for n in self.score if self.score[n] > 0]
        if not names or max(self.score[n] for n in names) < 2:
            return None  # a passing mention ("《通用服务条款》") does not name the product
        top = max(names, key=lambda n: (self.score[n], -self.first[n]))
        # "米哈游原神" when the text's own policy title is 《原神…》: the name is the shorter one
        for n in names:
            if n != top and len(n) >= 2 and top.endswith(n) and self.score[n] >= 2:
                self.longer.setdefault(n, []).append(top)
                return n
        return top


def _before(text: str, end: int, span: int = 40) -> str:
    """The name that ends at `end`: back to a punctuation mark, a quote or a left edge word."""
    seg = text[max(0, end - span):end].rstrip(" 　")
    seg = re.sub(r"(?:及其?|以及|和其?|或其)(?:各)?(?:关联公司|关联方|运营关联单位|附属公司|子公司)$", "", seg)
    seg = re.sub(r"(?:服务提供者|提供方|运营方)$", "", seg)
    if _COMPANY_ZH.search(seg) and re.search(r"(?:有限公司|有限责任公司)$", seg):
        m = list(_COMPANY_ZH.finditer(seg))[-1]
        return seg[m.start():]
    closing = seg.endswith(("”", "」", "》", "】", '"'))
    seg = seg.rstrip("”」》】\"")
    cut = max(seg.rfind(c) for c in "。，；;！!？?\n、：:“「《【（(\"\t")
    piece = seg[cut + 1:]
    if not closing:  # "我们是 中小学网络云平台": a space between two CJK characters ends a name
        piece = re.split(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])", piece)[-1]
    return _LEFT.sub("", piece).strip()


def _after(text: str, start: int, span: int = 30) -> str:
    """The name that starts at `start`: up to punctuation or a word that ends it."""
    seg = text[start:start + span]
    if seg[:1] in "“「《【\"":
        close = {"“": "”", "「": "」", "《": "》", "【": "】", '"': '"'}[seg[0]]
        j = seg.find(close, 1)
        if j > 0:
            return seg[1:j]
    m = re.match(r"[^。，；;！!？?\n、：:（(“”《》「」]+", seg)
    piece = m.group(0) if m else ""
    piece = re.split(r"提供的|为您提供|所提供|的产品|产品和服务|产品及服务|及其?相关服务|的服务|服务[！!]|"
                     r"是由|是一款|系由|由|的运营者", piece)[0]
    return piece.strip()


def _policy_title(line: str) -> tuple[str | None, str | None]:
    """(name, kind) of a title line naming a policy, else (None, kind or None)."""
    s = re.sub(r"^[#>*\s]+|[*\s]+$", "", line).replace("**", "")
    if not s or len(s) > 80 or _NUMBERED.match(s) or s.endswith(("：", ":")):
        return None, None  # a heading of a numbered section, or a sentence leading into a list
    parts = [p.strip() for p in re.split(r"\s+[-–—|｜]\s+|\s*[|｜]\s*", s) if p.strip()]
    if len(parts) > 1:  # a web page's title: "隐私条款 - 盟畅云会议", "Privacy Policy | Slack"
        kinds = [p for p in parts if KIND.search(p)]
        if not kinds:
            return None, None
        name, kind = _policy_title(kinds[0])
        if name:
            return name, kind
        kind = KIND.search(kinds[0]).group(0)
        others = [p for p in parts if p not in kinds and looks_like_name(_undecorate(p))]
        return (others[0] if others else None), kind
    m = KIND.search(s)
    if not m:
        return None, None
    kind = m.group(0)
    head, tail = s[:m.start()], s[m.end():]
    if _SENTENCE.search(head) or re.search(r"将|帮助|了解|以下|内容|说明|如下|主要|进行|旨在", tail) \
            or len(_undecorate(tail)) > 12 and not re.match(r"\s*(?:for|of)\b", tail, re.I):
        return None, kind
    if re.match(r"\s*(?:for|of)\s+\S", tail, re.I) and not _undecorate(head):  # "… for X"
        head = re.sub(r"^\s*(?:for|of)\s+", "", tail, flags=re.I)
    head = re.sub(r"(?:’s|'s|的|:)\s*$", "", head.strip())
    head = re.sub(r"^[^\s]+\.(?:com|net|org|io|cn)\b", lambda d: d.group(0).split(".")[0],
                  head.strip())  # "reddit.com: privacy policy"
    return (head or None), kind


def _kind_of(text: str) -> str:
    kinds = Counter(m.group(0) for m in KIND.finditer(text[:8000]))
    for k, _ in kinds.most_common():
        return re.sub(r"^用户", "", k)
    return "隐私政策"


# Words around a document's name that make it another document than this one.
_REFERENCE_BEFORE = re.compile(r"(?:在|除|与|和|及|、|遵守|参照|适用|如|如其与|阅读|查阅|参见|详见|请见)\s*$")
_REFERENCE_AFTER = re.compile(r"\s*(?:的基础上|外|、\s*《|与本|和本|及本|存在|中的|的约定|的规定|相关)")


def _refers_elsewhere(head: str, m: re.Match) -> bool:
    """Whether the title matched is another document the text refers to (在《…》的基础上,
    除《…》外, 遵守《…》), by the words around it."""
    return bool(_REFERENCE_BEFORE.search(head[max(0, m.start() - 8):m.start()])
                or _REFERENCE_AFTER.match(head[m.end():m.end() + 14]))


def _scan(text: str) -> tuple[_Names, str | None, str | None]:
    """Collect the candidate names; also the title line (if it names something) and its kind."""
    names = _Names(text)
    head = text[:12000]
    lines = [ln for ln in text.splitlines() if ln.strip()][:40]
    title_line, title_kind = None, None
    for pos, ln in enumerate(lines):
        if pos >= 15 and title_line:
            break  # past the opening lines only while no title was seen (a page's menu first)
        name, kind = _policy_title(ln)
        title_kind = title_kind or kind
        if name:
            got = names.add(name, (10 if pos < 15 else 6) if title_line is None else 3, pos)
            bare = re.sub(r"[（(][A-Za-z0-9 .&-]+[)）]$", "", _undecorate(name))
            if title_line is None and (got or _is_company(bare)):
                title_line = ln

    # 《X隐私政策》 and 《<X>隐私保护指引》: the policy by its name (or another one it refers to)
    own = r"《\s*[<＜〈]?([^《》]{1,30}?)[>＞〉]?\s*(" + KIND.pattern + r")[^《》]{0,8}》"
    for m in re.finditer(own, head):
        w, after = 2.0, head[m.end():m.end() + 14]
        if _refers_elsewhere(head, m):
            w = -1.5 if "基础上" in after else 0.0  # another document: "在《游戏隐私保护指引》的基础上"
        if re.match(r"\s*[（(](?:以下|下文)?(?:简称|称)(?:为)?\s*[“\"「]?(?:本|《?(?:隐私|個人|个人))", after):
            w = 6.0  # 《腾讯隐私政策》（以下简称“本隐私政策”）: the document names itself
        names.add(m.group(1), w, 20 + m.start(), cap=("own title", 6.0))
    for m in re.finditer(r"《\s*([^《》]{2,20})\s*》", head):  # 《和平精英》: a product's name as a title
        if not KIND.search(m.group(1)):
            names.add(m.group(1), 0.5, 20 + m.start())
    # 欢迎使用X / 感谢您使用X / 欢迎您选择由…提供的X
    for m in re.finditer(r"(?:欢迎|感谢)(?:您|你)?(?:接受和)?(?:使用|选择|来到|访问|信任)"
                         r"(?:由[^。！!，]{2,60}?(?:提供|运营|开发)的)?", head):
        names.add(_after(head, m.end()), 3, 20 + m.start())
    # 为X单独配置了《…》
    for m in re.finditer(r"为(?:《)?([^《》，。]{2,20}?)(?:》)?单独配置", head):
        names.add(m.group(1), 4, 20 + m.start())
    # X是(一款)由… / X系由… / X是…运营的
    for m in re.finditer(r"(?:是一款|是由|系由|是一款由)", head):
        names.add(_before(head, m.start()), 4, 20 + m.start())
    # 作为“X”的运营者 / X的运营者为…
    for m in re.finditer(r"作为\s*([^，。；的]{2,24}?)\s*的运营者", head):
        names.add(m.group(1), 4, 20 + m.start())
    for m in re.finditer(r"(?:(?:网页|网站|官网|PC端|移动端)\s*(?:及|和|与|、)\s*(?:App|APP|app|客户端|小程序))?"
                         r"\s*的运营者(?:为|是|：|:)", head):
        names.add(_before(head, m.start()), 3, 20 + m.start())
    # (“X)致力于… : a name in brackets opening a paragraph
    for m in re.finditer(r"(?:^|\n)[ \t]*[（(]\s*[“\"]([^（）()“”\"\n]{2,20}?)[”\"]?\s*[)）]", head):
        names.add(m.group(1), 3, 20 + m.start())
    # the product's other documents: “X服务条款”, 《X用户协议》
    for m in re.finditer(r"[《“]\s*([^《》“”]{2,20}?)(?:服务条款|用户协议|服务协议|许可及服务协议|软件许可协议)\s*[》”]", head):
        if not _refers_elsewhere(head, m):
            names.add(m.group(1), 1, 20 + m.start(), cap=("other documents", 2.0))
    # “X”指… (the policy's definition of its product)
    for m in re.finditer(r"(?:^|\n)\s*[“\"]([^“”\"\n]{2,20})[”\"]指", head):
        names.add(m.group(1), 3, 20 + m.start())
    # 的“X”产品 / 尊敬的X用户
    for m in re.finditer(r"的“([^“”]{2,20})”(?:产品|软件|App|APP)", head):
        names.add(m.group(1), 3, 20 + m.start())
    for m in re.finditer(r"尊敬的([^\s，。：:“”]{2,12}?)用户", head):
        names.add(m.group(1), 1, 20 + m.start())
    # 我们提及的“X”、“我们”… : X is the policy's name for itself
    for m in re.finditer(r"“([^“”]{2,20})”(?:、|或|和|，|,)\s*“(?:我们|我方)”", head):
        names.add(m.group(1), 3, 20 + m.start())
    # X（以下简称“Y”或“我们”）: a company or product X and its short names Y (合称/统称 name a
    # group of things, not X)
    for m in re.finditer(r"([（(]|[，,]\s*)\s*(?:以下|下文|下|或|亦|又)*(?:简称|称为|称之为|称|也称|或称)(?:为|之为)?\s*"
                         r"((?:[“「\"][^”」\"]{1,24}[”」\"][、或和及,，\s]*)+)", head):
        shorts = [s for s in re.findall(r"[“「\"]([^”」\"]{1,24})[”」\"]", m.group(2))]
        good = [s for s in shorts
                if looks_like_name(_undecorate(s)) and not _is_company(_undecorate(s))]
        if m.group(1).strip() in "，,":  # "…的运营者，以下或称之为“Wink”或“Meitu Wink”": one another's names
            for s in good:
                names.add(s, 1, 20 + m.start(), short=[o for o in good if o != s])
            continue
        subject = _before(head, m.start())
        itself = [s for s in shorts if _SELF.fullmatch(_undecorate(s))]
        if not subject or KIND.search(subject) or not (good or itself):
            continue  # "…等信息（以下称“该等信息”）"
        if _is_company(_undecorate(subject)) or re.search(r"(?:有限公司|有限责任公司)$", subject):
            we = any(re.fullmatch(r"我们|我行|我司|本公司|本行|我方", s) for s in shorts)
            names.add_company(subject, 20 + m.start(), 0 if we else 1)
            for s in good:
                names.add(s, 2, 20 + m.start())
        else:
            names.add(subject, 4, 20 + m.start(), short=good)
    # English: Welcome to X / This Privacy Policy describes how X … / X, Inc. (“X”, “we”)
    for m in re.finditer(r"\b(?:Welcome to|Thank you for (?:using|choosing))\s+"
                         r"((?:the\s+)?[A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*){0,3})", head):
        names.add(re.sub(r"^the\s+|[.']+$", "", m.group(1)), 3, 20 + m.start())
    for m in re.finditer(r"\b(?:describes|explains|sets out|tells you)\s+how\s+"
                         r"((?:[A-Z][\w&'-]*\s?){1,4}?)"
                         r"(?:\s*\(|,|\s+(?:and|collects|uses|processes|handles|we)\b)", head):
        names.add(m.group(1).strip(), 2, 20 + m.start())
    for m in re.finditer(r"[(（]\s*[“\"]([A-Z][\w .&'-]{1,30}?),?[”\"]\s*(?:,|or|and)?\s*"
                         r"[“\"]?(?:we|us|our)\b", head):
        names.add(m.group(1).strip(), 3, 20 + m.start())
    for m in re.finditer(r"(?:When we (?:talk about|say|refer to)|References to)\s+"
                         r"[“\"]([A-Z][\w .&'-]{1,30}?),?[”\"]", head):
        names.add(m.group(1).strip(), 3, 20 + m.start())
    return names, title_line, title_kind


_PLACES = re.compile(
    "北京|上海|天津|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|"
    "海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|深圳|广州|杭州|南京|"
    "武汉|成都|西安|苏州|厦门|珠海|芜湖|长沙|青岛|大连|宁波|合肥|福州|济南|郑州|沈阳|哈尔滨|长春|昆明|"
    "南宁|贵阳|无锡|东莞|佛山|中国")
_COMPANY_LEFT = re.compile(
    r"^.*(?:旨在介绍|仅适用于|适用于|包括|使用|均意为|提供方|提供者|运营者|运营方|运营主体|控制方|"
    r"子公司|引中的?|前言|现|并|的|由|为|是|即|指|作为|与|和|及|或|名称|：|:)(?=.{4,}$)")


def clean_company(raw: str) -> str | None:
    """A company's name without the words of the sentence around it: "由深圳雷霆信息技术有限公司"
    → 深圳雷霆信息技术有限公司; None when what is left is not a company's name."""
    s = re.split(r"[】]", raw)[-1]
    dot = s.rstrip().endswith(".") and re.search(r"(?:Inc|Ltd|Corp|Co|B\.V|S\.A)\.$", s.rstrip())
    s = _undecorate(s) + ("." if dot else "")
    s = re.sub(r"(?:及其?|以及|和其?|或其)(?:旗下)?(?:各)?(?:关联公司|关联方|运营关联单位|附属公司|子公司)$", "", s)
    two = re.search(r"(?:股份有限公司|有限责任公司|有限公司)(?=(?:和|与|及|以及|、)\S)", s)
    if two:  # "…计算机系统有限公司和…天游科技有限公司": the first
        s = s[:two.end()]
    if re.search(f"[{_CJK}]", s):
        head = re.split(r"[（(]", s)[0]
        place = _PLACES.search(head)
        if place and place.start() > 0:
            s = s[place.start():]
        elif not place:
            s = _COMPANY_LEFT.sub("", s)
    else:
        s = re.sub(r"^(?:(?:The|We|Our|This|If|Please|For|In|As|By|You|All|Any|Each|and|or)\s+)+",
                   "", s)
    if not 4 <= len(s) <= 60 or re.search(r"[，。；！？;!?]", s) or not _is_company(s):
        return None
    if re.match(r"(?:关联|第三方|合作|其他|相关|上述|该|本|各|平台|我们|您)", s):
        return None
    return s


_THIRD_PARTY_LEFT = re.compile(r"(?:SDK|sdk|第三方|合作方|合作伙伴|服务商|提供商|供应商|名称|支付|授权|机构|包括|如)"
                               r"[^。\n]{0,12}$")


def _companies(text: str, names: _Names, product: str, aliases: list[str]) -> str | None:
    """The operator: said in so many words ("运营者为…", "数据控制方为：…", "X指…有限公司"), the
    company that calls itself "we" ("…有限公司（以下简称“我们”）"), one that provides the
    service ("由…提供", never an SDK's), or one named in the opening lines; the first of these
    whose name holds the product's wins, else the first. None rather than a third party."""
    head = text[:12000]
    found = list(names.companies)
    for m in re.finditer(r"(?:运营者|运营方|运营主体|服务提供者|提供者包括|公司名称|个人信息处理者|"
                         r"数据控制方|数据控制者|(?<![A-Za-z])指)"
                         r"(?:的基本信息如下)?(?:为|是|系|：|:|\s)*\s*[【“]?", head[:6000]):
        c = _COMPANY_ZH.match(head, m.end()) or _COMPANY_EN.match(head, m.end())
        if c and not _THIRD_PARTY_LEFT.search(head[max(0, m.start() - 20):m.start()]):
            found.append((0, m.start(), c.group(0)))
    for m in re.finditer(r"(?:由|是)\s*[【“]?(" + _COMPANY_ZH.pattern + r")(?:及其?(?:各)?关联(?:公司|方))?"
                         r"(?:共同)?(?:提供|运营|开发|所有|拥有)", head[:4000]):
        if not _THIRD_PARTY_LEFT.search(head[max(0, m.start() - 20):m.start()]):
            found.append((2, m.start(), m.group(1)))
    for m in _COMPANY_ZH.finditer(head[:1500]):
        if not _THIRD_PARTY_LEFT.search(head[max(0, m.start() - 20):m.start()]):
            found.append((3, m.start(), m.group(0)))
    for m in _COMPANY_EN.finditer(head[:6000]):
        sep = "," if "," in m.group(0)[len(m.group(1)):] else ""
        found.append((2, m.start(), f"{m.group(1).strip(' ,')}{sep} {m.group(2)}"))
    keys = [n for n in [product, *aliases] if len(n) >= 2 and not n.isascii() or len(n) >= 4]

    def holds_product(c: str) -> bool:
        return any(k.casefold() in c.casefold() or (len(k) >= 3 and not k.isascii() and k[:2] in c)
                   for k in keys)

    for m in _COMPANY_ZH.finditer(text[-4000:]):  # the contact section names the operator again
        if holds_product(m.group(0)):
            found.append((3, len(text), m.group(0)))
    cleaned: list[tuple[int, str]] = []
    for rank, pos, raw in sorted(found):
        c = clean_company(raw)
        if c and c not in [k for _, k in cleaned]:
            cleaned.append((rank, c))
    strong = [c for r, c in cleaned if r <= 1]
    for pool in (strong, [c for _, c in cleaned]):
        for c in pool:
            if holds_product(c):
                return c
        if pool:
            return pool[0]
    return None


# ---------------------------------------------------------------------------------------------
# Aliases


_MAILBOXES = {"gmail", "qq", "163", "126", "outlook", "hotmail", "foxmail", "sina", "yahoo",
              "aliyun", "icloud", "sohu", "yeah", "live", "msn", "email", "mail", "service"}


def _domain_name(text: str) -> str | None:
    """The Latin name in the policy's own contact address ("help@bilibili.com" → bilibili)."""
    labels = Counter()
    address = r"[A-Za-z0-9._%+-]+@((?:[A-Za-z0-9-]+\.)+)([A-Za-z]{2,6})(?![A-Za-z])"
    for m in re.finditer(address, text):
        around = text[max(0, m.start() - 80):m.start()] + " " + text[m.end():m.end() + 12]
        if not re.search(r"联系|客服|邮箱|邮件|反馈|投诉|举报|电子信箱|contact|e-?mail|write to|reach",
                         around, re.I):
            continue  # an address given for contact, not one in a list of partners
        parts = m.group(1).rstrip(".").split(".")
        label = parts[-1].lower()
        if re.fullmatch(r"[a-z]{4,20}", label) and label not in _MAILBOXES \
                and not is_generic(label):
            labels[label] += 1
    if not labels:
        return None
    (top, n), *rest = labels.most_common()
    return top if not rest or n > rest[0][1] else None


def _abbreviations(name: str, text: str) -> list[str]:
    """A two-character short form the text itself uses: first and last character of a CJK name
    ("中国银行" → 中行), or of the name after a leading 中国 (中国建设银行 → 建行)."""
    out = []
    for n in {name, name.removeprefix("中国")}:
        if len(n) >= 4 and re.fullmatch(f"[{_CJK}]+", n):
            ab = n[0] + n[-1]
            if ab not in name and ab not in out and re.search(re.escape(ab), text):
                out.append(ab)
    return out


_NOT_PART = re.compile(r"[的及与和或等在为是将会可对由从以其该本此各]|账号|帐号|用户|公司|平台|服务|集团|产品|会员|"
                       r"客服|官方|网站|科技|旗下|使用|提供|相关|关联|软件|应用|隐私|政策|协议|网络|信息|许可")


def _longer_use(product: str, text: str) -> str | None:
    """The product's longer name when the text writes it often ("高德地图" of 高德, 19 times in
    103): two more characters that are not a word of the sentence (not 高德的, not 高德账号)."""
    if not re.fullmatch(f"[{_CJK}]{{2,4}}", product):
        return None
    longer = re.escape(product) + f"([{_CJK}]{{2}})(?!协议|政策|条款|指引|及)"
    seen = Counter(m.group(1) for m in re.finditer(longer, text))
    total = text.count(product)
    for w, n in seen.most_common(2):
        if n >= 5 and n >= 0.15 * total and not _NOT_PART.search(w):
            return product + w
    return None


def derived_aliases(product: str) -> list[str]:
    """Other names a question may use, from the name alone: the Latin part of a mixed name
    ("vymeet" of "vymeet云会议") and the name without a generic suffix ("星云笔记" of
    "星云笔记App")."""
    out = []
    if not product.isascii():
        out += [w for w in re.findall(r"[A-Za-z][A-Za-z0-9]{2,}", product) if not is_generic(w)]
    short = re.sub(r"(?i)(app|应用|软件|平台|客户端|服务)$", "", product).strip()
    if short and short != product and len(short) >= 2:
        out.append(short)
    return out


def _aliases(product: str, names: _Names, text: str) -> list[str]:
    """Other names of the product the text gives: its short names (以下简称), longer forms
    (QQ炫舞手游), a company's short name inside it (中国银行), an abbreviation the text uses
    (中行), the Latin name of a mixed name or of the contact address; never a third party's."""
    out: list[str] = []

    def add(a: str | None) -> None:
        if not a:
            return
        a = _squash(_undecorate(a))
        if a and a != product and a.casefold() != product.casefold() and looks_like_name(a) \
                and not _is_company(a) and a.casefold() not in {o.casefold() for o in out}:
            out.append(a)

    for a in names.longer.get(product, []):
        add(a)
    for a in names.short.get(product, []):
        add(a)
    for n, shorts in names.short.items():  # "工银融e行（以下简称“融e行”）" when 融e行 won
        if product in shorts and product in n:
            add(n)
    for a in derived_aliases(product):  # the Latin name in a mixed name: vymeet of vymeet云会议
        add(a)
    if " " in product and re.fullmatch(r"[A-Za-z ]+", product):  # "Duck Duck Go" → DuckDuckGo
        joined = spelling(product.replace(" ", ""), text)
        if re.search(re.escape(joined), text):
            add(joined)
    for a in _abbreviations(product, text):
        add(a)
    add(_longer_use(product, text))
    for base in [a for a in out if re.fullmatch(f"[{_CJK}]+", a)]:
        for a in _abbreviations(base, text):
            add(a)
    dom = _domain_name(text)
    if dom and dom not in product.casefold():
        add(dom)
    # Never a name the text only uses for another product ("使用微信登录", "支付宝支付")
    return [a for a in out if not third_party(a, text)]


_THIRD_PARTY_CTX = re.compile(
    r"^(?:登录|登陆|账号登录|帐号登录|授权登录|一键登录|支付|钱包|分享|SDK|sdk|推送|开放平台|统计|"
    r"Pay|pay|login|Login)")


def third_party(name: str, text: str) -> bool:
    """Whether the text names `name` mostly as someone else's service: followed by 登录, 支付,
    SDK, 分享 … ("使用微信登录", "支付宝支付", "腾讯Bugly SDK"), or after 分享到/接入/第三方."""
    hits = [m for m in re.finditer(re.escape(name), text)]
    if not hits:
        return False
    other = 0
    for m in hits:
        after = text[m.end():m.end() + 6].lstrip()
        before = text[max(0, m.start() - 4):m.start()]
        if _THIRD_PARTY_CTX.match(after) or re.search(r"(?:分享到|分享至|接入|集成了?|第三方)$", before):
            other += 1
    return other * 2 > len(hits)


# ---------------------------------------------------------------------------------------------
# Dates

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"])}
_MONTHS.update({k[:3]: v for k, v in _MONTHS.items()})
_MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?"
_D_ZH = r"(\d{4})[ \t]*(?:年|-|/|\.)[ \t]*(\d{1,2})[ \t]*(?:月|-|/|\.)[ \t]*(\d{1,2})(?!\d)[ \t]*日?"
_D_EN1 = rf"({_MON})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})"
_D_EN2 = rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MON}),?\s+(\d{{4}})"
_D_US = r"(\d{1,2})/(\d{1,2})/(\d{2,4})(?!\d)"
_DATE = re.compile(rf"{_D_ZH}|{_D_EN1}|{_D_EN2}|{_D_US}", re.I)
_LABELS = [  # (rank, words before or after a date); a lower rank wins within one group of dates
    (0, re.compile(r"(?:更新|修订|修改|最后更新|最近更新|updated|revised|modified"
                   r"|last\s+(?:substantively\s+)?(?:updated|modified|revised|changed))", re.I)),
    (0.5, re.compile(r"(?:发布|公布|版本日期|published|posted)", re.I)),
    (1, re.compile(r"(?:生效|施行|effective|takes?\s+effect|in\s+effect|comes?\s+into\s+force)", re.I)),
    (2, re.compile(r"(?:日期|dated?|version)", re.I)),
]


def _month(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")[:3]]


def _to_date(m: re.Match) -> dt.date | None:
    g = m.groups()
    try:
        if g[0]:
            y, mo, d = int(g[0]), int(g[1]), int(g[2])
        elif g[3]:
            y, mo, d = int(g[5]), _month(g[3]), int(g[4])
        elif g[6]:
            y, mo, d = int(g[8]), _month(g[7]), int(g[6])
        else:
            y, mo, d = int(g[11]), int(g[9]), int(g[10])
            y += 2000 if y < 100 else 0
        date = dt.date(y, mo, d)
    except (ValueError, KeyError):
        return None
    return date if 2000 <= date.year <= 2030 else None


def _labelled_dates(region: str) -> list[tuple[int, float, dt.date]]:
    out = []
    for m in _DATE.finditer(region):
        date = _to_date(m)
        if not date:
            continue
        line_start = region.rfind("\n", 0, m.start()) + 1
        line_end = region.find("\n", m.end())
        before = region[max(line_start, m.start() - 24):m.start()]
        after = region[m.end():min(m.end() + 8, line_end if line_end >= 0 else len(region))]
        if re.search(r"首次|first|archived|snapshot|自\s*$|since\s*$", before, re.I):
            continue
        for rank, rx in _LABELS:
            after_label = rank < 2 and re.match(r"[ \t]*(?:起)?(?:" + rx.pattern + r")", after, re.I)
            if rx.search(before) or after_label:
                out.append((m.start(), rank, date))
                break
    return out


def guess_date(text: str) -> str | None:
    """The date of the version served, from the first group of dates a label names
    ("更新日期：", "于…更新", "Last updated", "Effective as of"), near the top or else at the
    end: "updated" (or the version's publication) before "effective"."""
    clean = re.sub(r"[【】\[\]]", "", text)
    for region in (clean[:8000], clean[-3000:] if len(clean) > 8000 else ""):
        dates = _labelled_dates(region)
        if dates:
            first = dates[0][0]
            group = [d for d in dates if d[0] - first <= 300]
            return min(group, key=lambda d: (d[1], d[0]))[2].isoformat()
    return None


# ---------------------------------------------------------------------------------------------


def guess_language(text: str) -> str:
    cjk = len(re.findall(f"[{_CJK}]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "en" if latin > 4 * cjk else "zh"


def _clean_title(line: str) -> str:
    s = re.sub(r"^[#>*\s]+|[*\s]+$", "", line).replace("**", "")
    s = s.translate({ord(c): None for c in "【】「」"})
    for o, c in ("《》", "“”", "（）", "()"):
        if s.count(o) != s.count(c):
            s = s.replace(o, "").replace(c, "")
    s = re.sub(r"^“([^“”]+)”", r"\1", s)
    return _squash(s)


def _company_base(names: _Names, title_line: str | None) -> str | None:
    """A title that names only a company ("中国建设银行股份有限公司个人信息保护政策"): its name
    without the legal form (中国建设银行)."""
    if not title_line:
        return None
    name, _ = _policy_title(title_line)
    base = re.sub(r"(?:股份有限公司|有限责任公司|有限公司|集团|公司)$", "", _undecorate(name or ""))
    base = re.sub(r"股份$", "", base)
    return base if looks_like_name(base) else None


def guess_metadata(text: str, fallback: str) -> Metadata:
    """Title, product, aliases, company, date and language of a raw policy text; `fallback`
    (the file's stem) names the product only when the text names none."""
    language = guess_language(text)
    names, title_line, title_kind = _scan(text)
    product = names.best() or _company_base(names, title_line) or spelling(fallback, text)
    aliases = _aliases(product, names, text)
    company = _companies(text, names, product, aliases)
    kind = title_kind or _kind_of(text)
    title = ""
    if title_line:  # the document's own title line if it reads as one: "58同城隐私政策（2022年6月）"
        name, _ = _policy_title(title_line)  # but not "隐私条款 - 盟畅云会议", "reddit.com: privacy policy"
        line = _clean_title(title_line)
        same = _squash(_undecorate(line)).casefold()
        page = re.search(r"\s[-–—|｜]\s|[|｜]|^\S+\.(?:com|net|org|cn|io)\b|[：:]\s*\S", line)
        if name and _squash(_undecorate(name)).casefold() in same and len(line) <= 40 and not page:
            title = line
    if not title:  # "<product>隐私政策", "<product> Privacy Policy"
        if language == "en" or not re.search(f"[{_CJK}]", kind):
            words = kind if not re.search(f"[{_CJK}]", kind) else "Privacy Policy"
            title = f"{product} {words.title() if words.islower() or words.isupper() else words}"
        else:
            title = f"{product}{re.sub(r'^用户', '', kind)}"
    return Metadata(title=title, product=product, aliases=aliases, company=company,
                    updated=guess_date(text), language=language)


def drop_shared_aliases(policies: list) -> None:
    """Within one corpus, a guessed alias that two policies share ("tencent" of every Tencent
    app's contact address) or that is another policy's product, id or stated alias names none of
    them: it is dropped from the policies whose aliases were guessed."""
    guessed = [p for p in policies if p.aliases_guessed]
    counts = Counter(a.casefold() for p in guessed for a in {x.casefold() for x in p.aliases})
    owners: dict[str, set[str]] = {}
    for p in policies:
        for n in [p.product, p.id, *([] if p.aliases_guessed else p.aliases)]:
            owners.setdefault(n.casefold(), set()).add(p.id)
    for p in guessed:
        p.aliases = [a for a in p.aliases if counts[a.casefold()] < 2
                     and not owners.get(a.casefold(), set()) - {p.id}]


# Kept for callers of the earlier single-purpose guessers.
def guess_title(text: str, fallback: str) -> str:
    return guess_metadata(text, fallback).title


def guess_product(title: str, text: str, fallback: str) -> str:
    return guess_metadata(text, fallback).product
