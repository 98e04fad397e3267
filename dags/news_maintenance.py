"""
### news_maintenance

Weekly upkeep of the Delta tables: compacts each partition's small files into large ones and
vacuums files that no table version within the retention window (`NEWSLAKE_VACUUM_RETENTION_HOURS`,
default 168 = 7 days, never below `NEWSLAKE_READER_MAX_AGE_HOURS`, 24: the longest a read-only BI
connection may stay open) still references. Raw WARC files are never deleted: they are the record
reprocessing rebuilds from.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag, task

from newslake.config import Settings


@dag(
    dag_id="news_maintenance",
    schedule="@weekly",
    start_date=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["newslake", "maintenance"],
    doc_md=__doc__,
    default_args={"owner": "newslake", "retries": 2, "retry_delay": dt.timedelta(minutes=5), "retry_exponential_backoff": 2.0},
)
def news_maintenance():
    @task(doc_md="Compacts every table's small files per partition, vacuums unreferenced files past the retention, refreshes the BI views.")
    def compact_and_vacuum() -> dict:
        from newslake.lake import maintain
        from newslake.query import refresh_sql_access
        from newslake.storage import LakeLocation

        settings = Settings.load()
        location = LakeLocation.from_settings(settings.lake_root, settings.storage_options)
        report = maintain(location, retention_hours=settings.vacuum_retention_hours, reader_max_age_hours=settings.reader_max_age_hours)
        refresh_sql_access(settings)  # compaction changed the file lists the BI views read
        return report

    compact_and_vacuum()


news_maintenance()
