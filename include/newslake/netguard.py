"""Netguard: URL -> allowed or refused, before any connection is made (SSRF defence).

A crawler follows URLs that strangers write (feeds, sitemaps, redirect `Location`s), so without a
check one listing could make it read cloud metadata (169.254.169.254) or an internal service.
`AddressPolicy.check_url` refuses non-http(s) schemes and any host that is, or resolves to, an
address that is not globally routable (private, loopback, link-local, multicast, reserved,
unspecified, shared, IPv4-mapped forms of those), unless the address is inside one of the
explicitly allowed networks (setting `allowed_private_networks`, e.g. `127.0.0.0/8` for the demo).
Every address a name resolves to must pass, so a mixed DNS answer cannot slip one through.
`check_peer` re-checks the address actually connected to (defence against DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from newslake.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]


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
    """All addresses `host` resolves to (what the HTTP client may connect to)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def address_kind(ip: IPAddress) -> str | None:
    """Why an address is not public ('loopback', 'link-local', ...), or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return address_kind(ip.ipv4_mapped)
    for kind in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved", "site_local"):
        if getattr(ip, f"is_{kind}", False):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-global"


class AddressPolicy:
    """Which URLs the fetcher may connect to."""

    def __init__(self, allowed: Sequence[IPNetwork] = (), resolver: Resolver = system_resolver):
        self.allowed = tuple(allowed)
        self.resolver = resolver

    @classmethod
    def from_spec(cls, spec: str, resolver: Resolver = system_resolver) -> AddressPolicy:
        return cls(parse_networks(spec), resolver)

    def check_ip(self, text: str) -> None:
        """Raise FetchError unless the address is public or explicitly allowed."""
        ip = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
        kind = address_kind(ip)
        if kind is None or any(ip in net or (getattr(ip, "ipv4_mapped", None) or ip) in net for net in self.allowed):
            return
        raise FetchError(f"refused: address {ip} is {kind} (not in allowed_private_networks)")

    def check_url(self, url: str) -> None:
        """Raise FetchError unless `url` is http(s) and every address its host resolves to is allowed."""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            raise FetchError(f"refused: scheme '{parts.scheme}' (only http and https are fetched)")
        host = parts.hostname
        if not host:
            raise FetchError("refused: URL has no host")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchError("refused: URL has an invalid port") from None
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            try:
                addresses = self.resolver(host, port)
            except (OSError, UnicodeError) as exc:
                raise FetchError(f"cannot resolve host '{host}': {exc}", retryable=True) from None
        if not addresses:
            raise FetchError(f"cannot resolve host '{host}'", retryable=True)
        for address in addresses:
            self.check_ip(address)

    def check_peer(self, peer: str | None) -> None:
        """Re-check the address a connection actually went to (None when unknown)."""
        if peer:
            self.check_ip(peer)
