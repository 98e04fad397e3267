"""Near-duplicates in the lake: the sample site's syndicated copies get `duplicate_of`, across days."""

from __future__ import annotations

import datetime as dt

import pytest

from newslake import lake, pipeline
from newslake.config import Settings
from newslake.samplesite import SampleSite
from newslake.storage import LakeLocation
from newslake.urls import article_id

pytestmark = pytest.mark.integration
UTC = dt.timezone.utc
# 03-04 holds Meridian's 20:40 UTC original, republished by Northgate on 03-05; 03-05 also holds
# two copies whose originals are in the same slice
DAYS = [dt.date(2025, 3, 4), dt.date(2025, 3, 5)]


def run_day(settings: Settings, day: dt.date) -> None:
    start = dt.datetime.combine(day, dt.time(), UTC)
    pipeline.run_interval(pipeline.RunContext.create(settings, start, start + dt.timedelta(days=1), run_id="neardup"))


def duplicate_of(settings: Settings) -> dict[str, str | None]:
    table = lake.read_table(LakeLocation.from_settings(settings.lake_root), "articles", columns=["article_id", "duplicate_of"])
    return dict(zip(table.column("article_id").to_pylist(), table.column("duplicate_of").to_pylist()))


@pytest.fixture(scope="module")
def lake_run(tmp_path_factory):
    with SampleSite() as site:
        sources = tmp_path_factory.mktemp("src") / "sources.yaml"
        sources.write_text(site.sources_yaml(min_delay_seconds=0.0))
        settings = Settings(
            lake_root=str(tmp_path_factory.mktemp("neardup") / "lake"), sources_file=str(sources), allowed_private_networks="127.0.0.0/8"
        )
        for day in DAYS:
            run_day(settings, day)
        first = duplicate_of(settings)
        run_day(settings, DAYS[0])  # the original's day again, now with its later copy in the lake
        run_day(settings, DAYS[1])
        expected_articles = site.articles_published_between(DAYS[0], DAYS[-1] + dt.timedelta(days=1))
        yield {"first": first, "again": duplicate_of(settings), "manifest": expected_articles}


def test_each_syndicated_copy_points_at_its_original_and_everything_else_is_null(lake_run):
    manifest = lake_run["manifest"]
    copies = [a for a in manifest if a.syndicated_from]
    assert len(copies) == 3
    assert any(a.published_at.date() != DAYS[0] for a in copies)  # at least one original is on the day before
    expected = {article_id(a.url): article_id(a.syndicated_from) if a.syndicated_from else None for a in manifest}
    assert lake_run["first"] == expected


def test_rerunning_the_days_reproduces_the_same_duplicate_of_values(lake_run):
    assert lake_run["again"] == lake_run["first"]
