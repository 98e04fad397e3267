"""Catalog: the lake's table names by layer -> their Airflow asset URIs.

Kept apart from `schemas.py` (which imports pyarrow) so DAG files can name the tables and assets
at parse time without importing anything heavy; `schemas.py` re-exports these names.
"""

from __future__ import annotations

SILVER_TABLES = ("articles", "entities", "places", "mentioned_dates", "failures", "source_daily", "url_state", "neardup_bands")  # written by news_ingest
GOLD_TABLES = ("entity_daily", "place_daily")  # rebuilt from the silver tables (news_ingest's marts task, news_marts)


def table_asset_uri(name: str) -> str:
    """URI of the Airflow asset that stands for lake table `name` (events carry the partition_date)."""
    return f"newslake://lake/{name}"


def asset_extra(name: str) -> dict[str, str]:
    """What the Airflow Assets page shows for a table's asset (events add the day they changed)."""
    layer = "silver" if name in SILVER_TABLES else "gold" if name in GOLD_TABLES else "other"
    partitioned = name != "url_state"
    partitioned_by = {"url_state": "url_bucket (hash of the url; MERGE by url)", "neardup_bands": "partition_date (UTC day), band_prefix"}
    return {
        "table": name,
        "layer": layer,
        "partitioned_by": partitioned_by.get(name, "partition_date (UTC day)"),
        "event_extra": "partition_date: the day whose slice was replaced" if partitioned else "partition_date: the run's day",
        "columns": "docs/schema.md",
    }
