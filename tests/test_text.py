"""Normalization and tokenization shared by clauses and questions."""
from hypothesis import given, settings, strategies as st

from index.text import Tokenizer, bigrams, entity_words, is_traditional, normalize

TOKENIZER = Tokenizer(["盟畅云会议"])


def test_traditional_to_simplified():
    assert normalize("如何註銷帳號") == "如何注销账号"
    assert normalize("資料外洩") == "资料外泄"


def test_taiwan_wording():
    assert normalize("軟體 網路", taiwan=True) == "软件 网络"


def test_account_variants_fold_together():
    assert normalize("帐号") == normalize("账号") == normalize("賬號") == "账号"
    assert normalize("帐户") == "账户"
    assert normalize("登陆") == "登录"


def test_width_and_case():
    assert normalize("ＩＯＳ／Ａｎｄｒｏｉｄ　ＴＬＳ") == "ios/android tls"
    assert normalize("（一）") == "(一)"


def test_longest_variant_wins():
    assert normalize("手机号码") == normalize("手机号") == "手机号码"


def test_control_characters_become_spaces():
    assert "\x00" not in normalize("注销\x00账号\u200f")


def test_is_traditional():
    assert is_traditional("資料外洩時你們會通知我嗎")
    assert not is_traditional("数据泄露时你们会通知我吗")
    assert not is_traditional("How do I delete my account?")


def test_domain_words_stay_whole():
    words = TOKENIZER.words(normalize("怎么撤回同意，第三方SDK收集个人信息"))
    assert "撤回同意" in words and "第三方" in words and "个人信息" in words
    assert "怎么" not in words  # stopword


def test_product_names_are_words():
    assert "盟畅云会议" in TOKENIZER.words(normalize("盟畅云会议怎么注销"))


def test_bigrams():
    assert bigrams("注销账号 cookies") == ["注销", "销账", "账号", "cooki"]
    assert bigrams("卖") == ["卖"]


def test_english_words_are_stemmed_alike_in_any_form():
    stems = {w: TOKENIZER.words(normalize(w)) for w in ("Deleting", "deleted", "deletion", "delete")}
    assert len({tuple(v) for v in stems.values()}) == 1 and stems["delete"] == ["delet"]
    assert TOKENIZER.words(normalize("This is the policy")) == ["polici"]  # stopwords go


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_normalize_and_tokenize_never_fail(text):
    norm = normalize(text)
    assert normalize(norm) == norm  # idempotent
    for tok in TOKENIZER.words(norm) + bigrams(norm):
        assert tok.strip() == tok and tok


def test_both_tokenizer_engines_cut_alike():
    from index.text import Tokenizer, normalize
    a, b = Tokenizer(["盟畅云会议"], backend="jieba"), Tokenizer(["盟畅云会议"], backend="rjieba")
    for text in ["我们会收集您的个人信息用于注销帐号和第三方SDK", "盟畅云会议会读取您的通讯录吗",
                 "您可以撤回同意并删除您的个人信息"]:
        norm = normalize(text)
        assert a.words(norm) == b.words(norm) and a.cut(norm) == b.cut(norm)


def test_a_period_of_time_is_a_word_of_the_clause():
    for text in ("我们将在15个工作日内答复", "保存六个月", "We keep logs for 30 days"):
        assert "期限" in entity_words(normalize(text)), text
    for text in ("2021年3月9日更新", "更新于2022年", "第3条"):
        assert "期限" not in entity_words(normalize(text)), text


def test_rjieba_is_used_without_its_default_dictionary():
    """The tokenizer loads rjieba's compiled module alone: the package's own default Jieba
    (24 MB) is never built, and the cuts are those of the package's Jieba."""
    import subprocess
    import sys
    probe = ("import sys; from index.text import Tokenizer, normalize; t = Tokenizer([], 'rjieba'); "
             "print('rjieba' in sys.modules, '|'.join(t.words(normalize('怎么注销账号并删除个人信息'))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == "False"
    from index.text import Tokenizer, normalize
    import rjieba
    assert out[1] == "|".join(Tokenizer([], "rjieba").words(normalize("怎么注销账号并删除个人信息")))
    assert rjieba.Jieba().cut("怎么注销账号", True)  # the package itself still works
