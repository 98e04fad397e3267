"""news_ingest through a real Airflow (`airflow dags test`, SQLite) against the sample site."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest

from newslake.cli import airflow_env, run_dag_test
from newslake.lake import read_table
from newslake.samplesite import SampleSite
from newslake.storage import LakeLocation

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
DAY = dt.date(2025, 3, 8)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dagrun")
    lake_root = tmp / "lake"
    with SampleSite() as site:
        sources = tmp / "sources.yaml"
        sources.write_text(site.sources_yaml())
        env = airflow_env(tmp / "airflow", REPO / "dags", {"NEWSLAKE_SOURCES_FILE": str(sources), "NEWSLAKE_LAKE_ROOT": str(lake_root)})
        env["PATH"] = str(Path(sys.executable).parent) + ":" + env.get("PATH", "")
        start = dt.datetime.combine(DAY, dt.time(), dt.timezone.utc)
        expected = site.articles_published_between(start, start + dt.timedelta(days=1))
        run_dag_test("news_ingest", DAY, env, tmp / "first.log")
        location = LakeLocation.from_settings(str(lake_root))
        first = read_table(location, "articles").sort_by("article_id")
        first_entities = read_table(location, "entities").num_rows
        run_dag_test("news_ingest", DAY, env, tmp / "second.log")  # the same date again
        second = read_table(location, "articles").sort_by("article_id")
        second_entities = read_table(location, "entities").num_rows
    return {"expected": expected, "first": first, "second": second, "entities": (first_entities, second_entities), "lake": lake_root}


def test_lake_has_exactly_the_articles_the_site_published_that_day(ingested):
    articles = ingested["first"]
    assert articles.num_rows == len(ingested["expected"]) > 0
    assert {a.title for a in ingested["expected"]} == set(articles.column("title").to_pylist())
    assert set(articles.column("partition_date").to_pylist()) == {DAY}
    assert (ingested["lake"] / "articles" / f"partition_date={DAY.isoformat()}").is_dir()
    assert (ingested["lake"] / "articles" / "_delta_log").is_dir()


def test_fields_are_filled_and_published_at_is_utc_inside_the_interval(ingested):
    rows = ingested["first"].to_pylist()
    expected = {a.title: a for a in ingested["expected"]}
    for row in rows:
        assert row["text"] and row["word_count"] > 50 and row["source"] and row["url"].startswith("http://127.0.0.1")
        assert row["published_at"].utcoffset() == dt.timedelta(0)
        assert row["published_at"] == expected[row["title"]].published_at
        assert row["http_status"] == 200 and row["extractor_version"]
    assert sum(r["entity_count"] for r in rows) > 0
    assert {r["source"] for r in rows} == {a.publisher for a in ingested["expected"]}


def test_running_the_same_date_twice_changes_nothing(ingested):
    first, second = ingested["first"], ingested["second"]
    assert first.num_rows == second.num_rows
    assert len(set(second.column("article_id").to_pylist())) == second.num_rows
    assert first.column("article_id").to_pylist() == second.column("article_id").to_pylist()
    assert first.drop_columns(["fetched_at"]).equals(second.drop_columns(["fetched_at"]))
    assert ingested["entities"][0] == ingested["entities"][1] > 0


def test_a_day_without_news_succeeds_with_a_note(tmp_path, capsys, monkeypatch):
    """2025-03-20: the sample site published nothing; its only listing is undated and belongs to another day."""
    from newslake import cli

    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + ":" + os.environ.get("PATH", ""))
    code = cli.main(["demo", "--date", "2025-03-20", "--lake", str(tmp_path / "lake"), "--home", str(tmp_path / "home"), "--dags-folder", str(REPO / "dags")])
    out = capsys.readouterr().out
    assert code == 0, (tmp_path / "home" / "demo-airflow.log").read_text()[-3000:]
    assert "validate: slice 2025-03-20: nothing was published this day" in out
    assert "Task exited" not in (tmp_path / "home" / "demo-airflow.log").read_text()
