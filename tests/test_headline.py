"""Headline choice: candidates from the page, site-name affixes removed, agreement voting."""

from __future__ import annotations

from lxml import html as lxml_html

from newslake.headline import choose_headline, clean_headline, site_tokens, strip_site_affixes
from newslake.pagemeta import PageMeta, read_page_meta


def test_site_name_suffixes_are_removed_using_site_name_and_host():
    tokens = site_tokens(["Börsen-Zeitung"], "https://www.golem.de/news/x.html")
    assert strip_site_affixes("Steigende US-Zinsen setzen Dax zu | Börsen-Zeitung", tokens) == "Steigende US-Zinsen setzen Dax zu"
    assert strip_site_affixes("LTE-Patent: Samsung soll Smartphones zerstören - Golem.de", tokens) == "LTE-Patent: Samsung soll Smartphones zerstören"


def test_section_and_date_segments_beside_the_site_name_go_too():
    tokens = site_tokens(["DW.COM", "Deutsche Welle"], "https://www.dw.com/de/x")
    assert strip_site_affixes("Ukrainische Gegenoffensive: Ziele, Chancen, Risiken | Europa | DW | 28.04.2023", tokens) == (
        "Ukrainische Gegenoffensive: Ziele, Chancen, Risiken"
    )
    assert strip_site_affixes("Post-Vac-Syndrom: Was wissen wir? – DW – 13.06.2023", tokens) == "Post-Vac-Syndrom: Was wissen wir?"


def test_a_colon_inside_the_headline_is_kept_when_no_side_names_the_site():
    tokens = site_tokens(["Example"], "https://example.com/a")
    assert strip_site_affixes("Nach Gaetz-Rückzug: Trump-Anwältin soll Justizministerin werden", tokens) == (
        "Nach Gaetz-Rückzug: Trump-Anwältin soll Justizministerin werden"
    )


def test_a_misplaced_headline_in_the_publisher_field_is_not_a_site_name():
    headline = 'Künstliche Intelligenz in der Schule - Kinder werden "schneller und erfolgreicher"'
    assert strip_site_affixes(headline, site_tokens([headline, "RP ONLINE"], "https://rp-online.de/x")) == headline


def test_soft_hyphens_no_break_spaces_and_entities_are_normalised():
    assert clean_headline("Ver\u00adfas\u00adsungs\u00adbe\u00adschwerde\u00a0eingelegt &#8216;x&#8217;\u2060") == "Verfassungsbeschwerde eingelegt ‘x’"


def test_headline_agreed_by_json_ld_and_og_title_beats_an_h1_with_a_kicker():
    meta = PageMeta(
        title_tag="Nach Gaetz-Rückzug: Trump-Anwältin soll Justizministerin werden - news.ORF.at",
        og_title="Nach Gaetz-Rückzug: Trump-Anwältin soll Justizministerin werden",
        json_ld_headlines=["Nach Gaetz-Rückzug: Trump-Anwältin soll Justizministerin werden"],
        h1s=["Trump-Anwältin soll Justizministerin werden"],
        site_names=["news.ORF.at"],
    )
    assert choose_headline(meta, "https://orf.at/stories/3376705/") == "Nach Gaetz-Rückzug: Trump-Anwältin soll Justizministerin werden"


def test_the_articles_own_headline_beats_the_seo_title():
    meta = PageMeta(
        title_tag="Notbetrieb und Notfallplan: Kinder erlebten heißen Montag",
        og_title="Notbetrieb und Notfallplan: Kinder erlebten heißen Montag",
        twitter_title="Notbetrieb und Notfallplan: Kinder erlebten heißen Montag",
        json_ld_headlines=["Nur ein Drittel der Kinder kam am Montag in die Schule"],
        h1s=["Nur ein Drittel der Kinder kam am Montag in die Schule"],
    )
    assert choose_headline(meta, "https://www.kleinezeitung.at/x") == "Nur ein Drittel der Kinder kam am Montag in die Schule"


def test_only_a_title_tag_gives_the_title_without_the_site_name():
    meta = PageMeta(title_tag="Council approves the new bridge – The Harbour Herald", site_names=["The Harbour Herald"])
    assert choose_headline(meta, "https://harbour.example/a") == "Council approves the new bridge"
    assert choose_headline(PageMeta(), None) is None


def test_page_meta_reads_h1_outside_chrome_and_json_ld_headline():
    page = lxml_html.fromstring(
        """<html><head><title>A headline | Site</title><meta property="og:site_name" content="Site">
        <script type="application/ld+json">{"@type": "NewsArticle", "headline": "A headline",
        "author": [{"@type": "Person", "name": "Jane Doe"}], "publisher": {"@type": "Organization", "name": "Site Media"}}</script>
        </head><body><header class="masthead"><h1>Site</h1></header><article><h1>A headline</h1><p>Text.</p></article></body></html>"""
    )
    meta = read_page_meta(page)
    assert meta.h1s == ["A headline"]
    assert meta.json_ld_headlines == ["A headline"]
    assert meta.json_ld_authors == [("Jane Doe", "Person")]
    assert meta.title_tag == "A headline | Site"
    assert "Site Media" in meta.site_names and "Site" in meta.site_names
    assert choose_headline(meta, "https://site.example/a") == "A headline"
