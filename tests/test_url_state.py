"""Tests for newslake.url_state: crawl state looked up and merged by hash bucket."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
from deltalake import write_deltalake

from newslake import lake, url_state
from newslake.schemas import URL_STATE
from newslake.storage import LakeLocation
from newslake.urls import URL_BUCKETS, url_bucket

T0 = dt.datetime(2025, 3, 10, 12, tzinfo=dt.timezone.utc)


def _rows(urls: list[str], etag: str = "v1", when: dt.datetime = T0, buckets: bool = True) -> pa.Table:
    rows = [
        {
            "url": u,
            "article_id": f"{i:020d}",
            "first_seen": when,
            "last_fetched": when,
            "status": 200,
            "etag": etag,
            "last_modified": None,
            "content_hash": "h",
            "warc_path": "raw/x.warc.gz",
            "warc_offset": i,
            "url_bucket": url_bucket(u) if buckets else 0,
        }
        for i, u in enumerate(urls)
    ]
    return pa.Table.from_pylist(rows, schema=URL_STATE)


def test_buckets_are_stable_and_spread():
    urls = [f"https://news.example/{i}" for i in range(2000)]
    buckets = [url_bucket(u) for u in urls]
    assert buckets == [url_bucket(u) for u in urls]
    assert set(buckets) == set(range(URL_BUCKETS))
    assert url_bucket("https://News.Example/1#top") == url_bucket("https://news.example/1")


def test_lookup_finds_the_batch_rows_and_reads_only_their_buckets(tmp_path):
    location = LakeLocation.from_settings(str(tmp_path / "lake"))
    urls = [f"https://news.example/{i}" for i in range(500)]
    url_state.merge(location, _rows(urls))
    wanted = urls[:3] + ["https://news.example/never-fetched"]
    found = url_state.lookup(location, wanted)
    assert set(found) == set(urls[:3])
    assert found[urls[0]]["etag"] == "v1" and found[urls[0]]["warc_offset"] == 0
    # the files listed for the lookup are those of the batch's buckets only
    buckets = sorted({url_bucket(u) for u in wanted})
    listed = lake.dataset(location, "url_state", partitions=[("url_bucket", "in", buckets)]).files
    assert listed and all(any(f"url_bucket={b}/" in path for b in buckets) for path in listed)
    assert len(listed) < len(lake.dataset(location, "url_state").files)


def test_merge_updates_known_urls_keeps_first_seen_and_touches_only_their_buckets(tmp_path):
    location = LakeLocation.from_settings(str(tmp_path / "lake"))
    urls = [f"https://news.example/{i}" for i in range(300)]
    url_state.merge(location, _rows(urls))
    before = {a["path"] for a in pa.table(lake.open_table(location, "url_state").get_add_actions(flatten=True)).to_pylist()}
    later = T0 + dt.timedelta(days=1)
    url_state.merge(location, _rows(urls[:1], etag="v2", when=later))
    after = {a["path"] for a in pa.table(lake.open_table(location, "url_state").get_add_actions(flatten=True)).to_pylist()}
    row = url_state.lookup(location, urls[:1], columns=["url", "etag", "first_seen", "last_fetched"])[urls[0]]
    assert (row["etag"], row["first_seen"], row["last_fetched"]) == ("v2", T0, later)
    assert lake.read_table(location, "url_state").num_rows == 300
    changed = {p.split("/")[0] for p in before ^ after}
    assert changed == {f"url_bucket={url_bucket(urls[0])}"}


def test_a_lake_with_the_old_unpartitioned_table_is_read_then_moved_into_buckets(tmp_path):
    location = LakeLocation.from_settings(str(tmp_path / "lake"))
    urls = [f"https://news.example/{i}" for i in range(50)]
    old = _rows(urls).drop_columns(["url_bucket"])
    write_deltalake(location.uri(url_state.LEGACY_PATH), old)
    assert set(url_state.lookup(location, urls[:5])) == set(urls[:5])  # read before any write
    url_state.merge(location, _rows(["https://news.example/new"]))
    assert lake.read_table(location, "url_state").num_rows == 51
    assert set(url_state.lookup(location, [*urls[:5], "https://news.example/new"])) == {*urls[:5], "https://news.example/new"}


def test_a_large_day_is_merged_in_bucket_groups_with_the_same_result(tmp_path, monkeypatch):
    location = LakeLocation.from_settings(str(tmp_path / "lake"))
    urls = [f"https://news.example/{i}" for i in range(400)]
    url_state.merge(location, _rows(urls[:100]))
    monkeypatch.setattr(url_state, "MERGE_ROWS", 37)  # several MERGEs, some buckets larger than a group
    versions = lake.open_table(location, "url_state").version()
    assert url_state.merge(location, _rows(urls, etag="v2")) == 400
    assert lake.open_table(location, "url_state").version() - versions > 5
    stored = lake.read_table(location, "url_state")
    assert sorted(stored.column("url").to_pylist()) == sorted(urls)
    assert set(stored.column("etag").to_pylist()) == {"v2"}


def test_merge_groups_bound_staged_and_stored_rows_and_never_split_a_bucket():
    staged = np.array([0, 5, 5, 5, 0, 30, 5])
    stored = np.array([99, 10, 10, 10, 10, 10, 500])
    groups = url_state.merge_groups(staged, stored, max_staged=12, max_stored=25)
    assert groups == [(1, 3), (3, 5), (5, 6), (6, 7)]  # bucket 0 and 4 have nothing staged; 5 and 6 exceed a bound alone
    covered = [b for first, last in groups for b in range(first, last) if staged[b]]
    assert covered == [1, 2, 3, 5, 6]
    for first, last in groups:
        inside = [b for b in range(first, last) if staged[b]]
        assert len(inside) == 1 or (staged[first:last].sum() <= 12 and stored[first:last].sum() <= 25)


def test_a_merge_into_a_large_table_is_split_by_stored_rows_with_the_same_result(tmp_path, monkeypatch):
    location = LakeLocation.from_settings(str(tmp_path / "lake"))
    urls = [f"https://news.example/{i}" for i in range(300)]
    url_state.merge(location, _rows(urls[:200]))
    monkeypatch.setattr(url_state, "MERGE_TARGET_ROWS", 20)
    versions = lake.open_table(location, "url_state").version()
    assert url_state.merge(location, _rows(urls, etag="v2")) == 300
    assert lake.open_table(location, "url_state").version() - versions >= 200 // 20 - 1
    stored = lake.read_table(location, "url_state")
    assert sorted(stored.column("url").to_pylist()) == sorted(urls)
    assert set(stored.column("etag").to_pylist()) == {"v2"}
