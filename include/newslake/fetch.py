"""Fetch: candidate URLs -> raw HTTP responses (`FetchedPage`), politely.

A `PoliteFetcher` owns one `requests.Session` (descriptive User-Agent, connect/read timeouts),
reads each host's robots.txt once (protego), keeps a minimum delay per host, retries 429/5xx
and connection errors with exponential backoff honouring `Retry-After`, caps body size and
checks the content type. A URL that fails raises `FetchError`; `fetch_many` turns those into
`Failure` records so one bad URL never fails a batch. Hosts are fetched in parallel (one worker
thread per host, each host sequential) so every host stays busy at its politeness limit.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego

from newslake.config import Politeness, Settings
from newslake.errors import FetchError
from newslake.schemas import Candidate, FetchedPage, Failure
from newslake.urls import host_of

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml", "application/x-gzip", "application/gzip", "text/plain")
RETRY_STATUSES = {429, 500, 502, 503, 504}


class HostClock:
    """Enforces a minimum delay between requests to one host (thread-safe)."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.monotonic):
        self._next_allowed: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()
        self._sleep, self._now = sleep, now

    def wait(self, host: str, min_delay: float) -> None:
        with self._lock:
            start = max(self._now(), self._next_allowed[host])
            self._next_allowed[host] = start + min_delay
        pause = start - self._now()
        if pause > 0:
            self._sleep(pause)


class PoliteFetcher:
    """HTTP client for the whole run; create once per task and close when done."""

    def __init__(self, settings: Settings, session: requests.Session | None = None, clock: HostClock | None = None):
        self.settings = settings
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent
        self.session.headers.setdefault("Accept-Encoding", "gzip, deflate")
        self.session.max_redirects = settings.max_redirects
        self.clock = clock or HostClock()
        self._robots: dict[str, Protego | None] = {}
        self._robots_lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> PoliteFetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ robots
    def allowed(self, url: str, politeness: Politeness) -> bool:
        if not politeness.respect_robots:
            return True
        robots = self._robots_for(url, politeness)
        return robots is None or robots.can_fetch(url, self.settings.user_agent)

    def _robots_for(self, url: str, politeness: Politeness) -> Protego | None:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        with self._robots_lock:
            if key in self._robots:
                return self._robots[key]
        robots: Protego | None
        try:
            response = self._get(urljoin(key, "/robots.txt"), politeness, accept=None, retries=1)
            # RFC 9309: 4xx means "no restrictions"; 5xx/unreachable would mean "assume disallow",
            # but a flaky robots.txt must not silently block a whole source: we treat it as allow
            # and say so in the log.
            robots = Protego.parse(response.body.decode("utf-8", "replace")) if response.http_status == 200 else None
        except FetchError as exc:
            log.warning("robots.txt for %s unavailable (%s); fetching without robots rules", key, exc.reason)
            robots = None
        with self._robots_lock:
            self._robots[key] = robots
        return robots

    def crawl_delay(self, url: str, politeness: Politeness) -> float:
        robots = self._robots_for(url, politeness) if politeness.respect_robots else None
        delay = robots.crawl_delay(self.settings.user_agent) if robots else None
        return max(politeness.min_delay_seconds, float(delay or 0.0))

    # ------------------------------------------------------------------ fetching
    def fetch(self, url: str, politeness: Politeness, *, accept: Sequence[str] | None = HTML_TYPES, source: str = "") -> FetchedPage:
        """Fetch one URL or raise FetchError (robots, status, size, type, network)."""
        if not self.allowed(url, politeness):
            raise FetchError("disallowed by robots.txt")
        page = self._get(url, politeness, accept=accept, retries=self.settings.max_retries, delay=self.crawl_delay(url, politeness))
        page.source = source
        return page

    def _get(self, url: str, politeness: Politeness, *, accept: Sequence[str] | None, retries: int, delay: float | None = None) -> FetchedPage:
        delay = politeness.min_delay_seconds if delay is None else delay
        host = host_of(url)
        attempt = 0
        while True:
            attempt += 1
            self.clock.wait(host, delay)
            try:
                return self._get_once(url, accept, attempt)
            except FetchError as exc:
                retryable = exc.http_status in RETRY_STATUSES or exc.retryable
                if not retryable or attempt > retries:
                    exc.attempt = attempt
                    raise
                pause = min(self.settings.backoff_base_seconds * 2 ** (attempt - 1), self.settings.max_backoff_seconds)
                if exc.retry_after is not None:
                    if exc.retry_after > self.settings.max_backoff_seconds:
                        exc.attempt = attempt
                        exc.reason += f" (Retry-After {exc.retry_after:.0f}s exceeds max_backoff_seconds)"
                        raise
                    pause = max(pause, exc.retry_after)
                log.info("retrying %s in %.2fs after %s (attempt %d)", url, pause, exc.reason, attempt)
                time.sleep(pause)

    def _get_once(self, url: str, accept: Sequence[str] | None, attempt: int) -> FetchedPage:
        timeout = (self.settings.connect_timeout_seconds, self.settings.read_timeout_seconds)
        try:
            with self.session.get(url, timeout=timeout, stream=True, allow_redirects=True) as response:
                status = response.status_code
                if status >= 400:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    raise FetchError(f"HTTP {status}", http_status=status, attempt=attempt, retry_after=retry_after)
                content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if accept and content_type and not content_type.startswith(tuple(accept)):
                    raise FetchError(f"unexpected content type '{content_type}'", http_status=status, attempt=attempt)
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > self.settings.max_body_bytes:
                    raise FetchError(f"body of {declared} bytes exceeds max_body_bytes={self.settings.max_body_bytes}", http_status=status, attempt=attempt)
                body = read_capped(response, self.settings.max_body_bytes, self.settings.read_timeout_seconds)
                return FetchedPage(
                    url=url,
                    source="",
                    final_url=response.url,
                    http_status=status,
                    headers={k: v for k, v in response.headers.items()},
                    body=body,
                    fetched_at=dt.datetime.now(dt.timezone.utc),
                )
        except FetchError:
            raise
        except requests.TooManyRedirects:
            raise FetchError(f"more than {self.settings.max_redirects} redirects", attempt=attempt) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise FetchError(f"network error: {type(exc).__name__}", attempt=attempt, retryable=True) from None
        except requests.RequestException as exc:
            raise FetchError(f"request failed: {type(exc).__name__}: {exc}", attempt=attempt) from None

    def fetch_many(self, candidates: Iterable[Candidate], politeness_of: Callable[[str], Politeness], max_hosts: int = 8) -> tuple[list[FetchedPage], list[Failure]]:
        """Fetch candidates, hosts in parallel; return pages and one Failure per failed URL."""
        by_host: dict[str, list[Candidate]] = defaultdict(list)
        for candidate in candidates:
            by_host[host_of(candidate.url)].append(candidate)

        def fetch_host(items: list[Candidate]) -> tuple[list[FetchedPage], list[Failure]]:
            pages, failures = [], []
            for c in items:
                try:
                    page = self.fetch(c.url, politeness_of(c.source), source=c.source)
                    page.listed_at, page.found_in = c.listed_at, c.found_in
                    pages.append(page)
                except FetchError as exc:
                    failures.append(Failure(c.url, c.source, "fetch", exc.reason, exc.http_status, exc.attempt))
                except Exception as exc:  # noqa: BLE001 - one URL must never fail the batch
                    log.exception("unexpected error fetching %s", c.url)
                    failures.append(Failure(c.url, c.source, "fetch", f"unexpected {type(exc).__name__}: {exc}"))
            return pages, failures

        pages: list[FetchedPage] = []
        failures: list[Failure] = []
        with ThreadPoolExecutor(max_workers=max(1, min(max_hosts, len(by_host)))) as pool:
            for host_pages, host_failures in pool.map(fetch_host, by_host.values()):
                pages.extend(host_pages)
                failures.extend(host_failures)
        return pages, failures


def read_capped(response: requests.Response, max_bytes: int, deadline_seconds: float) -> bytes:
    """Read a streamed body, stopping at max_bytes (decompressed) or a total-time deadline.

    The deadline defends against servers that trickle bytes forever (each read is within the
    read timeout, but the whole body never arrives).
    """
    chunks, size = [], 0
    started = time.monotonic()
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"body exceeds max_body_bytes={max_bytes}", http_status=response.status_code)
        if time.monotonic() - started > deadline_seconds * 3:
            raise FetchError(f"body not received within {deadline_seconds * 3:.0f}s", http_status=response.status_code)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    now = now or dt.datetime.now(dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())
