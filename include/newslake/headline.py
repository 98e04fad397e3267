"""Headline: `PageMeta` (+ URL) -> the article's own headline, as the publisher wrote it.

The page names its headline up to five times: the `<h1>`, JSON-LD `headline`, `og:title`,
`twitter:title` and `<title>`. They disagree in three ways: the social/SEO fields carry the
site's name (`... | Börsen-Zeitung`, `... – DW – 28.04.2023`), some `<h1>`s carry a kicker, and
the SEO fields are often a different headline written for search engines. So each candidate is
first cleaned (soft hyphens, zero-width and no-break spaces, HTML entities, site-name affixes
found through `og:site_name`, the JSON-LD publisher and the host name), then the candidates
vote: a candidate is supported by every source that says the same, fully or as one side of a
separator (`Headline | Section | Site`), and the best-supported one wins. `twitter:title` and
`<title>` are candidates but do not vote: they are usually `og:title` copied, and counting them
made the SEO variant win against the article's own headline. The weights (JSON-LD 1.0, og:title
0.6, `<h1>` 0.5: an `<h1>` often carries a kicker) were measured on the fundus dev pages; a
publisher-grouped cross-validation of finer-tuned weights did worse on the held-out folds (0.79
against 0.86), so these round values stay.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from newslake.pagemeta import PageMeta, text_of

__all__ = ["HeadlineWeights", "choose_headline", "clean_headline", "strip_site_affixes", "site_tokens"]

# invisible characters CMSs leave in headlines: soft hyphen, zero-width space/joiners, word joiner, BOM
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
# a separator between a headline and an affix: a pipe, dash, colon, middle dot or slash set off
# by spaces (a hyphen inside a word is not one), or a full-width colon/pipe as in Japanese titles
_SEPARATOR = re.compile(r"\s+[|\-–—:·•/»«]{1,2}\s+|\s*[｜：]\s*|\s+::\s+|\s*\|\s*")
_DATE_AFFIX = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_ALNUM = re.compile(r"[^\w]+")
MAX_SITE_NAME_CHARS = 40
MAX_SECTION_WORDS = 2
_GENERIC_HOST_LABELS = {"www", "m", "amp", "news", "com", "co", "org", "net", "de", "uk", "fr", "es", "it", "online", "web"}


@dataclass(frozen=True)
class HeadlineWeights:
    """How much each source's word counts in the vote (affix matches count `affix_share` of it)."""

    json_ld: float = 1.0
    h1: float = 0.5
    og_title: float = 0.6
    twitter_title: float = 0.0
    title_tag: float = 0.0
    affix_share: float = 0.5


def clean_headline(text: str | None) -> str:
    """Entities decoded, invisible characters dropped, no-break and other spaces made plain."""
    if not text:
        return ""
    text = html.unescape(html.unescape(text))  # some JSON-LD is escaped twice (`&amp;#8216;`)
    text = _INVISIBLE.sub("", text)
    text = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text)
    return text_of(text)


def _key(text: str) -> str:
    """Comparison key: NFKC, case folded, quotes and dashes unified, spacing collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[‘’‚‛`´]", "'", text)
    text = re.sub(r"[“”„‟«»]", '"', text)
    text = re.sub(r"[–—−]", "-", text)
    return " ".join(text.split())


def site_tokens(site_names: list[str], url: str | None) -> set[str]:
    """Lower-case alphanumeric forms of the site's names and of the host's distinctive labels."""
    tokens: set[str] = set()
    for name in site_names:
        squashed = _ALNUM.sub("", name.casefold())
        if 2 <= len(squashed) <= MAX_SITE_NAME_CHARS:  # a longer "publisher" is a misplaced headline
            tokens.add(squashed)
        if re.match(r"https?://", name):
            tokens |= _host_tokens(name)
    if url:
        tokens |= _host_tokens(url)
    return tokens


def _host_tokens(url: str) -> set[str]:
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
    labels = [label for label in host.split(".") if label and label not in _GENERIC_HOST_LABELS]
    tokens = {_ALNUM.sub("", label) for label in labels if len(label) >= 2}
    if host:
        tokens.add(_ALNUM.sub("", host.removeprefix("www.")))
    return {t for t in tokens if len(t) >= 2}


def _is_site_affix(segment: str, tokens: set[str]) -> bool:
    """The segment names the site (or is a date), not part of the headline."""
    squashed = _ALNUM.sub("", segment.casefold())
    if not squashed:
        return True
    if _DATE_AFFIX.match(segment.strip()):
        return True
    for token in tokens:
        if squashed == token or (len(token) >= 3 and (token in squashed or squashed in token) and len(squashed) <= len(token) + 12):
            return True
    return False


def _split(text: str) -> tuple[list[str], list[str]]:
    """Segments of a title and the separators between them."""
    segments, separators, last = [], [], 0
    for match in _SEPARATOR.finditer(text):
        if match.start() == 0 or match.end() == len(text):
            continue
        segments.append(text[last : match.start()])
        separators.append(match.group())
        last = match.end()
    segments.append(text[last:])
    return segments, separators


def strip_site_affixes(text: str, tokens: set[str]) -> str:
    """Drop leading/trailing segments that name the site: `Headline - Golem.de` -> `Headline`.

    Segments between the headline and the site name (`Headline | Europa | DW | 28.04.2023`) go
    too when a site segment is found after them: sections sit next to the site's name.
    """
    segments, separators = _split(text)
    if len(segments) == 1:
        return text
    site_at = [i for i, seg in enumerate(segments) if _is_site_affix(seg, tokens)]
    if not site_at:
        return text
    start, end = 0, len(segments)
    trailing = [i for i in site_at if i > 0]
    if trailing:
        end = min(trailing)
        # a section name just before the site's ("| Europa | DW"): short, set off by a dash or
        # a pipe (a colon introduces the rest of the headline instead)
        while end - 1 > start and len(segments[end - 1].split()) <= MAX_SECTION_WORDS and ":" not in separators[end - 2]:
            end -= 1
    elif site_at and site_at[0] == 0:
        start = 1
    if start >= end:
        return text
    out = segments[start]
    for i in range(start + 1, end):
        out += separators[i - 1] + segments[i]
    return out.strip()


def _affix_match(candidate_key: str, source_key: str) -> bool:
    """The source is the candidate plus something set off by a separator, on either side."""
    if len(candidate_key) >= len(source_key) or len(candidate_key) < 8:
        return False
    segments, separators = _split(source_key)
    for cut in range(1, len(segments)):
        head = segments[0] + "".join(separators[i - 1] + segments[i] for i in range(1, cut))
        tail = segments[cut] + "".join(separators[i] + segments[i + 1] for i in range(cut, len(segments) - 1))
        if candidate_key in (head.strip(), tail.strip()):
            return True
    return False


def choose_headline(meta: PageMeta, url: str | None = None, weights: HeadlineWeights | None = None) -> str | None:
    """The best-supported headline candidate (see module doc); None when the page names none."""
    weights = weights or HeadlineWeights()
    tokens = site_tokens(meta.site_names, url)
    sources: list[tuple[str, float]] = []  # (cleaned text, weight), in order of trust for ties
    for text in meta.json_ld_headlines[:1]:
        sources.append((clean_headline(text), weights.json_ld))
    for text in meta.h1s[:1]:
        sources.append((clean_headline(text), weights.h1))
    for text, weight in ((meta.og_title, weights.og_title), (meta.twitter_title, weights.twitter_title), (meta.title_tag, weights.title_tag)):
        if text:
            sources.append((clean_headline(text), weight))
    sources = [(text, weight) for text, weight in sources if text]
    if not sources:
        return None
    candidates: dict[str, str] = {}  # key -> first cleaned form seen (the most trusted source's)
    for text, _ in sources:
        stripped = strip_site_affixes(text, tokens)
        candidates.setdefault(_key(stripped), stripped)
    source_keys = [(_key(text), _key(strip_site_affixes(text, tokens)), weight) for text, weight in sources]
    best, best_score = None, -1.0
    for key, text in candidates.items():
        score = 0.0
        for raw_key, stripped_key, weight in source_keys:
            if key in (raw_key, stripped_key):
                score += weight
            elif _affix_match(key, raw_key):
                score += weight * weights.affix_share
        if score > best_score + 1e-9:
            best, best_score = text, score
    return best
