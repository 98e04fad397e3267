"""The Redis-backed per-host clock, against the real Redis on 127.0.0.1:6379."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import uuid

import pytest

from newslake.config import Settings
from newslake.ratelimit import RedisHostClock

REDIS_URL = os.environ.get("NEWSLAKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture()
def prefix():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("NEWSLAKE_CI"):
            pytest.fail(f"Redis at {REDIS_URL} is not reachable in CI ({exc}); .ci/run should have started it")
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    prefix = f"newslake-test:{uuid.uuid4().hex}:"
    yield prefix
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)
    client.close()


def _hammer(clocks: list[RedisHostClock], host: str, delay: float, per_clock: int) -> list[float]:
    times: list[float] = []
    lock = threading.Lock()

    def run(clock: RedisHostClock) -> None:
        for _ in range(per_clock):
            clock.wait(host, delay)
            with lock:
                times.append(time.monotonic())

    threads = [threading.Thread(target=run, args=(c,)) for c in clocks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(times)


def test_two_clocks_with_separate_connections_share_one_host_schedule(prefix):
    clocks = [RedisHostClock.from_url(REDIS_URL, key_prefix=prefix) for _ in range(3)]  # like 3 workers
    times = _hammer(clocks, "news.example", 0.1, per_clock=4)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) == 12
    assert min(gaps) >= 0.09, gaps  # scheduling jitter of a few ms at most
    assert times[-1] - times[0] < 11 * 0.1 + 0.5  # and no needless extra waiting


def test_different_hosts_do_not_wait_for_each_other(prefix):
    clock = RedisHostClock.from_url(REDIS_URL, key_prefix=prefix)
    started = time.monotonic()
    for i in range(20):
        clock.wait(f"host-{i}.example", 1.0)
    assert time.monotonic() - started < 0.5


def test_first_request_to_a_host_does_not_wait_and_keys_expire(prefix):
    import redis

    clock = RedisHostClock.from_url(REDIS_URL, key_prefix=prefix)
    slept: list[float] = []
    clock._sleep = slept.append
    clock.wait("a.example", 0.5)
    clock.wait("a.example", 0.5)
    assert slept and 0.4 < slept[0] <= 0.5 and len(slept) == 1
    ttl = redis.Redis.from_url(REDIS_URL).pttl(prefix + "a.example")
    assert 0 < ttl <= 61_000


def test_unreachable_redis_falls_back_to_a_per_process_clock():
    slept: list[float] = []
    clock = RedisHostClock.from_url("redis://127.0.0.1:1/0", sleep=slept.append)
    clock.wait("a.example", 0.3)
    clock.wait("a.example", 0.3)
    assert len(slept) == 1 and 0.2 < slept[0] <= 0.3


def test_setting_selects_the_redis_clock_for_pipeline_fetchers(tmp_path, prefix):
    from newslake import pipeline

    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - name: a\n    feeds: [http://127.0.0.1:9/feed]\n")
    settings = Settings.load(
        env={"NEWSLAKE_RATE_LIMIT_REDIS_URL": REDIS_URL, "NEWSLAKE_SOURCES_FILE": str(sources), "NEWSLAKE_LAKE_ROOT": str(tmp_path)}
    )
    assert settings.rate_limit_redis_url == REDIS_URL
    start = dt.datetime(2025, 3, 8, tzinfo=dt.UTC)
    ctx = pipeline.RunContext.create(settings, start, start + dt.timedelta(days=1))
    with pipeline._fetcher(ctx) as fetcher:
        assert isinstance(fetcher.clock, RedisHostClock)
    local = pipeline.RunContext.create(Settings(sources_file=str(sources), lake_root=str(tmp_path)), start, start + dt.timedelta(days=1))
    with pipeline._fetcher(local) as fetcher:
        assert not isinstance(fetcher.clock, RedisHostClock)
