"""index/vocab/apps.txt, the list of products people name in questions, keeps its own rules.

Standalone: standard library and pytest only, so it runs without the index or its packages.
The format is described in the file's header.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

APPS = Path(__file__).parent.parent / "index" / "vocab" / "apps.txt"
AMBIGUOUS = "# ambiguous:"
RISKY_MARK = "!"
CJK_OR_LATIN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z]")

# Ordinary words of a privacy question: never a product name, with or without the `!` mark.
ORDINARY = {
    "地图", "导航", "音乐", "银行", "视频", "短视频", "直播", "外卖", "游戏", "支付", "付款", "相机",
    "浏览器", "钱包", "云", "云盘", "网盘", "邮箱", "邮件", "输入法", "翻译", "天气", "新闻", "小说",
    "阅读", "打车", "日历", "相册", "照片", "短信", "电话", "通讯录", "设置", "应用商店", "商城",
    "购物", "手机", "电脑", "软件", "应用", "平台", "客户端", "程序", "网站", "账号", "账户",
    "健康", "运动", "保险", "证券", "理财", "社交", "聊天", "会议", "文档", "笔记", "搜索",
    "app", "apps", "application", "music", "maps", "map", "pay", "mail", "email", "photos",
    "photo", "go", "video", "videos", "news", "search", "browser", "camera", "wallet", "cloud",
    "store", "shop", "game", "games", "chat", "bank", "tv", "weather", "calendar", "notes",
    "drive", "docs", "home", "health", "fit", "play", "books", "account", "phone", "messages",
    "translate", "assistant", "privacy", "data", "the", "my",
}
# Names that are also ordinary words: allowed only with the `!` mark.
RISKY = {
    "line", "signal", "messenger", "zoom", "meet", "teams", "edge", "keep", "soul", "threads",
    "notion", "word", "excel", "outlook", "target", "booking", "wish", "grab", "bolt", "chase",
    "box", "steam", "epic", "opera", "brave", "spark", "calm", "indeed", "subway", "kayak",
    "lime", "pocket", "medium", "canvas", "hue", "nest", "ring", "lark", "red", "snow", "poe",
    "得到", "头条", "即刻", "转转", "全家", "理想", "自如", "菜鸟", "元宝", "王者", "电报",
    "起点", "澎湃", "露天", "个人所得税", "我的世界", "去哪儿",
}


def parse(text: str) -> tuple[list[tuple[int, list[str]]], list[str]]:
    """Product lines as (line number, names) and the names of the `# ambiguous:` comments."""
    products, ambiguous = [], []
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith(AMBIGUOUS):
            ambiguous.append(re.split(r"\s+[—(]", line[len(AMBIGUOUS):].strip(), maxsplit=1)[0])
        elif line and not line.startswith("#"):
            products.append((no, [n.strip() for n in line.split("|")]))
    return products, ambiguous


def key(name: str) -> str:
    return name.removesuffix(RISKY_MARK).strip().lower()


@pytest.fixture(scope="module")
def apps() -> tuple[list[tuple[int, list[str]]], list[str]]:
    return parse(APPS.read_text(encoding="utf-8"))


def test_at_least_600_products(apps):
    products, _ = apps
    assert len(products) >= 600, len(products)


def test_names_are_well_formed(apps):
    products, _ = apps
    bad = [(no, n) for no, names in products for n in names
           if not key(n) or "#" in n or RISKY_MARK in n.removesuffix(RISKY_MARK)
           or n != n.strip() or "  " in n]
    assert not bad, bad


def test_every_line_has_a_cjk_or_latin_name(apps):
    products, _ = apps
    assert not [no for no, names in products if not any(CJK_OR_LATIN.search(n) for n in names)]


def test_no_single_character_name(apps):
    products, _ = apps
    assert not [(no, n) for no, names in products for n in names if len(key(n)) < 2]


def test_no_name_in_two_lines(apps):
    products, _ = apps
    where = defaultdict(list)
    for no, names in products:
        for k in {key(n) for n in names}:
            where[k].append(no)
    assert not {k: nos for k, nos in where.items() if len(nos) > 1}


def test_no_name_twice_in_a_line(apps):
    products, _ = apps
    assert not [(no, names) for no, names in products
                if len({key(n) for n in names}) != len(names)]


def test_no_ordinary_word_as_a_name(apps):
    products, _ = apps
    assert not [(no, n) for no, names in products for n in names if key(n) in ORDINARY]


def test_risky_words_carry_the_mark(apps):
    products, _ = apps
    assert not [(no, n) for no, names in products for n in names
                if key(n) in RISKY and not n.endswith(RISKY_MARK)]


def test_ambiguous_names_are_in_no_line(apps):
    products, ambiguous = apps
    assert ambiguous, "the file ends with its `# ambiguous:` list"
    names = {key(n) for _, ns in products for n in ns}
    assert not [a for a in ambiguous if a.lower() in names]


def test_parse_reads_the_format():
    products, ambiguous = parse("# c\n\n微信 | WeChat | vx\nSignal! | Signal Messenger\n"
                                "# ambiguous: 腾讯 — company\n")
    assert products == [(3, ["微信", "WeChat", "vx"]), (4, ["Signal!", "Signal Messenger"])]
    assert ambiguous == ["腾讯"]
    assert key("Signal!") == "signal"
