"""Gaps: the lake over the last N days -> days without a slice, and optionally their ingestion.

Used by the `news_gap_check` DAG. A day is missing when its `write` never committed (see
`newslake.status`). The window never reaches before the lake's first slice, so a fresh
deployment is not flagged for the days before it started.
"""

from __future__ import annotations

import datetime as dt
import logging

from newslake.config import Settings
from newslake.status import days_between, read_lake_days

log = logging.getLogger(__name__)


def first_slice_day(location) -> dt.date | None:
    """The earliest partition_date in `source_daily` (every written day has rows there)."""
    from newslake import lake

    days = lake.read_table(location, "source_daily", columns=["partition_date"]).column("partition_date").to_pylist()
    return min(days) if days else None


def check_window(location, today: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """[today - days, yesterday], clipped to start at the lake's first slice; empty (first > last) on an empty lake."""
    last = today - dt.timedelta(days=1)
    first = today - dt.timedelta(days=days)
    start = first_slice_day(location)
    if start is None:
        return today, last
    return max(first, start), last


def find_missing_days(location, first: dt.date, last: dt.date) -> list[dt.date]:
    held = read_lake_days(location, first, last)
    return [d for d in days_between(first, last) if d not in held]


def fill_days(settings: Settings, days: list[dt.date]) -> dict:
    """Ingest each missing day with the stage functions (in-process), then its marts and the views."""
    from newslake.marts import rebuild_marts
    from newslake.pipeline import RunContext, run_interval
    from newslake.query import refresh_sql_access

    filled = {}
    for day in days:
        start = dt.datetime.combine(day, dt.time(), dt.timezone.utc)
        ctx = RunContext.create(settings, start, start + dt.timedelta(days=1), f"gapfill_{day.isoformat()}")
        counts = run_interval(ctx)
        rebuild_marts(ctx.location, [day])
        filled[day.isoformat()] = counts.get("articles", 0)
        log.info("gap %s filled: %s articles", day, filled[day.isoformat()])
    if days:
        refresh_sql_access(settings)
    return filled
