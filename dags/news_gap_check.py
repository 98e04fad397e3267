"""
### news_gap_check

Daily at 12:00 UTC: names every day of the last `NEWSLAKE_GAP_CHECK_DAYS` (default 7, up to
yesterday, never before the lake's first slice) that has **no slice** in the lake - a run that
never happened (catch-up off, a backfill that missed it) or never wrote. Missing days fail the
`find_gaps` task with the list and the `airflow backfill create` command that fills them.

With `NEWSLAKE_GAP_BACKFILL=true`, `fill_gaps` ingests the missing days itself (the same stage
functions, in-process, marts and views included) and the check passes when they landed.
`newslake status --from D1 --to D2` shows the same per-day picture on the command line.
"""

from __future__ import annotations

import datetime as dt
import logging

from airflow.sdk import dag, task

from newslake.config import Settings

log = logging.getLogger(__name__)


@dag(
    dag_id="news_gap_check",
    schedule="0 12 * * *",  # noon: yesterday's ingest run (starting at 00:00 UTC) has long finished
    start_date=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["newslake", "monitoring"],
    doc_md=__doc__,
    default_args={"owner": "newslake", "retries": 0},
)
def news_gap_check():
    @task(doc_md="Days of the window without a slice in the lake; fails naming them unless `NEWSLAKE_GAP_BACKFILL` fills them.")
    def find_gaps(**context) -> list[str]:
        from newslake.gaps import check_window, find_missing_days
        from newslake.storage import LakeLocation

        settings = Settings.load()
        location = LakeLocation.from_settings(settings.lake_root, settings.storage_options)
        # a cron trigger timetable gives runs no data interval: "today" is when the run was due
        today = (context["dag_run"].run_after or dt.datetime.now(dt.timezone.utc)).date()
        first, last = check_window(location, today, settings.gap_check_days)
        missing = find_missing_days(location, first, last) if first <= last else []
        if missing and not settings.gap_backfill:
            message = gap_message(missing)
            log.error("%s", message)
            raise SystemExit(message)  # a finding, not a crash: one line, no stack trace
        return [d.isoformat() for d in missing]

    @task(doc_md="Ingests the missing days in-process (only reached with `NEWSLAKE_GAP_BACKFILL=true`).")
    def fill_gaps(days: list[str]) -> dict:
        from newslake.gaps import fill_days

        return fill_days(Settings.load(), [dt.date.fromisoformat(d) for d in days])

    fill_gaps(find_gaps())


def gap_message(missing: list[dt.date]) -> str:
    from newslake.status import backfill_commands

    return (
        f"{len(missing)} day(s) without a slice: {', '.join(map(str, missing))}; fill them with "
        + "; ".join(f"`{c}`" for c in backfill_commands(missing))
        + " (or set NEWSLAKE_GAP_BACKFILL=true); see `newslake status`"
    )


news_gap_check()
