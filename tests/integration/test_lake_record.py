"""The lake as a trustworthy record: backfills, exactly once, raw WARC reprocessing, WARC sources, crash safety."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest
import requests
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newslake import lake, pipeline
from newslake.config import Settings
from newslake.samplesite import SampleSite
from newslake.storage import LakeLocation

pytestmark = pytest.mark.integration
UTC = dt.timezone.utc
DAYS = [dt.date(2025, 3, 5), dt.date(2025, 3, 6), dt.date(2025, 3, 7)]
LOOPBACK = "127.0.0.0/8"  # the sample site runs on loopback, which fetching refuses by default
COMPARED = ("articles", "entities", "places", "mentioned_dates", "failures", "source_daily")


def interval(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), UTC)
    return start, start + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with SampleSite() as running:
        sources = tmp_path_factory.mktemp("src") / "sources.yaml"
        sources.write_text(running.sources_yaml(min_delay_seconds=0.0))
        running.sources_file = str(sources)
        yield running


def settings_for(site, lake_root: Path) -> Settings:
    return Settings(lake_root=str(lake_root), sources_file=site.sources_file, allowed_private_networks=LOOPBACK)


def run_day(settings: Settings, day: dt.date, run_id: str = "test", reprocess: bool = False) -> dict:
    ctx = pipeline.RunContext.create(settings, *interval(day), run_id=run_id)
    return pipeline.reprocess_interval(ctx) if reprocess else pipeline.run_interval(ctx)


def snapshot(lake_root: Path, volatile=("failed_at",)) -> dict[str, pa.Table]:
    location = LakeLocation.from_settings(str(lake_root))
    out = {}
    for name in COMPARED:
        table = lake.read_table(location, name)
        table = table.drop_columns([c for c in volatile if c in table.column_names])
        out[name] = table.sort_by([(c, "ascending") for c in table.column_names if not pa.types.is_list(table.schema.field(c).type)])
    return out


@pytest.fixture(scope="module")
def backfilled(site, tmp_path_factory):
    """Three days backfilled, then an overlapping backfill of the last two days."""
    root = tmp_path_factory.mktemp("backfill") / "lake"
    settings = settings_for(site, root)
    for day in DAYS:
        run_day(settings, day, "first")
    first = snapshot(root)
    for day in DAYS[1:]:
        run_day(settings, day, "overlap")
    return {"root": root, "settings": settings, "first": first, "after_overlap": snapshot(root)}


def test_backfill_lands_exactly_the_articles_published_each_utc_day(site, backfilled):
    articles = backfilled["first"]["articles"]
    for day in DAYS:
        expected = [a.title for a in site.articles_published_between(*interval(day))]
        landed = [r["title"] for r in articles.to_pylist() if r["partition_date"] == day]
        assert sorted(landed) == sorted(expected), day


def test_source_daily_keeps_the_discovery_record_of_every_source(site, backfilled):
    rows = lake.read_table(LakeLocation.from_settings(str(backfilled["root"])), "source_daily").to_pylist()
    assert rows and all(r["listings_read"] >= 1 and r["listing_errors"] == 0 and r["entries_listed"] > 0 for r in rows)
    for r in rows:  # every listed entry is a candidate (a URL in a feed and a sitemap is one), another day's, or unusable
        assert r["entries_listed"] >= r["listed"] + r["entries_other_day"] + r["entries_unusable"] + r["entries_over_cap"]
        assert r["entries_other_day"] > 0  # the sample site's feeds and sitemaps list other days too


def test_overlapping_backfill_and_reruns_never_duplicate(backfilled):
    ids = backfilled["after_overlap"]["articles"].column("article_id").to_pylist()
    assert len(ids) == len(set(ids))
    for name in ("articles", "entities", "places", "mentioned_dates"):
        before = backfilled["first"][name].drop_columns([c for c in ("fetched_at",) if c in backfilled["first"][name].column_names])
        after = backfilled["after_overlap"][name].drop_columns([c for c in ("fetched_at",) if c in backfilled["after_overlap"][name].column_names])
        assert before.equals(after), name


def test_raw_layer_keeps_every_response_as_warc_by_fetch_date(backfilled):
    raw = backfilled["root"] / "raw"
    files = list(raw.glob("fetch_date=*/*.warc.gz"))
    assert files and all(f.parent.name.startswith("fetch_date=") for f in files)
    from pyarrow import fs as pafs

    from newslake.raw import read_warc_file

    pages = [p for f in files for p in read_warc_file(pafs.LocalFileSystem(), str(f))]
    assert all(p.http_status == 200 and p.body and p.source and "content-type" in {k.lower() for k in p.headers} for p in pages)


def test_reprocess_from_raw_reproduces_the_same_rows_without_network(site, backfilled, tmp_path, monkeypatch):
    copy = tmp_path / "lake"
    subprocess.run(["cp", "-a", str(backfilled["root"]), str(copy)], check=True)
    settings = dataclasses.replace(backfilled["settings"], lake_root=str(copy))
    before = snapshot(copy)
    def no_network(*args, **kwargs):
        raise AssertionError("reprocessing must not touch the network")

    monkeypatch.setattr(requests.Session, "send", no_network)
    for day in DAYS:
        run_day(settings, day, reprocess=True)
    after = snapshot(copy)
    for name in COMPARED:
        assert after[name].equals(before[name]), name
    assert set(after["articles"].column("extractor_version").to_pylist()) and all(after["articles"].column("extractor_version").to_pylist())


def test_article_found_again_on_a_later_day_stays_in_its_first_slice(backfilled, tmp_path):
    location = LakeLocation.from_settings(str(backfilled["root"]))
    existing = lake.read_table(location, "articles", DAYS[0]).slice(0, 1)
    later = DAYS[-1] + dt.timedelta(days=3)
    moved = existing.set_column(existing.schema.get_field_index("partition_date"), "partition_date", pa.array([later], pa.date32()))
    ctx = pipeline.RunContext.create(backfilled["settings"], *interval(later), run_id="again")
    kept, dropped = pipeline._drop_claimed_elsewhere(ctx, moved)
    assert kept.num_rows == 0 and sum(dropped.values()) == 1
    same_day = pipeline.RunContext.create(backfilled["settings"], *interval(DAYS[0]), run_id="again")
    assert pipeline._drop_claimed_elsewhere(same_day, existing)[0].num_rows == 1  # a re-run of its own day keeps it


def test_warc_source_ingests_html_responses_of_the_interval(site, tmp_path):
    """A WARC a user has (CC-NEWS style: responses only, no newslake headers) as a source."""
    warc = tmp_path / "news.warc.gz"
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    articles = [a for a in site.manifest() if a.published_at.date() in DAYS[:2]]
    for article in articles:
        response = requests.get(article.url, timeout=10)
        headers = StatusAndHeaders("200 OK", [("Content-Type", response.headers["Content-Type"])], protocol="HTTP/1.1")
        capture = article.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        writer.write_record(writer.create_warc_record(article.url, "response", payload=io.BytesIO(response.content), http_headers=headers, warc_headers_dict={"WARC-Date": capture}))
    image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("http://example.com/x.png", "response", payload=io.BytesIO(b"\x89PNG"), http_headers=image))
    warc.write_bytes(buffer.getvalue())
    sources = tmp_path / "warc-sources.yaml"
    sources.write_text(f"sources:\n  - name: archive\n    warcs: ['{warc}']\n")
    settings = Settings(lake_root=str(tmp_path / "lake"), sources_file=str(sources))
    counts = run_day(settings, DAYS[0], "warc")
    landed = lake.read_table(LakeLocation.from_settings(str(tmp_path / "lake")), "articles", DAYS[0])
    expected = sorted(a.title for a in articles if a.published_at.date() == DAYS[0])
    assert sorted(landed.column("title").to_pylist()) == expected and counts["articles"] == len(expected)
    assert set(landed.column("source").to_pylist()) == {"archive"}


CRASH_SCRIPT = textwrap.dedent(
    """
    import datetime as dt, os, signal, sys
    from newslake import lake, pipeline
    from newslake.config import Settings
    real = lake.replace_slice
    def replace_then_die(location, name, table, day):
        written = real(location, name, table, day)
        if name == os.environ["KILL_AFTER_TABLE"]:
            os.kill(os.getpid(), signal.SIGKILL)  # the write stage dies between two table commits
        return written
    lake.replace_slice = replace_then_die
    start = dt.datetime.fromisoformat(sys.argv[3])
    ctx = pipeline.RunContext.create(Settings(lake_root=sys.argv[1], sources_file=sys.argv[2], allowed_private_networks="127.0.0.0/8"), start, start + dt.timedelta(days=1), "crashing")
    pipeline.run_interval(ctx)
    """
)


def test_run_killed_in_the_middle_of_a_write_then_rerun_equals_a_clean_run(site, backfilled, tmp_path):
    crashed = tmp_path / "crashed"
    script = tmp_path / "crash.py"
    script.write_text(CRASH_SCRIPT)
    day = DAYS[0]
    env = dict(os.environ, KILL_AFTER_TABLE="entities")
    result = subprocess.run([sys.executable, str(script), str(crashed), site.sources_file, interval(day)[0].isoformat()], env=env, capture_output=True, timeout=300)
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()[-2000:]
    partial = snapshot(crashed)
    assert partial["articles"].num_rows > 0 and partial["places"].num_rows == 0  # killed after two of six commits
    run_day(settings_for(site, crashed), day, "rerun")
    clean = {name: t.filter(pa.compute.equal(t.column("partition_date"), pa.scalar(day, pa.date32()))) for name, t in backfilled["first"].items()}
    rerun = snapshot(crashed)
    for name in COMPARED:
        a, b = rerun[name], clean[name]
        drop = [c for c in ("fetched_at", "unchanged") if c in a.column_names]  # how the fetch went, not what landed
        assert a.drop_columns(drop).equals(b.drop_columns(drop)), name


RACE_SCRIPT = textwrap.dedent(
    """
    import datetime as dt, sys
    from newslake import pipeline
    from newslake.config import Settings
    start = dt.datetime.fromisoformat(sys.argv[3])
    ctx = pipeline.RunContext.create(Settings(lake_root=sys.argv[1], sources_file=sys.argv[2], allowed_private_networks="127.0.0.0/8"),
                                     start, start + dt.timedelta(days=1), sys.argv[4])
    pipeline.run_interval(ctx)
    """
)


def test_two_runs_of_the_same_date_at_once_leave_one_clean_slice(site, backfilled, tmp_path):
    """Concurrent writers of one slice: Delta's atomic commits (retried on conflict), never a mix."""
    raced = tmp_path / "raced"
    script = tmp_path / "race.py"
    script.write_text(RACE_SCRIPT)
    day = DAYS[1]
    args = [str(raced), site.sources_file, interval(day)[0].isoformat()]
    runs = [subprocess.Popen([sys.executable, str(script), *args, f"racer{i}"], stderr=subprocess.PIPE) for i in range(2)]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr.decode()[-2000:]
    result = snapshot(raced)
    clean = {name: t.filter(pa.compute.equal(t.column("partition_date"), pa.scalar(day, pa.date32()))) for name, t in backfilled["first"].items()}
    ids = result["articles"].column("article_id").to_pylist()
    assert len(ids) == len(set(ids)) == clean["articles"].num_rows
    for name in COMPARED:
        drop = [c for c in ("fetched_at", "unchanged") if c in result[name].column_names]  # how the fetch went, not what landed
        assert result[name].drop_columns(drop).equals(clean[name].drop_columns(drop)), name


def test_crawl_state_drives_conditional_gets_and_unchanged_pages_come_from_the_raw_layer(site, backfilled):
    """The overlap re-runs asked with If-None-Match; the site answered 304; the rows stayed identical."""
    location = LakeLocation.from_settings(str(backfilled["root"]))
    state = lake.read_table(location, "url_state").to_pylist()
    landed = lake.read_table(location, "articles").column("url").to_pylist()
    by_url = {row["url"]: row for row in state}
    assert set(landed) <= set(by_url) and len(by_url) == len(state)  # one row per URL
    rerun = [by_url[url] for url in landed if url in by_url and any(a.url == url for d in DAYS[1:] for a in site.articles_published_between(*interval(d)))]
    assert rerun and all(row["status"] == 304 and row["etag"] and row["last_fetched"] > row["first_seen"] for row in rerun)
    assert all(len(row["content_hash"]) == 64 and row["warc_path"].startswith("raw/fetch_date=") for row in state)
    assert any(r.status == 304 for r in site.requests)
    unchanged = lake.read_table(location, "source_daily", DAYS[1]).column("unchanged").to_pylist()
    assert sum(unchanged) > 0
    assert (backfilled["root"] / "state" / "url_state" / "_delta_log").is_dir()  # partitioned by url_bucket
    assert list((backfilled["root"] / "state" / "url_state").glob("url_bucket=*/*.parquet"))


def test_bi_views_file_covers_every_table_of_a_crawled_lake(backfilled, tmp_path):
    """lake/newslake.duckdb views over a real crawl, including url_state (partitioned by url_bucket)."""
    import duckdb

    from newslake.query import write_sql_access
    from newslake.schemas import TABLES

    _, database = write_sql_access(backfilled["settings"], tmp_path)
    with duckdb.connect(str(database), read_only=True) as con:
        counts = {name: con.execute(f'select count(*) from "{name}"').fetchone()[0] for name in TABLES}
    location = LakeLocation.from_settings(str(backfilled["root"]))
    assert counts["articles"] == lake.read_table(location, "articles").num_rows > 0
    assert counts["url_state"] == lake.read_table(location, "url_state").num_rows > 0
