"""Shared fixtures: one PolicyIndex per session, and the real app in a real uvicorn server."""
from __future__ import annotations

import os
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.api import create_app
from bot.settings import Settings
from bot.store import Store
from index import PolicyIndex

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
# Settings read these from the environment; tests must not depend on the caller's shell.
SETTINGS_ENV = ("PUBLIC_BASE_URL", "DATABASE_URL")


def index_of_text(folder: Path, text: str, name: str = "p.md") -> PolicyIndex:
    """An index of one policy, written as `name` in `folder` from `text`."""
    from index.corpus import load_policy
    (folder / name).write_text(text, encoding="utf-8")
    return PolicyIndex([load_policy(folder / name)])


def settings_env_keys() -> list[str]:
    return [k for k in os.environ
            if k.upper().startswith(("PRIVACYBOT_", "TELEGRAM_")) or k.upper() in SETTINGS_ENV]


def get_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def hermetic_env(tmp_path_factory):
    """Settings come from their defaults, not from PRIVACYBOT_* variables of the caller's shell;
    the default log database is a temporary file, never one in the working directory."""
    with pytest.MonkeyPatch.context() as mp:
        for key in settings_env_keys():
            mp.delenv(key)
        db = tmp_path_factory.mktemp("default-log") / "privacybot.sqlite3"
        mp.setenv("PRIVACYBOT_DATABASE_URL", f"sqlite:///{db}")
        mp.setenv("PRIVACYBOT_CACHE_DIR", str(db.parent / "index-cache"))
        yield


@pytest.fixture(scope="session")
def policy_index() -> PolicyIndex:
    """The index of the repository's corpus, built once for the session."""
    return PolicyIndex.from_folder(CORPUS)


@pytest.fixture
def free_port() -> int:
    return get_free_port()


@contextmanager
def serve_app(app, port: int | None = None):
    """Serve an app with a real uvicorn on loopback in a thread; yields its base URL."""
    port = port or get_free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        with httpx.Client(trust_env=False, timeout=2) as probe:
            while True:
                if not thread.is_alive():
                    pytest.fail("uvicorn stopped while starting")
                try:
                    if probe.get(url + "/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail("uvicorn did not answer /healthz within 60 s")
                time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def _pg_bin() -> Path | None:
    """Debian's PostgreSQL binaries (or PRIVACYBOT_PG_BIN)."""
    if os.environ.get("PRIVACYBOT_PG_BIN"):
        return Path(os.environ["PRIVACYBOT_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@pytest.fixture(scope="session")
def pg_url():
    """A real PostgreSQL server on loopback for the session, in a temporary cluster."""
    import pwd
    import shutil
    import subprocess

    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries not found (CI must run the PostgreSQL tests)")
        pytest.skip("PostgreSQL not installed (apt-get install postgresql)")
    import tempfile

    # Not under pytest's own temp folder: that one is private to the user running the tests.
    data = Path(tempfile.mkdtemp(prefix="privacybot-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres user
        pw = pwd.getpwnam("postgres")
        os.chown(data, pw.pw_uid, pw.pw_gid)
        as_user = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--"]
    port = get_free_port()
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True)  # noqa: E731
    run(str(bindir / "initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "privacybot",
        "-E", "UTF8", "--no-locale")
    run(str(bindir / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "server.log"), "-w",
        "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    try:
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "privacybot",
            "privacybot")
        yield f"postgresql://privacybot@127.0.0.1:{port}/privacybot"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m", "fast",
                        "-w", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def log_store(tmp_path_factory) -> Store:
    """The question/feedback log of the session's server: a real SQLite file."""
    path = tmp_path_factory.mktemp("log") / "privacybot.sqlite3"
    store = Store(f"sqlite:///{path}", hash_secret="test-secret")
    yield store
    store.close()


@pytest.fixture(scope="session")
def server_app(policy_index, log_store, hermetic_env):
    """The app the session's server runs (app.state.store is `log_store`)."""
    return create_app(Settings(), policy_index, log_store)


@pytest.fixture(scope="session")
def base_url(server_app):
    """Base URL of the real app served by uvicorn on loopback for the whole session."""
    with serve_app(server_app) as url:
        yield url


@pytest.fixture(scope="session")
def client(base_url):
    """An HTTP client for the session's server (no proxies: it is on loopback)."""
    with httpx.Client(base_url=base_url, trust_env=False, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def standin():
    """A Bot API stand-in on loopback (tests/botapi_standin.py), one per test module."""
    from botapi_standin import BotApiStandIn

    with BotApiStandIn() as s:
        yield s
