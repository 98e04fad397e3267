"""Site boilerplate learned from the run: bodies of one host's pages -> the same bodies, template lines out.

A news lake extracts many pages of each site a day. A line that recurs in the bodies of
*different* articles of one host ("Článek", "Czytaj więcej", "Ein Klick für den Datenschutz",
a donation box, a subscription notice, a "more on this topic" list) is the site's template that
the extractor took in, not article text. Pages that are versions of one article (an update, a
syndicated copy: most of their lines shared) count as one witness, so an article seen twice
keeps its text. A body is never emptied: if removing its template lines would leave less than
`min_words`, it is kept as it was.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from urllib.parse import urlsplit

__all__ = ["host_of", "template_lines", "strip_template", "strip_site_boilerplate"]

_BULLET = re.compile(r"^[-–•·|*>\s]+")
# a line must recur in this many distinct articles of the host to count as template
MIN_ARTICLES = 2
# only short lines (labels, link prompts, notices) are taken for template: a long line that
# recurs is a standard paragraph the publisher counts as article text (an "About us" in press
# releases, an agency credit), and both dev corpora keep those in their gold bodies
MAX_TEMPLATE_WORDS = 8
# two bodies sharing more than this share of their lines are versions of one article
SAME_ARTICLE_SHARE = 0.5


def host_of(url: str) -> str:
    """The host a page belongs to for template learning (lower-case, without `www.`)."""
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _key(line: str) -> str:
    return " ".join(_BULLET.sub("", line).casefold().split())


def _line_keys(text: str) -> set[str]:
    return {key for key in map(_key, text.split("\n")) if key}


def _distinct_articles(bodies: Sequence[set[str]]) -> list[set[str]]:
    """One line set per article: a body mostly shared with an earlier one is folded into it."""
    articles: list[set[str]] = []
    for lines in bodies:
        if not lines:
            continue
        for seen in articles:
            if len(lines & seen) > SAME_ARTICLE_SHARE * min(len(lines), len(seen)):
                seen |= lines
                break
        else:
            articles.append(set(lines))
    return articles


def template_lines(bodies: Sequence[str]) -> set[str]:
    """Line keys that recur in at least `MIN_ARTICLES` distinct articles of one host's bodies."""
    articles = _distinct_articles([_line_keys(body) for body in bodies])
    if len(articles) < MIN_ARTICLES:
        return set()
    counts = Counter(key for lines in articles for key in lines)
    return {key for key, n in counts.items() if n >= MIN_ARTICLES and len(key.split()) <= MAX_TEMPLATE_WORDS}


def strip_template(body: str, template: set[str], min_words: int) -> str:
    """`body` without its template lines, unless that leaves less than `min_words` words."""
    if not template:
        return body
    kept = [line for line in body.split("\n") if _key(line) not in template]
    stripped = "\n".join(kept)
    return stripped if len(stripped.split()) >= min_words else body


def strip_site_boilerplate(pages: Sequence[tuple[str, str]], min_words: int) -> list[str]:
    """Bodies of `(url, body)` pages with each host's recurring lines removed, in input order."""
    by_host: dict[str, list[int]] = defaultdict(list)
    for i, (url, _) in enumerate(pages):
        by_host[host_of(url)].append(i)
    out = [body for _, body in pages]
    for indices in by_host.values():
        if len(indices) < MIN_ARTICLES:
            continue
        template = template_lines([pages[i][1] for i in indices])
        for i in indices:
            out[i] = strip_template(out[i], template, min_words)
    return out
