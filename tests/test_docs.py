"""Docs stay honest: every CLI command has help text and appears in README; the public
surface of `index` is what README and the delivery code use."""
import re
from pathlib import Path

import index
from bot.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return sub.choices


def test_every_command_has_help_and_is_in_readme():
    for name, parser in _commands().items():
        assert parser.description, f"{name} has no help text"
        assert f"privacybot {name}" in README, f"README does not mention 'privacybot {name}'"


def test_index_public_names():
    assert sorted(index.__all__) == ["Answer", "Clause", "CorpusError", "Policy", "PolicyIndex",
                                     "Reply", "load_corpus", "split_clauses"]
    for name in index.__all__:
        assert getattr(index, name)


def test_readme_has_the_two_setup_commands():
    assert "bash dev.sh serve" in README and "bash dev.sh test" in README


ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md",
        *sorted((ROOT / "tests" / "data").rglob("README.md"))]


def test_docs_cite_nothing_outside_the_repository():
    # A clone has nothing beside it: no ../shared, no machine paths.
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for bad in ("/work/", "shared/eval", "shared/seeds", "CONTRACT.md"):
            assert bad not in text, f"{doc.relative_to(ROOT)} cites {bad!r}"
        for up in re.findall(r"(?:\.\./)+[\w.-]*", text):
            assert (doc.parent / up).resolve().is_relative_to(ROOT), f"{doc.relative_to(ROOT)}: {up}"


def test_paths_the_readme_cites_exist():
    cited = set(re.findall(r"\]\(((?!https?:|#)[^)\s]+)\)", README))  # Markdown links
    cited |= {m for m in re.findall(r"`((?:tests|docs|bench|index|bot|tools|deploy)/[\w./-]+)`", README)
              if "*" not in m}
    missing = sorted(c for c in cited if not (ROOT / c.split("#")[0]).exists())
    assert missing == []
