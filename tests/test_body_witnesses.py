"""Body ideas beyond one extractor: JSON-LD articleBody witness, standfirst, link lists, site template."""

from __future__ import annotations

from lxml import html as lxml_html

from newslake.boilerplate import strip_site_boilerplate, template_lines
from newslake.captions import caption_texts, drop_captions
from newslake.linklists import anchor_texts, drop_link_lists
from newslake.standfirst import add_standfirst, visible_text
from newslake.witness import apply_witness, witness_text

ARTICLE = [
    "The city council approved the new harbour bridge on Tuesday after a debate of four hours.",
    "Construction is due to start in the spring and the bridge should open to traffic in two years.",
    "The mayor said the crossing would cut the commute from the northern districts by half an hour.",
    "Residents of the old town, who had opposed the plan, said they would consider an appeal in court.",
]


def test_witness_drops_lines_foreign_to_the_article_body():
    extracted = "\n".join([ARTICLE[0], "Sign in to keep reading our premium journalism on every one of your devices today", *ARTICLE[1:]])
    assert apply_witness(extracted, " ".join(ARTICLE)) == "\n".join(ARTICLE)


def test_witness_replaces_a_body_that_lost_most_of_the_article():
    longer = ARTICLE + [f"Paragraph {i} of the rest of the story, which the extractor did not see at all in its container." for i in range(6)]
    assert apply_witness(ARTICLE[0], "\n".join(longer)) == "\n".join(longer)


def test_a_teaser_witness_or_another_story_changes_nothing():
    extracted = "\n".join(ARTICLE)
    assert apply_witness(extracted, "A short teaser.") == extracted
    assert apply_witness(extracted, " ".join(["Completely different words about football results and the weather"] * 8)) == extracted


def test_witness_text_removes_markup_and_entities():
    assert witness_text(["<p>Caf&eacute; opens</p>", "x"]) == "Café opens"


def test_a_visible_description_before_the_body_becomes_the_lead():
    lead = "The council backed the bridge after four hours of debate, ending a dispute of ten years."
    page = lxml_html.fromstring(f"<html><body><h1>Bridge</h1><p class='lead'>{lead}</p><div>{''.join(f'<p>{p}</p>' for p in ARTICLE)}</div></body></html>")
    body = "\n".join(ARTICLE)
    assert add_standfirst(body, [lead], visible_text(page)) == "\n".join([lead, *ARTICLE])
    hidden = "A summary written for search engines that the page never shows to its readers at all."
    assert add_standfirst(body, [hidden], visible_text(page)) == body


def test_runs_of_link_only_lines_are_dropped_with_their_heading():
    page = lxml_html.fromstring(
        "<html><body><a href='/1'>Harbour tunnel closes for repairs</a><a href='/2'>Ferry fares rise in June</a>"
        "<a href='/3'>A single linked line in the text</a></body></html>"
    )
    body = "\n".join([ARTICLE[0], "A single linked line in the text", ARTICLE[1], "Also interesting", "- Harbour tunnel closes for repairs", "- News: Ferry fares rise in June"])
    assert drop_link_lists(body, anchor_texts(page)) == "\n".join([ARTICLE[0], "A single linked line in the text", ARTICLE[1]])


def test_short_lines_recurring_across_a_hosts_articles_are_template():
    other = ["Ferry fares will rise in June, the operator said.", "Passengers with season tickets are not affected by the change."]
    pages = [("https://a.example/1", "\n".join(["Article", *ARTICLE])), ("https://a.example/2", "\n".join(["Article", *other]))]
    assert template_lines([body for _, body in pages]) == {"article"}
    assert strip_site_boilerplate(pages, min_words=8) == ["\n".join(ARTICLE), "\n".join(other)]


def test_versions_of_one_article_do_not_make_its_lines_template():
    body = "\n".join(["Article", *ARTICLE])
    pages = [("https://a.example/1", body), ("https://a.example/1?update=2", body + "\nUpdate: the vote was unanimous.")]
    assert strip_site_boilerplate(pages, min_words=8) == [body, body + "\nUpdate: the vote was unanimous."]


def test_lines_that_are_the_pages_own_captions_are_dropped():
    page = lxml_html.fromstring(
        "<html><body><figure><img src='a.jpg' alt='The mayor at the harbour on Tuesday'>"
        "<figcaption><span>Construction workers on the old bridge.</span><span>Photo: AFP</span></figcaption></figure></body></html>"
    )
    body = "\n".join([ARTICLE[0], "Construction workers on the old bridge.", ARTICLE[1], "The mayor at the harbour on Tuesday"])
    assert drop_captions(body, caption_texts(page)) == "\n".join(ARTICLE[:2])


def test_an_article_length_witness_is_the_body_when_the_extractor_found_nothing():
    witness = "\n".join(ARTICLE)
    assert apply_witness("", witness) == witness
    assert apply_witness("Menu", witness) == witness
