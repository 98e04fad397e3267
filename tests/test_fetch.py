import dataclasses
import datetime as dt

import pytest

from newslake.config import Politeness, Settings
from newslake.errors import FetchError
from newslake.fetch import HostClock, PoliteFetcher, decode_html, parse_retry_after
from newslake.schemas import Candidate
from tests.localserver import LocalServer, Reply

FAST = Settings(
    backoff_base_seconds=0.01, max_backoff_seconds=2, max_retries=3, connect_timeout_seconds=2, read_timeout_seconds=2, allowed_private_networks="127.0.0.1/32"
)
NO_DELAY = Politeness(min_delay_seconds=0.0)
ROBOTS = Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"})


def test_fetch_keeps_final_url_status_and_time_and_sends_user_agent():
    seen = {}

    def page(handler):
        seen["ua"] = handler.headers["User-Agent"]
        return Reply(200, b"<html><body>hi</body></html>")

    with LocalServer({"/robots.txt": ROBOTS, "/old": Reply(301, b"", {"Location": "/new"}), "/new": page}) as server, PoliteFetcher(FAST) as fetcher:
        result = fetcher.fetch(server.base + "/old", NO_DELAY)
    assert result.final_url == server.base + "/new"
    assert result.http_status == 200 and result.body.startswith(b"<html>")
    assert result.fetched_at.tzinfo is not None and abs((dt.datetime.now(dt.timezone.utc) - result.fetched_at).total_seconds()) < 10
    assert seen["ua"].startswith("newslake/")


def test_robots_disallowed_url_is_not_requested():
    with LocalServer({"/robots.txt": ROBOTS, "/private/x": Reply(200, b"secret")}) as server, PoliteFetcher(FAST) as fetcher:
        with pytest.raises(FetchError, match="robots.txt"):
            fetcher.fetch(server.base + "/private/x", NO_DELAY)
        assert server.hits("/private/x") == 0


def test_retries_503_then_succeeds_and_honours_retry_after():
    calls = []

    def flaky(handler):
        calls.append(1)
        if len(calls) < 3:
            return Reply(503 if len(calls) == 1 else 429, b"busy", {"Retry-After": "1", "Content-Type": "text/html"})
        return Reply(200, b"<html>ok</html>")

    with LocalServer({"/robots.txt": ROBOTS, "/a": flaky}) as server, PoliteFetcher(FAST) as fetcher:
        result = fetcher.fetch(server.base + "/a", NO_DELAY)
        times = [t for p, t in server.requests if p == "/a"]
    assert result.http_status == 200 and len(calls) == 3
    assert times[1] - times[0] >= 0.9  # waited for Retry-After: 1, not the 0.01 s backoff


def test_gives_up_after_max_retries_with_attempt_count():
    with LocalServer({"/robots.txt": ROBOTS, "/down": Reply(500, b"err")}) as server, PoliteFetcher(FAST) as fetcher:
        with pytest.raises(FetchError) as info:
            fetcher.fetch(server.base + "/down", NO_DELAY)
    assert info.value.http_status == 500 and info.value.attempt == 4


def test_404_is_not_retried():
    with LocalServer({"/robots.txt": ROBOTS}) as server, PoliteFetcher(FAST) as fetcher:
        with pytest.raises(FetchError, match="HTTP 404"):
            fetcher.fetch(server.base + "/missing", NO_DELAY)
        assert server.hits("/missing") == 1


def test_body_over_limit_and_wrong_content_type_fail():
    small = dataclasses.replace(FAST, max_body_bytes=1000)
    routes = {"/robots.txt": ROBOTS, "/big": Reply(200, b"x" * 5000), "/pdf": Reply(200, b"%PDF-1.4", {"Content-Type": "application/pdf"})}
    with LocalServer(routes) as server, PoliteFetcher(small) as fetcher:
        with pytest.raises(FetchError, match="exceeds the limit of 1000"):
            fetcher.fetch(server.base + "/big", NO_DELAY)
        with pytest.raises(FetchError, match="content type 'application/pdf'"):
            fetcher.fetch(server.base + "/pdf", NO_DELAY)


def test_per_host_minimum_delay_is_kept():
    # a clock whose sleep only advances it: the pauses asked for are exact, whatever the machine's load
    now = [100.0]
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    routes = {"/robots.txt": ROBOTS, **{f"/p{i}": Reply(200, b"<html>x</html>") for i in range(4)}}
    with LocalServer(routes) as server, PoliteFetcher(FAST, clock=HostClock(sleep=sleep, now=lambda: now[0])) as fetcher:
        for i in range(4):
            fetcher.fetch(server.base + f"/p{i}", Politeness(min_delay_seconds=0.2))
    assert [p for p, _ in server.requests] == ["/robots.txt", "/p0", "/p1", "/p2", "/p3"]
    assert pauses == pytest.approx([0.2] * 4)  # each request waits for the one before it (robots.txt included)


def test_fetch_many_records_failures_and_keeps_good_pages():
    routes = {"/robots.txt": ROBOTS, "/ok": Reply(200, b"<html>ok</html>"), "/gone": Reply(410, b"")}
    with LocalServer(routes) as server, PoliteFetcher(FAST) as fetcher:
        candidates = [Candidate(server.base + p, "src", None, "feed") for p in ("/ok", "/gone", "/private/p")]
        pages, failures = fetcher.fetch_many(candidates, lambda name: NO_DELAY)
    assert [p.url for p in pages] == [server.base + "/ok"]
    assert sorted((f.stage, f.reason, f.http_status) for f in failures) == [("fetch", "HTTP 410", 410), ("fetch", "disallowed by robots.txt", None)]


def test_host_clock_spaces_requests_per_host_only():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    clock = HostClock(sleep=sleep, now=lambda: now[0])
    clock.wait("a", 1.0)
    clock.wait("b", 1.0)
    clock.wait("a", 1.0)
    assert slept == [1.0]


def test_parse_retry_after_seconds_and_http_date():
    now = dt.datetime(2025, 3, 7, 12, 0, tzinfo=dt.timezone.utc)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Fri, 07 Mar 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_gzip_bomb_stops_at_the_cap_with_bounded_memory():
    import gzip
    import tracemalloc

    bomb = gzip.compress(b" " * 100_000_000, compresslevel=9)  # ~100 KB on the wire
    routes = {"/robots.txt": ROBOTS, "/bomb": Reply(200, bomb, {"Content-Type": "text/html", "Content-Encoding": "gzip"})}
    capped = dataclasses.replace(FAST, max_body_bytes=1_000_000)
    with LocalServer(routes) as server, PoliteFetcher(capped) as fetcher:
        tracemalloc.start()
        with pytest.raises(FetchError, match="after decompression"):
            fetcher.fetch(server.base + "/bomb", NO_DELAY)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 10_000_000  # never near the 100 MB the bomb expands to


def test_every_redirect_hop_is_address_checked_before_it_is_requested():
    routes = {"/robots.txt": ROBOTS, "/go": Reply(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})}
    with LocalServer(routes) as server, PoliteFetcher(FAST) as fetcher:
        with pytest.raises(FetchError, match="169.254.169.254 is link-local") as info:
            fetcher.fetch(server.base + "/go", NO_DELAY)
    assert info.value.http_status == 302


def test_loopback_is_refused_unless_allow_listed():
    with LocalServer({"/robots.txt": ROBOTS, "/a": Reply(200, b"<html>a</html>")}) as server, PoliteFetcher(Settings()) as fetcher:
        with pytest.raises(FetchError, match="127.0.0.1 is loopback"):
            fetcher.fetch(server.base + "/a", NO_DELAY)
        assert server.hits("/a") == 0 and server.hits("/robots.txt") == 0


def test_binary_served_as_html_and_empty_bodies_are_refused():
    routes = {"/robots.txt": ROBOTS, "/img": Reply(200, b"\xff\xd8\xff\xe0" + bytes(1000)), "/empty": Reply(200, b"  \n")}
    with LocalServer(routes) as server, PoliteFetcher(FAST) as fetcher:
        with pytest.raises(FetchError, match=r"binary content \(JPEG image\) served as text/html"):
            fetcher.fetch(server.base + "/img", NO_DELAY)
        with pytest.raises(FetchError, match="empty body"):
            fetcher.fetch(server.base + "/empty", NO_DELAY)


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("caf\u00e9 \u20ac".encode("cp1252"), "text/html; charset=utf-8", "caf\u00e9 \u20ac"),  # wrong header
        ("caf\u00e9 \u20ac".encode(), "text/html; charset=iso-8859-1", "caf\u00e9 \u20ac"),  # valid UTF-8 wins
        ('<meta charset="koi8-r">\u043d\u043e\u0432\u043e\u0441\u0442\u0438'.encode("koi8-r"), "text/html", '<meta charset="koi8-r">\u043d\u043e\u0432\u043e\u0441\u0442\u0438'),
        ("na\u00efve".encode("latin-1"), None, "na\u00efve"),  # no charset at all
        (b"\xef\xbb\xbfbom", "text/html; charset=latin-1", "bom"),
    ],
)
def test_decode_html_repairs_missing_and_wrong_charsets(body, content_type, expected):
    assert decode_html(body, content_type) == expected
