"""Query: SQL access to the lake — DuckDB views over every table in `schemas.TABLES`.

Two ways in, both generic over `schemas.TABLES` (a new table gets a view with no change here):

* `connect(settings)`: an in-memory DuckDB connection (used by `newslake sql`, the report, the
  doctor). Each view reads the table's *current* files through the Delta log as an Arrow dataset
  (deltalake), so it is exact at query time and works on local and S3 lakes alike.
* `write_sql_access(settings)`: writes `newslake.sql` (a script of `CREATE VIEW`s) and
  `newslake.duckdb` (a DuckDB file holding the same views) for BI tools (Superset, Metabase,
  DBeaver, the duckdb CLI). Each view is `read_parquet([<file list of the current Delta
  version>], hive_partitioning = true)`: DuckDB's own `delta_scan` needs an extension download
  (impossible offline), views over in-memory Arrow datasets do not persist in a DuckDB file, and a
  plain Parquet glob would also return files an overwrite removed but vacuum has not deleted yet.
  The file list is a snapshot, so regenerate after every write (the DAGs and `newslake run` do;
  by hand: `newslake views`). A stale file keeps working until `vacuum` deletes old files, which
  `lake.maintain` never does for files younger than the longest documented reader age.

Portable views: file paths are stored relative to the lake root and prefixed at query time with
the macro `newslake_lake_root()`. In `newslake.duckdb` it is the folder of the database file
itself (DuckDB names a database's default temp directory `<database file>.tmp`, the one
constant-foldable hint of where the file is: table functions take no subqueries), so a moved or
copied lake reads its own files. `SET VARIABLE newslake_lake_root = '/path/to/lake'` overrides it
(needed when the file is ATTACHed to another database, where it raises a clear error otherwise).
Every view and column carries its `schemas.py` documentation as a DuckDB comment.

Gold marts (`entity_daily`, `place_daily`, `source_daily`) not written yet get a view computed
from the silver tables (`MART_FALLBACKS`), so queries and the report work on any lake; once the
table exists in the lake its view reads the table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from newslake import lake
from newslake.config import Settings
from newslake.errors import LakeError
from newslake.schemas import TABLES, column_doc, partition_columns, table_doc
from newslake.storage import LakeLocation

log = logging.getLogger(__name__)

SQL_FILE = "newslake.sql"
DUCKDB_FILE = "newslake.duckdb"
# Readable by DuckDB >= 1.1 clients (duckdb-engine in Superset, the Metabase driver): views and
# one macro only; the macro uses getvariable(), which DuckDB 1.1 introduced.
DUCKDB_STORAGE_VERSION = "v1.0.0"
# The lake root as the views see it: a macro, overridable with `SET VARIABLE newslake_lake_root`.
ROOT_MACRO = "newslake_lake_root"
ROOT_VARIABLE = "newslake_lake_root"
# Sessions of `connect()` run in UTC so day truncation of timestamps matches `partition_date`.
SESSION_TIME_ZONE = "UTC"

# mart -> (silver tables it needs, SQL computing it from their views). Column names and order
# follow the mart schemas in `schemas.py`; columns a schema has and this SQL lacks become NULL.
MART_FALLBACKS: dict[str, tuple[tuple[str, ...], str]] = {
    "entity_daily": (
        ("entities",),
        "SELECT partition_date, canonical, label, count(DISTINCT article_id)::INTEGER AS articles, count(*)::INTEGER AS mentions "
        "FROM entities GROUP BY partition_date, canonical, label",
    ),
    "place_daily": (
        ("places",),
        "SELECT partition_date, country_code, canonical AS place, count(DISTINCT article_id)::INTEGER AS articles, count(*)::INTEGER AS mentions "
        "FROM places GROUP BY partition_date, country_code, canonical",
    ),
    # an approximation from what lands in the lake: discovery counts (listed, duplicates,
    # other_day) are only known to the run, so they are reconstructed or zero here
    "source_daily": (
        ("articles", "failures"),
        "WITH a AS (SELECT partition_date, source, count(*) AS extracted, count(*) FILTER (WHERE published_at IS NULL) AS no_date "
        "FROM articles GROUP BY ALL), "
        "f AS (SELECT partition_date, source, count(*) AS failed, count(*) FILTER (WHERE stage NOT IN ('discover', 'fetch')) AS after_fetch, "
        "count(*) FILTER (WHERE stage = 'extract' AND reason ILIKE 'no article body%') AS empty_body FROM failures GROUP BY ALL) "
        "SELECT partition_date, source, (coalesce(extracted, 0) + coalesce(failed, 0))::INTEGER AS listed, "
        "(coalesce(extracted, 0) + coalesce(after_fetch, 0))::INTEGER AS fetched, coalesce(extracted, 0)::INTEGER AS extracted, "
        "coalesce(failed, 0)::INTEGER AS failed, coalesce(empty_body, 0)::INTEGER AS empty_body, coalesce(no_date, 0)::INTEGER AS no_date, "
        "0::INTEGER AS duplicates, 0::INTEGER AS other_day, "
        "NULL::INTEGER AS entries_listed, NULL::INTEGER AS entries_other_day, NULL::INTEGER AS entries_unusable, NULL::INTEGER AS entries_over_cap, "
        "NULL::INTEGER AS listings_read, NULL::INTEGER AS listings_repaired, NULL::INTEGER AS listing_errors, NULL::INTEGER AS sitemaps_skipped "
        "FROM a FULL OUTER JOIN f USING (partition_date, source)",
    ),
}


@dataclasses.dataclass(frozen=True)
class TableState:
    """What the lake holds for one table: its Delta version and current files (None when absent)."""

    name: str
    version: int | None
    files: tuple[str, ...]
    columns: tuple[str, ...]  # columns the stored table has (partition column included)

    @property
    def exists(self) -> bool:
        return self.version is not None


def duckdb_types(schema: pa.Schema) -> dict[str, str]:
    """DuckDB type name of every column of a pyarrow schema (as DuckDB maps it)."""
    con = duckdb.connect()
    try:
        con.register("t", schema.empty_table())
        return {row[0]: row[1] for row in con.execute("DESCRIBE t").fetchall()}
    finally:
        con.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _projection(name: str, available: Iterable[str]) -> str:
    """SELECT list in schema order; a column the stored data lacks (added later) reads as NULL."""
    schema = TABLES[name]
    available = set(available)
    types = duckdb_types(schema)
    parts = []
    for field in schema:
        column = _quote(field.name)
        parts.append(column if field.name in available else f"CAST(NULL AS {types[field.name]}) AS {column}")
    return ", ".join(parts)


def _hive_options(name: str) -> str:
    """read_parquet options that take the table's partition columns, typed, from its folder names."""
    columns = partition_columns(name)
    if not columns:
        return "hive_partitioning = false"
    types = duckdb_types(TABLES[name])
    return "hive_partitioning = true, hive_types = {" + ", ".join(f"'{c}': {types[c]}" for c in columns) + "}"


def _empty_select(name: str) -> str:
    return f"SELECT {_projection(name, ())} WHERE false"


def table_states(location: LakeLocation) -> dict[str, TableState]:
    """Current Delta version, files and columns of every table in `schemas.TABLES`."""
    states = {}
    for name in TABLES:
        table = lake.open_table(location, name)
        if table is None:
            states[name] = TableState(name, None, (), ())
            continue
        reader_features = table.protocol().reader_features or []
        if "deletionVectors" in reader_features:
            # a file list would resurrect deleted rows; the Arrow path (connect) applies them
            raise LakeError(f"table '{name}' uses deletion vectors; a file-list view would be wrong: query it with `newslake sql` instead")
        files = tuple(uri[len("file://") :] if uri.startswith("file://") else uri for uri in table.file_uris())
        columns = tuple(field.name for field in table.schema().fields)
        states[name] = TableState(name, table.version(), files, columns)
    return states


def _fallback_usable(name: str, states: dict[str, TableState]) -> bool:
    return (
        name in MART_FALLBACKS and not states[name].exists and all(states.get(t, TableState(t, None, (), ())).exists for t in MART_FALLBACKS[name][0])
    )


def _fallback_view(name: str) -> str:
    inner = MART_FALLBACKS[name][1]
    return f"SELECT {_projection(name, _fallback_columns(name))} FROM ({inner}) AS m"


def _fallback_columns(name: str) -> list[str]:
    """Columns the fallback SQL produces (parsed by DuckDB against empty inputs)."""
    con = duckdb.connect()
    try:
        for table in MART_FALLBACKS[name][0]:
            con.execute(f"CREATE VIEW {_quote(table)} AS {_empty_select(table)}")
        return [row[0] for row in con.execute(f"DESCRIBE {MART_FALLBACKS[name][1]}").fetchall()]
    finally:
        con.close()


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB with one view per table in `schemas.TABLES` (empty when not written yet).

    It never opens `newslake.duckdb`, so it neither takes nor waits for that file's lock, and
    nothing run on it can change the lake. Session time zone UTC (`SESSION_TIME_ZONE`).
    """
    location = LakeLocation.from_settings(settings.lake_root, settings.storage_options)
    con = duckdb.connect()
    con.execute(f"SET TimeZone = {_literal(SESSION_TIME_ZONE)}")
    present: set[str] = set()
    for name in TABLES:
        if lake.open_table(location, name) is None:
            continue
        dataset = lake.dataset(location, name)
        con.register(f"_delta_{name}", dataset)
        con.execute(f"CREATE VIEW {_quote(name)} AS SELECT {_projection(name, dataset.schema.names)} FROM {_quote('_delta_' + name)}")
        present.add(name)
    for name in TABLES:
        if name in present:
            continue
        if name in MART_FALLBACKS and all(t in present for t in MART_FALLBACKS[name][0]):
            con.execute(f"CREATE VIEW {_quote(name)} AS {_fallback_view(name)}")
        else:
            con.execute(f"CREATE VIEW {_quote(name)} AS {_empty_select(name)}")
    return con


def comment_statements(name: str) -> list[str]:
    """`COMMENT ON VIEW` / `COMMENT ON COLUMN` for view `name`, from its documentation in `schemas.py`."""
    statements = [f"COMMENT ON VIEW {_quote(name)} IS {_literal(table_doc(name))};"]
    for field in TABLES[name]:
        statements.append(f"COMMENT ON COLUMN {_quote(name)}.{_quote(field.name)} IS {_literal(column_doc(field))};")
    return statements


def _relative_to_root(location: LakeLocation, uri: str) -> str:
    """A data file's path relative to the lake root (what the views store)."""
    prefix = location.root.rstrip("/") + "/"
    if not uri.startswith(prefix):
        raise LakeError(f"data file {uri} lies outside the lake root {location.root}: a view cannot address it portably")
    return uri[len(prefix) :]


def script_root_macro(location: LakeLocation) -> str:
    """Root macro of `newslake.sql`, run in any session: the lake it was generated for, unless the variable is set."""
    return f"CREATE OR REPLACE MACRO {ROOT_MACRO}() AS coalesce(getvariable({_literal(ROOT_VARIABLE)}), {_literal(location.root)});"


def database_root_macro(location: LakeLocation, db_folder: Path) -> str:
    """Root macro of `newslake.duckdb`: the folder holding the database file (plus the way to the lake).

    A local lake is found relative to the file, so a moved or copied lake (with its views file)
    reads its own files. An s3:// lake is where it is.
    """
    if not location.is_local:
        return script_root_macro(location)
    to_lake = os.path.relpath(location.root, db_folder.resolve())
    suffix = "" if to_lake == "." else "/" + to_lake.replace(os.sep, "/")
    temp = "current_setting('temp_directory')"
    unknown = (
        f"newslake: cannot tell which folder holds the lake: open {DUCKDB_FILE} directly, "
        f"or SET VARIABLE {ROOT_VARIABLE} = '/path/to/lake' first"
    )
    return (
        f"CREATE OR REPLACE MACRO {ROOT_MACRO}() AS coalesce(getvariable({_literal(ROOT_VARIABLE)}),\n"
        f"  CASE WHEN parse_filename({temp}) = {_literal(DUCKDB_FILE + '.tmp')}\n"
        f"  THEN coalesce(nullif(parse_dirpath({temp}), ''), '.') || {_literal(suffix)}\n"
        f"  ELSE error({_literal(unknown)}) END);"
    )


def view_statements(location: LakeLocation, states: dict[str, TableState]) -> list[str]:
    """`CREATE OR REPLACE VIEW` + comments for every table; data files addressed through the root macro."""
    lines = []
    ordered = [n for n in TABLES if n not in MART_FALLBACKS] + [n for n in TABLES if n in MART_FALLBACKS]
    for name in ordered:
        state = states[name]
        if state.files:
            files = ",\n    ".join(f"{ROOT_MACRO}() || {_literal('/' + _relative_to_root(location, f))}" for f in state.files)
            partitioning = _hive_options(name)
            body = f"SELECT {_projection(name, state.columns)}\nFROM read_parquet([\n    {files}\n  ], {partitioning}, union_by_name = true)"
            comment = f"-- {name}: Delta version {state.version}, {len(state.files)} files"
        elif _fallback_usable(name, states):
            body = _fallback_view(name)
            comment = f"-- {name}: not written yet; computed from {', '.join(MART_FALLBACKS[name][0])}"
        else:
            body = _empty_select(name)
            comment = f"-- {name}: " + ("no data files yet" if state.exists else "not written yet") + " (empty view)"
        lines += [comment, f"CREATE OR REPLACE VIEW {_quote(name)} AS\n{body};", *comment_statements(name), ""]
    return lines


def sql_script(settings: Settings, states: dict[str, TableState] | None = None) -> str:
    """The `newslake.sql` script: root macro, then a view (with comments) per table over the current Delta file lists."""
    location = LakeLocation.from_settings(settings.lake_root, settings.storage_options)
    states = states if states is not None else table_states(location)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    lines = [
        f"-- newslake SQL access: views over the lake at {location.root}",
        f"-- generated {now} by `newslake views`; regenerate after writes (file lists are a snapshot of each Delta version).",
        "-- use: duckdb -readonly newslake.duckdb (same views, found relative to the file)   |   duckdb -init newslake.sql   |   .read newslake.sql",
        f"-- this script reads the lake named above; for a copy, first: SET VARIABLE {ROOT_VARIABLE} = '/path/to/copy';",
        "-- group daily counts by partition_date (UTC day), or SET TimeZone = 'UTC' before truncating timestamps",
    ]
    if not location.is_local:
        lines.append(
            "-- S3 lake: run `INSTALL httpfs; LOAD httpfs; CREATE SECRET (TYPE s3, KEY_ID '...', SECRET '...', ENDPOINT '...', URL_STYLE 'path');` first"
        )
    lines += ["", script_root_macro(location), "", *view_statements(location, states)]
    return "\n".join(lines)


def default_access_dir(settings: Settings) -> Path:
    """Where the views files go by default: the lake root when local, else the working directory."""
    location = LakeLocation.from_settings(settings.lake_root, settings.storage_options)
    return Path(location.root) if location.is_local else Path.cwd()


def write_sql_access(settings: Settings, out_dir: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """Write `newslake.sql` and `newslake.duckdb` (same views) to `out_dir`; return both paths.

    Both are replaced atomically, so a BI tool never opens a half-written file, and both are
    created under the process umask (same permissions), so a reader allowed one can read the other.
    """
    folder = Path(out_dir) if out_dir else default_access_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    location = LakeLocation.from_settings(settings.lake_root, settings.storage_options)
    states = table_states(location)
    script = sql_script(settings, states)
    database = "\n".join([database_root_macro(location, folder), "", *view_statements(location, states)])
    sql_path, db_path = folder / SQL_FILE, folder / DUCKDB_FILE
    unique = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp_sql, tmp_db = folder / f".newslake-{unique}.sql", folder / f".newslake-{unique}.duckdb"
    try:
        with open(tmp_sql, "x", encoding="utf-8") as handle:  # not mkstemp: that one is always 0600
            handle.write(script)
        con = duckdb.connect(str(tmp_db), config={"storage_compatibility_version": DUCKDB_STORAGE_VERSION})
        try:
            # the views are bound (files checked) as they are created, in a temporary file the
            # macro cannot place: point it at the lake for this session (variables are not stored)
            con.execute(f"SET VARIABLE {ROOT_VARIABLE} = {_literal(location.root)}")
            con.execute(database)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp_db, db_path)
        os.replace(tmp_sql, sql_path)
    except duckdb.Error as exc:
        raise LakeError(f"could not build {db_path}: {str(exc).splitlines()[0]}") from exc
    finally:
        tmp_db.unlink(missing_ok=True)
        tmp_sql.unlink(missing_ok=True)
    log.info("SQL access written: %s, %s", sql_path, db_path)
    return sql_path, db_path


def latest_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """Latest `partition_date` with articles, or None for an empty lake."""
    return con.execute("SELECT max(partition_date) FROM articles").fetchall()[0][0]


def refresh_sql_access(settings: Settings) -> tuple[Path, Path] | None:
    """After a write: rewrite the views files beside a local lake; no-op (None) for s3:// lakes.

    What the DAGs call after ingest, marts and maintenance (compaction changes the file lists).
    A failure is logged, never raised: BI files are a convenience, not part of the data.
    """
    if not LakeLocation.from_settings(settings.lake_root, settings.storage_options).is_local:
        return None
    try:
        return write_sql_access(settings)
    except LakeError as exc:
        log.warning("SQL views not refreshed: %s", exc)
        return None
