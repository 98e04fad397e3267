"""Daily report: data collected from the views, self-contained HTML, rendered by a real browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from newslake import report
from newslake.config import Settings
from newslake.errors import NewslakeError
from newslake.query import connect
from tests import synthetic_lake

DAY = synthetic_lake.DAYS[-1]


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    root = str(tmp_path_factory.mktemp("lake"))
    synthetic_lake.build(root)
    return Settings(lake_root=root)


@pytest.fixture(scope="module")
def page(settings, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    assert report.write_report(settings, None, path) == str(path)
    return path


def test_collect_counts_articles_per_source_and_day(settings):
    with connect(settings) as con:
        data = report.collect(con, DAY)
    expected = {}
    for index, day in enumerate(synthetic_lake.DAYS):
        for row in synthetic_lake.day_rows(day, index)["articles"]:
            expected[(day, row["source"])] = expected.get((day, row["source"]), 0) + 1
    assert data.articles == expected
    assert data.sources == synthetic_lake.SOURCES
    assert data.days[-1] == DAY and len(data.days) == report.WINDOW_DAYS
    assert data.kpis["articles"] == sum(n for (d, _), n in expected.items() if d == DAY)


def test_top_entities_have_a_trend_over_the_window(settings):
    with connect(settings) as con:
        data = report.collect(con, DAY)
    top = data.top_entities[0]
    assert top["canonical"] in {"Ada Lovelace", "Acme Corp"}
    assert len(top["trend"]) == report.WINDOW_DAYS and top["trend"][-1] == top["articles"]
    assert sum(top["trend"]) > top["articles"]  # earlier days of the window count too


def test_rates_per_source_come_from_failures_and_missing_dates(settings):
    with connect(settings) as con:
        data = report.collect(con, DAY)
    rates = {r["source"]: r for r in data.rates}
    gamma = rates["gamma-wire"]
    assert gamma["day_failed"] == 1
    assert gamma["day_failure_rate"] == pytest.approx(1 / (gamma["day_extracted"] + 1))
    assert rates["alpha-news"]["day_failure_rate"] == 0
    assert all(0 <= r["window_no_date_rate"] <= 1 for r in data.rates)


def test_places_are_grouped_by_country_with_names(settings):
    with connect(settings) as con:
        data = report.collect(con, DAY)
    codes = {c["country_code"]: c for c in data.countries}
    assert set(codes) <= {"GB", "FR", "DE"} and codes
    assert codes.get("GB", {"name": "United Kingdom"})["name"] == "United Kingdom"


def test_page_is_self_contained_and_has_every_chart(page):
    html = page.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "no external resources"
    assert "<script" not in html
    for chart in ("articles-per-source", "top-entities", "failure-rate", "missing-date-rate", "places-by-country"):
        assert f'data-chart="{chart}"' in html or f"data-chart='{chart}'" in html, chart
    assert html.count('class="bar" data-source=') == sum(1 for _ in synthetic_lake.DAYS for _ in synthetic_lake.SOURCES)


def test_report_defaults_to_the_latest_day_under_the_lake(settings):
    path = report.write_report(settings)
    assert path.endswith(f"reports/{DAY}.html")
    assert f"daily report · {DAY:%A %d %B %Y}" in open(path, encoding="utf-8").read()


def test_report_on_an_empty_lake_says_what_to_do(tmp_path):
    with pytest.raises(NewslakeError, match="no articles yet"):
        report.write_report(Settings(lake_root=str(tmp_path)))


def test_report_for_a_day_without_data_still_renders(settings, tmp_path):
    path = report.write_report(settings, synthetic_lake.DAYS[0].replace(year=2024), tmp_path / "empty.html")
    assert "No entities for this day." in open(path, encoding="utf-8").read()


# --------------------------------------------------------------------------- real browser
def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        if os.environ.get("NEWSLAKE_CI"):
            pytest.fail("chromium is not installed in CI; .ci/run installs it with apt-get install -y chromium")
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    return found


def _headless(binary: str, profile, *args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run([binary, *flags, *args], capture_output=True, text=True, timeout=90, check=False)


def test_report_renders_in_headless_chromium_with_data_in_every_chart(page, tmp_path):
    binary = _chromium()
    url = page.resolve().as_uri()
    dom = _headless(binary, tmp_path / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    charts = {m.group(1): m.group(0) for m in re.finditer(r'<svg class="chart" data-chart="([a-z-]+)".*?</svg>', rendered, flags=re.S)}
    assert set(charts) >= {"articles-per-source", "top-entities", "failure-rate", "missing-date-rate"}
    assert charts["articles-per-source"].count('class="bar"') == len(synthetic_lake.DAYS) * len(synthetic_lake.SOURCES)
    assert charts["top-entities"].count('class="bar"') >= 3
    assert re.search(r'class="bar" data-value="0\.[0-9]+"', charts["failure-rate"]), "gamma-wire has a non-zero failure rate"
    assert rendered.count('class="spark"') >= 3
    assert "places-by-country" in rendered and "United Kingdom" in rendered

    png = tmp_path / "report.png"
    shot = _headless(binary, tmp_path / "profile-shot", f"--screenshot={png}", "--window-size=1280,1800", url)
    assert shot.returncode == 0, shot.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 1800)
    assert len(data) > 30_000  # a blank page compresses to a few KB
