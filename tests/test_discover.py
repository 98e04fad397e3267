import dataclasses
import datetime as dt
import gzip

import pytest

from newslake.config import Politeness, Settings, Source
from newslake.discover import classify, discover, plausible
from newslake.fetch import PoliteFetcher
from newslake.listings import ListedEntry, ListingError, listing_date, parse_listing
from tests.localserver import LocalServer, Reply

UTC = dt.timezone.utc
START = dt.datetime(2025, 3, 7, tzinfo=UTC)
END = START + dt.timedelta(days=1)
LOOPBACK = Settings(allowed_private_networks="127.0.0.1/32")

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><link>http://h/a</link><pubDate>Fri, 07 Mar 2025 10:00:00 +0000</pubDate></item>
<item><link>http://h/b</link><pubDate>Fri, 07 Mar 2025 02:30:00 +0400</pubDate></item>
<item><link>http://h/c</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<entry><link rel="alternate" href="http://h/d"/><link rel="edit" href="http://h/edit"/><published>2025-03-07T23:59:00Z</published><updated>2025-03-09T00:00:00Z</updated></entry>
</feed>"""

SITEMAP = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>http://h/e</loc><news:news><news:publication_date>2025-03-07T08:00:00-05:00</news:publication_date></news:news></url>
<url><loc>http://h/f</loc><lastmod>2025-03-06</lastmod></url>
</urlset>"""


def parse_feed(data: bytes, **kwargs) -> list[ListedEntry]:
    return parse_listing(data, **kwargs).entries


parse_sitemap = parse_feed  # one parser: the format is told by the content


def parse_date(value: str, timezone: str | None = None):
    import zoneinfo

    return listing_date(value, zoneinfo.ZoneInfo(timezone) if timezone else None)


def test_rss_dates_are_normalised_to_utc_and_undated_items_kept():
    entries = parse_feed(RSS)
    assert [(e.url, e.listed_at) for e in entries] == [
        ("http://h/a", dt.datetime(2025, 3, 7, 10, tzinfo=UTC)),
        ("http://h/b", dt.datetime(2025, 3, 6, 22, 30, tzinfo=UTC)),
        ("http://h/c", None),
    ]


def test_atom_prefers_published_and_alternate_link():
    [entry] = parse_feed(ATOM)
    assert entry.url == "http://h/d" and entry.listed_at == dt.datetime(2025, 3, 7, 23, 59, tzinfo=UTC)


def test_news_sitemap_publication_date_with_offset():
    entries = parse_sitemap(SITEMAP)
    assert entries[0].listed_at == dt.datetime(2025, 3, 7, 13, tzinfo=UTC)
    assert entries[1].listed_at == dt.datetime(2025, 3, 6, tzinfo=UTC)


def test_naive_dates_use_the_source_time_zone():
    assert parse_date("2025-03-07T02:00:00", "Asia/Dubai") == dt.datetime(2025, 3, 6, 22, tzinfo=UTC)
    assert parse_date("not a date") is None and parse_date("0001-01-01") is None


def test_absurd_rss_years_are_not_read_as_this_century():
    assert parse_date("Mon, 01 Jan 0001 00:00:00 +0000") is None
    assert parse_date("Fri, 07 Mar 25 10:00:00 +0000") == dt.datetime(2025, 3, 7, 10, tzinfo=UTC)  # RFC 822 two-digit year


def test_xml_declaring_entities_is_refused_not_expanded():
    bomb = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss><channel><item><link>http://h/&b;&xxe;</link></item></channel></rss>"""
    with pytest.raises(ListingError, match="declares XML entities"):
        parse_feed(bomb)


def test_gzip_sitemap_is_decompressed_with_a_cap():
    packed = gzip.compress(SITEMAP)
    assert [e.url for e in parse_sitemap(packed)] == ["http://h/e", "http://h/f"]
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    with pytest.raises(ListingError, match="exceeds 100000 bytes"):
        parse_sitemap(bomb, max_bytes=100_000)


def test_future_listing_dates_count_as_missing():
    now = dt.datetime(2025, 3, 7, tzinfo=UTC)
    entry = ListedEntry("http://h/a", dt.datetime(2099, 1, 1, tzinfo=UTC))
    assert plausible(entry, now).listed_at is None
    assert plausible(ListedEntry("http://h/a", START), now).listed_at == START


def test_classify_says_why_an_entry_is_kept_or_dropped():
    assert classify(ListedEntry("http://h/a", START), START, END) == (True, "in interval")
    assert classify(ListedEntry("http://h/a", None), START, END)[0] is True
    assert classify(ListedEntry("http://h/a", END), START, END) == (False, "listed on another day")
    assert classify(ListedEntry("x.jpg", None, dropped="not a page"), START, END) == (False, "not a page")


def test_discover_filters_by_interval_follows_sitemap_index_and_dedupes(tmp_path):
    """A child whose index lastmod is stale is still read (after the fresh ones): its articles count."""
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}/sm-old.xml</loc><lastmod>2025-02-01</lastmod></sitemap>
<sitemap><loc>{base}/sm-new.xml</loc><lastmod>2025-03-08</lastmod></sitemap></sitemapindex>"""
    xml = {"Content-Type": "application/xml"}
    with LocalServer({}) as server:
        base = server.base.encode()
        new = SITEMAP.replace(b"http://h/e", base + b"/e?utm_source=x").replace(b"http://h/f", base + b"/f")
        server.routes.update(
            {
                "/robots.txt": Reply(404, b""),
                "/feed.xml": Reply(200, RSS.replace(b"http://h/", base + b"/"), xml),
                "/index.xml": Reply(200, index.replace(b"{base}", base), xml),
                "/sm-new.xml": Reply(200, new, xml),
                "/sm-old.xml": Reply(200, SITEMAP.replace(b"http://h/e", base + b"/g").replace(b"http://h/f", base + b"/h"), xml),
            }
        )
        source = Source(name="s", feeds=(server.base + "/feed.xml",), sitemaps=(server.base + "/index.xml",), politeness=Politeness(0.0))
        with PoliteFetcher(LOOPBACK) as fetcher:
            result = discover([source], fetcher, START, END)
        assert server.hits("/sm-old.xml") == 1
    urls = [c.url.removeprefix(server.base) for c in result.candidates]
    assert urls == ["/a", "/c", "/e", "/g"]  # b is on 03-06 UTC, f and h are dated 03-06; c is undated
    assert result.failures == []
    assert result.counters[("s", "listings_read")] == 4 and result.counters[("s", "entries_listed")] == 7
    assert result.counters[("s", "entries_other_day")] == 3


def test_candidates_over_the_per_source_cap_are_one_failure_row():
    items = b"".join(b"<item><link>{base}/%d</link><pubDate>Fri, 07 Mar 2025 %02d:00:00 +0000</pubDate></item>" % (i, i) for i in range(10))
    with LocalServer({"/robots.txt": Reply(404, b"")}) as server:
        server.routes["/feed.xml"] = Reply(200, b"<rss><channel>" + items.replace(b"{base}", server.base.encode()) + b"</channel></rss>", {"Content-Type": "text/html"})
        source = Source(name="s", feeds=(server.base + "/feed.xml",), politeness=Politeness(0.0))
        with PoliteFetcher(dataclasses.replace(LOOPBACK, max_candidates_per_source=4)) as fetcher:
            result = discover([source], fetcher, START, END)
    assert sorted(c.url.rsplit("/", 1)[1] for c in result.candidates) == ["6", "7", "8", "9"]  # the newest
    [failure] = result.failures
    assert "6 candidates not fetched" in failure.reason and failure.source == "s"
    assert result.counters[("s", "entries_over_cap")] == 6


def test_unreachable_feed_becomes_a_failure_not_an_exception():
    with LocalServer({"/robots.txt": Reply(404, b""), "/bad.xml": Reply(200, b"<rss><unclosed>", {"Content-Type": "application/xml"})}) as server:
        source = Source(name="s", feeds=(server.base + "/missing.xml", server.base + "/bad.xml"), politeness=Politeness(0.0))
        with PoliteFetcher(dataclasses.replace(LOOPBACK, max_retries=0)) as fetcher:
            result = discover([source], fetcher, START, END)
    assert result.candidates == []
    assert [(f.stage, f.reason.split(":")[0]) for f in result.failures] == [("discover", "HTTP 404"), ("discover", "unreadable listing")]
