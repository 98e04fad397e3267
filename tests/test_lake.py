import datetime as dt
import os
import threading
import time

import pyarrow as pa
import pytest

from newslake import lake
from newslake.errors import LakeError
from newslake.storage import LakeLocation

DAY = dt.date(2025, 3, 7)
NOW = dt.datetime(2025, 3, 8, tzinfo=dt.timezone.utc)


def failure(i: int, day: dt.date = DAY) -> dict:
    return {"partition_date": day, "source": "s", "url": f"http://e.com/{i}", "stage": "fetch", "reason": "HTTP 404", "http_status": 404, "attempt": 1, "failed_at": NOW}


@pytest.fixture
def location(tmp_path):
    return LakeLocation.from_settings(str(tmp_path / "lake"))


def test_replacing_a_slice_twice_leaves_one_copy_and_other_slices_alone(location):
    other = dt.date(2025, 3, 6)
    lake.replace_slice(location, "failures", lake.to_table("failures", [failure(9, other)]), other)
    for _ in range(2):
        lake.replace_slice(location, "failures", lake.to_table("failures", [failure(1), failure(2)]), DAY)
    assert lake.read_table(location, "failures", DAY).num_rows == 2
    assert lake.read_table(location, "failures", other).column("url").to_pylist() == ["http://e.com/9"]


def test_an_empty_replacement_clears_the_slice(location):
    lake.replace_slice(location, "failures", lake.to_table("failures", [failure(1)]), DAY)
    lake.replace_slice(location, "failures", lake.to_table("failures", []), DAY)
    assert lake.read_table(location, "failures").num_rows == 0


def test_rows_of_another_day_are_refused(location):
    with pytest.raises(LakeError, match="cannot be written into slice 2025-03-07"):
        lake.replace_slice(location, "failures", lake.to_table("failures", [failure(1, dt.date(2025, 3, 1))]), DAY)


def test_files_are_zstd_parquet_in_hive_partition_folders(location):
    import pyarrow.parquet as pq

    lake.replace_slice(location, "failures", lake.to_table("failures", [failure(1)]), DAY)
    folder = os.path.join(location.root, "failures", "partition_date=2025-03-07")
    [name] = [n for n in os.listdir(folder) if n.endswith(".parquet")]
    assert pq.ParquetFile(os.path.join(folder, name)).metadata.row_group(0).column(0).compression == "ZSTD"


def test_reading_an_absent_table_gives_an_empty_table_with_the_schema(location):
    table = lake.read_table(location, "articles")
    assert table.num_rows == 0 and "published_at" in table.column_names


def _holds_exclusively(make_lock) -> bool:
    inside, overlaps = [0], [0]

    def worker():
        for _ in range(5):
            with make_lock():
                inside[0] += 1
                overlaps[0] += inside[0] > 1
                time.sleep(0.01)
                inside[0] -= 1

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return overlaps[0] == 0


def test_local_write_lock_is_exclusive(location):
    assert _holds_exclusively(lambda: lake.write_lock(location))


def test_redis_write_lock_is_exclusive_for_object_store_lakes():
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        if os.environ.get("NEWSLAKE_CI"):
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    s3 = LakeLocation.from_settings(f"s3://bucket/test-lock-{os.getpid()}")
    assert _holds_exclusively(lambda: lake.write_lock(s3, url))
    assert redis.Redis.from_url(url).keys("newslake:write-lock:*") == []  # released


def test_a_streamed_slice_is_written_as_rolled_files_with_delta_statistics(location, monkeypatch):
    import pyarrow.parquet as pq
    from deltalake import DeltaTable

    lake.replace_slice(location, "failures", lake.to_table("failures", [failure(0)]), DAY)  # the table exists: files are written by newslake
    monkeypatch.setitem(lake.FILE_ROWS, "failures", 40)
    monkeypatch.setitem(lake.ROW_GROUP_ROWS, "failures", 16)
    rows = [failure(i) for i in range(100)]
    written = lake.replace_slice(location, "failures", lambda: iter(lake.to_table("failures", rows).to_batches(max_chunksize=7)), DAY)
    assert written == 100
    table = DeltaTable(location.uri("failures"))
    actions = pa.table(table.get_add_actions(flatten=True)).to_pylist()
    sizes = sorted(a["num_records"] for a in actions)
    assert sum(sizes) == 100 and len(sizes) == 3 and all(40 <= s < 40 + 16 + 7 for s in sizes[1:])  # rolled past 40 rows at a row group
    assert all(a["path"].startswith("partition_date=2025-03-07/") for a in actions)
    assert {a["min.http_status"] for a in actions} == {404} and {a["null_count.stage"] for a in actions} == {0}
    assert min(a["min.failed_at"] for a in actions) == NOW
    # delta-rs's own reader, a partition-pruned read, and ours agree
    assert sorted(table.to_pyarrow_table().column("url").to_pylist()) == sorted(r["url"] for r in rows)
    assert lake.read_table(location, "failures", DAY).num_rows == 100
    assert "partition_date" not in pq.read_schema(f"{location.path}/failures/{actions[0]['path']}").names  # the value is in the path, as delta-rs writes it


def test_a_streamed_slice_of_a_table_partitioned_twice_lands_in_each_partition(location):
    from newslake.schemas import TABLES

    schema = TABLES["neardup_bands"]
    row = {f.name: None for f in schema}
    rows = []
    for i in range(30):
        rows.append({**row, "partition_date": DAY, "band_prefix": i % 3, "article_id": f"{i:020d}", "simhash": i, "band_value": i, "band": 0})
    table = lake.to_table("neardup_bands", [r for r in rows if r["band_prefix"] == 0])
    lake.replace_slice(location, "neardup_bands", table, DAY)
    lake.replace_slice(location, "neardup_bands", lake.to_table("neardup_bands", rows), DAY)
    for prefix in range(3):
        part = lake.read_table(location, "neardup_bands", DAY, partitions=[("band_prefix", "=", prefix)])
        assert sorted(part.column("article_id").to_pylist()) == [f"{i:020d}" for i in range(prefix, 30, 3)]
