"""Validation: a written day's slice + its `source_daily` counters -> a verdict an on-call engineer can act on.

Two different things look alike in a slice with few rows and must not be confused:

* nothing was published that day (no listing dated in the day; undated listings whose pages
  turned out to belong to other days do not count) - a success, with a note;
* articles were listed for the day but none or too few landed - a failure, with per-source
  counts and where to look.

Pure functions over plain values; `pipeline.validate_stage` reads the lake and calls `judge_slice`.
The first line of a failing verdict says what is wrong and where to look.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence


@dataclasses.dataclass(frozen=True)
class SourceCounts:
    """One `source_daily` row, reduced to what validation needs."""

    source: str
    listed: int  # candidate URLs discovery kept for the day (undated ones included)
    landed: int  # articles in the slice (`extracted`)
    other_day: int  # undated listings whose page belongs to another day
    duplicates: int  # dropped as already in this slice or in another day's slice
    failed: int  # failures rows of any stage

    @property
    def expected(self) -> int:
        """Listings that belong to this day: undated ones placed in other days are not owed here."""
        return max(self.listed - self.other_day, 0)

    @property
    def accounted(self) -> int:
        """Expected listings that ended as an article (here, or already held by another slice)."""
        return self.landed + self.duplicates

    @classmethod
    def from_row(cls, row: dict) -> SourceCounts:
        return cls(row["source"], row["listed"], row["extracted"], row["other_day"], row["duplicates"], row["failed"])


@dataclasses.dataclass(frozen=True)
class SliceFacts:
    """What validation reads from the articles slice itself."""

    articles: int
    distinct_ids: int
    null_title: int
    null_published_at: int
    empty_bodies: int


@dataclasses.dataclass(frozen=True)
class Verdict:
    day: dt.date
    ok: bool
    headline: str  # one line: the verdict, and for a failure what is wrong and where to look
    details: tuple[str, ...] = ()  # per-source counts, notes

    @property
    def message(self) -> str:
        return "\n".join([self.headline, *self.details])

    def as_dict(self) -> dict:
        return {"partition_date": self.day.isoformat(), "ok": self.ok, "verdict": self.headline, "details": list(self.details)}


def failures_query(day: dt.date) -> str:
    return f"newslake sql \"select source, stage, reason, count(*) n from failures where partition_date = '{day}' group by all order by n desc\""


def _source_lines(counts: Sequence[SourceCounts]) -> tuple[str, ...]:
    return tuple(
        f"  {c.source}: listed {c.listed} (for other days {c.other_day}), landed {c.landed}, already held {c.duplicates}, failed {c.failed}"
        for c in counts
    )


def judge_slice(day: dt.date, counts: Sequence[SourceCounts], facts: SliceFacts, max_null_share: float, min_landed_share: float) -> Verdict:
    """The verdict for one day's slice; never raises."""
    expected = sum(c.expected for c in counts)
    accounted = sum(min(c.accounted, c.expected) for c in counts)
    lines = _source_lines(counts)
    if expected and accounted < min_landed_share * expected:
        short = [c for c in counts if c.expected and c.accounted < c.expected]
        names = ", ".join(f"{c.source} {c.accounted}/{c.expected}" for c in short)
        return Verdict(
            day,
            False,
            f"slice {day}: only {accounted} of {expected} articles listed for this day landed ({names}; limit {min_landed_share:.0%}, "
            f"setting min_landed_share); see the failures table: {failures_query(day)}",
            lines,
        )
    if facts.distinct_ids != facts.articles:
        return Verdict(day, False, f"slice {day}: {facts.articles - facts.distinct_ids} duplicate article_id values; re-run the day", lines)
    if facts.articles:
        for column, nulls in (("title", facts.null_title), ("published_at", facts.null_published_at)):
            share = nulls / facts.articles
            if share > max_null_share:
                return Verdict(
                    day,
                    False,
                    f"slice {day}: {share:.0%} of articles have no {column} (limit {max_null_share:.0%}, setting max_null_share); "
                    f"the extractor may not fit these sources: newslake sql \"select source, count(*) from articles where partition_date = '{day}' and {column} is null group by 1\"",
                    lines,
                )
        if facts.empty_bodies:
            return Verdict(day, False, f"slice {day}: {facts.empty_bodies} articles have an empty body; re-run the day or check the extractor", lines)
    notes = []
    unread = [c.source for c in counts if c.listed == 0 and c.failed]
    if unread:
        notes.append(f"note: listings of {', '.join(unread)} could not be read (see the failures table): their articles of this day may be missing")
    if not expected:
        placed = sum(c.other_day for c in counts)
        why = f" ({placed} undated listings belonged to other days)" if placed else ""
        return Verdict(day, True, f"slice {day}: nothing was published this day{why}; the empty slice is correct", (*lines, *notes))
    return Verdict(day, True, f"slice {day}: {facts.articles} articles; {accounted} of {expected} listed for this day accounted for", (*lines, *notes))
