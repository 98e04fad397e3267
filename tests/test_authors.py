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
