"""Schema docs: `schemas.TABLES` (pyarrow schemas + field `doc` metadata) -> `docs/schema.md`.

The reference is generated, never hand-edited, so it cannot drift from the code:
`newslake schema-docs` rewrites it and `tests/test_schema_docs.py` fails when the committed file
differs from what `render()` produces. A table's description comes from `schemas.TABLE_DOCS`,
a column's from its `doc` field metadata: the same text the BI views carry as
`COMMENT ON VIEW` / `COMMENT ON COLUMN` (`query.comment_statements`).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from newslake import schemas
from newslake.query import duckdb_types

DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "schema.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _layer(name: str) -> str:
    if name in getattr(schemas, "GOLD_TABLES", ()):
        return "gold"
    if name in getattr(schemas, "SILVER_TABLES", ()):
        return "silver"
    return "silver"


def table_section(name: str, schema: pa.Schema) -> list[str]:
    """The markdown of one table: description, then one row per column."""
    types = duckdb_types(schema)
    description = schemas.table_doc(name)
    lines = [f"## `{name}`", ""]
    if description:
        lines += [description, ""]
    partitions = schemas.partition_columns(name)
    where = schemas.TABLE_PATHS.get(name, name)
    lines += [
        f"Layer: {_layer(name)}. Delta table at `<lake_root>/{where}`" + (f", partitioned by {', '.join(f'`{c}`' for c in partitions)}." if partitions else "."),
        f"SQL: `SELECT * FROM {name}` (`newslake sql`, or `newslake.duckdb` / `newslake.sql` for BI tools).",
        "",
        "| column | type (Arrow) | type (DuckDB) | nullable | description |",
        "|---|---|---|---|---|",
    ]
    for field in schema:
        lines.append(
            f"| `{field.name}` | `{_cell(str(field.type))}` | `{types[field.name]}` | {'yes' if field.nullable else 'no'} | {_cell(schemas.column_doc(field))} |"
        )
    lines.append("")
    return lines


def render() -> str:
    """The whole `docs/schema.md`."""
    lines = [
        "# Lake schema reference",
        "",
        "<!-- Generated from include/newslake/schemas.py by `newslake schema-docs`. Do not edit by hand: a test compares this file with the code. -->",
        "",
        "All timestamps are UTC (`timestamp[us, tz=UTC]`); local calendar days are named `*_local`. `partition_date` is the UTC day of",
        "the run interval a row belongs to: re-running a day replaces exactly the rows with that value.",
        "",
        "| table | layer | columns | description |",
        "|---|---|---|---|",
    ]
    for name, schema in schemas.TABLES.items():
        description = schemas.table_doc(name)
        lines.append(f"| [`{name}`](#{name}) | {_layer(name)} | {len(schema)} | {_cell(description)} |")
    lines.append("")
    for name, schema in schemas.TABLES.items():
        lines += table_section(name, schema)
    return "\n".join(lines).rstrip() + "\n"


def write(path: str | Path = DOCS_PATH) -> Path:
    """Regenerate the reference file; return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path
