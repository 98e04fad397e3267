"""Publication date: HTML page (+ URL) -> `PublishedDate` (UTC instant + publisher's local day).

Sources are tried from most to least trustworthy: JSON-LD `datePublished` of the article object,
publication `<meta>` tags, weaker JSON-LD dates (an embedded video's `uploadDate`), `<time>`/`itemprop`
markup inside the article header, a date labelled "Published"/"Posted" just after the headline, date
patterns in the URL, an unlabelled date in the byline area, a date in an element named as the date
("post-date", "date-created"), and finally htmldate's own search (copyright lines removed). Written
dates may use non-ASCII digits or the Solar Hijri calendar ("2 تیر 1399"). Page chrome (clocks,
"last updated", copyright lines, related-article lists, comments, cookie banners) is never a
candidate, nor is a date introduced by "Updated".

The gold standard is the publisher's calendar day, so a timestamp keeps the offset the page gave
it (`original`) and `date_local` is the day in that offset; a UTC timestamp is moved to the
publisher's zone when another source on the page reveals it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import lxml.html
from lxml import etree

from newslake.pagemeta import json_ld_types, walk_json

__all__ = ["DATE_IN_TEXT", "PublishedDate", "find_published_date"]

MIN_DATE = dt.date(1990, 1, 1)
UTC = dt.UTC


@dataclass(frozen=True)
class PublishedDate:
    """When an article was published, as the page states it."""

    published_at: dt.datetime | None  # tz-aware UTC
    original: str  # ISO-8601 as given by the page, with its offset if any
    date_local: dt.date  # publisher's calendar day
    precision: str  # "time" | "day"
    source: str  # "json-ld" | "meta" | "time-element" | "url" | "text"


# --------------------------------------------------------------------------- parsing one value
_ISO_RE = re.compile(
    r"""(?P<y>(?:19|20)\d\d)-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)
        (?:[T\s]+(?P<H>[0-2]?\d):(?P<M>[0-5]\d)(?::(?P<S>[0-5]?\d)(?:[.,]\d+)?)?
           \s*(?P<tz>Z|UTC|GMT|[+-][01]\d(?::?[0-5]\d)?)?)?""",
    re.X,
)
_COMPACT_RE = re.compile(
    r"^(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?:T?(?P<H>[0-2]\d)(?P<M>[0-5]\d)(?P<S>[0-5]\d)?)?(?P<tz>Z|[+-]\d\d:?\d\d)?$"
)
_SLASH_RE = re.compile(r"^(?P<y>(?:19|20)\d\d)[/.](?P<m>[01]?\d)[/.](?P<d>[0-3]?\d)(?:[ T]+(?P<H>[0-2]?\d):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?)?")

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            "jan january janvier januar enero gennaio janeiro",
            "feb february fevrier février februar febrero febbraio fevereiro",
            "mar march mars märz maerz marzo março",
            "apr april avril abril aprile",
            "may mai mayo maggio maio",
            "jun june juin juni junio giugno junho",
            "jul july juillet juli julio luglio julho",
            "aug august aout août agosto",
            "sep sept september septembre settembre setembro septiembre",
            "oct october octobre oktober octubre ottobre outubro",
            "nov november novembre noviembre novembro",
            "dec december decembre décembre dezember diciembre dicembre dezembro",
        ]
    )
    for name in names.split()
}
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
# "March 7, 2025", "Mar. 7 2025", "7 March 2025", "7. März 2025", optionally followed by a time
_TEXT_DATE_RE = re.compile(
    rf"""(?<![\d./])(?:
        (?P<mon1>{_MONTH_ALT})\.?\s+(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d\d)
      | (?P<d2>[0-3]?\d)(?:st|nd|rd|th)?\.?\s+(?:de\s+)?(?P<mon2>{_MONTH_ALT})\.?,?\s+(?:de\s+)?(?P<y2>(?:19|20)\d\d)
      | (?P<y3>(?:19|20)\d\d)-(?P<m3>[01]\d)-(?P<d3>[0-3]\d)
      | (?P<d4>[0-3]?\d)\.(?P<m4>[01]?\d)\.(?P<y4>(?:19|20)\d\d)
      | (?P<m5>[0-3]?\d)/(?P<d5>[0-3]?\d)/(?P<y5>(?:19|20)\d\d)
    )(?!\d)
    (?:[\s,]+(?:at\s+|um\s+|à\s+|-\s+|\|\s+)?(?P<H>[0-2]?\d)[:.h](?P<M>[0-5]\d)\s*(?P<ampm>[ap]\.?m\.?)?)?""",
    re.X | re.I,
)
DATE_IN_TEXT = _TEXT_DATE_RE  # for other stages that need to spot a written date


def _zone(name: str | None) -> dt.tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _offset(tz: str | None) -> dt.timezone | None:
    if tz is None:
        return None
    if tz in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14:
        return None
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


@dataclass(frozen=True)
class _Stamp:
    """One parsed value before it becomes a PublishedDate."""

    day: dt.date  # day as written (in `tz` when given)
    time: dt.time | None
    tz: dt.tzinfo | None  # offset as written by the page

    def aware(self) -> dt.datetime | None:
        if self.time is None or self.tz is None:
            return None
        return dt.datetime.combine(self.day, self.time, self.tz)


def _mk(y: Any, m: Any, d: Any, hh: Any = None, mm: Any = None, ss: Any = None, tz: dt.tzinfo | None = None) -> _Stamp | None:
    try:
        day = dt.date(int(y), int(m), int(d))
        time = dt.time(int(hh), int(mm), int(ss or 0)) if hh is not None and mm is not None else None
    except (TypeError, ValueError):
        return None
    if time is None:
        tz = None  # an offset without a time does not move the day
    return _Stamp(day, time, tz)


def _parse_value(value: str) -> _Stamp | None:
    """Parse a machine-readable date string (ISO-8601 and the usual variants)."""
    value = value.strip()
    if not value or len(value) > 80:
        return None
    match = _ISO_RE.search(value)
    if match and match.start() < 12:
        g = match.groupdict()
        return _mk(g["y"], g["m"], g["d"], g["H"], g["M"], g["S"], _offset(g["tz"]))
    match = _COMPACT_RE.match(value)
    if match:
        g = match.groupdict()
        return _mk(g["y"], g["m"], g["d"], g["H"], g["M"], g["S"], _offset(g["tz"]))
    match = _SLASH_RE.match(value)
    if match:
        g = match.groupdict()
        return _mk(g["y"], g["m"], g["d"], g["H"], g["M"], g["S"])
    if re.fullmatch(r"\d{10}(\d{3})?", value):  # epoch seconds / milliseconds
        seconds = int(value[:10])
        stamp = dt.datetime.fromtimestamp(seconds, UTC)
        return _Stamp(stamp.date(), stamp.time(), UTC)
    try:  # RFC 2822: "Mon, 11 May 2020 10:00:00 GMT"
        stamp = parsedate_to_datetime(value)
        return _Stamp(stamp.date(), stamp.time(), stamp.tzinfo)
    except (TypeError, ValueError, IndexError):
        pass
    return _parse_text(value)


# Persian/Arabic/Devanagari/... digits read as ASCII; Arabic yeh and kaf as their Persian forms
_NORMALISE = {
    ord(c): str(unicodedata.decimal(c))
    for c in map(chr, [*range(0x0660, 0x1100), *range(0xFF10, 0xFF1A)])
    if unicodedata.decimal(c, None) is not None
}
_NORMALISE.update({ord("ي"): "ی", ord("ى"): "ی", ord("ك"): "ک"})


def _normalise(text: str) -> str:
    """Same length as `text`, so match offsets still point into the original."""
    return text.translate(_NORMALISE)


# Iranian and Afghan sites often write only the Solar Hijri date: "2 تیر 1399", "1399/04/02"
_JALALI_MONTHS = {name: i + 1 for i, name in enumerate("فروردین اردیبهشت خرداد تیر مرداد شهریور مهر آبان آذر دی بهمن اسفند".split())}
_JALALI_RE = re.compile(
    rf"""(?<![\d/])(?:
        (?P<d1>[0-3]?\d)\s+(?P<mon1>{"|".join(_JALALI_MONTHS)})(?:\s+ماه)?\s+(?P<y1>1[34]\d\d)
      | (?P<y2>1[34]\d\d)/(?P<m2>[01]?\d)/(?P<d2>[0-3]?\d)
    )(?![\d/])
    (?:\s*[-،,|]?\s*(?:ساعت\s*)?(?P<H>[0-2]?\d):(?P<M>[0-5]\d)(?::[0-5]\d)?\s*(?P<pm>ب\.?\s?ظ)?)?""",
    re.X,
)


def _jalali_to_gregorian(jy: int, jm: int, jd: int) -> dt.date | None:
    """Solar Hijri (the Iranian calendar) -> Gregorian, by the 33-year arithmetic rule."""
    if not (1 <= jm <= 12 and 1 <= jd <= (31 if jm <= 6 else 30)):
        return None
    days = 365 * (jy + 1595) + ((jy + 1595) // 33) * 8 + (((jy + 1595) % 33) + 3) // 4 - 355668
    days += jd + ((jm - 1) * 31 if jm < 7 else (jm - 7) * 30 + 186)
    return dt.date(1, 1, 1) + dt.timedelta(days=days - 366)  # the rule counts from 1 March of year 0


def _parse_jalali(match: re.Match) -> _Stamp | None:
    g = match.groupdict()
    if g["y1"]:
        y, m, d = int(g["y1"]), _JALALI_MONTHS[g["mon1"]], int(g["d1"])
    else:
        y, m, d = int(g["y2"]), int(g["m2"]), int(g["d2"])
    day = _jalali_to_gregorian(y, m, d)
    if day is None:
        return None
    hh = g["H"]
    if hh is not None and g["pm"] and int(hh) < 12:
        hh = str(int(hh) + 12)
    return _mk(day.year, day.month, day.day, hh, g["M"])


def _written_dates(text: str) -> Iterable[tuple[re.Match, _Stamp | None]]:
    """Each date written in `text` (Gregorian or Solar Hijri), in reading order, with its parse."""
    text = _normalise(text)
    matches = sorted([*_TEXT_DATE_RE.finditer(text), *_JALALI_RE.finditer(text)], key=lambda m: m.start())
    for match in matches:
        yield match, (_parse_jalali(match) if match.re is _JALALI_RE else _parse_text(match.group(0)))


def _parse_text(text: str, *, first_only: bool = True) -> _Stamp | None:
    """Parse a human-written date ("March 7, 2025 at 10:30 am")."""
    text = _normalise(text)
    if not _TEXT_DATE_RE.search(text) and (jalali := _JALALI_RE.search(text)):
        return _parse_jalali(jalali)
    for match in _TEXT_DATE_RE.finditer(text):
        g = match.groupdict()
        if g["y1"]:
            y, m, d = g["y1"], _MONTHS.get(g["mon1"].lower()), g["d1"]
        elif g["y2"]:
            y, m, d = g["y2"], _MONTHS.get(g["mon2"].lower()), g["d2"]
        elif g["y3"]:
            y, m, d = g["y3"], g["m3"], g["d3"]
        elif g["y4"]:
            y, m, d = g["y4"], g["m4"], g["d4"]
        elif int(g["m5"]) > 12:  # 22/11/2020 can only be day-first
            y, m, d = g["y5"], g["d5"], g["m5"]
        else:
            y, m, d = g["y5"], g["m5"], g["d5"]
        hh = g["H"]
        if hh is not None and g["ampm"]:
            hour = int(hh) % 12 + (12 if g["ampm"].lower().startswith("p") else 0)
            hh = str(hour)
        stamp = _mk(y, m, d, hh, g["M"])
        if stamp is not None:
            return stamp
        if first_only:
            return None
    return None


# --------------------------------------------------------------------------- candidates on the page
_ARTICLE_TYPES = re.compile(r"(Article|Posting|Report|Review|Story|Blog)$", re.I)
_PUBLISHED_METAS = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "article:published",
    "published_time",
    "published-time",
    "datepublished",
    "date_published",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_date",
    "publication_date",
    "publication-date",
    "pubdate",
    "pub_date",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "article_date_original",
    "original-publish-date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "citation_publication_date",
    "citation_date",
    "cxenseparse:recs:publishtime",
    "datecreated",
    "created",
    "dc.date",
    "dcterms.date",
    "date",
    "og:updated_time",  # last resort among metas: sites often set it at publication
)
_META_RANK = {name: i for i, name in enumerate(_PUBLISHED_METAS)}
_MODIFIED_WORDS = re.compile(r"modif|updat|revis|edit", re.I)
# containers whose dates are never the article's own
_CHROME = re.compile(
    r"related|recommend|popular|trending|most-read|mostread|sidebar|widget|comment|footer|"
    r"cookie|consent|newsletter|teaser|promo|more-stories|read-more|readmore|rail|clock|weather|"
    r"ticker|breaking|outbrain|taboola|nav|menu|logo|masthead",
    re.I,
)
_CHROME_TAGS = {"footer", "aside", "nav"}
# the article's own metadata block, even when styled with a chrome class ("nav meta", "byline-rail")
_ARTICLE_META = re.compile(r"\b(?:meta|byline|dateline|post-?info|entry-?info|article-?info)\b", re.I)
_UPDATED_TEXT = re.compile(r"updated|modified|edited|aktualisiert|actualizado|mis à jour|atualizado|aggiornato", re.I)


def _json_ld_candidates(tree: etree._Element) -> list[tuple[int, str]]:
    """(rank, value) of datePublished in JSON-LD; article objects rank before other objects."""
    found: list[tuple[int, str]] = []
    for script in tree.xpath('//script[contains(translate(@type,"LDJSON","ldjson"),"ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            try:  # trailing commas, control characters: common in CMS output
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw.replace("\n", " ")), strict=False)
            except ValueError:
                continue
        for obj in walk_json(data):
            kinds = json_ld_types(obj)
            is_article = any(_ARTICLE_TYPES.search(k) for k in kinds)
            for key, rank in (("datePublished", 0), ("dateCreated", 2), ("uploadDate", 3)):
                value = obj.get(key)
                if isinstance(value, list) and value:
                    value = value[0]
                if isinstance(value, str) and value.strip():
                    found.append((rank + (0 if is_article else 1) + (0 if kinds else 1), value))
    found.sort(key=lambda item: item[0])
    return found


def _meta_candidates(tree: etree._Element) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv") or "").strip().lower()
        value = meta.get("content") or meta.get("datetime") or ""
        if key in _META_RANK and value.strip():
            found.append((_META_RANK[key], value))
        elif key == "parsely-page" and value.strip():
            try:
                page = json.loads(value)
            except ValueError:
                continue
            if isinstance(page, dict) and isinstance(page.get("pub_date"), str):
                found.append((_META_RANK["parsely-pub-date"], page["pub_date"]))
    found.sort(key=lambda item: item[0])
    return found


def _in_chrome(el: etree._Element) -> bool:
    for anc in el.iterancestors():
        tag = anc.tag if isinstance(anc.tag, str) else ""
        if tag in _CHROME_TAGS:
            return True
        if tag in ("body", "html"):  # their classes name the page ("menu-options"), not a region of it
            return False
        attrs = " ".join(filter(None, (anc.get("class"), anc.get("id"), anc.get("role"))))
        if attrs and _CHROME.search(attrs) and not _ARTICLE_META.search(attrs):
            return True
        if tag in ("article", "main", "body"):
            return False
    return False


def _is_modified(el: etree._Element) -> bool:
    """Markup or nearby wording says this is an update/modification date."""
    attrs = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("itemprop"), el.get("name"))))
    if _MODIFIED_WORDS.search(attrs):
        return True
    parent = el.getparent()
    if parent is not None:
        pattrs = " ".join(filter(None, (parent.get("class"), parent.get("id"))))
        if _MODIFIED_WORDS.search(pattrs) and not re.search(r"publi", pattrs, re.I):
            return True
        before = (parent.text or "") + "".join((s.tail or "") for s in el.itersiblings(preceding=True))
        if _UPDATED_TEXT.search(before[-40:]):
            return True
    return False


def _markup_candidates(tree: etree._Element) -> list[tuple[int, str]]:
    """Dates in microdata and `<time>` elements inside the article, outside chrome."""
    found: list[tuple[int, str]] = []
    for el in tree.xpath('//*[@itemprop="datePublished" or @itemprop="dateCreated"]'):
        value = el.get("content") or el.get("datetime") or el.text_content()
        if value and value.strip() and not _in_chrome(el):
            found.append((0 if el.get("itemprop") == "datePublished" else 2, value))
    for el in tree.iter("time"):
        value = el.get("datetime") or el.get("content") or ""
        if not value.strip() or _in_chrome(el) or _is_modified(el):
            continue
        attrs = " ".join(filter(None, (el.get("class"), el.get("pubdate") is not None and "pubdate" or "")))
        in_article = bool(el.xpath("ancestor::article|ancestor::header|ancestor::main"))
        rank = 1 if re.search(r"publi|pubdate|posted", attrs, re.I) else (3 if in_article else 4)
        found.append((rank, value))
    found.sort(key=lambda item: item[0])
    return found


_URL_DATE_RE = re.compile(
    r"/((?:19|20)\d\d)[/_-]([01]?\d)[/_-]([0-3]?\d)(?:/|[_-]|\.|$)"
    r"|[/_-]((?:19|20)\d\d)([01]\d)([0-3]\d)(?:[/_.-]|$)"
)


def _url_candidate(url: str | None) -> _Stamp | None:
    if not url:
        return None
    match = _URL_DATE_RE.search(url)
    if not match:
        return None
    g = match.groups()
    y, m, d = (g[0], g[1], g[2]) if g[0] else (g[3], g[4], g[5])
    return _mk(y, m, d)


def _headline(tree: etree._Element) -> etree._Element | None:
    """The article's headline: the `<h1>` (outside chrome) sharing most words with the page title."""
    titles = tree.xpath('//meta[@property="og:title" or @name="twitter:title"]/@content | //title/text()')
    title_words = set(_WORD_RE.findall(" ".join(titles).lower()))
    best, best_score = None, -1.0
    for head in tree.iter("h1"):
        words = _WORD_RE.findall(head.text_content().lower())
        if not words or _in_chrome(head):
            continue
        score = len(title_words.intersection(words)) + len(words) / 1000  # ties: the longer one
        if score > best_score:
            best, best_score = head, score
    return best


_WORD_RE = re.compile(r"\w+")
_NEAR_TITLE_CHARS = 400
_PROSE_CHARS = 150  # a longer text node is a sentence of the story, whose dates are about events
# the words just before a written date say what it is: "Published 3 March 2025" / "Updated ..."
_DATE_LABEL_RE = re.compile(
    r"(?P<pub>first\s+published|published|posted|publié|veröffentlicht|publicado|pubblicato)"
    r"|(?P<upd>updated|modified|edited|aktualisiert|actualizado|mis\s+à\s+jour|atualizado|aggiornato)",
    re.I,
)
# what may stand between a label and its date: "Published on: Monday, "
_LABEL_GAP_RE = re.compile(r"^(?:\s+(?:on|at|le|am|el|il|em))?\s*[:\-–—|]?\s*(?:[A-Za-zé]+day,?\s*)?$", re.I)


@dataclass(frozen=True)
class _TextDate:
    stamp: _Stamp
    labelled: bool  # introduced by "Published"/"Posted"/... rather than standing alone


def _label(before: str) -> str | None:
    """ "pub", "upd" or None: the label word closest before a date, if it introduces that date."""
    labels = list(_DATE_LABEL_RE.finditer(before[-60:]))
    if not labels:
        return None
    last = labels[-1]
    if last.group("upd"):
        return "upd"  # an update phrase anywhere just before the date disqualifies it
    return "pub" if _LABEL_GAP_RE.match(before[-60:][last.end() :]) else None


def _is_caption(node: Any) -> bool:
    """Text of a picture caption (its own date is when the photo was taken)."""
    owner = node.getparent().getparent() if node.is_tail else node.getparent()
    if owner is None:
        return False
    if owner.xpath("ancestor-or-self::figure|ancestor-or-self::figcaption"):
        return True
    return owner.find("img") is not None or bool(re.search(r"caption|credit", owner.get("class") or "", re.I))


def _text_candidate(tree: etree._Element) -> _TextDate | None:
    """The first date written just after the headline (the byline/dateline area), outside chrome.

    "Updated ..." dates are skipped; a date introduced by "Published"/"Posted" is marked as labelled.
    """
    head = _headline(tree)
    if head is None:
        return None
    seen, before = 0, ""
    for node in head.xpath("following::text()[position() <= 80]"):
        parent = node.getparent()
        if parent is None or parent.tag in ("script", "style", "noscript") or not node.strip():
            continue
        text = " ".join(node.split())
        seen += len(text)
        if seen > _NEAR_TITLE_CHARS:
            break
        if _in_chrome(parent) or _is_caption(node) or len(text) > _PROSE_CHARS:
            before = ""
            continue
        for match, stamp in _written_dates(text):
            label = _label(before + " " + text[: match.start()])
            if label == "upd":
                continue
            if stamp is not None:
                return _TextDate(stamp, label == "pub")
        before = (before + " " + text)[-60:]
    return None


# an element named as the article's date ("post-date", "date-created", "entry-date", "dateline")
_DATE_NAMED_RE = re.compile(
    r"publi(?:shed|cation|sh)[-_]?(?:date|time|on)|posted|created|pubdate|dateline"
    r"|(?:post|entry|article|story|news|item)[-_]?(?:date|time|meta)|date[-_]?(?:published|posted|created|publi)",
    re.I,
)


def _named_candidate(tree: etree._Element) -> _Stamp | None:
    """The first date in a short element whose class or id names it the article's date, outside chrome.

    For pages without a usable headline or markup; "Updated ..." wording or class names are skipped.
    """
    for el in tree.xpath("//body//*[@class or @id]"):
        attrs = " ".join(filter(None, (el.get("class"), el.get("id"))))
        if not _DATE_NAMED_RE.search(attrs) or _MODIFIED_WORDS.search(attrs):
            continue
        text = " ".join(el.text_content().split())
        if not text or len(text) > _PROSE_CHARS or _in_chrome(el):
            continue
        for match, stamp in _written_dates(text):
            if _label(text[: match.start()]) != "upd" and stamp is not None:
                return stamp
    return None


# --------------------------------------------------------------------------- publisher's zone
# A representative zone for country-code domains. Only the domain is used: guessing from the page
# language or locale (en-US, fr) was tried and lost, curated gold days often follow the UTC date.
_CCTLD_ZONE = {
    "ca": "America/Toronto",
    "mx": "America/Mexico_City",
    "br": "America/Sao_Paulo",
    "ar": "America/Argentina/Buenos_Aires",
    "uk": "Europe/London",
    "ie": "Europe/Dublin",
    "pt": "Europe/Lisbon",
    "es": "Europe/Madrid",
    "fr": "Europe/Paris",
    "be": "Europe/Brussels",
    "nl": "Europe/Amsterdam",
    "de": "Europe/Berlin",
    "at": "Europe/Vienna",
    "ch": "Europe/Zurich",
    "it": "Europe/Rome",
    "pl": "Europe/Warsaw",
    "cz": "Europe/Prague",
    "gr": "Europe/Athens",
    "tr": "Europe/Istanbul",
    "ua": "Europe/Kyiv",
    "ru": "Europe/Moscow",
    "se": "Europe/Stockholm",
    "no": "Europe/Oslo",
    "dk": "Europe/Copenhagen",
    "fi": "Europe/Helsinki",
    "il": "Asia/Jerusalem",
    "ir": "Asia/Tehran",
    "az": "Asia/Baku",
    "pk": "Asia/Karachi",
    "in": "Asia/Kolkata",
    "cn": "Asia/Shanghai",
    "hk": "Asia/Hong_Kong",
    "tw": "Asia/Taipei",
    "kr": "Asia/Seoul",
    "jp": "Asia/Tokyo",
    "id": "Asia/Jakarta",
    "ph": "Asia/Manila",
    "sg": "Asia/Singapore",
    "my": "Asia/Kuala_Lumpur",
    "au": "Australia/Sydney",
    "nz": "Pacific/Auckland",
    "za": "Africa/Johannesburg",
    "ng": "Africa/Lagos",
    "ke": "Africa/Nairobi",
}


def _domain_zone(url: str | None) -> dt.tzinfo | None:
    if not url:
        return None
    host = re.sub(r"^[a-z]+://", "", url.lower()).split("/", 1)[0].split(":", 1)[0]
    return _zone(_CCTLD_ZONE.get(host.rsplit(".", 1)[-1]))


# --------------------------------------------------------------------------- choosing
def _valid(stamp: _Stamp | None, now: dt.datetime) -> bool:
    if stamp is None or stamp.day < MIN_DATE:
        return False
    aware = stamp.aware()
    if aware is not None:
        return aware <= now + dt.timedelta(days=1)
    return stamp.day <= (now + dt.timedelta(days=1)).date()


# a UTC instant can be the publisher's previous or next day only within these offsets
_WEST, _EAST = dt.timedelta(hours=-10), dt.timedelta(hours=12)


def _local_day(aware: dt.datetime, zone: dt.tzinfo | None, hints: list[dt.date], guessed: dt.tzinfo | None = None) -> dt.date:
    """Publisher's day of a timestamp: its own offset, unless it is UTC and the publisher's zone is known.

    UTC ("Z") is usually just how the CMS serialises; the publisher's day then comes from the caller's
    zone, else from a day the page states elsewhere (same instant with an offset, a written day, the
    URL) when that day is reachable from the instant by a real-world offset, else from the zone of
    a country-code domain.
    """
    if aware.utcoffset() != dt.timedelta(0):
        return aware.date()
    if zone is not None:
        return aware.astimezone(zone).date()
    reachable = {(aware + _WEST).date(), (aware + _EAST).date()}
    for day in hints:
        if day != aware.date() and day in reachable:
            return day
        if day == aware.date():
            break
    if guessed is not None:
        return aware.astimezone(guessed).date()
    return aware.date()


def _to_published(
    stamp: _Stamp, source: str, zone: dt.tzinfo | None, hints: list[dt.date] | None = None, guessed: dt.tzinfo | None = None
) -> PublishedDate:
    if stamp.time is None:
        midnight = dt.datetime.combine(stamp.day, dt.time(0), zone or UTC)
        return PublishedDate(midnight.astimezone(UTC), stamp.day.isoformat(), stamp.day, "day", source)
    if stamp.tz is None:  # naive time: the publisher's zone if we know it, else as written
        if zone is not None:
            local = dt.datetime.combine(stamp.day, stamp.time, zone)
            return PublishedDate(local.astimezone(UTC), local.isoformat(), stamp.day, "time", source)
        naive = dt.datetime.combine(stamp.day, stamp.time)
        return PublishedDate(naive.replace(tzinfo=UTC), naive.isoformat(), stamp.day, "time", source)
    aware = dt.datetime.combine(stamp.day, stamp.time, stamp.tz)
    local_day = _local_day(aware, zone, hints or [], guessed)
    return PublishedDate(aware.astimezone(UTC), aware.isoformat(), local_day, "time", source)


def _load(html: str | bytes | etree._Element) -> etree._Element | None:
    if isinstance(html, etree._Element):
        return html
    if not html:
        return None
    try:
        if isinstance(html, str):
            html = html.encode("utf-8", "replace")
        return lxml.html.fromstring(html, parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError):
        return None


# JSON-LD ranks from here on (a `dateCreated` or `uploadDate`, or a date of an untyped or non-article
# object such as an embedded VideoObject) describe something on the page rather than the page itself
_JSON_LD_WEAK_RANK = 3


def _structured(tree: etree._Element, now: dt.datetime) -> list[tuple[str, _Stamp]]:
    """Valid dates from JSON-LD, metas and article markup, best first within each source.

    A weak JSON-LD date (an embedded video's `uploadDate`, ...) comes after the publication metas:
    it dates the page only when nothing else does.
    """
    json_ld = _json_ld_candidates(tree)
    found: list[tuple[str, _Stamp]] = []
    for source, cands in (
        ("json-ld", [c for c in json_ld if c[0] < _JSON_LD_WEAK_RANK]),
        ("meta", _meta_candidates(tree)),
        ("json-ld", [c for c in json_ld if c[0] >= _JSON_LD_WEAK_RANK]),
        ("time-element", _markup_candidates(tree)),
    ):
        for _, value in cands:
            stamp = _parse_value(value)
            if _valid(stamp, now):
                found.append((source, stamp))
    return found


def find_published_date(
    html: str | bytes | etree._Element,
    url: str | None = None,
    *,
    source_timezone: str | None = None,
) -> PublishedDate | None:
    """Publication date of the article on `html`, or None when the page states none.

    `source_timezone` (IANA name) is the publisher's zone when the caller knows it: it places naive
    times and UTC timestamps on the publisher's calendar day.
    """
    tree = _load(html)
    if tree is None:
        return None
    now = dt.datetime.now(UTC)
    zone = _zone(source_timezone)
    url_stamp = _url_candidate(url)
    if not _valid(url_stamp, now):
        url_stamp = None

    structured = _structured(tree, now)
    if structured:
        source, best = structured[0]
        return _to_published(best, source, zone, _hints(best, structured, url_stamp), _domain_zone(url))
    # no markup: a date the page labels as the publication date next to the headline is the
    # strongest visible evidence; a bare date there still beats htmldate's page-wide search,
    # which cannot tell a byline from a "today is" widget or a related-articles list
    written = _text_candidate(tree)
    if written is not None and not _valid(written.stamp, now):
        written = None
    if written is not None and written.labelled:
        return _to_published(written.stamp, "text", zone)
    if url_stamp is not None:
        return _to_published(url_stamp, "url", zone)
    if written is not None:
        return _to_published(written.stamp, "text", zone)
    named = _named_candidate(tree)
    if _valid(named, now):
        return _to_published(named, "text", zone)
    found = _htmldate_fallback(tree, url, now)
    if found is not None:
        return _to_published(found, "text", zone)
    return None


def _hints(best: _Stamp, structured: list[tuple[str, _Stamp]], url_stamp: _Stamp | None) -> list[dt.date]:
    """Days the page states besides `best`, that can reveal the publisher's day for a UTC timestamp."""
    hints: list[dt.date] = []
    aware = best.aware()
    for _, other in structured[1:]:
        other_aware = other.aware()
        if other_aware is None:
            if other.time is None:
                hints.append(other.day)  # a written day ("06 Dicembre 2020")
        elif aware is not None and other_aware.utcoffset() != dt.timedelta(0) and abs(other_aware - aware) < dt.timedelta(minutes=5):
            hints.insert(0, other.day)  # the same instant in the publisher's own offset
    if url_stamp is not None:
        hints.append(url_stamp.day)
    return hints


def _htmldate_fallback(tree: etree._Element, url: str | None, now: dt.datetime) -> _Stamp | None:
    from htmldate import find_date

    tree = deepcopy(tree)
    # htmldate turns a lone "© 2016" into 2016-01-01: copyright lines must never date an article
    for el in tree.xpath(
        "//body//*[not(*)][contains(., '©') or contains(translate(., 'COPYRIGHT', 'copyright'), 'copyright')]"
        " | //meta[contains(translate(@name, 'COPYRIGHT', 'copyright'), 'copyright') or contains(translate(@name, 'RIGHTS', 'rights'), 'rights')]"
    ):
        el.drop_tree()
    try:
        found = find_date(tree, url=url, extensive_search=True, original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # htmldate raises on odd markup; a missing date is not an error  # noqa: BLE001
        return None
    stamp = _parse_value(found) if found else None
    return stamp if _valid(stamp, now) else None
