"""Typos of questions read as the policy words they stand for (index/spelling.py)."""
from index.spelling import Spelling, homophones

WORDS = {"注销": 40, "权限": 60, "超市": 3, "缓存": 5, "大多": 4, "account": 30, "recipi": 6,
         "cooki": 20, "locat": 9}


def test_homophone_typos_of_a_pinyin_input_method():
    s = Spelling(WORDS)
    assert s.correct("注消") == "注销"
    assert s.correct("权现") == "权限"
    assert homophones("消", "销") and not homophones("时", "市")  # tones count


def test_other_words_are_not_typos():
    s = Spelling(WORDS)
    assert s.correct("超时") is None  # chāoshí is not chāoshì
    assert s.correct("还存") is None  # hái is not huǎn
    assert s.correct("太多") is None  # tài's character 大 reads dà first
    assert s.correct("天气") is None
    assert s.correct("注销") is None  # a word of the index is no typo


def test_english_slips_before_the_last_letter():
    s = Spelling(WORDS)
    assert s.correct("acount") == "account"  # a dropped letter
    assert s.correct("acocunt") == "account"  # two letters swapped
    assert s.correct("acuont") is None  # two edits
    assert s.correct("recip") is None  # another ending is another word (recipe, recipient)
    assert s.correct("cooki") is None and s.correct("loca") is None  # too short to tell


def test_readings_cover_the_common_characters():
    """vocab/pinyin.txt: every character of the CJK Unified Ideographs block people type."""
    from index.spelling import readings

    table = readings()
    assert len(table) > 20_000
    assert table[ord("销")] == table[ord("消")] == "xiāo"
