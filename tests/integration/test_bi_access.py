"""BI readers of `newslake.duckdb`: a read-only connection held across an ingest and a maintenance run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys

import duckdb
import pytest

from newslake import lake, pipeline, query
from newslake.config import Settings
from newslake.errors import LakeError
from newslake.samplesite import SampleSite
from newslake.storage import LakeLocation

pytestmark = pytest.mark.integration
UTC = dt.timezone.utc
DAYS = [dt.date(2025, 3, 5), dt.date(2025, 3, 6)]


def run_day(settings: Settings, day: dt.date, run_id: str) -> None:
    start = dt.datetime.combine(day, dt.time(), UTC)
    pipeline.run_interval(pipeline.RunContext.create(settings, start, start + dt.timedelta(days=1), run_id=run_id))
    query.refresh_sql_access(settings)  # what the DAGs and `newslake run` do after a write


@pytest.fixture
def settings(tmp_path):
    with SampleSite() as site:
        sources = tmp_path / "sources.yaml"
        sources.write_text(site.sources_yaml(min_delay_seconds=0.0))
        yield Settings(lake_root=str(tmp_path / "lake"), sources_file=str(sources), allowed_private_networks="127.0.0.0/8")


def _articles_per_day(con) -> list[tuple]:
    return con.execute("SELECT partition_date, count(*) FROM articles GROUP BY 1 ORDER BY 1").fetchall()


def _days_seen_by_a_new_process(db_path) -> list[str]:
    """A new reader in its own process (in this one, DuckDB would hand back the cached old database)."""
    code = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "for (day,) in con.execute('SELECT DISTINCT CAST(partition_date AS VARCHAR) FROM articles ORDER BY 1').fetchall(): print(day)"
    )
    return subprocess.run([sys.executable, "-c", code, str(db_path)], capture_output=True, text=True, check=True).stdout.split()


def test_a_read_only_reader_survives_an_ingest_and_a_maintenance_run(settings):
    run_day(settings, DAYS[0], "first")
    db_path = query.default_access_dir(settings) / query.DUCKDB_FILE
    reader = duckdb.connect(str(db_path), read_only=True)  # a BI tool's long-lived connection
    try:
        seen_first = _articles_per_day(reader)
        assert seen_first and seen_first[0][0] == DAYS[0]
        run_day(settings, DAYS[0], "rerun")  # replaces the files the reader's views list
        run_day(settings, DAYS[1], "next")
        location = LakeLocation.from_settings(settings.lake_root)
        lake.maintain(location, settings.vacuum_retention_hours, settings.reader_max_age_hours)
        query.refresh_sql_access(settings)
        assert _articles_per_day(reader) == seen_first  # its snapshot still reads, no "No files found"
        assert _days_seen_by_a_new_process(db_path) == [d.isoformat() for d in DAYS]  # a reconnect sees the new day
        # control: the reader did depend on files the re-run replaced; a vacuum without retention breaks it
        lake.open_table(location, "articles").vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
        with pytest.raises(duckdb.Error, match="No files found"):
            _articles_per_day(reader)
    finally:
        reader.close()


def test_maintenance_refuses_a_retention_shorter_than_the_longest_reader(settings):
    run_day(settings, DAYS[0], "first")
    with pytest.raises(LakeError, match="longest reader connection"):
        lake.maintain(LakeLocation.from_settings(settings.lake_root), retention_hours=1, reader_max_age_hours=settings.reader_max_age_hours)
    with pytest.raises(Exception, match="vacuum_retention_hours"):
        dataclasses.replace(settings, vacuum_retention_hours=1)
