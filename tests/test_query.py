"""SQL access: in-memory views (`connect`) and the BI files (`write_sql_access`) over the lake."""

from __future__ import annotations

import datetime as dt

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
