"""What a raw policy says about itself (index/metadata.py): product, aliases, company, title, date.

The table below was checked by reading each policy of tests/data/capp130 (the file name is the
app's name; the expected product is what the text calls itself, which for a publisher's common
policy is the publisher: 一念逍遥.txt is 雷霆游戏's policy). The guesses are made with no file
name at all, so the table can only pass from the text.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from index.corpus import load_corpus, load_policy
from index.metadata import guess_date, guess_metadata

DATA = Path(__file__).resolve().parent / "data"
CAPP = DATA / "capp130"
ENGLISH = DATA / "english-meta"
ROOT = Path(__file__).resolve().parent.parent


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig")


def row(product, aliases=(), not_aliases=(), company=None, date=None, title=None):
    products = product if isinstance(product, tuple) else (product,)
    return dict(products=products, aliases=aliases, not_aliases=not_aliases, company=company,
                date=date, title=title)


# file stem → what the text says (products: any of them is right)
TABLE = {
    "58同城": row("58同城", company="北京五八信息技术有限公司", date="2022-06-09"),
    "JJ斗地主": row("竞技世界", company="竞技世界（北京）网络技术有限公司", date="2022-06-02"),
    "KEEP": row("Keep", aliases=("Keep App",), company="北京卡路里科技有限公司", date="2022-08-01"),
    "KFC": row("百胜中国", company="环胜电子商务（上海）有限公司", date="2020-11-05"),
    "QQ": row("QQ", not_aliases=("微信",), company="深圳市腾讯计算机系统有限公司",
              date="2021-11-01"),
    "QQ浏览器": row("QQ浏览器", not_aliases=("QQ",), date="2022-07-28"),
    "QQ炫舞": row("QQ炫舞", aliases=("QQ炫舞手游",)),
    "UC浏览器": row("UC浏览器", date="2022-09-02", title="UC浏览器隐私政策"),
    "WPS": row("WPS", company="珠海金山办公软件有限公司", date="2022-05-19"),
    "WiFi万能钥匙": row("WiFi万能钥匙", not_aliases=("WiFi",), company="南京尚网网络科技有限公司",
                        date="2022-08-12"),
    "boss直聘": row("BOSS直聘", company="北京华品博睿网络技术有限公司"),
    "nike耐克": row("耐克", not_aliases=("COOKIE",), date=None),  # "更新与生效日期：2022年7月"
    "qq邮箱": row("QQ邮箱", date="2022-08-05"),
    "qq飞车": row("QQ飞车", aliases=("QQ飞车手游",)),
    "wechart": row("WeChat", not_aliases=("微信",), company="WeChat International Pte. Ltd.",
                   date="2022-03-22"),
    "wink": row(("Meitu Wink", "Wink"), company="厦门鸿天创视科技有限公司", date="2022-08-23"),
    "一念逍遥": row("雷霆游戏", company="深圳雷霆信息技术有限公司", date="2020-07-01"),
    "中国联通": row("中国联通", not_aliases=("APP",), date="2022-02-26"),  # not the first publication
    "中国银行": row("中国银行手机银行", aliases=("中国银行", "中行"), not_aliases=("手机银行",),
                    company="中国银行股份有限公司", date="2022-05-29"),
    "中小学网络云平台": row("中小学网络云平台", not_aliases=("APP",), company="深圳市易剪辑科技有限公司",
                            date="2022-03-05"),
    "交管12123": row("交管12123", company="公安部交通管理科学研究所", date="2021-06-30"),
    "优酷视频": row("优酷", date="2022-02-23"),
    "使命召唤手游": row("使命召唤", aliases=("使命召唤手游",)),
    "元神": row("原神", company="上海米哈游影铁科技有限公司"),
    "剑侠世界3": row("剑侠世界3"),
    "剪映": row("剪映", company="深圳市脸萌科技有限公司", date="2022-08-10", title="剪映隐私政策"),
    "和平精英": row("和平精英", not_aliases=("腾讯游戏",)),
    "哔哩哔哩": row("哔哩哔哩", aliases=("bilibili",), not_aliases=("微信", "QQ", "微博"),
                    company="上海宽娱数码科技有限公司", date="2022-08-08"),
    "喜马拉雅": row("喜马拉雅", company="上海喜马拉雅科技有限公司", date="2022-06-22"),
    "大众点评": row("大众点评", date="2022-06-02"),
    "学习通": row("学习通", date="2021-04-27", title="学习通隐私政策"),
    "工商": row("工银融e行", aliases=("融e行",), company="中国工商银行股份有限公司", date="2022-03-07"),
    "建行": row("中国建设银行", aliases=("建行",), company="中国建设银行股份有限公司", date="2021-11-01"),
    "开心消消乐": row("乐元素", company="乐元素科技（北京）股份有限公司", date="2022-02-22"),
    "得间小说": row("得间", company="北京得间科技有限公司", date="2020-12-14"),
    "抖音": row("抖音", not_aliases=("微信", "QQ"), company="北京微播视界科技有限公司",
                date="2022-07-06", title="抖音隐私政策"),
    "拼多多": row("拼多多", company="上海寻梦信息技术有限公司", date="2020-12-11"),
    "扫描全能王": row("扫描全能王", company="上海临冠数据科技有限公司", date="2022-08-15"),
    "数字人民币": row("数字人民币", not_aliases=("APP",), date="2022-01-04"),
    "斗鱼直播": row("斗鱼"),
    "炉石传说": row("网之易", company="上海网之易网络科技发展有限公司", date="2022-01-19"),
    "电信营业厅": row("中国电信营业厅", company="中国电信股份有限公司"),
    "网易云音乐": row("网易云音乐", not_aliases=("网易云",), date="2021-05-11"),
    "美团外卖": row("美团外卖", not_aliases=("微信", "支付宝", "美团"),
                    company="北京三快在线科技有限公司", date="2021-11-04"),
    "腾讯地图": row("腾讯", date="2021-12-03"),  # the text is 《腾讯隐私政策》（以下简称“本隐私政策”）
    "腾讯游戏": row("欢乐斗地主"),  # "为欢乐斗地主单独配置了《欢乐斗地主隐私保护指引》"
    "腾讯视频": row("腾讯视频", date="2020-09-27"),
    "芒果TV": row("芒果TV", company="湖南快乐阳光互动娱乐传媒有限公司", date="2022-07-29"),
    "菜鸟": row("菜鸟", date="2022-06-17"),  # updated, not the effective 2018-01-25
    "转转": row("转转", date="2022-05-12", title="转转隐私政策"),
    "邮储": row("中国邮政储蓄银行电子银行", company="中国邮政储蓄银行股份有限公司", date="2022-06-22"),
    "咸鱼": row("闲鱼", aliases=("闲鱼社区",), date="2022-06-29"),
    "高德地图": row("高德", not_aliases=("支付宝", "钉钉"), date="2022-05-12"),
    "麦当劳": row("麦当劳", company="金拱门（中国）有限公司", date="2022-06-29"),
}


@pytest.fixture(scope="module")
def guesses() -> dict:
    return {stem: guess_metadata(read(CAPP / f"{stem}.txt"), "") for stem in TABLE}


@pytest.fixture(scope="module")
def corpus() -> dict:
    return {Path(p.path).stem: p for p in load_corpus(CAPP)}


def test_the_table_covers_enough_policies():
    assert len(TABLE) >= 35
    assert all((CAPP / f"{stem}.txt").exists() for stem in TABLE)


@pytest.mark.parametrize("stem", sorted(TABLE))
def test_product_from_the_text(stem, guesses):
    want, got = TABLE[stem], guesses[stem]
    assert got.product in want["products"], (stem, got.product)


@pytest.mark.parametrize("stem", sorted(s for s in TABLE if TABLE[s]["company"]))
def test_company(stem, guesses):
    assert guesses[stem].company == TABLE[stem]["company"]


@pytest.mark.parametrize("stem", sorted(TABLE))
def test_date(stem, guesses):
    if "date" in TABLE[stem] and (TABLE[stem]["date"] or stem == "nike耐克"):
        assert guesses[stem].updated == TABLE[stem]["date"]


@pytest.mark.parametrize("stem", sorted(s for s, w in TABLE.items()
                                        if w["aliases"] or w["not_aliases"]))
def test_aliases(stem, corpus):
    """Checked on the loaded corpus: what a question may use to name the product."""
    want, policy = TABLE[stem], corpus[stem]
    names = set(policy.aliases) | {policy.product}
    for a in want["aliases"]:
        assert a in names, (stem, a, policy.aliases)
    for a in want["not_aliases"]:
        assert a not in policy.aliases, (stem, a, policy.aliases)


@pytest.mark.parametrize("stem", sorted(s for s in TABLE if TABLE[s]["title"]))
def test_title(stem, guesses):
    assert guesses[stem].title == TABLE[stem]["title"]


def test_products_right_out_of_the_table(guesses):
    right = sum(guesses[s].product in TABLE[s]["products"] for s in TABLE)
    assert right == len(TABLE)


# --- every policy of the folder -------------------------------------------------------------

GENERIC = {"policy", "隐私政策", "用户", "平台", "我们", "本平台", "app", "sdk", "cookie", "games",
           "手机银行", "公司", "服务", "产品", "应用", "软件", "游戏", "网站", "客户端", "本公司"}
_BRACKETS = re.compile(r"[《》“”\"「」『』【】()（）\[\]<>‘’']")
_NUMBERED = re.compile(r"^\s*(?:\d+(?:\.\d+)*\s*[、.．)]|[一二三四五六七八九十]+[、.．]|第.{1,3}[部章条节])")
# a name right before (or after) one of these is someone else's service used by the app
_OTHERS_AFTER = re.compile(r"\s*(?:账号|帐号)?(?:登录|授权登录|支付|钱包|SDK|sdk|推送|分享)")
_OTHERS_BEFORE = re.compile(r"(?:分享到|分享至|接入|集成|第三方)\s*$")


def _third_party(name: str, text: str) -> bool:
    hits = list(re.finditer(re.escape(name), text))
    other = sum(1 for m in hits if _OTHERS_AFTER.match(text, m.end())
                or _OTHERS_BEFORE.search(text[max(0, m.start() - 6):m.start()]))
    return bool(hits) and other * 2 > len(hits)


def test_every_policy_gets_a_sensible_product(corpus):
    assert len(corpus) == 110
    bad = []
    for stem, p in corpus.items():
        name = p.product
        if not name or len(name) > 20 or _BRACKETS.search(name) or name.casefold() in GENERIC \
                or _NUMBERED.match(name) or re.fullmatch(r"[\d\W]+|[A-Za-z]", name):
            bad.append((stem, name))
    assert not bad


def test_titles_are_not_section_headings(corpus):
    for stem, p in corpus.items():
        assert p.title and not _NUMBERED.match(p.title), (stem, p.title)
        assert not re.match(r"^(?:本|我们)", p.title) and len(p.title) <= 40, (stem, p.title)


def test_aliases_are_names_and_never_third_parties(corpus):
    for stem, p in corpus.items():
        text = read(Path(p.path))
        for a in p.aliases:
            assert a.casefold() not in GENERIC and not _BRACKETS.search(a), (stem, a)
            assert not _third_party(a, text), (stem, a)
            assert a.casefold() != p.product.casefold()


def test_dates_are_real_dates(corpus):
    found = 0
    for stem, p in corpus.items():
        if p.updated:
            found += 1
            d = dt.date.fromisoformat(p.updated)
            assert 2000 <= d.year <= 2030, (stem, p.updated)
    assert found >= 90  # most policies print their date


def test_a_guessed_alias_two_policies_share_is_dropped(corpus):
    """Tencent's apps all give a tencent.com contact address: "tencent" names none of them."""
    assert not any("tencent" in (a.casefold() for a in p.aliases) for p in corpus.values())


def test_the_stem_is_the_last_resort(corpus):
    """Policies that name themselves get their own name, not the file's."""
    assert corpus["元神"].product == "原神" and corpus["KFC"].product == "百胜中国"
    # 蚁族崛起.txt never names its product ("本平台"): only then the file's stem
    assert corpus["蚁族崛起"].product == "蚁族崛起"


# --- the launch policies ----------------------------------------------------------------------

def test_curated_policies_keep_their_front_matter():
    mcmeet = load_policy(ROOT / "corpus" / "mcmeet.md")
    assert (mcmeet.title, mcmeet.product, mcmeet.company, mcmeet.updated) == (
        "盟畅云会议隐私政策", "盟畅云会议", "上海盟视信息科技有限公司", "2021-03-09")
    assert mcmeet.aliases == ["盟畅", "McMeet", "盟畅云", "盟视"]
    vymeet = load_policy(ROOT / "corpus" / "vymeet.md")
    assert vymeet.product == "vymeet云会议" and "On Zoom" in vymeet.aliases


def test_raw_launch_policies(tmp_path):
    seeds = Path(__file__).parent / "data" / "seeds"
    mcmeet = guess_metadata(read(seeds / "mcmeet-privacy-policy.txt"), "")
    assert mcmeet.product == "盟畅云会议" and mcmeet.title == "盟畅云会议隐私条款"
    assert mcmeet.company == "上海盟视信息科技有限公司" and mcmeet.updated == "2021-03-09"
    vymeet = guess_metadata(read(seeds / "vymeet-privacy-policy.txt"), "")
    assert vymeet.product == "vymeet云会议" and vymeet.updated == "2021-06-30"
    assert "vymeet" in vymeet.aliases
    assert vymeet.company == "北京易简视源科技有限公司"


# --- shapes of lines and sentences ----------------------------------------------------------

def test_a_numbered_heading_is_not_a_title():
    text = ("10、本隐私政策的变更\n我们可能适时修订本政策。\n欢迎使用星云笔记！星云笔记是由杭州星云科技有限公司"
            "（以下简称“我们”）提供的笔记应用。\n更新日期：2023年3月1日\n")
    m = guess_metadata(text, "")
    assert m.product == "星云笔记" and m.title == "星云笔记隐私政策"
    assert m.company == "杭州星云科技有限公司" and m.updated == "2023-03-01"


def test_a_generic_title_line_is_not_a_name():
    text = "隐私政策\n本隐私政策将帮您了解以下内容\n《青柠记账隐私政策》（以下简称“本政策”）适用于青柠记账。\n"
    m = guess_metadata(text, "")
    assert m.product == "青柠记账" and m.title == "青柠记账隐私政策"


def test_company_with_a_short_product_name():
    text = ("隐私政策\n更新日期：2022 年 08 月 01 日\n北京青藤科技有限公司及关联公司（以下简称「青藤App」或「我们」）"
            "非常重视您的个人信息。\n")
    m = guess_metadata(text, "")
    assert m.product == "青藤" and "青藤App" in m.aliases
    assert m.company == "北京青藤科技有限公司" and m.updated == "2022-08-01"


def test_title_decorations_and_editions_go():
    for line, name in [("【木棉浏览器】隐私政策", "木棉浏览器"), ("“木棉”隐私政策", "木棉"),
                       ("木棉隐私政策（摘要版）", "木棉"), ("木棉隐私政策（2022年6月）", "木棉"),
                       ("木棉手游隐私保护指引", "木棉"), ("木棉APP用户隐私政策", "木棉"),
                       ("《木棉》隐私保护指引", "木棉"), ("木棉隐私权政策摘要", "木棉")]:
        assert guess_metadata(line + "\n我们重视您的隐私。\n", "").product == name, line


def test_third_parties_are_not_aliases():
    text = ("木棉音乐隐私政策\n木棉音乐（以下简称“木棉”）由广州木棉科技有限公司提供。\n"
            "您可以使用微信登录、QQ登录木棉音乐，也可以使用支付宝支付、微信支付购买会员。\n"
            "我们接入了极光推送SDK。您可以分享到微博。\n")
    m = guess_metadata(text, "")
    assert m.product == "木棉音乐" and "木棉" in m.aliases
    assert not {"微信", "QQ", "支付宝", "微博", "极光推送"} & set(m.aliases)


def test_latin_name_in_brackets_is_an_alias():
    m = guess_metadata("星河视频（xinghe）隐私政策\n欢迎使用星河视频！\n", "")
    assert m.product == "星河视频" and "xinghe" in m.aliases


@pytest.mark.parametrize("text,date", [
    ("更新日期：2022 年 08 月 01 日\n生效日期：2022 年 08 月 08 日", "2022-08-01"),
    ("生效日期：2018年1月25日\n更新日期：2022年6月17日", "2022-06-17"),
    ("本版本更新时间：2022年5月29日", "2022-05-29"),
    ("本隐私政策于2022年1月19日更新", "2022-01-19"),
    ("2021年11月4日更新", "2021-11-04"),
    ("更新日期：【2021】年【11】月【1】日", "2021-11-01"),
    ("更新时间：2022.06.02", "2022-06-02"),
    ("首次发布日期：2011年4月6日\n本次更新发布日期：2022年2月26日", "2022-02-26"),
    ("2010-1-1\n更新日期：2021年1月25日", "2021-01-25"),
    ("更新与生效日期：2022年7月", None),
    ("Effective as of 10 October 2024", "2024-10-10"),
    ("Last updated: September 29, 2024", "2024-09-29"),
    ("Effective Date: Jan 5, 2023", "2023-01-05"),
    ("archived on 2013-12-31.\nLast Modified: April 10, 2013", "2013-04-10"),
    ("更新日期：1999年1月1日", None),
])
def test_dates(text, date):
    assert guess_date("隐私政策\n" + text + "\n我们重视您的隐私。") == date


# --- English ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name,product,title,company,date", [
    ("dropbox", "Dropbox", "Dropbox Privacy Policy", None, "2013-04-10"),
    ("reddit", "Reddit", "Reddit Privacy Policy", "Reddit, Inc.", "2016-01-01"),
    ("slack", "Slack", "Slack Privacy Policy", "Slack Technologies, Inc.", "2016-11-17"),
    ("duckduckgo", "Duck Duck Go", "Duck Duck Go Privacy Policy", None, "2010-11-16"),
])
def test_english_policies(name, product, title, company, date):
    p = load_policy(ENGLISH / f"{name}.md")
    assert (p.product, p.title, p.company, p.updated, p.language) == (product, title, company,
                                                                     date, "en")


def test_english_joined_name_is_an_alias():
    assert "DuckDuckGo" in load_policy(ENGLISH / "duckduckgo.md").aliases


def test_english_opening_sentences():
    text = ("Privacy Policy\nLast updated: September 29, 2024\n\nWelcome to Lumen! This Privacy "
            "Policy describes how Lumen Labs, Inc. (“Lumen”, “we”, “us”) collects and uses your "
            "data.\n"
            "Contact us at privacy@lumenlabs.example.\n")
    m = guess_metadata(text, "")
    assert (m.product, m.title, m.company, m.updated, m.language) == (
        "Lumen", "Lumen Privacy Policy", "Lumen Labs, Inc.", "2024-09-29", "en")


def test_english_stem_takes_the_texts_spelling():
    text = "Privacy\nThis page explains what Quillo stores. Quillo keeps little.\n"
    assert guess_metadata(text, "quillo").product == "Quillo"


def test_english_title_after_a_menu():
    menu = ["English", "Deutsch", "Español", "Français", "Italiano", "Português", "Русский",
            "日本語", "한국어", "Nederlands", "Polski", "Türkçe", "Українська", "Bahasa", "Català",
            "Čeština", "Dansk"]
    text = "\n".join([*menu, "Quillo Privacy Policy", "Updated on March 3, 2023.", "We collect little."])
    m = guess_metadata(text, "")
    assert (m.product, m.title, m.updated) == ("Quillo", "Quillo Privacy Policy", "2023-03-03")


def test_front_matter_fills_what_it_states(tmp_path):
    """A stated title names the product; what the front matter leaves out is guessed."""
    path = tmp_path / "qn.md"
    path.write_text("---\nid: qn\ntitle: 青柠记账隐私政策\n---\n## 概要\n更新日期：2023年3月1日\n"
                    "青柠记账是由杭州青柠科技有限公司（以下简称“我们”）提供的记账应用。\n", encoding="utf-8")
    p = load_policy(path)
    assert (p.id, p.title, p.product, p.updated) == ("qn", "青柠记账隐私政策", "青柠记账", "2023-03-01")
    assert p.company is None  # a curated file's company is what it states
