"""Body witness: extracted body + the page's JSON-LD `articleBody` -> a corrected body.

Many publishers put the article's full text into their JSON-LD (`articleBody`). It is not
trustworthy alone: some sites put a teaser there, some the first paragraph, some the text with
its sub-headings removed or with HTML entities left in. But where it agrees with the extracted
body it is an independent witness of what the article is:

* when the extracted body mostly lies inside the witness (same article), extracted lines the
  witness does not contain at all are teasers, captions and newsletter boxes the extractor took
  in, and go;
* when the witness is much longer than the extracted body and contains it, the extractor lost
  part of the article (a paywall-style split container, a "read more" fold): the witness is used.

A witness that shares little with the extracted body (a teaser, another story) changes nothing.
When the extractor found (next to) nothing, an article-length witness is the body: a page that
carries its article's text is never left without one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

__all__ = ["apply_witness", "witness_text"]

_TOKEN = re.compile(r"\w+")
_TAG = re.compile(r"<[^>]{0,300}>")
SHINGLE = 4
# the witness is the same article when it holds this share of the extracted body's shingles
SAME_ARTICLE_SHARE = 0.75
# an extracted line that shares less than this with the witness is not part of the article...
FOREIGN_LINE_SHARE = 0.2
# ...unless it is this short (sub-headings are often left out of `articleBody`)
MIN_FOREIGN_LINE_TOKENS = 12
# the witness replaces the extracted body when it is this much longer and contains it
LONGER_FACTOR = 1.5
MIN_WITNESS_TOKENS = 50


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def _shingles(tokens: list[str]) -> set[tuple[str, ...]]:
    if len(tokens) < SHINGLE:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def _share(tokens: list[str], known: set[tuple[str, ...]]) -> float:
    own = _shingles(tokens)
    return len(own & known) / len(own) if own else 0.0


def witness_text(bodies: Iterable[str]) -> str:
    """The longest `articleBody`, with markup and entities some CMSs leave in removed."""
    best = max(bodies, key=len, default="")
    text = html.unescape(_TAG.sub(" ", best))
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line)


def apply_witness(body: str, witness: str) -> str:
    """Correct `body` with the page's `articleBody` (see module doc); unchanged without a usable one."""
    witness_tokens = _tokens(witness)
    if len(witness_tokens) < MIN_WITNESS_TOKENS:
        return body
    known = _shingles(witness_tokens)
    lines = [line for line in body.split("\n") if line.strip()]
    line_tokens = [_tokens(line) for line in lines]
    body_tokens = [t for tokens in line_tokens for t in tokens]
    if len(body_tokens) < MIN_WITNESS_TOKENS // 4:
        return witness  # the extractor found (next to) nothing: the page's own text beats an empty body
    if _share(body_tokens, known) < SAME_ARTICLE_SHARE:
        return body
    if len(witness_tokens) >= LONGER_FACTOR * len(body_tokens):
        return witness
    kept = [
        line
        for line, tokens in zip(lines, line_tokens, strict=True)
        if len(tokens) < MIN_FOREIGN_LINE_TOKENS or _share(tokens, known) >= FOREIGN_LINE_SHARE
    ]
    return "\n".join(kept)
