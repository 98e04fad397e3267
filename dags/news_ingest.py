"""
### news_ingest

Daily news ingestion: **discover** article URLs listed in each source's feeds and news sitemaps
for the run's data interval, **fetch** them politely (raw responses kept as WARC), **extract**
clean text and metadata, **enrich** with named entities, **write** the day's slice of the Delta
tables (`articles`, `entities`, `failures`) atomically, and **validate** it.

The write task emits one asset event per table (extra: the `partition_date` written), which
schedules `news_marts`. Work is split into batches of `batch_size` URLs (`NEWSLAKE_BATCH_SIZE`) mapped over dynamically,
so workers share a day. Re-running a date replaces exactly that date's slice.
Configuration: `NEWSLAKE_*` environment variables (see README, "Configuration").
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import Asset, CronDataIntervalTimetable, dag, task

from newslake import pipeline
from newslake.config import Settings
from newslake.query import refresh_sql_access
from newslake.schemas import SILVER_TABLES, table_asset_uri

SILVER = {name: Asset(name=f"newslake_{name}", uri=table_asset_uri(name)) for name in SILVER_TABLES}


def _run(context) -> pipeline.RunContext:
    """Build the run's context at the task edge: settings from the environment, interval from Airflow."""
    return pipeline.RunContext.create(Settings.load(), context["data_interval_start"], context["data_interval_end"], context["run_id"])


@dag(
    dag_id="news_ingest",
    # A data-interval timetable: the run for day D covers [D 00:00, D+1 00:00) UTC. (Airflow 3's
    # default for "@daily" is a trigger timetable whose interval has zero width.)
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=dt.datetime.fromisoformat(os.environ.get("NEWSLAKE_START_DATE", "2025-03-01")).replace(tzinfo=dt.timezone.utc),
    catchup=True,
    max_active_runs=int(os.environ.get("NEWSLAKE_MAX_ACTIVE_RUNS", "4")),
    tags=["newslake", "ingest"],
    doc_md=__doc__,
    default_args={
        "owner": "newslake",
        "retries": 2,
        "retry_delay": dt.timedelta(seconds=float(os.environ.get("NEWSLAKE_RETRY_DELAY_SECONDS", "30"))),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": dt.timedelta(minutes=10),
        "execution_timeout": dt.timedelta(hours=2),
    },
)
def news_ingest():
    @task
    def discover(**context) -> list[dict]:
        """Candidate URLs of the interval, staged as Parquet; XCom gets one {index, candidates: path, count} per batch."""
        return pipeline.discover_stage(_run(context))["batches"]

    @task
    def fetch(batch: dict, **context) -> dict:
        return pipeline.fetch_stage(_run(context), batch["index"], batch["candidates"], warc=batch.get("warc"), source=batch.get("source"))

    @task
    def extract(fetched: dict, **context) -> dict:
        return pipeline.extract_stage(_run(context), fetched["batch"], fetched["warc"], source=fetched.get("source"))

    @task
    def enrich(extracted: dict, **context) -> dict:
        return pipeline.enrich_stage(_run(context), extracted["batch"], extracted["articles"])

    # none_failed: a day with no candidates maps zero batches (skipped), and must still write
    # its (empty) slice so a re-run of a day that lost its articles clears them.
    @task(trigger_rule="none_failed", outlets=list(SILVER.values()))
    def write(enriched: list[dict], **context) -> dict:
        run = _run(context)
        counts = pipeline.write_stage(run)
        refresh_sql_access(run.settings)  # BI views list the tables' current files
        for asset in SILVER.values():  # tells news_marts which day changed
            context["outlet_events"][asset].extra = {"partition_date": run.partition_date.isoformat()}
        return counts

    @task(trigger_rule="none_failed", retries=0)
    def validate(batches: list[dict], written: dict, **context) -> dict:
        return pipeline.validate_stage(_run(context), sum(b["count"] for b in batches))

    batches = discover()
    enriched = enrich.expand(extracted=extract.expand(fetched=fetch.expand(batch=batches)))
    validate(batches, write(enriched))


news_ingest()
