"""Discover: sources config + a UTC interval -> candidate article URLs (`Candidate`).

Every URL a source lists under `feeds` or `sitemaps` is read as whatever it turns out to be
(`listings.parse_listing` detects RSS/Atom/RDF/JSON Feed, sitemap, sitemap index, text sitemap,
robots.txt from the content). Entries whose listed date falls in [start, end) are kept, and so
are undated ones (extraction places them by the page's own date). Fetching goes through the
injected `PoliteFetcher` (address, robots, size and time limits apply to every listing and
redirect); parsing and the keep/drop decision (`classify`) are pure.

Child sitemaps (index entries, robots.txt `Sitemap:` lines) are followed up to
`MAX_SITEMAP_DEPTH` and `MAX_SITEMAPS_PER_SOURCE`. A child whose index `lastmod` is older than
the interval is still read (stale index dates are common and would lose articles silently),
after the fresh ones; children left unread by the cap are counted and recorded as failures.

Per source the run counts what it saw (`DISCOVERY_METRICS`, columns of `source_daily`), so a
feed that silently turns to zero shows in BI and in validate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable

from newslake.config import Source
from newslake.errors import FetchError
from newslake.fetch import PoliteFetcher
from newslake.listings import ListedEntry, ListingError, parse_listing
from newslake.schemas import Candidate, Failure
from newslake.urls import canonical_url

log = logging.getLogger(__name__)

MAX_SITEMAP_DEPTH = 3  # index -> index -> sitemap is as deep as real publishers go
MAX_SITEMAPS_PER_SOURCE = 200  # a sitemap index must not turn one run into a crawl of thousands
# per-source counters written to source_daily (besides `listed`, the candidates kept)
DISCOVERY_METRICS = (
    "entries_listed",
    "entries_other_day",
    "entries_unusable",
    "entries_over_cap",
    "listings_read",
    "listings_repaired",
    "listing_errors",
    "sitemaps_skipped",
)


@dataclasses.dataclass
class Discovery:
    candidates: list[Candidate]
    failures: list[Failure]
    listed: int  # page entries seen before filtering
    counters: Counter = dataclasses.field(default_factory=Counter)  # (source, metric) -> n, metrics of DISCOVERY_METRICS


def plausible(entry: ListedEntry, now: dt.datetime) -> ListedEntry:
    """A listing date more than a day in the future is a publisher bug: treat it as missing."""
    if entry.listed_at is not None and entry.listed_at > now + dt.timedelta(days=1):
        return dataclasses.replace(entry, listed_at=None)
    return entry


def classify(entry: ListedEntry, start: dt.datetime, end: dt.datetime) -> tuple[bool, str]:
    """(kept, why) for one entry of a listing and the interval [start, end)."""
    if entry.dropped:
        return False, entry.dropped
    if entry.is_sitemap:
        return True, "child sitemap: read"
    if entry.listed_at is None:
        return True, "undated: kept, the page's own date decides"
    if start <= entry.listed_at < end:
        return True, "in interval"
    return False, "listed on another day"


def in_interval(when: dt.datetime | None, start: dt.datetime, end: dt.datetime) -> bool:
    """Undated entries are kept: extraction decides where they belong."""
    return when is None or start <= when < end


def content_charset(headers: dict[str, str]) -> str | None:
    """The charset parameter of a response's Content-Type, if any."""
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    for part in value.split(";")[1:]:
        key, _, charset = part.partition("=")
        if key.strip().lower() == "charset" and charset.strip():
            return charset.strip().strip("'\"")
    return None


def cap_candidates(candidates: list[Candidate], limit: int) -> tuple[list[Candidate], int]:
    """At most `limit` candidates: dated ones first (newest first), then undated; and how many were cut."""
    if len(candidates) <= limit:
        return candidates, 0
    ranked = sorted(candidates, key=lambda c: (c.listed_at is None, -(c.listed_at.timestamp() if c.listed_at else 0), c.url))
    return ranked[:limit], len(candidates) - limit


def discover_source(source: Source, fetcher: PoliteFetcher, start: dt.datetime, end: dt.datetime) -> Discovery:
    """All candidates of one source for [start, end), failures for unreadable listings, counters."""
    failures: list[Failure] = []
    counts: Counter = Counter()
    found: list[tuple[ListedEntry, str]] = []
    limit = fetcher.settings.max_listing_bytes
    now = dt.datetime.now(dt.timezone.utc)

    def wanted(entry: ListedEntry) -> bool:  # held while parsing; the rest is only counted
        return entry.is_sitemap or classify(plausible(entry, now), start, end)[0]

    def fail(url: str, reason: str, exc: FetchError | None = None) -> None:
        counts["listing_errors"] += 1
        failures.append(Failure(url, source.name, "discover", reason[:500], exc.http_status if exc else None, exc.attempt if exc else 1))

    def read(url: str) -> list[ListedEntry]:
        try:
            # accept any content type: the format is told by the content, and feeds served as
            # text/html or sitemaps as application/octet-stream are common
            page = fetcher.fetch(url, source.politeness, accept=None, source=source.name, max_bytes=limit)
            listing = parse_listing(
                page.body, url=page.final_url, charset=content_charset(page.headers), timezone=source.timezone, max_bytes=limit, accept=wanted
            )
        except FetchError as exc:
            fail(url, exc.reason, exc)
            return []
        except (ListingError, ValueError, OSError) as exc:
            fail(url, f"unreadable listing: {exc}")
            return []
        except Exception as exc:  # noqa: BLE001 - one hostile listing must not stop discovery
            log.exception("reading listing %s failed", url)
            fail(url, f"unexpected {type(exc).__name__}: {exc}")
            return []
        if listing.repaired and not listing.entries and not listing.dropped and not listing.not_accepted:
            fail(url, f"unreadable listing: not well-formed XML, nothing recovered: {listing.repaired}")
            return []
        counts["listings_read"] += 1
        counts["listings_repaired"] += listing.repaired is not None
        counts["entries_unusable"] += sum(listing.dropped.values())
        counts["entries_other_day"] += listing.not_accepted
        if listing.repaired:
            log.info("listing %s is not well-formed (%s); %d entries recovered", url, listing.repaired, len(listing.entries))
        return [plausible(entry, now) for entry in listing.entries]

    fresh = [(url, 0) for url in (*source.feeds, *source.sitemaps)]
    stale: list[tuple[str, int]] = []  # children whose index lastmod predates the interval: read last
    seen: set[str] = set()
    while fresh or stale:
        url, depth = fresh.pop(0) if fresh else stale.pop(0)
        if url in seen:
            continue
        if len(seen) >= MAX_SITEMAPS_PER_SOURCE:
            counts["sitemaps_skipped"] += 1
            failures.append(Failure(url, source.name, "discover", f"not read: more than {MAX_SITEMAPS_PER_SOURCE} listings in one source"))
            continue
        seen.add(url)
        for entry in read(url):
            if not entry.is_sitemap:
                found.append((entry, url))
            elif depth + 1 > MAX_SITEMAP_DEPTH:
                counts["sitemaps_skipped"] += 1
                failures.append(Failure(entry.url, source.name, "discover", f"not read: sitemap nesting deeper than {MAX_SITEMAP_DEPTH}"))
            elif entry.listed_at is not None and entry.listed_at < start:
                stale.append((entry.url, depth + 1))
            else:
                fresh.append((entry.url, depth + 1))

    candidates = []
    for entry, origin in found:
        kept, _ = classify(entry, start, end)
        if kept:
            candidates.append(Candidate(url=entry.url, source=source.name, listed_at=entry.listed_at, found_in=origin))
        else:
            counts["entries_other_day"] += 1
    counts["entries_listed"] = len(found) + counts["entries_unusable"] + counts["entries_other_day"]
    candidates, over = cap_candidates(candidates, fetcher.settings.max_candidates_per_source)
    if over:
        counts["entries_over_cap"] = over
        where = (source.feeds + source.sitemaps + ("",))[0] or f"source:{source.name}"
        failures.append(
            Failure(where, source.name, "discover", f"{over} candidates not fetched: source listed more than max_candidates_per_source={fetcher.settings.max_candidates_per_source} for the day")
        )
    return Discovery(candidates=candidates, failures=failures, listed=len(found), counters=Counter({(source.name, k): v for k, v in counts.items() if v}))


def discover(sources: Iterable[Source], fetcher: PoliteFetcher, start: dt.datetime, end: dt.datetime) -> Discovery:
    """Candidates of all sources for [start, end), deduplicated by canonical URL.

    When a URL is listed twice, the dated listing wins (so it is not treated as undated).
    """
    by_url: dict[str, Candidate] = {}
    failures: list[Failure] = []
    counters: Counter = Counter()
    listed = 0
    for source in sources:
        result = discover_source(source, fetcher, start, end)
        failures.extend(result.failures)
        counters.update(result.counters)
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
    return Discovery(candidates=sorted(by_url.values(), key=lambda c: c.url), failures=failures, listed=listed, counters=counters)
