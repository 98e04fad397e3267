"""Status: the lake (+ Airflow's run history) over a date range -> one line per day, gaps named.

A day's slice is *present* when its `write` committed: `source_daily` then holds a row per
configured source, even for a day with no articles. A day without one was never written -
a gap, whatever Airflow's runs say (a catch-up that skipped it, a backfill that missed it).

`day_statuses` is pure; `read_lake_days` and `read_runs` are the edges (Delta log, metadata DB).
Used by `newslake status` and the gap check DAG (`news_gap_check`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from newslake.validation import SliceFacts, SourceCounts, judge_slice

DAG_ID = "news_ingest"


@dataclasses.dataclass(frozen=True)
class LakeDay:
    """What the lake holds for one day."""

    counts: tuple[SourceCounts, ...]
    facts: SliceFacts


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """The latest Airflow run of `news_ingest` that covers a day."""

    run_id: str
    state: str


@dataclasses.dataclass(frozen=True)
class DayStatus:
    day: dt.date
    present: bool
    articles: int
    sources_with_zero: tuple[str, ...]
    last_run: RunInfo | None
    validation: str  # "ok", "failed: <first line>", or "-" for a missing slice

    @property
    def missing(self) -> bool:
        return not self.present


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def day_statuses(
    days: Sequence[dt.date], lake_days: Mapping[dt.date, LakeDay], runs: Mapping[dt.date, RunInfo], max_null_share: float, min_landed_share: float
) -> list[DayStatus]:
    """One status per day; the validation column re-judges the slice with the rules `validate` uses."""
    out = []
    for day in days:
        held = lake_days.get(day)
        if held is None:
            out.append(DayStatus(day, False, 0, (), runs.get(day), "-"))
            continue
        verdict = judge_slice(day, held.counts, held.facts, max_null_share, min_landed_share)
        zero = tuple(c.source for c in held.counts if c.landed == 0)
        out.append(DayStatus(day, True, held.facts.articles, zero, runs.get(day), "ok" if verdict.ok else "failed: " + verdict.headline))
    return out


def missing_days(statuses: Iterable[DayStatus]) -> list[dt.date]:
    return [s.day for s in statuses if s.missing]


def day_ranges(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days merged into (first, last) ranges: one backfill command per gap."""
    ranges: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if ranges and day == ranges[-1][1] + dt.timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def backfill_commands(days: Iterable[dt.date]) -> list[str]:
    return [f"airflow backfill create --dag-id {DAG_ID} --from-date {a} --to-date {b}" for a, b in day_ranges(days)]


# --------------------------------------------------------------------------- edges
def read_lake_days(location, first: dt.date, last: dt.date) -> dict[dt.date, LakeDay]:
    """Per-day `source_daily` rows and article facts of first..last, from the Delta tables."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from newslake import lake

    in_range = (pc.field("partition_date") >= pa.scalar(first, pa.date32())) & (pc.field("partition_date") <= pa.scalar(last, pa.date32()))
    counts: dict[dt.date, list[SourceCounts]] = {}
    for row in lake.read_table(location, "source_daily", filter=in_range).to_pylist():
        counts.setdefault(row["partition_date"], []).append(SourceCounts.from_row(row))
    articles = lake.read_table(location, "articles", columns=["partition_date", "article_id", "title", "published_at", "text"], filter=in_range)
    per_day: dict[dt.date, list[dict]] = {}
    for row in articles.to_pylist():
        per_day.setdefault(row["partition_date"], []).append(row)
    out = {}
    for day, rows in counts.items():
        held = per_day.get(day, [])
        facts = SliceFacts(
            articles=len(held),
            distinct_ids=len({r["article_id"] for r in held}),
            null_title=sum(r["title"] is None for r in held),
            null_published_at=sum(r["published_at"] is None for r in held),
            empty_bodies=sum(not (r["text"] or "").strip() for r in held),
        )
        out[day] = LakeDay(tuple(sorted(rows, key=lambda c: c.source)), facts)
    return out


def read_runs(sql_alchemy_conn: str, first: dt.date, last: dt.date, dag_id: str = DAG_ID) -> dict[dt.date, RunInfo]:
    """The latest run per covered day (its data interval start) from Airflow's metadata DB."""
    import sqlalchemy as sa

    engine = sa.create_engine(sql_alchemy_conn)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("select run_id, state, data_interval_start from dag_run where dag_id = :dag and data_interval_start is not null order by id"),
                {"dag": dag_id},
            ).fetchall()
    finally:
        engine.dispose()
    runs: dict[dt.date, RunInfo] = {}
    for run_id, state, start in rows:  # ordered by id: a later run of a day replaces an earlier one
        day = (dt.datetime.fromisoformat(start) if isinstance(start, str) else start).date()
        if first <= day <= last:
            runs[day] = RunInfo(run_id, str(state))
    return runs
