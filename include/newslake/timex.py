"""Temporal expressions: article text + publication date -> TIMEX3-style mentions.

`find_timexes(text, reference)` finds dates, times, durations and sets in English news text and
normalises them the way TimeML/MEANTIME annotators write TIMEX3 `value`s: "2019-11-07",
"2019-05", "2019-W44", "2019-Q3", "2019-11-08TMO", "P3D", "PXY", "PRESENT_REF", "199" (the
1990s)... Relative expressions ("yesterday", "last week", "Monday", "in May") are resolved
against `reference`, the publication date; without one they get value None while absolute
ones ("July 24, 2003", "in 2015") still resolve.

How: a fixed set of regular-expression rules (compiled once at import) proposes candidates with
a type and a resolver; overlapping candidates are settled longest-first; a light tense check on
the sentence decides whether a bare weekday or month points backwards or forwards in time.
Pure Python, no I/O; about a millisecond per article.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Timex", "find_timexes"]


@dataclass(frozen=True)
class Timex:
    """One temporal expression: `text == input[start:end]`, TIMEX3 `type` and `value`."""

    start: int  # character offsets into exactly the input text
    end: int
    text: str
    type: str  # "DATE" | "TIME" | "DURATION" | "SET"
    value: str | None  # None when it cannot be resolved (e.g. relative, no reference date)


# --------------------------------------------------------------------------- vocabulary
_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}  # fmt: skip
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "single": 1, "couple": 2,
    "a couple of": 2, "dozen": 12, "a dozen": 12,
}  # fmt: skip
_VAGUE = ("several", "many", "a few", "few", "some", "numerous", "countless", "recent")
_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "final": 4, "last": 4,
}  # fmt: skip
# unit -> (TIMEX3 letter, is a clock unit, multiplier)
_UNITS = {
    "year": ("Y", False, 1), "month": ("M", False, 1), "week": ("W", False, 1),
    "day": ("D", False, 1), "hour": ("H", True, 1), "minute": ("M", True, 1),
    "second": ("S", True, 1), "decade": ("Y", False, 10), "century": ("Y", False, 100),
    "quarter": ("M", False, 3), "fortnight": ("W", False, 2), "night": ("D", False, 1),
}  # fmt: skip
_PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI",
                 "tonight": "NI", "overnight": "NI"}  # fmt: skip
_SEASONS = {"spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI"}
_SETS = {"daily": "P1D", "weekly": "P1W", "monthly": "P1M", "yearly": "P1Y", "annually": "P1Y",
         "hourly": "PT1H", "nightly": "P1D", "quarterly": "P3M"}  # fmt: skip

# --------------------------------------------------------------------------- regex pieces
_MONTH_FULL = r"(?-i:January|February|March|April|May|June|July|August|September|October|November|December)"  # noqa: E501
_MONTH_ABBR = r"(?-i:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_MONTH = rf"(?:{_MONTH_FULL}|{_MONTH_ABBR})"
_WEEKDAY = r"(?-i:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_NUMWORD = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|four"
    r"|five|six|seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
    r"|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|a\s+hundred"
    r"|hundred|a\s+couple\s+of|couple\s+of|a\s+dozen|dozen|an?|single)"
)
_NUM = rf"(?:\d+(?:[.,]\d+)?|{_NUMWORD})(?:\s+and\s+a\s+half)?"
_UNIT = r"(?:year|month|week|day|hour|minute|second|decade|century|centurie|quarter|fortnight)"
_POD = r"(?:morning|afternoon|evening|night)"
_TZ = r"(?:UTC|GMT|EST|EDT|CST|CDT|PST|PDT|BST|CET|CEST|JST|IST|AEST|AEDT)"
_AMPM = r"(?:[ap]\.\s?m\.|[ap]m\b)"
_REL = r"(?:this|last|next|past|coming|previous|following|current)"


def _compile(pattern: str) -> re.Pattern[str]:
    """Case-insensitive, and whitespace inside an expression never spans a line break."""
    pattern = pattern.replace(r"[\s-]", r"(?:[^\S\n]|-)").replace(r"\s", r"[^\S\n]")
    return re.compile(pattern, re.I)


_DURATION_PREFIX = _compile(
    r"(?:(?:just\s+|for\s+)?(?:nearly|almost|about|around|over|under|more\s+than|less\s+than"
    r"|roughly|approximately|at\s+least|up\s+to|some|only|fewer\s+than|at\s+most)\s+)$",
)
_DATE_PREFIX = _compile(
    r"(?:\b(?:early|late|mid|the\s+(?:very\s+)?(?:beginning|start|end|middle|close|turn"
    r"|rest|remainder)\s+of)(?:\s+|-))$"
)


# --------------------------------------------------------------------------- context helpers
@dataclass
class _Ctx:
    text: str
    ref: dt.date | None


_TENSE = re.compile(
    r"\b(?P<f>will|won't|shall|'ll|going\s+to|expect(?:s|ed)?|plan(?:s|ned)?\s+to|slated"
    r"|scheduled|set\s+to|due\s+to|intends?\s+to|upcoming|to\s+be\s+held|would|next|until"
    r"|aims?\s+to|hopes?\s+to|could|may|might"
    r"|should|must)\b"
    # a participle after "be"/"is" is passive voice, not past tense ("may be signed")
    r"|\b(?P<p>was|were|had|did|said|says|ago|last|earlier"
    r"|(?<!\bbe )(?<!\bbeen )(?<!\bis )(?<!\bare )(?<!\bbeing )\w{3,}ed)\b",
    re.I,
)
_SENT_BREAK = re.compile(r"[.!?]\s+(?=[A-Z\"'(])|\n")


def _tense(ctx: _Ctx, start: int, end: int) -> int:
    """+1 when the sentence around [start, end) talks about the future, -1 past, 0 unknown."""
    text = ctx.text
    lo = max(0, start - 200)
    hi = min(len(text), end + 200)
    left = text[lo:start]
    breaks = list(_SENT_BREAK.finditer(left))
    if breaks:
        lo += breaks[-1].end()
    right = _SENT_BREAK.search(text, end, hi)
    if right:
        hi = right.start()
    best, best_d = 0, 10**9
    for m in _TENSE.finditer(text, lo, hi):
        if start <= m.start() < end:
            continue
        d = start - m.end() if m.end() <= start else m.start() - end
        d = d if m.end() <= start else d + 15  # verbs usually precede their adjuncts
        if d < best_d:
            best, best_d = (1 if m.group("f") else -1), d
    return best


def _num(s: str) -> float | None:
    """'three' -> 3, '2.5' -> 2.5, 'two and a half' -> 2.5; None for vague quantities."""
    s = s.lower().strip()
    half = 0.0
    if s.endswith("and a half"):
        half, s = 0.5, s[: -len("and a half")].strip()
    s = re.sub(r"\s+", " ", s)
    if s and s[0].isdigit():
        try:
            return float(s.replace(",", "")) + half
        except ValueError:
            return None
    if s in _NUMBERS:
        return _NUMBERS[s] + half
    parts = re.split(r"[\s-]", s)
    if len(parts) == 2 and parts[0] in _NUMBERS and parts[1] in _NUMBERS:
        return _NUMBERS[parts[0]] + _NUMBERS[parts[1]] + half
    return None


def _fmt_num(n: float) -> str:
    return str(int(n)) if n == int(n) else f"{n:g}"


def _unit(s: str) -> tuple[str, bool, int]:
    s = s.lower().rstrip("s")
    if s == "centurie":
        s = "century"
    return _UNITS[s]


def _duration(n: float | None, unit: str) -> str:
    letter, clock, mult = _unit(unit)
    amount = "X" if n is None else _fmt_num(n * mult)
    return f"PT{amount}{letter}" if clock else f"P{amount}{letter}"


def _shift_months(d: dt.date, months: int) -> tuple[int, int]:
    total = d.year * 12 + d.month - 1 + months
    return total // 12, total % 12 + 1


def _week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def _nearest_year(ctx: _Ctx, month: float, start: int, end: int) -> int | None:
    """Year for a month (fractional: day or quarter) named without one.

    The nearest occurrence to the reference date wins; the sentence's tense penalises the
    other direction, so "in May" said in November is last May unless the sentence is future.
    """
    ref = ctx.ref
    if ref is None:
        return None
    now = ref.month + (ref.day - 1) / 31
    tense = _tense(ctx, start, end)
    best, best_cost = ref.year, 1e9
    for year in (ref.year - 1, ref.year, ref.year + 1):
        diff = (year - ref.year) * 12 + month - now
        cost = abs(diff)
        if (tense < 0 and diff > 0.5) or (tense > 0 and diff < -0.5):
            cost *= 2
        if cost < best_cost:
            best, best_cost = year, cost
    return best


def _weekday_date(ctx: _Ctx, wd: int, start: int, end: int, rel: str = "") -> dt.date | None:
    ref = ctx.ref
    if ref is None:
        return None
    rel = rel.lower()
    if rel == "next":
        tense = 1
    elif rel == "last":
        tense = -1
    else:
        tense = _tense(ctx, start, end)
    if tense > 0:
        delta = (wd - ref.weekday()) % 7
        if rel == "next" and delta == 0:
            delta = 7
        return ref + dt.timedelta(days=delta)
    delta = (ref.weekday() - wd) % 7
    if rel == "last" and delta == 0:
        delta = 7
    return ref - dt.timedelta(days=delta)


def _two_digit_year(yy: int, ref: dt.date | None) -> int:
    pivot = (ref.year if ref else 2030) % 100 + 10
    return 2000 + yy if yy <= pivot else 1900 + yy


# --------------------------------------------------------------------------- rule resolvers
# Each resolver gets the match and context and returns (type, value) or None to reject.
Resolved = tuple[str, str | None] | None


def _r_full_date(m: re.Match, ctx: _Ctx) -> Resolved:
    month = _MONTHS[m.group("mon").lower().rstrip(".")]
    day = int(re.match(r"\d+", m.group("day")).group())
    year_s = m.group("year")
    if year_s:
        year = int(year_s)
    else:
        year = _nearest_year(ctx, month + (day - 1) / 31, m.start(), m.end())
        if year is None:
            return ("DATE", None)
    try:
        d = dt.date(year, month, day)
    except ValueError:
        return None
    pod = m.groupdict().get("pod")
    if pod:
        return ("TIME", f"{d.isoformat()}T{_PARTS_OF_DAY[pod.lower()]}")
    return ("DATE", d.isoformat())


def _r_month_year(m: re.Match, ctx: _Ctx) -> Resolved:
    month = _MONTHS[m.group("mon").lower().rstrip(".")]
    return ("DATE", f"{int(m.group('year')):04d}-{month:02d}")


def _r_month(m: re.Match, ctx: _Ctx) -> Resolved:
    word = m.group("mon")
    rel = (m.group("rel") or "").lower()
    if word == "May" and not rel:
        # "May" is mostly the modal verb at a sentence start; accept it after a preposition
        before = ctx.text[max(0, m.start() - 12) : m.start()].lower()
        if not re.search(r"\b(?:in|of|since|until|by|from|to|during|early|late|mid)[\s-]*$", before):
            return None
    month = _MONTHS[word.lower()]
    ref = ctx.ref
    if ref is None:
        return ("DATE", None)
    if rel in ("last", "past", "previous"):
        year = ref.year if month < ref.month else ref.year - 1
    elif rel in ("next", "coming"):
        year = ref.year if month > ref.month else ref.year + 1
    elif rel == "this":
        year = ref.year
    else:
        year = _nearest_year(ctx, month + 0.5, m.start(), m.end())
    return ("DATE", f"{year:04d}-{month:02d}")


def _r_numeric_date(m: re.Match, ctx: _Ctx) -> Resolved:
    a, b, y = int(m.group("a")), int(m.group("b")), m.group("y")
    year = int(y) if len(y) == 4 else _two_digit_year(int(y), ctx.ref)
    month, day = (a, b) if a <= 12 else (b, a)  # US order first, day-first when it must be
    try:
        return ("DATE", dt.date(year, month, day).isoformat())
    except ValueError:
        return None


def _r_iso_date(m: re.Match, ctx: _Ctx) -> Resolved:
    try:
        d = dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    except ValueError:
        return None
    return ("DATE", d.isoformat())


def _r_year(m: re.Match, ctx: _Ctx) -> Resolved:
    return ("DATE", m.group("year"))


def _r_short_year(m: re.Match, ctx: _Ctx) -> Resolved:
    return ("DATE", str(_two_digit_year(int(m.group("yy")), ctx.ref)))


def _r_decade(m: re.Match, ctx: _Ctx) -> Resolved:
    if m.group("full"):
        return ("DATE", m.group("full")[:3])
    yy = int(m.group("yy"))
    return ("DATE", str(_two_digit_year(yy, ctx.ref))[:3])


def _r_century(m: re.Match, ctx: _Ctx) -> Resolved:
    n = int(re.match(r"\d+", m.group("n")).group()) if m.group("n")[0].isdigit() else None
    if n is None:
        n = {"nineteenth": 19, "twentieth": 20, "twenty-first": 21, "twenty first": 21}.get(m.group("n").lower())
    return ("DATE", f"{n - 1:02d}") if n else None


def _r_deictic_day(m: re.Match, ctx: _Ctx) -> Resolved:
    word = m.group("w").lower()
    pod = (m.group("pod") or "").lower()
    ref = ctx.ref
    if word == "tonight":
        return ("TIME", f"{ref.isoformat()}TNI" if ref else None)
    if ref is None:
        return ("TIME" if pod else "DATE", None)
    d = ref + dt.timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[word])
    if pod:
        return ("TIME", f"{d.isoformat()}T{_PARTS_OF_DAY[pod]}")
    return ("DATE", d.isoformat())


def _r_this_pod(m: re.Match, ctx: _Ctx) -> Resolved:
    ref = ctx.ref
    pod = _PARTS_OF_DAY[m.group("pod").lower()]
    if ref is None:
        return ("TIME", None)
    d = ref - dt.timedelta(days=1) if m.group("rel").lower() == "last" else ref
    return ("TIME", f"{d.isoformat()}T{pod}")


def _r_weekday(m: re.Match, ctx: _Ctx) -> Resolved:
    wd = _WEEKDAYS[m.group("wd").lower()]
    d = _weekday_date(ctx, wd, m.start(), m.end(), m.group("rel") or "")
    pod = (m.group("pod") or "").lower()
    if pod:
        return ("TIME", f"{d.isoformat()}T{_PARTS_OF_DAY[pod]}" if d else None)
    return ("DATE", d.isoformat() if d else None)


def _r_rel_period(m: re.Match, ctx: _Ctx) -> Resolved:
    """'last week', 'this year', 'the previous month', 'next quarter', 'this weekend'."""
    rel = m.group("rel").lower()
    unit = m.group("unit").lower()
    ref = ctx.ref
    if ref is None:
        return ("DATE", None)
    step = {"this": 0, "current": 0, "coming": 1, "next": 1, "following": 1,
            "last": -1, "past": -1, "previous": -1}[rel]  # fmt: skip
    if unit == "year":
        return ("DATE", str(ref.year + step))
    if unit == "month":
        y, mo = _shift_months(ref, step)
        return ("DATE", f"{y:04d}-{mo:02d}")
    if unit == "week":
        return ("DATE", _week(ref + dt.timedelta(weeks=step)))
    if unit == "weekend":
        return ("DATE", _week(ref + dt.timedelta(weeks=step)) + "-WE")
    if unit == "quarter":
        y, mo = _shift_months(ref, 3 * step)
        return ("DATE", f"{y:04d}-Q{(mo - 1) // 3 + 1}")
    if unit == "decade":
        return ("DURATION", "P10Y") if step < 0 else ("DATE", str(ref.year + 10 * step)[:3])
    if unit == "century":
        return ("DATE", f"{(ref.year // 100) + step:02d}")
    if unit in _SEASONS:
        year = ref.year + step
        return ("DATE", f"{year:04d}-{_SEASONS[unit]}")
    return None


def _r_the_weekend(m: re.Match, ctx: _Ctx) -> Resolved:
    # annotators name the weekend by the ISO week of the reference date, past or coming
    return ("DATE", _week(ctx.ref) + "-WE" if ctx.ref else None)


def _r_ago(m: re.Match, ctx: _Ctx) -> Resolved:
    ref = ctx.ref
    n = _num(m.group("n")) if m.group("n") else None
    unit = m.group("unit").lower().rstrip("s")
    unit = "century" if unit == "centurie" else unit
    sign = 1 if m.group("dir").lower() in ("from now", "hence") else -1
    if ref is None:
        return ("DATE", None)
    if n is None or n != int(n):
        return ("DATE", "FUTURE_REF" if sign > 0 else "PAST_REF")
    n = int(n) * sign
    if unit in ("day", "night"):
        return ("DATE", (ref + dt.timedelta(days=n)).isoformat())
    if unit in ("week", "fortnight"):
        return ("DATE", (ref + dt.timedelta(weeks=n * (2 if unit == "fortnight" else 1))).isoformat())
    if unit in ("hour", "minute", "second"):
        return ("DATE", ref.isoformat())
    if unit == "month":
        y, mo = _shift_months(ref, n)
        return ("DATE", f"{y:04d}-{mo:02d}")
    if unit == "quarter":
        y, mo = _shift_months(ref, 3 * n)
        return ("DATE", f"{y:04d}-Q{(mo - 1) // 3 + 1}")
    if unit == "year":
        return ("DATE", str(ref.year + n))
    if unit == "decade":
        return ("DATE", str(ref.year + 10 * n)[:3])
    if unit == "century":
        return ("DATE", str(ref.year + 100 * n)[:2])
    return None


def _r_duration(m: re.Match, ctx: _Ctx) -> Resolved:
    n_s = m.group("n")
    if n_s.lower() in ("a", "an") and m.group("unit").lower().startswith("second"):
        return None  # "a second" is nearly always the ordinal
    n = None if n_s.lower() in _VAGUE else _num(n_s)
    if n is None and n_s.lower() not in _VAGUE:
        return None
    return ("DURATION", _duration(n, m.group("unit")))


def _r_bare_units(m: re.Match, ctx: _Ctx) -> Resolved:
    return ("DURATION", _duration(None, m.group("unit")))


def _r_set(m: re.Match, ctx: _Ctx) -> Resolved:
    word = m.group("w")
    if word:
        w = word.lower()
        return ("DURATION", "P1Y") if w == "annual" else ("SET", _SETS[w])
    if m.group("a"):
        # "a year" is a rate only after an amount ("$5 billion a year", "twice a week")
        before = ctx.text[max(0, m.start() - 25) : m.start()]
        if m.group("unit").lower().startswith("second") or not _RATE_BEFORE.search(before):
            return None
    n = _num(m.group("n")) if m.group("n") else 1
    return ("SET", _duration(n, m.group("unit")))


_RATE_BEFORE = re.compile(
    r"(?:\d|%|\b(?:once|twice|thrice|times|million|billion|thousand|hundred|percent|dollars?"
    r"|euros?|pounds?|yen|cents?|each|people|units|cars|vehicles|jobs|barrels))\W*$",
    re.I,
)


def _r_quarter(m: re.Match, ctx: _Ctx) -> Resolved:
    q = _ORDINALS[m.group("q").lower()]
    ref = ctx.ref
    year: int | None
    if m.group("year"):
        year = int(m.group("year"))
    elif m.group("rel"):
        if ref is None:
            return ("DATE", None)
        year = ref.year + {"this": 0, "last": -1, "next": 1, "previous": -1, "current": 0,
                           "past": -1, "coming": 1, "following": 1}[m.group("rel").lower()]  # fmt: skip
    else:
        if ref is None:
            return ("DATE", None)
        year = _nearest_year(ctx, 3 * q - 1, m.start(), m.end())
    return ("DATE", f"{year:04d}-Q{q}")


def _r_half(m: re.Match, ctx: _Ctx) -> Resolved:
    h = 1 if m.group("h").lower() in ("first", "1st") else 2
    if m.group("year"):
        year = int(m.group("year"))
    elif ctx.ref is not None:
        year = ctx.ref.year + {"": 0, "this": 0, "last": -1, "next": 1}[(m.group("rel") or "").lower()]
    else:
        return ("DATE", None)
    return ("DATE", f"{year:04d}-H{h}")


def _r_season(m: re.Match, ctx: _Ctx) -> Resolved:
    season = _SEASONS[m.group("s").lower()]
    if m.group("year"):
        return ("DATE", f"{m.group('year')}-{season}")
    ref = ctx.ref
    if ref is None:
        return ("DATE", None)
    rel = (m.group("rel") or "").lower()
    year = ref.year + {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}.get(rel, 0)
    return ("DATE", f"{year:04d}-{season}")


_DAY_TBD = "?"  # placeholder: the day of a bare clock time, decided from its sentence


def _r_time(m: re.Match, ctx: _Ctx) -> Resolved:
    hh = int(m.group("h"))
    mm = int(m.group("mi") or 0)
    ampm = (m.group("ampm") or "").lower().replace(".", "").replace(" ", "")
    if ampm == "pm" and hh < 12:
        hh += 12
    if ampm == "am" and hh == 12:
        hh = 0
    if hh > 24 or mm > 59:
        return None
    zone = m.group("tz") or m.groupdict().get("tz2") or ""
    tz = "Z" if zone.upper() in ("UTC", "GMT") else ""
    ref = ctx.ref
    anchor = (m.group("anchor") or "").strip().lower()
    if not anchor:
        return ("TIME", f"{_DAY_TBD}T{hh:02d}:{mm:02d}{tz}")
    day: dt.date | None = ref
    if anchor in _WEEKDAYS:
        day = _weekday_date(ctx, _WEEKDAYS[anchor], m.start(), m.end())
    elif anchor == "yesterday" and ref:
        day = ref - dt.timedelta(days=1)
    elif anchor == "tomorrow" and ref:
        day = ref + dt.timedelta(days=1)
    if day is None:
        return ("TIME", None)
    return ("TIME", f"{day.isoformat()}T{hh:02d}:{mm:02d}{tz}")


def _r_const(typ: str, value: str) -> Callable[[re.Match, _Ctx], Resolved]:
    return lambda m, ctx: (typ, value)


def _r_ref_day(m: re.Match, ctx: _Ctx) -> Resolved:
    return ("DATE", ctx.ref.isoformat() if ctx.ref else None)


def _r_ref_granule(m: re.Match, ctx: _Ctx) -> Resolved:
    """'the beginning of the year' -> the reference year (month, week, day likewise)."""
    ref = ctx.ref
    if ref is None:
        return ("DATE", None)
    unit = m.group("unit").lower()
    value = {"year": str(ref.year), "month": f"{ref.year:04d}-{ref.month:02d}",
             "week": _week(ref), "day": ref.isoformat()}[unit]  # fmt: skip
    return ("DATE", value)


# --------------------------------------------------------------------------- rules
_B = r"(?<![\w-])"  # left word boundary that also refuses to split hyphenated words
_E = r"(?![\w])"
_YEAR_OK = r"(?:(?<![\w$£€.,/:-])|(?<=mid-))"
_YEAR_END = r"(?![\w%]|[.,:/]\d|-\d)"

_RULES: list[tuple[re.Pattern[str], Callable[[re.Match, _Ctx], Resolved]]] = [
    (rf"{_B}(?:{_WEEKDAY}\s*,?\s*)?(?P<mon>{_MONTH})\s+(?P<day>{_DAY}){_E}"
     rf"(?:\s*,?\s*(?P<year>{_YEAR}){_E})?(?:\s+(?P<pod>{_POD}))?", _r_full_date),
    (rf"{_B}(?:{_WEEKDAY}\s*,?\s*)?(?:the\s+)?(?P<day>{_DAY})\s+(?:of\s+)?(?P<mon>{_MONTH})"
     rf"(?:\s*,?\s*(?P<year>{_YEAR}))?{_E}", _r_full_date),
    (rf"{_B}(?P<mon>{_MONTH})\s*,?\s*(?:of\s+)?(?P<year>{_YEAR}){_E}", _r_month_year),
    (rf"{_B}(?:(?P<rel>{_REL})\s+)?(?P<mon>{_MONTH_FULL}){_E}", _r_month),
    (rf"{_YEAR_OK}(?P<a>[01]?\d|[23]\d)/(?P<b>[0-3]?\d)/(?P<y>\d{{4}}|\d\d){_YEAR_END}",
     _r_numeric_date),
    (rf"{_YEAR_OK}(?P<y>{_YEAR})-(?P<m>[01]\d)-(?P<d>[0-3]\d){_YEAR_END}", _r_iso_date),
    (rf"{_YEAR_OK}(?P<year>{_YEAR}){_YEAR_END}", _r_year),
    (r"(?<![\w'])'(?P<yy>\d\d)(?![\w'])", _r_short_year),
    (rf"{_B}(?:the\s+)?(?:(?P<full>1[5-9]\d0|20\d0)|'(?P<yy>\d0))'?s{_E}", _r_decade),
    (rf"{_B}(?:the\s+)?(?P<n>\d{{1,2}}(?:st|nd|rd|th)|nineteenth|twentieth|twenty[\s-]first)"
     rf"[\s-]century{_E}", _r_century),
    (rf"{_B}(?:(?:earlier|later|early|late)\s+)?(?P<w>today|yesterday|tomorrow|tonight)"
     rf"(?:\s+(?P<pod>{_POD}))?{_E}", _r_deictic_day),
    (rf"{_B}(?P<rel>this|last)\s+(?P<pod>morning|afternoon|evening|night){_E}", _r_this_pod),
    (rf"{_B}(?:(?P<rel>this|last|next|past|coming)\s+)?(?P<wd>{_WEEKDAY})(?:'s)?"
     rf"(?:\s+(?P<pod>{_POD}))?{_E}", _r_weekday),
    (rf"{_B}(?:the\s+)?(?P<rel>{_REL})\s+(?P<unit>year|month|week|weekend|quarter|decade|century"
     rf"|spring|summer|autumn|fall|winter){_E}", _r_rel_period),
    (rf"{_B}(?:this|the)\s+weekend{_E}", _r_the_weekend),
    (rf"{_B}(?:(?P<n>{_NUM}|several|a\s+few|few|many)\s+)?(?P<unit>{_UNIT})s?\s+"
     rf"(?P<dir>ago|from\s+now|hence){_E}", _r_ago),
    (rf"{_B}(?:the\s+)?(?:(?:past|last|next|previous|coming|first|final|following|same|another"
     rf"|additional|further|extra|full)\s+)?(?P<n>{_NUM}|several|a\s+few|few|many|numerous"
     rf"|recent)(?:\s+|-)(?:(?:more|straight|consecutive|trading|business|working|full|calendar"
     rf"|successive|long)[\s-]+)?(?P<unit>{_UNIT})s?{_E}", _r_duration),
    (rf"{_B}(?:(?:over|for|in)\s+the\s+)?(?P<unit>years|decades|months|weeks|days|hours"
     rf"|minutes|centuries){_E}", _r_bare_units),
    (rf"{_B}(?:(?:every|each|per|(?P<a>a))\s+(?:(?P<n>{_NUM})\s+)?(?P<unit>{_UNIT})s?"
     rf"|(?P<w>daily|weekly|monthly|yearly|annually|hourly|nightly|quarterly|annual)){_E}",
     _r_set),
    (rf"{_B}(?:the\s+)?(?P<q>first|second|third|fourth|final|last|1st|2nd|3rd|4th)[\s-]quarter"
     rf"(?:\s+(?:of\s+)?(?:(?P<year>{_YEAR})|(?P<rel>{_REL})\s+year))?{_E}", _r_quarter),
    (rf"{_B}(?:the\s+)?(?:(?P<rel>this|last|next)\s+year's\s+)?(?P<h>first|second|1st|2nd)"
     rf"[\s-]half(?:\s+of\s+(?:(?P<year>{_YEAR})|the\s+year|this\s+year))?{_E}", _r_half),
    (rf"{_B}(?:(?:(?P<rel>this|last|next|past|coming|previous)|the|in)\s+)?"
     rf"(?P<s>spring|summer|autumn|winter|(?-i:Fall|Autumn))(?:\s+(?:of\s+)?(?P<year>{_YEAR}))?{_E}",
     _r_season),
    (rf"{_B}(?P<h>[01]?\d|2[0-4])(?::|\.(?=\d\d\s*{_AMPM}))(?P<mi>[0-5]\d)(?:\s*(?P<ampm>{_AMPM}))?"
     rf"(?:\s*(?P<tz>{_TZ})(?:\s*[+-]\s*\d{{1,2}})?|\s*\(\s*(?P<tz2>{_TZ})(?:\s*[+-]\s*\d{{1,2}})?\s*\))?"
     rf"(?:\s*(?:on\s+)?(?P<anchor>{_WEEKDAY}|today|yesterday|tomorrow)\b)?", _r_time),
    (rf"{_B}(?P<h>[01]?\d)(?P<mi>)\s*(?P<ampm>{_AMPM})(?:\s*(?P<tz>{_TZ}))?"
     rf"(?:\s*(?:on\s+)?(?P<anchor>{_WEEKDAY}|today|yesterday|tomorrow)\b)?", _r_time),
    (rf"{_B}(?P<h>[01]\d|2[0-3])(?P<mi>[0-5]\d)\s*(?:hours\s+)?(?P<tz>{_TZ})(?P<ampm>)"
     rf"(?:\s*(?:on\s+)?(?P<anchor>{_WEEKDAY}|today|yesterday|tomorrow)\b)?", _r_time),
    (rf"{_B}(?:now|currently|presently|nowadays|at\s+present|these\s+days|at\s+the\s+moment"
     rf"|current|present[\s-]day|right\s+now){_E}", _r_const("DATE", "PRESENT_REF")),
    (rf"{_B}(?:recently|lately|(?:the|in\s+the)\s+past|recent\s+history){_E}",
     _r_const("DATE", "PAST_REF")),
    (rf"{_B}(?:(?:the|in\s+the)\s+(?:near\s+|distant\s+)?future|soon|the\s+long\s+term"
     rf"|the\s+short\s+term|the\s+coming\s+(?:days|weeks|months|years)){_E}",
     _r_const("DATE", "FUTURE_REF")),
    (rf"{_B}the\s+(?:(?:very\s+)?(?:beginning|start|end|middle|close|rest|remainder)\s+of\s+"
     rf"(?:the|this)\s+)(?P<unit>year|month|week|day){_E}", _r_ref_granule),
    (rf"{_B}(?:early|late)\s+in\s+the\s+(?P<unit>day|week|month|year){_E}", _r_ref_granule),
    (rf"{_B}the\s+day(?!\s+(?:after|before|of|when|that|in|on|it|the|a|an|he|she|they|we|I|his|her"
     rf"|their|its|following|prior|earlier|later)\b)(?!')(?![\w-])", _r_ref_day),
]  # fmt: skip
_COMPILED = [(_compile(p), fn) for p, fn in _RULES]


# --------------------------------------------------------------------------- driver
def find_timexes(text: str, reference: dt.date | None) -> list[Timex]:
    """Temporal expressions in `text`, normalised against publication date `reference`."""
    if isinstance(reference, dt.datetime):
        reference = reference.date()
    ctx = _Ctx(text, reference)
    cands: list[tuple[int, int, int, str, str | None]] = []
    for order, (pattern, resolve) in enumerate(_COMPILED):
        for m in pattern.finditer(text):
            if m.end() <= m.start():
                continue
            got = resolve(m, ctx)
            if got is not None:
                cands.append((m.start(), m.end(), order, got[0], got[1]))
    # longest wins; among equals, the earlier rule (more specific) wins
    cands.sort(key=lambda c: (c[0] - c[1], c[2], c[0]))
    chosen: list[tuple[int, int, int, str, str | None]] = []
    for c in cands:
        if all(c[1] <= o[0] or c[0] >= o[1] for o in chosen):
            chosen.append(c)
    chosen.sort()
    out: list[Timex] = []
    for i, (start, end, _, typ, value) in enumerate(chosen):
        if value and value.startswith(_DAY_TBD):
            day = _clock_day(ctx, chosen, i)
            value = day + value[len(_DAY_TBD) :] if day else None
        wider = _extend_left(text, start, typ)
        if not out or wider >= out[-1].end:
            start = wider
        # a trailing space can come from optional groups that matched nothing after it
        while end > start and text[end - 1].isspace():
            end -= 1
        out.append(Timex(start, end, text[start:end], typ, value))
    return out


def _clock_day(ctx: _Ctx, chosen: list, i: int) -> str | None:
    """'16:15 UTC, June 1st' / 'Tuesday ... at 18:00 UTC': the nearest day in the sentence."""
    start, end = chosen[i][0], chosen[i][1]
    best, best_d = None, 10**9
    for other in chosen:
        value = other[4] or ""
        if other is chosen[i] or not _DAY_VALUE.match(value):
            continue
        lo, hi = (other[1], start) if other[1] <= start else (end, other[0])
        if _SENT_BREAK.search(ctx.text, lo, hi):
            continue
        if hi - lo < best_d:
            best, best_d = value[:10], hi - lo
    if best is None and ctx.ref is not None:
        best = ctx.ref.isoformat()
    return best


_DAY_VALUE = re.compile(r"\d{4}-\d\d-\d\d")


def _extend_left(text: str, start: int, typ: str) -> int:
    """Take in approximators ('nearly five months') and edges ('late 2006', 'the end of')."""
    window = text[max(0, start - 40) : start]
    prefix = _DURATION_PREFIX if typ == "DURATION" else _DATE_PREFIX
    m = prefix.search(window)
    return start - (len(window) - m.start()) if m else start
