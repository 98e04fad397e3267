"""Authors as a clean list of people."""

from __future__ import annotations

import json

from lxml import html as lxml_html

from newslake.authors import choose_authors, split_names
from newslake.pagemeta import PageMeta, read_page_meta


def _page(body: str, *json_ld: dict) -> PageMeta:
    scripts = "".join(f'<script type="application/ld+json">{json.dumps(obj)}</script>' for obj in json_ld)
    return read_page_meta(lxml_html.fromstring(f"<html><head>{scripts}</head><body>{body}</body></html>"))


def test_bylines_are_split_into_people_without_by_and_roles():
    assert split_names("By Samya Kullab and Vasilisa Stepanenko") == ["Samya Kullab", "Vasilisa Stepanenko"]
    assert split_names("Von Anna Muster, Max Beispiel") == ["Anna Muster", "Max Beispiel"]
    assert split_names("Elena Oberholzer (obe)") == ["Elena Oberholzer"]


def test_the_publisher_is_not_an_author_when_people_are_named():
    meta = PageMeta(site_names=["Frankfurter Allgemeine Zeitung GmbH", "FAZ.NET"], meta_authors=["Frankfurter Allgemeine Zeitung GmbH; Ralf Euler"])
    assert choose_authors(meta, None, "https://www.faz.net/x") == ["Ralf Euler"]


def test_json_ld_people_win_and_organisations_are_left_out():
    meta = PageMeta(json_ld_authors=[("Julian Seiferth", "Person"), ("t-online", "Organization")], meta_authors=["t-online"])
    assert choose_authors(meta, "Julian Seiferth; T-Online", "https://www.t-online.de/x") == ["Julian Seiferth"]


def test_named_agencies_stay_but_desks_roles_handles_and_slugs_go():
    meta = PageMeta(json_ld_authors=[("Konstantin Furrer", "Person"), ("Deutsche Presse-Agentur", "Person")])
    assert choose_authors(meta, None, "https://www.20min.ch/x") == ["Konstantin Furrer", "Deutsche Presse-Agentur"]
    meta = PageMeta(meta_authors=["Mathias Hagen / Journalist", "@NRKno"])
    assert choose_authors(meta, None, "https://www.nrk.no/x") == ["Mathias Hagen"]
    meta = PageMeta(json_ld_authors=[("chuck-ross", "Person")], meta_authors=["Chuck Ross"])
    assert choose_authors(meta, None, "https://freebeacon.com/x") == ["Chuck Ross"]


def test_a_page_naming_only_its_site_or_a_desk_has_no_authors():
    meta = PageMeta(site_names=["DER SPIEGEL"], json_ld_authors=[("DER SPIEGEL", "Organization")], meta_authors=["DER SPIEGEL"])
    assert choose_authors(meta, "DER SPIEGEL", "https://www.spiegel.de/x") == []
    assert choose_authors(PageMeta(meta_authors=["Redaktion"]), None, None) == []


def test_a_json_ld_person_also_typed_organization_is_an_author_not_the_site():
    profile = {"@type": ["Person", "Organization"], "@id": "https://example.com/#/person/1", "name": "Kyle Wiggers"}
    article = {"@type": "NewsArticle", "headline": "H", "author": [profile], "publisher": {"@type": "Organization", "name": "TechNews"}}
    meta = _page("<p>text</p>", {"@graph": [article, profile]})
    assert "Kyle Wiggers" not in meta.site_names
    assert choose_authors(meta, "Kyle Wiggers", "https://technews.example/2024/x") == ["Kyle Wiggers"]


def test_a_name_starting_with_the_host_name_is_a_desk_or_an_account():
    assert choose_authors(PageMeta(meta_authors=["David Straub, MDR THÜRINGEN"]), None, "https://www.mdr.de/x") == ["David Straub"]
    assert choose_authors(PageMeta(json_ld_authors=[("Ilanga D", "")]), None, "https://ilanganews.co.za/x") == []
    # the same first name on an unrelated host is a person
    assert choose_authors(PageMeta(json_ld_authors=[("Ilanga Dube", "")]), None, "https://example.com/x") == ["Ilanga Dube"]


def test_visible_byline_names_the_author_when_metadata_does_not():
    meta = _page('<div class="meta"><p class="author">von <a href="mailto:d@x.de">David Straub, MDR THÜRINGEN</a></p></div><p>text</p>')
    assert meta.bylines == ["von David Straub, MDR THÜRINGEN"]
    assert choose_authors(meta, None, "https://www.mdr.de/x") == ["David Straub"]
    meta = _page('<p class="meta">von <a href="/autoren/name/max-kolter">Dr. Max Kolter</a></p><p>text</p>')
    assert choose_authors(meta, None, "https://www.lto.de/x") == ["Dr. Max Kolter"]


def test_visible_byline_block_completes_a_metadata_author_list():
    block = (
        '<div class="bylines">'
        '<div class="byline column"><a rel="author" href="mailto:a@db.no">Ingrid Treborg</a></div>'
        '<div class="byline column"><a rel="author" href="mailto:b@db.no">Marlene Lundberg Holm</a></div>'
        "</div><p>text</p>"
    )
    meta = _page(block, {"@type": "NewsArticle", "author": [{"@type": "Person", "name": "Marlene Lundberg Holm"}]})
    assert meta.bylines == ["Ingrid Treborg; Marlene Lundberg Holm"]
    assert choose_authors(meta, None, "https://www.dagbladet.no/x") == ["Ingrid Treborg", "Marlene Lundberg Holm"]


def test_bylines_elsewhere_on_the_page_do_not_join_the_authors():
    page = (
        '<span class="author">Nicole Opitz</span><p>text</p>'
        '<aside><span class="author">Von Related Writer</span></aside>'
        '<div class="comments"><div class="author">Reader Name</div></div>'
        '<div class="teaser"><span class="author">von Isabella Caldart</span></div>'
        '<p>Next story <span class="author">von Other Writer</span></p>'
    )
    meta = _page(page, {"@type": "NewsArticle", "author": {"@type": "Person", "name": "Nicole Opitz"}})
    assert meta.bylines == ["Nicole Opitz", "von Other Writer"]
    assert choose_authors(meta, None, "https://taz.de/x") == ["Nicole Opitz"]
