"""Behaviour of `newslake.timex.find_timexes` on short news-like sentences."""

from __future__ import annotations

import datetime as dt
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "include"))
from newslake.timex import Timex, find_timexes  # noqa: E402

REF = dt.date(2019, 11, 8)  # a Friday


def only(text: str, reference: dt.date | None = REF) -> Timex:
    found = find_timexes(text, reference)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "span", "type_", "value"),
    [
        ("The board met on Thursday, November 7th to decide.", "Thursday, November 7th", "DATE", "2019-11-07"),
        ("Shares fell three days ago.", "three days ago", "DATE", "2019-11-05"),
        ("In May the company cut jobs.", "May", "DATE", "2019-05"),
        ("In July 2018 it opened a plant.", "July 2018", "DATE", "2018-07"),
        ("The firm was founded in 2015.", "2015", "DATE", "2015"),
        ("Prices are now higher.", "now", "DATE", "PRESENT_REF"),
        ("It is currently closed.", "currently", "DATE", "PRESENT_REF"),
        ("The deal was signed yesterday.", "yesterday", "DATE", "2019-11-07"),
        ("Sales rose last week.", "last week", "DATE", "2019-W44"),
        ("The plant opens next year.", "next year", "DATE", "2020"),
        ("The talks lasted two years.", "two years", "DURATION", "P2Y"),
        ("Staff meet every week.", "every week", "SET", "P1W"),
        ("Growth slowed in the 1990s.", "the 1990s", "DATE", "199"),
        ("Markets opened lower this morning.", "this morning", "TIME", "2019-11-08TMO"),
        ("The CEO resigned on Monday.", "Monday", "DATE", "2019-11-04"),
        ("Leaders will meet on Monday.", "Monday", "DATE", "2019-11-11"),
        ("The index closed at 16:08 UTC.", "16:08 UTC", "TIME", "2019-11-08T16:08Z"),
        ("Profit rose in the third quarter of 2018.", "the third quarter of 2018", "DATE", "2018-Q3"),
        ("The project took nearly five months.", "nearly five months", "DURATION", "P5M"),
        ("Output fell in late 2006.", "late 2006", "DATE", "2006"),
        ("It was signed on July 24, 2003.", "July 24, 2003", "DATE", "2003-07-24"),
        ("Sales rose last month.", "last month", "DATE", "2019-10"),
        ("Sales fell this weekend.", "this weekend", "DATE", "2019-W45-WE"),
    ],
)
def test_examples_resolve_against_the_publication_date(text, span, type_, value):
    t = only(text)
    assert (t.text, t.type, t.value) == (span, type_, value)


def test_a_day_after_an_event_is_never_a_calendar_date():
    for t in find_timexes("A day after the crash, shares recovered.", REF):
        assert t.value in (None, "P1D")
        assert t.type in ("DURATION", "DATE") and not (t.value or "").startswith("2019")


def test_spans_exclude_prepositions():
    assert only("The plant closed in 2015.").text == "2015"
    assert only("The plant closed on Monday.").text == "Monday"


def test_offsets_round_trip():
    text = (
        "Apple said on Tuesday, May 7, 2019 that sales had fallen for two years.\n"
        "Earlier today, at 14:00 UTC, the CEO spoke; the board meets every week and next year."
    )
    found = find_timexes(text, REF)
    assert len(found) >= 6
    for t in found:
        assert text[t.start : t.end] == t.text
    assert [t.start for t in found] == sorted(t.start for t in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))


def test_without_reference_relative_is_none_and_absolute_resolves():
    by_text = {t.text: t.value for t in find_timexes(
        "Yesterday the firm, founded on July 24, 2003, said sales in 2015 beat last year's and "
        "rose for two years; in May it hired staff.",
        None,
    )}  # fmt: skip
    assert by_text["Yesterday"] is None
    assert by_text["last year"] is None
    assert by_text["May"] is None
    assert by_text["July 24, 2003"] == "2003-07-24"
    assert by_text["2015"] == "2015"
    assert by_text["two years"] == "P2Y"


def test_expressions_do_not_cross_line_breaks():
    text = "Markets closed until Friday\nSeptember 18, 2008"
    assert [t.text for t in find_timexes(text, dt.date(2008, 9, 18))] == [
        "Friday",
        "September 18, 2008",
    ]


def test_modal_may_is_not_a_month():
    assert find_timexes("May the best bid win. Rates may rise.", REF) == []


def test_reference_datetime_is_accepted():
    assert only("It ended yesterday.", dt.datetime(2019, 11, 8, 12, 0)).value == "2019-11-07"


def test_clock_time_takes_its_day_from_the_sentence_or_stays_unresolved():
    t = find_timexes("The jet flew Tuesday in Everett at 18:00 UTC.", dt.date(2009, 12, 16))
    assert [(x.text, x.value) for x in t] == [("Tuesday", "2009-12-15"), ("18:00 UTC", "2009-12-15T18:00Z")]
    assert only("The vote is at 14:00 UTC.", None).value is None
