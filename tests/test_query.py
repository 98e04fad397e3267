"""SQL access: in-memory views (`connect`) and the BI files (`write_sql_access`) over the lake."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import stat
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from newslake import lake, query, schemas
from newslake.config import Settings
from tests import synthetic_lake


@pytest.fixture(scope="module")
def lake_root(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp("lake"))
    synthetic_lake.build(root)
    return root


def _counts(con, names) -> dict[str, int]:
    return {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0] for name in names}


def test_every_table_in_schemas_has_a_view_with_the_schema_columns(lake_root):
    with query.connect(Settings(lake_root=lake_root)) as con:
        for name, schema in schemas.TABLES.items():
            columns = [row[0] for row in con.execute(f'DESCRIBE "{name}"').fetchall()]
            assert columns == schema.names, name


def test_views_on_an_empty_lake_are_empty_and_typed(tmp_path):
    with query.connect(Settings(lake_root=str(tmp_path / "nothing"))) as con:
        assert all(n == 0 for n in _counts(con, schemas.TABLES).values())
        types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE articles)").fetchall())
    assert types["partition_date"] == "DATE"
    assert types["published_at"].startswith("TIMESTAMP WITH TIME ZONE")


def test_marts_not_yet_written_are_computed_from_the_silver_tables(lake_root):
    with query.connect(Settings(lake_root=lake_root)) as con:
        expected = con.execute(
            "SELECT partition_date, canonical, label, count(DISTINCT article_id), count(*) FROM entities GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        assert con.execute("SELECT * FROM entity_daily ORDER BY ALL").fetchall() == expected
        per_source = con.execute("SELECT source, sum(extracted), sum(failed), sum(no_date) FROM source_daily GROUP BY 1 ORDER BY 1").fetchall()
        articles = dict(con.execute("SELECT source, count(*) FROM articles GROUP BY 1").fetchall())
        assert [(s, e) for s, e, _, _ in per_source] == sorted(articles.items())
        assert dict((s, f) for s, _, f, _ in per_source)["gamma-wire"] == len(synthetic_lake.DAYS)
        london = con.execute("SELECT sum(articles) FROM place_daily WHERE country_code = 'GB'").fetchall()[0][0]
        assert london == con.execute("SELECT count(DISTINCT (partition_date, article_id)) FROM places WHERE country_code = 'GB'").fetchall()[0][0]


def test_a_mart_view_reads_the_table_once_it_is_written(tmp_path):
    location = synthetic_lake.build(str(tmp_path / "lake"), days=synthetic_lake.DAYS[:1])
    day = synthetic_lake.DAYS[0]
    marker = synthetic_lake.rows_for(
        "entity_daily", [{"partition_date": day, "canonical": "Only In The Mart", "label": "ORG", "articles": 7, "mentions": 9}], day
    )
    lake.replace_slice(location, "entity_daily", marker, day)
    with query.connect(Settings(lake_root=str(tmp_path / "lake"))) as con:
        assert con.execute("SELECT canonical, articles FROM entity_daily").fetchall() == [("Only In The Mart", 7)]


def test_a_rewritten_slice_is_counted_once_in_both_access_paths(tmp_path):
    root = str(tmp_path / "lake")
    location = synthetic_lake.build(root, days=synthetic_lake.DAYS[:2])
    day = synthetic_lake.DAYS[0]
    one = synthetic_lake.day_rows(day, 0)["articles"][:1]
    lake.replace_slice(location, "articles", synthetic_lake.rows_for("articles", one, day), day)  # old files stay on disk until vacuum
    settings = Settings(lake_root=root)
    with query.connect(settings) as con:
        live = con.execute("SELECT partition_date, count(*) FROM articles GROUP BY 1 ORDER BY 1").fetchall()
    assert live[0] == (day, 1)
    _, db_path = query.write_sql_access(settings, tmp_path / "bi")
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("SELECT partition_date, count(*) FROM articles GROUP BY 1 ORDER BY 1").fetchall() == live


def test_duckdb_file_and_sql_script_define_the_same_views_as_connect(lake_root, tmp_path):
    settings = Settings(lake_root=lake_root)
    sql_path, db_path = query.write_sql_access(settings, tmp_path)
    with query.connect(settings) as con:
        expected = _counts(con, schemas.TABLES)
    assert expected["articles"] > 0 and expected["entity_daily"] > 0
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert _counts(con, schemas.TABLES) == expected
        assert dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE articles)").fetchall())["partition_date"] == "DATE"
    script = sql_path.read_text()
    assert "hive_partitioning = true" in script and "delta_scan" not in script
    with duckdb.connect() as con:  # what `duckdb -init newslake.sql` does
        con.execute(script)
        assert _counts(con, schemas.TABLES) == expected


def test_views_default_to_files_beside_a_local_lake(lake_root, tmp_path):
    sql_path, db_path = query.write_sql_access(Settings(lake_root=lake_root))
    assert sql_path.parent == db_path.parent == query.default_access_dir(Settings(lake_root=lake_root))
    assert not list(db_path.parent.glob(".newslake-*"))  # temporary files cleaned up


def test_a_table_added_to_schemas_gets_a_view_without_code_changes(tmp_path, monkeypatch):
    extra = pa.schema([pa.field("partition_date", pa.date32(), nullable=False), pa.field("n", pa.int32(), nullable=False)])
    monkeypatch.setitem(schemas.TABLES, "extra_mart", extra)
    root = str(tmp_path / "lake")
    day = dt.date(2025, 3, 1)
    lake.replace_slice(
        synthetic_lake.LakeLocation.from_settings(root), "extra_mart", pa.table({"partition_date": [day], "n": [5]}, schema=extra), day
    )
    settings = Settings(lake_root=root)
    with query.connect(settings) as con:
        assert con.execute("SELECT * FROM extra_mart").fetchall() == [(day, 5)]
    _, db_path = query.write_sql_access(settings, tmp_path / "bi")
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("SELECT * FROM extra_mart").fetchall() == [(day, 5)]


def test_a_column_added_to_a_schema_reads_as_null_for_older_files(lake_root, tmp_path, monkeypatch):
    widened = schemas.TABLES["failures"].append(pa.field("retry_after_seconds", pa.float64()))
    monkeypatch.setitem(schemas.TABLES, "failures", widened)
    settings = Settings(lake_root=lake_root)
    with query.connect(settings) as con:
        assert con.execute("SELECT count(*), count(retry_after_seconds) FROM failures").fetchall() == [(len(synthetic_lake.DAYS), 0)]
    _, db_path = query.write_sql_access(settings, tmp_path)
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("SELECT count(*), count(retry_after_seconds) FROM failures").fetchall() == [(len(synthetic_lake.DAYS), 0)]


def test_latest_date_is_the_last_partition_with_articles(lake_root, tmp_path):
    with query.connect(Settings(lake_root=lake_root)) as con:
        assert query.latest_date(con) == synthetic_lake.DAYS[-1]
    with query.connect(Settings(lake_root=str(tmp_path))) as con:
        assert query.latest_date(con) is None


def test_every_view_and_column_of_the_views_file_carries_its_schema_doc(lake_root, tmp_path):
    _, db_path = query.write_sql_access(Settings(lake_root=lake_root), tmp_path)
    with duckdb.connect(str(db_path), read_only=True) as con:
        view_comments = dict(con.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall())
        column_comments = {(t, c): doc for t, c, doc in con.execute("SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal").fetchall()}
    for name, schema in schemas.TABLES.items():
        assert view_comments[name] == schemas.table_doc(name) != ""
        for field in schema:
            assert column_comments[(name, field.name)] == schemas.column_doc(field) != "", (name, field.name)


def test_a_copied_lake_reads_its_own_files_after_the_original_moves_away(tmp_path, monkeypatch):
    original = tmp_path / "a" / "lake"
    synthetic_lake.build(str(original), days=synthetic_lake.DAYS[:2])
    query.write_sql_access(Settings(lake_root=str(original)))
    with query.connect(Settings(lake_root=str(original))) as con:
        expected = _counts(con, schemas.TABLES)
    copy = tmp_path / "b" / "lake"
    shutil.copytree(original, copy)
    original.rename(tmp_path / "a" / "moved")
    assert str(original) in (copy / query.SQL_FILE).read_text()  # the script names its lake (it runs in any session); the database file does not
    assert str(original).encode() not in (copy / query.DUCKDB_FILE).read_bytes()
    for cwd, path in ((tmp_path, copy / query.DUCKDB_FILE), (tmp_path / "b", "lake/newslake.duckdb"), (copy, "newslake.duckdb")):
        monkeypatch.chdir(cwd)
        with duckdb.connect(str(path), read_only=True) as con:
            assert _counts(con, schemas.TABLES) == expected, (cwd, path)


def test_a_views_file_written_beside_the_lake_finds_it_relative_to_itself(tmp_path):
    root = tmp_path / "site" / "lake"
    synthetic_lake.build(str(root), days=synthetic_lake.DAYS[:1])
    query.write_sql_access(Settings(lake_root=str(root)), tmp_path / "site" / "bi")
    (tmp_path / "site").rename(tmp_path / "elsewhere")
    with duckdb.connect(str(tmp_path / "elsewhere" / "bi" / query.DUCKDB_FILE), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchall()[0][0] > 0


def test_an_attached_views_file_asks_for_the_lake_root_and_uses_it(lake_root, tmp_path):
    _, db_path = query.write_sql_access(Settings(lake_root=lake_root), tmp_path)
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{db_path}' AS nl (READ_ONLY)")
        with pytest.raises(duckdb.Error, match="SET VARIABLE newslake_lake_root"):
            con.execute("SELECT count(*) FROM nl.articles").fetchall()
        con.execute(f"SET VARIABLE newslake_lake_root = '{lake_root}'")
        assert con.execute("SELECT count(*) FROM nl.articles").fetchall()[0][0] > 0


def test_sql_script_and_database_file_have_the_same_permissions(lake_root, tmp_path):
    sql_path, db_path = query.write_sql_access(Settings(lake_root=lake_root), tmp_path)
    assert stat.S_IMODE(sql_path.stat().st_mode) == stat.S_IMODE(db_path.stat().st_mode)
    assert stat.S_IMODE(sql_path.stat().st_mode) & stat.S_IRGRP  # under the usual umask 022 a group can read both


def test_connect_sessions_run_in_utc_so_day_truncation_matches_partition_date(lake_root):
    with query.connect(Settings(lake_root=lake_root)) as con:
        assert con.execute("SELECT current_setting('TimeZone')").fetchall() == [("UTC",)]
        mismatched = con.execute(
            "SELECT count(*) FROM articles WHERE published_at IS NOT NULL AND CAST(date_trunc('day', published_at) AS DATE) <> partition_date"
        ).fetchall()[0][0]
    assert mismatched == 0


def test_every_analyst_query_in_the_docs_runs_on_the_views(lake_root):
    markdown = (Path(__file__).resolve().parents[1] / "docs" / "queries.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", markdown, flags=re.S)
    assert len(blocks) >= 5
    with query.connect(Settings(lake_root=lake_root)) as con:
        for sql in blocks:
            assert con.execute(sql).fetchall(), sql  # runs, and finds rows in a lake with every table


def test_an_object_store_lake_s_views_address_its_files_under_its_root():
    settings = Settings(lake_root="s3://bucket/news")
    location = synthetic_lake.LakeLocation.from_settings(settings.lake_root)
    states = {name: query.TableState(name, None, (), ()) for name in schemas.TABLES}
    states["articles"] = query.TableState("articles", 3, ("s3://bucket/news/articles/partition_date=2025-03-01/a.parquet",), tuple(schemas.ARTICLES.names))
    script = query.sql_script(settings, states)
    assert "newslake_lake_root() || '/articles/partition_date=2025-03-01/a.parquet'" in script
    assert "coalesce(getvariable('newslake_lake_root'), 's3://bucket/news')" in script
    assert query.database_root_macro(location, Path("/tmp/anywhere")) == query.script_root_macro(location)
