"""The sectioner: clauses with heading paths and stable anchors, on both seeds and other styles."""
import re
from pathlib import Path

import pytest

from index import load_corpus, split_clauses
from index.corpus import load_policy
from index.sections import MAX_CHARS, cn_number

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(__file__).parent / "data" / "seeds"  # the launch policies as scraped
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def corpus():
    return {p.id: p for p in load_corpus(ROOT / "corpus")}


def by_anchor(policy):
    return {c.anchor: c for c in policy.clauses}


def test_numbered_item_with_its_steps_is_one_clause(corpus):
    c = by_anchor(corpus["mcmeet"])["s-5-6"]
    assert c.section_id == "5.6"
    assert c.path == ("五、您的权利", "5.6 注销帐号")
    assert "1) 进入盟畅云会议官网" in c.text and "选择“终止账号”" in c.text
    assert "在您注销帐号之后" in c.text


def test_bare_list_markers_join_their_line(corpus):
    text = by_anchor(corpus["mcmeet"])["s-1-18"].text
    assert "\n1) 与我们履行法律法规规定的义务相关的；" in text
    assert not re.search(r"^\d+\)$", text, re.M)


def test_sub_numbering_nests(corpus):
    c = by_anchor(corpus["mcmeet"])["s-1-4-1"]
    assert c.path == ("一、我们如何收集和使用您的信息", "1.4", "1.4.1")


def test_chapter_heading_gets_an_anchor_but_no_quote(corpus):
    c = by_anchor(corpus["mcmeet"])["s-2"]
    assert not c.answerable and c.text == "二、 信息的存储"


def test_unnumbered_headings_and_key_value_lists(corpus):
    clauses = corpus["vymeet"].clauses
    titles = [c.path[-1] for c in clauses]
    for heading in ("推荐", "数据保留", "Cookies和追踪技术", "软件权限获取相关", "vymeet云会议接入的第三方sdk列表"):
        assert heading in titles
    perms = next(c for c in clauses if c.path[-1] == "软件权限获取相关")
    assert "相机权限：会议中可以看到对方影像" in perms.text
    sdk = next(c for c in clauses if c.path[-1] == "vymeet云会议接入的第三方sdk列表")
    assert "小米推送\n功能：用来接收服务器端发送的消息" in sdk.text  # SDK names stay in the list


@pytest.mark.parametrize("seed", ["mcmeet", "vymeet"])
def test_raw_seed_sections_like_the_curated_file(seed, corpus):
    """A policy dropped in raw finds the same headings as its curated file."""
    raw = split_clauses((SEEDS / f"{seed}-privacy-policy.txt").read_text(encoding="utf-8"), seed)
    raw_paths = {c.path[-1] for c in raw if c.path}
    curated = {c.path[-1] for c in corpus[seed].clauses if c.path and c.anchor != "s-0"}
    assert curated - raw_paths <= {"隐私政策"}


def test_every_clause_fits_a_quote(corpus):
    for policy in corpus.values():
        for c in policy.clauses:
            assert len(c.text) <= MAX_CHARS


def test_long_clause_is_split_in_order_at_sentence_ends():
    text = "## 长条款\n" + "\n".join("这是一句关于个人信息的很长的说明文字，" * 8 + "。" for _ in range(12))
    clauses = split_clauses(text, "t")
    parts = [c for c in clauses if c.path == ("长条款",)]
    assert len(parts) >= 2
    assert all(len(c.text) <= MAX_CHARS for c in parts)
    assert [c.anchor for c in parts][1].endswith("-2")
    joined = "\n".join(c.text for c in parts)
    assert joined.replace("\n", "") == text.split("\n", 1)[0][3:] + text.split("\n", 1)[1].replace("\n", "")


def test_one_long_line_splits_at_sentences():
    line = "".join(f"第{i}句话说明我们如何处理您的个人信息以及您的权利。" for i in range(60))
    parts = split_clauses(line, "t")
    assert len(parts) >= 2 and all(len(c.text) <= MAX_CHARS for c in parts)
    assert "".join(c.text for c in parts) == line


def test_anchors_are_unique_and_stable(corpus):
    for policy in corpus.values():
        anchors = [c.anchor for c in policy.clauses]
        assert len(anchors) == len(set(anchors))
    again = load_corpus(ROOT / "corpus")
    assert [c.anchor for p in again for c in p.clauses] == \
        [c.anchor for p in corpus.values() for c in p.clauses]


def test_article_style_policy():
    p = load_policy(DATA / "article-style.txt")
    assert p.title == "星云笔记隐私权政策" and p.product == "星云笔记" and p.updated == "2024-05-01"
    c = by_anchor(p)
    assert c["s-a5"].path == ("第三章 您的权利", "第五条 注销账号")
    assert c["s-a1"].text == "第一条 本政策适用于星云笔记应用及网站提供的全部服务。"
    assert "（二）您可以选择填写昵称、头像。" in c["s-a3"].text
    assert "麦克风权限：用于录制语音笔记" in c["s-a4"].text


def test_markdown_policy_with_title_heading():
    p = load_policy(DATA / "markdown-style.md")
    assert p.title == "Lumen Chat Privacy Notice" and p.updated == "2023-09-12"
    c = by_anchor(p)
    assert c["s-3"].path == ("3. Your choices",)
    assert "Delete account" in c["s-3"].text


def test_html_policy(tmp_path):
    (tmp_path / "page.html").write_text(
        "<html><body><nav>menu</nav><h1>Acme 隐私政策</h1><p>更新日期：2022年1月2日</p>"
        "<h2>一、我们收集的信息</h2><p>我们会收集您的手机号码。</p>"
        "<h2>二、注销账号</h2><ul><li>进入设置</li><li>点击注销</li></ul>"
        "<script>alert(1)</script></body></html>", encoding="utf-8")
    p = load_policy(tmp_path / "page.html")
    assert p.updated == "2022-01-02"
    c = by_anchor(p)
    assert c["s-2"].text == "二、注销账号\n进入设置\n点击注销"
    assert all("alert" not in x.text and "menu" not in x.text for x in p.clauses)


@pytest.mark.parametrize("text,value", [("一", 1), ("十", 10), ("十二", 12), ("二十三", 23), ("7", 7)])
def test_cn_number(text, value):
    assert cn_number(text) == value


def test_label_above_key_value_lines_starts_a_clause(corpus):
    """"相关定义：" and its definitions are a clause of their own, not the tail of 概要."""
    clauses = {c.path: c for c in corpus["mcmeet"].clauses}
    defs = clauses[("概要", "相关定义：")]
    assert defs.text.startswith("相关定义：\n个人用户：")
    assert "最近更新日期" in clauses[("概要",)].text and "个人用户：" not in clauses[("概要",)].text


from hypothesis import given, settings, strategies as st  # noqa: E402

_PIECES = st.sampled_from(["一、", "（二）", "第三条", "1.2", "5.6.1", "1)", "·", "：", "。", "\n", "\n\n",
                           "个人信息", "注销账号", "a", "Z9", " ", "推荐", "相关定义：", "名称：值"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=80).map("".join) | st.text(max_size=300))
def test_sectioner_keeps_every_character_and_the_size_limit(text):
    """Whatever the input, clauses keep all its text, in order, each within the limit."""
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    clauses = split_clauses(text, "")
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    assert squash("".join(c.text for c in clauses)) == squash(text)
    assert all(len(c.text) <= MAX_CHARS for c in clauses)
    assert len({c.anchor for c in clauses}) == len(clauses)
