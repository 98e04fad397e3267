"""
### news_ingest

Daily news ingestion. Each run owns **one UTC day** [D 00:00, D+1 00:00): its data interval
start. (The grid's "Run After" and the run id carry the time the run could start, D+1.)

| task | what it does |
|---|---|
| `discover` | lists the day's article URLs from every source's feeds and news sitemaps, in batches |
| `fetch` (mapped) | fetches one batch politely; raw responses kept as WARC under `raw/` |
| `extract` (mapped) | clean text, metadata and publication date of each page |
| `enrich` (mapped) | named entities, geocoded places, dates mentioned in the text |
| `write` | replaces the day's slice of the silver tables in one Delta commit each |
| `marts` | rebuilds the day's gold marts, then refreshes the BI views (silver and gold move together) |
| `validate` | the day's verdict: a day with nothing published passes with a note; listed articles that did not land fail it |

**Tables written** (lake: `{lake}`): silver `articles`, `entities`, `places`, `mentioned_dates`,
`failures`, `source_daily`, `url_state` (folder `state/url_state`), `neardup_bands`; gold `entity_daily`,
`place_daily`; raw WARC files under `raw/fetch_date=…/`. Column reference: `docs/schema.md`.

Each table's asset event carries `{{"partition_date": D}}`; `news_marts` (paused by default) re-runs
marts and the daily report for re-runs and reprocessing. Mapped tasks are named
`batch N: <URLs> (<sources>)`. Re-running a day replaces exactly that day's slices.
Configuration: `NEWSLAKE_*` environment variables (see README, "Configuration").
"""

from __future__ import annotations

import datetime as dt
import logging
import os

from airflow.sdk import Asset, CronDataIntervalTimetable, dag, get_current_context, task

# Parse time imports only the pyarrow-free catalog and settings: the stage modules (trafilatura,
# spaCy, deltalake) are imported inside the tasks, so parsing this file stays cheap.
from newslake.catalog import GOLD_TABLES, SILVER_TABLES, asset_extra, table_asset_uri
from newslake.config import Settings

log = logging.getLogger(__name__)
SILVER = {name: Asset(name=f"newslake_{name}", uri=table_asset_uri(name), extra=asset_extra(name)) for name in SILVER_TABLES}
GOLD = {name: Asset(name=f"newslake_{name}", uri=table_asset_uri(name), extra=asset_extra(name)) for name in GOLD_TABLES}
BATCH_NAME = "{{ batch_name | default('') }}"  # set by each mapped task from its batch (rendered after it ran)


def _run(context):
    """Build the run's context at the task edge: settings from the environment, interval from Airflow."""
    from newslake.pipeline import RunContext

    return RunContext.create(Settings.load(), context["data_interval_start"], context["data_interval_end"], context["run_id"])


def _name_batch(batch_name: str) -> None:
    get_current_context()["batch_name"] = batch_name  # type: ignore[typeddict-unknown-key]


def _lake_shown() -> str:
    root = Settings.load().lake_root
    return root if "://" in root else os.path.abspath(root)


@dag(
    dag_id="news_ingest",
    # A data-interval timetable: the run for day D covers [D 00:00, D+1 00:00) UTC. (Airflow 3's
    # default for "@daily" is a trigger timetable whose interval has zero width.)
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=dt.datetime.fromisoformat(os.environ.get("NEWSLAKE_START_DATE", "2025-03-01")).replace(tzinfo=dt.timezone.utc),
    # No catch-up: unpausing a fresh deployment schedules only the latest complete day, never one
    # run per day since start_date. History is filled on purpose with `airflow backfill create`,
    # and `newslake status` / news_maintenance's gap check name any day left without a slice.
    catchup=False,
    max_active_runs=int(os.environ.get("NEWSLAKE_MAX_ACTIVE_RUNS", "4")),
    tags=["newslake", "ingest"],
    doc_md=__doc__.format(lake=_lake_shown()),
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
    @task(doc_md="Lists the day's candidate URLs (feed/sitemap date in the day, or undated) in batches of `batch_size`; WARC sources add one batch per file.")
    def discover(**context) -> list[dict]:
        from newslake.pipeline import describe_batch, discover_stage

        batches = discover_stage(_run(context))["batches"]
        for batch in batches:
            batch["name"] = describe_batch(batch)
        return batches

    @task(map_index_template=BATCH_NAME, doc_md="Fetches one batch politely (robots.txt, per-host delay, conditional GETs); responses stored as WARC, failures as rows.")
    def fetch(batch: dict, **context) -> dict:
        from newslake.pipeline import fetch_stage

        _name_batch(batch["name"])
        fetched = fetch_stage(_run(context), batch["index"], batch["candidates"], warc=batch.get("warc"), source=batch.get("source"))
        return {**fetched, "name": batch["name"]}

    @task(map_index_template=BATCH_NAME, doc_md="Extracts text, metadata and publication date of one batch's pages; pages of other days are left to their runs.")
    def extract(fetched: dict, **context) -> dict:
        from newslake.pipeline import extract_stage

        _name_batch(fetched["name"])
        extracted = extract_stage(_run(context), fetched["batch"], fetched["warc"], source=fetched.get("source"))
        return {**extracted, "name": fetched["name"]}

    @task(map_index_template=BATCH_NAME, doc_md="Named entities (spaCy), geocoded places and dates mentioned in the text of one batch (English articles).")
    def enrich(extracted: dict, **context) -> dict:
        from newslake.pipeline import enrich_stage

        _name_batch(extracted["name"])
        return enrich_stage(_run(context), extracted["batch"], extracted["articles"])

    # none_failed: a day with no candidates maps zero batches (skipped), and must still write
    # its (empty) slice so a re-run of a day that lost its articles clears them.
    @task(
        trigger_rule="none_failed",
        outlets=list(SILVER.values()),
        doc_md="Replaces the day's slice of every silver table in one Delta commit per table (de-duplicated, exactly once across days).",
    )
    def write(enriched: list[dict], **context) -> dict:
        from newslake.pipeline import write_stage

        run = _run(context)
        counts = write_stage(run)
        for name, asset in SILVER.items():  # tells news_marts which day changed
            context["outlet_events"][asset].extra = {"partition_date": run.partition_date.isoformat(), "rows": counts.get(name, 0)}
        return counts

    @task(outlets=list(GOLD.values()), doc_md="Rebuilds the day's `entity_daily` and `place_daily`, then the BI views: readers never see a day's articles without its marts.")
    def marts(written: dict, **context) -> dict:
        from newslake.marts import rebuild_marts
        from newslake.query import refresh_sql_access

        run = _run(context)
        built = rebuild_marts(run.location, [run.partition_date])
        refresh_sql_access(run.settings)  # only now: the views list silver and gold of the day together
        for asset in GOLD.values():
            context["outlet_events"][asset].extra = {"partition_date": run.partition_date.isoformat()}
        return built

    @task(
        trigger_rule="none_failed",
        retries=0,
        doc_md="The day's verdict from `source_daily` and the slice: nothing published is a success with a note; listed articles that did not land fail with per-source counts.",
    )
    def validate(built: dict, **context) -> dict:
        from newslake.errors import ValidationError
        from newslake.pipeline import validate_stage

        try:
            return validate_stage(_run(context))
        except ValidationError as exc:
            log.error("%s", exc)  # first line: what is wrong and where to look; then per-source counts
            # A verdict is not a crash: SystemExit fails the task (no retries) with one log line,
            # where any other exception is logged with a stack trace.
            raise SystemExit(str(exc).splitlines()[0]) from None

    batches = discover()
    enriched = enrich.expand(extracted=extract.expand(fetched=fetch.expand(batch=batches)))
    validate(marts(write(enriched)))


news_ingest()
