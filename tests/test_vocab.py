"""The vocabulary files of index/vocab/: their formats, the rules that keep them from working
against each other, and that each privacy topic reads in Simplified, Traditional and English.

The topic checks below are the vocabulary's own intent (a colloquial word → the word a policy
uses), written from the policies' wording, not from any question set.
"""
from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pytest

from index.query import Vocabulary, stem_words
from index.text import VOCAB_DIR, normalize, read_lines, stem

CAPP130 = Path(__file__).parent / "data" / "capp130"
CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")

# Single characters that may be synonym triggers. A trigger matches as a substring, so a single
# character fires inside every word holding it; these are the few whose every common word in a
# question means the same thing, or whose other words are themselves longer triggers that match
# first (longest first):
SINGLE_CHARACTER_TRIGGERS = {
    "删": "delete: 删除 删掉 删了 删号 all mean it",
    "卖": "sell: 卖给 出卖 倒卖; 卖家 (a merchant) is a longer trigger of its own",
    "改": "change: 修改 更改 改正; 改善 改进 are longer triggers of their own",
    "号": "the account in 把号删了 号没了; 手机号 账号 型号 信号 are longer triggers or own words",
    "娃": "a child (娃 我家娃); no other word of a privacy question holds it",
    "填": "fill in (填写 填入 要填): what a form asks for",
}
# Words a stopword must never be: they carry what a question asks about.
PRIVACY_WORDS = ["删", "删除", "看", "查看", "存", "保存", "关", "关闭", "卖", "共享", "分享",
                 "share", "keep", "see", "delete", "sell", "track", "store", "collect"]
# Domain nouns of whole kinds of apps: never off-topic cues (a food-delivery policy is about 外卖).
DOMAIN_NOUNS = ["外卖", "音乐", "游戏", "视频", "地图", "银行", "电影", "新闻", "购物", "直播",
                "music", "game", "video", "map", "bank", "movie", "news", "shopping", "delivery"]
MAX_CUE_POLICIES = 20  # of the 110 CAPP-130 policies


@lru_cache(maxsize=1)
def vocab() -> Vocabulary:
    return Vocabulary.load()


def zh_lines() -> list[tuple[list[str], list[str], bool]]:
    """(triggers, targets, one_way) of each zh_synonyms.txt line, normalized."""
    out = []
    for line in read_lines("zh_synonyms.txt"):
        left, sep, right = line.partition("=>")
        triggers = [normalize(s.strip()) for s in left.split("|") if s.strip()]
        targets = [normalize(t) for t in right.split()] if sep else []
        out.append((triggers, targets, bool(sep)))
    return out


def en_lines() -> list[tuple[list[str], list[str]]]:
    """(English phrases as written, Chinese terms) of each en_zh.txt line, normalized."""
    out = []
    for line in read_lines("en_zh.txt"):
        left, sep, right = line.partition("=>")
        assert sep, f"en_zh.txt: no '=>' in {line!r}"
        out.append(([normalize(p.strip()) for p in left.split("|") if p.strip()],
                    [normalize(t) for t in right.split() if t != "~"]))
    return out


def stopword_list() -> list[str]:
    return [normalize(w) for line in read_lines("stopwords.txt") for w in line.split()]


@lru_cache(maxsize=1)
def capp130() -> tuple[list[str], list[set[str]]]:
    """The CAPP-130 policies, normalized, and the stems of their English words."""
    docs = [normalize(p.read_text(encoding="utf-8", errors="ignore"))
            for p in sorted(CAPP130.glob("*.txt")) if p.name != "README.md"]
    return docs, [set(stem_words(d)) for d in docs]


# -- formats -----------------------------------------------------------------------------------

def test_every_file_loads():
    v = vocab()
    assert len(v.en_phrases) > 800 and len(v.zh_rules) > 1500
    for name in ("en_zh.txt", "zh_synonyms.txt", "offtopic.txt", "generic.txt", "stopwords.txt",
                 "userdict.txt", "variants.txt"):
        assert read_lines(name), name


def test_en_zh_lines_have_chinese_terms():
    for phrases, terms in en_lines():
        assert phrases and all(stem_words(p) for p in phrases), phrases
        assert terms and any(CJK.search(t) for t in terms), (phrases[0], terms)
        # The first term maps back to the English phrases (a Chinese question about an English
        # policy): Chinese, or a Latin word Chinese policies write as it is (IMEI, cookie).
        assert CJK.search(terms[0]) or terms[0] in phrases or terms[0] in {
            w for p in phrases for w in p.split()}, (phrases[0], terms[0])


def test_en_phrases_hold_no_stopword():
    """A word used in an English phrase stops being a stopword everywhere (query.Vocabulary)."""
    stops = {stem(w) for w in stopword_list()} | set(stopword_list())
    bad = [(p, w) for phrases, _ in en_lines() for p in phrases for w in stem_words(p) if w in stops]
    assert not bad


# Stems whose words really have two meanings in privacy questions, so both lines hold them on
# purpose and a clause of either meaning may answer: "my contacts" (the address book) and
# "contact you" share the stem "contact".
TWO_MEANINGS = {("contact",)}


def test_en_phrase_belongs_to_one_line():
    """The same stemmed phrase on two lines would merge their meanings silently."""
    lines = defaultdict(set)
    for i, (phrases, _) in enumerate(en_lines()):
        for p in phrases:
            lines[tuple(stem_words(p))].add(i)
    assert not {k: v for k, v in lines.items() if len(v) > 1 and k not in TWO_MEANINGS}


def test_zh_synonym_lines_parse():
    for triggers, targets, one_way in zh_lines():
        assert triggers, (triggers, targets)
        assert targets if one_way else len(triggers) >= 2, (triggers, targets)


def test_zh_trigger_belongs_to_one_line():
    """Triggers match longest first and a matched one is removed, so a trigger on a second line
    would never fire there."""
    lines = defaultdict(set)
    for i, (triggers, _, _) in enumerate(zh_lines()):
        for t in triggers:
            lines[t].add(i)
    assert not {t: v for t, v in lines.items() if len(v) > 1}


def test_single_character_triggers_are_allowed_ones():
    singles = {t for triggers, _, _ in zh_lines() for t in triggers if len(t) == 1}
    assert singles <= set(SINGLE_CHARACTER_TRIGGERS), singles - set(SINGLE_CHARACTER_TRIGGERS)


def test_userdict_lines():
    for line in read_lines("userdict.txt"):
        parts = line.split()
        assert 1 <= len(parts) <= 2 and (len(parts) == 1 or parts[1].isdigit()), line


def test_variants_map_to_a_stable_form():
    """The form a variant is folded to is left as it is by normalizing (no chains)."""
    for line in read_lines("variants.txt"):
        left, sep, right = line.partition("=>")
        assert sep and right.strip() and left.strip(), line
        assert normalize(right.strip()) == right.strip(), line
        assert all(normalize(s.strip()) == right.strip() for s in left.split("|")), line


# -- the files against each other -----------------------------------------------------------------

def test_offtopic_cues_are_intents_not_domain_nouns():
    """A cue a policy uses often is a domain noun (外卖 in a food-delivery policy), not the intent
    of a question no policy answers."""
    docs, stems = capp130()
    assert len(docs) == 110
    cues = [normalize(w) for w in read_lines("offtopic.txt")]
    for cue in cues:
        if cue.isascii():
            assert len(cue.split()) == 1, f"English cues are single words: {cue!r}"
            s = stem(cue)
            n = sum(s in st for st in stems)
        else:
            n = sum(cue in d for d in docs)
        assert n <= MAX_CUE_POLICIES, f"{cue} is in {n} of 110 policies"
    assert not set(cues) & {normalize(w) for w in DOMAIN_NOUNS}


def test_stopwords_are_not_vocabulary_terms():
    """A stopword is dropped from questions and policies alike: it must not be a word a clause is
    matched on (a synonym target, a Chinese term of en_zh, a word of an English phrase, a
    dictionary word, a product word, a cue). It may be a synonym trigger: triggers match the
    question's text, so a phrasing like 干什么 still adds 目的 用途 without being searched itself."""
    stops = stopword_list()
    targets = {t for triggers, targets, one_way in zh_lines() for t in (targets if one_way else triggers)}
    en_terms = {t for _, terms in en_lines() for t in terms}
    en_words = {w for phrases, _ in en_lines() for p in phrases for w in stem_words(p)}
    userdict = {normalize(line.split()[0]) for line in read_lines("userdict.txt")}
    generic = {normalize(w) for w in read_lines("generic.txt")}
    cues = {normalize(w) for w in read_lines("offtopic.txt")}
    bad = {w for w in stops
           if w in targets | en_terms | userdict | generic | cues
           or (w.isascii() and stem(w) in en_words)}
    assert not bad
    assert not set(stops) & {normalize(w) for w in PRIVACY_WORDS}


def test_the_tokenizer_drops_every_stopword_of_the_list():
    """Every word of stopwords.txt, also on a line that holds several (the English fillers,
    the standard list), is a stopword of questions and policies."""
    from index.text import Tokenizer
    stops = Tokenizer([]).stopwords
    assert [w for w in stopword_list() if w not in stops] == []


def test_generic_words_are_not_cues():
    generic = {normalize(w) for w in read_lines("generic.txt")}
    assert not generic & {normalize(w) for w in read_lines("offtopic.txt")}


# -- topics, in three languages -----------------------------------------------------------------

def zh_terms(question: str) -> set[str]:
    """The words a Chinese question adds through zh_synonyms.txt (with its triggers)."""
    norm = normalize(question)
    return {w for trigger, targets in vocab().rules_in(norm) for w in (trigger, *targets)}


def en_terms(question: str) -> set[str]:
    """Chinese terms and sibling English phrases an English question reads as."""
    found, _ = vocab().translate(question)
    out = set()
    for terms, _, key in found:
        out |= set(terms) | set(vocab().en_siblings.get(key, ()))
        out |= {s for t in terms for s in vocab().expand(t)}
    return out


@pytest.mark.parametrize("question,term", [
    # account closing, after it, deceased users
    ("怎么销号", "注销账号"), ("如何刪除帳號", "注销账号"), ("不玩了怎么删号", "注销账号"),
    ("注销以后数据还在吗", "删除"), ("亲人去世了账号怎么办", "近亲属"), ("人过世了信息怎么处理", "去世"),
    # registration, real name, ID cards, biometrics
    ("为什么要实名", "实名认证"), ("為什麼要上傳身分證", "身份证"), ("刷脸会存我的脸吗", "人脸识别"),
    ("臉部辨識資料存多久", "人脸信息"), ("会采集指纹吗", "生物识别信息"), ("声纹会保存吗", "生物识别信息"),
    # what is collected
    ("会读我复制的内容吗", "剪切板"), ("會讀取剪貼簿嗎", "剪贴板"), ("为啥要读我手机装了哪些应用", "应用列表"),
    ("为什么要读取OAID", "设备标识符"), ("會讀取聯絡人嗎", "通讯录"), ("为什么要陀螺仪", "传感器"),
    ("为什么要蓝牙权限", "附近设备"), ("為什麼要開藍芽", "附近设备"), ("通迅录", "联系人"), ("会读通话记录吗", "通话记录"), ("心率数据给谁", "运动数据"),
    ("银行卡号会保存吗", "支付信息"), ("收货地址会给谁", "收货地址"), ("搜索记录会保存吗", "搜索关键词"),
    ("观看历史会被用来推荐吗", "观看记录"), ("听歌记录", "播放记录"), ("行程会被记录吗", "行程信息"),
    ("会看我的私信吗", "聊天记录"), ("我發的帖子會公開嗎", "发布"),
    # permissions and turning them off
    ("怎么关掉定位", "撤回授权"), ("在設定裡怎麼關閉權限", "系统设置"),
    # sharing
    ("手机号会给骑手吗", "配送员"), ("外送員會看到我的電話嗎", "号码保护"), ("卖家能看到我的地址吗", "商家"),
    ("房东能看到我的信息吗", "房源"), ("警察能查我的信息吗", "司法机关"), ("会把我的信息卖掉吗", "出售"),
    # personalisation, ads, automated decisions
    ("怎么关闭个性化推荐", "定向推送"), ("個人化推薦怎麼關", "个性化推荐"), ("不想要定向广告", "个性化广告"),
    ("是算法自动决定的吗", "自动化决策"), ("演算法", "自动化决策"),
    # retention, location, security, minors, cookies
    ("你们保存多久", "保存期限"), ("数据会传到国外吗", "境外"), ("有没有等保认证", "安全认证"),
    ("小孩能用吗", "不满14周岁"), ("有没有防沉迷", "青少年模式"), ("網路信標是什麼", "像素标签"),
    # contact, rights, changes, login, marketing
    ("投诉多久回复", "15个工作日"), ("能给我一份我的数据吗", "副本"), ("你们有我哪些信息", "查阅"),
    ("用微信登录会拿到什么", "第三方账号"), ("怎么退订营销短信", "退订"), ("隐私政策改了会通知我吗", "变更"),
])
def test_chinese_wording_reaches_policy_wording(question, term):
    assert normalize(term) in zh_terms(question)


@pytest.mark.parametrize("question,term", [
    ("how do I nuke my account", "注销账号"), ("get rid of my acct", "注销账号"), ("wipe my account", "注销账号"),
    ("what happens to my account after I die", "近亲属"), ("do you use facial recognition", "人脸识别"),
    ("do you read my clipboard", "剪切板"), ("do you read my call log", "通话记录"),
    ("do you collect my heart rate", "运动数据"), ("can sellers see my address", "商家"),
    ("will the courier get my phone number", "骑手"), ("can my landlord see my info", "房东"),
    ("do you spy on me", "追踪"), ("do you sell my info to data brokers", "出售"),
    ("turn off personalized ads", "个性化广告"), ("how do I opt out of targeted ads", "程序化广告"),
    ("do you use algorithms to decide", "自动化决策"), ("is my data transferred abroad", "境外"),
    ("is my kid's data safe", "监护人"), ("does it have a teen mode", "青少年模式"),
    ("stop marketing texts", "退订"), ("can I log in with apple id", "第三方账号"),
    ("do you share my search history", "搜索记录"), ("who sees my DMs", "私信"),
    ("how do I get a copy of my data", "副本"), ("can I object to processing", "限制处理"),
    ("how do I lodge a complaint with the supervisory authority", "监管部门"),
])
def test_english_wording_reaches_policy_wording(question, term):
    assert normalize(term) in en_terms(question)


@pytest.mark.parametrize("question,sibling", [
    ("how do I nuke my account", "close account"), ("do you use facial recognition", "face id"),
    ("personalized ads", "interest based ads"), ("international transfer", "privacy shield"),
])
def test_english_phrases_find_how_an_english_policy_says_it(question, sibling):
    assert sibling in en_terms(question)


@pytest.mark.parametrize("question", [
    "配送费多少钱", "外卖多久送到", "怎么退款", "忘记密码怎么办", "推荐几首好听的歌", "王者荣耀怎么上分",
    "信用卡额度怎么提", "明天天气怎么样", "给我讲个笑话", "can I get a refund", "what's the weather tonight",
])
def test_off_topic_intents_have_cues(question):
    assert vocab().offtopic_cues(normalize(question))


@pytest.mark.parametrize("question", [
    "美团外卖会收集我的位置吗", "网易云音乐的听歌记录给谁", "游戏会收集人脸吗", "视频app会读剪切板吗",
    "地图app会一直定位吗", "银行app会读通讯录吗", "does the music app share my listening history",
])
def test_domain_nouns_are_not_cues(question):
    assert not vocab().offtopic_cues(normalize(question))


def test_dictionary_lines():
    """vocab/en_zh_dict.txt (tools/dictionary_table.py): English stems → Chinese words, its
    license stated; no English function word or stopword is looked up in it."""
    path = VOCAB_DIR / "en_zh_dict.txt"
    header = "".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if line.startswith("#"))
    assert "CC-CEDICT" in header and "Attribution-ShareAlike 4.0" in header
    table = vocab().dictionary
    assert len(table) > 2000
    stops = set(stopword_list())
    for key, words in table.items():
        assert re.fullmatch(r"[a-z]+", key) and key not in stops, key
        assert 1 <= len(words) <= 2 and all(CJK.fullmatch(ch) for w in words for ch in w), (key, words)
    assert table["map"][0] == "地图" and "over" not in table and "whole" not in table


def test_regions_read_both_ways():
    """Each region has its line, its Chinese name first: 美国 reads back to "united states" for
    an English policy, and "Germany" is an EU country abroad for a Chinese one."""
    assert "united states" in vocab().english("美国") and "european union" in vocab().english("欧盟")
    assert {"欧盟", "境外"} <= en_terms("is my data sent to germany")
