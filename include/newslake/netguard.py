"""Netguard: URL -> the one checked address the fetcher may connect to (SSRF defence).

A crawler follows URLs that strangers write (feeds, sitemaps, redirect `Location`s), so without a
check one listing could make it read cloud metadata (169.254.169.254) or an internal service.

* `parse_target` reads a URL with urllib3's parser (the one the HTTP client uses, so the guard
  and the client cannot disagree about the host) and refuses URLs that parsers read differently:
  a backslash before the query, userinfo (`user@host`), control characters or spaces, a host the
  standard library's `urlsplit` reads differently.
* `AddressPolicy.resolve` resolves the host **once** and refuses it unless every address is
  globally routable (not private, loopback, link-local, multicast, reserved, unspecified, shared;
  IPv4 embedded in IPv4-mapped, 6to4, Teredo and NAT64 addresses checked too) or inside one of
  the explicitly allowed networks (setting `allowed_private_networks`, e.g. `127.0.0.0/8`).
* `GuardedAdapter` (mounted on the fetcher's `requests.Session`) connects to exactly that checked
  address on every request, so a DNS answer that changes between check and connect (rebinding)
  has nothing to change, and nothing is sent to an address that was not checked. The `Host`
  header, TLS SNI and certificate verification still use the name.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from newslake.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

# RFC 6052 well-known NAT64 prefix and RFC 8215 local-use prefix: the last 32 bits are IPv4
NAT64_NETWORKS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# anything a browser, curl or urllib3 may read as a different host or request line
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


class AddressRefused(FetchError):
    """A URL or address the SSRF guard will not connect to (never retried)."""


@dataclasses.dataclass(frozen=True)
class Target:
    """Where one request goes: the URL's scheme, host name and port, and the checked IP."""

    scheme: str
    host: str  # as in the URL, lower-case; an IPv6 literal without brackets
    port: int
    address: str = ""  # the checked IP the connection goes to (empty until resolved)

    @property
    def default_port(self) -> bool:
        return self.port == (443 if self.scheme == "https" else 80)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.default_port else f"{host}:{self.port}"


def parse_networks(spec: str) -> tuple[IPNetwork, ...]:
    """'127.0.0.0/8, ::1' -> networks; raise ValueError naming the bad entry."""
    networks = []
    for item in (part.strip() for part in spec.replace(";", ",").split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"'{item}' is not an IP network (use CIDR, e.g. 127.0.0.0/8 or ::1/128)") from None
    return tuple(networks)


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses `host` resolves to, IPv4 first (the order the fetcher tries them)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos}, key=lambda a: (":" in a, a))


def embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo server and client, NAT64)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if any(ip in net for net in NAT64_NETWORKS):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [a for a in found if a is not None]


def address_kind(ip: IPAddress) -> str | None:
    """Why an address is not public ('loopback', 'link-local', ...), or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return address_kind(ip.ipv4_mapped)
    for inner in embedded_ipv4(ip):
        kind = address_kind(inner)
        if kind is not None:
            return f"{kind} (embedded {inner})"
    for kind in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved", "site_local"):
        if getattr(ip, f"is_{kind}", False):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-global"


def parse_target(url: str) -> Target:
    """Scheme, host and port of `url` as the HTTP client reads them; AddressRefused for ambiguous URLs."""
    if _CONTROL_OR_SPACE.search(url):
        raise AddressRefused("refused: URL contains a control character or space (parsers disagree on such URLs)")
    before_query = re.split(r"[?#]", url, maxsplit=1)[0]
    if "\\" in before_query:
        raise AddressRefused("refused: URL contains a backslash (browsers and HTTP clients read its host differently)")
    try:
        parts = parse_url(url)
    except (LocationParseError, ValueError) as exc:
        raise AddressRefused(f"refused: unparseable URL ({exc})"[:300]) from None
    scheme = (parts.scheme or "").lower()
    if scheme not in {"http", "https"}:
        raise AddressRefused(f"refused: scheme '{scheme}' (only http and https are fetched)")
    if parts.auth is not None or "@" in (urlsplit(url).netloc or ""):
        raise AddressRefused("refused: URL carries userinfo ('user@host'), a common way to disguise the real host")
    host = (parts.host or "").lower().strip("[]")
    if not host:
        raise AddressRefused("refused: URL has no host")
    try:
        other = (urlsplit(url).hostname or "").lower()
    except ValueError:
        other = ""
    if other != host:
        raise AddressRefused(f"refused: URL parsers disagree about its host ('{host}' vs '{other}')")
    return Target(scheme, host, parts.port or (443 if scheme == "https" else 80))


class AddressPolicy:
    """Which addresses the fetcher may connect to, with the resolver it uses (injectable for tests)."""

    def __init__(self, allowed: Sequence[IPNetwork] = (), resolver: Resolver = system_resolver):
        self.allowed = tuple(allowed)
        self.resolver = resolver

    @classmethod
    def from_spec(cls, spec: str, resolver: Resolver = system_resolver) -> AddressPolicy:
        return cls(parse_networks(spec), resolver)

    def check_ip(self, text: str) -> None:
        """Raise AddressRefused unless the address is public or explicitly allowed."""
        ip = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
        if any(candidate in net for candidate in (ip, *embedded_ipv4(ip)) for net in self.allowed):
            return
        kind = address_kind(ip)
        if kind is None:
            return
        raise AddressRefused(f"refused: address {ip} is {kind} (not in allowed_private_networks)")

    def check_syntax(self, url: str) -> Target:
        """The URL's target without DNS: ambiguous URLs and refused IP literals raise AddressRefused."""
        target = parse_target(url)
        if _is_ip_literal(target.host):
            self.check_ip(target.host)
        return target

    def resolve(self, url: str) -> Target:
        """Parse, resolve once, check every address; the Target names the address to connect to."""
        target = self.check_syntax(url)
        if _is_ip_literal(target.host):
            return dataclasses.replace(target, address=target.host)
        try:
            addresses = self.resolver(target.host, target.port)
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"cannot resolve host '{target.host}': {exc}", retryable=True) from None
        if not addresses:
            raise FetchError(f"cannot resolve host '{target.host}'", retryable=True)
        for address in addresses:  # every one: a mixed answer must not slip a private one through
            self.check_ip(address)
        return dataclasses.replace(target, address=addresses[0])

    def check_url(self, url: str) -> None:
        """Raise FetchError unless `url` is unambiguous http(s) and every address of its host is allowed."""
        self.resolve(url)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


class GuardedAdapter(HTTPAdapter):
    """A requests transport that connects only to the address `AddressPolicy.resolve` checked.

    The check runs when the connection pool is chosen, before any socket is opened; the pool is
    keyed by the checked IP *and* the name (SNI, certificate host), so a kept-alive connection is
    reused only for the same name on the same address. Proxies are not supported: a proxy would
    connect on our behalf to an address we never checked.
    """

    def __init__(self, policy: AddressPolicy, **kwargs):
        self.policy = policy
        super().__init__(**kwargs)

    def get_connection_with_tls_context(self, request: requests.PreparedRequest, verify, proxies=None, cert=None):
        if proxies and any(proxies.values()):
            raise AddressRefused("refused: a proxy is configured, and the SSRF guard cannot check where it connects")
        target = self.policy.resolve(request.url or "")
        # the connection goes to the IP; the name still goes in Host, SNI and the certificate check
        request.headers["Host"] = target.host_header
        _, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        if target.scheme == "https":
            pool_kwargs["server_hostname"] = target.host
            pool_kwargs["assert_hostname"] = target.host
        return self.poolmanager.connection_from_host(target.address, target.port, target.scheme, pool_kwargs=pool_kwargs)


def guarded_session(policy: AddressPolicy, session: requests.Session | None = None) -> requests.Session:
    """`session` (or a new one) whose http and https traffic goes through a GuardedAdapter."""
    session = session or requests.Session()
    session.trust_env = False  # a proxy from the environment would bypass the address checks
    adapter = GuardedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
