"""Behaviour of newslake.geocode: offline gazetteer look-ups and the disambiguation rule."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))  # include/ is not a package root

from newslake.geocode import Gazetteer, Place, geocode_mentions  # noqa: E402
from newslake.schemas import EntityMention  # noqa: E402


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


def mention(text: str, label: str = "GPE") -> EntityMention:
    return EntityMention(text, label, 0, len(text), 0, text)


def test_paris_defaults_to_france_and_follows_a_state_or_qualifier_but_not_a_weak_country_context(gazetteer):
    assert gazetteer.resolve("Paris").country_code == "FR"
    assert gazetteer.resolve("Paris", context_countries=["France"]).country_code == "FR"
    # Paris, Texas has 1/86 of the French capital's population: a US context alone is not enough.
    assert gazetteer.resolve("Paris", context_countries=["US"]).country_code == "FR"
    for texas in (gazetteer.resolve("Paris", context_countries=["Texas"]), gazetteer.resolve("Paris", within="Texas")):
        assert texas.country_code == "US" and texas.feature_type == "city"


def test_country_context_picks_a_comparable_city_and_a_us_state_counts_as_us(gazetteer):
    assert gazetteer.resolve("Santa Clara").country_code == "CU"  # most populous without context
    assert gazetteer.resolve("Santa Clara", context_countries=["US"]).country_code == "US"
    assert gazetteer.resolve("Santa Clara", context_countries=["California"]).country_code == "US"
    assert gazetteer.resolve("Geneva", context_countries=["US"]).country_code == "CH"  # 9x larger
    assert gazetteer.resolve("Washington", context_countries=["US"]).canonical == "Washington"
    assert gazetteer.resolve("Washington", context_countries=["US"]).feature_type == "city"


def test_geocode_mentions_reads_a_state_written_after_the_city(gazetteer):
    text = "Speaking in Paris, Texas on Monday"
    mentions = [
        EntityMention("Paris", "GPE", 12, 17, 0, "Paris"),
        EntityMention("Texas", "GPE", 19, 24, 0, "Texas"),
    ]
    assert [text[m.start : m.end] for m in mentions] == ["Paris", "Texas"]
    paris, texas = geocode_mentions(mentions, gazetteer)
    assert (paris.country_code, paris.feature_type) == ("US", "city")
    assert texas.feature_type == "admin"


@pytest.mark.parametrize(
    ("name", "feature", "canonical"),
    [
        ("Europe", "continent", "Europe"),
        ("Asia", "continent", "Asia"),
        ("Latin America", "region", "Latin America"),
        ("the Middle East", "region", "Middle East"),
        ("East Africa", "region", "East Africa"),
    ],
)
def test_continents_and_world_regions_resolve_without_a_country(gazetteer, name, feature, canonical):
    place = gazetteer.resolve(name)
    assert (place.feature_type, place.canonical, place.country_code) == (feature, canonical, None)
    assert place.resolved and place.latitude is not None


def test_emirates_alone_is_not_taken_for_the_country(gazetteer):
    assert not gazetteer.resolve("Emirates").resolved
    assert gazetteer.resolve("UAE").country_code == "AE"


def test_dubai_resolves_to_the_emirati_city_with_coordinates(gazetteer):
    place = gazetteer.resolve("Dubai")
    assert (place.country_code, place.feature_type) == ("AE", "city")
    assert place.latitude == pytest.approx(25.1, abs=0.5) and place.longitude == pytest.approx(55.3, abs=0.5)


def test_unknown_place_keeps_the_mention_with_null_fields(gazetteer):
    place = gazetteer.resolve("Xyzzyville")
    assert place == Place(mention="Xyzzyville", canonical="Xyzzyville")
    assert not place.resolved


@pytest.mark.parametrize(
    ("name", "code"),
    [("Russian Federation", "RU"), ("the United States", "US"), ("U.S.", "US"), ("UK", "GB"), ("Georgia", "GE")],
)
def test_country_names_and_aliases_win_and_get_capital_coordinates(gazetteer, name, code):
    place = gazetteer.resolve(name)
    assert (place.country_code, place.feature_type) == (code, "country")
    assert place.latitude is not None and place.longitude is not None


def test_geocode_mentions_uses_country_and_nationality_mentions_as_context(gazetteer):
    mentions = [
        mention("American", "NORP"),
        mention("Santa Clara"),
        mention("Acme Corp", "ORG"),
        mention("Nowhere-on-Sea", "LOC"),
    ]
    places = geocode_mentions(mentions, gazetteer)
    assert [p.mention for p in places] == ["Santa Clara", "Nowhere-on-Sea"]  # places only, unresolved kept
    assert places[0].country_code == "US"
    assert places[1].geonames_id is None
