"""The sample site's HTTP server and its public manifest.

Input: the rendered route table (`render.py`). Output: a loopback HTTP server (`SampleSite`), a
sources config pointing at it, and the ground truth (`SampleArticle`) tests compare against.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import yaml

from newslake.samplesite.content import PUBLISHERS, UTC, build_articles
from newslake.samplesite.render import FEED_PATHS, SITEMAP_PATHS, Resource, render_site

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class SampleArticle:
    """Ground truth for one article served by the sample site."""

    publisher: str  # source name used in sources_yaml
    url: str  # absolute URL, as listed in the feed/sitemap
    title: str
    published_at: dt.datetime  # tz-aware UTC
    published_local: dt.datetime  # tz-aware, in the publisher's zone
    timezone: str  # IANA zone
    text_snippet: str  # first sentence of the body, as it appears on the page
    people: tuple[str, ...]
    organisations: tuple[str, ...]
    places: tuple[str, ...]
    syndicated_from: str | None = None  # URL of the original when this page republishes another's story


@dataclasses.dataclass(frozen=True)
class RequestRecord:
    """One request the site answered (lets tests check politeness and robots compliance)."""

    at: float  # time.monotonic()
    method: str
    path: str
    status: int
    user_agent: str


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "newslake-samplesite/1.0"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        site = self.server.site
        path = urlsplit(self.path).path
        status, resource = site._lookup(path)
        # Real publishers answer conditional requests: an ETag per body, 304 when it matches.
        etag = '"' + hashlib.sha1(resource.body).hexdigest()[:16] + '"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            site._record(RequestRecord(time.monotonic(), self.command, path, 304, self.headers.get("User-Agent", "")))
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        site._record(RequestRecord(time.monotonic(), self.command, path, status, self.headers.get("User-Agent", "")))
        self.send_response(status)
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(resource.body)))
        if status == 200:
            self.send_header("ETag", etag)
        if status == 503:
            self.send_header("Retry-After", "1")
        self.end_headers()
        if send_body:
            self.wfile.write(resource.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        log.debug("samplesite %s: " + format, self.server.site.base_url, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    site: SampleSite


_NOT_FOUND = Resource("text/html; charset=utf-8", b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>")
_ERROR = Resource("text/html; charset=utf-8", b"<!DOCTYPE html><html><body><h1>Service unavailable</h1></body></html>")


class SampleSite:
    """The offline sample news site on 127.0.0.1; use as a context manager or start()/stop()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._routes: dict[str, Resource] = {}
        self._lock = threading.Lock()
        self._failures: dict[str, list[int]] = {}
        self.requests: list[RequestRecord] = []

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> SampleSite:
        if self._server is not None:
            return self
        server = _Server((self.host, self.port), _Handler)
        server.site = self
        self.port = server.server_address[1]
        self._routes = render_site(self.base_url)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name=f"samplesite-{self.port}", daemon=True)
        self._thread.start()
        log.info("sample news site serving at %s", self.base_url)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SampleSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ ground truth
    def manifest(self) -> list[SampleArticle]:
        """Every article on the site, ordered by publisher then publication time."""
        self._require_started()
        return [
            SampleArticle(
                publisher=a.publisher.name,
                url=self.base_url + a.path,
                title=a.title,
                published_at=a.published_at,
                published_local=a.published_local,
                timezone=a.publisher.timezone,
                text_snippet=a.first_sentence,
                people=a.people,
                organisations=a.organisations,
                places=a.places,
                syndicated_from=self.base_url + a.syndicated_from if a.syndicated_from else None,
            )
            for a in build_articles()
        ]

    def articles_published_between(
        self, start_utc: dt.datetime | dt.date, end_utc: dt.datetime | dt.date
    ) -> list[SampleArticle]:
        """Articles with start <= published_at < end; dates mean midnight UTC."""
        start, end = _as_utc(start_utc), _as_utc(end_utc)
        return [a for a in self.manifest() if start <= a.published_at < end]

    def sources_yaml(self, min_delay_seconds: float = 0.05) -> str:
        """A newslake sources config pointing at this server."""
        self._require_started()
        sources = [
            {
                "name": pub.name,
                "timezone": pub.timezone,
                "feeds": [self.base_url + FEED_PATHS[pub.prefix]],
                "sitemaps": [self.base_url + SITEMAP_PATHS[pub.prefix]],
                "politeness": {"min_delay_seconds": min_delay_seconds},
            }
            for pub in PUBLISHERS
        ]
        return yaml.safe_dump({"sources": sources}, sort_keys=False, default_flow_style=None)

    # ------------------------------------------------------------------ test hooks
    def fail_next(self, path_or_url: str, statuses: list[int] | tuple[int, ...] = (503,)) -> None:
        """Answer the next requests for this path with these statuses (e.g. to exercise retries)."""
        path = urlsplit(path_or_url).path
        with self._lock:
            self._failures.setdefault(path, []).extend(statuses)

    def _lookup(self, path: str) -> tuple[int, Resource]:
        with self._lock:
            pending = self._failures.get(path)
            if pending:
                return pending.pop(0), _ERROR
        resource = self._routes.get(path)
        return (200, resource) if resource else (404, _NOT_FOUND)

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    def _require_started(self) -> None:
        if self._server is None:
            raise RuntimeError("SampleSite is not running: call start() or use it as a context manager first.")


def _as_utc(value: dt.datetime | dt.date) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:
        raise ValueError(f"{value!r} is naive: pass a timezone-aware datetime (UTC).")
    return value.astimezone(UTC)
