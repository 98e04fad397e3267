"""What bench/throughput.py relies on: per-process gazetteer, one fetch thread per host, distinct pages."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

from newslake import pipeline
from newslake.config import Politeness, Settings, Source
from newslake.geocode import Gazetteer, load_gazetteer
from newslake.storage import LakeLocation
from newslake.urls import article_id

REPO = Path(__file__).resolve().parents[1]


def _context(tmp_path: Path) -> pipeline.RunContext:
    start = dt.datetime(2025, 3, 8, tzinfo=dt.UTC)
    sources = (Source("a", politeness=Politeness(min_delay_seconds=0.0)),)
    return pipeline.RunContext(
        Settings(lake_root=str(tmp_path)), sources, LakeLocation.from_settings(str(tmp_path)), start, start + dt.timedelta(days=1), "2025-03-08__t"
    )


def test_load_gazetteer_builds_the_index_once_per_process():
    first = load_gazetteer()
    assert isinstance(first, Gazetteer)
    assert load_gazetteer() is first


def test_fetch_stage_gives_every_host_of_the_batch_its_own_thread(tmp_path, monkeypatch):
    seen = {}

    class FakeFetcher:
        def __init__(self, settings, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def fetch_many(self, candidates, politeness_of, max_hosts=8, **kwargs):
            seen["max_hosts"] = max_hosts
            seen["urls"] = [c.url for c in candidates]
            return [], []

    monkeypatch.setattr(pipeline, "PoliteFetcher", FakeFetcher)
    candidates = [
        {"url": f"http://127.0.0.1:{9000 + h}/a/{k}.html", "source": "a", "listed_at": None, "found_in": ""} for h in range(20) for k in range(2)
    ]
    result = pipeline.fetch_stage(_context(tmp_path), 0, candidates)
    assert seen["max_hosts"] == 20  # not fetch_many's default of 8
    assert len(seen["urls"]) == 40 and result["fetched"] == 0


def test_bench_pages_cycle_the_corpus_with_one_article_id_each():
    spec = importlib.util.spec_from_file_location("throughput_bench", REPO / "bench" / "throughput.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # its dataclasses look their module up there
    spec.loader.exec_module(bench)
    bench.CORPUS = REPO.parent / "shared" / "corpus" / "extraction"
    if not bench.CORPUS.exists():
        import pytest

        pytest.skip("extraction corpus not present")
    corpus = bench.corpus_pages()
    pages = bench.bench_pages(len(corpus) + 5)
    assert len({article_id(p.url) for p in pages}) == len(pages)
    assert pages[len(corpus)].body == pages[0].body
