"""`newslake discover SOURCE`: what a feed, sitemap or configured source lists, for people setting one up.

SOURCE is a local file (read without network), an http(s) URL (fetched politely, like a run
does), or a source name from the sources file (each of its feeds and sitemaps). One row per
entry: url, listed date in UTC and as written, kind (page or child sitemap), and with
`--date D` whether discovery would keep it for that UTC day and why; `--follow` reads the child
sitemaps of an index or robots.txt too.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.table import Table

from newslake.config import Politeness, Settings, load_sources
from newslake.discover import MAX_SITEMAP_DEPTH, MAX_SITEMAPS_PER_SOURCE, classify, content_charset, plausible
from newslake.errors import FetchError, NewslakeError
from newslake.listings import ListedEntry, ListingError, parse_listing


@dataclasses.dataclass(frozen=True)
class EntryRow:
    """One listed entry as `newslake discover` prints it."""

    url: str
    listed_at: str | None  # UTC, ISO 8601
    listed_as_written: str | None
    kind: str  # page | sitemap
    found_in: str
    kept: bool | None = None  # with --date: would discovery keep it for that day
    why: str | None = None


def entry_rows(entries: list[ListedEntry], found_in: str, day: dt.date | None, now: dt.datetime) -> Iterator[EntryRow]:
    """Listed entries -> printable rows; with `day`, each entry's keep/drop verdict for that UTC day."""
    start = dt.datetime.combine(day, dt.time(), dt.timezone.utc) if day else None
    for entry in entries:
        entry = plausible(entry, now)
        kept, why = classify(entry, start, start + dt.timedelta(days=1)) if start else (None, entry.dropped)
        yield EntryRow(
            url=entry.url,
            listed_at=entry.listed_at.isoformat() if entry.listed_at else None,
            listed_as_written=entry.listed_raw,
            kind="sitemap" if entry.is_sitemap else "page",
            found_in=found_in,
            kept=kept,
            why=why,
        )


@dataclasses.dataclass(frozen=True)
class _Target:
    """What SOURCE names: listings to read, and the politeness and zone they are read with."""

    files: list[Path]
    urls: list[str]
    politeness: Politeness = Politeness()
    zone: str | None = None


def _target(source: str, settings: Settings, sources_file: str | None) -> _Target:
    if Path(source).is_file():
        return _Target(files=[Path(source)], urls=[])
    if source.startswith(("http://", "https://")):
        return _Target(files=[], urls=[source])
    path = sources_file or settings.sources_file
    sources = {s.name: s for s in load_sources(path)}
    if source not in sources:
        raise NewslakeError(f"'{source}' is neither a file, an http(s) URL nor a source in {path} (sources: {', '.join(sorted(sources)) or 'none'})")
    found = sources[source]
    if not (found.feeds or found.sitemaps):
        raise NewslakeError(f"source '{source}' lists no feeds or sitemaps")
    return _Target(files=[], urls=[*found.feeds, *found.sitemaps], politeness=found.politeness, zone=found.timezone)


def cmd_discover(args: argparse.Namespace) -> int:
    settings = Settings.load(args.config)
    target = _target(args.source, settings, args.sources)
    now = dt.datetime.now(dt.timezone.utc)
    rows: list[EntryRow] = []
    fetcher = None
    queue: list[tuple[Path | str, int]] = [(path, 0) for path in target.files] + [(url, 0) for url in target.urls]
    seen: set[str] = set()
    try:
        while queue:
            item, depth = queue.pop(0)
            label = str(item)
            if label in seen:
                continue
            seen.add(label)
            if isinstance(item, Path):
                body, url, charset = item.read_bytes(), args.base_url, None
            else:
                if fetcher is None:
                    from newslake.fetch import PoliteFetcher

                    fetcher = PoliteFetcher(settings)
                try:
                    page = fetcher.fetch(item, target.politeness, accept=None, max_bytes=settings.max_listing_bytes)
                except FetchError as exc:
                    raise NewslakeError(f"{item}: {exc.reason}") from None
                body, url, charset = page.body, page.final_url, content_charset(page.headers)
            try:
                listing = parse_listing(body, url=url, charset=charset, timezone=target.zone, max_bytes=settings.max_listing_bytes, include_dropped=True)
            except ListingError as exc:
                raise NewslakeError(f"{label}: {exc}") from None
            if listing.repaired:
                print(f"{label}: not well-formed XML ({listing.repaired}); read leniently", file=sys.stderr)
            rows.extend(entry_rows(listing.entries, label, args.date, now))
            if args.follow:  # child sitemaps, within the limits a run keeps to
                queue.extend(
                    (entry.url, depth + 1)
                    for entry in listing.entries
                    if entry.is_sitemap and not entry.dropped and depth < MAX_SITEMAP_DEPTH and len(seen) + len(queue) < MAX_SITEMAPS_PER_SOURCE
                )
    finally:
        if fetcher is not None:
            fetcher.close()
    if args.jsonl:
        for row in rows:
            print(json.dumps({k: v for k, v in dataclasses.asdict(row).items() if v is not None or k.startswith("listed")}, ensure_ascii=False))
    else:
        _print_table(rows, args.date)
    summary = Counter(row.why or "kept" for row in rows)
    print(f"{len(rows)} entries: " + ", ".join(f"{n} {why}" for why, n in summary.most_common()), file=sys.stderr)
    return 0


def _print_table(rows: list[EntryRow], day: dt.date | None) -> None:
    table = Table(title=f"entries kept for {day}" if day else None)
    for column in ("url", "listed (UTC)", "as written", "kind", *(("kept", "why") if day else ("dropped",))):
        table.add_column(column, overflow="fold")
    for row in rows:
        verdict = ("yes" if row.kept else "no", row.why or "") if day else (row.why or "",)
        table.add_row(row.url, row.listed_at or "", row.listed_as_written or "", row.kind, *verdict)
    Console(width=200).print(table)


def add_discover_parser(sub, formatter, date_type) -> None:
    discover = sub.add_parser(
        "discover",
        help="list what a feed, sitemap or source lists (and what a day's run would keep)",
        formatter_class=formatter,
        epilog=textwrap.dedent("""\
            examples:
              newslake discover feed.xml --jsonl                 # a local file, no network
              newslake discover https://example.com/news-sitemap.xml
              newslake discover example-news --date 2025-03-07   # a source of sources.yaml: kept for the day, and why not"""),
    )
    discover.add_argument("source", help="a local file, an http(s) URL, or a source name from the sources file")
    discover.add_argument("--date", type=date_type, help="UTC day (YYYY-MM-DD): say which entries a run for that day keeps and why the others are dropped")
    discover.add_argument("--jsonl", action="store_true", help="JSON Lines on stdout (for scripts) instead of a table")
    discover.add_argument("--follow", action="store_true", help="also read the child sitemaps an index or robots.txt lists (as a run does)")
    discover.add_argument("--base-url", help="URL relative links of a local file resolve against")
    discover.add_argument("--sources", help="sources file (default: setting sources_file)")
    discover.add_argument("--config", help="settings YAML")
    discover.set_defaults(func=cmd_discover)
