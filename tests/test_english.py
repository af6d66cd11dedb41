"""English policies: English questions meet them in any form of their words, Chinese and
Traditional questions through the bilingual vocabulary read the other way."""
from pathlib import Path

import pytest

from conftest import index_of_text
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


# -- words the hand-written tables do not list: the dictionary (vocab/en_zh_dict.txt) ------------

SHOP_ZH = """# 小店隐私政策

## 一、我们收集的信息
我们会收集您的手机号码和收货地址，用于完成订单配送。

## 二、第三方地图服务
为向您展示附近的门店，我们接入了第三方地图服务，该服务会获取您的粗略位置。

## 三、账号安全
为保障账号安全，我们的系统可能会自动屏蔽存在异常登录行为的账号，您可联系客服解除。

## 四、注销账号
您可以在“设置-账号”中注销账号，注销后我们将删除您的账号信息。

## 五、联系我们
如您对本政策有任何疑问，可发送邮件至 privacy@example.com 与我们联系。
"""

SHOP_EN = """# Corner Shop Privacy Policy

## Information we collect
We collect your phone number and delivery address to fulfil your orders.

## Map services
To show stores near you, we embed a third-party map provider, which receives your approximate location.

## Location
We use your precise location to estimate delivery times and to show your order on its way.

## Contact us
If you have questions about this policy, email privacy@example.com.
"""


@pytest.fixture(scope="module")
def shops(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shops")
    (folder / "shopzh.md").write_text(SHOP_ZH, encoding="utf-8")
    (folder / "shopen.md").write_text(SHOP_EN, encoding="utf-8")
    return folder


@pytest.mark.parametrize("question, needle", [
    ("Which map service do you use?", "第三方地图服务"),                # map → 地图
    ("Can the system automatically block my account?", "自动屏蔽"),     # system, automatic, block
])
def test_english_words_only_the_dictionary_translates_reach_a_chinese_policy(shops, question, needle):
    index = PolicyIndex([load_policy(shops / "shopzh.md")])
    reply = index.ask(question)
    assert reply.answered and needle in reply.answers[0].quote


def test_the_dictionary_read_backwards_takes_a_chinese_question_to_an_english_policy(shops):
    """地图 is in no line of en_zh.txt: the dictionary's "map" (whose first word is 地图) is how
    the English policy says it."""
    index = PolicyIndex([load_policy(shops / "shopzh.md"), load_policy(shops / "shopen.md")])
    reply = index.ask("Corner Shop会把我的位置给地图吗")
    assert reply.answered and "third-party map provider" in reply.answers[0].quote


def test_a_word_the_tables_translate_also_takes_the_dictionarys_words(index):
    """en_zh.txt reads "clear" as 删除; the dictionary adds 清除 (清除搜索记录), at a synonym's weight."""
    concept = next(c for c in index.analyze("can I clear my search history").concepts
                   if c.alts[0].key == "clear")
    weights = {a.key: a.weight for a in concept.alts}
    assert weights["删除"] == 1.0 and weights["清除"] < 1.0


NOTES_ZH = """# 云笔记隐私政策

云笔记是一款笔记应用。

## 一、我们收集的信息
注册时我们收集您的手机号码，您使用同步功能时我们收集您的笔记内容。

## 二、我们如何使用信息
我们使用您的信息提供笔记同步服务并保障账号安全。

## 三、您的权利
在您使用云笔记期间，我们为您提供相应的操作设置，以便您可以查询、复制、删除、更正或撤回您的相关个人信息，您可通过“我的-设置-隐私”进行操作，我们会在十五个工作日内回复您的请求。

## 四、变更
我们可能适时变更本政策。政策发生变更时，我们会在变更生效前通知您，变更后的政策自公布之日起生效，重大变更会单独提示。

## 五、联系我们
如有疑问，请发送邮件至 privacy@note.example。
"""


@pytest.mark.parametrize("question", ["How can I correct my info?",
                                      "How do I fix wrong information in my profile?"])
def test_a_hint_of_the_table_counts_less_than_a_translation(tmp_path, question):
    """en_zh.txt gives "correct" 更正 修改 and, after "~", the hint 变更: a policy says 变更 for
    changes to itself, so a clause that says it three times does not outweigh the one that
    says 更正 once."""
    index = index_of_text(tmp_path, NOTES_ZH, "notes.md")
    assert top(index, question).quote.startswith("三、您的权利")


def test_the_table_keeps_hints_apart_and_refuses_a_line_of_hints_only(tmp_path, monkeypatch):
    from index import text
    from index.query import Vocabulary
    vocab = Vocabulary.load()
    assert "变更" in vocab.en_hints[("correct",)] and "更正" not in vocab.en_hints[("correct",)]
    assert "变更" in vocab.en_phrases[("correct",)]  # still a term of the line
    for path in text.VOCAB_DIR.glob("*.txt"):  # the real tables, en_zh.txt replaced below
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "en_zh.txt").write_text("correct | fix => ~ 变更\n", encoding="utf-8")
    monkeypatch.setattr(text, "VOCAB_DIR", tmp_path)
    with pytest.raises(ValueError, match="a translation first"):
        Vocabulary.load()


STORAGE_ZH = """# 云笔记隐私政策

云笔记是一款笔记应用。

## 一、我们收集的信息
注册时我们收集您的手机号码，您使用同步功能时我们收集并存储您的笔记内容。

## 二、信息的存储
### 1. 存储期限
我们仅在实现本政策所述目的所必需的期限内存储您的个人信息，超出期限后我们将删除或匿名化处理您的个人信息。

### 2. 存储地点
我们在中华人民共和国境内收集和产生的个人信息，将存储在中华人民共和国境内的服务器上。

## 三、联系我们
如有疑问，请发送邮件至 privacy@note.example。
"""


@pytest.mark.parametrize("question, heading", [
    ("Where is my data stored?", "2. 存储地点"),
    ("where are my notes saved", "2. 存储地点"),
    ("How long do you keep my data?", "1. 存储期限"),
])
def test_where_data_is_kept_asks_for_the_place(tmp_path, question, heading):
    """"where" is a stopword; after it a verb of keeping asks where, as 存储在哪 does."""
    index = index_of_text(tmp_path, STORAGE_ZH, "notes.md")
    assert top(index, question).quote.startswith(heading)


def test_where_before_another_verb_is_no_question_of_place(index):
    q = index.analyze("Where can I view the personal info McMeet holds about me?")
    assert "存储地点" not in q.words
