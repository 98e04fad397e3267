"""Day-level steps at internet scale: synthetic staged days of N articles through the real code.

Builds a lake of `--prior-days` earlier days, then stages one more day of `--articles` articles
exactly as the extract/enrich tasks leave it under `_staging/<run>/` (articles with ~4,000
characters of varied text, 25 entity, 5 place and 4 date rows each, a known share of
near-duplicate copies, in-day repeats, failures, url_state and counter rows), and runs every
day-level step of a run, each in its own child process so its peak RSS is its own:

  stage_day           writing the synthetic staging (input preparation, not a pipeline step)
  discover_staging    `pipeline.stage_candidates`: the day's candidate list to Parquet + batch plan
  url_state_lookup    `pipeline.url_state_lookup` for one planned batch (and one random batch)
  write_stage         `pipeline.write_stage`, with its parts (dedupe, claimed elsewhere,
                      near-duplicates, each table's commit, url_state MERGE) timed inside
  marts               `marts.rebuild_marts` for the day
  sql_refresh         `query.write_sql_access` (BI views over every table's current files)

Prior days are written straight into the tables a run's write step leaves (articles,
near-duplicate band index, failures, url_state appended per day; `write_prior_day_direct`), with
short texts and no entity/place/date rows: no day-level step reads earlier days' texts or child
rows, and this builds a 30-day lake of 1M-article days in about half an hour on one disk.
`--prior-via-write-stage` runs `pipeline.write_stage` for each prior day instead (the literal
path, hours at 1M). NLP is not part of it.

The last line printed is one JSON object:
  {"articles": N, "prior_days": D, "steps": {"<step>": {"wall_s": .., "cpu_s": .., "peak_rss_mb": ..}}}

Run from the repo root:  .venv/bin/python bench/scale.py --articles 100000 --prior-days 30 --json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

DAY = dt.date(2025, 6, 1)
SOURCES = [f"site-{i:02d}" for i in range(20)]
WORDS_PER_ARTICLE = 620  # ~4,000 characters with the vocabulary below
ENTITIES, PLACES, DATES = 25, 5, 4
COPY_SHARE = 0.05  # near-duplicate copies (syndication) among the day's articles
REPEAT_SHARE = 0.01  # the same URL staged twice (listed in two feeds)
FAILURE_SHARE = 0.03
STAGE_BATCH_ROWS = 2_000  # rows per staged file of the synthetic day (what one enrich task leaves)
UTC = dt.timezone.utc


def log_line(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- synthetic data
def vocabulary(rng: np.random.Generator, size: int = 20_000) -> np.ndarray:
    """Made-up words of 2-12 letters (Zipf-ish use below), so texts vary like real prose."""
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(2, 12, size)
    return np.array(["".join(rng.choice(letters, n)) for n in lengths])


def texts(rng: np.random.Generator, words: np.ndarray, n: int, words_per_text: int) -> list[str]:
    ranks = np.minimum(rng.zipf(1.3, size=(n, words_per_text)) - 1, len(words) - 1)
    return [" ".join(row) for row in words[ranks]]


def article_ids(urls: list[str]) -> list[str]:
    from newslake.urls import article_id

    return [article_id(u) for u in urls]


def flip_bits(rng: np.random.Generator, values: np.ndarray, max_bits: int) -> np.ndarray:
    """Each value with 0..max_bits random bits flipped (a near-duplicate's fingerprint)."""
    out = values.view(np.uint64).copy()
    for i in range(len(out)):
        for bit in rng.choice(64, rng.integers(0, max_bits + 1), replace=False):
            out[i] ^= np.uint64(1) << np.uint64(bit)
    return out.view(np.int64)


def day_articles(rng, words, day: dt.date, n: int, text_words: int, earlier: np.ndarray | None, id_offset: int, ids: list[str] | None = None) -> pa.Table:
    """`n` article rows of `day` (schema `articles`); COPY_SHARE of them copy an earlier fingerprint."""
    from newslake.schemas import ARTICLES

    urls = [f"https://{SOURCES[i % len(SOURCES)]}.example/{day:%Y/%m/%d}/story-{id_offset + i}" for i in range(n)]
    ids = ids if ids is not None else article_ids(urls)
    body = texts(rng, words, n, text_words)
    prints = rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64)
    copies = rng.random(n) < COPY_SHARE
    if earlier is not None and len(earlier):  # copy an article of an earlier day
        picked = earlier[rng.integers(0, len(earlier), int(copies.sum()))]
    else:  # copy an earlier article of the same day
        picked = prints[rng.integers(0, max(1, n // 2), int(copies.sum()))]
    prints[copies] = flip_bits(rng, picked, 3)
    midnight = dt.datetime.combine(day, dt.time(), UTC)
    seconds = np.sort(rng.integers(0, 86_400, n))
    published = [midnight + dt.timedelta(seconds=int(s)) for s in seconds]
    fetched = midnight + dt.timedelta(hours=23)
    columns = {
        "article_id": ids,
        "partition_date": [day] * n,
        "source": [SOURCES[i % len(SOURCES)] for i in range(n)],
        "url": urls,
        "final_url": urls,
        "canonical_url": urls,
        "title": [t[:60] for t in body],
        "page_title": [t[:60] + " | Site" for t in body],
        "author": ["Staff"] * n,
        "authors": [["Staff"]] * n,
        "site_name": [SOURCES[i % len(SOURCES)] for i in range(n)],
        "description": [t[:160] for t in body],
        "categories": [["news"]] * n,
        "tags": [["world", "politics"]] * n,
        "language": ["en"] * n,
        "published_at": published,
        "published_at_original": [p.isoformat() for p in published],
        "published_date_local": [day] * n,
        "date_precision": ["time"] * n,
        "date_source": ["json-ld"] * n,
        "text": body,
        "word_count": [text_words] * n,
        "entity_count": [ENTITIES] * n,
        "nlp_applied": [True] * n,
        "http_status": [200] * n,
        "fetched_at": [fetched] * n,
        "extractor_version": ["bench"] * n,
        "simhash": prints,
        "duplicate_of": [None] * n,
    }
    return pa.table({f.name: pa.array(columns[f.name], f.type) for f in ARTICLES}, schema=ARTICLES)


def child_rows(rng, name: str, ids: list[str], day: dt.date, per_article: int) -> pa.Table:
    """`per_article` rows of child table `name` for each article id (vectorised, no dicts)."""
    from newslake.schemas import TABLES

    schema = TABLES[name]
    n = len(ids) * per_article
    labels = np.array(["PERSON", "ORG", "GPE", "NORP", "LOC"])
    names = np.array([f"Name {i}" for i in range(5_000)])
    start = rng.integers(0, 3_900, n).astype(np.int32)
    values = {
        "article_id": np.repeat(np.array(ids), per_article),
        "partition_date": pa.array(np.full(n, np.datetime64(day, "D"))),
        "mention": names[rng.zipf(1.5, n) % len(names)],
        "label": labels[rng.integers(0, len(labels), n)],
        "start_char": start,
        "end_char": start + 8,
        "sentence_index": rng.integers(0, 30, n).astype(np.int32),
        "canonical": names[rng.zipf(1.5, n) % len(names)],
        "country_code": np.array(["GB", "FR", "US", "DE", None])[rng.integers(0, 5, n)],
        "latitude": rng.uniform(-60, 60, n),
        "longitude": rng.uniform(-180, 180, n),
        "feature_type": np.array(["city", "country"])[rng.integers(0, 2, n)],
        "geonames_id": rng.integers(1, 10_000_000, n),
        "population": rng.integers(1_000, 10_000_000, n),
        "timex_type": np.array(["DATE", "TIME", "DURATION"])[rng.integers(0, 3, n)],
        "value": np.array(["2025-06-01", "2025-05", "P3D", "PRESENT_REF"])[rng.integers(0, 4, n)],
        "reference_date": pa.array(np.full(n, np.datetime64(day, "D"))),
    }
    return pa.table({f.name: pa.array(values[f.name], f.type) for f in schema}, schema=schema)


def failure_rows(ids_urls: list[str], sources: list[str], day: dt.date) -> pa.Table:
    from newslake.schemas import FAILURES

    n = len(ids_urls)
    failed = dt.datetime.combine(day, dt.time(23), UTC)
    columns = {
        "partition_date": [day] * n,
        "source": sources,
        "url": ids_urls,
        "stage": ["fetch"] * n,
        "reason": ["HTTP 503 after 3 attempts"] * n,
        "http_status": [503] * n,
        "attempt": [3] * n,
        "failed_at": [failed] * n,
    }
    return pa.table({f.name: pa.array(columns[f.name], f.type) for f in FAILURES}, schema=FAILURES)


def url_state_rows(articles: pa.Table, day: dt.date, buckets: list[int] | None = None) -> pa.Table:
    from newslake import lake
    from newslake.urls import url_bucket

    n = articles.num_rows
    fetched = dt.datetime.combine(day, dt.time(23), UTC)
    rows = {
        "url": articles.column("url"),
        "article_id": articles.column("article_id"),
        "first_seen": [fetched] * n,
        "last_fetched": [fetched] * n,
        "status": [200] * n,
        "etag": [f'"{i:x}"' for i in range(n)],
        "last_modified": ["Sun, 01 Jun 2025 10:00:00 GMT"] * n,
        "content_hash": articles.column("article_id"),
        "warc_path": [f"raw/fetch_date={day}/bench-{i // 250:05d}.warc.gz" for i in range(n)],
        "warc_offset": np.arange(n, dtype=np.int64) * 9_000,
        "url_bucket": buckets if buckets is not None else [url_bucket(u) for u in articles.column("url").to_pylist()],  # as fetch_stage stages it
    }
    schema = lake.TABLES["url_state"]
    return pa.table({f.name: pa.array(rows[f.name], f.type) if f.name in rows else pa.nulls(n, f.type) for f in schema}, schema=schema)


def make_context(lake_root: str, day: dt.date):
    from newslake import pipeline
    from newslake.config import Settings

    work = Path(lake_root).parent
    sources = work / "sources.yaml"
    if not sources.exists():
        sources.write_text("sources:\n" + "".join(f"  - name: {s}\n    feeds: ['https://{s}.example/rss.xml']\n" for s in SOURCES))
    settings = Settings(lake_root=lake_root, sources_file=str(sources))
    start = dt.datetime.combine(day, dt.time(), UTC)
    return pipeline.RunContext.create(settings, start, start + dt.timedelta(days=1), run_id="bench")


def stage_day(lake_root: str, day: dt.date, n: int, full: bool, seed: int) -> None:
    """Stage one day as the fetch/extract/enrich tasks leave it; `full` adds text-length bodies and child rows."""
    from collections import Counter

    from newslake import lake, pipeline

    ctx = make_context(lake_root, day)
    rng = np.random.default_rng(seed)
    words = vocabulary(np.random.default_rng(0))
    earlier = None
    if lake.open_table(ctx.location, "articles") is not None:  # fingerprints of earlier days, for cross-day copies
        prior = lake.read_table(ctx.location, "articles", columns=["simhash"]).column("simhash").to_numpy()
        earlier = prior[rng.integers(0, len(prior), min(len(prior), 100_000))] if len(prior) else None
    text_words = WORDS_PER_ARTICLE if full else 12
    for batch, first in enumerate(range(0, n, STAGE_BATCH_ROWS)):
        size = min(STAGE_BATCH_ROWS, n - first)
        articles = day_articles(rng, words, day, size, text_words, earlier, first)
        repeats = articles.slice(0, max(1, int(size * REPEAT_SHARE)))  # listed twice: staged twice
        staged = pa.concat_tables([articles, repeats])
        name = f"{batch:05d}.parquet"
        pipeline._write_staged(ctx, ctx.staging("enriched", name), staged)
        ids = staged.column("article_id").to_pylist()
        if full:
            for table, per in (("entities", ENTITIES), ("places", PLACES), ("mentioned_dates", DATES)):
                pipeline._write_staged(ctx, ctx.staging(table, name), child_rows(rng, table, ids, day, per))
        failed = int(size * FAILURE_SHARE)
        failed_sources = [SOURCES[i % len(SOURCES)] for i in range(failed)]
        failed_urls = [f"https://{s}.example/{day:%Y/%m/%d}/broken-{first + i}" for i, s in enumerate(failed_sources)]
        pipeline._write_staged(ctx, ctx.staging("failures", f"fetch-{name}"), failure_rows(failed_urls, failed_sources, day))
        pipeline._write_staged(ctx, ctx.staging("url_state", name), url_state_rows(articles, day))
        sources = articles.column("source").to_pylist()
        pipeline._stage_stats(ctx, "fetch", batch, Counter((s, "fetched") for s in sources) + Counter((s, "listed") for s in sources + failed_sources))


def candidates_for(day: dt.date, n: int) -> list:
    from newslake.schemas import Candidate

    listed = dt.datetime.combine(day, dt.time(12), UTC)
    return [Candidate(f"https://{SOURCES[i % len(SOURCES)]}.example/{day:%Y/%m/%d}/story-{i}", SOURCES[i % len(SOURCES)], listed, "https://x.example/rss.xml") for i in range(n)]


# --------------------------------------------------------------------------- steps (run in a child)
def step_write_stage(ctx) -> dict:
    """The real write_stage, with its parts timed by wrapping the functions it calls."""
    from newslake import lake, pipeline, url_state

    parts: dict[str, float] = {}
    cpu: dict[str, float] = {}
    peaks: dict[str, float] = {}
    before: dict[str, float] = {}  # RSS when the part starts: what earlier parts still hold

    def timed(module, name: str, label=None):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            key = label(args) if label else name
            before.setdefault(key, peak_rss_mb("VmRSS"))
            reset_peak_rss()
            started, cpu_started = time.perf_counter(), process_cpu_s()
            try:
                return original(*args, **kwargs)
            finally:
                parts[key] = round(parts.get(key, 0.0) + time.perf_counter() - started, 3)
                cpu[key] = round(cpu.get(key, 0.0) + process_cpu_s() - cpu_started, 3)
                peaks[key] = max(peaks.get(key, 0.0), peak_rss_mb())

        setattr(module, name, wrapper)

    for name in ("_dedupe", "_drop_claimed_elsewhere", "_mark_near_duplicates", "_dedupe_rows"):
        if hasattr(pipeline, name):
            timed(pipeline, name)
    timed(lake, "replace_slice", lambda args: f"commit_{args[1]}")
    timed(url_state, "merge", lambda args: "merge_url_state")
    counts = pipeline.write_stage(ctx)
    return {"parts_s": parts, "parts_cpu_s": cpu, "parts_peak_rss_mb": peaks, "parts_rss_before_mb": before, "counts": {k: v for k, v in counts.items() if isinstance(v, int)}}


def process_cpu_s() -> float:
    """CPU seconds of this process, all threads (delta-rs and Arrow work on their own threads)."""
    usage = os.times()
    return usage.user + usage.system


def reset_peak_rss() -> None:
    """Reset this process's VmHWM (Linux), so the next reading is the peak of one part."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mb(field: str = "VmHWM") -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def step_url_state_lookup(ctx, n: int) -> dict:
    """Crawl state for one planned batch of the day, then for 250 URLs spread over the whole table."""
    from newslake import pipeline, url_state

    rows = int(url_state.stored_rows_per_bucket(ctx.location).sum())
    # 250 URLs of earlier days picked at random (the synthetic URL pattern; reading the whole
    # url column to pick them would cost this step more memory than the lookup itself)
    rng = np.random.default_rng(1)
    earlier_days = [ctx.partition_date - dt.timedelta(days=int(k)) for k in rng.integers(1, 31, 250)]
    spread = [f"https://{SOURCES[i % len(SOURCES)]}.example/{d:%Y/%m/%d}/story-{i}" for d, i in zip(earlier_days, rng.integers(0, n, 250))]
    planned = candidates_for(ctx.partition_date - dt.timedelta(days=1), n)  # re-listed URLs of the previous day
    plan = pipeline.plan_day(ctx, planned, {})[0] if hasattr(pipeline, "plan_day") else [planned[:250]]
    batch = [c.url for c in plan[len(plan) // 2]][:250]
    out = {"url_state_rows": rows}
    for label, urls in (("planned_batch", batch), ("random_250", spread)):
        started, cpu = time.perf_counter(), time.process_time()
        found = pipeline.url_state_lookup(ctx, urls) if hasattr(pipeline, "url_state_lookup") else pipeline._url_state(ctx, urls)
        out[f"{label}_s"] = round(time.perf_counter() - started, 3)
        out[f"{label}_cpu_s"] = round(time.process_time() - cpu, 3)
        out[f"{label}_urls"] = len(urls)
        out[f"{label}_found"] = len(found)
    return out


def step_discover_staging(ctx, n: int) -> dict:
    from newslake import pipeline

    candidates = candidates_for(ctx.partition_date, n)
    if not hasattr(pipeline, "stage_candidates"):
        batches = [[pipeline._candidate_to_dict(c) for c in candidates[i : i + 250]] for i in range(0, n, 250)]
        return {"batches": len(batches), "xcom_bytes": len(json.dumps(batches))}
    started = time.perf_counter()
    batches = pipeline.stage_candidates(ctx, pipeline.plan_day(ctx, candidates, {})[0])
    took = time.perf_counter() - started
    return {"batches": len(batches), "xcom_bytes": len(json.dumps(batches)), "stage_s": round(took, 3)}


def build_url_state(lake_root: str, rows: int, chunk: int = 1_000_000) -> None:
    """A url_state table of `rows` URLs, appended in day-sized chunks (one commit each, as MERGEs add them).

    The synthetic URLs are canonical already, so their bucket is taken from sha1(url) directly
    (what `urls.url_bucket` computes after canonicalising; checked on a sample).
    """
    import hashlib

    from deltalake import write_deltalake

    from newslake import lake
    from newslake.storage import LakeLocation
    from newslake.urls import URL_BUCKETS, url_bucket

    location = LakeLocation.from_settings(lake_root)
    schema = lake.TABLES["url_state"]
    day = dt.datetime.combine(DAY, dt.time(), UTC)
    for first in range(0, rows, chunk):
        n = min(chunk, rows - first)
        urls = [f"https://{SOURCES[i % len(SOURCES)]}.example/archive/story-{i}" for i in range(first, first + n)]
        ids = [hashlib.sha1(u.encode()).hexdigest()[:20] for u in urls]
        assert all(url_bucket(u) == int(a[:8], 16) % URL_BUCKETS for u, a in zip(urls[:50], ids[:50], strict=True))
        columns = {
            "url": urls,
            "article_id": ids,
            "first_seen": [day] * n,
            "last_fetched": [day] * n,
            "status": [200] * n,
            "etag": [f'"{a[:12]}"' for a in ids],
            "last_modified": ["Sun, 01 Jun 2025 10:00:00 GMT"] * n,
            "content_hash": [a * 3 for a in ids],
            "warc_path": [f"raw/fetch_date=2025-06-01/bench-{i // 250:05d}.warc.gz" for i in range(first, first + n)],
            "warc_offset": np.arange(n, dtype=np.int64) * 9_000,
            "url_bucket": [int(a[:8], 16) % URL_BUCKETS for a in ids],
        }
        table = pa.table({f.name: pa.array(columns[f.name], f.type) for f in schema}, schema=schema)
        write_deltalake(location.uri(lake.table_path("url_state")), table, mode="append", partition_by=["url_bucket"], writer_properties=lake.WRITER_PROPERTIES)
        log_line(f"url_state: {first + n} rows")


def step_url_state_at_size(lake_root: str, rows: int) -> dict:
    """Lookups of 250 URLs in a url_state of `rows` rows: one planned batch (ordered by bucket) and 250 random URLs."""
    from newslake import pipeline
    from newslake.schemas import Candidate

    ctx = make_context(lake_root, DAY)
    rng = np.random.default_rng(3)
    picked = [f"https://{SOURCES[i % len(SOURCES)]}.example/archive/story-{i}" for i in rng.integers(0, rows, 250_000)]
    candidates = [Candidate(u, "bench", None, "") for u in picked]
    planned = pipeline.plan_day(ctx, candidates, {})[0]
    out = {"url_state_rows": rows}
    for label, urls in (("planned_batch", [c.url for c in planned[len(planned) // 2]][:250]), ("random_250", picked[:250])):
        for attempt in ("cold", "warm"):
            started, cpu = time.perf_counter(), time.process_time()
            found = pipeline.url_state_lookup(ctx, urls)
            out[f"{label}_{attempt}_s"] = round(time.perf_counter() - started, 3)
            out[f"{label}_{attempt}_cpu_s"] = round(time.process_time() - cpu, 3)
        out[f"{label}_found"] = len(found)
    return out


def run_step(step: str, lake_root: str, day: str, n: int, seed: int) -> dict:
    from newslake import marts, query

    the_day = dt.date.fromisoformat(day)
    if step == "url_state_at_size":
        return step_url_state_at_size(lake_root, n)
    if step == "stage_day":
        stage_day(lake_root, the_day, n, full=True, seed=seed)
        return {}
    if step == "write_prior_day_direct":
        return write_prior_day_direct(lake_root, the_day, n, seed)
    if step == "stage_prior_day":
        stage_day(lake_root, the_day, n, full=False, seed=seed)
        return {}
    ctx = make_context(lake_root, the_day)
    if step in ("write_stage", "write_prior_day"):
        return step_write_stage(ctx)
    if step == "url_state_lookup":
        return step_url_state_lookup(ctx, n)
    if step == "discover_staging":
        return step_discover_staging(ctx, n)
    if step == "marts":
        return {"rows": marts.rebuild_marts(ctx.location, [the_day])}
    if step == "sql_refresh":
        query.write_sql_access(ctx.settings)
        return {}
    raise SystemExit(f"unknown step {step}")


def in_child(step: str, lake_root: str, day: dt.date, n: int, seed: int = 0) -> dict:
    """Run one step in a fresh interpreter; wall, CPU and peak RSS from that child alone (wait4)."""
    cmd = [sys.executable, __file__, "--child", step, "--lake", lake_root, "--day", day.isoformat(), "--articles", str(n), "--seed", str(seed)]
    env = {**os.environ, "PYTHONPATH": str(REPO / "include")}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(cmd, stdout=out, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"step {step} for {day} failed with exit code {process.returncode}")
    detail = json.loads(text.strip().splitlines()[-1]) if text.strip() else {}
    # a step timing its parts resets VmHWM per part, which ru_maxrss then follows: its peak is the parts' largest
    peak = max([usage.ru_maxrss / 1024, *detail.get("parts_peak_rss_mb", {}).values()])
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "peak_rss_mb": round(peak, 1), **detail}


def canonical_ids(urls: list[str]) -> list[str]:
    """`urls.article_id` of URLs that are canonical already (checked on a sample)."""
    from newslake.urls import id_of_canonical

    ids = [id_of_canonical(u) for u in urls]
    assert ids[:50] == article_ids(urls[:50]), "synthetic URLs are expected to be canonical"
    return ids


def write_prior_day_direct(lake_root: str, day: dt.date, n: int, seed: int) -> dict:
    """One earlier day written straight into the tables a run's write step leaves.

    What the measured day's steps read of earlier days, in the layout real runs leave: the
    `articles` slice (short texts), its `neardup_bands` rows (`neardup_index.band_rows`), its
    failures and its URLs appended to `url_state` (one commit per day, bucket-partitioned).
    It skips `write_stage`'s own work (de-duplication, claims, near-duplicate search, the
    MERGE), which is what makes a 30-day lake of 1M-article days buildable in minutes rather
    than hours on two cores; `--prior-via-write-stage` takes the slow, literal path instead.
    """
    from deltalake import write_deltalake

    from newslake import lake, neardup_index
    from newslake.storage import LakeLocation
    from newslake.urls import bucket_of_id

    location = LakeLocation.from_settings(lake_root)
    rng = np.random.default_rng(seed)
    words = vocabulary(np.random.default_rng(0))
    earlier = None
    if lake.open_table(location, "articles") is not None:  # a sample of earlier fingerprints, for cross-day copies
        prior = lake.read_table(location, "articles", columns=["simhash"]).column("simhash").to_numpy()
        earlier = prior[rng.integers(0, len(prior), min(len(prior), 100_000))] if len(prior) else None
    parts = []
    for first in range(0, n, 100_000):
        size = min(100_000, n - first)
        urls = [f"https://{SOURCES[i % len(SOURCES)]}.example/{day:%Y/%m/%d}/story-{first + i}" for i in range(size)]
        parts.append(day_articles(rng, words, day, size, 12, earlier, first, ids=canonical_ids(urls)))
    articles = pa.concat_tables(parts)
    del parts
    counts = {"articles": lake.replace_slice(location, "articles", articles, day)}
    counts["neardup_bands"] = lake.replace_slice(location, "neardup_bands", neardup_index.band_rows(articles, day), day)
    failed = int(n * FAILURE_SHARE)
    failed_sources = [SOURCES[i % len(SOURCES)] for i in range(failed)]
    failed_urls = [f"https://{s}.example/{day:%Y/%m/%d}/broken-{i}" for i, s in enumerate(failed_sources)]
    counts["failures"] = lake.replace_slice(location, "failures", failure_rows(failed_urls, failed_sources, day), day)
    state = url_state_rows(articles, day, buckets=[bucket_of_id(a) for a in articles.column("article_id").to_pylist()])
    write_deltalake(location.uri(lake.table_path("url_state")), state, mode="append", partition_by=["url_bucket"], writer_properties=lake.WRITER_PROPERTIES)
    counts["url_state"] = state.num_rows
    return counts


def build_prior_days(lake_root: str, n: int, days: int, via_write_stage: bool = False) -> float:
    started = time.perf_counter()
    for k in range(days, 0, -1):
        day = DAY - dt.timedelta(days=k)
        if via_write_stage:
            in_child("stage_prior_day", lake_root, day, n, seed=k)
            result = in_child("write_prior_day", lake_root, day, n)
        else:
            result = in_child("write_prior_day_direct", lake_root, day, n, seed=k)
        log_line(f"prior day {day}: {result['wall_s']} s, peak {result['peak_rss_mb']} MB")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--prior-days", type=int, default=7)
    parser.add_argument("--lake", help="lake folder to use (default: a temporary one, deleted after)")
    parser.add_argument("--reuse-prior", action="store_true", help="the lake at --lake already holds the prior days")
    parser.add_argument("--prior-only", action="store_true", help="only build the prior days at --lake (to copy and reuse)")
    parser.add_argument("--prior-via-write-stage", action="store_true", help="build each prior day by staging it and running write_stage (slow at 1M)")
    parser.add_argument("--url-state-rows", type=int, help="only measure url_state lookups of 250 URLs in a table of this many rows")
    parser.add_argument("--json", action="store_true", help="print only the JSON summary on stdout")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--day", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        logging.basicConfig(level=logging.WARNING)
        print(json.dumps(run_step(args.child, args.lake, args.day, args.articles, args.seed)))
        return 0
    work = Path(args.lake).parent if args.lake else Path(tempfile.mkdtemp(prefix="newslake-scale-"))
    lake_root = str(Path(args.lake).resolve()) if args.lake else str(work / "lake")
    try:
        if args.url_state_rows:
            if not args.reuse_prior:
                build_url_state(lake_root, args.url_state_rows)
            result = in_child("url_state_at_size", lake_root, DAY, args.url_state_rows)
            print(json.dumps({"url_state_rows": args.url_state_rows, "steps": {"url_state_lookup": result}}))
            return 0
        if not args.reuse_prior:
            prior_s = build_prior_days(lake_root, args.articles, args.prior_days, args.prior_via_write_stage)
            log_line(f"{args.prior_days} prior days of {args.articles} articles built in {prior_s:.0f} s")
        if args.prior_only:
            return 0
        steps = {}
        for step in ("stage_day", "discover_staging", "url_state_lookup", "write_stage", "marts", "sql_refresh"):
            steps[step] = in_child(step, lake_root, DAY, args.articles)
            log_line(f"{step}: {json.dumps(steps[step])}")
        summary = {"articles": args.articles, "prior_days": args.prior_days, "steps": steps}
        written = steps["write_stage"]
        summary["write_ms_per_article"] = round(1000 * written["wall_s"] / args.articles, 3)
        summary["lake_mb"] = round(sum(f.stat().st_size for f in Path(lake_root).rglob("*") if f.is_file()) / 1e6)
        print(json.dumps(summary))
    finally:
        if not args.lake:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
