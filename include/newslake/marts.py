"""Marts: silver tables of one day -> gold daily aggregates for BI (`entity_daily`, `place_daily`).

Rebuilt per `partition_date` from the lake (never from staging), so `news_marts` can recompute
any day whose silver slice changed, in any order, as often as it likes.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

from newslake import lake
from newslake.storage import LakeLocation

# DuckDB streams the day's rows and spills to disk past this, so a rebuild of a day of 25M
# entity mentions (1M articles) stays within a worker's memory whatever the day's size. The
# process peaks well above it (measured at 25M rows: 1.8 GB at 1GB, 1.36 GB at 500MB, 1.13 GB at
# 256MB, and 256MB was the fastest of the three).
AGGREGATE_MEMORY_LIMIT = "256MB"
MENTION_COLUMNS = ["article_id", "canonical", "label", "country_code"]  # of entities or places


def _aggregate(rows: pa.Table | ds.Dataset, keys: str, name: str, day: dt.date) -> pa.Table:
    """Articles (distinct ids) and mentions per group, most-mentioned first, in mart `name`'s schema."""
    spill = os.path.join(tempfile.gettempdir(), "newslake-duckdb")  # not the task's working directory
    con = duckdb.connect(config={"memory_limit": AGGREGATE_MEMORY_LIMIT, "threads": 2, "temp_directory": spill})
    try:
        if isinstance(rows, ds.Dataset):
            # a reader over just the needed columns with little read-ahead: the Arrow scan's own
            # buffers are outside DuckDB's memory limit (measured: 2.4 GB for 25M rows by default)
            rows = ds.Scanner.from_dataset(rows, columns=[c for c in MENTION_COLUMNS if c in rows.schema.names], batch_size=64_000, batch_readahead=1, fragment_readahead=1).to_reader()
        con.register("mentions", rows)
        grouped = con.sql(
            f"SELECT {keys}, count(DISTINCT article_id)::INTEGER AS articles, count(*)::INTEGER AS mentions "
            "FROM mentions GROUP BY ALL ORDER BY articles DESC, mentions DESC"
        ).to_arrow_table()
    finally:
        con.close()
    grouped = grouped.append_column("partition_date", pa.array([day] * grouped.num_rows, pa.date32()))
    schema = lake.TABLES[name]
    return grouped.select(schema.names).cast(schema)


def entity_daily(entities: pa.Table | ds.Dataset, day: dt.date) -> pa.Table:
    """Articles and mentions per (canonical, label) for one day's entities."""
    return _aggregate(entities, "canonical, label", "entity_daily", day)


def place_daily(places: pa.Table | ds.Dataset, day: dt.date) -> pa.Table:
    """Articles and mentions per (country_code, place) for one day's places."""
    return _aggregate(places, "country_code, canonical AS place", "place_daily", day)


def rebuild_marts(location: LakeLocation, days: Iterable[dt.date]) -> dict[str, int]:
    """Recompute the gold slices of `days` from the silver tables; return rows written per table."""
    written = {"entity_daily": 0, "place_daily": 0}
    for day in sorted(set(days)):
        entities = lake.dataset(location, "entities", day)  # streamed by DuckDB, never loaded whole
        places = lake.dataset(location, "places", day)
        written["entity_daily"] += lake.replace_slice(location, "entity_daily", entity_daily(entities, day), day)
        written["place_daily"] += lake.replace_slice(location, "place_daily", place_daily(places, day), day)
    return written
