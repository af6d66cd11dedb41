"""Docs stay honest: every CLI command has help text and appears in README; the public
surface of `index` is what README and the delivery code use."""
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
