"""
### news_ingest

Daily news ingestion: **discover** article URLs listed in each source's feeds and news sitemaps
for the run's data interval, **fetch** them politely (raw responses kept as WARC), **extract**
clean text and metadata, **enrich** with named entities, **write** the day's slice of the Delta
tables (`articles`, `entities`, `failures`) atomically, and **validate** it.

Work is split into batches of `batch_size` URLs (`NEWSLAKE_BATCH_SIZE`) mapped over dynamically,
so workers share a day. Re-running a date replaces exactly that date's slice.
Configuration: `NEWSLAKE_*` environment variables (see README, "Configuration").
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import Asset, dag, task

from newslake import pipeline
from newslake.config import Settings

ARTICLES = Asset(name="newslake_articles", uri="newslake://lake/articles")
ENTITIES = Asset(name="newslake_entities", uri="newslake://lake/entities")
FAILURES = Asset(name="newslake_failures", uri="newslake://lake/failures")


def _run(context) -> pipeline.RunContext:
    """Build the run's context at the task edge: settings from the environment, interval from Airflow."""
    return pipeline.RunContext.create(Settings.load(), context["data_interval_start"], context["data_interval_end"], context["run_id"])


@dag(
    dag_id="news_ingest",
    schedule="@daily",
    start_date=dt.datetime.fromisoformat(os.environ.get("NEWSLAKE_START_DATE", "2025-03-01")).replace(tzinfo=dt.timezone.utc),
    catchup=True,
    max_active_runs=int(os.environ.get("NEWSLAKE_MAX_ACTIVE_RUNS", "4")),
    tags=["newslake", "ingest"],
    doc_md=__doc__,
    default_args={
        "owner": "newslake",
        "retries": 2,
        "retry_delay": dt.timedelta(seconds=30),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": dt.timedelta(minutes=10),
        "execution_timeout": dt.timedelta(hours=2),
    },
)
def news_ingest():
    @task(multiple_outputs=True)
    def discover(**context) -> dict:
        found = pipeline.discover_stage(_run(context))
        found["batches"] = [{"index": i, "candidates": b} for i, b in enumerate(found["batches"])]
        return found

    @task
    def fetch(batch: dict, **context) -> dict:
        return pipeline.fetch_stage(_run(context), batch["index"], batch["candidates"])

    @task
    def extract(fetched: dict, **context) -> dict:
        return pipeline.extract_stage(_run(context), fetched["batch"], fetched["warc"]) | {"fetch_failures": fetched["failures"]}

    @task
    def enrich(extracted: dict, **context) -> dict:
        failures = [extracted["fetch_failures"], extracted["failures"]]
        return pipeline.enrich_stage(_run(context), extracted["batch"], extracted["articles"]) | {"failures": failures}

    @task(trigger_rule="none_failed", outlets=[ARTICLES, ENTITIES, FAILURES])
    def write(enriched: list[dict], discover_failures: str | None, **context) -> dict:
        failure_paths = [discover_failures] + [p for e in enriched for p in e["failures"]]
        return pipeline.write_stage(_run(context), list(enriched), failure_paths)

    @task(trigger_rule="none_failed", retries=0)
    def validate(candidates: int, written: dict, **context) -> dict:
        return pipeline.validate_stage(_run(context), candidates)

    found = discover()
    enriched = enrich.expand(extracted=extract.expand(fetched=fetch.expand(batch=found["batches"])))
    written = write(enriched, found["failures"])
    validate(found["candidates"], written)


news_ingest()
