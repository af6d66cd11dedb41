"""Typos in questions, read as the policy word they stand for.

People type Chinese with a pinyin input method, so a Chinese typo is mostly a homophone of
the word meant (注消 for 注销, 权现 for 权限); an English typo mostly drops, adds or swaps a
letter (acount). A word of the question that no policy uses is read as a word the policies
do use when exactly that kind of slip separates them: same length, the same character in one
place at least, the same pinyin in the others (each character's first reading, with its
tone: 超时 is not a typo of 超市); or one English edit before the last letter, for words of
five letters or more (a different ending is more often another word: recipe, recipient).
Among several candidates the one used by most clauses wins.
"""
from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from .text import read_lines

_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")
_LATIN_WORD = re.compile(r"[a-z]{4,}")
MIN_LATIN = 5  # shorter English words have too many neighbours one edit away


@lru_cache(maxsize=1)
def readings() -> dict[int, str]:
    """Character code → its first reading, tone marked (vocab/pinyin.txt)."""
    out = {}
    for line in read_lines("pinyin.txt"):
        reading, _, chars = line.partition(" ")
        out.update((ord(ch), reading) for ch in chars)
    return out


def homophones(a: str, b: str) -> bool:
    """Whether two characters are read alike (first reading, tone included)."""
    if a == b:
        return True
    ra = readings().get(ord(a))
    return ra is not None and ra == readings().get(ord(b))


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class Spelling:
    """Corrections against the words of one index (word → how many clauses use it)."""

    def __init__(self, df: dict[str, int]):
        self.df = df
        self._by_char: dict[tuple[int, int, str], list[str]] = defaultdict(list)
        self._by_delete: dict[str, list[str]] = defaultdict(list)
        for word in df:
            if _CJK_WORD.fullmatch(word):
                for i, ch in enumerate(word):
                    self._by_char[(len(word), i, ch)].append(word)
            elif _LATIN_WORD.fullmatch(word) and len(word) >= MIN_LATIN - 1:
                self._by_delete[word].append(word)
                for d in _deletes(word):
                    self._by_delete[d].append(word)
        self._memo: dict[str, str | None] = {}

    def correct(self, word: str) -> str | None:
        """The index word `word` is a typo of, or None."""
        if word in self.df:
            return None
        if word not in self._memo:
            self._memo[word] = self._correct(word)
        return self._memo[word]

    def _correct(self, word: str) -> str | None:
        found: set[str] = set()
        if _CJK_WORD.fullmatch(word):
            for i, ch in enumerate(word):
                for cand in self._by_char.get((len(word), i, ch), ()):
                    if all(homophones(a, b) for a, b in zip(word, cand)):
                        found.add(cand)
        elif _LATIN_WORD.fullmatch(word) and len(word) >= MIN_LATIN:
            # one deletion, insertion or substitution: the words sharing a deletion neighbour
            for key in _deletes(word) | {word}:
                found.update(c for c in self._by_delete.get(key, ()) if _one_edit(word, c))
        if not found:
            return None
        return max(sorted(found), key=lambda c: self.df[c])


def _one_edit(a: str, b: str) -> bool:
    """Whether b is one insertion, deletion, substitution or adjacent swap away from a,
    the last letter kept."""
    if a == b or abs(len(a) - len(b)) > 1 or a[-1] != b[-1]:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))
