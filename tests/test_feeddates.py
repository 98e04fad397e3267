import datetime as dt
import re
from pathlib import Path

import pytest

from newslake.feeddates import parse_feed_date
from newslake.listings import parse_listing
from tests.feed_date_cases import DATE_PARSER_CASES

FEEDPARSER_TESTS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "feeds" / "kurtmckee__feedparser" / "tests"
EXPECT_DATE = re.compile(r"entries\[0\]\['(?:published|updated|created|modified|issued)_parsed'\] == \(([\d, ]+)\)")
UTC = dt.timezone.utc


@pytest.mark.parametrize(("text", "expected"), DATE_PARSER_CASES)
def test_feedparser_date_parser_cases(text, expected):
    parsed = parse_feed_date(text)
    assert (parsed.timetuple()[:6] if parsed else None) == expected


def _expected_entry_dates() -> list[tuple[Path, tuple[int, ...]]]:
    found = []
    for path in sorted(FEEDPARSER_TESTS.glob("*formed/**/*.xml")):
        match = EXPECT_DATE.search(path.read_bytes()[:2000].decode("utf-8", "replace"))
        if match:
            found.append((path, tuple(int(x) for x in match.group(1).split(","))[:6]))
    return found


def test_first_entry_dates_match_the_feedparser_suites_expect_comments():
    cases = _expected_entry_dates()
    assert len(cases) >= 10
    wrong = []
    for path, expected in cases:
        entries = parse_listing(path.read_bytes(), include_dropped=True).entries
        got = entries[0].listed_at.timetuple()[:6] if entries and entries[0].listed_at else None
        if got != expected:
            wrong.append((path.name, got, expected))
    assert wrong == []


def test_offsets_and_us_zone_names_are_not_read_as_utc():
    assert parse_feed_date("Fri, 07 Mar 2025 10:00:00 +05:30") == dt.datetime(2025, 3, 7, 4, 30, tzinfo=UTC)
    assert parse_feed_date("Fri, 07 Mar 2025 10:00:00 EST") == dt.datetime(2025, 3, 7, 15, tzinfo=UTC)
    # the bare US region names follow daylight saving, as US outlets mean them
    assert parse_feed_date("Mon, 07 Jul 2025 10:00:00 ET") == dt.datetime(2025, 7, 7, 14, tzinfo=UTC)
    assert parse_feed_date("Mon, 07 Jul 2025 10:00:00 PT") == dt.datetime(2025, 7, 7, 17, tzinfo=UTC)


def test_naive_dates_use_the_given_zone_and_garbage_is_none():
    dubai = dt.timezone(dt.timedelta(hours=4))
    assert parse_feed_date("2025-03-07T02:00:00", dubai) == dt.datetime(2025, 3, 6, 22, tzinfo=UTC)
    assert parse_feed_date("not a date") is None and parse_feed_date("Fri, 07 Mar 2025 10:00:00 IST") is None  # IST is ambiguous
