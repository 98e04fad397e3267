import pytest

from newslake.errors import FetchError
from newslake.netguard import AddressPolicy, address_kind, parse_networks


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
