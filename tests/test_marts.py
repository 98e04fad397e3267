"""Tests for newslake.marts: daily aggregates rebuilt from the silver tables."""

from __future__ import annotations

from collections import Counter

from newslake import lake, marts
from tests import synthetic_lake


def test_rebuild_counts_articles_and_mentions_per_entity_and_place(tmp_path):
    location = synthetic_lake.build(str(tmp_path / "lake"))
    day = synthetic_lake.DAYS[1]
    written = marts.rebuild_marts(location, [day])
    entities = lake.read_table(location, "entities", day).to_pylist()
    mentions = Counter((e["canonical"], e["label"]) for e in entities)
    articles = Counter((canonical, label) for canonical, label, _ in {(e["canonical"], e["label"], e["article_id"]) for e in entities})
    daily = lake.read_table(location, "entity_daily", day).to_pylist()
    assert written["entity_daily"] == len(daily) == len(mentions)
    assert {(r["canonical"], r["label"]): (r["articles"], r["mentions"]) for r in daily} == {k: (articles[k], mentions[k]) for k in mentions}
    assert [r["articles"] for r in daily] == sorted((r["articles"] for r in daily), reverse=True)  # most-mentioned first
    places = lake.read_table(location, "place_daily", day).to_pylist()
    assert sum(p["mentions"] for p in places) == lake.read_table(location, "places", day).num_rows
    assert {p["partition_date"] for p in daily + places} == {day}


def test_a_day_without_entities_gets_empty_marts(tmp_path):
    location = synthetic_lake.build(str(tmp_path / "lake"), tables=("articles",))
    assert marts.rebuild_marts(location, [synthetic_lake.DAYS[0]]) == {"entity_daily": 0, "place_daily": 0}
