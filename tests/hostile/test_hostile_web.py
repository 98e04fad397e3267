"""One run of the whole pipeline against the hostile site: nothing lost, nothing let in, all bounded.

The run goes through `pipeline.run_interval` exactly as the CLI does; the assertions read the
lake back (`articles`, `failures`) and compare with the site's ground truth (`HostileSite.faults`).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from newslake.config import Settings
from newslake.lake import read_table
from newslake.pipeline import RunContext, run_interval
from newslake.urls import canonical_url
from tests.hostile.server import DAY, HostileSite

UTC = dt.timezone.utc
START = dt.datetime.combine(DAY, dt.time(), UTC)
END = START + dt.timedelta(days=1)
RUN_BUDGET_SECONDS = 60  # generous: the run takes ~15 s; the point is that it is bounded

SUMMARY: dict[str, int] = {}  # read by conftest.pytest_terminal_summary


def hostile_settings(tmp_path) -> Settings:
    return Settings(
        lake_root=str(tmp_path / "lake"),
        sources_file=str(tmp_path / "sources.yaml"),
        connect_timeout_seconds=0.3,
        read_timeout_seconds=0.5,
        max_retries=2,
        backoff_base_seconds=0.05,
        max_backoff_seconds=2.0,
        max_body_bytes=300_000,
        max_listing_bytes=8_000_000,
        max_fetch_seconds=3.0,
        max_redirects=5,
        allowed_private_networks="127.0.0.1/32",  # the site, and nothing else on this machine
        batch_size=25,  # two batches: dedupe must work across them
        # most of this site's URLs fail on purpose; the test checks each failure is a row, not the
        # day's verdict (which would rightly fail it: see test_pipeline's min_landed_share tests)
        min_landed_share=0.0,
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    settings = hostile_settings(tmp)
    with HostileSite() as site:
        (tmp / "sources.yaml").write_text(site.sources_yaml())
        ctx = RunContext.create(settings, START, END, run_id="hostile")
        started = time.monotonic()
        counts = run_interval(ctx)
        elapsed = time.monotonic() - started
        articles = read_table(ctx.location, "articles").to_pylist()
        failures = read_table(ctx.location, "failures").to_pylist()
    return {"site": site, "settings": settings, "counts": counts, "elapsed": elapsed, "articles": articles, "failures": failures}


def _failures_for(run, url: str) -> list[dict]:
    key = canonical_url(url) if url.startswith("http") else url
    return [f for f in run["failures"] if f["url"] in {url, key}]


def test_every_good_article_lands_exactly_once(run):
    titles = [a["title"] for a in run["articles"]]
    for good in run["site"].good:
        assert titles.count(good.title) == 1, f"{good.path}: {titles.count(good.title)} rows"


def test_every_fault_ends_as_a_failure_row_or_a_correct_article(run):
    titles = {a["title"]: a for a in run["articles"]}
    unexplained = []
    for fault in run["site"].faults:
        if fault.expect == "article":
            if fault.title not in titles:
                unexplained.append(f"{fault.name}: article '{fault.title}' missing; failures: {_failures_for(run, fault.url)}")
            continue
        rows = _failures_for(run, fault.url)
        if not any(r["stage"] == fault.stage and fault.reason in r["reason"] for r in rows):
            unexplained.append(f"{fault.name}: expected {fault.stage} failure with '{fault.reason}', got {rows}")
    assert not unexplained, "\n".join(unexplained)


def test_failure_rows_carry_status_and_attempts_and_retries_are_bounded(run):
    site, settings = run["site"], run["settings"]
    by_path = {f["url"].removeprefix(site.base): f for f in run["failures"]}
    assert by_path["/news/500-always"]["http_status"] == 500
    assert by_path["/news/500-always"]["attempt"] == settings.max_retries + 1 == site.hits["/news/500-always"]
    assert by_path["/news/429-forever"]["attempt"] == 1 and site.hits["/news/429-forever"] == 1
    assert by_path["/news/reset-always"]["attempt"] == settings.max_retries + 1
    assert by_path["/news/empty"]["http_status"] == 200
    assert all(1 <= f["attempt"] <= settings.max_retries + 1 for f in run["failures"])
    assert all(count <= settings.max_retries + 1 for path, count in site.hits.items() if path != "/robots.txt")


def test_retry_after_is_waited_for(run):
    first, second = run["site"].hit_times["/news/429-once"][:2]
    assert second - first >= 0.9


def test_nothing_private_is_ever_requested(run):
    site = run["site"]
    assert site.hits["/private/secret"] == 0 and site.hits["/private/leak"] == 0  # robots.txt
    assert site.hits["/canary"] == 0  # external entity never resolved over the network
    assert site.hits["/chain/6"] == 0  # stopped after max_redirects hops
    assert not any(a["final_url"] and "/private/" in a["final_url"] for a in run["articles"])
    assert site.internal.connections == 0 and site.internal.requests == []  # the 127.0.0.2 service


def test_duplicates_are_zero_and_tracking_parameters_are_dropped(run):
    articles = run["articles"]
    assert len({a["article_id"] for a in articles}) == len(articles)
    assert len({canonical_url(a["final_url"]) for a in articles}) == len(articles)
    assert run["site"].hits["/news/dup"] == 1  # listed three times, fetched once
    [dup] = [a for a in articles if a["title"] == "Listed three times with tracking"]
    assert dup["url"] == run["site"].base + "/news/dup"
    [redirected] = [a for a in articles if a["title"] == "Ferry timetable review part 1"]
    assert redirected["url"] == run["site"].base + "/news/good-1"  # the article's own URL wins over its alias


def test_wrong_charsets_are_repaired_before_extraction(run):
    by_title = {a["title"]: a for a in run["articles"]}
    cafe = by_title["Caf\u00e9 owners say \u201cna\u00efve\u201d plan costs \u20ac5"]
    assert "caf\u00e9 cr\u00e8me \u2013 \u20ac10" in cafe["text"] and "\ufffd" not in cafe["text"]
    assert "\ufffd" not in by_title["Cr\u00e8me br\u00fbl\u00e9e stall reopens"]["text"]


def test_absurd_dates_never_reach_the_lake(run):
    for article in run["articles"]:
        assert article["published_at"] is not None
        assert START <= article["published_at"] < END, (article["title"], article["published_at"])


def test_run_is_bounded_in_time_and_reports_counts(run):
    site, counts = run["site"], run["counts"]
    assert run["elapsed"] < RUN_BUDGET_SECONDS
    failures, articles = run["failures"], run["articles"]
    assert counts["articles"] == len(articles) and counts["failures"] == len(failures)
    recorded = sum(1 for f in site.faults if f.expect == "failure" and _failures_for(run, f.url))
    handled = sum(1 for f in site.faults if f.expect == "article" and any(a["title"] == f.title for a in articles))
    duplicates = len(articles) - len({a["article_id"] for a in articles})
    SUMMARY.update(
        faults=len(site.faults),
        recorded=recorded,
        handled=handled,
        landed=len(articles),
        good=len(site.good),
        duplicates=duplicates,
        seconds=round(run["elapsed"]),
    )
    print(
        f"\nhostile web: {len(site.faults)} faults tried, {recorded} recorded as failures, {handled} handled as articles; "
        f"{len(articles)} articles landed ({len(site.good)} good ones all present); duplicates = {duplicates}; run took {run['elapsed']:.1f}s"
    )
    assert recorded + handled == len(site.faults) and duplicates == 0
