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
from newslake.urls import URL_BUCKETS, url_bucket

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
        return _matching_rows(table.to_batches(), wanted, columns)
    buckets = sorted({url_bucket(u) for u in urls})
    # streamed batch by batch: URLs spread over every bucket would otherwise load the whole table
    batches = lake.dataset(location, "url_state", partitions=[("url_bucket", "in", buckets)]).to_batches(columns=list(columns))
    return _matching_rows(batches, wanted, columns)


def _matching_rows(batches, wanted: pa.Array, columns: Sequence[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for batch in batches:
        # compared as plain strings: MERGE writes string_view columns, which is_in cannot match with string values
        matches = batch.filter(pc.is_in(batch.column("url").cast(pa.string()), value_set=wanted))
        found.update((row["url"], row) for row in matches.select(list(columns)).to_pylist())
    return found


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


MERGE_ROWS = 200_000  # staged rows per upsert commit: bounds the staged side on a day of a million URLs
MERGE_TARGET_ROWS = 500_000  # stored rows per upsert commit: bounds the side read from the table as it grows


def merge_groups(staged: np.ndarray, stored: np.ndarray, max_staged: int = MERGE_ROWS, max_stored: int = MERGE_TARGET_ROWS) -> list[tuple[int, int]]:
    """Consecutive bucket ranges [first, last) to upsert one commit at a time.

    `staged[b]` and `stored[b]` are the rows of bucket b in the staged rows and in the table.
    A range grows until one more bucket would pass either bound; a bucket is never split, so a
    single bucket above a bound is a range of its own. Buckets without staged rows are skipped.
    """
    groups: list[tuple[int, int]] = []
    first, staged_sum, stored_sum = None, 0, 0
    for bucket in range(len(staged)):
        if not staged[bucket]:
            continue
        if first is not None and (staged_sum + staged[bucket] > max_staged or stored_sum + stored[bucket] > max_stored):
            groups.append((first, bucket))
            first = None
        if first is None:
            first, staged_sum, stored_sum = bucket, 0, 0
        staged_sum += int(staged[bucket])
        stored_sum += int(stored[bucket])
        last = bucket
    if first is not None:
        groups.append((first, last + 1))
    return groups


def stored_rows_per_bucket(location: LakeLocation) -> np.ndarray:
    """Rows of each bucket in the current table version, from the log's per-file record counts (no data read)."""
    table = lake.open_table(location, "url_state")
    counts = np.zeros(URL_BUCKETS, np.int64)
    if table is None:
        return counts
    actions = pa.table(table.get_add_actions(flatten=True))
    np.add.at(counts, actions.column("partition.url_bucket").to_numpy(zero_copy_only=False).astype(np.int64), actions.column("num_records").to_numpy(zero_copy_only=False))
    return counts


def merge(location: LakeLocation, rows: pa.Table) -> int:
    """Upsert staged rows by url (first_seen kept for known URLs, the last staged row of a URL wins).

    The work is split into ranges of consecutive buckets (`merge_groups`), each holding at most
    MERGE_ROWS staged rows and MERGE_TARGET_ROWS stored rows, and each range is one commit that
    rewrites just its buckets (`_upsert_buckets`): memory follows those bounds, not the day or
    the table. A crash between two commits leaves some buckets updated; the re-run's upsert of
    the same rows completes it.
    """
    if not rows.num_rows:
        return 0
    migrate_legacy(location)
    rows = _last_per_url(with_buckets(rows)).sort_by("url_bucket")
    if lake.open_table(location, "url_state") is None:
        return lake.merge_by_key(location, "url_state", rows, "url", keep_on_update=["first_seen"])
    buckets = rows.column("url_bucket").to_numpy()
    staged = np.bincount(buckets, minlength=URL_BUCKETS)
    merged = 0
    for first, last in merge_groups(staged, stored_rows_per_bucket(location), MERGE_ROWS, MERGE_TARGET_ROWS):
        start, end = int(np.searchsorted(buckets, first, "left")), int(np.searchsorted(buckets, last, "left"))
        merged += _upsert_buckets(location, rows.slice(start, end - start), list(range(first, last)))
    return merged


def _last_per_url(rows: pa.Table) -> pa.Table:
    """One row per url, the last staged (a URL fetched twice in a day keeps its latest state)."""
    numbered = rows.append_column("_i", pa.array(np.arange(rows.num_rows)))
    last = numbered.group_by("url", use_threads=False).aggregate([("_i", "max")]).column("_i_max")
    return rows.take(np.sort(last.to_numpy())) if len(last) < rows.num_rows else rows


def _upsert_buckets(location: LakeLocation, staged: pa.Table, buckets: Sequence[int]) -> int:
    """Rewrite `buckets` of url_state as their stored rows upserted with `staged` (one commit).

    The same result as a Delta MERGE on (url_bucket, url), computed in Arrow on just these
    buckets: delta-rs's MERGE was measured to need about 1.9 GB for 200k rows into a 3M-row
    table, and more when split into more MERGEs (the join's memory is not released between them).
    """
    schema = lake.TABLES["url_state"]
    staged = staged.select(schema.names).cast(schema)
    # cast: files written by an earlier MERGE hold string_view columns
    stored = lake.read_table(location, "url_state", partitions=[("url_bucket", "in", list(buckets))]).select(schema.names).cast(schema)
    is_known = pc.is_in(stored.column("url"), value_set=staged.column("url"))
    known = stored.filter(is_known).select(["url", "first_seen"]).rename_columns(["url", "_stored_first_seen"])
    updated = staged.join(known, "url", join_type="left outer", use_threads=False)
    first_seen = pc.coalesce(updated.column("_stored_first_seen"), updated.column("first_seen"))
    updated = updated.set_column(updated.column_names.index("first_seen"), "first_seen", first_seen).select(schema.names)
    result = pa.concat_tables([stored.filter(pc.invert(is_known)), updated.cast(schema)])
    del stored, updated
    lake.overwrite_partitions(location, "url_state", result, [("url_bucket", "in", list(buckets))])
    return staged.num_rows
