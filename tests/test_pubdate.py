"""Behaviour of newslake.pubdate on small inline pages."""

import datetime as dt

from newslake.pubdate import find_published_date

UTC = dt.UTC


def page(head: str = "", body: str = "") -> str:
    return f"<html><head><title>Storm hits the coast</title>{head}</head><body>{body}</body></html>"


def test_json_ld_date_beats_a_later_header_clock():
    html = page(
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
        '"headline":"Storm hits the coast","datePublished":"2024-05-03T08:15:00+02:00"}</script>',
        '<header><div class="clock">Today is <time datetime="2025-01-09">January 9, 2025</time></div></header>'
        "<article><h1>Storm hits the coast</h1><p>Text.</p></article>",
    )
    found = find_published_date(html)
    assert found.source == "json-ld"
    assert found.date_local == dt.date(2024, 5, 3)
    assert found.published_at == dt.datetime(2024, 5, 3, 6, 15, tzinfo=UTC)
    assert found.precision == "time"


def test_json_ld_inside_graph_is_found():
    html = page(
        '<script type="application/ld+json">{"@graph":[{"@type":"WebSite","name":"x"},{"@type":"BlogPosting","datePublished":"2023-02-01"}]}</script>'
    )
    assert find_published_date(html).date_local == dt.date(2023, 2, 1)


def test_positive_offset_keeps_the_publishers_day():
    html = page('<meta property="article:published_time" content="2025-03-07T23:30:00+04:00">')
    found = find_published_date(html)
    assert found.original == "2025-03-07T23:30:00+04:00"
    assert found.date_local == dt.date(2025, 3, 7)
    assert found.published_at == dt.datetime(2025, 3, 7, 19, 30, tzinfo=UTC)


def test_naive_time_uses_source_timezone():
    html = page('<meta property="article:published_time" content="2025-03-07T23:30:00">')
    found = find_published_date(html, source_timezone="America/New_York")
    assert found.date_local == dt.date(2025, 3, 7)
    assert found.published_at == dt.datetime(2025, 3, 8, 4, 30, tzinfo=UTC)
    assert found.original == "2025-03-07T23:30:00-05:00"


def test_utc_timestamp_moves_to_source_timezone_day():
    html = page('<meta property="article:published_time" content="2025-03-08T02:00:00Z">')
    found = find_published_date(html, source_timezone="America/Chicago")
    assert found.date_local == dt.date(2025, 3, 7)
    assert found.published_at == dt.datetime(2025, 3, 8, 2, 0, tzinfo=UTC)


def test_day_only_date_is_local_midnight():
    html = page('<meta name="pubdate" content="2024-11-05">')
    found = find_published_date(html, source_timezone="Europe/Berlin")
    assert found.precision == "day"
    assert found.date_local == dt.date(2024, 11, 5)
    assert found.published_at == dt.datetime(2024, 11, 4, 23, 0, tzinfo=UTC)


def test_date_in_url_when_page_has_no_markup():
    found = find_published_date(page(body="<p>No dates here.</p>"), "https://example.org/2022/06/14/some-story/")
    assert (found.date_local, found.source) == (dt.date(2022, 6, 14), "url")


def test_related_list_and_modified_dates_are_ignored():
    html = page(
        body="<article><h1>Storm hits the coast</h1>"
        '<p class="updated">Updated <time datetime="2024-05-09T10:00:00Z">May 9</time></p>'
        '<time class="published" datetime="2024-05-03T08:15:00Z">May 3</time><p>Body.</p></article>'
        '<aside class="related"><time datetime="2024-05-10">May 10</time></aside>'
    )
    assert find_published_date(html).date_local == dt.date(2024, 5, 3)


def test_visible_text_date_after_the_headline():
    html = page(body="<div><h1>Storm hits the coast</h1><p class='byline'>By Ann Lee, March 4, 2021</p><p>Body.</p></div>")
    found = find_published_date(html)
    assert found.date_local == dt.date(2021, 3, 4)
    assert found.precision == "day"


def test_absurd_dates_are_rejected():
    html = page('<meta property="article:published_time" content="1970-01-01T00:00:00Z">')
    assert find_published_date(html) is None


def test_undated_page_gives_none():
    assert find_published_date(page(body="<p>Nothing to see.</p>")) is None
