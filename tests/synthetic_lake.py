"""A small, deterministic lake written straight through `lake.replace_slice` (no crawl, no spaCy).

Rows are built generically from `schemas.TABLES`: the columns given here, and a neutral value for
every other non-nullable column, so the helper keeps working when a schema gains a column.
Contents (per day of `DAYS`): three sources, articles with and without dates, PERSON/ORG/GPE
entities whose counts change by day, geocoded places and a few failures.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from newslake import lake
from newslake.schemas import TABLES
from newslake.storage import LakeLocation

DAYS = [dt.date(2025, 3, 10) + dt.timedelta(days=i) for i in range(4)]
SOURCES = ["alpha-news", "beta-post", "gamma-wire"]
PEOPLE = ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
PLACES = [("London", "GB"), ("Paris", "FR"), ("Berlin", "DE"), ("Manchester", "GB")]


def _neutral(field: pa.Field, day: dt.date):
    if field.nullable:
        return None
    t = field.type
    if pa.types.is_string(t):
        return ""
    if pa.types.is_boolean(t):
        return True
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return 0
    if pa.types.is_date(t):
        return day
    if pa.types.is_timestamp(t):
        return dt.datetime.combine(day, dt.time(12), dt.UTC)
    if pa.types.is_list(t):
        return []
    raise TypeError(f"no neutral value for {field}")


def rows_for(name: str, given: list[dict], day: dt.date) -> pa.Table:
    schema = TABLES[name]
    full = [{f.name: row.get(f.name, _neutral(f, day)) for f in schema} for row in given]
    return lake.to_table(name, full)


def day_rows(day: dt.date, index: int) -> dict[str, list[dict]]:
    """Rows of every silver table for one day (article counts per source vary with the day)."""
    articles, entities, places, failures = [], [], [], []
    for s, source in enumerate(SOURCES):
        for k in range(1 + (index + s) % 3):
            aid = f"{day:%m%d}{s}{k}".ljust(20, "0")
            dated = k != 1
            articles.append(
                {
                    "article_id": aid,
                    "partition_date": day,
                    "source": source,
                    "url": f"https://{source}.example/{day}/{k}",
                    "title": f"{source} story {k} on {day}",
                    "text": "Ada Lovelace met Alan Turing in London.",
                    "published_at": dt.datetime.combine(day, dt.time(8 + k), dt.UTC) if dated else None,
                    "date_precision": "time" if dated else "none",
                    "word_count": 7,
                    "entity_count": 3,
                    "http_status": 200,
                    "fetched_at": dt.datetime.combine(day, dt.time(23), dt.UTC),
                    "language": "en",
                }
            )
            people = PEOPLE[: 1 + (index + k) % 3]
            for p, person in enumerate(people):
                entities.append(
                    {
                        "article_id": aid,
                        "partition_date": day,
                        "mention": person,
                        "label": "PERSON",
                        "canonical": person,
                        "start_char": p * 10,
                        "end_char": p * 10 + 5,
                    }
                )
            entities.append(
                {
                    "article_id": aid,
                    "partition_date": day,
                    "mention": "Acme",
                    "label": "ORG",
                    "canonical": "Acme Corp",
                    "start_char": 90,
                    "end_char": 94,
                }
            )
            name, code = PLACES[(index + s + k) % len(PLACES)]
            entities.append(
                {"article_id": aid, "partition_date": day, "mention": name, "label": "GPE", "canonical": name, "start_char": 100, "end_char": 106}
            )
            places.append(
                {
                    "article_id": aid,
                    "partition_date": day,
                    "mention": name,
                    "canonical": name,
                    "country_code": code,
                    "start_char": 100,
                    "end_char": 106,
                }
            )
        if s == 2:
            failures.append(
                {
                    "partition_date": day,
                    "source": source,
                    "url": f"https://{source}.example/{day}/bad",
                    "stage": "fetch",
                    "reason": "HTTP 503",
                    "http_status": 503,
                    "attempt": 3,
                    "failed_at": dt.datetime.combine(day, dt.time(23), dt.UTC),
                }
            )
    return {"articles": articles, "entities": entities, "places": places, "failures": failures}


def build(root: str, days: list[dt.date] = DAYS, tables: tuple[str, ...] = ("articles", "entities", "places", "failures")) -> LakeLocation:
    """Write the silver tables for `days` under `root`; marts are left to the query fallbacks."""
    location = LakeLocation.from_settings(str(root))
    for index, day in enumerate(days):
        rows = day_rows(day, index)
        for name in tables:
            if name in TABLES:
                lake.replace_slice(location, name, rows_for(name, rows[name], day), day)
    return location
