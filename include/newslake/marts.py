"""Marts: silver tables of one day -> gold daily aggregates for BI (`entity_daily`, `place_daily`).

Rebuilt per `partition_date` from the lake (never from staging), so `news_marts` can recompute
any day whose silver slice changed, in any order, as often as it likes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from newslake import lake
from newslake.storage import LakeLocation


def entity_daily(entities: pa.Table, day: dt.date) -> pa.Table:
    """Articles and mentions per (canonical, label) for one day's entities."""
    if entities.num_rows == 0:
        return lake.TABLES["entity_daily"].empty_table()
    grouped = entities.group_by(["canonical", "label"]).aggregate([("article_id", "count_distinct"), ("article_id", "count")])
    return _finish(grouped, day, {"article_id_count_distinct": "articles", "article_id_count": "mentions"}, "entity_daily")


def place_daily(places: pa.Table, day: dt.date) -> pa.Table:
    """Articles and mentions per (country_code, place) for one day's places."""
    if places.num_rows == 0:
        return lake.TABLES["place_daily"].empty_table()
    grouped = places.group_by(["country_code", "canonical"]).aggregate([("article_id", "count_distinct"), ("article_id", "count")])
    return _finish(grouped, day, {"canonical": "place", "article_id_count_distinct": "articles", "article_id_count": "mentions"}, "place_daily")


def _finish(grouped: pa.Table, day: dt.date, renames: dict[str, str], name: str) -> pa.Table:
    grouped = grouped.rename_columns([renames.get(c, c) for c in grouped.column_names])
    grouped = grouped.append_column("partition_date", pa.array([day] * grouped.num_rows, pa.date32()))
    schema = lake.TABLES[name]
    order = pc.sort_indices(grouped, sort_keys=[("articles", "descending"), ("mentions", "descending")])
    return grouped.take(order).select(schema.names).cast(schema)


def rebuild_marts(location: LakeLocation, days: Iterable[dt.date]) -> dict[str, int]:
    """Recompute the gold slices of `days` from the silver tables; return rows written per table."""
    written = {"entity_daily": 0, "place_daily": 0}
    for day in sorted(set(days)):
        entities = lake.read_table(location, "entities", day, columns=["article_id", "canonical", "label"])
        places = lake.read_table(location, "places", day, columns=["article_id", "country_code", "canonical"])
        written["entity_daily"] += lake.replace_slice(location, "entity_daily", entity_daily(entities, day), day)
        written["place_daily"] += lake.replace_slice(location, "place_daily", place_daily(places, day), day)
    return written
