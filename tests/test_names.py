"""Product names in questions (index/names.py): the corpus's products, the products of
vocab/apps.txt it does not hold, and third parties named as a means."""
from pathlib import Path

import pytest

from conftest import index_of_text
from index import PolicyIndex, load_corpus
from index.corpus import load_policy
from index.names import Names, known_products

ROOT = Path(__file__).resolve().parent.parent
CAPP = Path(__file__).parent / "data" / "capp130"


@pytest.fixture(scope="module")
def index():
    """The launch policies and two real ones dropped in raw."""
    return PolicyIndex(load_corpus(ROOT / "corpus") + [load_policy(CAPP / "哔哩哔哩.txt"),
                                                        load_policy(CAPP / "拼多多.txt")])


def test_the_list_is_loaded_with_its_marks():
    products = known_products()
    assert len(products) >= 600
    signal = next(p for p in products if "Signal" in p.names)
    assert "Signal" in signal.cased  # an ordinary word too: only as a name


def test_a_held_product_takes_the_other_names_of_its_line(index):
    for question in ("b站会收集我的位置吗", "Does bilibili sell my data?", "PDD怎么注销账号"):
        q = index.analyze(question)
        assert q.products and not q.foreign, question
    assert index.analyze("b站会收集我的位置吗").products == ["哔哩哔哩"]
    assert index.analyze("PDD怎么注销账号").products == ["拼多多"]


@pytest.mark.parametrize("question, product", [
    ("怎么注销抖音账号", "抖音"), ("Does Instagram sell my data to advertisers?", "Instagram"),
    ("微信会读取我的聊天记录吗", "微信"), ("WhatsApp會讀取我的通訊錄嗎", "WhatsApp"),
    ("腾讯会议的隐私政策", "腾讯会议"),
])
def test_a_product_the_corpus_lacks_is_declined_by_name(index, question, product):
    reply = index.ask(question)
    assert not reply.answered and not reply.answers
    assert product in reply.message
    assert "盟畅云会议" in reply.message  # …and says what it can answer about


def test_a_product_named_as_a_means_is_a_third_party(index):
    q = index.analyze("用微信登录会获取我哪些信息")
    assert not q.foreign and q.products == []
    assert "微信" in q.words and "wechat" in q.words  # still part of what is asked, in all its names
    assert index.ask("用微信登录b站会获取我哪些信息").answered


def test_asked_on_a_policy_that_names_the_third_party(index):
    # 哔哩哔哩's policy names 微信 (login, sharing): asked on its page, it is answered
    assert index.ask("微信会拿到我的什么信息", policy_id="哔哩哔哩").answered
    # a product that policy never names is declined even there
    assert not index.ask("Netflix会拿到我的什么信息", policy_id="哔哩哔哩").answered


def test_names_that_are_ordinary_words():
    names = Names({}, {"signal": "Signal", "ins": "Instagram", "如家": "如家酒店"},
                  {"signal": "Signal", "如家": "如家"})
    assert names.find("does signal read my messages", question="Does Signal read my messages").foreign == ["Signal"]
    assert names.find("weak signal", question="weak signal").foreign == []
    assert names.find("signal app", question="signal app").foreign == ["Signal"]
    assert names.find("how to install", question="how to install").foreign == []  # whole words
    # a Chinese one counts unless a word of the question runs across it: 比如 holds 如
    assert names.find("比如家里", question="比如家里", words=[(0, 2), (2, 4)]).foreign == []
    assert names.find("如家会员", question="如家会员", words=[(0, 2), (2, 4)]).foreign == ["如家酒店"]


def test_a_policy_that_misnames_itself_keeps_its_listed_name():
    """A raw file whose guessed product is wrong is still found by the listed name its
    opening uses and its text repeats (学习通 here), not by a partner it names now and then."""
    policy = load_policy(CAPP / "学习通.txt")
    policy.id, policy.product, policy.aliases = "xuexitong", "本将帮您了解已下内容", []
    names = Names.build([policy])
    assert names.ids.get("学习通") == "xuexitong" and names.ids.get("超星学习通") == "xuexitong"
    assert "支付宝" in names.foreign and "淘宝" in names.foreign  # partners it names in passing


def test_an_english_word_that_names_an_app_in_a_chinese_question():
    keep = load_policy(CAPP / "KEEP.txt")
    index = PolicyIndex(load_corpus(ROOT / "corpus") + [keep])
    assert index.analyze("keep怎么注销账号").products == [keep.id]
    assert index.analyze("How long do you keep my data?").products == []  # a verb here


def test_an_age_asks_about_minors(policy_index):
    q = policy_index.analyze("12岁能用吗")
    assert any("未成年人" in a.key for c in q.concepts for a in c.alts)


@pytest.mark.parametrize("question, name", [
    ("小猿搜题的隐私政策", "小猿搜题"), ("怎么注销小猿搜题账号", "小猿搜题"),
    ("How do I delete my Strava account?", "Strava"), ("What is Strava's privacy policy?", "Strava"),
])
def test_a_product_the_list_lacks_named_where_a_name_goes(index, question, name):
    reply = index.ask(question)
    assert not reply.answered and name in reply.message


@pytest.mark.parametrize("question", ["怎么注销我的账号", "我的数据会被卖吗", "How do I delete my account?",
                                      "What does the Privacy Policy say about cookies?"])
def test_the_same_places_without_a_name(index, question):
    assert index.ask(question).answered


def test_the_rest_of_a_name_found_in_part_is_no_question_word():
    names = Names({"netease": "网易云音乐", "netease cloud music": "网易云音乐"})
    found = names.find("netease music privacy email")
    assert found.products == ["网易云音乐"] and found.rest.split() == ["privacy", "email"]
    assert names.find("music of netease").rest.split() == ["music", "of"]  # not beside it


def test_pinyin_of_a_name():
    from index.names import pinyin
    assert (pinyin("抖音"), pinyin("直聘"), pinyin("皮皮虾")) == ("douyin", "zhipin", "pipixia")


def test_a_chinese_name_typed_in_pinyin_names_its_product():
    """People abroad write Chinese products in pinyin: "Boss Zhipin" is BOSS直聘 (and "zhipin" is
    no word of the question), "pipixia" is 皮皮虾, a listed product the corpus does not hold."""
    boss = load_policy(CAPP / "boss直聘.txt")
    index = PolicyIndex([boss])
    q = index.analyze("how do i delete my Boss Zhipin account")
    assert q.products == [boss.id] and "zhipin" not in q.words
    assert index.analyze("does pipixia read my contacts").foreign == ["皮皮虾"]


def test_a_chinese_part_two_names_share_is_no_pinyin_name(index):
    """云会议 ends both launch products' names: "yunhuiyi" names neither."""
    assert index.analyze("yunhuiyi").products == []
    assert index.analyze("does mengchang record my meetings").products == ["mcmeet"]


def test_a_third_party_named_as_a_means_is_asked_in_all_its_names(tmp_path):
    """用脸书登录: Facebook is a means, not the product asked about; an English policy says
    "Facebook", so the question reads 脸书 in all the names of its line of apps.txt."""
    index = index_of_text(tmp_path,
        "# Corner Shop Privacy Policy\n\n## Information we collect\nWe collect your name, e-mail "
        "address and delivery address when you place an order.\n\n## Signing in with Facebook\n"
        "If you sign in with Facebook, we receive your public profile and e-mail address from "
        "Facebook.\n\n## Cookies\nWe use cookies to keep you signed in.\n", "corner.md")
    q = index.analyze("我用脸书登录，你们能拿到我哪些信息")
    assert q.products == [] and q.foreign == [] and "facebook" in q.words
    reply = index.ask("我用脸书登录，你们能拿到我哪些信息")
    assert reply.answered and "sign in with Facebook" in reply.answers[0].quote
