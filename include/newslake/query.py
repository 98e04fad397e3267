"""Query: DuckDB connection with one view per lake table, read through the Delta log.

DuckDB's own `delta_scan` needs an extension download (not possible offline), so each view is
an Arrow dataset of the table's *current* files (from deltalake), which DuckDB scans lazily with
filter and projection pushdown. A Parquet glob would also return files an overwrite removed.
"""

from __future__ import annotations

import duckdb

from newslake import lake
from newslake.config import Settings
from newslake.schemas import TABLES
from newslake.storage import LakeLocation


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB with views `articles`, `entities`, `failures` (empty when not yet written)."""
    location = LakeLocation.from_settings(settings.lake_root, settings.storage_options)
    con = duckdb.connect()
    for name in TABLES:
        table = lake.open_table(location, name)
        data = table.to_pyarrow_dataset() if table is not None else TABLES[name].empty_table()
        con.register(name, data)
    return con
