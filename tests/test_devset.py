"""The dev-set figures of tests/data/eval as a regression floor, scored over real HTTP.

The floors are the issue's targets; the scorer is tests/data/eval/score.py, a copy of the
evaluation kit's, unchanged."""
import importlib.util
import json
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parent / "data" / "eval"


@pytest.fixture(scope="module")
def summary(base_url):
    spec = importlib.util.spec_from_file_location("eval_score", EVAL / "score.py")
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    items = [json.loads(l) for l in (EVAL / "dev.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    result, _rows = score.score(base_url, items)
    print(json.dumps(result, ensure_ascii=False))
    return result


def test_no_request_fails(summary):
    assert summary["errors"] == 0


def test_hit_at_1(summary):
    assert summary["hit@1"] >= 0.90


def test_hit_at_3(summary):
    assert summary["hit@3"] >= 0.95


def test_abstains_on_off_topic_questions(summary):
    assert summary["abstain"] >= 0.90


@pytest.mark.parametrize("lang", ["zh", "en", "zh-Hant"])
def test_every_language(summary, lang):
    assert summary["hit@1_by_lang"][lang] >= 0.85
