"""What a client can make the server do through headers: pick its own address (rate limits),
name the host links point to, read the metrics. Over real HTTP, the shipped deployment files
read as they are."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import uvicorn
import yaml

from bot.api import create_app
from bot.settings import Settings
from conftest import get_free_port, serve_app

ROOT = Path(__file__).resolve().parent.parent
ASK = {"question": "怎么注销账号？"}


@pytest.fixture
def start(policy_index, tmp_path, hermetic_env):
    """A server of its own: `with start(rate_limit=...) as c:`."""
    from contextlib import contextmanager

    @contextmanager
    def run(**overrides):
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'log.sqlite3'}", **overrides)
        with serve_app(create_app(settings, policy_index)) as url, \
                httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
            yield c
    return run


# -- point 2: rate limits keyed on the real client, every route that answers or writes ----------

def test_the_shipped_proxy_sets_the_client_address_and_the_app_trusts_only_the_proxy():
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;", nginx)
    assert "$proxy_add_x_forwarded_for" not in nginx
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    env = compose["services"]["app"]["environment"]
    trusted = str(env["FORWARDED_ALLOW_IPS"])
    assert "*" not in trusted
    lb = compose["services"]["lb"]["networks"]
    proxy_ip = next(iter(lb.values()))["ipv4_address"]
    assert trusted == proxy_ip
    net = next(iter(compose["networks"].values()))
    import ipaddress
    subnet = ipaddress.ip_network(net["ipam"]["config"][0]["subnet"])
    assert ipaddress.ip_address(proxy_ip) in subnet
    dynamic = ipaddress.ip_network(net["ipam"]["config"][0]["ip_range"])
    assert ipaddress.ip_address(proxy_ip) not in dynamic  # no replica can be given it first


@pytest.fixture
def behind_proxy(policy_index, tmp_path, hermetic_env):
    """The app as the compose file runs it: uvicorn trusting X-Forwarded-For only from the
    proxy's address (here loopback, where the test plays the proxy)."""
    from contextlib import contextmanager
    import threading
    import time

    @contextmanager
    def run(**overrides):
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'log.sqlite3'}", **overrides)
        port = get_free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings, policy_index), host="127.0.0.1",
                                               port=port, log_level="warning", proxy_headers=True,
                                               forwarded_allow_ips="127.0.0.1"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False,
                              timeout=30) as c:
                for _ in range(600):
                    try:
                        if c.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.05)
                yield c
        finally:
            server.should_exit = True
            thread.join(timeout=15)
    return run


@pytest.mark.parametrize("forged", ["127.0.0.1", "::1", "127.0.0.2", "localhost", "::ffff:127.0.0.1"])
def test_a_client_cannot_claim_loopback_through_x_forwarded_for(behind_proxy, forged):
    with behind_proxy(rate_limit="3/minute") as c:
        # what an appending proxy passes on: the client's own header, then the client
        xff = {"X-Forwarded-For": f"{forged}, 203.0.113.7"}
        codes = [c.post("/api/v1/ask", json=ASK, headers=xff).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]


def test_clients_behind_the_proxy_have_buckets_of_their_own(behind_proxy):
    with behind_proxy(rate_limit="2/minute") as c:
        a, b = {"X-Forwarded-For": "203.0.113.1"}, {"X-Forwarded-For": "203.0.113.2"}
        assert [c.post("/api/v1/ask", json=ASK, headers=a).status_code for _ in range(3)] \
            == [200, 200, 429]
        assert c.post("/api/v1/ask", json=ASK, headers=b).status_code == 200


def test_the_demo_page_question_is_limited_like_ask(start):
    with start(rate_limit="3/minute", rate_limit_loopback=True) as c:
        codes = [c.get("/", params={"q": "怎么注销账号？"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert c.post("/api/v1/ask", json=ASK).status_code == 429  # one bucket per client
        assert c.get("/").status_code == 200  # the page without a question is not limited
        assert c.get("/", params={"q": "  "}).status_code == 200


def test_the_demo_page_counts_against_the_global_backstop(start):
    with start(rate_limit="off", rate_limit_global="2/second") as c:
        codes = [c.get("/", params={"q": "注销"}).status_code for _ in range(6)]
        assert codes[:2] == [200, 200] and 429 in codes


def test_trusting_every_proxy_is_warned_about_at_start(start, caplog, monkeypatch):
    import logging
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    caplog.set_level(logging.WARNING, logger="privacybot.api")
    with start():
        pass
    assert any("FORWARDED_ALLOW_IPS" in r.getMessage() for r in caplog.records)


# -- point 4: the Host header never makes a link -------------------------------------------------

EVIL = {"Host": "evil.example"}


def test_without_public_base_url_an_unknown_host_is_refused(start):
    with start() as c:
        for method, path, kw in (("POST", "/api/v1/ask", {"json": ASK}), ("GET", "/", {}),
                                 ("GET", "/policies/mcmeet/", {}), ("GET", "/?q=注销", {})):
            r = c.request(method, path, headers=EVIL, **kw)
            assert r.status_code == 400 and "Host" in r.json()["detail"], (path, r.status_code)
        for host in ("evil.example:80", "localhost.evil.example", "127.0.0.1@evil.example", ""):
            assert c.get("/healthz", headers={"Host": host}).status_code == 400, host
        ok = c.post("/api/v1/ask", json=ASK, headers={"Host": "localhost:8000"})
        assert ok.status_code == 200
        assert ok.json()["answers"][0]["url"].startswith("http://localhost:8000/policies/")


def test_allowed_hosts_are_configurable(start):
    with start(allowed_hosts="help.example.com") as c:
        r = c.post("/api/v1/ask", json=ASK, headers={"Host": "help.example.com"})
        assert r.json()["answers"][0]["url"].startswith("http://help.example.com/policies/")
        assert c.get("/healthz", headers={"Host": "localhost"}).status_code == 400


def test_public_base_url_makes_every_link_whatever_the_host_header(start):
    with start(public_base_url="https://help.example.com") as c:
        r = c.post("/api/v1/ask", json=ASK, headers=EVIL)
        assert r.status_code == 200
        assert r.json()["answers"][0]["url"].startswith("https://help.example.com/policies/")
        page = c.get("/", headers=EVIL)
        assert "evil.example" not in page.text
        assert "https://help.example.com/widget.js" in page.text
        demo = c.get("/", params={"q": "怎么注销账号？"}, headers=EVIL)
        assert "evil.example" not in demo.text and "https://help.example.com/policies/" in demo.text
        redirect = c.get("/policies/mcmeet/", headers=EVIL, follow_redirects=False)
        assert redirect.status_code in (307, 308)
        assert redirect.headers["location"] == "https://help.example.com/policies/mcmeet"


def test_the_start_says_which_hosts_make_links(start, caplog):
    import logging
    caplog.set_level(logging.INFO, logger="privacybot.api")
    with start(allowed_hosts="a.example"):
        pass
    assert any("PUBLIC_BASE_URL is not set" in r.getMessage() and "a.example" in r.getMessage()
               for r in caplog.records)


# -- point 9: metrics are not public --------------------------------------------------------------

def test_metrics_need_the_token_when_one_is_set(start):
    with start(metrics_token="m3trics") as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        r = c.get("/metrics", headers={"Authorization": "Bearer m3trics"})
        assert r.status_code == 200 and "privacybot_http_requests_total" in r.text


def test_metrics_without_a_token_are_for_loopback_only(behind_proxy):
    with behind_proxy() as c:
        assert c.get("/metrics").status_code == 200  # the machine itself
        r = c.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert r.status_code == 404 and "privacybot_" not in r.text
