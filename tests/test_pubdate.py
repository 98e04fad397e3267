"""Behaviour of newslake.pubdate on small inline pages."""

import datetime as dt

import pytest
import requests

from newslake.pubdate import find_published_date
from newslake.samplesite import SampleSite

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


# --------------------------------------------------------------------------- page chrome traps
def test_published_label_next_to_headline_beats_today_widget_and_related_list():
    html = page(
        body='<div class="utility">Today is Monday 17 March 2025</div>'
        "<div><h1>Storm hits the coast</h1><div>Tom Ashdown</div>"
        "<div>Published 3 March 2025, 09:00 &mdash; Updated 3 March 2025, 11:35</div><p>Body.</p></div>"
        '<div class="sidebar"><h3>Related articles</h3><ul><li><a href="/a">A</a><small>4 March 2025</small></li></ul></div>'
    )
    found = find_published_date(html, source_timezone="Europe/London")
    assert (found.source, found.precision) == ("text", "time")
    assert found.published_at == dt.datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    assert found.original == "2025-03-03T09:00:00+00:00"


def test_written_update_date_is_never_the_publication_date():
    html = page(body="<div><h1>Storm hits the coast</h1><p>Updated 9 May 2024 | Published 3 May 2024</p><p>Body.</p></div>")
    assert find_published_date(html).date_local == dt.date(2024, 5, 3)


def test_last_updated_clock_in_header_is_ignored():
    html = page(
        '<meta property="article:published_time" content="2025-03-03T11:45:00-05:00">',
        '<header><div class="updated">Last updated <time datetime="2025-03-17T05:30:00-04:00">March 17</time></div></header>'
        "<article><h1>Storm hits the coast</h1><p>Body.</p></article>",
    )
    assert find_published_date(html).date_local == dt.date(2025, 3, 3)


def test_comment_dates_and_cookie_banner_are_ignored_without_markup():
    html = page(
        body='<div id="cookie-consent">We updated our cookie policy on 1 January 2025.</div>'
        "<div><h1>Storm hits the coast</h1><p>By Ann Lee</p><p>Body of the story.</p></div>"
        '<section class="comments"><div class="comment">March 4, 2024 at 12:20 a.m.</div></section>',
    )
    assert find_published_date(html, "https://example.org/2024/03/02/storm/").date_local == dt.date(2024, 3, 2)


def test_copyright_year_alone_gives_no_date():
    html = page(body="<div><h1>Storm hits the coast</h1><p>Body.</p></div><footer>&copy; 2025 Example Media</footer>")
    assert find_published_date(html) is None


def test_photo_caption_and_story_sentences_are_not_the_byline_date():
    html = page(
        body="<div><h1>Storm hits the coast</h1>"
        '<div><img src="x.jpg"><br>FILE PHOTO: waves near the pier, January 16, 2020. REUTERS</div>'
        "<p>January 18, 2020</p><p>Body.</p></div>"
    )
    assert find_published_date(html).date_local == dt.date(2020, 1, 18)
    prose = "Oil fell to its lowest price since 6 March 2002, traders said, as demand collapsed and storage ran short " * 2
    html = page(body=f"<div><h1>Storm hits the coast</h1><p>{prose}</p><p>By Ann Lee, 17 March 2020</p><p>Body.</p></div>")
    assert find_published_date(html).date_local == dt.date(2020, 3, 17)


def test_day_first_slash_date_and_byline_styled_as_nav():
    html = page(body='<div><h1>Storm hits the coast</h1><ul class="nav meta"><li><a>22/11/2020 - 04:30</a></li></ul><p>Body.</p></div>')
    found = find_published_date(html)
    assert found.date_local == dt.date(2020, 11, 22)
    assert found.precision == "time"


def test_embedded_video_upload_date_loses_to_the_publication_meta():
    html = page(
        '<meta property="article:published_time" content="2020-09-30T02:00:07-07:00">',
        '<div class="card"><script type="application/ld+json">{"@context":"https://schema.org","@type":"VideoObject",'
        '"name":"Watch now","uploadDate":"2020-09-29T22:40:00-07:00"}</script></div><h1>Storm hits the coast</h1>',
    )
    found = find_published_date(html)
    assert (found.source, found.date_local) == ("meta", dt.date(2020, 9, 30))


def test_video_upload_date_dates_a_page_without_other_dates():
    html = page('<script type="application/ld+json">{"@type":"VideoObject","uploadDate":"2021-02-03T10:00:00+01:00"}</script>')
    assert find_published_date(html).date_local == dt.date(2021, 2, 3)


def test_solar_hijri_date_in_an_element_named_as_the_date():
    html = page(
        body='<div class="headerdate">امروز: دوشنبه ۱۰ تير ۱۳۹۹</div>'
        '<div class="info"><span class="date-created">2 تير 1399 - 12:09:08 ب.ظ</span></div><p>متن خبر.</p>'
    )
    found = find_published_date(html)
    assert (found.source, found.precision) == ("text", "time")
    assert found.date_local == dt.date(2020, 6, 22)
    html = page(body="<div><h1>Storm hits the coast</h1><p>۱۴۰۳/۱۲/۳۰</p><p>Body.</p></div>")
    assert find_published_date(html).date_local == dt.date(2025, 3, 20)


def test_named_date_element_skips_update_dates_and_chrome():
    html = page(
        body='<div class="post-date">Updated 9 May 2024</div><div class="sidebar"><span class="post-date">10 May 2024</span></div>'
        '<div class="post-date">3 May 2024</div>'
    )
    assert find_published_date(html).date_local == dt.date(2024, 5, 3)


def test_chrome_word_in_the_body_class_does_not_hide_the_byline():
    html = "<html><body class='menu-options'><div><h1>Storm hits the coast</h1><p>By Ann Lee, March 4, 2021 at 10:30 am</p></div></body></html>"
    found = find_published_date(html)
    assert (found.original, found.precision) == ("2021-03-04T10:30:00", "time")  # the byline, not htmldate's day


# --------------------------------------------------------------------------- the bundled sample site
@pytest.fixture(scope="module")
def sample_pages():
    with SampleSite() as site:
        yield [(article, requests.get(article.url, timeout=5).text) for article in site.manifest()]


def test_every_sample_article_gets_its_published_instant_and_local_day(sample_pages):
    wrong = []
    for article, html in sample_pages:
        found = find_published_date(html, article.url, source_timezone=article.timezone)
        if found is None or (found.published_at, found.date_local) != (article.published_at, article.published_local.date()):
            wrong.append((article.publisher, article.url, found))
    assert not wrong
    assert {article.publisher for article, _ in sample_pages} >= {"harbour-herald", "meridian-times", "northgate-gazette"}


def test_sample_pages_with_only_visible_dates_are_time_precise_text(sample_pages):
    text_only = [(a, html) for a, html in sample_pages if "ld+json" not in html and "published_time" not in html and "<time" not in html]
    assert text_only  # the sample site has a publisher without date markup
    for article, html in text_only:
        found = find_published_date(html, article.url, source_timezone=article.timezone)
        assert (found.source, found.precision) == ("text", "time")
        assert found.original == article.published_local.isoformat()
