"""
### news_reprocess

Rebuilds the lake's slices of a date range from the raw WARC layer only (no network): use it
after an extractor or enrichment upgrade. Trigger with params `from_date` and `to_date`
(UTC days, inclusive), e.g. `airflow dags trigger news_reprocess -c '{"from_date": "2025-03-03",
"to_date": "2025-03-16"}'`. One mapped task per day; each replaces exactly its day's slices.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Asset, Param, dag, get_current_context, task

from newslake.catalog import SILVER_TABLES, asset_extra, table_asset_uri
from newslake.config import Settings

SILVER = {name: Asset(name=f"newslake_{name}", uri=table_asset_uri(name), extra=asset_extra(name)) for name in SILVER_TABLES}


@dag(
    dag_id="news_reprocess",
    schedule=None,
    start_date=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    tags=["newslake", "reprocess"],
    doc_md=__doc__,
    params={
        "from_date": Param(dt.date.today().isoformat(), type="string", format="date", description="first UTC day"),
        "to_date": Param(dt.date.today().isoformat(), type="string", format="date", description="last UTC day (inclusive)"),
    },
    default_args={"owner": "newslake", "retries": 1, "retry_delay": dt.timedelta(seconds=30), "retry_exponential_backoff": 2.0},
)
def news_reprocess():
    @task(doc_md="The UTC days of `from_date`..`to_date` (inclusive), one mapped `reprocess_day` each.")
    def days(params: dict | None = None) -> list[str]:
        first, last = dt.date.fromisoformat(params["from_date"]), dt.date.fromisoformat(params["to_date"])
        if last < first:
            raise ValueError(f"to_date {last} is before from_date {first}")
        return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]

    @task(
        outlets=list(SILVER.values()),
        max_active_tis_per_dagrun=2,
        map_index_template="{{ reprocessed_day | default('') }}",
        doc_md="Rebuilds one day's silver slices from its raw WARC files (no network), then validates it; `news_marts` rebuilds its marts.",
    )
    def reprocess_day(day: str, **context) -> dict:
        from newslake import pipeline

        get_current_context()["reprocessed_day"] = day  # type: ignore[typeddict-unknown-key] - names the mapped task in the UI
        start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.timezone.utc)
        run = pipeline.RunContext.create(Settings.load(), start, start + dt.timedelta(days=1), f"reprocess_{context['run_id']}")
        counts = pipeline.reprocess_interval(run)
        for asset in SILVER.values():
            context["outlet_events"][asset].extra = {"partition_date": day}
        return counts

    reprocess_day.expand(day=days())


news_reprocess()
