"""Lake: record tables -> Delta Lake tables (partitioned, zstd Parquet + transaction log).

Every write replaces exactly one `partition_date` slice in one atomic Delta commit (an overwrite
limited to the slice's partition: the slice's files written by `deltafiles` and committed as one
transaction, or `write_deltalake` with a predicate when the table is new or gains a column), so
re-running a day changes nothing and a crashed write leaves nothing visible: the commit either
lands or it does not (files of a commit that never landed are unreferenced; vacuum removes them).
Two writers racing on one table get a `CommitFailedError` from deltalake instead of a corrupt
partition; we retry those.
Readers go through the Delta log (`read_table`), never a Parquet glob, which would return files
an overwrite has logically removed but not yet vacuumed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable, WriterProperties, write_deltalake
from deltalake.exceptions import CommitFailedError, TableNotFoundError

from newslake import deltafiles
from newslake.errors import LakeError
from newslake.schemas import TABLE_PATHS, TABLES, partition_columns
from newslake.storage import LakeLocation

log = logging.getLogger(__name__)

PARTITION_COLUMN = "partition_date"
COMMIT_ATTEMPTS = 5
WRITER_PROPERTIES = WriterProperties(compression="ZSTD", compression_level=1)
# A Parquet writer holds a whole row group in memory before it flushes. Article rows carry ~4 KB
# of text, so their row groups are kept small: a day of 1M articles is written in ~32 MB steps
# instead of one 4 GB buffer (measured: the articles commit was the write step's peak, growing
# with the day).
ROW_GROUP_ROWS = {"articles": 8_192}
DEFAULT_ROW_GROUP_ROWS = 131_072
# rows per data file of a slice: ~100 MB of zstd Parquet for articles, fewer, larger files for narrow tables
FILE_ROWS = {"articles": 100_000}
DEFAULT_FILE_ROWS = 2_000_000


def writer_properties(name: str) -> WriterProperties:
    """zstd level 1, with row groups sized so the writer's buffer stays small for table `name`."""
    return WriterProperties(compression="ZSTD", compression_level=1, max_row_group_size=ROW_GROUP_ROWS.get(name, DEFAULT_ROW_GROUP_ROWS))


def to_table(name: str, rows: Sequence[dict]) -> pa.Table:
    """Rows -> a pyarrow table with the lake schema of `name` (types enforced, columns ordered)."""
    schema = TABLES[name]
    return pa.Table.from_pylist(list(rows), schema=schema)


def replace_slice(location: LakeLocation, name: str, table: pa.Table | Callable[[], Iterable[pa.RecordBatch]], partition_date: dt.date) -> int:
    """Atomically replace the `partition_date` slice of table `name`; return the row count written.

    `table` is a pyarrow table, or a function returning a fresh iterator of record batches each
    time it is called (one call per commit attempt): a day too large for memory is streamed into
    the commit batch by batch, so memory follows the batch size, not the day.
    """
    schema = TABLES[name]
    if isinstance(table, pa.Table):
        table = table.select(schema.names).cast(schema)
        wrong = [d for d in pc.unique(table.column(PARTITION_COLUMN)).to_pylist() if d != partition_date]
        if wrong:
            raise LakeError(f"{name}: rows for {wrong[0]} cannot be written into slice {partition_date}")
        batches = table.to_batches
    else:
        batches = table
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        written = _RowCount()
        reader = pa.RecordBatchReader.from_batches(schema, _conformed(name, batches(), partition_date, written))
        try:
            overwrite_partitions(location, name, reader, [(PARTITION_COLUMN, "=", partition_date)])
        except CommitFailedError as exc:
            if attempt == COMMIT_ATTEMPTS:
                raise LakeError(f"{name}: could not commit slice {partition_date} after {attempt} attempts ({exc}); re-run the task") from exc
            log.warning("%s: concurrent commit on slice %s, retrying (%d)", name, partition_date, attempt)
            time.sleep(random.uniform(0.1, 0.4) * 2**attempt)
            continue
        except Exception as exc:  # a batch with rows of another day, raised inside the writer
            if written.error is not None:
                raise written.error from exc
            raise
        # Two writers that both found the slice empty commit as blind appends, which Delta's
        # conflict check lets through (measured: duplicated rows). Verify the slice holds exactly
        # what we wrote; if a concurrent writer's rows are there too, overwrite again: the next
        # overwrite sees and removes them.
        landed = _slice_rows(location, name, partition_date)
        if landed == written.rows:
            return written.rows
        if attempt == COMMIT_ATTEMPTS:
            raise LakeError(f"{name}: slice {partition_date} holds {landed} rows after writing {written.rows}: a concurrent writer keeps racing; re-run the task")
        log.warning("%s: slice %s holds %d rows after writing %d (concurrent writer); rewriting", name, partition_date, landed, written.rows)
        time.sleep(random.uniform(0.1, 0.4) * 2**attempt)
    raise AssertionError("unreachable")


def overwrite_partitions(location: LakeLocation, name: str, data: pa.RecordBatchReader | pa.Table, filters: Sequence[tuple[str, str, object]]) -> None:
    """One commit replacing the partitions `filters` select ((column, "=" or "in", value)) with `data`.

    Into an existing table with every column of the schema, the files are written here and
    committed as one transaction (`deltafiles`: memory bounded by a row group). A new table, or
    one that lacks a column this version adds, goes through `write_deltalake`, which creates the
    table or merges the schema (old rows then read the new column as null).
    """
    schema = TABLES[name]
    table = open_table(location, name)
    filters = [(column, op, _partition_literal(value)) for column, op, value in filters]
    if table is None or not set(schema.names) <= {f.name for f in table.schema().fields}:
        write_deltalake(
            location.uri(table_path(name)),
            data,
            mode="overwrite",
            predicate=" AND ".join(_sql_condition(*f) for f in filters),
            partition_by=list(partition_columns(name)),
            schema_mode="merge",
            storage_options=location.delta_options(),
            writer_properties=writer_properties(name),
        )
        return
    filesystem, root = location.filesystem()
    batches = data.to_batches() if isinstance(data, pa.Table) else data
    actions = deltafiles.write_files(
        filesystem,
        f"{root}/{table_path(name)}",
        schema,
        partition_columns(name),
        batches,
        ROW_GROUP_ROWS.get(name, DEFAULT_ROW_GROUP_ROWS),
        FILE_ROWS.get(name, DEFAULT_FILE_ROWS),
    )
    table.create_write_transaction(actions, mode="overwrite", schema=table.schema(), partition_by=list(partition_columns(name)), partition_filters=filters)


def _sql_condition(column: str, op: str, value: str | list[str]) -> str:
    if op == "in":
        return f"{column} IN ({', '.join(repr(v) for v in value)})"
    return f"{column} {op} {value!r}"


class _RowCount:
    """Rows streamed into one commit, and the error that stopped the stream (if any)."""

    def __init__(self) -> None:
        self.rows = 0
        self.error: LakeError | None = None


def _conformed(name: str, batches: Iterable[pa.RecordBatch], partition_date: dt.date, count: _RowCount) -> Iterator[pa.RecordBatch]:
    """Batches in the table's schema (columns ordered, types cast), refusing rows of another day."""
    schema = TABLES[name]
    for batch in batches:
        if not batch.num_rows:
            continue
        table = pa.Table.from_batches([batch]).select(schema.names).cast(schema)
        wrong = [d for d in pc.unique(table.column(PARTITION_COLUMN)).to_pylist() if d != partition_date]
        if wrong:
            count.error = LakeError(f"{name}: rows for {wrong[0]} cannot be written into slice {partition_date}")
            raise count.error
        count.rows += table.num_rows
        yield from table.to_batches()


def _slice_rows(location: LakeLocation, name: str, partition_date: dt.date) -> int:
    """Rows the current table version holds in one slice, from the log's per-file record counts."""
    actions = pa.table(DeltaTable(location.uri(table_path(name)), storage_options=location.delta_options()).get_add_actions(flatten=True))
    in_slice = pc.equal(actions.column(f"partition.{PARTITION_COLUMN}"), pa.scalar(partition_date, pa.date32()))
    return int(pc.sum(actions.filter(in_slice).column("num_records")).as_py() or 0)


def table_path(name: str) -> str:
    """Folder of table `name` under the lake root (`url_state` lives in `state/url_state`)."""
    return TABLE_PATHS.get(name, name)


def merge_by_key(location: LakeLocation, name: str, rows: pa.Table, key: str, keep_on_update: Sequence[str] = ()) -> int:
    """Upsert `rows` into table `name` by `key` (one Delta MERGE commit).

    Columns in `keep_on_update` keep their stored value when a row is updated (e.g. first_seen).
    The key's partition columns (derived from the key, e.g. `url_bucket` of `url`) join the
    match condition, so the MERGE reads and rewrites only the partitions its rows fall in.
    """
    schema = TABLES[name]
    rows = rows.select(schema.names).cast(schema)
    table = open_table(location, name)
    partitions = list(partition_columns(name))
    if table is None:
        write_deltalake(
            location.uri(table_path(name)),
            rows,
            mode="append",
            partition_by=partitions or None,
            storage_options=location.delta_options(),
            writer_properties=WRITER_PROPERTIES,
        )
        return rows.num_rows
    updates = {c: f"s.{c}" for c in schema.names if c not in keep_on_update and c != key and c not in partitions}
    predicate = " AND ".join(f"t.{c} = s.{c}" for c in [*partitions, key])
    (
        table.merge(rows, predicate=predicate, source_alias="s", target_alias="t", writer_properties=WRITER_PROPERTIES)
        .when_matched_update(updates=updates)
        .when_not_matched_insert_all()
        .execute()
    )
    return rows.num_rows


def open_table(location: LakeLocation, name: str) -> DeltaTable | None:
    """The Delta table, or None when nothing was written yet. Open inside the task, never at import."""
    try:
        return DeltaTable(location.uri(table_path(name)), storage_options=location.delta_options())
    except TableNotFoundError:
        return None


def dataset(location: LakeLocation, name: str, partition_date: dt.date | None = None, partitions: Sequence[tuple[str, str, object]] = ()) -> ds.Dataset:
    """A pyarrow dataset of the table's current files (per the Delta log), on pyarrow's own filesystem.

    Reading through the log's file list (not a folder glob) skips files an overwrite removed.
    We build the dataset ourselves rather than use `DeltaTable.to_pyarrow_dataset()`: that one
    wraps a Python filesystem whose objects, released by Arrow threads at interpreter exit,
    abort the process (measured: exit 134 in 10 of 25 runs). Empty when the table is absent.
    `partitions` are (column, op, value) filters on partition columns: only matching files are
    listed, so a lookup by key reads only its partitions.
    """
    schema = TABLES[name]
    table = open_table(location, name)
    if table is None:
        return ds.dataset(schema.empty_table())
    if "deletionVectors" in (table.protocol().reader_features or []):
        raise LakeError(f"table '{name}' uses deletion vectors, which newslake's readers do not apply; rewrite it without them")
    columns = partition_columns(name)
    filters = [(c, op, _partition_literal(v)) for c, op, v in partitions]
    if partition_date and PARTITION_COLUMN in columns:
        filters.append((PARTITION_COLUMN, "=", partition_date.isoformat()))
    filesystem, root = location.filesystem()
    prefix = "s3://" if not location.is_local else "file://"
    paths = [uri[len(prefix) :] if uri.startswith(prefix) else uri for uri in table.file_uris(file_pruning_predicate=filters or None)]
    if not columns:
        return ds.dataset(paths, schema=schema, format="parquet", filesystem=filesystem)
    partitioning = ds.partitioning(pa.schema([schema.field(c).with_nullable(True) for c in columns]), flavor="hive")
    return ds.dataset(paths, schema=schema, format="parquet", filesystem=filesystem, partitioning=partitioning, partition_base_dir=f"{root}/{table_path(name)}")


def _partition_literal(value: object) -> str | list[str]:
    if isinstance(value, list | tuple | set | frozenset):
        return [_partition_literal(v) for v in value]  # type: ignore[misc]
    return deltafiles.partition_value(value)


def read_table(
    location: LakeLocation,
    name: str,
    partition_date: dt.date | None = None,
    columns: Sequence[str] | None = None,
    filter=None,
    partitions: Sequence[tuple[str, str, object]] = (),
) -> pa.Table:
    """Read table `name` (optionally one slice, partition filters, columns, an Arrow filter) through the Delta log."""
    return dataset(location, name, partition_date, partitions).to_table(columns=list(columns) if columns else None, filter=filter)


def maintain(location: LakeLocation, retention_hours: int = 168, reader_max_age_hours: int = 24) -> dict[str, dict]:
    """Compact small files and vacuum files no version younger than `retention_hours` needs.

    Daily slices written batch by batch leave many small Parquet files; `optimize.compact`
    rewrites each partition into few large ones (a new commit, readers unaffected). `vacuum`
    then deletes files the log no longer references once they are older than the retention,
    so time travel and slow readers keep working within that window. A read-only connection to
    `newslake.duckdb` keeps the file lists of when it opened, so a retention shorter than the
    longest documented connection age (`reader_max_age_hours`) is refused.
    """
    if retention_hours < reader_max_age_hours:
        raise LakeError(
            f"vacuum retention {retention_hours} h is shorter than the longest reader connection ({reader_max_age_hours} h): "
            "open BI connections would fail with 'No files found'; raise vacuum_retention_hours"
        )
    report = {}
    for name in TABLES:
        table = open_table(location, name)
        if table is None:
            continue
        compacted = table.optimize.compact(writer_properties=WRITER_PROPERTIES)
        removed = table.vacuum(retention_hours=retention_hours, enforce_retention_duration=False, dry_run=False)
        report[name] = {"files_added": compacted.get("numFilesAdded", 0), "files_removed": compacted.get("numFilesRemoved", 0), "vacuumed": len(removed)}
    return report


@contextlib.contextmanager
def write_lock(location: LakeLocation, redis_url: str = "", timeout_seconds: float = 600.0) -> Iterator[None]:
    """Serialise slice writes to one lake (held for the whole write task, a few seconds).

    Delta commits are atomic, but two writers that both find a slice empty commit as blind
    appends that its conflict check lets through (measured: duplicated rows, visible until one
    writer's verification rewrites the slice), and two days claiming the same article race in
    `_drop_claimed_elsewhere`. The lock closes both windows: a file lock (`fcntl`) beside a local
    lake, a Redis lock (SET NX with expiry, released only by its owner) when `redis_url` is set,
    as in the Celery deployment. An object-store lake without Redis falls back to the
    verify-and-rewrite in `replace_slice`.
    """
    if location.is_local:
        lock_dir = os.path.join(location.root, "_locks")
        os.makedirs(lock_dir, exist_ok=True)
        with open(os.path.join(lock_dir, "write.lock"), "a+") as handle:
            _flock(handle, timeout_seconds)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    if not redis_url:
        yield
        return
    import redis

    client = redis.Redis.from_url(redis_url)
    key, token = f"newslake:write-lock:{location.root}", uuid.uuid4().hex
    deadline = time.monotonic() + timeout_seconds
    while not client.set(key, token, nx=True, px=int(timeout_seconds * 1000)):
        if time.monotonic() > deadline:
            raise LakeError(f"waited {timeout_seconds:.0f}s for the lake write lock {key} in Redis; another write task holds it (or died: it expires)")
        time.sleep(random.uniform(0.05, 0.25))
    try:
        yield
    finally:
        client.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, key, token)


def _flock(handle, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise LakeError(f"waited {timeout_seconds:.0f}s for the lake write lock {handle.name}; another write task holds it") from None
            time.sleep(random.uniform(0.05, 0.25))
