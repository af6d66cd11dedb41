"""Shared fixtures: one PolicyIndex per session, and the real app in a real uvicorn server."""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.api import create_app
from bot.settings import Settings
from index import PolicyIndex

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
# Settings read these from the environment; tests must not depend on the caller's shell.
SETTINGS_ENV = ("PUBLIC_BASE_URL",)


def settings_env_keys() -> list[str]:
    return [k for k in os.environ if k.upper().startswith("PRIVACYBOT_") or k.upper() in SETTINGS_ENV]


def get_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def hermetic_env():
    """Settings come from their defaults, not from PRIVACYBOT_* variables of the caller's shell."""
    with pytest.MonkeyPatch.context() as mp:
        for key in settings_env_keys():
            mp.delenv(key)
        yield


@pytest.fixture(scope="session")
def policy_index() -> PolicyIndex:
    """The index of the repository's corpus, built once for the session."""
    return PolicyIndex.from_folder(CORPUS)


@pytest.fixture
def free_port() -> int:
    return get_free_port()


@pytest.fixture(scope="session")
def base_url(policy_index, hermetic_env):
    """Base URL of the real app served by uvicorn on loopback for the whole session."""
    port = get_free_port()
    app = create_app(Settings(), policy_index)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-tests", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
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
                server.should_exit = True
                pytest.fail("uvicorn did not answer /healthz within 60 s")
            time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="session")
def client(base_url):
    """An HTTP client for the session's server (no proxies: it is on loopback)."""
    with httpx.Client(base_url=base_url, trust_env=False, timeout=60) as c:
        yield c
