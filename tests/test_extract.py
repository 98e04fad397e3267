"""Behaviour of newslake.extract on small inline pages."""

import pytest

from newslake.errors import ExtractError
from newslake.extract import EXTRACTOR_VERSION, clean_lines, extract_page, reconcile

PARAGRAPHS = [
    "The city council voted on Tuesday to expand the bike lane network across the downtown area by next spring.",
    "Supporters said the plan would cut traffic and make streets safer for children walking to school every day.",
    "Opponents argued that the cost had not been explained and asked for a public hearing before any work starts.",
    "The mayor said construction would begin in March and promised regular updates on the budget and timeline.",
]


def article_page() -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        "<html lang='en-GB'><head><title>Council expands bike lanes</title>"
        '<meta property="og:title" content="Council expands bike lanes">'
        '<meta property="article:published_time" content="2024-05-03T08:15:00+01:00"></head>'
        "<body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>Council expands bike lanes</h1>{body}<p>Read more: Other story about roads</p></article>"
        "<footer>Copyright 2024 Example News</footer></body></html>"
    )


def test_article_body_is_paragraphs_without_headline_or_boilerplate():
    page = extract_page(article_page(), "https://example.co.uk/news/bikes")
    assert page.text.split("\n") == PARAGRAPHS
    assert page.title == "Council expands bike lanes"
    assert page.language == "en"
    assert page.published is not None and page.published.original == "2024-05-03T08:15:00+01:00"


def test_empty_page_raises_extract_error():
    with pytest.raises(ExtractError):
        extract_page("<html><body><nav>Home</nav></body></html>", "https://example.org/")


def test_extractor_version_names_trafilatura():
    assert EXTRACTOR_VERSION.startswith("newslake-extract/") and "trafilatura/" in EXTRACTOR_VERSION


def test_reconcile_takes_back_a_dropped_line_between_kept_ones():
    precise = "First paragraph of the story here.\nThird paragraph of the story here."
    broad = "Menu link\nFirst paragraph of the story here.\nA sub-heading\nThird paragraph of the story here.\nNewsletter box"
    assert reconcile(precise, broad).split("\n") == [
        "First paragraph of the story here.",
        "A sub-heading",
        "Third paragraph of the story here.",
    ]


def test_reconcile_uses_broad_text_when_precise_text_is_a_notice():
    broad = "\n".join(PARAGRAPHS * 3)
    assert reconcile("This copy is for your personal use only.", broad) == broad


def test_clean_lines_drops_title_dateline_and_boilerplate():
    text = "\n".join(
        [
            "Council expands bike lanes",
            "November 20, 2019 - 11:28 AMT",
            PARAGRAPHS[0],
            "Sign up for our daily newsletter",
            "- Order Reprints",
            PARAGRAPHS[1],
        ]
    )
    assert clean_lines(text, "Council expands bike lanes").split("\n") == PARAGRAPHS[:2]
