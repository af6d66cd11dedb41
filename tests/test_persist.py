"""The saved index: same answers as a fresh build, reused only while nothing changed."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from conftest import CORPUS
from index import PolicyIndex
from index.persist import cache_dir_for, fingerprint, load, load_or_build

QUESTIONS = ["怎么注销账号？", "How do I delete my account?", "vymeet為什麼要讀取通訊錄",
             "明天会下雨吗", "Where does McMeet store user data?"]


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def test_loaded_index_answers_exactly_as_the_built_one(corpus, tmp_path):
    built, how = load_or_build(corpus, tmp_path / "cache")
    assert how == "built"
    loaded, how = load_or_build(corpus, tmp_path / "cache")
    assert how == "loaded"
    assert not loaded.words.matrix.data.flags.writeable  # memory-mapped read-only, not copied
    for q in QUESTIONS:
        assert loaded.ask(q).to_dict() == built.ask(q).to_dict()
    assert len(loaded.entries) == len(built.entries)


def test_a_loaded_index_brings_its_vocabulary(corpus, tmp_path, monkeypatch):
    """The vocabulary is saved with the index: a warm start does not read its files again."""
    from index.query import Vocabulary
    built, _ = load_or_build(corpus, tmp_path / "cache")

    def unread():
        raise AssertionError("the vocabulary files were read again")

    monkeypatch.setattr(Vocabulary, "load", classmethod(lambda cls: unread()))
    loaded, how = load_or_build(corpus, tmp_path / "cache")
    assert how == "loaded" and loaded.vocab == built.vocab
    assert loaded.ask("怎么注销账号？").to_dict() == built.ask("怎么注销账号？").to_dict()


def test_a_changed_corpus_file_is_rebuilt(corpus, tmp_path):
    load_or_build(corpus, tmp_path / "cache")
    before = fingerprint(corpus)
    path = corpus / "mcmeet.md"
    path.write_text(path.read_text(encoding="utf-8").replace("5.6\n注销帐号", "5.6\n删除帐号"),
                    encoding="utf-8")
    assert fingerprint(corpus) != before
    index, how = load_or_build(corpus, tmp_path / "cache")
    assert how == "built"
    assert any("删除帐号" in c.heading for _, c in index.entries)
    # only the current fingerprint stays in the cache
    assert [p.name for p in cache_dir_for(corpus, tmp_path / "cache").iterdir()] == [fingerprint(corpus)]


def test_an_added_policy_changes_the_fingerprint(corpus):
    before = fingerprint(corpus)
    (corpus / "new.txt").write_text("示例隐私政策\n\n一、注销\n您可以注销账号。\n", encoding="utf-8")
    assert fingerprint(corpus) != before


def test_a_damaged_cache_is_rebuilt_not_fatal(corpus, tmp_path):
    load_or_build(corpus, tmp_path / "cache")
    saved = cache_dir_for(corpus, tmp_path / "cache") / fingerprint(corpus)
    (saved / "state.pickle").write_bytes(b"not a pickle")
    assert load(saved.parent, saved.name) is None
    index, how = load_or_build(corpus, tmp_path / "cache")
    assert how == "built" and index.ask("怎么注销账号？").answered


def test_an_unwritable_cache_still_serves(corpus, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    index, how = load_or_build(corpus, blocker / "cache")
    assert how == "built" and index.ask("怎么注销账号？").answered


def test_parallel_tokenizing_equals_serial(corpus, monkeypatch):
    from index import load_corpus, text
    policies = load_corpus(corpus)
    serial = PolicyIndex(policies, workers=1)
    monkeypatch.setattr(text, "PARALLEL_MIN", 1)
    seen = []
    parallel = PolicyIndex(policies, workers=2, progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert parallel.words.vocab == serial.words.vocab
    for field in ("words", "heads"):
        a, b = getattr(parallel, field).matrix, getattr(serial, field).matrix
        assert a.shape == b.shape
        for part in ("data", "indices", "indptr"):
            assert np.array_equal(getattr(a, part), getattr(b, part))
