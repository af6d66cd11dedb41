"""Answers by data practice over many real policies: CAPP-130's expert labels as the judge.

    .venv/bin/python -m bench.practices --corpus CAPP130_POLICIES --labels CAPP130_LABELS \
        [--exclude HELD_OUT_POLICIES] [--json]

The question sets hold a few hundred hand-written questions over a score of policies. This
asks the same few plain questions of every labelled policy (about a hundred), in English and
in Chinese — can children use it, how long is my data kept, how do I correct it, what if you
stop operating … — and counts an answer right when its first quote holds a sentence that
CAPP-130's legal experts labelled with that practice (特殊人群, 存储方式, 数据、权限管理,
停止运营 …). The judge is coarse (any clause of the right practice passes, and a sentence the
experts left unlabelled fails), but with ~1,500 questions a language it shows what a change
does to a practice across layouts and wordings, where the question sets move by one or two.

`--exclude DIR`: policies whose file is byte-identical to one in DIR are left out (held-out
policies, which decide, are not to be developed on).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

from bench.quality import squash
from index import PolicyIndex
from index.corpus import load_policy

# practice (as CAPP-130 labels it) → (English questions, Chinese questions)
QUESTIONS = {
    "特殊人群": (["Can children use this app?", "Do you collect personal information from kids?",
              "is it ok for my 12 yo"],
             ["未成年人可以使用吗", "你们会收集儿童的个人信息吗"]),
    "联系方式": (["How can I contact you about privacy?", "What is the email for privacy questions?"],
             ["隐私问题怎么联系你们", "个人信息保护负责人的联系方式是什么"]),
    "存储方式": (["How long do you keep my personal information?", "Where is my data stored?"],
             ["我的个人信息保存多久", "我的数据存储在哪里"]),
    "共享、委托、转让、公开（披露）": (
        ["Do you share my information with third parties?",
         "Will you disclose my personal data to anyone?"],
        ["你们会把我的信息共享给第三方吗", "你们会公开披露我的个人信息吗"]),
    "安全措施": (["How do you protect my personal information?", "What security measures do you take?"],
             ["你们怎么保护我的个人信息", "你们有哪些安全措施"]),
    "数据、权限管理": (["How do I delete my personal information?", "How can I correct my info?",
                  "How do I withdraw my consent?"],
                 ["怎么删除我的个人信息", "怎么更正我的信息", "怎么撤回同意"]),
    "隐私政策的授权、修改与变更": (["Will you tell me when the privacy policy changes?"],
                        ["隐私政策变更会通知我吗"]),
    "停止运营": (["What happens to my data if you stop operating?"], ["如果你们停止运营我的信息怎么处理"]),
}
MIN_SENTENCE = 8  # shorter labelled sentences ("联系我们") would match anywhere
PREFIX = 20  # a labelled sentence counts as quoted when its first characters are


def labelled(path: Path) -> dict[str, list[str]]:
    """practice → the (squashed) starts of the sentences labelled with it."""
    out: dict[str, list[str]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            text = squash(row["text"]).lower()
            if len(text) >= MIN_SENTENCE:
                for label in row["labels"]:
                    out[label].append(text[:PREFIX])
    return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(corpus: Path, labels: Path, exclude: Path | None = None) -> dict:
    skip = {_digest(p) for p in exclude.iterdir() if p.is_file()} if exclude else set()
    pairs = [(corpus / f"{lab.stem}.txt", lab) for lab in sorted(labels.glob("*.jsonl"))]
    pairs = [(f, lab) for f, lab in pairs if f.exists() and _digest(f) not in skip]
    policies = [load_policy(f) for f, _ in pairs]
    index = PolicyIndex(policies)
    right: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for policy, (_, lab) in zip(policies, pairs):
        said = labelled(lab)
        for practice, by_lang in QUESTIONS.items():
            if not said.get(practice):
                continue
            for lang, questions in zip(("en", "zh"), by_lang):
                for question in questions:
                    reply = index.ask(question, policy.id)
                    quote = squash(reply.answers[0].quote).lower() if reply.answered else ""
                    hit = bool(quote) and any(s in quote for s in said[practice])
                    right[(lang, practice)][0] += hit
                    right[(lang, practice)][1] += 1
    summary = {"policies": len(policies)}
    for lang in ("en", "zh"):
        got = [v for (lg, _), v in right.items() if lg == lang]
        summary[lang] = round(sum(h for h, _ in got) / max(1, sum(n for _, n in got)), 3)
        summary[f"{lang}_questions"] = sum(n for _, n in got)
        summary[f"{lang}_by_practice"] = {p: f"{h}/{n}" for (lg, p), (h, n) in sorted(right.items())
                                          if lg == lang}
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True, type=Path, help="CAPP-130 policy folder")
    ap.add_argument("--labels", required=True, type=Path, help="CAPP-130 label folder")
    ap.add_argument("--exclude", type=Path, help="leave out policies identical to a file here")
    ap.add_argument("--json", action="store_true", help="print the summary as one JSON line")
    args = ap.parse_args(argv)
    summary = run(args.corpus, args.labels, args.exclude)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    print(f"{summary['policies']} policies")
    for lang in ("en", "zh"):
        print(f"{lang}: {summary[lang]} of {summary[f'{lang}_questions']}")
        for practice, got in summary[f"{lang}_by_practice"].items():
            print(f"  {practice}: {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
