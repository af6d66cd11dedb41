"""Command line: `privacybot serve | ask | index`."""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from index import CorpusError, PolicyIndex, load_corpus

from .settings import Settings


def _index(corpus: Path | None) -> PolicyIndex:
    return PolicyIndex.from_folder(corpus or Settings().corpus)


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the web server (API, policy pages, demo page)."""
    import uvicorn

    from .api import create_app

    overrides = {k: v for k, v in (("corpus", args.corpus), ("host", args.host),
                                   ("port", args.port)) if v is not None}
    settings = Settings(**overrides)
    index = PolicyIndex.from_folder(settings.corpus)  # fail here, clearly, not in a worker
    app = create_app(settings, index)
    print(f"privacybot: {len(index.policies)} policies, {len(index.entries)} clauses; "
          f"serving on http://{settings.host}:{settings.port}/", file=sys.stderr)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question on the terminal."""
    index = _index(args.corpus)
    question = args.question.strip()
    if not question or len(question) > 500:
        print("privacybot: the question must be 1 to 500 characters", file=sys.stderr)
        return 2
    if args.policy and args.policy not in index.policies:
        print(f"privacybot: unknown policy {args.policy!r}; known: {', '.join(index.policies)}",
              file=sys.stderr)
        return 2
    reply = index.ask(question, args.policy, args.top_k, args.lang,
                      Settings().public_base_url or "http://127.0.0.1:8000")
    if args.json:
        print(json.dumps(reply.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(reply.message)
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    """Build the index from a corpus folder and report what it holds."""
    folder = args.corpus_dir or Settings().corpus
    t0 = time.perf_counter()
    policies = load_corpus(folder)
    index = PolicyIndex(policies)
    for p in policies:
        n = sum(1 for c in p.clauses if c.answerable)
        print(f"{p.id:<16} {n:>5} clauses  {p.updated or '-':<10}  {p.title}")
    print(f"{len(policies)} policies, {len(index.entries)} clauses, "
          f"{len(index.words.vocab)} terms, built in {time.perf_counter() - t0:.2f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="privacybot",
        description="Answers questions about privacy policies by quoting the clause that answers them.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help=cmd_serve.__doc__, description=cmd_serve.__doc__)
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--corpus", type=Path, help="folder of policy files (default: corpus/)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("ask", help=cmd_ask.__doc__, description=cmd_ask.__doc__)
    p.add_argument("question", help="the question, in Chinese or English")
    p.add_argument("--policy", help="restrict to one policy id")
    p.add_argument("--top-k", type=int, default=3, choices=range(1, 11), metavar="K",
                   help="clauses to return, 1 to 10 (default 3)")
    p.add_argument("--lang", choices=["zh", "en", "zh-Hant"], help="reply language")
    p.add_argument("--json", action="store_true", help="print the /api/v1/ask reply as JSON")
    p.add_argument("--corpus", type=Path, help="folder of policy files (default: corpus/)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("index", help=cmd_index.__doc__, description=cmd_index.__doc__)
    p.add_argument("corpus_dir", nargs="?", type=Path, help="folder of policy files (default: corpus/)")
    p.set_defaults(func=cmd_index)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CorpusError as exc:
        print(f"privacybot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
