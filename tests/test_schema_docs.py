"""docs/schema.md is generated from schemas.py and must match it."""

from __future__ import annotations

from newslake import schema_docs, schemas


def test_committed_schema_reference_matches_the_schema_module():
    committed = schema_docs.DOCS_PATH.read_text(encoding="utf-8")
    assert committed == schema_docs.render(), "docs/schema.md is out of date: run `newslake schema-docs` (or `make docs`)"


def test_reference_lists_every_table_and_column_with_its_doc():
    text = schema_docs.render()
    for name, schema in schemas.TABLES.items():
        assert f"## `{name}`" in text
        for field in schema:
            assert f"| `{field.name}` |" in text
    assert "publication time, UTC" in text  # a field's doc metadata
    assert "TIMESTAMP WITH TIME ZONE" in text  # DuckDB types for SQL users


def test_write_creates_the_file(tmp_path):
    path = schema_docs.write(tmp_path / "docs" / "schema.md")
    assert path.read_text(encoding="utf-8") == schema_docs.render()


def test_every_table_and_column_is_documented_in_the_schema_module():
    undocumented = [name for name in schemas.TABLES if not schemas.table_doc(name)]
    undocumented += [f"{name}.{field.name}" for name, schema in schemas.TABLES.items() for field in schema if not schemas.column_doc(field)]
    assert undocumented == [], "add a doc (field metadata / TABLE_DOCS) in schemas.py for: " + ", ".join(undocumented)
