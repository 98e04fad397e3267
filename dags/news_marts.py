"""
### news_marts

Gold layer for BI, for re-runs and reprocessing. Scheduled on the table assets `news_ingest`
and `news_reprocess` emit: rebuilds the daily marts (`entity_daily`, `place_daily`) of exactly
the days whose silver slices changed (read from the asset events' `partition_date`), refreshes
the BI views, then writes the daily HTML report of the latest changed day
(`<lake>/reports/<day>.html`). `news_ingest` already builds its day's marts in the same run
(before the views are refreshed), so for an ingest run this rebuild is an idempotent repeat
and the report is the new output.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Asset, dag, task

from newslake.catalog import GOLD_TABLES, SILVER_TABLES, asset_extra, table_asset_uri
from newslake.config import Settings

# the same assets news_ingest declares (assets are identified by name and URI)
SILVER = {name: Asset(name=f"newslake_{name}", uri=table_asset_uri(name), extra=asset_extra(name)) for name in SILVER_TABLES}
GOLD = {name: Asset(name=f"newslake_{name}", uri=table_asset_uri(name), extra=asset_extra(name)) for name in GOLD_TABLES}


@dag(
    dag_id="news_marts",
    schedule=[SILVER["articles"], SILVER["entities"], SILVER["places"]],
    start_date=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    tags=["newslake", "marts"],
    doc_md=__doc__,
    default_args={"owner": "newslake", "retries": 2, "retry_delay": dt.timedelta(seconds=30), "retry_exponential_backoff": 2.0},
)
def news_marts():
    @task(doc_md="The days named by the triggering asset events' `partition_date`.")
    def changed_days(**context) -> list[str]:
        """The partition dates named by the asset events that triggered this run."""
        events = context["triggering_asset_events"]
        days = {e.extra["partition_date"] for asset_events in events.values() for e in asset_events if e.extra and "partition_date" in e.extra}
        return sorted(days)

    @task(outlets=list(GOLD.values()), doc_md="Rebuilds `entity_daily` and `place_daily` of those days, then the BI views.")
    def rebuild(days: list[str]) -> dict:
        from newslake.marts import rebuild_marts
        from newslake.query import refresh_sql_access
        from newslake.storage import LakeLocation

        settings = Settings.load()
        location = LakeLocation.from_settings(settings.lake_root, settings.storage_options)
        written = rebuild_marts(location, [dt.date.fromisoformat(d) for d in days])
        refresh_sql_access(settings)  # BI views list the tables' current files
        return written

    @task(doc_md="Writes the daily HTML report of the latest changed day under `<lake>/reports/`.")
    def report(days: list[str], written: dict) -> str | None:
        """The daily HTML report of the latest changed day (`<lake>/reports/<day>.html`)."""
        from newslake.report import write_report

        return write_report(Settings.load(), dt.date.fromisoformat(max(days))) if days else None

    days = changed_days()
    report(days, rebuild(days))


news_marts()
