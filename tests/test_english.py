"""English policies: English questions meet them in any form of their words, Chinese and
Traditional questions through the bilingual vocabulary read the other way."""
from pathlib import Path

import pytest

from index import PolicyIndex, load_corpus
from index.corpus import load_policy

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = Path(__file__).parent / "data" / "english"


@pytest.fixture(scope="module")
def index():
    """The launch policies (Chinese) and a real English policy dropped in raw."""
    return PolicyIndex(load_corpus(ROOT / "corpus") + [load_policy(ENGLISH / "dropbox.txt")])


def top(index, question, policy_id=None):
    reply = index.ask(question, policy_id)
    assert reply.answered, question
    return reply.answers[0]


def quotes(index, question, k=3):
    """The first k quotes: the policy has three clauses on deleting (section 4, the account's
    information; 5, the account; 6, a team account)."""
    reply = index.ask(question, top_k=k)
    assert reply.answered, question
    assert all(a.policy_id == "dropbox" for a in reply.answers)
    return " ".join(a.quote for a in reply.answers)


@pytest.mark.parametrize("question, needle", [
    ("Does Dropbox use cookies?", "A cookie is a small data file"),
    ("Can kids under 13 use Dropbox?", "not directed to persons under 13"),
    ("How long does Dropbox keep my information?", "retain your information for as long as"),
])
def test_english_question_english_policy(index, question, needle):
    answer = top(index, question)
    assert answer.policy_id == "dropbox" and needle in answer.quote


@pytest.mark.parametrize("question, needle", [
    ("Dropbox会用cookie吗", "A cookie is a small data file"),
    ("小孩能用Dropbox吗", "not directed to persons under 13"),
    ("Dropbox會保存我的資料多久", "retain your information for as long as"),
])
def test_chinese_question_english_policy(index, question, needle):
    answer = top(index, question)
    assert answer.policy_id == "dropbox" and needle in answer.quote


@pytest.mark.parametrize("question", [
    "How do I delete my Dropbox account?", "Dropbox怎么注销账号", "Dropbox帳號怎麼刪除",
    # deleting / deletion meet the policy's "delete" (Snowball stems)
    "deleting my Dropbox account", "Dropbox account deletion"])
def test_deleting_the_account(index, question):
    assert "you may delete your account" in quotes(index, question)


def test_chinese_policies_still_answer_in_chinese(index):
    assert top(index, "盟畅怎么注销账号").policy_id == "mcmeet"
    assert top(index, "How do I delete my McMeet account?").policy_id == "mcmeet"


def test_a_function_word_is_neither_a_concept_nor_a_typo_target(index):
    """"only", "while" and the like are stopwords: they are not searched, and an unknown word
    one letter away ("whole") is not read as one of them."""
    keys = [c.alts[0].key for c in index.analyze(
        "I only want to withdraw consent to the whole privacy policy, while keeping my account").concepts]
    assert not {"onli", "while", "whole"} & set(keys)
