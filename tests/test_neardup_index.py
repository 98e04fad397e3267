"""Tests for newslake.neardup_index: the lake's band index gives the exhaustive search's answer."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from newslake import lake, neardup, neardup_index
from newslake.storage import LakeLocation
from tests.synthetic_lake import rows_for

DAY = dt.date(2025, 3, 20)
UTC = dt.timezone.utc


def _articles(day: dt.date, prints: list[int], prefix: str) -> pa.Table:
    rows = [
        {
            "article_id": f"{prefix}{i:05d}".ljust(20, "0"),
            "partition_date": day,
            "source": "s",
            "url": f"https://s.example/{prefix}/{i}",
            "published_at": dt.datetime.combine(day, dt.time(), UTC) + dt.timedelta(minutes=7 * i),
            "simhash": h,
        }
        for i, h in enumerate(prints)
    ]
    return rows_for("articles", rows, day)


def _flip(h: int, bits) -> int:
    flipped = (h & 0xFFFFFFFFFFFFFFFF) ^ sum(1 << int(b) for b in bits)
    return flipped - (1 << 64) if flipped >= 1 << 63 else flipped


def _lake_with_copies(tmp_path, index_earlier_days: bool):
    """Three earlier days and one slice whose every third article copies an earlier one."""
    rng = np.random.default_rng(5)
    location = LakeLocation.from_settings(str(tmp_path / "lake"))
    earlier = []
    for k, day in enumerate([DAY - dt.timedelta(days=d) for d in (3, 2, 40)]):  # the 40-day-old one is outside the window
        prints = [int(h) for h in rng.integers(-(2**63), 2**63 - 1, 400, dtype=np.int64)]
        table = _articles(day, prints, f"d{k}")
        lake.replace_slice(location, "articles", table, day)
        if index_earlier_days:
            lake.replace_slice(location, "neardup_bands", neardup_index.band_rows(table, day), day)
        earlier.append(table)
    pool = [h for t in earlier for h in t.column("simhash").to_pylist()]
    prints = []
    for i in range(300):
        if i % 3 == 0:
            prints.append(_flip(pool[int(rng.integers(0, len(pool)))], rng.choice(64, int(rng.integers(0, 5)), replace=False)))
        elif i % 3 == 1 and prints:
            prints.append(_flip(prints[-1], [int(rng.integers(0, 64))]))  # a copy within the slice
        else:
            prints.append(int(rng.integers(-(2**63), 2**63 - 1, dtype=np.int64)))
    return location, _articles(DAY, prints, "new"), earlier


def _exhaustive(articles: pa.Table, earlier: list[pa.Table]) -> list[str | None]:
    window = [t for t in earlier if abs((t.column("partition_date")[0].as_py() - DAY).days) <= 30]
    cols = ["article_id", "simhash", "published_at"]
    prints = lambda t: [neardup.Fingerprint(*r) for r in zip(*(t.column(c).to_pylist() for c in cols))]  # noqa: E731
    found = neardup.find_duplicate_of(prints(articles), [f for t in window for f in prints(t)])
    return [found[i] for i in articles.column("article_id").to_pylist()]


def test_band_rows_hold_every_band_of_every_article():
    table = _articles(DAY, [0, -1, 12345], "x")
    bands = neardup_index.band_rows(table, DAY)
    assert bands.num_rows == 3 * neardup.BANDS
    assert set(bands.column("partition_date").to_pylist()) == {DAY}
    assert bands.filter(pa.compute.equal(bands.column("article_id"), table.column("article_id")[1])).column("band_value").to_pylist() == [2**32 - 1, 2**32 - 1]


def test_the_lake_index_finds_what_the_exhaustive_search_finds(tmp_path):
    location, articles, earlier = _lake_with_copies(tmp_path, index_earlier_days=True)
    marked = neardup_index.mark_near_duplicates(location, articles, DAY, window_days=30)
    expected = _exhaustive(articles, earlier)
    assert marked.column("duplicate_of").to_pylist() == expected
    assert sum(e is not None for e in expected) > 80


def test_days_written_before_the_index_are_indexed_on_the_fly(tmp_path):
    location, articles, earlier = _lake_with_copies(tmp_path, index_earlier_days=False)
    marked = neardup_index.mark_near_duplicates(location, articles, DAY, window_days=30)
    assert marked.column("duplicate_of").to_pylist() == _exhaustive(articles, earlier)
