import datetime as dt
import os
import threading
import time

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
