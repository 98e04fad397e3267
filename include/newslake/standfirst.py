"""Standfirst: parsed page + its descriptions + extracted body -> the body with its lead paragraph.

News pages print a standfirst (lead, summary, "Teaser") between the headline and the first
paragraph, usually in its own container that content extractors take for page chrome. The same
sentence is almost always the page's `og:description`/`description`. So when a description is
*visible* on the page, sits *before* the extracted body starts, and is not in the body already,
it is the article's lead and goes first. A description that is not shown on the page (an SEO
summary) or shown only further down (a teaser of another story) changes nothing.
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["visible_text", "add_standfirst"]

_TOKEN = re.compile(r"\w+")
MIN_LEAD_TOKENS = 8
MAX_LEAD_TOKENS = 150
# a description sharing this much with the body is in it already (or is its first sentence)
ALREADY_IN_BODY_SHARE = 0.5
_VISIBLE = "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript) and not(ancestor::template)]"


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def visible_text(tree: etree._Element) -> str:
    """The page's visible words, lower-cased, one space apart (with a space at both ends)."""
    return " " + " ".join(_tokens(" ".join(tree.xpath(_VISIBLE)))) + " "


def _shingles(tokens: list[str], n: int = 4) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1))}


def add_standfirst(body: str, descriptions: list[str], visible: str) -> str:
    """`body` with the page's visible lead put first (see module doc)."""
    lines = [line for line in body.split("\n") if line.strip()]
    if not lines:
        return body
    body_tokens = _tokens(body)
    body_shingles = _shingles(body_tokens)
    first = next((_tokens(line) for line in lines if len(_tokens(line)) >= 4), body_tokens[:8])
    body_at = visible.find(" " + " ".join(first[:8]) + " ")
    for description in descriptions:
        lead = _tokens(description)
        if not MIN_LEAD_TOKENS <= len(lead) <= MAX_LEAD_TOKENS:
            continue
        shingles = _shingles(lead)
        if len(shingles & body_shingles) >= ALREADY_IN_BODY_SHARE * len(shingles):
            return body  # the body has its lead (or this description is taken from it)
        lead_at = visible.find(" " + " ".join(lead) + " ")
        if lead_at >= 0 and (body_at < 0 or lead_at < body_at):
            return "\n".join([" ".join(description.split()), *lines])
    return body
