"""SSRF through parser differentials, DNS rebinding and closed connections: the internal service stays at 0.

Every case runs the real fetcher against loopback servers with only 127.0.0.1/32 allowed, so
127.0.0.2 plays an internal service (`CountingService`). The resolver is injected
(`AddressPolicy(resolver=...)`), so a name can answer differently on each lookup, as a DNS
rebinding attacker's server would.
"""

from __future__ import annotations

import datetime as dt
import errno
import subprocess

import pytest
import requests

from newslake.config import Politeness, Settings
from newslake.errors import FetchError
from newslake.fetch import PoliteFetcher
from newslake.netguard import AddressPolicy, parse_networks
from tests.hostile.server import article_html
from tests.hostile.services import CountingService, ModeServer

PAGE = article_html("Harbour council backs the ferry review", dt.datetime(2025, 3, 7, 12, tzinfo=dt.timezone.utc)).encode()
POLITE = Politeness(min_delay_seconds=0, respect_robots=True)
MODES = ["keep-alive", "http/1.0", "close"]


def settings(**overrides) -> Settings:
    base = {"allowed_private_networks": "127.0.0.1/32", "connect_timeout_seconds": 1.0, "read_timeout_seconds": 2.0, "max_retries": 0, "max_fetch_seconds": 5.0}
    return Settings(**{**base, **overrides})


class Rebinding:
    """A resolver that gives `first` for the first `times` lookups of a name, then `then` (a rebinding DNS server)."""

    def __init__(self, first: list[str], then: list[str], times: int = 1):
        self.first, self.then, self.times = first, then, times
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        return self.first if len(self.lookups) <= self.times else self.then


@pytest.fixture
def internal():
    with CountingService("127.0.0.2") as service:
        yield service
    assert service.connections == 0 and service.requests == [], f"the internal service was reached: {service.requests[:2]}"


@pytest.mark.parametrize("mode", MODES)
def test_backslash_url_listed_or_redirected_to_never_reaches_the_internal_service(internal, mode):
    # urlsplit reads the host after '@' (127.0.0.1, allowed); urllib3 reads 127.0.0.2 before the backslash
    sneaky = f"{internal.base}\\@127.0.0.1:{{port}}/admin"
    routes = {"/to-sneaky": lambda h: (302, {"Location": sneaky.format(port=h.server.server_address[1])}, b"")}
    with ModeServer(routes, mode) as site, PoliteFetcher(settings()) as fetcher:
        with pytest.raises(FetchError, match="refused: URL contains a backslash"):
            fetcher.fetch(sneaky.format(port=site.port), POLITE)
        with pytest.raises(FetchError, match=r"redirect to .* refused: URL contains a backslash"):
            fetcher.fetch(f"http://127.0.0.1:{site.port}/to-sneaky", POLITE)


@pytest.mark.parametrize("mode", MODES)
def test_userinfo_and_embedded_ipv4_forms_never_reach_the_internal_service(internal, mode):
    targets = [f"http://news.example@{internal.host}:{internal.port}/admin", f"http://[64:ff9b::7f00:2]:{internal.port}/admin"]
    routes = {f"/hop-{i}": (302, {"Location": t}, b"") for i, t in enumerate(targets)}
    with ModeServer(routes, mode) as site, PoliteFetcher(settings()) as fetcher:
        for i, target in enumerate(targets):
            with pytest.raises(FetchError, match="refused"):
                fetcher.fetch(target, POLITE)
            with pytest.raises(FetchError, match="refused"):
                fetcher.fetch(f"http://127.0.0.1:{site.port}/hop-{i}", POLITE)


def _same_port_pair(mode: str):
    """A good server on 127.0.0.1:P and an internal one on 127.0.0.2:P (a rebinding answer keeps the port)."""
    for _ in range(5):
        site = ModeServer({"/news/a": (200, {}, PAGE), "/news/b": (200, {}, PAGE)}, mode)
        try:
            return site, CountingService("127.0.0.2", site.port)
        except OSError as exc:
            site.httpd.server_close()
            if exc.errno != errno.EADDRINUSE:
                raise
    pytest.skip("no port free on both 127.0.0.1 and 127.0.0.2")


@pytest.mark.parametrize("mode", MODES)
def test_dns_answer_that_changes_after_the_check_reaches_nothing(mode):
    """Lookup 1 (robots.txt) says 127.0.0.1, lookup 2 (the article) says 127.0.0.2: the article is refused, 0 bytes sent."""
    site, internal = _same_port_pair(mode)
    resolver = Rebinding(["127.0.0.1"], ["127.0.0.2"])
    policy = AddressPolicy(parse_networks("127.0.0.1/32"), resolver=resolver)
    with site, internal, PoliteFetcher(settings(), policy=policy) as fetcher:
        with pytest.raises(FetchError, match="127.0.0.2 is loopback"):
            fetcher.fetch(f"http://rebind.example:{site.port}/news/a", POLITE)
    # the first answer was used to connect (the name does not resolve on this machine) and the
    # name went in the Host header; the second answer was refused before any connection
    assert site.seen == [("/robots.txt", f"rebind.example:{site.port}")]
    assert resolver.lookups == ["rebind.example", "rebind.example"]
    assert internal.connections == 0 and internal.requests == []


@pytest.mark.parametrize("mode", MODES)
def test_each_request_connects_to_the_address_it_checked(mode):
    site, internal = _same_port_pair(mode)
    resolver = Rebinding(["127.0.0.1"], ["127.0.0.2"], times=2)
    policy = AddressPolicy(parse_networks("127.0.0.1/32"), resolver=resolver)
    no_robots = Politeness(min_delay_seconds=0, respect_robots=False)
    with site, internal, PoliteFetcher(settings(), policy=policy) as fetcher:
        assert fetcher.fetch(f"http://rebind.example:{site.port}/news/a", no_robots).body == PAGE
        assert fetcher.fetch(f"http://rebind.example:{site.port}/news/b", no_robots).body == PAGE
        with pytest.raises(FetchError, match="127.0.0.2 is loopback"):  # a kept-alive connection is no way round
            fetcher.fetch(f"http://rebind.example:{site.port}/news/a", no_robots)
    assert [path for path, _ in site.seen] == ["/news/a", "/news/b"]
    assert internal.connections == 0


def test_a_mixed_answer_is_refused_before_connecting_anywhere(internal):
    with ModeServer({"/news/a": (200, {}, PAGE)}) as site:
        policy = AddressPolicy(parse_networks("127.0.0.1/32"), resolver=lambda host, port: ["127.0.0.1", "127.0.0.2"])
        with PoliteFetcher(settings(), policy=policy) as fetcher, pytest.raises(FetchError, match="127.0.0.2 is loopback"):
            fetcher.fetch(f"http://mixed.example:{site.port}/news/a", POLITE)
    assert site.seen == []


def test_a_configured_proxy_is_refused_rather_than_trusted():
    with ModeServer({"/news/a": (200, {}, PAGE)}) as site, PoliteFetcher(settings()) as fetcher:
        fetcher.session.proxies["http"] = "http://127.0.0.1:9"
        with pytest.raises(FetchError, match="proxy"):
            fetcher.fetch(f"http://127.0.0.1:{site.port}/news/a", Politeness(0, False))


def _self_signed(tmp_path, name: str):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"],
        check=True,
        capture_output=True,
    )
    return key, cert


def test_https_to_the_checked_address_still_verifies_the_certificate_for_the_name(tmp_path):
    import ssl

    key, cert = _self_signed(tmp_path, "news.example")
    with ModeServer({"/news/a": (200, {}, PAGE)}) as site:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        site.httpd.socket = context.wrap_socket(site.httpd.socket, server_side=True)
        policy = AddressPolicy(parse_networks("127.0.0.1/32"), resolver=lambda host, port: ["127.0.0.1"])
        session = requests.Session()
        session.verify = str(cert)
        with PoliteFetcher(settings(), session=session, policy=policy) as fetcher:
            page = fetcher.fetch(f"https://news.example:{site.port}/news/a", Politeness(0, False))
            assert page.body == PAGE
            with pytest.raises(FetchError):  # the certificate is for news.example, not for other.example
                fetcher.fetch(f"https://other.example:{site.port}/news/a", Politeness(0, False))
    assert site.seen[0] == ("/news/a", f"news.example:{site.port}")
