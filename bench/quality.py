"""Answer quality of a question set, in process: the hit rule of tests/data/eval/score.py without a server.

    .venv/bin/python -m bench.quality --corpus corpus [--corpus DIR …] \
        --questions tests/data/eval/dev.jsonl [--misses] [--json] [--top N]

(tests/data/qa/README.md shows it on the qa set's 13 policies.)

Each question line is {"id", "q", "lang", "answerable", "gold": [{"policy", "needle"}],
"policy_id"?}. A question is a hit at k when one of the first k answers quotes a clause of at
most 1000 characters holding a needle (whitespace ignored); an unanswerable one is right when
it is declined. The figures are those `score.py` computes over HTTP (the index is the one
`privacybot serve` builds from the same folders), in a second or two instead of a server start.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

from index import PolicyIndex, load_corpus

MAX_QUOTE = 1000


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def load_items(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip()]


def index_of(folders: list[str]) -> PolicyIndex:
    policies = [p for folder in folders for p in load_corpus(folder)]
    ids = [p.id for p in policies]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise SystemExit(f"policy ids in more than one folder: {sorted(dup)}")
    return PolicyIndex(policies)


def evaluate(index: PolicyIndex, items: list[dict], top_k: int = 3) -> tuple[dict, list[dict]]:
    rows, times = [], []
    for item in items:
        t0 = time.perf_counter()
        reply = index.ask(item["q"], item.get("policy_id"), top_k)
        times.append(time.perf_counter() - t0)
        rank = None
        if item["answerable"] and reply.answered:
            needles = [squash(g["needle"]) for g in item["gold"]]
            for r, ans in enumerate(reply.answers[:top_k], start=1):
                quote = squash(ans.quote)
                if len(quote) <= MAX_QUOTE and any(n in quote for n in needles):
                    rank = r
                    break
        top = reply.answers[0] if reply.answers else None
        rows.append({"id": item["id"], "q": item["q"], "lang": item["lang"],
                     "answerable": item["answerable"], "policy_id": item.get("policy_id"),
                     "gold_policy": (item.get("gold") or [{}])[0].get("policy"),
                     "answered": reply.answered, "rank": rank,
                     "top_policy": top.policy_id if top else None,
                     "top": (top.heading + " | " + top.quote[:60]) if top else ""})
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]

    def share(sub, ok) -> float:
        return round(sum(1 for r in sub if ok(r)) / max(1, len(sub)), 3)

    def by(key: str) -> dict:
        return {v: share([r for r in ans if r[key] == v], lambda r: r["rank"] == 1)
                for v in sorted({r[key] for r in ans if r[key]})}

    summary = {
        "questions": len(rows),
        "hit@1": share(ans, lambda r: r["rank"] == 1),
        "hit@3": share(ans, lambda r: r["rank"] is not None),
        "mrr": round(sum(1 / r["rank"] for r in ans if r["rank"]) / max(1, len(ans)), 3),
        "abstain": share(una, lambda r: not r["answered"]),
        "false_abstain": share(ans, lambda r: not r["answered"]),
        "accuracy": round((sum(r["rank"] == 1 for r in ans) + sum(not r["answered"] for r in una))
                          / max(1, len(rows)), 3),
        "hit@1_by_lang": by("lang"),
        "abstain_by_lang": {v: share([r for r in una if r["lang"] == v], lambda r: not r["answered"])
                            for v in sorted({r["lang"] for r in una})},
        "hit@1_by_policy": by("gold_policy"),
        "latency_ms_p50": round(1000 * statistics.median(times), 2) if times else None,
    }
    return summary, rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", action="append", required=True, help="policy folder (repeatable)")
    ap.add_argument("--questions", action="append", required=True, help="JSONL file (repeatable)")
    ap.add_argument("--top", type=int, default=3)
    ap.add_argument("--misses", action="store_true", help="list the questions missed")
    ap.add_argument("--json", action="store_true", help="print the summary only")
    args = ap.parse_args(argv)
    index = index_of(args.corpus)
    for path in args.questions:
        summary, rows = evaluate(index, load_items(path), args.top)
        if args.misses:
            for r in rows:
                ok = (r["rank"] == 1) if r["answerable"] else not r["answered"]
                if not ok:
                    print(f"MISS {r['id']} [{r['lang']}] {r['q']} -> answered={r['answered']} "
                          f"rank={r['rank']} gold={r['gold_policy']} got={r['top_policy']} "
                          f"top={r['top']!r}")
        print(("" if args.json else f"{path}: ") + json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
