#!/usr/bin/env python3
"""Check tests/data/qa/questions.jsonl against its 13 policy files (standard library only).

Errors (exit status 1):
  - a line that is not a JSON object with exactly the fields id, q, lang, answerable, gold,
    policy_id, or with a field of the wrong type;
  - an id or a question used twice; a lang other than zh, en, zh-Hant;
  - an answerable item without 1-3 needles, or an unanswerable item with any;
  - a needle naming an unknown policy, shorter than 8 or longer than 30 characters, with
    leading/trailing whitespace, or not an exact substring of its policy file;
  - a policy_id that is not a known policy, or (answerable items) differs from the gold policy.

Warnings (reported, exit status unchanged): a needle that also occurs in another policy file
(a quote from the wrong policy would then count as a hit), including files given with --also.

Policy files: Chinese ones are tests/data/capp130/<policy>.txt, English ones
tests/data/qa/english/<policy>.<ext>; the file stem is the policy id.

    python3 tests/data/qa/check.py [--questions FILE] [--also DIR ...]
"""
import argparse
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
CAPP = HERE.parent / "capp130"
CHINESE_IDS = ["抖音", "拼多多", "KEEP", "中国移动", "爱彼迎", "喜马拉雅", "百度", "腾讯视频",
               "WPS", "交管12123"]
FIELDS = {"id", "q", "lang", "answerable", "gold", "policy_id"}
LANGS = {"zh", "en", "zh-Hant"}


def load_policies(chinese_ids, english):
    texts = {}
    for pid in chinese_ids:
        texts[pid] = (CAPP / f"{pid}.txt").read_text(encoding="utf-8")
    for path in sorted(english.iterdir()):
        if path.is_file():
            texts[path.stem] = path.read_text(encoding="utf-8")
    return texts


def main(here=HERE, chinese_ids=CHINESE_IDS, description=__doc__.splitlines()[0]):
    """Check the question set in folder `here` (its questions.jsonl, its english/ policies and
    the CAPP-130 policies `chinese_ids`); tests/data/qa2/check.py calls it for its own set."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--questions", default=str(here / "questions.jsonl"))
    ap.add_argument("--also", action="append", default=[],
                    help="a folder of other policy files to warn about shared needles")
    args = ap.parse_args()

    texts = load_policies(chinese_ids, here / "english")
    others = dict(texts)
    for folder in args.also:
        for path in sorted(pathlib.Path(folder).iterdir()):
            if path.is_file() and path.stem not in others:
                others[path.stem] = path.read_text(encoding="utf-8", errors="replace")

    errors, warnings = [], []
    ids, questions = set(), set()
    n_items = n_needles = 0
    with open(args.questions, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"line {lineno}"
            try:
                item = json.loads(line)
            except ValueError as exc:
                errors.append(f"{where}: not JSON ({exc})")
                continue
            if not isinstance(item, dict) or set(item) != FIELDS:
                errors.append(f"{where}: fields must be exactly {sorted(FIELDS)}")
                continue
            n_items += 1
            iid, q = item["id"], item["q"]
            where = f"{where} ({iid})"
            if not isinstance(iid, str) or not isinstance(q, str) or not q.strip():
                errors.append(f"{where}: id and q must be non-empty strings")
            if iid in ids:
                errors.append(f"{where}: duplicate id")
            ids.add(iid)
            if q in questions:
                errors.append(f"{where}: duplicate question {q!r}")
            questions.add(q)
            if item["lang"] not in LANGS:
                errors.append(f"{where}: lang {item['lang']!r} not in {sorted(LANGS)}")
            if not isinstance(item["answerable"], bool) or not isinstance(item["gold"], list):
                errors.append(f"{where}: answerable must be a bool and gold a list")
                continue
            pid = item["policy_id"]
            if pid is not None and pid not in texts:
                errors.append(f"{where}: unknown policy_id {pid!r}")
            gold = item["gold"]
            if not item["answerable"]:
                if gold:
                    errors.append(f"{where}: unanswerable item with needles")
                continue
            if not 1 <= len(gold) <= 3:
                errors.append(f"{where}: {len(gold)} needles (want 1-3)")
            for g in gold:
                if not isinstance(g, dict) or set(g) != {"policy", "needle"}:
                    errors.append(f"{where}: gold entries must be {{policy, needle}}")
                    continue
                n_needles += 1
                pol, needle = g["policy"], g["needle"]
                if pol not in texts:
                    errors.append(f"{where}: unknown policy {pol!r}")
                    continue
                if not isinstance(needle, str) or not 8 <= len(needle) <= 30:
                    errors.append(f"{where}: needle {needle!r} is not 8-30 characters")
                    continue
                if needle != needle.strip():
                    errors.append(f"{where}: needle {needle!r} has surrounding whitespace")
                if needle not in texts[pol]:
                    errors.append(f"{where}: needle {needle!r} not found in {pol}")
                if pid is not None and pid != pol:
                    errors.append(f"{where}: policy_id {pid!r} differs from gold policy {pol!r}")
                shared = [o for o, t in others.items() if o != pol and needle in t]
                if shared:
                    warnings.append(f"{where}: needle {needle!r} also occurs in {shared}")

    for w in warnings:
        print("WARN", w)
    for e in errors:
        print("ERROR", e)
    print(f"{n_items} items, {n_needles} needles, {len(texts)} policies: "
          f"{len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
