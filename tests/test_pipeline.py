"""Stage wiring that needs no network: validation rules and placement of articles in intervals."""

import datetime as dt

import pytest

from newslake import lake, pipeline
from newslake.config import Settings
from newslake.errors import ValidationError
from newslake.schemas import FetchedPage

UTC = dt.timezone.utc
DAY = dt.date(2025, 3, 7)


@pytest.fixture
def ctx(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - {name: s, feeds: ['http://example.com/feed.xml'], timezone: Asia/Dubai}\n")
    start = dt.datetime.combine(DAY, dt.time(), UTC)
    return pipeline.RunContext.create(Settings(lake_root=str(tmp_path / "lake"), sources_file=str(sources)), start, start + dt.timedelta(days=1), "t")


def article(i: int, **overrides) -> dict:
    row = {
        "article_id": f"{i:020d}", "partition_date": DAY, "source": "s", "url": f"http://example.com/{i}", "final_url": f"http://example.com/{i}",
        "canonical_url": None, "title": f"title {i}", "author": None, "site_name": None, "description": None, "categories": [], "tags": [],
        "language": "en", "published_at": dt.datetime(2025, 3, 7, 12, tzinfo=UTC), "published_at_original": "2025-03-07T16:00:00+04:00",
        "published_date_local": DAY, "date_precision": "time", "date_source": "json-ld", "text": "body text", "word_count": 2, "entity_count": 0,
        "nlp_applied": True, "http_status": 200, "fetched_at": dt.datetime(2025, 3, 8, tzinfo=UTC), "extractor_version": "x", "simhash": i,
    }
    row.update(overrides)
    return row


def source_daily(listed: int, extracted: int, other_day: int = 0, failed: int = 0, duplicates: int = 0, source: str = "s") -> dict:
    return {"partition_date": DAY, "source": source, "listed": listed, "fetched": extracted, "extracted": extracted, "failed": failed, "empty_body": 0,
            "no_date": 0, "duplicates": duplicates, "unchanged": 0, "other_day": other_day}


def write_day(ctx, articles: list[dict], counters: list[dict]) -> None:
    lake.replace_slice(ctx.location, "articles", lake.to_table("articles", articles), DAY)
    lake.replace_slice(ctx.location, "source_daily", lake.to_table("source_daily", counters), DAY)


def test_validate_fails_when_listed_articles_did_not_land_and_names_the_sources(ctx):
    write_day(ctx, [], [source_daily(listed=3, extracted=0, failed=3), source_daily(listed=0, extracted=0, source="t")])
    with pytest.raises(ValidationError) as raised:
        pipeline.validate_stage(ctx)
    first_line, *details = str(raised.value).splitlines()
    assert first_line.startswith("slice 2025-03-07: only 0 of 3 articles listed for this day landed (s 0/3;")
    assert "failures where partition_date = '2025-03-07'" in first_line  # where to look
    assert any(line.strip().startswith("s: listed 3") and "failed 3" in line for line in details)


def test_validate_passes_a_day_when_nothing_was_published_with_a_note(ctx):
    # the only listing was undated and its page belonged to another day: nothing is owed to this one
    write_day(ctx, [], [source_daily(listed=1, extracted=0, other_day=1)])
    report = pipeline.validate_stage(ctx)
    assert report["ok"] and report["articles"] == 0
    assert "nothing was published this day (1 undated listings belonged to other days)" in report["verdict"]


def test_validate_fails_when_too_few_of_the_listed_articles_landed(ctx):
    write_day(ctx, [article(i) for i in range(3)], [source_daily(listed=10, extracted=3, failed=7)])
    with pytest.raises(ValidationError, match="only 3 of 10 articles listed"):
        pipeline.validate_stage(ctx)
    write_day(ctx, [article(i) for i in range(6)], [source_daily(listed=10, extracted=6, failed=4)])
    assert pipeline.validate_stage(ctx)["ok"]  # 60% >= min_landed_share 50%


def test_validate_counts_articles_another_day_already_holds_as_landed(ctx):
    write_day(ctx, [], [source_daily(listed=4, extracted=0, duplicates=4)])
    assert pipeline.validate_stage(ctx)["ok"]


def test_validate_reports_a_source_whose_listings_turned_to_zero(ctx):
    lake.replace_slice(ctx.location, "articles", lake.to_table("articles", []), DAY)
    row = {"partition_date": DAY, "source": "s", **{f.name: 0 for f in lake.TABLES["source_daily"] if f.name not in ("partition_date", "source")}}
    lake.replace_slice(ctx.location, "source_daily", lake.to_table("source_daily", [row]), DAY)
    assert pipeline.validate_stage(ctx)["sources_listing_nothing"] == ["s"]
    row.update(entries_listed=4, entries_other_day=4)
    lake.replace_slice(ctx.location, "source_daily", lake.to_table("source_daily", [row]), DAY)
    assert "sources_listing_nothing" not in pipeline.validate_stage(ctx)


def test_validate_fails_when_too_many_articles_have_no_date(ctx):
    rows = [article(i, published_at=None) if i < 3 else article(i) for i in range(10)]
    write_day(ctx, rows, [source_daily(listed=10, extracted=10)])
    with pytest.raises(ValidationError, match="30% of articles have no published_at"):
        pipeline.validate_stage(ctx)


def test_validate_passes_a_complete_slice_and_reports_null_shares(ctx):
    write_day(ctx, [article(i) for i in range(5)], [source_daily(listed=5, extracted=5)])
    report = pipeline.validate_stage(ctx)
    assert report["articles"] == 5 and report["null_share_published_at"] == 0.0


PAGE = b"""<html lang="en"><head><title>t</title><script type="application/ld+json">
{"@type": "NewsArticle", "headline": "Ministers meet", "datePublished": "%s"}</script></head>
<body><article><h1>Ministers meet</h1><p>The ministers met in Dubai on Friday to discuss the budget and agreed on a plan for
the coming year, officials said after a long session that ended late.</p><p>The plan will be published next week, according
to a statement from the finance ministry, which has not given further details.</p></article></body></html>"""


def page(published: str, listed_at=None) -> FetchedPage:
    return FetchedPage(url="http://example.com/a", source="s", final_url="http://example.com/a", http_status=200,
                       headers={"Content-Type": "text/html"}, body=PAGE % published.encode(), fetched_at=dt.datetime(2025, 3, 8, tzinfo=UTC), listed_at=listed_at)


def test_page_date_in_another_offset_is_stored_in_utc_with_its_local_day(ctx):
    built = pipeline.build_article(ctx, page("2025-03-08T01:30:00+04:00"))
    assert built.published_at == dt.datetime(2025, 3, 7, 21, 30, tzinfo=UTC)
    assert built.published_date_local == dt.date(2025, 3, 8) and built.published_at_original.endswith("+04:00")


def test_undated_listing_whose_page_belongs_to_another_day_is_left_to_that_day(ctx):
    assert pipeline.build_article(ctx, page("2025-03-05T10:00:00+00:00")) is None
    listed = dt.datetime(2025, 3, 7, 9, tzinfo=UTC)  # a listing dated inside the interval keeps it here
    assert pipeline.build_article(ctx, page("2025-03-05T10:00:00+00:00", listed_at=listed)) is not None


def test_discovery_is_staged_as_parquet_and_any_day_size_maps_below_max_map_length(ctx):
    import dataclasses

    from newslake.schemas import Candidate
    from newslake.urls import url_bucket

    listed = dt.datetime(2025, 3, 10, 9, tzinfo=dt.timezone.utc)
    candidates = [Candidate(f"https://h{i % 40}.example/story/{i}", "s", listed if i % 2 else None, "https://h.example/rss") for i in range(3000)]
    planned, over_budget = pipeline.plan_day(ctx, candidates, {})
    refs = pipeline.stage_candidates(ctx, planned)
    assert not over_budget
    assert [r["index"] for r in refs] == list(range(len(refs))) and sum(r["count"] for r in refs) == 3000
    assert all(set(r) == {"index", "candidates", "count", "sources", "source_count"} and isinstance(r["candidates"], str) for r in refs)  # references, not lists
    assert pipeline.describe_batch(refs[0]) == f"batch 0: {refs[0]['count']} URLs (s)"
    back = [c for r in refs for c in pipeline.read_candidates(ctx, r["candidates"])]
    assert sorted(back, key=lambda c: c.url) == sorted(candidates, key=lambda c: c.url)
    buckets = [url_bucket(c.url) for c in back]
    assert buckets == sorted(buckets)  # a batch covers few url_state buckets
    small = dataclasses.replace(ctx.settings, batch_size=250, max_batches=1000)
    assert pipeline.batch_size_for(small, 3000) == 250
    for day_size in (300_000, 1_000_000, 5_000_000):
        size = pipeline.batch_size_for(small, day_size, reserved=20)
        assert -(-day_size // size) + 20 <= 1000


def _entity(i: int, mention: str) -> dict:
    return {"article_id": f"{i:020d}", "partition_date": DAY, "mention": mention, "label": "PERSON", "start_char": 0, "end_char": 3, "sentence_index": 0, "canonical": mention}


def test_write_stage_streams_staged_files_keeping_one_copy_of_each_article_and_its_rows(ctx):
    """An article staged in two batches (listed twice) lands once, with one set of child rows;
    exact repeats inside a batch go; each table's slice is one commit of the streamed files."""
    first = [article(i) for i in range(3)]
    second = [article(2), article(3, url="http://example.com/3")]  # article 2 again, from another batch
    pipeline._write_staged(ctx, ctx.staging("enriched", "00000.parquet"), lake.to_table("articles", first))
    pipeline._write_staged(ctx, ctx.staging("enriched", "00001.parquet"), lake.to_table("articles", second))
    entities_0 = [_entity(0, "Ada"), _entity(0, "Ada"), _entity(1, "Bob"), _entity(2, "Cy")]  # an exact repeat
    entities_1 = [_entity(2, "Cy"), _entity(3, "Di")]
    pipeline._write_staged(ctx, ctx.staging("entities", "00000.parquet"), lake.to_table("entities", entities_0))
    pipeline._write_staged(ctx, ctx.staging("entities", "00001.parquet"), lake.to_table("entities", entities_1))
    counts = pipeline.write_stage(ctx)
    assert (counts["articles"], counts["entities"], counts["duplicates_dropped"]) == (4, 4, 1)
    landed = lake.read_table(ctx.location, "entities", DAY).sort_by("article_id")
    assert [(r["article_id"][-1], r["mention"]) for r in landed.to_pylist()] == [("0", "Ada"), ("1", "Bob"), ("2", "Cy"), ("3", "Di")]
    articles = lake.read_table(ctx.location, "articles", DAY).sort_by("article_id")
    assert articles.column("text").to_pylist() == ["body text"] * 4 and articles.num_rows == 4
    assert lake.read_table(ctx.location, "neardup_bands", DAY).num_rows == 4 * 2  # every kept article indexed


def test_batches_are_named_by_index_url_count_and_sources():
    batch = {"index": 3, "candidates": [{"url": f"u{i}", "source": "a" if i < 2 else "b"} for i in range(3)]}
    assert pipeline.describe_batch(batch) == "batch 3: 3 URLs (a, b)"
    assert pipeline.describe_batch({"index": 0, "candidates": [{"url": "u", "source": "a"}]}) == "batch 0: 1 URL (a)"
    assert pipeline.describe_batch({"index": 4, "candidates": [], "warc": "/data/x/CC-NEWS-1.warc.gz", "source": "cc"}) == "batch 4: cc WARC CC-NEWS-1.warc.gz"


def test_dedupe_keeps_one_row_per_article_and_per_landed_page_preferring_the_page_own_url():
    rows = [
        article(1, url="http://example.com/short", final_url="http://example.com/story?utm_source=feed", source="a"),  # a tracking link
        article(2, url="http://example.com/story", final_url="http://example.com/story", source="b"),  # the page's own URL
        article(3, source="a"),
        article(3, source="b"),  # listed twice: the first listing wins
        article(4, final_url="", source="a"),  # no final URL recorded: its own listing is its page
    ]
    kept, dropped = pipeline._dedupe(lake.to_table("articles", rows))
    assert kept.column("article_id").to_pylist() == [f"{2:020d}", f"{3:020d}", f"{4:020d}"]
    assert kept.column("source").to_pylist() == ["b", "a", "a"]
    assert dropped == {"a": 1, "b": 1}


def test_articles_another_day_holds_are_dropped_and_counted_per_source(ctx):
    other_day = DAY - dt.timedelta(days=1)
    lake.replace_slice(ctx.location, "articles", lake.to_table("articles", [article(1, partition_date=other_day, published_date_local=other_day)]), other_day)
    lake.replace_slice(ctx.location, "articles", lake.to_table("articles", [article(2)]), DAY)  # this day's own slice does not count
    staged = lake.to_table("articles", [article(1, source="a"), article(2), article(3)])
    kept, dropped = pipeline._drop_claimed_elsewhere(ctx, staged)
    assert kept.column("article_id").to_pylist() == [f"{2:020d}", f"{3:020d}"]
    assert dropped == {"a": 1}
