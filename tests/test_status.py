"""`newslake status` and the gap check: per-day slices, a day with no slice named as missing, runs from Airflow's DB."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from newslake import cli, gaps, lake, status
from newslake.storage import LakeLocation
from tests.test_pipeline import article

FIRST = dt.date(2025, 3, 3)
WRITTEN = [FIRST, FIRST + dt.timedelta(days=1), FIRST + dt.timedelta(days=3)]  # 2025-03-05 never written
GAP = FIRST + dt.timedelta(days=2)


def _source_daily(day: dt.date, source: str, listed: int, extracted: int, other_day: int = 0) -> dict:
    return {"partition_date": day, "source": source, "listed": listed, "fetched": extracted, "extracted": extracted, "failed": listed - extracted - other_day,
            "empty_body": 0, "no_date": 0, "duplicates": 0, "unchanged": 0, "other_day": other_day}


@pytest.fixture
def location(tmp_path) -> LakeLocation:
    location = LakeLocation.from_settings(str(tmp_path / "lake"))
    for i, day in enumerate(WRITTEN):
        rows = [article(10 * i + k, partition_date=day) for k in range(2)] if day != WRITTEN[-1] else []
        lake.replace_slice(location, "articles", lake.to_table("articles", rows), day)
        counters = [_source_daily(day, "s", len(rows), len(rows)), _source_daily(day, "t", 0, 0)]
        if day == WRITTEN[-1]:  # listed 3, none landed: a slice that is present but fails validation
            counters = [_source_daily(day, "s", 3, 0), _source_daily(day, "t", 1, 0, other_day=1)]
        lake.replace_slice(location, "source_daily", lake.to_table("source_daily", counters), day)
    return location


def test_day_statuses_name_the_missing_day_and_judge_the_present_ones(location):
    last = WRITTEN[-1]
    found = status.day_statuses(status.days_between(FIRST, last), status.read_lake_days(location, FIRST, last), {}, 0.2, 0.5)
    by_day = {s.day: s for s in found}
    assert status.missing_days(found) == [GAP]
    assert by_day[GAP].validation == "-" and by_day[GAP].articles == 0
    assert by_day[FIRST].present and by_day[FIRST].articles == 2 and by_day[FIRST].sources_with_zero == ("t",)
    assert by_day[FIRST].validation == "ok"
    assert by_day[last].validation.startswith("failed: slice 2025-03-06: only 0 of 3 articles listed")


def test_runs_come_from_the_metadata_db_latest_run_per_covered_day(tmp_path):
    db = tmp_path / "airflow.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table dag_run (id integer primary key, dag_id text, run_id text, state text, data_interval_start timestamp)")
        conn.executemany(
            "insert into dag_run (dag_id, run_id, state, data_interval_start) values (?, ?, ?, ?)",
            [("news_ingest", "backfill__2025-03-04", "failed", "2025-03-03 00:00:00.000000"),
             ("news_ingest", "manual__rerun", "success", "2025-03-03 00:00:00.000000"),
             ("news_marts", "other", "success", "2025-03-04 00:00:00.000000")],
        )
    runs = status.read_runs(f"sqlite:///{db}", FIRST, GAP)
    assert runs == {FIRST: status.RunInfo("manual__rerun", "success")}


def test_status_command_prints_every_day_and_exits_1_on_a_gap(location, capsys, monkeypatch):
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    monkeypatch.delenv("AIRFLOW_HOME", raising=False)
    code = cli.main(["status", "--from", str(FIRST), "--to", str(WRITTEN[-1]), "--lake", location.path])
    out = capsys.readouterr().out
    assert code == 1
    assert "MISSING" in out and f"missing: {GAP} (no slice written)" in out
    assert f"--from-date {GAP} --to-date {GAP}" in out  # the command that fills exactly the gap
    code = cli.main(["status", "--from", str(FIRST), "--to", str(WRITTEN[1]), "--lake", location.path])
    assert code == 0 and "no missing days" in capsys.readouterr().out


def test_gap_check_window_starts_at_the_lakes_first_slice(location):
    today = WRITTEN[-1] + dt.timedelta(days=2)
    first, last = gaps.check_window(location, today, days=30)
    assert (first, last) == (FIRST, today - dt.timedelta(days=1))
    assert gaps.find_missing_days(location, first, last) == [GAP, today - dt.timedelta(days=1)]


def test_gap_check_on_an_empty_lake_checks_nothing(tmp_path):
    location = LakeLocation.from_settings(str(tmp_path / "empty"))
    first, last = gaps.check_window(location, dt.date(2025, 3, 10), days=7)
    assert first > last


def test_backfill_commands_cover_each_run_of_missing_days_once():
    days = [dt.date(2025, 3, 5), dt.date(2025, 3, 6), dt.date(2025, 3, 9)]
    assert status.backfill_commands(days) == [
        "airflow backfill create --dag-id news_ingest --from-date 2025-03-05 --to-date 2025-03-06",
        "airflow backfill create --dag-id news_ingest --from-date 2025-03-09 --to-date 2025-03-09",
    ]
