"""A built index saved to disk, reused while nothing it was built from has changed.

The cache folder holds one subfolder per fingerprint: a hash of the corpus files' bytes, of the
index code and vocabulary files, and of the tokenizer in use. A subfolder is written under a
temporary name and renamed when complete, so a reader (another replica, a crashed writer)
never sees half an index. The large arrays are .npy files loaded memory-mapped.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

import numpy as np

from .bm25 import BM25
from .corpus import CorpusError, load_corpus, policy_files
from .engine import PolicyIndex
from .text import default_backend

log = logging.getLogger(__name__)
FORMAT = 1
HERE = Path(__file__).resolve().parent
FIELDS = ("words", "grams", "heads")


def default_cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "privacybot"


def _version(pkg: str) -> str:
    try:
        return version(pkg)
    except PackageNotFoundError:
        return "-"


def fingerprint(folder: str | Path, backend: str | None = None) -> str:
    """Changes whenever a corpus file, the index code, a vocabulary file or the tokenizer does."""
    backend = backend or default_backend()
    h = hashlib.sha256(f"format {FORMAT}\ntokenizer {backend} {_version(backend)}\n"
                       f"opencc {_version('opencc')}\nstemmer {_version('snowballstemmer')} "
                       f"{_version('PyStemmer')}\n".encode())
    for path in sorted([*HERE.glob("*.py"), *(HERE / "vocab").glob("*.txt")]):
        h.update(f"code {path.name}\n".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    for path in policy_files(Path(folder)):
        try:
            data = path.read_bytes()
        except OSError:
            data = b"<unreadable>"
        h.update(f"corpus {path.name}\n".encode())
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()[:32]


def cache_dir_for(folder: str | Path, cache_root: str | Path) -> Path:
    """One cache folder per corpus folder (by its absolute path)."""
    key = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:16]
    return Path(cache_root) / key


def save(index: PolicyIndex, directory: str | Path, fp: str) -> Path:
    """Write the index as directory/<fp>/, atomically; older fingerprints are removed."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / fp
    tmp = directory / f".{fp}.tmp-{os.getpid()}-{time.monotonic_ns()}"
    tmp.mkdir()
    try:
        small = {}
        for name in FIELDS:
            attrs, arrays = getattr(index, name).to_parts()
            small[name] = attrs
            for key, arr in arrays.items():
                np.save(tmp / f"{name}.{key}.npy", np.ascontiguousarray(arr), allow_pickle=False)
        with open(tmp / "state.pickle", "wb") as f:
            # the vocabulary and the product names too: read from their files, they take a
            # quarter of a second at start (the fingerprint changes with them)
            pickle.dump({"policies": list(index.policies.values()), "texts": index._texts,
                         "bm25": small, "vocab": index.vocab, "names": index._names},
                        f, protocol=pickle.HIGHEST_PROTOCOL)
        (tmp / "meta.json").write_text(json.dumps({
            "format": FORMAT, "fingerprint": fp, "policies": len(index.policies),
            "clauses": len(index.entries), "tokenizer": index.tokenizer.backend,
            "built_seconds": round(index.build_seconds, 3)}), encoding="utf-8")
        if final.exists():  # an identical index written meanwhile by another process
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in directory.iterdir():
        if old.is_dir() and old.name != fp and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    return final


def load(directory: str | Path, fp: str) -> PolicyIndex | None:
    """The index saved under this fingerprint, or None (missing or unreadable: rebuild)."""
    path = Path(directory) / fp
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("fingerprint") != fp:
            return None
        with open(path / "state.pickle", "rb") as f:
            state = pickle.load(f)
        parts = {}
        for name in FIELDS:
            arrays = {key: np.load(path / f"{name}.{key}.npy", mmap_mode="r", allow_pickle=False)
                      for key in ("idf", "data", "indices", "indptr")}
            parts[name] = BM25.from_parts(state["bm25"][name], arrays)
        return PolicyIndex.from_parts(state["policies"], state["texts"], **parts,
                                      vocab=state.get("vocab"), names=state.get("names"))
    except FileNotFoundError:
        return None
    except Exception as e:  # noqa: BLE001 - a damaged cache is rebuilt, never fatal
        log.warning("index cache %s unreadable (%s: %s); rebuilding", path,
                    e.__class__.__name__, e)
        return None


def load_or_build(folder: str | Path, cache_root: str | Path | None = None, *,
                  rebuild: bool = False, workers: int | None = None,
                  progress: Callable[[int, int], None] | None = None
                  ) -> tuple[PolicyIndex, str]:
    """The index of a corpus folder and how it was had: "loaded" from the cache, or "built"
    (and then saved, if the cache folder is writable). cache_root None: no cache."""
    t0 = time.perf_counter()
    if not Path(folder).is_dir():
        raise CorpusError(f"corpus folder not found: {folder}")
    fp = fingerprint(folder)
    directory = cache_dir_for(folder, cache_root) if cache_root else None
    if directory and not rebuild:
        index = load(directory, fp)
        if index is not None:
            log.info("index loaded from %s in %.2f s", directory / fp, time.perf_counter() - t0)
            return index, "loaded"
    index = PolicyIndex(load_corpus(folder), workers=workers, progress=progress)
    if directory:
        try:
            save(index, directory, fp)
        except OSError as e:
            log.warning("index not cached in %s: %s", directory, e)
    return index, "built"
