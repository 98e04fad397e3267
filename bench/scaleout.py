"""Benchmark: articles/s of news_ingest on the Celery topology with 1 vs 2 workers.

Input: the bundled sample site, served on several loopback hosts (127.0.0.2, .3, ...; each host a
full copy of the three publishers, so per-host politeness is per copy as it would be per
publisher). Output: a table on stdout - workers, task slots, articles written, wall seconds from
`backfill create` to the last run's success, articles/s.

Each configuration runs on a fresh `newslake.devcluster.LocalCluster` (PostgreSQL, Redis,
SeaweedFS S3 lake, api-server, scheduler, dag-processor, triggerer, N Celery workers) with the
shared Redis rate limiter on. Needs PostgreSQL and Redis on 127.0.0.1 and the `test` extra.

Run from the repo root: `.venv/bin/python bench/scaleout.py [--hosts 4] [--days 3] [--workers 1 2]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))

from newslake.devcluster import LAKE_ROOT, LocalCluster  # noqa: E402
from newslake.lake import read_table  # noqa: E402
from newslake.samplesite import SampleSite  # noqa: E402
from newslake.storage import LakeLocation  # noqa: E402

FIRST_DAY = dt.date(2025, 3, 7)


def sources_for(sites: list[SampleSite]) -> str:
    """One sources config over all hosts; source names get the host so they stay unique."""
    sources = []
    for site in sites:
        for source in yaml.safe_load(site.sources_yaml())["sources"]:
            source["name"] = f"{source['name']}@{site.host}"
            sources.append(source)
    return yaml.safe_dump({"sources": sources}, sort_keys=False)


def measure(workdir: Path, sources: Path, workers: int, concurrency: int, days: int, batch_size: int) -> dict:
    cluster = LocalCluster(
        workdir, sources, REPO / "dags", workers=workers, worker_concurrency=concurrency, extra_env={"NEWSLAKE_BATCH_SIZE": str(batch_size)}
    )
    with cluster:
        started = time.monotonic()
        runs = cluster.backfill(FIRST_DAY, FIRST_DAY + dt.timedelta(days=days - 1))
        cluster.wait_for_runs(runs, timeout=900)
        seconds = time.monotonic() - started
        articles = read_table(LakeLocation.from_settings(LAKE_ROOT, cluster.storage_options), "articles", columns=["article_id"]).num_rows
        per_worker = cluster.tasks_per_worker()
    return {
        "workers": workers,
        "slots": workers * concurrency,
        "articles": articles,
        "seconds": seconds,
        "rate": articles / seconds,
        "tasks": per_worker,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=4, help="sample-site copies on 127.0.0.2..")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--concurrency", type=int, default=2, help="task slots per worker")
    parser.add_argument("--batch-size", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    results = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="newslake-scaleout-") as tmp:
        sites = [stack.enter_context(SampleSite(host=f"127.0.0.{i + 2}")) for i in range(args.hosts)]
        sources = Path(tmp) / "sources.yaml"
        sources.write_text(sources_for(sites))
        for n in args.workers:
            result = measure(Path(tmp) / f"w{n}", sources, n, args.concurrency, args.days, args.batch_size)
            results.append(result)
            print(f"  {n} worker(s): {result['articles']} articles in {result['seconds']:.1f}s (tasks per worker {result['tasks']})", file=sys.stderr)
    print(f"\nnews_ingest, {args.days} days x {args.hosts} hosts, batch size {args.batch_size}, {os.cpu_count()} CPUs\n")
    print(f"| {'workers':>7} | {'slots':>5} | {'articles':>8} | {'seconds':>7} | {'articles/s':>10} | {'speed-up':>8} |")
    print(f"|{'-' * 9}|{'-' * 7}|{'-' * 10}|{'-' * 9}|{'-' * 12}|{'-' * 10}|")
    for r in results:
        print(
            f"| {r['workers']:>7} | {r['slots']:>5} | {r['articles']:>8} | {r['seconds']:>7.1f} | {r['rate']:>10.2f} | {r['rate'] / results[0]['rate']:>7.2f}x |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
