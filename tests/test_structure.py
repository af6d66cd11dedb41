"""Structure of real policies: 110 Chinese app policies (tests/data/capp130) and English ones
(tests/data/english) read as plain text, Markdown and HTML.

The checks do not use the sectioner's own notions: they read the source lines and the clauses.
Run with `-s` to see the distribution the bounds were chosen from.
"""
from __future__ import annotations

import collections
import functools
import re
from pathlib import Path

import pytest

from index import load_corpus, split_clauses
from index.corpus import load_policy, policy_files
from index.html import _is_menu, html_to_text
from index.sections import MAX_CHARS

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent
CAPP = sorted((DATA / "capp130").glob("*.txt"))
# the Zoom page is the qa set's copy (one file for both)
ENGLISH = policy_files(DATA / "english") + [DATA / "qa" / "english" / "zoom.html"]
ALL = CAPP + ENGLISH


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@functools.lru_cache(maxsize=None)
def read(path: Path):
    """(the text the sectioner reads, the policy)."""
    raw = path.read_text(encoding="utf-8-sig")
    text = html_to_text(raw) if path.suffix == ".html" else raw
    return text, load_policy(path)


def source_lines(text: str, title: str) -> list[str]:
    """The text's lines as the clauses quote them: Markdown heading marks dropped, and a lone
    top heading that is the policy's title (shown as the page's title, not as a clause)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    h1 = [ln for ln in lines if re.match(r"^#\s", ln)]
    if lines and len(h1) == 1 and lines[0] == h1[0] and lines[0][2:].strip() == title:
        lines = lines[1:]
    return [re.sub(r"^#{1,6}\s+(.*?)\s*#*$", r"\1", ln) for ln in lines]


def is_aside(clause) -> bool:
    """A table of contents or a second copy of the text: on the page, never quoted."""
    return not clause.answerable and not clause.has_heading


def sections(policy) -> collections.Counter:
    """Characters of text per section (a clause longer than a quote is cut into parts that
    share the section)."""
    out = collections.Counter()
    for c in policy.clauses:
        if c.answerable:
            out[(c.path, c.section_id.split("#")[0])] += len(c.text)
    return out


# ---------------------------------------------------------------------------------------------
# Sizes: no collapse into a few giant clauses, no crumbling into one-line clauses


def stats(path: Path) -> dict:
    _, policy = read(path)
    answerable = [c for c in policy.clauses if c.answerable]
    total = sum(len(c.text) for c in answerable)
    secs = sections(policy)
    return {
        "name": path.stem,
        "chars": total,
        "clauses": len(answerable),
        "chars_per_section": total / len(secs),
        "giant_share": sum(v for v in secs.values() if v > 3 * MAX_CHARS) / total,
        "tiny_clause_share": sum(1 for c in answerable if len(c.text) < 40) / len(answerable),
        "tiny_text_share": sum(len(c.text) for c in answerable if len(c.text) < 60) / total,
    }


@pytest.fixture(scope="module")
def all_stats():
    rows = [stats(p) for p in ALL]
    for key in ("chars_per_section", "giant_share", "tiny_clause_share", "tiny_text_share"):
        values = sorted(r[key] for r in rows)
        worst = [r["name"] for r in sorted(rows, key=lambda r: r[key])[-3:]]
        print(f"\n{key:18} min {values[0]:.2f} median {values[len(values) // 2]:.2f} "
              f"p90 {values[9 * len(values) // 10]:.2f} max {values[-1]:.2f}  worst {worst}",
              end="")
    return rows


# Bounds from the distribution over the 116 policies (printed above with -s). Before this reading,
# a section held up to 14,800 characters (a policy of 15 k characters in one section), and half
# the text of one in ten policies sat in sections over 3,000 characters.
MAX_CHARS_PER_SECTION = 2500  # measured max 1,770 (English policies of long paragraphs)
MAX_GIANT_SHARE = 0.6  # measured max 0.55: one long bulleted list under one heading
MAX_GIANT_SHARE_ALL = 0.05  # over all policies: measured 0.01
MAX_TINY_CLAUSES = 0.25  # clauses under 40 characters: measured max 0.20
MAX_TINY_TEXT = 0.06  # text in clauses under 60 characters: measured max 0.04


def test_no_policy_collapses_into_a_few_giant_sections(all_stats):
    for r in all_stats:
        assert r["chars_per_section"] <= MAX_CHARS_PER_SECTION, r
        assert r["giant_share"] <= MAX_GIANT_SHARE, r
    total = sum(r["chars"] for r in all_stats)
    giant = sum(r["giant_share"] * r["chars"] for r in all_stats) / total
    assert giant <= MAX_GIANT_SHARE_ALL


def test_no_policy_crumbles_into_one_line_clauses(all_stats):
    for r in all_stats:
        assert r["tiny_clause_share"] <= MAX_TINY_CLAUSES, r
        assert r["tiny_text_share"] <= MAX_TINY_TEXT, r


# ---------------------------------------------------------------------------------------------
# Every line in exactly one clause; tables of contents and second copies are not quoted


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_every_line_is_in_exactly_one_clause(path):
    text, policy = read(path)
    lines = source_lines(text, policy.title)
    # nothing lost, nothing twice: the clauses hold exactly the text's characters
    assert sum(len(squash(c.text)) for c in policy.clauses) == sum(len(squash(ln)) for ln in lines)
    quoted = "".join(squash(c.text) for c in policy.clauses if c.answerable)
    aside = "".join(squash(c.text) for c in policy.clauses if is_aside(c))
    bare = {squash(c.text) for c in policy.clauses if not c.answerable and c.has_heading}
    for ln in lines:
        s = squash(ln)
        assert s in quoted or s in aside or s in bare, (path.name, ln)
    # a heading with no text of its own is a heading line, never body text
    assert all(len(b) <= 60 for b in bare if not re.search(r"[A-Za-z]", b)), bare


def _title_key(text: str) -> str:
    """A title without its number, bullet and punctuation: "（二）转让" → "转让"."""
    text = re.sub(r"^(第[一二三四五六七八九十百\d]+[章条部分节]|[一二三四五六七八九十]+(\s*[、.．]|\s)"
                  r"|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}(\s*[.．、)）]|(\.\d{1,2})+\.?)"
                  r"|[•·*\-])\s*", "", text.strip())
    return re.sub(r"[\W_]+", "", text).casefold()


def _alike(a: str, b: str) -> bool:
    """Two titles alike: one holds the other, or they share most of their character pairs."""
    if a in b or b in a:
        return True
    pa, pb = {a[i:i + 2] for i in range(len(a) - 1)}, {b[i:i + 2] for i in range(len(b) - 1)}
    return bool(pa and pb) and 2 * len(pa & pb) / (len(pa) + len(pb)) >= 0.6


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_no_table_of_contents_is_quoted(path):
    """No answerable clause holds three lines in a row that are titles of later headings."""
    _, policy = read(path)
    clauses = [c for c in policy.clauses if c.answerable or c.has_heading]
    later: set[str] = set()
    found = []
    for c in reversed(clauses):
        body = c.text.split("\n")[1 if c.has_heading else 0:]
        run = 0
        for line in body:
            key = _title_key(line)
            if len(line) <= 40 and len(key) >= 2 and key in later:
                run += 1
                if run >= 3:
                    found.append((c.anchor, line))
            else:
                run = 0
        if c.path:
            later.add(_title_key(c.path[-1]))
    assert not found, found


# Policies read by hand: those that open with a table of contents (numbered like the body, or
# otherwise, or not numbered at all), and some that have none.
WITH_TOC = ["58同城", "JJ斗地主", "UC浏览器", "交管12123", "学习通", "建行", "天涯明月刀", "网易云音乐",
            "部落冲突", "驾考宝典", "中国联通", "wink", "nike耐克"]
WITHOUT_TOC = ["KFC", "WPS", "腾讯视频", "炉石传说", "拼多多", "王者营地"]


@pytest.mark.parametrize("name", WITH_TOC)
def test_table_of_contents_is_set_aside_and_its_headings_found(name):
    _, policy = read(DATA / "capp130" / f"{name}.txt")
    tocs = [c for c in policy.clauses if is_aside(c) and c.anchor.startswith("s-toc")]
    assert tocs, name
    headings = {_title_key(p) for c in policy.clauses if c.answerable or c.has_heading
                for p in c.path}
    entries = [_title_key(ln) for c in tocs for ln in c.text.split("\n")]
    entries = [e for e in entries if len(e) >= 2]
    found = sum(1 for e in entries if any(_alike(e, h) for h in headings if len(h) >= 2))
    assert found >= 0.8 * len(entries), (name, entries)


@pytest.mark.parametrize("name", WITHOUT_TOC)
def test_no_table_of_contents_where_there_is_none(name):
    _, policy = read(DATA / "capp130" / f"{name}.txt")
    assert not [c for c in policy.clauses if is_aside(c)]


def test_policy_printed_twice_is_quoted_once():
    _, policy = read(DATA / "capp130" / "学习通.txt")
    quoted = [c for c in policy.clauses if c.answerable]
    assert sum(c.text.count("第一条 序言") for c in quoted) == 1
    assert sum(c.text.count("1.1学习通由北京世纪超星信息技术发展有限责任公司开发运营") for c in quoted) == 1
    assert any(is_aside(c) and c.anchor.startswith("s-dup") for c in policy.clauses)


# ---------------------------------------------------------------------------------------------
# Headings are titles, not sentences


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_no_sentence_is_a_heading(path):
    _, policy = read(path)
    for c in policy.clauses:
        for title in c.path[1:] if c.path and c.path[0] == policy.title else c.path:
            latin = re.search(r"[A-Za-z]{3}", title) and not re.search(r"[\u4e00-\u9fff]", title)
            assert "。" not in title and not title.endswith(("；", ";", "，", ",")), (c.anchor, title)
            if latin:
                assert len(title) <= 110 and len(title.split()) <= 16, (c.anchor, title)
            else:
                assert len(title) <= 45, (c.anchor, title)
            assert title.count("，") + title.count(",") <= 1, (c.anchor, title)


# ---------------------------------------------------------------------------------------------
# Anchors


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_anchors_are_unique_and_stable(path):
    text, policy = read(path)
    anchors = [c.anchor for c in policy.clauses]
    assert len(anchors) == len(set(anchors))
    again = split_clauses(text, policy.title)
    assert [c.anchor for c in again] == anchors
    assert all(re.fullmatch(r"s-[\w-]+", a) for a in anchors)


LAUNCH_ANCHORS = {
    "mcmeet": "s-7a52d716 s-1a966382 s-1 s-1-1 s-1-2 s-1-3 s-1-4 s-1-4-1 s-1-4-2 s-1-5 s-1-6 "
              "s-1-7 s-1-8 s-1-9 s-1-10 s-1-11 s-1-12 s-1-13 s-1-14 s-1-15 s-1-16 s-1-17 s-1-18 "
              "s-2 s-2-1 s-2-2 s-2-3 s-3 s-3-1 s-3-2 s-4 s-4-1 s-4-2 s-4-3 s-4-4 s-4-5 s-4-6 s-5 "
              "s-5-1 s-5-2 s-5-3 s-5-4 s-5-5 s-5-6 s-5-7 s-6 s-7 s-8",
    "vymeet": "s-8c276c1f s-20fe4f9b s-ff4636ff s-3ee2517c s-62b46f24 s-70b20820 s-82734e48 "
              "s-170cb780 s-ff102e72 s-ec1a9bd9 s-84476c81 s-8db49995 s-415f7c19 s-d265aa8f "
              "s-b499a229 s-83431692",
}


def test_launch_policies_keep_their_anchors():
    corpus = {p.id: p for p in load_corpus(ROOT / "corpus")}
    for pid, anchors in LAUNCH_ANCHORS.items():
        assert [c.anchor for c in corpus[pid].clauses] == anchors.split()


# ---------------------------------------------------------------------------------------------
# Read by hand: the heading path of the clause that holds a passage


HAND_CHECKED = [
    ("capp130/WPS.txt", "您可通过以下列明的方式，并根据相关提示", ("注销您的账号",)),
    ("capp130/WPS.txt", "我们在遵守“合法正当、最小必要、目的明确原则”的前提下共享",
     ("我们如何共享、转让、公开披露您的个人信息", "共享")),
    ("capp130/WPS.txt", "关联公司：指控制珠海金山办公软件有限公司", ("定义",)),
    ("capp130/KFC.txt", "您可以拨打我们的客服电话申请注销账户", ("• 您如何管理您的个人信息", "4. 注销账户")),
    ("capp130/KFC.txt", "为登录我们的网络平台，您将需要注册成为我们的用户",
     ("• 我们如何收集您的个人信息？", "（一）您须授权我们收集和使用您个人信息的情形",
      "1. 实现网络平台服务所必须的功能", "(1) 用户注册")),
    ("capp130/58同城.txt", "您可以在我们的产品或服务中直接申请注销账户", ("七、您管理个人信息的权利", "（五）注销账户")),
    ("capp130/58同城.txt", "在您上传头像时，需要调用您设备的相机/相册权限",
     ("三、我们如何收集和使用您的个人信息", "（一）帮助您成为我们的注册\\登录用户", "1、用户注册",
      "（2）调取的敏感权限")),
    ("capp130/学习通.txt", "1.1学习通由北京世纪超星信息技术发展有限责任公司开发运营", ("第一条 序言",)),
    ("capp130/部落冲突.txt", "为了创建您的账号、用户名和密码",
     ("一 我们收集和使用个人信息的方式、目的及范围", "（二） 我们会出于以下目的，收集和使用您以下类型的个人信息：",
      "1. 帮助您完成注册及登录")),
    ("capp130/nike耐克.txt", "使用目的：若您是iOS设备用户", ("一、 我们如何收集和使用您的个人信息", "相机")),
    ("capp130/炉石传说.txt", "实名好友是一种允许", ("我们会收集哪些个人信息？", "（7）实名好友")),
    ("capp130/王者荣耀.txt", "我们努力为用户的信息安全提供保障", ("4. 信息安全", "4.1 安全保护措施")),
    ("capp130/美团外卖.txt", "处点击进入“注销账号”",
     ("【完整版隐私政策】", "美团外卖隐私政策", "五、您如何管理您的个人信息", "（三）注销账号")),
    ("capp130/QQ.txt", "1.1 当您注册QQ帐号时", ("1. 我们收集的信息", "1.1")),
    ("capp130/交管12123.txt", "您在使用交管12123各项业务的过程中", ("1、我们如何收集和使用个人信息",)),
    ("capp130/JJ斗地主.txt", "当您使用我们的产品或服务时，为了保护您或",
     ("一、我们收集、使用信息的方式、范围和目的", "（四）运营与安全运行：")),
    ("capp130/中国银行.txt", "以下功能中，您可选择是否授权我行使用您的个人信息或权限",
     ("一、我行如何收集和使用您的个人信息", "（一）信息如何收集", "6、以下功能中，您可选择是否授权我行使用您的个人信息或权限：")),
    ("english/dropbox.txt", "We will retain your information for as long as your account is active",
     ("5. Data Retention",)),
    ("english/reddit.txt", "You may delete your account information at any time",
     ("Account Information",)),
    ("english/duckduckgo.md", "We also save searches",
     ("Duck Duck Go Privacy Policy", "Information Collected")),
    ("qa/english/zoom.html", "We do not sell or rent your Personal Information",
     ("Privacy Policy", "Sharing your personal information")),
    ("english/github.html", "Cookies are required to use the GitHub service",
     ("GitHub Privacy Policy", "Cookies")),
    ("english/mozilla.md", "We also have policies in place to prohibit employees",
     ("Mozilla Privacy Policy", "Protection of Certain Personally-Identifying Information",
      "Security")),
]


@pytest.mark.parametrize("where,passage,path", HAND_CHECKED, ids=lambda x: str(x)[:24])
def test_hand_checked_heading_paths(where, passage, path):
    _, policy = read(DATA / where)
    holding = [c for c in policy.clauses if c.answerable and passage in c.text]
    assert len(holding) == 1, [c.anchor for c in holding]
    assert holding[0].path == path


# ---------------------------------------------------------------------------------------------
# English layouts


def test_html_keeps_text_beside_blocks_and_rows_whole(tmp_path):
    page = ("<html><body><nav><a>English</a> <a>中文</a></nav><div id=main>"
            "<h1>Acme Privacy Policy</h1>"
            "<div>We collect your email address when you sign up. "
            "<a href='#'>Learn more</a> about it."
            "<ul><li>Account data</li><li>Usage data</li></ul>"
            "We keep this data for as long as your account is open.<br>"
            "After that we delete it.</div>"
            "<p><b>Third parties</b></p>"
            "<div>We share data with our payment processor only. We never sell it.</div>"
            "<table><tr><th>SDK</th><th>Data</th></tr>"
            "<tr><td>Stripe</td><td>card number</td></tr></table>"
            "<p><strong>Contact</strong></p><p>Write to privacy@acme.example with any question.</p>"
            "</div><footer>© Acme</footer></body></html>")
    (tmp_path / "acme.html").write_text(page, encoding="utf-8")
    policy = load_policy(tmp_path / "acme.html")
    text = "\n".join(c.text for c in policy.clauses if c.answerable)
    for sentence in ("We collect your email address when you sign up.", "Learn more about it.",
                     "We keep this data for as long as your account is open.",
                     "After that we delete it.",
                     "We never sell it.", "Write to privacy@acme.example"):
        assert sentence in text
    assert "English" not in text and "© Acme" not in text
    paths = {c.path[-1]: c for c in policy.clauses if c.answerable}
    assert "We share data with our payment processor only." in paths["Third parties"].text
    # a row per line, its cells together
    assert "SDK Data\nStripe card number" in paths["Third parties"].text
    assert "Write to privacy@acme.example" in paths["Contact"].text


def test_html_table_used_for_layout_is_read_as_blocks():
    page = ("<table><tr><td class=nav>Home</td><td><h2>Data we collect</h2>"
            "<p>We collect your name and email address.</p><h2>Deleting your account</h2>"
            "<p>Write to us and we delete your account within 30 days.</p></td></tr></table>")
    clauses = split_clauses(html_to_text(page), "")
    paths = {c.path[-1]: c.text for c in clauses if c.answerable and c.path}
    assert "within 30 days" in paths["Deleting your account"]
    assert "name and email" in paths["Data we collect"]


@pytest.mark.parametrize("name", ["english/github.html", "qa/english/zoom.html"])
def test_html_policies_keep_every_paragraph(name):
    from selectolax.lexbor import LexborHTMLParser

    raw = (DATA / name).read_text(encoding="utf-8")
    _, policy = read(DATA / name)
    quoted = squash("".join(c.text for c in policy.clauses if c.answerable))
    tree = LexborHTMLParser(raw)
    # every paragraph and list item but the links of the site's menus
    def in_menu(node):
        while node is not None:
            if node.tag in ("ul", "ol") and _is_menu(node):
                return True
            node = node.parent
        return False

    blocks = [squash(n.text(separator=" ")) for n in tree.css("p, li") if n.text(strip=True)
              and not in_menu(n)]
    assert blocks and all(b in quoted for b in blocks)


def test_html_menus_are_not_policy_text():
    page = ("<div class=top><ul><li><a href='/pricing'>PLANS</a></li><li><a href='https://x.com/sales'>"
            "SALES</a></li><li><a href='https://support.x.com'>SUPPORT</a></li></ul></div>"
            "<h1>Privacy Policy</h1><h2>Sharing</h2><p>We share data with these partners:</p>"
            "<ul><li><a href='https://policies.google.com/privacy'>Google Analytics</a></li>"
            "<li><a href='https://www.facebook.com/policy'>Facebook Pixel</a></li>"
            "<li><a href='https://stripe.com/privacy'>Stripe</a></li></ul>"
            "<h2>Selling</h2><p>We do not sell your personal information.</p>"
            "<div class=footer><h4><a href='https://x.com/about'>Sales</a></h4><ul>"
            "<li><a href='tel:1 888 000'>1.888.000</a></li><li><a href='/contactsales'>Contact Sales</a>"
            "</li><li><a href='/pricing'>Plans &amp; Pricing</a></li></ul></div>")
    text = html_to_text(page)
    for menu in ("PLANS", "SUPPORT", "Contact Sales", "1.888.000", "#### Sales"):
        assert menu not in text
    for kept in ("Google Analytics", "Facebook Pixel", "Stripe", "We do not sell"):
        assert kept in text
    sells = [c for c in split_clauses(text, "") if c.answerable and "sell" in c.text.lower()]
    assert [c.path[-1] for c in sells] == ["Selling"]


def test_plain_english_with_language_menu_and_contents():
    text = "\n".join([
        "English", "Deutsch", "Français", "Example Privacy Policy", "Last updated: 1 March 2024",
        "Contents", "1. Information we collect", "2. How we use information", "3. Your choices",
        "1. Information we collect",
        "We collect the information you give us when you create an account, such as your name.",
        "1.1. Device information",
        "We collect your device model and operating system to keep the service running.",
        "2. How we use information",
        "We use your information to provide, maintain and improve the service.",
        "3. Your choices",
        "You can delete your account at any time from the settings page.",
    ])
    clauses = split_clauses(text, "Example Privacy Policy")
    quoted = [c for c in clauses if c.answerable]
    by_path = {c.path: c for c in quoted}
    assert ("1. Information we collect", "1.1. Device information") in by_path
    assert "delete your account" in by_path[("3. Your choices",)].text
    toc = [c for c in clauses if is_aside(c)]
    assert toc and "2. How we use information" in toc[0].text
    assert sum(c.text.count("2. How we use information") for c in quoted) == 1


def test_markdown_bold_lines_and_lists():
    text = ("# Policy\n\nIntro paragraph about this policy and why it matters to you.\n\n"
            "**Cookies**   [top]\n\nWe use cookies to remember your settings between visits.\n\n"
            "  * first item\n  * second item\n\n"
            "**Your rights**\n\nYou may ask us for a copy of your data at any time.\n")
    clauses = split_clauses(text, "Policy")
    paths = {c.path: c for c in clauses if c.answerable}
    assert "  * " not in paths[("Cookies",)].text and "* second item" in paths[("Cookies",)].text
    assert paths[("Cookies",)].text.startswith("**Cookies**")
    assert "copy of your data" in paths[("Your rights",)].text
