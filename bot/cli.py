"""Command line: `privacybot serve | ask | index | report`."""
from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from index import CorpusError, PolicyIndex
from index.cleaning import clean_text

from . import logs
from .settings import Settings
from .store_common import opens_later, safe_url

if TYPE_CHECKING:
    from .deferred_store import DeferredStore
    from .store import Store


def started() -> None:
    """What the command keeps is built: freeze it out of the garbage collector's sight and let
    it collect again (bot/launch.py turned it off for the start; no-op where it did not)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _index(corpus: Path | None) -> PolicyIndex:
    settings = Settings(**({"corpus": corpus} if corpus else {}))
    return settings.load_index(progress=_progress_bar())


def _progress_bar():
    """A progress callback drawing on a terminal's stderr; None when stderr is not one."""
    if not sys.stderr.isatty():
        return None
    t0 = time.monotonic()

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\rtokenizing [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done}/{total} texts, {time.monotonic() - t0:.0f} s")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return show


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the web server (API, policy pages, demo page)."""
    import uvicorn

    from .api import create_app

    overrides = {k: v for k, v in (("corpus", args.corpus), ("host", args.host),
                                   ("port", args.port)) if v is not None}
    if args.watch:
        overrides["watch"] = True
    settings = Settings(**overrides)
    problem = _cannot_listen(settings.host, settings.port)  # before anything is loaded or said
    if problem:
        print(f"privacybot: {problem}", file=sys.stderr)
        return 1
    log_config = logs.setup(settings.log_format, settings.log_level)
    index = settings.load_index(progress=_progress_bar())  # fail here, clearly, not in a worker
    store = _log_store(settings, args.workers)
    if store is None:
        return 1
    print(f"privacybot: {len(index.policies)} policies, {len(index.entries)} clauses, "
          f"log in {safe_url(settings.database_url)}; "
          f"serving on http://{settings.host}:{settings.port}/"
          + (f" with {args.workers} worker processes" if args.workers > 1 else ""),
          file=sys.stderr)
    if args.workers > 1:
        # Each worker process makes its own app from the environment; the index they load
        # is the one just built or checked here (saved in the cache, same fingerprint).
        store.close()
        index = None  # the workers load their own; this process only supervises them
        os.environ.update({"PRIVACYBOT_CORPUS": str(settings.corpus),
                           "PRIVACYBOT_WATCH": "true" if settings.watch else "false"})
        from .telegram_polling import no_polling_in_workers

        warning = no_polling_in_workers(os.environ)
        if warning:
            print(f"privacybot: {warning}", file=sys.stderr)
        started()
        uvicorn.run("bot.api:create_app", factory=True, workers=args.workers,
                    host=settings.host, port=settings.port, log_level=settings.log_level,
                    log_config=log_config, timeout_graceful_shutdown=30)
        return 0
    app = create_app(settings, index, store)
    started()
    try:
        # SIGTERM/SIGINT: uvicorn stops accepting, lets requests in flight finish, then the
        # app's lifespan closes the log store (its queued rows are written).
        uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                    log_config=log_config, timeout_graceful_shutdown=30)
    finally:
        store.close()
    return 0


def _cannot_listen(host: str, port: int) -> str | None:
    """Why `serve` could not listen on host:port, or None. Binds and closes a socket as uvicorn
    will, so a busy port is one clear line instead of a start, a traceback and exit code 3."""
    import errno
    import socket

    if not 0 <= port <= 65535:
        return f"port {port} is not a port number (0 to 65535)"
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            sock.bind((host.strip("[]"), port))
    except socket.gaierror:
        return f"cannot listen on {host}: no such address"
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            return f"port {port} is in use"
        if e.errno == errno.EACCES:
            return f"no permission to listen on port {port} (ports below 1024 need privileges)"
        if e.errno == errno.EADDRNOTAVAIL:
            return f"cannot listen on {host}: it is not an address of this machine"
        return f"cannot listen on {host}:{port}: {e.strerror or e}"
    return None


def _log_store(settings: Settings, workers: int) -> "DeferredStore | Store | None":
    """The log for `serve`: opened after the server is up when its URL is one known to work
    (bot/deferred_store.py), else now, so that a URL that can never work stops the start with
    SQLAlchemy's word on it. With workers, opened (and migrated) here, before they start."""
    if workers == 1 and opens_later(settings.database_url):
        from .deferred_store import DeferredStore

        return DeferredStore(settings.database_url, hash_secret=settings.hash_secret,
                             retention_days=settings.retention_days)
    return _open_store(settings.database_url, settings)


def _open_store(url: str, settings: Settings, **kw) -> "Store | None":
    """The log store, or None after a clear message when the URL cannot be used at all.

    An unreachable database is not an error here: answers are served and rows are retried."""
    from sqlalchemy.exc import SQLAlchemyError

    from .store import Store

    try:
        return Store(url, hash_secret=settings.hash_secret,
                     retention_days=settings.retention_days, **kw)
    except (SQLAlchemyError, ImportError, ValueError) as e:
        print(f"privacybot: cannot use the log database {safe_url(url)}: {e}", file=sys.stderr)
        return None


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question on the terminal."""
    index = _index(args.corpus)
    # Arguments that are not valid UTF-8 arrive with lone surrogates (surrogateescape).
    question = clean_text(args.question).strip()
    args.policy = clean_text(args.policy) if args.policy else args.policy
    if not question or len(question) > 500:
        print("privacybot: the question must be 1 to 500 characters", file=sys.stderr)
        return 2
    if args.policy and index.resolve(args.policy) is None:
        print(f"privacybot: unknown policy {args.policy!r}; known: {', '.join(index.policies)}",
              file=sys.stderr)
        return 2
    reply = index.ask(question, args.policy, args.top_k, args.lang, Settings().link_base())
    if args.json:
        # The API's reply; "id" is null because the terminal's questions are not logged.
        print(json.dumps({"id": None, **reply.to_dict()}, ensure_ascii=False, indent=2))
    else:
        print(reply.message)
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    """Build the index from a corpus folder, save it for `serve`, and report what it holds."""
    from index.persist import cache_dir_for, load_or_build

    settings = Settings(**({"corpus": args.corpus_dir} if args.corpus_dir else {}))
    t0 = time.perf_counter()
    root = settings.cache_root()
    index, how = load_or_build(settings.corpus, root, rebuild=not args.if_changed,
                               workers=args.workers, progress=_progress_bar())
    for p in index.policies.values():
        n = sum(1 for c in p.clauses if c.answerable)
        print(f"{p.id:<16} {n:>5} clauses  {p.updated or '-':<10}  {p.title}")
    where = f"; saved in {cache_dir_for(settings.corpus, root)}" if root else "; not saved (cache off)"
    print(f"{len(index.policies)} policies, {len(index.entries)} clauses, "
          f"{len(index.words.vocab)} terms, {how} in {time.perf_counter() - t0:.2f} s{where}")
    return 0


def format_report(r: dict) -> str:
    """The report as plain text for a terminal."""
    t = r["totals"]
    ratio = f" ({t['answered_ratio']:.0%})" if t["answered_ratio"] is not None else ""
    lines = [f"Last {r['days']} days (since {r['since']}): {t['questions']} questions, "
             f"{t['answered']} answered{ratio}, {t['unanswered']} unanswered; "
             f"feedback {t['feedback_up']} 👍 / {t['feedback_down']} 👎", ""]
    lines.append("Top unanswered questions:")
    lines += [f"  {u['count']:>5}×  {u['question']}   (last {u['last_asked']})"
              for u in r["unanswered"]] or ["  (none)"]
    lines += ["", "Clauses with most 👎:"]
    for c in r["downvoted"]:
        reasons = ", ".join(f"{k} {v}" for k, v in c["reasons"].items())
        lines.append(f"  {c['down']:>5}👎 {c['up']:>4}👍  {c['policy_id']} {c['section_id']}"
                     f"  {reasons}")
        if c["quote"]:
            lines.append(f"         {c['quote'][:60]}")
    if not r["downvoted"]:
        lines.append("  (none)")
    lines += ["", "Per day and channel:"]
    lines += [f"  {d['day']}  {d['channel']:<10} {d['questions']:>6} questions, "
              f"{d['answered']:>6} answered" for d in r["per_day"]] or ["  (none)"]
    from .handoff_store import report_lines

    lines += report_lines(r.get("handoffs"))
    return "\n".join(lines)


def cmd_report(args: argparse.Namespace) -> int:
    """Show what was asked, what went unanswered and which clauses got 👎."""
    from sqlalchemy.exc import SQLAlchemyError

    settings = Settings()
    url = args.database or settings.database_url
    store = _open_store(url, settings, writer=False)
    if store is None:
        return 1
    try:
        report = store.report(days=args.days, top=args.top)
    except SQLAlchemyError as e:
        print(f"privacybot: cannot read the log database {safe_url(url)}: "
              f"{e.__class__.__name__}", file=sys.stderr)
        return 1
    store.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0


def cmd_telegram(args: argparse.Namespace) -> int:
    """Run the Telegram bot in polling mode (TELEGRAM_BOT_TOKEN and other TELEGRAM_* variables)."""
    from .telegram import main as run_telegram

    return run_telegram(args.corpus)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="privacybot",
        description="Answers questions about privacy policies by quoting the clause that answers them.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help=cmd_serve.__doc__, description=cmd_serve.__doc__)
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--corpus", type=Path, help="folder of policy files (default: corpus/)")
    p.add_argument("--watch", action="store_true",
                   help="reindex in the background when the corpus folder changes")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="worker processes (default 1); they share the saved index")
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
    p.add_argument("--if-changed", action="store_true",
                   help="reuse the saved index when the corpus and code have not changed")
    p.add_argument("--workers", type=int, help="tokenizing processes (default: one per core)")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("report", help=cmd_report.__doc__, description=cmd_report.__doc__)
    p.add_argument("--days", type=int, default=30, help="how many days back (default 30)")
    p.add_argument("--top", type=int, default=20, help="rows per list (default 20)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--database", metavar="URL",
                   help="log database URL (default: DATABASE_URL or sqlite:///privacybot.sqlite3)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("telegram", help=cmd_telegram.__doc__, description=cmd_telegram.__doc__)
    p.add_argument("--corpus", type=Path, help="folder of policy files (default: corpus/)")
    p.set_defaults(func=cmd_telegram)
    return parser


def _command_parser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices.get(command, parser)


def _unknown_options(parser: argparse.ArgumentParser, unknown: list[str]) -> None:
    """Exit with the command's usage, naming what it did not recognize and the near option."""
    import difflib

    options = [o for a in parser._actions for o in a.option_strings]
    near = [m for u in unknown if u.startswith("-")
            for m in difflib.get_close_matches(u.split("=")[0], options, n=1, cutoff=0.6)]
    parser.error(f"unrecognized arguments: {' '.join(unknown)}"
                 + (f" (did you mean {' or '.join(dict.fromkeys(near))}?)" if near else ""))


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # told by the command's own parser, with its usage, not the top-level one
        _unknown_options(_command_parser(parser, args.command), unknown)
    if args.func is not cmd_serve:
        started()  # serve does once its app is built
    try:
        return args.func(args)
    except CorpusError as exc:
        print(f"privacybot: {exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:  # a PRIVACYBOT_* variable that does not parse
        for err in exc.errors():
            name = ".".join(str(x) for x in err["loc"])
            print(f"privacybot: invalid setting PRIVACYBOT_{name.upper()}: "
                  f"{err['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
