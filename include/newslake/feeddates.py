"""Feed dates: a date string as a feed or sitemap writes it -> aware UTC datetime (or None).

Publishers write RFC 822 (RSS `pubDate`), W3C/ISO 8601 (Atom, sitemaps, `dc:date`) and many
near-misses of both: numeric offsets with a colon (`+05:30`), US zone names (`EST`, `ET`,
`PT`), long month names, a missing time or missing seconds, month and day swapped, asctime,
`YYYY/MM/DD` (Perforce), `2003-12` and `2003` partials, MSSQL-style `2004-07-08 23:56:58`.
All of them are read here with one tolerant tokenizer; anything it does not fully understand
is None (a wrong date is worse than none: the page's own date decides later).

A string without offset is read in `default_zone` (the source's configured zone), else UTC.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

UTC = dt.timezone.utc

_MONTHS = {name: i for i, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _fixed(hours: float) -> dt.tzinfo:
    return dt.timezone(dt.timedelta(hours=hours))


# Zone abbreviations whose meaning is not ambiguous in English-language feeds. `IST` (India,
# Ireland, Israel) and `BST` (British Summer / Bangladesh) are left out on purpose.
# The bare US region names (ET, CT, MT, PT, AT) are read with daylight saving, as US outlets mean them.
_ZONES: dict[str, dt.tzinfo] = {
    "ut": UTC, "utc": UTC, "gmt": UTC, "z": UTC, "etc/gmt": UTC, "etc/utc": UTC, "wet": UTC,
    "est": _fixed(-5), "edt": _fixed(-4), "cst": _fixed(-6), "cdt": _fixed(-5),
    "mst": _fixed(-7), "mdt": _fixed(-6), "pst": _fixed(-8), "pdt": _fixed(-7),
    "ast": _fixed(-4), "adt": _fixed(-3), "akst": _fixed(-9), "akdt": _fixed(-8), "hst": _fixed(-10),
    "et": zoneinfo.ZoneInfo("America/New_York"), "ct": zoneinfo.ZoneInfo("America/Chicago"),
    "mt": zoneinfo.ZoneInfo("America/Denver"), "pt": zoneinfo.ZoneInfo("America/Los_Angeles"),
    "at": zoneinfo.ZoneInfo("America/Halifax"),
    "west": _fixed(1), "cet": _fixed(1), "met": _fixed(1), "cest": _fixed(2), "mest": _fixed(2),
    "eet": _fixed(2), "eest": _fixed(3), "msk": _fixed(3), "jst": _fixed(9), "kst": _fixed(9),
    "aest": _fixed(10), "aedt": _fixed(11), "acst": _fixed(9.5), "awst": _fixed(8), "nzst": _fixed(12), "nzdt": _fixed(13),
}

# W3C-DTF / ISO 8601 as feeds and sitemaps write it. A zone is only accepted after a time, so
# `2013-01-27-01` (a fourth date part) is refused instead of read as a -01:00 offset.
_ISO = re.compile(
    r"""^(?P<year>\d{4})
    (?:-(?P<month>0?\d{2})  # 0?: Google once wrote a three-digit month (2003-012-31)
       (?:-(?P<day>\d{2})
          (?:[Tt\s]\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?
             \s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?
          )?
       )?
    )?$""",
    re.VERBOSE,
)
_OFFSET = re.compile(r"^(?:gmt|utc|ut)?([+-])(\d{1,2}):?(\d{2})?$", re.I)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?$")
_SLASH_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")


def parse_feed_date(value: str | None, default_zone: dt.tzinfo | None = None) -> dt.datetime | None:
    """A listing's date string -> aware datetime in UTC, or None when it is not fully understood."""
    if not value or not value.strip():
        return None
    text = " ".join(value.split())
    try:
        parsed = _parse_iso(text) if text[:4].isdigit() and not _SLASH_DATE.match(text.split(" ")[0]) else None
        if parsed is None:
            parsed = _parse_rfc822_family(text)
        if parsed is None:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=default_zone or UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # day 31 of February, year 0 after the offset, ...
        return None


def _parse_iso(text: str) -> dt.datetime | None:
    match = _ISO.match(text)
    if not match:
        return None
    g = match.groupdict()
    moment = dt.datetime(
        int(g["year"]), int(g["month"] or 1), int(g["day"] or 1), int(g["hour"] or 0), int(g["minute"] or 0), int(g["second"] or 0)
    )
    zone = g["zone"]
    if zone is None:
        return moment
    return moment.replace(tzinfo=_zone(zone))


def _zone(token: str) -> dt.tzinfo:
    """`Z`, `GMT`, `EST`, `+0530`, `-01:01`, `GMT-01:01`, `+05` -> tzinfo; ValueError otherwise."""
    named = _ZONES.get(token.lower())
    if named is not None:
        return named
    match = _OFFSET.match(token)
    if not match:
        raise ValueError(f"unknown zone {token!r}")
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"offset out of range {token!r}")
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-delta if sign == "-" else delta)


def _parse_rfc822_family(text: str) -> dt.datetime | None:
    """RFC 822/1123 and its variants, asctime, Perforce: tokens are recognised by their shape.

    Every token must be understood (a weekday, a month, day, year, time or zone); an unknown
    word makes the whole string unparseable.
    """
    day = month = year = None
    clock: tuple[int, int, int] | None = None
    zone: dt.tzinfo | None = None
    for token in text.replace(",", " ").split():
        low = token.lower().rstrip(".")
        if low[:3] in _WEEKDAYS and low.isalpha() and month is None and day is None and year is None:
            continue
        if low[:3] in _MONTHS and low.isalpha() and month is None and (len(low) == 3 or low == "sept" or _is_month_name(low)):
            month = _MONTHS[low[:3]]
        elif token.isdigit() and len(token) == 4 and year is None:
            year = int(token)
        elif token.isdigit() and len(token) <= 2 and day is None:
            day = int(token)
        elif token.isdigit() and len(token) == 2 and year is None:
            year = int(token) + (2000 if int(token) < 70 else 1900)  # RFC 2822 two-digit years
        elif (slash := _SLASH_DATE.match(token)) and year is None and month is None and day is None:
            year, month, day = (int(part) for part in slash.groups())
        elif (time_match := _TIME.match(token)) and clock is None:
            clock = (int(time_match.group(1)), int(time_match.group(2)), int(time_match.group(3) or 0))
        elif zone is None and clock is not None:
            zone = _zone(token)  # raises ValueError on an unknown word
        else:
            return None
    if day is None or month is None or year is None:
        return None
    hour, minute, second = clock or (0, 0, 0)
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=zone)


_FULL_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")


def _is_month_name(word: str) -> bool:
    return any(full.startswith(word) for full in _FULL_MONTHS)
