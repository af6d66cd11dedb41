"""Query understanding: language, synonyms, English vocabulary, product routing, abstention."""
import pytest

from index.query import Vocabulary, detect_language, stem_words


@pytest.fixture(scope="module")
def idx(policy_index):
    return policy_index


@pytest.mark.parametrize("question,lang", [
    ("怎么注销账号？", "zh"), ("如何註銷帳號？", "zh-Hant"), ("How do I delete my account?", "en"),
    ("vymeet账号可以注销吗", "zh"), ("Does McMeet use cookies", "en"), ("盟畅用cookie做什么", "zh"),
    ("🙂", "zh"),
])
def test_detect_language(question, lang):
    assert detect_language(question) == lang


def test_vocabulary_files_parse():
    vocab = Vocabulary.load()
    assert len(vocab.en_phrases) > 50 and len(vocab.zh_rules) > 50


def test_stemming_matches_word_forms():
    assert stem_words("deleting deleted deletes") == ["delet"] * 3


def test_colloquial_chinese_expands_to_policy_words(idx):
    q = idx.analyze("我不想用了，怎么销号")
    assert "注销" in q.words and q.words["注销"] < 1.0  # added by a synonym, weighted lower
    assert "销号" in q.words or "销" in q.words  # the asker's own word stays


def test_english_question_is_translated(idx):
    q = idx.analyze("How do I delete my account?")
    assert q.lang == "en"
    assert {"注销", "账号"} <= set(q.words)


def test_traditional_question_is_converted(idx):
    q = idx.analyze("如何刪除我在盟暢的個人資料")
    assert q.lang == "zh-Hant" and q.products == ["mcmeet"]
    assert "删除" in q.words


@pytest.mark.parametrize("question,policy", [
    ("盟畅怎么注销账号", "mcmeet"), ("盟暢怎麼註銷帳號", "mcmeet"), ("How do I delete my McMeet account?", "mcmeet"),
    ("vymeet怎么注销账号", "vymeet"), ("Vymeet云会议怎么注销账号", "vymeet"),
])
def test_product_name_routes_to_its_policy(idx, question, policy):
    assert idx.analyze(question).products == [policy]
    reply = idx.ask(question, top_k=5)
    assert reply.answered and {a.policy_id for a in reply.answers} == {policy}


def test_without_product_all_policies_compete(idx):
    reply = idx.ask("怎么注销账号", top_k=10)
    assert {a.policy_id for a in reply.answers} == {"mcmeet", "vymeet"}
    assert "盟畅云会议" in reply.message or "vymeet" in reply.message  # the reply names the product


def test_policy_id_restricts(idx):
    reply = idx.ask("怎么注销账号", policy_id="vymeet", top_k=5)
    assert {a.policy_id for a in reply.answers} == {"vymeet"}
    with pytest.raises(KeyError):
        idx.ask("怎么注销账号", policy_id="nope")


@pytest.mark.parametrize("question", [
    "谢谢你", "今天天气怎么样", "明天会下雨吗", "帮我写一首诗", "Python怎么读取文件", "股票今天涨了吗",
    "What's a good pizza recipe?", "Tell me a joke", "What time is it in Beijing?",
    "How do I reverse a linked list in Java?", "Who won the football match yesterday?",
    "哈哈", "你好", "hello", "？？？", "🙂",
])
def test_off_topic_questions_are_not_answered(idx, question):
    reply = idx.ask(question)
    assert not reply.answered and reply.answers == []
    assert ("Sorry" in reply.message) == (reply.lang == "en")


def test_unanswered_message_lists_the_policies(idx):
    msg = idx.ask("明天会下雨吗").message
    assert "盟畅云会议" in msg and "vymeet云会议" in msg
    assert "McMeet" in idx.ask("Tell me a joke").message


def test_reply_language_follows_the_question(idx):
    en = idx.ask("How do I delete my account?")
    assert en.message.startswith("The ") and "version of 2021" in en.message
    zh = idx.ask("怎么注销账号")
    assert zh.message.startswith("根据《")
    hant = idx.ask("如何註銷帳號？")
    assert hant.message.startswith("根據《")  # framing in Traditional, the quote verbatim
    assert hant.answers[0].quote in hant.message
    assert idx.ask("怎么注销账号", lang="en").message.startswith("The ")


def test_answers_are_ordered_and_linked(idx):
    reply = idx.ask("怎么注销账号", top_k=5, base_url="http://h")
    scores = [a.score for a in reply.answers]
    assert scores == sorted(scores, reverse=True)
    assert all(a.url.startswith(f"http://h/policies/{a.policy_id}#s-") for a in reply.answers)
