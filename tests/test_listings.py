import gzip
import json
import re
from pathlib import Path

import pytest

from newslake.listings import ListingError, parse_listing

FEEDS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "feeds"
EXPECT_LINK = re.compile(r"Expect:\s+(?:not bozo and )?entries\[0\]\['link'\] == '([^']+)'")


def urls(data: bytes, **kwargs) -> list[str]:
    return [e.url for e in parse_listing(data, **kwargs).entries]


# --------------------------------------------------------------------------- the suites' expectations
def test_real_captured_feeds_reach_the_reference_links():
    reference = json.loads((FEEDS / "reference-urls.json").read_text())
    found = wanted = 0
    for rel, links in reference.items():
        got = set(urls((FEEDS / rel).read_bytes()))
        assert got, f"{rel} yields nothing"
        wanted += len(links)
        found += len({u.strip() for u in links} & got)
    assert found / wanted >= 0.98  # the misses: feedparser resolving one item against another item's xml:base


def _http_context(data: bytes, path: Path) -> dict:
    """The HTTP response the suite's `Header:` comment lines describe: document URL and charset.

    The suite serves its files from http://127.0.0.1:8097/, so that is the document URL unless
    a Content-Location header says otherwise."""
    headers = dict(re.findall(r"Header:\s+([\w-]+):\s*(.+)", data[:2000].decode("utf-8", "replace")))
    charset = re.search(r"charset=([\w.-]+)", headers.get("Content-type", headers.get("Content-Type", "")))
    served = "http://127.0.0.1:8097/" + path.relative_to(FEEDS / "kurtmckee__feedparser").as_posix()
    return {"url": headers.get("Content-Location", served), "charset": charset.group(1) if charset else None}


def test_feedparser_suite_entry_links_as_its_expect_comments_say():
    checked = []
    for path in sorted((FEEDS / "kurtmckee__feedparser" / "tests").glob("*formed/**/*.xml")):
        match = EXPECT_LINK.search(path.read_bytes()[:2000].decode("utf-8", "replace"))
        if match and match.group(1).startswith("http"):
            entries = parse_listing(path.read_bytes(), **_http_context(path.read_bytes(), path)).entries
            checked.append((path.name, entries[0].url if entries else None, match.group(1)))
    assert len(checked) >= 15
    assert [c for c in checked if c[1] != c[2]] == []


def _gofeed_link_cases():
    for expected_file in sorted((FEEDS / "mmcdole__gofeed" / "testdata" / "parser").glob("*/*.json")):
        source = expected_file.with_suffix(".xml")
        if not source.exists():
            continue
        expected = json.loads(expected_file.read_text())
        items = expected.get("items") or expected.get("entries") or []
        if not items:
            continue
        first = items[0]
        link = first.get("link") or next((x.get("href") for x in first.get("links") or [] if isinstance(x, dict) and x.get("rel", "alternate") == "alternate"), None)
        if link and link.strip().startswith(("http://", "https://")):
            yield pytest.param(source, link.strip(), id=source.name)


@pytest.mark.parametrize(("source", "link"), list(_gofeed_link_cases()))
def test_gofeed_expected_item_links(source, link):
    assert urls(source.read_bytes())[0] == link


def test_trafilatura_sitemaps_and_feeds():
    resources = FEEDS / "adbar__trafilatura" / "tests" / "resources"
    assert urls((resources / "sitemap.xml").read_bytes()) == urls((resources / "sitemap.xml.gz").read_bytes())
    assert urls((resources / "sitemap.xml").read_bytes())
    assert parse_listing((resources / "feed.json").read_bytes()).kind == "json-feed"


# --------------------------------------------------------------------------- what the real web serves
SITEMAP_WITH_IMAGES = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/a</loc><image:image><image:loc>https://cdn.example/a.jpg</image:loc></image:image>
<news:news><news:publication_date>2025-03-07T08:00:00+05:30</news:publication_date></news:news></url>
<url><image:image><image:loc>https://cdn.example/b.jpg</image:loc></image:image><loc>https://news.example/b</loc></url>
<url><loc>https://cdn.example/c.png</loc></url>
</urlset>"""


def test_only_the_page_loc_of_a_sitemap_url_is_a_candidate():
    listing = parse_listing(SITEMAP_WITH_IMAGES)
    assert [e.url for e in listing.entries] == ["https://news.example/a", "https://news.example/b"]
    assert listing.entries[0].listed_at.isoformat() == "2025-03-07T02:30:00+00:00"
    assert listing.entries[0].listed_raw == "2025-03-07T08:00:00+05:30"
    assert listing.dropped == {"not a page": 1}


def test_broken_xml_is_read_leniently():
    blank_prologue = b"\n\n<?xml version='1.0'?><rss><channel><item><link>http://h/a</link></item></channel></rss>"
    bare_ampersand = b"<rss><channel><item><link>http://h/a?x=1&y=2</link></item></channel></rss>"
    undeclared_prefix = b"<rss><channel><item><link>http://h/a</link><wfw:commentRss>http://h/c</wfw:commentRss></item></channel></rss>"
    truncated = b"<rss><channel><item><link>http://h/a</link></item><item><link>http://h/b</link></item><item><ti"
    assert urls(blank_prologue) == ["http://h/a"]
    assert urls(bare_ampersand) == ["http://h/a?x=1&y=2"]
    assert urls(undeclared_prefix) == ["http://h/a"]
    assert urls(truncated) == ["http://h/a", "http://h/b"]
    assert parse_listing(truncated).repaired and parse_listing(blank_prologue).repaired is None


def test_undeclared_latin1_is_read_in_the_http_charset():
    feed = "<rss><channel><item><title>Café</title><link>http://h/café</link></item></channel></rss>".encode("latin-1")
    assert urls(feed, charset="iso-8859-1") == ["http://h/café"]
    assert urls(feed) == ["http://h/café"]  # not UTF-8 and no charset: ISO-8859-1


def test_relative_links_resolve_against_xml_base_and_the_listing_url():
    feed = b"""<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://h/blog/">
<entry><link href="post/1"/></entry><entry xml:base="/other/"><link href="2"/></entry></feed>"""
    assert urls(feed) == ["http://h/blog/post/1", "http://h/other/2"]
    rss = b"<rss><channel><item><link>post/1</link></item><item><link>mailto:x@h</link></item></channel></rss>"
    assert urls(rss, url="https://site.example/feed/") == ["https://site.example/feed/post/1"]
    assert urls(rss) == []  # without a base a relative link is no candidate
    assert parse_listing(rss).dropped == {"not http(s)": 2}


def test_link_wins_over_a_guid_listed_first_and_only_url_guids_stand_in():
    rss = b"""<rss><channel>
<item><guid>12345</guid><link>http://h/a</link></item>
<item><guid isPermaLink="true">http://h/b</guid></item>
<item><guid>12346</guid></item>
<item><guid isPermaLink="false">http://h/tracking/1</guid></item>
</channel></rss>"""
    listing = parse_listing(rss)
    assert [e.url for e in listing.entries] == ["http://h/a", "http://h/b"]
    assert listing.dropped == {"no link": 2}


def test_dates_from_dcterms_and_atom03_fields():
    rss = b"""<rss xmlns:dcterms="http://purl.org/dc/terms/"><channel>
<item><link>http://h/a</link><dcterms:modified>2025-03-07T10:00:00Z</dcterms:modified></item>
<item><link>http://h/b</link><dcterms:created>2025-03-06</dcterms:created></item></channel></rss>"""
    atom03 = b"""<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><link rel="alternate" type="text/html" href="http://h/c"/>
<modified>2004-01-01T19:48:21Z</modified></entry></feed>"""
    assert [e.listed_raw for e in parse_listing(rss).entries] == ["2025-03-07T10:00:00Z", "2025-03-06"]
    assert parse_listing(atom03).entries[0].listed_at.isoformat() == "2004-01-01T19:48:21+00:00"


def test_formats_are_told_by_content():
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://h/s1.xml.gz</loc>
<lastmod>2020-01-01</lastmod></sitemap></sitemapindex>"""
    robots = b"User-agent: *\nDisallow: /private\nSitemap: https://h/news.xml\nsitemap: /relative.xml\n"
    text = b"https://h/a\n\nhttps://h/b\n"
    json_feed = b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "url": "https://h/j", "date_published": "2025-03-07T10:00:00-05:00"}]}'
    assert [(e.url, e.is_sitemap) for e in parse_listing(index).entries] == [("http://h/s1.xml.gz", True)]
    assert parse_listing(robots, url="https://h/robots.txt").kind == "robots"
    assert urls(robots, url="https://h/robots.txt") == ["https://h/news.xml", "https://h/relative.xml"]
    assert parse_listing(gzip.compress(text)).kind == "text-sitemap" and urls(gzip.compress(text)) == ["https://h/a", "https://h/b"]
    assert parse_listing(json_feed).entries[0].listed_at.isoformat() == "2025-03-07T15:00:00+00:00"
    with pytest.raises(ListingError, match="HTML page"):
        parse_listing(b"<!DOCTYPE html><html><body>hi</body></html>")
    with pytest.raises(ListingError, match="empty"):
        parse_listing(b"  \n")


def test_entity_declarations_are_refused_in_strict_and_lenient_parsing():
    bomb = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rss><channel><item><link>http://h/&b;</link></item></channel></rss>"""
    xxe = b"""<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss><channel><item><link>http://h/&xxe;</link></item><unclosed></rss>"""
    for document in (bomb, xxe, b"\n" + xxe):
        with pytest.raises(ListingError, match="declares XML entities"):
            parse_listing(document)


def test_gzip_bomb_stops_at_the_cap():
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    with pytest.raises(ListingError, match="exceeds 100000 bytes"):
        parse_listing(bomb, max_bytes=100_000)


def test_entries_the_caller_does_not_accept_are_counted_not_held():
    sitemap = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://h/a</loc><lastmod>2025-03-07</lastmod></url><url><loc>https://h/b</loc><lastmod>2020-01-01</lastmod></url>
<url><loc>https://h/c.mp4</loc></url></urlset>"""
    listing = parse_listing(sitemap, accept=lambda e: e.listed_at is not None and e.listed_at.year == 2025)
    assert [e.url for e in listing.entries] == ["https://h/a"]
    assert listing.not_accepted == 1 and listing.dropped == {"not a page": 1}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_wide_encodings_with_a_bom(encoding):
    feed = '<?xml version="1.0" encoding="{}"?><rss><channel><item><link>http://h/é</link></item></channel></rss>'.format(encoding.split("-b")[0])
    data = feed.encode(encoding)
    if not data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        data = ("\ufeff" + feed).encode(encoding)
    assert urls(data) == ["http://h/é"]


@pytest.mark.parametrize("expected_file", sorted((FEEDS / "mmcdole__gofeed" / "testdata" / "parser" / "json").glob("*_expected.json")), ids=lambda p: p.name)
def test_gofeed_json_feed_expectations(expected_file):
    expected = json.loads(expected_file.read_text())["items"]
    source = expected_file.with_name(expected_file.name.replace("_expected", ""))
    listing = parse_listing(source.read_bytes())
    assert listing.kind == "json-feed"
    assert [e.url for e in listing.entries] == [item["url"] for item in expected]
    assert [e.listed_raw for e in listing.entries] == [item["date_published"] for item in expected]
    assert listing.entries[0].listed_at.isoformat() == "2019-10-12T07:20:50+00:00"
