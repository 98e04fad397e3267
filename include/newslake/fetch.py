"""Fetch: candidate URLs -> raw HTTP responses (`FetchedPage`), politely and defensively.

A `PoliteFetcher` owns one `requests.Session` (descriptive User-Agent, connect/read timeouts),
reads each host's robots.txt once (protego), keeps a minimum delay per host, and retries 429/5xx
and network errors with exponential backoff honouring `Retry-After` up to `max_backoff_seconds`.
Everything a hostile server can do is bounded:

* every URL and every redirect hop is checked by `netguard` (SSRF) and robots.txt before it is
  requested: the session's `GuardedAdapter` resolves each host once and connects to exactly the
  address it checked; redirects are followed by hand, loops and long chains are refused;
* bodies are streamed and decompressed here, capped at `max_body_bytes` *after* decompression
  (a gzip bomb stops at the cap, not at the end of the bomb);
* one URL gets at most `max_fetch_seconds` in total (attempts, backoff, redirects, body), so a
  server trickling bytes cannot hold a worker;
* binary files served as `text/html` are recognised by their magic bytes, empty bodies refused;
* a robots.txt `Crawl-delay` is capped at `max_crawl_delay_seconds`, and a URL whose turn at its
  host would come after its own deadline fails at once instead of sleeping;
* robots.txt is read up to its first 500 KiB (RFC 9309), a longer one truncated, not ignored.

A URL that fails raises `FetchError`; `fetch_many` turns those into `Failure` records so one bad
URL never fails a batch. Hosts are fetched in parallel (one worker thread per host, each host
sequential) so every host stays busy at its politeness limit. `decode_html` turns a stored body
into text for extraction, repairing missing or wrong charsets.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email.utils
import logging
import re
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3
from protego import Protego

from newslake.config import Politeness, Settings
from newslake.errors import FetchError
from newslake.netguard import AddressPolicy, AddressRefused, guarded_session
from newslake.schemas import Candidate, Failure, FetchedPage
from newslake.urls import host_of

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml", "application/x-gzip", "application/gzip", "text/plain")
RETRY_STATUSES = {429, 500, 502, 503, 504}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309 section 2.5: parse at least the first 500 KiB
ROBOTS_SECONDS = 30.0
CHUNK = 65536
SNIFF_BYTES = 512

# Magic numbers of files that are never an article page, whatever the Content-Type says.
BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"\x7fELF", "executable"),
    (b"ID3", "MP3 audio"),
    (b"OggS", "Ogg media"),
    (b"\x1a\x45\xdf\xa3", "WebM/Matroska video"),
    (b"\xd0\xcf\x11\xe0", "MS Office document"),
)


class HostClock:
    """Enforces a minimum delay between requests to one host (thread-safe)."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.monotonic):
        self._next_allowed: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()
        self._sleep, self._now = sleep, now

    def wait(self, host: str, min_delay: float, max_wait: float = float("inf")) -> bool:
        """Sleep until `host` may be asked again; False (nothing reserved, no sleep) if that is over `max_wait` s away."""
        with self._lock:
            now = self._now()
            start = max(now, self._next_allowed[host])
            if start - now > max_wait:
                return False
            self._next_allowed[host] = start + min_delay
        pause = start - self._now()
        if pause > 0:
            self._sleep(pause)
        return True


class Deadline:
    """The total time one URL may take."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def check(self, what: str, http_status: int | None = None) -> None:
        if self.remaining() <= 0:
            raise FetchError(f"{what} not done within max_fetch_seconds={self.seconds:g}", http_status=http_status)


class PoliteFetcher:
    """HTTP client for the whole run; create once per task and close when done."""

    def __init__(
        self, settings: Settings, session: requests.Session | None = None, clock: HostClock | None = None, policy: AddressPolicy | None = None
    ):
        self.settings = settings
        self.policy = policy or AddressPolicy.from_spec(settings.allowed_private_networks)
        # every request, redirect hops and robots.txt included, connects only to a checked address
        self.session = guarded_session(self.policy, session)
        self.session.headers["User-Agent"] = settings.user_agent
        # only encodings this module decodes itself (with a cap)
        self.session.headers["Accept-Encoding"] = "gzip, deflate"
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
            deadline = Deadline(min(ROBOTS_SECONDS, self.settings.max_fetch_seconds))
            response = self._get(
                urljoin(key, "/robots.txt"),
                politeness,
                accept=None,
                retries=1,
                deadline=deadline,
                max_bytes=MAX_ROBOTS_BYTES,
                robots=False,
                truncate=True,
            )
            # RFC 9309: 4xx means "no restrictions"; 5xx/unreachable would mean "assume disallow",
            # but a flaky robots.txt must not silently block a whole source: we treat it as allow
            # and say so in the log.
            robots = Protego.parse(robots_text(response.body, MAX_ROBOTS_BYTES)) if response.http_status == 200 else None
        except FetchError as exc:
            log.warning("robots.txt for %s unavailable (%s); fetching without robots rules", key, exc.reason)
            robots = None
        with self._robots_lock:
            self._robots[key] = robots
        return robots

    def crawl_delay(self, url: str, politeness: Politeness) -> float:
        """Seconds between two requests to the URL's host: the source's minimum, or robots.txt's
        `Crawl-delay` capped at `max_crawl_delay_seconds` (86400 would stall a batch for a day)."""
        robots = self._robots_for(url, politeness) if politeness.respect_robots else None
        delay = robots.crawl_delay(self.settings.user_agent) if robots else None
        return max(politeness.min_delay_seconds, min(float(delay or 0.0), self.settings.max_crawl_delay_seconds))

    # ------------------------------------------------------------------ fetching
    def fetch(
        self,
        url: str,
        politeness: Politeness,
        *,
        accept: Sequence[str] | None = HTML_TYPES,
        source: str = "",
        max_bytes: int | None = None,
        validators: Validators | None = None,
    ) -> FetchedPage:
        """Fetch one URL or raise FetchError (address, robots, status, size, type, time, network).

        `max_bytes` caps the decompressed body (default `max_body_bytes`; listings pass
        `max_listing_bytes`). HTML pages must also be non-empty and not a binary file.
        `validators` (ETag, Last-Modified of the copy we hold) make the request conditional: an
        unchanged page comes back as a bodiless page with `http_status` 304.
        """
        deadline = Deadline(self.settings.max_fetch_seconds)
        self.policy.check_syntax(url)  # ambiguous URLs and refused IP literals; names are checked at connect
        if not self.allowed(url, politeness):
            raise FetchError("disallowed by robots.txt")
        page = self._get(
            url,
            politeness,
            accept=accept,
            retries=self.settings.max_retries,
            deadline=deadline,
            max_bytes=self.settings.max_body_bytes if max_bytes is None else max_bytes,
            sniff=accept == HTML_TYPES,
            conditional=conditional_headers(validators),
        )
        if page.http_status == 304:
            page.source = source
            return page
        if not page.body.strip():
            raise FetchError(f"empty body (HTTP {page.http_status})", http_status=page.http_status)
        page.source = source
        return page

    def _get(
        self,
        url: str,
        politeness: Politeness,
        *,
        accept: Sequence[str] | None,
        retries: int,
        deadline: Deadline,
        max_bytes: int,
        robots: bool = True,
        sniff: bool = False,
        conditional: dict[str, str] | None = None,
        truncate: bool = False,
    ) -> FetchedPage:
        attempt = 0
        while True:
            attempt += 1
            try:
                deadline.check("request")
                return self._follow(
                    url, politeness, accept=accept, deadline=deadline, max_bytes=max_bytes, robots=robots, sniff=sniff, conditional=conditional, truncate=truncate
                )
            except FetchError as exc:
                exc.attempt = attempt
                retryable = exc.http_status in RETRY_STATUSES or exc.retryable
                if not retryable or attempt > retries:
                    raise
                pause = min(self.settings.backoff_base_seconds * 2 ** (attempt - 1), self.settings.max_backoff_seconds)
                if exc.retry_after is not None:
                    if exc.retry_after > self.settings.max_backoff_seconds:
                        exc.reason += f" (Retry-After {exc.retry_after:.0f}s exceeds max_backoff_seconds)"
                        raise
                    pause = max(pause, exc.retry_after)
                if pause >= deadline.remaining():
                    exc.reason += f" (no time left to retry within max_fetch_seconds={self.settings.max_fetch_seconds:g})"
                    raise
                log.info("retrying %s in %.2fs after %s (attempt %d)", url, pause, exc.reason, attempt)
                time.sleep(pause)

    def _follow(
        self,
        url: str,
        politeness: Politeness,
        *,
        accept: Sequence[str] | None,
        deadline: Deadline,
        max_bytes: int,
        robots: bool,
        sniff: bool,
        conditional: dict[str, str] | None = None,
        truncate: bool = False,
    ) -> FetchedPage:
        """One attempt: request `url`, following redirects by hand so every hop is checked."""
        current, visited, status = url, {url}, None
        for hop in range(self.settings.max_redirects + 1):
            if hop:
                try:
                    self.policy.check_syntax(current)
                except FetchError as exc:
                    raise FetchError(f"redirect to {current[:200]} {exc.reason}", http_status=status) from None
                if robots and not self.allowed(current, politeness):
                    raise FetchError(f"redirect target {current} disallowed by robots.txt", http_status=status)
            delay = self.crawl_delay(current, politeness) if robots else politeness.min_delay_seconds
            if not self.clock.wait(host_of(current), delay, max_wait=max(deadline.remaining(), 0.0)):
                raise FetchError(f"the host's crawl delay ({delay:g} s per request) leaves no turn within max_fetch_seconds={deadline.seconds:g}")
            # validators belong to the URL we hold a copy of, not to a redirect target
            try:
                response = self._request(current, deadline, conditional if current == url else None)
            except AddressRefused as exc:
                if hop:
                    raise FetchError(f"redirect to {current[:200]} {exc.reason}", http_status=status) from None
                raise
            with response:
                status = response.status_code
                if status in REDIRECT_STATUSES and response.headers.get("Location"):
                    try:
                        target = _absolute(current, response.headers["Location"])
                    except ValueError:
                        raise FetchError(f"unusable redirect Location {response.headers['Location'][:200]!r}", http_status=status) from None
                    if target in visited:
                        raise FetchError(f"redirect loop: {target} reached twice", http_status=status)
                    visited.add(target)
                    current = target
                    continue
                return self._page(url, current, response, accept, deadline, max_bytes, sniff, truncate)
        raise FetchError(f"more than {self.settings.max_redirects} redirects (max_redirects)", http_status=status)

    def _request(self, url: str, deadline: Deadline, headers: dict[str, str] | None = None) -> requests.Response:
        remaining = max(deadline.remaining(), 0.05)
        timeout = (min(self.settings.connect_timeout_seconds, remaining), min(self.settings.read_timeout_seconds, remaining))
        try:
            return self.session.get(url, timeout=timeout, stream=True, allow_redirects=False, headers=headers)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise FetchError(f"network error: {type(exc).__name__}", retryable=True) from None
        except requests.RequestException as exc:
            raise FetchError(f"request failed: {type(exc).__name__}: {exc}"[:300]) from None

    def _page(
        self,
        url: str,
        final_url: str,
        response: requests.Response,
        accept: Sequence[str] | None,
        deadline: Deadline,
        max_bytes: int,
        sniff: bool,
        truncate: bool = False,
    ) -> FetchedPage:
        status = response.status_code
        if status == 304:
            return FetchedPage(url=url, source="", final_url=final_url, http_status=304, headers=dict(response.headers.items()), body=b"", fetched_at=dt.datetime.now(dt.timezone.utc))
        if status >= 400:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise FetchError(f"HTTP {status}", http_status=status, retry_after=retry_after)
        if status >= 300:
            raise FetchError(f"HTTP {status} without a Location to follow", http_status=status)
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if accept and content_type and not content_type.startswith(tuple(accept)):
            raise FetchError(f"unexpected content type '{content_type}'", http_status=status)
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > max_bytes and not truncate:
            raise FetchError(f"body of {declared} bytes exceeds the limit of {max_bytes}", http_status=status)
        body = read_capped(response, max_bytes, deadline, sniff=sniff, truncate=truncate)
        return FetchedPage(
            url=url,
            source="",
            final_url=final_url,
            http_status=status,
            headers={k: v for k, v in response.headers.items()},
            body=body,
            fetched_at=dt.datetime.now(dt.timezone.utc),
        )

    def fetch_many(
        self,
        candidates: Iterable[Candidate],
        politeness_of: Callable[[str], Politeness],
        max_hosts: int = 8,
        validators: Mapping[str, Validators] | None = None,
    ) -> tuple[list[FetchedPage], list[Failure]]:
        """Fetch candidates, hosts in parallel; return pages (304s included) and one Failure per failed URL."""
        validators = validators or {}
        by_host: dict[str, list[Candidate]] = defaultdict(list)
        for candidate in candidates:
            by_host[host_of(candidate.url)].append(candidate)

        def fetch_host(items: list[Candidate]) -> tuple[list[FetchedPage], list[Failure]]:
            pages, failures = [], []
            for c in items:
                try:
                    page = self.fetch(c.url, politeness_of(c.source), source=c.source, validators=validators.get(c.url))
                    page.listed_at, page.found_in = c.listed_at, c.found_in
                    pages.append(page)
                except FetchError as exc:
                    failures.append(Failure(c.url, c.source, "fetch", exc.reason[:500], exc.http_status, exc.attempt))
                except Exception as exc:  # noqa: BLE001 - one URL must never fail the batch
                    log.exception("unexpected error fetching %s", c.url)
                    failures.append(Failure(c.url, c.source, "fetch", f"unexpected {type(exc).__name__}: {exc}"[:500]))
            return pages, failures

        pages: list[FetchedPage] = []
        failures: list[Failure] = []
        with ThreadPoolExecutor(max_workers=max(1, min(max_hosts, len(by_host)))) as pool:
            for host_pages, host_failures in pool.map(fetch_host, by_host.values()):
                pages.extend(host_pages)
                failures.extend(host_failures)
        return pages, failures


# --------------------------------------------------------------------------- conditional GET
Validators = tuple[str | None, str | None]  # (ETag, Last-Modified) of the copy we hold


def conditional_headers(validators: Validators | None) -> dict[str, str] | None:
    """If-None-Match / If-Modified-Since for a page we already hold (RFC 9110 section 13.1)."""
    if not validators:
        return None
    etag, last_modified = validators
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers or None


# --------------------------------------------------------------------------- bodies
class _Decoder:
    """Content-Encoding decoder whose output per call is capped (decompression-bomb safe)."""

    def __init__(self, encoding: str):
        encoding = encoding.strip().lower()
        if encoding not in {"", "identity", "gzip", "x-gzip", "deflate"}:
            raise FetchError(f"unsupported Content-Encoding '{encoding}'")
        self.encoding = encoding
        self._z: zlib._Decompress | None = None

    def feed(self, data: bytes, limit: int) -> bytes:
        """Decoded bytes of `data`, at most `limit` (the caller treats `limit` as 'too much')."""
        if self.encoding in {"", "identity"}:
            return data[:limit]
        if self._z is None:
            if self.encoding == "deflate" and not _is_zlib_header(data):
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send
            else:
                self._z = zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip header
        out = b""
        try:
            out = self._z.decompress(data, limit)
            # a gzip body may hold several members back to back
            while self._z.eof and self._z.unused_data and len(out) < limit:
                rest = self._z.unused_data
                self._z = zlib.decompressobj(zlib.MAX_WBITS | 32)
                out += self._z.decompress(rest, limit - len(out))
        except zlib.error as exc:
            raise FetchError(f"corrupt {self.encoding} body: {exc}") from None
        return out


def _is_zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and ((data[0] << 8) | data[1]) % 31 == 0


def sniff_binary(head: bytes) -> str | None:
    """Name of the binary format `head` starts with, or None when it may be text."""
    for magic, name in BINARY_SIGNATURES:
        if head.startswith(magic):
            return name
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "MP4/HEIF media"
    if head.startswith(b"RIFF") and head[8:12] in {b"WEBP", b"AVI ", b"WAVE"}:
        return "RIFF media"
    if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" in head[:SNIFF_BYTES]:
        return "binary data"
    return None


def read_capped(response: requests.Response, max_bytes: int, deadline: Deadline | float, *, sniff: bool = False, truncate: bool = False) -> bytes:
    """Read a streamed body: decompressed here, stopping at max_bytes or the deadline.

    Reads with `read1` (returns as soon as any bytes arrive), so the deadline is checked between
    socket reads: a server trickling one byte per second is cut off at the deadline, not when a
    64 KiB buffer finally fills. With `sniff`, a binary file is refused after its first bytes.
    With `truncate`, a longer body is cut at `max_bytes` instead of refused.
    """
    if not isinstance(deadline, Deadline):
        deadline = Deadline(deadline)
    status = response.status_code
    decoder = _Decoder(response.headers.get("Content-Encoding", ""))
    chunks: list[bytes] = []
    size, sniffed = 0, not sniff
    try:
        while True:
            deadline.check("body", status)
            data = response.raw.read1(CHUNK, decode_content=False)
            if not data:
                break
            decoded = decoder.feed(data, max_bytes - size + 1)
            size += len(decoded)
            if size > max_bytes and truncate:
                chunks.append(decoded[: len(decoded) - (size - max_bytes)])
                break
            if size > max_bytes:
                raise FetchError(f"body exceeds the limit of {max_bytes} bytes (after decompression)", http_status=status)
            chunks.append(decoded)
            if not sniffed and size >= SNIFF_BYTES:
                _refuse_binary(b"".join(chunks)[:SNIFF_BYTES], response, status)
                sniffed = True
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise FetchError(f"network error while reading body: {type(exc).__name__}", http_status=status, retryable=True) from None
    body = b"".join(chunks)
    if not sniffed:
        _refuse_binary(body[:SNIFF_BYTES], response, status)
    return body


def _refuse_binary(head: bytes, response: requests.Response, status: int) -> None:
    kind = sniff_binary(head)
    if kind:
        declared = response.headers.get("Content-Type", "no content type").split(";")[0].strip()
        raise FetchError(f"binary content ({kind}) served as {declared}", http_status=status)


def robots_text(body: bytes, limit: int = MAX_ROBOTS_BYTES) -> str:
    """A robots.txt body as text; a body cut at `limit` loses its last, partial line only."""
    if len(body) >= limit and b"\n" in body:
        body = body[: body.rindex(b"\n") + 1]
    return body.decode("utf-8", "replace")


def _absolute(base: str, location: str) -> str:
    """A redirect target as an absolute URL without fragment."""
    parts = urlsplit(urljoin(base, location.strip()))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


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


# --------------------------------------------------------------------------- charset
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
# WHATWG Encoding: browsers read these labels as windows-1252, and so do publishers' CMSs
_AS_CP1252 = {"latin1", "latin-1", "iso-8859-1", "iso8859-1", "iso_8859-1", "l1", "us-ascii", "ascii", "cp819", "windows-1252", "cp1252"}


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """HTML bytes -> text, robust to a missing or wrong charset.

    A BOM wins; then valid UTF-8 (it is almost never valid by accident); then the charset of the
    Content-Type header, then of a `<meta>` tag, each only if the bytes decode with it; then
    windows-1252, the usual truth behind "UTF-8" pages that are not.
    """
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace")
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    labels = []
    if content_type and (match := _HEADER_CHARSET.search(content_type)):
        labels.append(match.group(1))
    if match := _META_CHARSET.search(body[:4096]):
        labels.append(match.group(1).decode("ascii", "replace"))
    for label in labels:
        codec = _text_codec(label)
        if codec is None:
            continue
        try:
            return body.decode(codec)
        except (UnicodeError, ValueError, TypeError):  # 'undefined' raises UnicodeError, not UnicodeDecodeError
            continue
    return body.decode("cp1252", "replace")


def _text_codec(label: str) -> str | None:
    """The Python codec for a declared charset, or None for labels no page should be decoded with.

    Python knows codecs that are not text encodings a page can use ('undefined' raises on any
    input; 'rot13', 'hex', 'zlib', 'unicode_escape' transform rather than decode): only ASCII-
    compatible text encodings are tried, anything else falls back like a missing charset.
    """
    codec = "cp1252" if label.lower() in _AS_CP1252 else label
    try:
        info = codecs.lookup(codec)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_PAGE_CODECS:
        return None
    return info.name


# not page encodings: already tried (UTF-8), not ASCII-compatible, or transforms of text
_NOT_PAGE_CODECS = {"utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "undefined", "unicode-escape", "raw-unicode-escape", "punycode", "idna", "utf-7", "mbcs", "oem"}


def page_text(page: FetchedPage) -> str:
    """The decoded HTML of a fetched (or WARC-read) page."""
    content_type = next((v for k, v in page.headers.items() if k.lower() == "content-type"), None)
    return decode_html(page.body, content_type)
