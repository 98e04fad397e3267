"""Near-duplicate band index in the lake: a slice's articles -> `neardup_bands` rows and `duplicate_of`.

The write step marks each article that copies an earlier one of the slice or of the lake's days
within +-`near_duplicate_window_days`. Instead of comparing every article with every fingerprint
of the window, it reads the window's band index (`neardup_bands`, partitioned by day and index
part) one part at a time and checks exact distances only on articles sharing a probed band value
(`neardup.find_duplicate_of_indexed`): the same answer as the exhaustive search, with memory that
follows one part of the window. Days written before the index existed are indexed on the fly
from their `articles.simhash`.
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from newslake import lake, neardup
from newslake.storage import LakeLocation

log = logging.getLogger(__name__)

FINGERPRINT_COLUMNS = ["article_id", "simhash", "published_at"]


def band_rows(articles: pa.Table, partition_date: dt.date) -> pa.Table:
    """`neardup_bands` rows of a slice: one per article and band (articles without a fingerprint skipped)."""
    schema = lake.TABLES["neardup_bands"]
    articles = articles.select(FINGERPRINT_COLUMNS).filter(pc.is_valid(articles.column("simhash")))
    n = articles.num_rows
    prints = articles.column("simhash").to_numpy(zero_copy_only=False).astype(np.int64)
    values = neardup.band_values(prints)  # (n, BANDS)
    bands = np.tile(np.arange(neardup.BANDS), n)
    rows = np.repeat(np.arange(n), neardup.BANDS)
    flat = values.reshape(-1)
    taken = articles.take(pa.array(rows, pa.int64()))
    columns = {
        "partition_date": pa.array(np.full(len(rows), np.datetime64(partition_date, "D"))),
        "band_prefix": pa.array(neardup.band_prefix(bands, flat).astype(np.int16)),
        "band": pa.array(bands.astype(np.int8)),
        "band_value": pa.array(flat),
        "article_id": taken.column("article_id"),
        "simhash": taken.column("simhash"),
        "published_at": taken.column("published_at"),
    }
    return pa.table({f.name: columns[f.name].cast(f.type) for f in schema}, schema=schema)


def _window(partition_date: dt.date, window_days: int) -> list[tuple[str, str, object]]:
    """Partition filters for the other days of the +-window (the slice's own day excluded)."""
    return [
        ("partition_date", ">=", partition_date - dt.timedelta(days=window_days)),
        ("partition_date", "<=", partition_date + dt.timedelta(days=window_days)),
        ("partition_date", "!=", partition_date),
    ]


def _days_in(location: LakeLocation, name: str, window: list[tuple[str, str, object]]) -> set[dt.date]:
    """Days table `name` holds files for in the window (from the Delta log, no data read)."""
    table = lake.open_table(location, name)
    if table is None:
        return set()
    actions = pa.table(table.get_add_actions(flatten=True))
    days = set(actions.column("partition.partition_date").to_pylist()) if actions.num_rows else set()
    low, high, own = (v for _, _, v in window)
    return {d for d in days if low <= d <= high and d != own}


def _unindexed_rows(location: LakeLocation, window: list[tuple[str, str, object]]) -> pa.Table:
    """Band rows, built from `articles`, of window days the index does not hold (lakes written before it)."""
    missing = _days_in(location, "articles", window) - _days_in(location, "neardup_bands", window)
    if not missing:
        return lake.TABLES["neardup_bands"].empty_table()
    log.info("near-duplicates: indexing %d earlier days on the fly (written before the band index)", len(missing))
    parts = []
    for day in sorted(missing):
        articles = lake.read_table(location, "articles", day, columns=FINGERPRINT_COLUMNS, filter=pc.field("simhash").is_valid())
        parts.append(band_rows(articles, day))
    return pa.concat_tables(parts)


def mark_near_duplicates(location: LakeLocation, articles: pa.Table, partition_date: dt.date, window_days: int) -> pa.Table:
    """`articles` with `duplicate_of` filled from the slice itself and the window's band index."""
    if not articles.num_rows:
        return articles
    window = _window(partition_date, window_days)
    unindexed = _unindexed_rows(location, window)
    indexed = lake.open_table(location, "neardup_bands") is not None

    def read_part(part: int) -> pa.Table:
        own_part = unindexed.filter(pc.equal(unindexed.column("band_prefix"), part)).select(FINGERPRINT_COLUMNS)
        if not indexed:
            return own_part
        stored = lake.read_table(location, "neardup_bands", columns=FINGERPRINT_COLUMNS, partitions=[*window, ("band_prefix", "=", part)])
        return pa.concat_tables([stored, own_part.cast(stored.schema)])

    columns = [articles.column(c).to_pylist() for c in FINGERPRINT_COLUMNS]
    fingerprints = [neardup.Fingerprint(*row) for row in zip(*columns, strict=True)]
    found = neardup.find_duplicate_of_indexed(fingerprints, read_part)
    duplicate_of = [found.get(i) for i in columns[0]]
    flagged = sum(d is not None for d in duplicate_of)
    if flagged:
        log.info("slice %s: %d syndicated copies of earlier articles flagged in duplicate_of", partition_date, flagged)
    field = lake.TABLES["articles"].field("duplicate_of")
    return articles.set_column(articles.schema.get_field_index("duplicate_of"), field, pa.array(duplicate_of, pa.string()))
