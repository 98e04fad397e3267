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


def test_paris_defaults_to_france_and_follows_the_article_countries(gazetteer):
    assert gazetteer.resolve("Paris").country_code == "FR"
    assert gazetteer.resolve("Paris", context_countries=["France"]).country_code == "FR"
    texas = gazetteer.resolve("Paris", context_countries=["US"])
    assert texas.country_code == "US" and texas.feature_type == "city"


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
        mention("Paris"),
        mention("Acme Corp", "ORG"),
        mention("Nowhere-on-Sea", "LOC"),
    ]
    places = geocode_mentions(mentions, gazetteer)
    assert [p.mention for p in places] == ["Paris", "Nowhere-on-Sea"]  # places only, unresolved kept
    assert places[0].country_code == "US"
    assert places[1].geonames_id is None
