"""CLI: help with examples everywhere, one-line errors with exit 2, sql / views / report / schema-docs."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import duckdb
import pytest

from newslake import cli
from tests import synthetic_lake


@pytest.fixture(scope="module")
def lake_root(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp("lake"))
    synthetic_lake.build(root)
    return root


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_subcommand_help_has_examples(name, capsys):
    assert cli.main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert f"newslake {name}" in out or (name == "backfill" and "newslake backfill" in out)


def test_new_subcommands_are_registered():
    assert {"sql", "views", "report", "doctor", "schema-docs"} <= set(_subcommands())


@pytest.mark.parametrize(
    "argv",
    [["report", "--date", "yesterday"], ["sql", "--format", "xml", "select 1"], ["no-such-command"], ["report", "--bogus"]],
)
def test_usage_errors_are_one_line_with_exit_2(argv, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "error:" in err and "--help" in err


def test_a_bad_query_is_one_line_with_exit_2(lake_root, capsys):
    assert cli.main(["sql", "--lake", lake_root, "selec nothing"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("newslake: error: query failed")


def test_sql_prints_a_table_and_other_formats(lake_root, capsys):
    assert cli.main(["sql", "--lake", lake_root, "select source, count(*) as n from articles group by 1 order by 1"]) == 0
    out = capsys.readouterr().out
    assert "alpha-news" in out and "┃ source" in out
    assert cli.main(["sql", "--lake", lake_root, "--format", "csv", "select source from articles group by 1 order by 1"]) == 0
    assert capsys.readouterr().out.splitlines() == ["source", *synthetic_lake.SOURCES]
    assert cli.main(["sql", "--lake", lake_root, "--format", "json", "select count(*) as n from failures"]) == 0
    assert json.loads(capsys.readouterr().out) == {"n": len(synthetic_lake.DAYS)}


def test_sql_without_a_query_lists_every_view(lake_root, capsys):
    from newslake.schemas import TABLES

    assert cli.main(["sql", "--lake", lake_root, "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [r.split(",")[0] for r in rows] == list(TABLES)


def test_views_command_writes_a_duckdb_file_bi_tools_can_open(lake_root, tmp_path):
    assert cli.main(["views", "--lake", lake_root, "--out", str(tmp_path)]) == 0
    with duckdb.connect(str(tmp_path / "newslake.duckdb"), read_only=True) as con:
        assert con.execute("select count(distinct source) from articles").fetchall() == [(3,)]
    assert (tmp_path / "newslake.sql").read_text().count("CREATE OR REPLACE VIEW") >= 8


def test_report_command_writes_the_page(lake_root, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert cli.main(["report", "--lake", lake_root, "--out", str(out), "--date", str(synthetic_lake.DAYS[1])]) == 0
    assert str(synthetic_lake.DAYS[1]) in out.read_text()
    assert "report written" in capsys.readouterr().err


def test_report_on_an_empty_lake_is_a_one_line_error(tmp_path, capsys):
    assert cli.main(["report", "--lake", str(tmp_path)]) == 2
    assert "no articles yet" in capsys.readouterr().err


def test_schema_docs_check_detects_a_stale_file(tmp_path):
    target = tmp_path / "schema.md"
    assert cli.main(["schema-docs", "--check", "--out", str(target)]) == 1
    assert cli.main(["schema-docs", "--out", str(target)]) == 0
    assert cli.main(["schema-docs", "--check", "--out", str(target)]) == 0


def test_sql_and_views_work_while_another_client_holds_the_views_file_read_write(lake_root, tmp_path, capsys):
    assert cli.main(["views", "--lake", lake_root, "--out", str(tmp_path)]) == 0
    holder_code = "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('locked', flush=True); time.sleep(60)"
    holder = subprocess.Popen([sys.executable, "-c", holder_code, str(tmp_path / "newslake.duckdb")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"  # the duckdb CLI's / DBeaver's default: a read-write lock
        assert cli.main(["sql", "--lake", lake_root, "--format", "csv", "select current_setting('TimeZone') tz, count(*) n from articles"]) == 0
        tz, n = capsys.readouterr().out.splitlines()[1].split(",")
        assert tz == "UTC" and int(n) > 0
        assert cli.main(["views", "--lake", lake_root, "--out", str(tmp_path)]) == 0  # replaces the file instead of waiting for the lock
        with duckdb.connect(str(tmp_path / "newslake.duckdb"), read_only=True) as con:
            assert con.execute("select count(*) from articles").fetchall()[0][0] == int(n)
    finally:
        holder.kill()
        holder.wait()
