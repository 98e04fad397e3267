"""Extraction: HTML page (+ URL) -> `ExtractedPage` (clean body text, metadata, publication date).

The body is trafilatura run twice and reconciled: its precision mode gives the skeleton (few
boilerplate lines, but it drops sub-headings, link text inside paragraphs and sometimes the whole
article), its default mode without fallbacks gives the candidates it may have dropped. Lines of
the default output that sit *between* lines the precise output kept are taken back; lines before
or after are not (that is where menus, teasers and newsletter boxes live). When the precise
output is a small fraction of the default one, it has latched onto a notice and the default
output is used. The second (default-mode) pass costs about a third of the extraction time, so it
runs only when the precise text looks suspicious: short, or few paragraphs (where a dropped
sub-heading or a latched-onto notice shows); `always_reconcile=True` runs it on every page. A line
filter then removes the headline repeated as the first line, dateline and
reading-time lines, and the usual boilerplate ("Read more: ...", "Sign up for our newsletter").

The publication date comes from `newslake.pubdate`. Paragraphs are separated by a single "\\n".
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import trafilatura
from lxml import etree
from trafilatura import bare_extraction
from trafilatura.utils import load_html

from newslake.authors import choose_authors
from newslake.captions import caption_texts, drop_captions
from newslake.errors import ExtractError
from newslake.headline import choose_headline
from newslake.linklists import anchor_texts, drop_link_lists
from newslake.pagemeta import PageMeta, read_page_meta
from newslake.pubdate import DATE_IN_TEXT, PublishedDate, find_published_date
from newslake.standfirst import add_standfirst, visible_text
from newslake.witness import apply_witness, witness_text

__all__ = ["EXTRACTOR_VERSION", "BodyOptions", "ExtractedPage", "extract_page", "reconcile", "clean_lines"]

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = f"newslake-extract/5 trafilatura/{trafilatura.__version__}"

# the precise output is trusted unless it holds less than this share of the default's words
MIN_PRECISE_SHARE = 0.15
# fewer words than this is a menu or a notice, not an article body
MIN_BODY_WORDS = 8
# when precision mode finds nothing, a default-mode text shorter than this is menu debris
MIN_FALLBACK_WORDS = 25
# at most this many consecutive default-only lines are taken back between two kept lines
MAX_GAP_LINES = 3
# the precise text is checked against a default-mode pass only below these sizes: a long,
# well-paragraphed precise text has rarely lost anything worth the second pass
CHECK_BELOW_LINES = 8
CHECK_BELOW_WORDS = 300


@dataclass
class ExtractedPage:
    """Body text and metadata of one article page."""

    text: str
    title: str | None = None  # the article's own headline (`newslake.headline`)
    page_title: str | None = None  # the page's raw `<title>`
    authors: list[str] = field(default_factory=list)  # people only (`newslake.authors`)
    site_name: str | None = None
    description: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    canonical_url: str | None = None
    published: PublishedDate | None = None

    @property
    def author(self) -> str | None:
        """The authors as one string ("A; B"), None when the page names no person."""
        return "; ".join(self.authors) or None


@dataclass(frozen=True)
class BodyOptions:
    """Which body ideas run beyond trafilatura (all on by default; the benchmark switches each off)."""

    json_ld_witness: bool = True
    standfirst: bool = True
    link_lists: bool = True
    captions: bool = True


# --------------------------------------------------------------------------- line utilities
_WORD = re.compile(r"\w+")


def _words(line: str) -> list[str]:
    return _WORD.findall(line.lower())


def _similar(a: list[str], b: list[str]) -> bool:
    """Same paragraph, allowing for words the precise mode dropped (link text)."""
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = sorted((len(a), len(b)))
    if shorter < 0.5 * longer:
        return False
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.8


def _only_inner_additions(precise: list[str], broad: list[str]) -> bool:
    """The broad line only adds words inside the precise one: link text the precision mode lost.

    Words added before or after (a bylined e-mail, "See more at ...") are left out, as trafilatura
    had a reason to cut them.
    """
    return len(broad) > len(precise) > 0 and broad[0] == precise[0] and broad[-1] == precise[-1]


def reconcile(precise: str, broad: str) -> str:
    """Merge trafilatura's precision-mode text with its default-mode text (see module doc)."""
    p_lines = [line for line in precise.split("\n") if line.strip()]
    b_lines = [line for line in broad.split("\n") if line.strip()]
    if not p_lines:  # precision mode found nothing: trust the default mode only for a real text
        return "\n".join(b_lines) if len(_words(broad)) >= MIN_FALLBACK_WORDS else ""
    if not b_lines:
        return "\n".join(p_lines)
    p_words = [_words(line) for line in p_lines]
    b_words = [_words(line) for line in b_lines]
    if sum(map(len, p_words)) < MIN_PRECISE_SHARE * sum(map(len, b_words)):
        return "\n".join(b_lines)

    # monotonic alignment of precise lines onto broad lines
    match: list[int | None] = []
    cursor = 0
    for words in p_words:
        found = None
        for j in range(cursor, len(b_lines)):
            if _similar(words, b_words[j]):
                found = j
                break
        match.append(found)
        if found is not None:
            cursor = found + 1

    out: list[str] = []
    last_b: int | None = None
    for line, j in zip(p_lines, match, strict=True):
        if j is None:
            out.append(line)
            continue
        if last_b is not None and 0 < j - last_b - 1 <= MAX_GAP_LINES:
            out.extend(b_lines[last_b + 1 : j])
        out.append(b_lines[j] if _only_inner_additions(_words(line), b_words[j]) else line)
        last_b = j
    return "\n".join(out)


# lines that are never article text, wherever they appear (matched on the whole stripped line)
_BOILERPLATE = re.compile(
    r"""^(?:
        (?:read|see|watch|click)\s+(?:more|also|next)\b.{0,200}
      | (?:related|recommended|suggested)(?:\s+(?:post|posts|story|stories|article|articles|content|reading|links?))?\s*[:.…]?.{0,150}
      | (?:also|more)\s*:?
      | (?:also\s+on\s+\S+\.\w{2,}\b.{0,200})
      | (?:you\s+(?:may|might)\s+also\s+(?:like|enjoy|be\s+interested\s+in)).{0,100}
      | don'?’?t\s+miss\b.{0,100}
      | (?:most\s+(?:read|popular|viewed|shared))\b.{0,60}
      | popular\s+on\s+.{1,60}
      | (?:sign\s*up|subscribe|register)\b.{0,60}\b(?:newsletter|email|e-mail|inbox|updates)\b.{0,200}
      | get\s+(?:the|our)\s+.{0,60}\b(?:newsletter|inbox|headlines)\b.{0,150}
      | .{0,60}\bnewsletter\s*$
      | (?:thanks|thank\s+you)\s+for\s+(?:signing\s+up|subscribing|reading)\b.{0,100}
      | (?:like|enjoyed?)\s+this\s+(?:story|article)\?.{0,80}
      | share\s+(?:this|on)\b.{0,60}
      | (?:follow|find)\s+(?:us|\S+(?:\s+\S+)?)\s+on\s+(?:facebook|twitter|instagram|youtube|linkedin|tiktok)\b.{0,120}
      | filed\s+under\s*:.{0,200}
      | (?:tags?|topics?|categories)\s*:?
      | comments?\s*(?:\(\d+\))?
      | \d*\s*comments?
      | (?:order\s+reprints?|print\s+this\s+(?:page|article)|reprints?\s+(?:&|and)\s+permissions)\b.{0,100}
      | this\s+copy\s+is\s+for\s+your\s+personal,?\s+non-?commercial\s+use\b.{0,400}
      | advertisement
      | (?:tempo\s+de\s+leitura|reading\s+time|lesezeit|temps\s+de\s+lecture)\s*:?\s*\d+\s*\w*
      | \d+\s*(?:min(?:ute)?s?)\s+read
    )$""",
    re.I | re.X,
)
# teaser links in the middle of a text: "Headline [VIDEO]", "Headline [INSIGHT]|"
_BULLET = re.compile(r"^[-–•·|*>\s]+")
# Anchored on the bracket only: the older form `\w.{10,}\[...\]$` backtracked from every word
# character, quadratic in the line length (11 s for one 100,000-character paragraph).
_TEASER_TAG = re.compile(r"\[[A-Z][A-Z ]{2,}\]\s*\|?$")
_WORD_CHAR = re.compile(r"\w")


def _is_teaser(line: str) -> bool:
    """A word character, at least ten more characters, then a closing "[VIDEO]"-style tag."""
    tag = _TEASER_TAG.search(line)
    return tag is not None and _WORD_CHAR.search(line, 0, max(tag.start() - 10, 0)) is not None
# what may surround the date on a dateline: weekday, time, zone, "Published", "by <author>"
_DATELINE_NOISE = re.compile(
    r"\b(?:published|posted|updated|publicado|publié|veröffentlicht|on|at|às|um|à|le|am|pm|a\.m|p\.m|"
    r"mon|tue|wed|thu|fri|sat|sun)\w*\b|\b\d{1,2}[:h.]\d{2}\b|\b[A-Z]{2,4}\b|\bby\s+.{2,60}$|"
    r"\b(?:segunda|terça|quarta|quinta|sexta)-feira\b|\b(?:sábado|domingo|lunes|martes|miércoles|jueves|viernes)\b",
    re.I,
)


def _is_date_line(line: str) -> bool:
    """A dateline such as "November 20, 2019 - 11:28 AMT" or "5:45 AM PST 11/19/2019 by Jane Doe"."""
    if len(line) > 90:
        return False
    match = DATE_IN_TEXT.search(line)
    if not match:
        return False
    rest = _DATELINE_NOISE.sub(" ", line[: match.start()] + " " + line[match.end() :])
    return len(_words(rest)) <= 1


def _is_title(words: list[str], title_words: list[str]) -> bool:
    if not words or not title_words:
        return False
    if words == title_words:
        return True
    n = len(words)
    # "Headline - Site name" titles, or a headline shortened in the <title>
    return 0.7 * len(title_words) <= n <= len(title_words) + 3 and n >= 4 and (title_words[:n] == words or words[: len(title_words)] == title_words)


def clean_lines(text: str, title: str | None = None) -> str:
    """Drop the repeated headline, leading date lines and boilerplate lines."""
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    title_words = _words(title or "")
    head = 0
    while head < min(len(lines), 3):
        words = _words(lines[head])
        if _is_title(words, title_words) or _is_date_line(lines[head]) or not words:
            head += 1
            continue
        break
    kept = [line for line in lines[head:] if not (_BOILERPLATE.match(_BULLET.sub("", line)) or _is_teaser(line))]
    return "\n".join(kept)


# --------------------------------------------------------------------------- metadata helpers
def _page_language(tree: etree._Element | None) -> str | None:
    """The page's declared language (`<html lang>`, `og:locale`, `content-language`)."""
    if tree is None:
        return None
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("http-equiv") or meta.get("name") or "").lower()
        if key in ("og:locale", "content-language", "language", "dc.language"):
            candidates.append(meta.get("content"))
    for value in candidates:
        match = re.match(r"\s*([a-zA-Z]{2,3})(?:[-_][a-zA-Z]{2,4})?\b", value or "")
        if match:
            return match.group(1).lower()
    return None


def _needs_check(precise: str) -> bool:
    """The precise text is short or has few paragraphs, so it may have dropped part of the article."""
    lines = [line for line in precise.split("\n") if line.strip()]
    return len(lines) < CHECK_BELOW_LINES or len(_words(precise)) < CHECK_BELOW_WORDS


def extract_page(
    html: str | bytes,
    url: str | None = None,
    *,
    source_timezone: str | None = None,
    always_reconcile: bool = False,
    body_options: BodyOptions | None = None,
) -> ExtractedPage:
    """Extract the article body and metadata; raise ExtractError when the page has no body.

    `always_reconcile` runs trafilatura's second (default-mode) pass on every page instead of only
    on suspicious ones: slower, marginally higher recall.
    """
    body_options = body_options or BodyOptions()
    tree = load_html(html)  # detects the encoding of bytes
    meta = read_page_meta(tree) if tree is not None else PageMeta()
    # trafilatura's own load_html would parse `html` into the same tree; given a tree, it works on
    # a copy (cheaper than a parse), so `tree` stays untouched for the date finder below
    source = tree if tree is not None else html
    doc = bare_extraction(source, url=url, favor_precision=True, include_comments=False, with_metadata=True)
    precise = (doc.text or "") if doc is not None else ""
    if always_reconcile or _needs_check(precise):
        broad = trafilatura.extract(source, url=url, include_comments=False, fast=True, with_metadata=False) or ""
        precise = reconcile(precise, broad)
    title = choose_headline(meta, url) or (doc.title if doc is not None else None)
    text = clean_lines(precise, title)
    if body_options.captions and tree is not None:
        text = drop_captions(text, caption_texts(tree))
    if body_options.link_lists and tree is not None:
        text = drop_link_lists(text, anchor_texts(tree))
    if body_options.json_ld_witness and meta.json_ld_bodies:
        text = apply_witness(text, witness_text(meta.json_ld_bodies))
    if body_options.standfirst and meta.descriptions and tree is not None:
        text = add_standfirst(text, meta.descriptions, visible_text(tree))
    if len(_words(text)) < MIN_BODY_WORDS:
        raise ExtractError(f"no article body found on {url or 'page'}: it may be an index page, a paywall or rendered by JavaScript")
    published = find_published_date(tree, url, source_timezone=source_timezone) if tree is not None else None
    return ExtractedPage(
        text=text,
        title=title,
        page_title=meta.title_tag,
        authors=choose_authors(meta, doc.author if doc is not None else None, url),
        site_name=doc.sitename if doc is not None else None,
        description=doc.description if doc is not None else None,
        categories=list(doc.categories or []) if doc is not None else [],
        tags=list(doc.tags or []) if doc is not None else [],
        language=(doc.language if doc is not None else None) or _page_language(tree),
        canonical_url=(doc.url if doc is not None else None) or url,
        published=published,
    )
