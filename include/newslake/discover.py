"""Discover: sources config + a UTC interval -> candidate article URLs (`Candidate`).

Reads RSS 2.0 / Atom feeds and news sitemaps / sitemap indexes. Keeps entries whose listed date
falls in [start, end) and entries with no date (those are resolved after extraction). Parsing is
pure (`parse_feed`, `parse_sitemap`: bytes -> entries); fetching goes through the injected
`PoliteFetcher` (address, robots, size and time limits apply to every listing and redirect).

Listings come from strangers, so: XML is parsed with entity resolution, DTD loading and network
access off, and a document that declares entities is refused outright (XXE, billion laughs);
gzip sitemaps are decompressed with a cap (`max_listing_bytes`); dates before 1990, after 2100
or in the future are treated as missing, so the page's own date decides.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import logging
import re
import zlib
import zoneinfo
from collections.abc import Iterable

from lxml import etree

from newslake.config import Source
from newslake.errors import FetchError
from newslake.fetch import XML_TYPES, PoliteFetcher
from newslake.schemas import Candidate, Failure
from newslake.urls import canonical_url

log = logging.getLogger(__name__)

MAX_SITEMAP_DEPTH = 3  # index -> index -> sitemap is as deep as real publishers go
MAX_XML_BYTES = 50_000_000  # sitemaps.org limit is 50 MB uncompressed
MAX_SITEMAPS_PER_SOURCE = 200  # a sitemap index must not turn one run into a crawl of thousands


@dataclasses.dataclass(frozen=True)
class ListedEntry:
    """One <item>/<entry>/<url> as listed, before interval filtering."""

    url: str
    listed_at: dt.datetime | None  # UTC
    is_sitemap: bool = False  # a <sitemap> child of a sitemap index


@dataclasses.dataclass
class Discovery:
    candidates: list[Candidate]
    failures: list[Failure]
    listed: int  # entries seen before filtering


def gunzip_capped(data: bytes, max_bytes: int) -> bytes:
    """Decompress gzip `data`, refusing (ValueError) as soon as the output passes max_bytes."""
    out: list[bytes] = []
    size = 0
    while data:
        z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        chunk = z.decompress(data, max_bytes - size + 1)
        size += len(chunk)
        if size > max_bytes:
            raise ValueError(f"decompressed XML exceeds {max_bytes} bytes")
        out.append(chunk)
        data = z.unused_data if z.eof else b""  # next gzip member, if any
    return b"".join(out)


def _xml_root(data: bytes, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    if data[:2] == b"\x1f\x8b":
        data = gunzip_capped(data, max_bytes)
    if len(data) > max_bytes:
        raise ValueError(f"XML of {len(data)} bytes exceeds {max_bytes} bytes")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False)
    root = etree.fromstring(data, parser=parser)
    if root is None:
        raise ValueError("empty XML document")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ValueError("document declares XML entities (refused: XXE / entity-expansion guard)")
    return root


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


_RFC822_YEAR = re.compile(r"\b\d{1,2}\s+[A-Za-z]{3,9}\.?\s+(\d{1,4})\b")


def parse_date(value: str | None, timezone: str | None = None) -> dt.datetime | None:
    """RFC 822 (RSS) or ISO-8601 (Atom, sitemaps) -> aware UTC datetime; None if unparseable.

    A date without offset is read in the source's zone (UTC when none is configured).
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    parsed: dt.datetime | None = None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        # email.utils reads years below 100 as 19xx/20xx, so "0001" would become 2001
        year = _RFC822_YEAR.search(value)
        if year and len(year.group(1)) != 2 and int(year.group(1)) != parsed.year:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zoneinfo.ZoneInfo(timezone) if timezone else dt.timezone.utc)
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed.astimezone(dt.timezone.utc)


def parse_feed(data: bytes, timezone: str | None = None, max_bytes: int = MAX_XML_BYTES) -> list[ListedEntry]:
    """RSS 2.0 / RSS 1.0 / Atom bytes -> entries (link + best date)."""
    root = _xml_root(data, max_bytes)
    entries: list[ListedEntry] = []
    for node in root.iter():
        name = _local(node.tag)
        if name not in {"item", "entry"}:
            continue
        link, dates = None, {}
        for child in node:
            child_name = _local(child.tag)
            if child_name == "link":
                href = child.get("href")
                rel = child.get("rel", "alternate")
                if href and rel == "alternate":
                    link = link or href.strip()
                elif child.text and child.text.strip():
                    link = link or child.text.strip()
            elif child_name in {"pubDate", "published", "updated", "date", "issued"}:
                dates[child_name] = (child.text or "").strip()
            elif child_name == "guid" and child.get("isPermaLink", "true") == "true" and not link:
                link = (child.text or "").strip() or None
        if not link:
            continue
        raw_date = dates.get("pubDate") or dates.get("published") or dates.get("date") or dates.get("issued") or dates.get("updated")
        entries.append(ListedEntry(link, parse_date(raw_date, timezone)))
    return entries


def parse_sitemap(data: bytes, timezone: str | None = None, max_bytes: int = MAX_XML_BYTES) -> list[ListedEntry]:
    """urlset (with optional news:publication_date) or sitemapindex bytes -> entries."""
    root = _xml_root(data, max_bytes)
    kind = _local(root.tag)
    if kind not in {"urlset", "sitemapindex"}:
        raise ValueError(f"not a sitemap (root element <{kind}>)")
    entries = []
    for node in root:
        name = _local(node.tag)
        if name not in {"url", "sitemap"}:
            continue
        loc, news_date, lastmod = None, None, None
        for child in node.iter():
            child_name = _local(child.tag)
            if child_name == "loc" and child.text:
                loc = child.text.strip()
            elif child_name == "publication_date":
                news_date = child.text
            elif child_name == "lastmod":
                lastmod = child.text
        if loc:
            # For pages the news date is the publication date; lastmod is only a fallback
            # because it moves whenever a page is touched.
            entries.append(ListedEntry(loc, parse_date(news_date or lastmod, timezone), is_sitemap=name == "sitemap"))
    return entries


def _plausible(entry: ListedEntry, now: dt.datetime) -> ListedEntry:
    """A listing date more than a day in the future is a publisher bug: treat it as missing."""
    if entry.listed_at is not None and entry.listed_at > now + dt.timedelta(days=1):
        return dataclasses.replace(entry, listed_at=None)
    return entry


def in_interval(when: dt.datetime | None, start: dt.datetime, end: dt.datetime) -> bool:
    """Undated entries are kept: extraction decides where they belong."""
    return when is None or start <= when < end


def discover_source(source: Source, fetcher: PoliteFetcher, start: dt.datetime, end: dt.datetime) -> Discovery:
    """All candidates of one source for [start, end), plus failures for unreadable listings."""
    failures: list[Failure] = []
    found: list[tuple[ListedEntry, str]] = []

    limit = fetcher.settings.max_listing_bytes
    now = dt.datetime.now(dt.timezone.utc)

    def read(url: str, parse) -> list[ListedEntry]:
        try:
            page = fetcher.fetch(url, source.politeness, accept=XML_TYPES, source=source.name, max_bytes=limit)
            return [_plausible(entry, now) for entry in parse(page.body, source.timezone, limit)]
        except FetchError as exc:
            failures.append(Failure(url, source.name, "discover", exc.reason[:500], exc.http_status, exc.attempt))
        except (etree.XMLSyntaxError, ValueError, OSError) as exc:
            failures.append(Failure(url, source.name, "discover", f"unreadable listing: {type(exc).__name__}: {exc}"[:500]))
        except Exception as exc:  # noqa: BLE001 - one hostile listing must not stop discovery
            log.exception("reading listing %s failed", url)
            failures.append(Failure(url, source.name, "discover", f"unexpected {type(exc).__name__}: {exc}"[:500]))
        return []

    for feed in source.feeds:
        found.extend((entry, feed) for entry in read(feed, parse_feed))

    pending = [(url, 0) for url in source.sitemaps]
    seen_sitemaps: set[str] = set()
    while pending:
        url, depth = pending.pop(0)
        if url in seen_sitemaps:
            continue
        if len(seen_sitemaps) >= MAX_SITEMAPS_PER_SOURCE:
            failures.append(Failure(url, source.name, "discover", f"not read: more than {MAX_SITEMAPS_PER_SOURCE} sitemaps in one source"))
            continue
        seen_sitemaps.add(url)
        for entry in read(url, parse_sitemap):
            if not entry.is_sitemap:
                found.append((entry, url))
            elif depth + 1 > MAX_SITEMAP_DEPTH:
                failures.append(Failure(entry.url, source.name, "discover", f"sitemap nesting deeper than {MAX_SITEMAP_DEPTH}"))
            elif entry.listed_at is None or entry.listed_at >= start:
                # a child sitemap last modified before the interval cannot list articles in it
                pending.append((entry.url, depth + 1))

    candidates = [
        Candidate(url=entry.url, source=source.name, listed_at=entry.listed_at, found_in=origin)
        for entry, origin in found
        if in_interval(entry.listed_at, start, end)
    ]
    return Discovery(candidates=candidates, failures=failures, listed=len(found))


def discover(sources: Iterable[Source], fetcher: PoliteFetcher, start: dt.datetime, end: dt.datetime) -> Discovery:
    """Candidates of all sources for [start, end), deduplicated by canonical URL.

    When a URL is listed twice, the dated listing wins (so it is not treated as undated).
    """
    by_url: dict[str, Candidate] = {}
    failures: list[Failure] = []
    listed = 0
    for source in sources:
        result = discover_source(source, fetcher, start, end)
        failures.extend(result.failures)
        listed += result.listed
        for candidate in result.candidates:
            try:
                key = canonical_url(candidate.url)
            except Exception as exc:  # noqa: BLE001 - a listing may hold anything in <loc>
                failures.append(Failure(candidate.url[:2000], candidate.source, "discover", f"unusable URL: {type(exc).__name__}: {exc}"[:500]))
                continue
            candidate = dataclasses.replace(candidate, url=key)
            if key not in by_url or (by_url[key].listed_at is None and candidate.listed_at is not None):
                by_url[key] = candidate
    log.info("discovered %d candidates (%d listed entries, %d failures)", len(by_url), listed, len(failures))
    return Discovery(candidates=sorted(by_url.values(), key=lambda c: c.url), failures=failures, listed=listed)
