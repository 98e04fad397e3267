"""Crawl state by key: URLs -> their `url_state` rows, and staged rows -> one MERGE.

`url_state` holds one row per URL ever fetched (validators for conditional GETs, where the body
lies in the raw layer). It grows by a day's URLs every day, so nothing here reads it whole: the
table is partitioned by `url_bucket` (a hash of the URL), a lookup lists only the files of its
URLs' buckets, and the MERGE matches on (url_bucket, url), so it reads and rewrites only the
buckets its rows fall in. Discovery orders a day's candidates by bucket (`batch_order`), so one
fetch batch of a large day touches one or two buckets.

Lakes written before the buckets kept an unpartitioned table at `state/urls`; the first write
moves it into the bucketed table (`migrate_legacy`), and lookups read it until then.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from newslake import lake
from newslake.storage import LakeLocation
from newslake.urls import url_bucket

log = logging.getLogger(__name__)

LEGACY_PATH = "state/urls"  # the unpartitioned table of lakes written before url_bucket
LOOKUP_COLUMNS = ["url", "etag", "last_modified", "warc_path", "warc_offset"]


def with_buckets(rows: pa.Table) -> pa.Table:
    """`rows` with `url_bucket` computed from `url` where it is missing (fetch stages it already)."""
    if "url_bucket" in rows.column_names and rows.column("url_bucket").null_count == 0:
        return rows
    buckets = pa.array([url_bucket(u) for u in rows.column("url").to_pylist()], pa.int16())
    if "url_bucket" in rows.column_names:
        return rows.set_column(rows.column_names.index("url_bucket"), "url_bucket", buckets)
    return rows.append_column("url_bucket", buckets)


def lookup(location: LakeLocation, urls: Sequence[str], columns: Sequence[str] = LOOKUP_COLUMNS) -> dict[str, dict]:
    """Crawl state of these URLs, {url: row}; reads only the files of their buckets."""
    if not urls:
        return {}
    wanted = pa.array(sorted(set(urls)), pa.string())
    if lake.open_table(location, "url_state") is None:
        table = _legacy_table(location)
        if table is None:
            return {}
    else:
        buckets = sorted({url_bucket(u) for u in urls})
        table = lake.read_table(location, "url_state", columns=list(columns), partitions=[("url_bucket", "in", buckets)])
    # compared as plain strings: MERGE writes string_view columns, which is_in cannot match with string values
    urls_column = table.column("url").cast(pa.string())
    rows = table.filter(pc.is_in(urls_column, value_set=wanted)).select(list(columns)).to_pylist()
    return {row["url"]: row for row in rows}


def _legacy_table(location: LakeLocation) -> pa.Table | None:
    try:
        legacy = DeltaTable(location.uri(LEGACY_PATH), storage_options=location.delta_options())
    except TableNotFoundError:
        return None
    # the log's file list on pyarrow's own filesystem, as `lake.dataset` reads (see why there)
    filesystem, _ = location.filesystem()
    prefix = "file://" if location.is_local else "s3://"
    paths = [uri[len(prefix) :] if uri.startswith(prefix) else uri for uri in legacy.file_uris()]
    return ds.dataset(paths, format="parquet", filesystem=filesystem).to_table()


def migrate_legacy(location: LakeLocation) -> int:
    """Move an unpartitioned `state/urls` table into the bucketed `url_state` (once, under the write lock)."""
    if lake.open_table(location, "url_state") is not None:
        return 0
    legacy = _legacy_table(location)
    if legacy is None or not legacy.num_rows:
        return 0
    rows = with_buckets(legacy.select([c for c in legacy.column_names if c != "url_bucket"]))
    log.info("url_state: moving %d rows of the unpartitioned table at %s into buckets", rows.num_rows, LEGACY_PATH)
    return lake.merge_by_key(location, "url_state", rows, "url", keep_on_update=["first_seen"])


MERGE_ROWS = 200_000  # staged rows per MERGE: bounds the join's memory on a day of a million URLs


def merge(location: LakeLocation, rows: pa.Table) -> int:
    """Upsert staged rows by url (first_seen kept for known URLs).

    One MERGE per group of consecutive buckets holding at most MERGE_ROWS rows, so each join
    reads only its buckets and memory follows MERGE_ROWS, not the day. A crash between two
    MERGEs leaves some buckets updated; the re-run's upsert of the same rows completes it.
    """
    if not rows.num_rows:
        return 0
    migrate_legacy(location)
    rows = with_buckets(rows).sort_by("url_bucket")
    buckets = rows.column("url_bucket").to_numpy()
    merged, start = 0, 0
    while start < len(buckets):
        end = min(start + MERGE_ROWS, len(buckets))
        if end < len(buckets):  # end the group at a bucket boundary (a bucket is never split)
            boundary = int(np.searchsorted(buckets, buckets[end], "left"))
            end = boundary if boundary > start else int(np.searchsorted(buckets, buckets[end], "right"))
        merged += lake.merge_by_key(location, "url_state", rows.slice(start, end - start), "url", keep_on_update=["first_seen"])
        start = end
    return merged
