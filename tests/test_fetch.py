import dataclasses
import datetime as dt

import pytest

from newslake.config import Politeness, Settings
from newslake.errors import FetchError
from newslake.fetch import HostClock, PoliteFetcher, parse_retry_after
from newslake.schemas import Candidate
from tests.localserver import LocalServer, Reply

FAST = Settings(backoff_base_seconds=0.01, max_backoff_seconds=2, max_retries=3, connect_timeout_seconds=2, read_timeout_seconds=2)
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
        with pytest.raises(FetchError, match="max_body_bytes"):
            fetcher.fetch(server.base + "/big", NO_DELAY)
        with pytest.raises(FetchError, match="content type 'application/pdf'"):
            fetcher.fetch(server.base + "/pdf", NO_DELAY)


def test_per_host_minimum_delay_is_kept():
    routes = {"/robots.txt": ROBOTS, **{f"/p{i}": Reply(200, b"<html>x</html>") for i in range(4)}}
    with LocalServer(routes) as server, PoliteFetcher(FAST) as fetcher:
        for i in range(4):
            fetcher.fetch(server.base + f"/p{i}", Politeness(min_delay_seconds=0.2))
        times = [t for p, t in server.requests if p.startswith("/p")]
    assert all(b - a >= 0.19 for a, b in zip(times, times[1:]))


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
