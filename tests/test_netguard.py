import pytest

from newslake.errors import FetchError
from newslake.netguard import AddressPolicy, AddressRefused, address_kind, parse_networks


def _resolver(table):
    return lambda host, port: table[host]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.0.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://127.0.0.1:8080/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:10.0.0.1]/", "private"),  # IPv4-mapped IPv6
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://100.64.0.1/", "non-global"),  # carrier-grade NAT
        ("http://[fe80::1]/", "link-local"),
    ],
)
def test_non_public_addresses_are_refused_by_default(url, kind):
    with pytest.raises(FetchError, match=f"is {kind}"):
        AddressPolicy().check_url(url)


def test_names_are_resolved_and_every_address_must_pass():
    policy = AddressPolicy(resolver=_resolver({"news.example": ["93.184.216.34"], "sneaky.example": ["93.184.216.34", "10.0.0.5"]}))
    policy.check_url("https://news.example/a")
    with pytest.raises(FetchError, match="10.0.0.5 is private"):
        policy.check_url("https://sneaky.example/a")


def test_allow_list_opens_exactly_the_listed_networks():
    policy = AddressPolicy(parse_networks("127.0.0.1/32"), resolver=_resolver({"localhost": ["127.0.0.1"]}))
    policy.check_url("http://127.0.0.1:5000/x")
    policy.check_url("http://localhost:5000/x")
    with pytest.raises(FetchError, match="127.0.0.2 is loopback"):
        policy.check_url("http://127.0.0.2/x")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1/", "ftp://example.com/x", "http:///nohost"])
def test_only_http_urls_with_a_host_are_fetched(url):
    with pytest.raises(FetchError, match="refused"):
        AddressPolicy().check_url(url)


def test_bad_allow_list_names_the_entry():
    with pytest.raises(ValueError, match="'10.0.0.0/33' is not an IP network"):
        parse_networks("127.0.0.0/8, 10.0.0.0/33")
    assert address_kind(__import__("ipaddress").ip_address("93.184.216.34")) is None


def _teredo_with_client(ipv4: str) -> str:
    """A Teredo address (2001::/32) whose obfuscated client field is `ipv4`."""
    import ipaddress

    client = int(ipaddress.IPv4Address(ipv4)) ^ 0xFFFFFFFF
    return str(ipaddress.IPv6Address((0x20010000 << 96) | (int(ipaddress.IPv4Address("65.54.227.120")) << 64) | client))


@pytest.mark.parametrize(
    ("address", "embedded"),
    [
        ("2002:a9fe:a9fe::1", "169.254.169.254"),  # 6to4
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),  # NAT64 well-known prefix
        ("64:ff9b:1::7f00:2", "127.0.0.2"),  # NAT64 local-use prefix
        (_teredo_with_client("10.0.0.1"), "10.0.0.1"),  # Teredo client
    ],
)
def test_ipv4_embedded_in_ipv6_is_checked(address, embedded):
    with pytest.raises(FetchError, match=f"embedded {embedded}"):
        AddressPolicy().check_url(f"http://[{address}]/latest/meta-data/")


def test_ipv6_forms_of_an_allowed_ipv4_network_are_allowed():
    AddressPolicy(parse_networks("127.0.0.1/32")).check_url("http://[64:ff9b::7f00:1]/x")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.2:8080\\@news.example/admin", "backslash"),
        ("http://news.example\\@127.0.0.2/admin", "backslash"),
        ("http://news.example\\.127.0.0.2/", "backslash"),
        ("http://user@127.0.0.1/", "userinfo"),
        ("http://news.example@127.0.0.2/", "userinfo"),
        ("http://news.example/a\tb", "control character"),
        ("http://news.example/a b", "control character or space"),
        ("http://news.example\x00.evil/", "control character"),
    ],
)
def test_urls_that_parsers_read_differently_are_refused_with_the_reason(url, reason):
    policy = AddressPolicy(parse_networks("127.0.0.1/32"), resolver=_resolver({"news.example": ["93.184.216.34"]}))
    with pytest.raises(AddressRefused, match=reason):
        policy.check_url(url)


def test_backslash_in_the_query_is_not_ambiguous():
    target = AddressPolicy(resolver=_resolver({"news.example": ["93.184.216.34"]})).resolve("http://news.example/a?q=x\\y")
    assert (target.host, target.port, target.address) == ("news.example", 80, "93.184.216.34")


def test_resolve_returns_the_checked_address_and_the_name_for_the_host_header():
    policy = AddressPolicy(resolver=_resolver({"news.example": ["93.184.216.34"]}))
    target = policy.resolve("https://News.Example:8443/a")
    assert (target.scheme, target.host, target.port, target.address, target.host_header) == (
        "https",
        "news.example",
        8443,
        "93.184.216.34",
        "news.example:8443",
    )
    assert policy.resolve("http://[2606:2800:220:1::1]/").host_header == "[2606:2800:220:1::1]"


def test_each_resolve_asks_the_resolver_exactly_once():
    calls = []

    def resolver(host, port):
        calls.append(host)
        return ["93.184.216.34"]

    AddressPolicy(resolver=resolver).resolve("http://news.example/")
    assert calls == ["news.example"]
