"""Tests for newslake.samplesite: the offline sample news site every other test relies on."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import urllib.error
import urllib.request
import urllib.robotparser
from collections import Counter, defaultdict

import pytest
import yaml
from lxml import etree

from newslake.samplesite import SITE_FIRST_DAY, SITE_LAST_DAY, SITE_NOW, SampleSite

UTC = dt.UTC
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "atom": "http://www.w3.org/2005/Atom",
}


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read()


@pytest.fixture(scope="module")
def site():
    with SampleSite() as s:
        yield s


@pytest.fixture(scope="module")
def pages(site):
    """Every article page, fetched once: url -> decoded HTML."""
    out = {}
    for a in site.manifest():
        status, ctype, body = get(a.url)
        assert status == 200 and ctype.startswith("text/html") and "charset=utf-8" in ctype, a.url
        out[a.url] = body.decode("utf-8")
    return out


def page_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def listed_urls(site) -> dict[str, dict[str, set[str]]]:
    """publisher -> {"feed": urls, "sitemap": urls}, read the way discovery will read them."""
    config = yaml.safe_load(site.sources_yaml())
    found: dict[str, dict[str, set[str]]] = {}
    for source in config["sources"]:
        feed_urls: set[str] = set()
        for feed in source["feeds"]:
            root = etree.fromstring(get(feed)[2])
            feed_urls |= {link.text for link in root.iterfind("channel/item/link")}
            feed_urls |= {e.get("href") for e in root.iterfind("atom:entry/atom:link", NS)}
        sitemap_urls: set[str] = set()
        todo = list(source["sitemaps"])
        while todo:
            root = etree.fromstring(get(todo.pop())[2])
            todo += [loc.text for loc in root.iterfind("sm:sitemap/sm:loc", NS)]
            sitemap_urls |= {loc.text for loc in root.iterfind("sm:url/sm:loc", NS)}
        found[source["name"]] = {"feed": feed_urls, "sitemap": sitemap_urls}
    return found


def test_server_starts_on_a_free_loopback_port(site):
    assert site.base_url.startswith("http://127.0.0.1:")
    assert site.port != 0
    status, ctype, body = get(site.base_url + "/")
    assert status == 200 and "charset=utf-8" in ctype


def test_sources_yaml_names_each_publisher_with_feed_sitemap_timezone_and_politeness(site):
    sources = yaml.safe_load(site.sources_yaml())["sources"]
    assert {s["name"] for s in sources} == {a.publisher for a in site.manifest()}
    for s in sources:
        assert s["timezone"] and s["feeds"] and s["sitemaps"]
        assert s["politeness"]["min_delay_seconds"] > 0
        assert all(u.startswith(site.base_url) for u in s["feeds"] + s["sitemaps"])


def test_sitemaps_list_every_article_and_feeds_list_the_latest_twenty(site):
    listed = listed_urls(site)
    by_pub = defaultdict(list)
    for a in site.manifest():
        by_pub[a.publisher].append(a)
    for pub, arts in by_pub.items():
        urls = {a.url for a in arts}
        assert listed[pub]["sitemap"] == urls
        newest = {a.url for a in sorted(arts, key=lambda a: a.published_at)[-20:]}
        assert listed[pub]["feed"] == newest


def test_feeds_and_sitemaps_have_xml_content_types_with_charset(site):
    config = yaml.safe_load(site.sources_yaml())
    for source in config["sources"]:
        for url in source["feeds"] + source["sitemaps"]:
            status, ctype, _ = get(url)
            assert status == 200 and "xml" in ctype and "charset=utf-8" in ctype


def test_exactly_one_sitemap_entry_is_undated_and_its_page_carries_a_date(site, pages):
    undated = []
    for source in yaml.safe_load(site.sources_yaml())["sources"]:
        todo = list(source["sitemaps"])
        while todo:
            root = etree.fromstring(get(todo.pop())[2])
            todo += [loc.text for loc in root.iterfind("sm:sitemap/sm:loc", NS)]
            for url in root.iterfind("sm:url", NS):
                if url.find("news:news/news:publication_date", NS) is None:
                    undated.append(url.findtext("sm:loc", namespaces=NS))
    assert len(undated) == 1
    article = next(a for a in site.manifest() if a.url == undated[0])
    when = article.published_local
    assert f"Published {when.day} {when:%B %Y}, {when:%H:%M}" in pages[article.url]


def test_every_article_page_returns_html_containing_its_first_sentence(site, pages):
    for a in site.manifest():
        text = page_text(pages[a.url])
        assert a.text_snippet in text
        assert a.title in text


def test_site_has_enough_articles_days_and_publishers(site):
    manifest = site.manifest()
    assert len(manifest) >= 60
    utc_days = {a.published_at.date() for a in manifest}
    assert len(utc_days) >= 10
    assert min(utc_days) == SITE_FIRST_DAY and max(utc_days) == SITE_LAST_DAY
    assert len({a.publisher for a in manifest}) >= 3
    assert len({a.url for a in manifest}) == len(manifest)


def test_publishers_use_distinct_timezones_including_plus_four(site):
    zones = {a.publisher: a.timezone for a in site.manifest()}
    assert len(set(zones.values())) == len(zones) >= 3
    offsets = {a.published_local.utcoffset() for a in site.manifest()}
    assert dt.timedelta(hours=4) in offsets
    for a in site.manifest():
        assert a.published_at.tzinfo == UTC and a.published_local == a.published_at


def test_new_york_offsets_follow_daylight_saving(site):
    ny = [a for a in site.manifest() if a.timezone == "America/New_York"]
    switch = dt.datetime(2025, 3, 9, 7, tzinfo=UTC)
    assert {a.published_local.utcoffset() for a in ny if a.published_at < switch} == {dt.timedelta(hours=-5)}
    assert {a.published_local.utcoffset() for a in ny if a.published_at >= switch} == {dt.timedelta(hours=-4)}


def test_some_articles_fall_on_a_different_utc_day_than_their_local_day(site):
    shifted = [a for a in site.manifest() if a.published_local.date() != a.published_at.date()]
    assert len({a.publisher for a in shifted}) >= 2


def test_each_publisher_carries_its_own_kind_of_date_markup(site, pages):
    kinds = Counter()
    for a in site.manifest():
        page = pages[a.url]
        ld = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        meta = re.search(r'property="article:published_time" content="([^"]+)"', page)
        if ld:
            article = next(d for d in map(json.loads, ld) if d["@type"] == "NewsArticle")
            assert dt.datetime.fromisoformat(article["datePublished"]) == a.published_at
            assert "<time" not in page and meta is None
            kinds["json-ld"] += 1
        elif meta:
            assert dt.datetime.fromisoformat(meta.group(1)) == a.published_at
            assert f'<time class="published" datetime="{a.published_local.isoformat()}"' in page
            kinds["meta+time"] += 1
        else:
            assert "<time" not in page and "datetime=" not in page
            when = a.published_local
            assert f"Published {when.day} {when:%B %Y}, {when:%H:%M}" in page
            kinds["text-only"] += 1
    assert set(kinds) == {"json-ld", "meta+time", "text-only"}


def test_widgets_show_a_later_date_than_the_article(site, pages):
    now_patterns = [r"Today is Monday 17 March 2025", r"Monday, 17 March 2025", r"Monday, March 17, 2025"]
    for a in site.manifest():
        assert any(re.search(p, pages[a.url]) for p in now_patterns), a.url
        assert a.published_at < SITE_NOW
        assert a.published_local.date() < SITE_NOW.date()


def test_pages_carry_cookie_banner_share_bar_related_list_and_footer_year(site, pages):
    for a in site.manifest():
        text = page_text(pages[a.url]).lower()
        assert "cookie" in text and "share" in text and "related" in text
        assert re.search(r"©.*2025|2025.*©", page_text(pages[a.url]))


def test_article_text_mentions_its_entities_and_defines_acronyms(site, pages):
    for a in site.manifest():
        text = page_text(pages[a.url])
        assert a.people and a.organisations and a.places
        for name in a.people + a.organisations + a.places:
            assert name in text, (a.url, name)
        body = re.search(r"<p>(.*)</p>", pages[a.url], re.S)
        assert body is not None
    joined = " ".join(page_text(p) for p in pages.values())
    assert "World Health Organization (WHO)" in joined and "European Central Bank (ECB)" in joined
    assert re.search(r"\bLagarde (said|told)", joined)
    assert re.search(r"\bon (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b", joined)
    assert re.search(
        r"\b(January|February|March|April|May|June|July|August|September|October|November|December) 20(23|24)\b", joined
    )


def test_robots_disallows_private_paths_that_no_feed_lists(site):
    status, ctype, body = get(site.base_url + "/robots.txt")
    assert status == 200 and ctype.startswith("text/plain")
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(body.decode().splitlines())
    assert not robots.can_fetch("newslake", site.base_url + "/admin/")
    listed = set().union(*(v["feed"] | v["sitemap"] for v in listed_urls(site).values()))
    for pub in ("meridian", "harbour", "northgate"):
        private = f"{site.base_url}/{pub}/private/"
        assert not robots.can_fetch("newslake", private)
        assert get(private)[0] == 200
        assert private not in listed
    assert all(robots.can_fetch("newslake", url) for url in listed)


def test_unknown_paths_return_404(site):
    assert get(site.base_url + "/nope/")[0] == 404


def test_fail_next_answers_with_the_injected_status_then_recovers(site):
    url = site.manifest()[0].url
    site.fail_next(url, [503, 500])
    assert [get(url)[0] for _ in range(3)] == [503, 500, 200]


def test_articles_published_between_is_half_open_in_utc(site):
    first = min(a.published_at for a in site.manifest())
    assert [a.published_at for a in site.articles_published_between(first, first + dt.timedelta(seconds=1))] == [first]
    assert site.articles_published_between(first - dt.timedelta(hours=1), first) == []
    day = site.articles_published_between(dt.date(2025, 3, 9), dt.date(2025, 3, 10))
    assert day and all(a.published_at.date() == dt.date(2025, 3, 9) for a in day)
    with pytest.raises(ValueError):
        site.articles_published_between(dt.datetime(2025, 3, 9), dt.datetime(2025, 3, 10))


def test_two_instances_run_at_once_and_serve_the_same_content(site):
    with SampleSite() as other:
        assert other.port != site.port
        ours = [(a.title, a.published_at, a.text_snippet) for a in site.manifest()]
        theirs = [(a.title, a.published_at, a.text_snippet) for a in other.manifest()]
        assert ours == theirs
        assert get(other.manifest()[0].url)[0] == 200


def test_manifest_before_start_explains_what_to_do():
    with pytest.raises(RuntimeError, match="start"):
        SampleSite().manifest()
