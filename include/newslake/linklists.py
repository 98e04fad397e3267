"""Link lists: parsed page + extracted body -> the body without runs of lines that are only links.

"More on this topic", "Also interesting", source lists and the site's other stories are lists
whose every item is a link: a line whose whole text is the text of one `<a>` on the page. Body
extractors keep them because they sit inside the article container. Two or more such lines in a
row are such a list and go, with a short heading line right before them ("Auch interessant",
"Mehr zum Thema:"); a single linked line inside the text is kept (a linked sub-heading or a
"Read: ..." prompt is left to the boilerplate filter).
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["anchor_texts", "drop_link_lists"]

_BULLET = re.compile(r"^[-–•·|*>\s]+")
_SPACE = re.compile(r"\s+")
MIN_RUN = 2
MIN_ANCHOR_CHARS = 12  # shorter anchors ("Spor", "Home") are menu words; they match too much
MAX_HEADING_WORDS = 6


def _key(text: str) -> str:
    return _SPACE.sub(" ", _BULLET.sub("", text)).strip().casefold()


def anchor_texts(tree: etree._Element) -> set[str]:
    """Comparison keys of the page's link texts that are long enough to be a headline."""
    keys = set()
    for anchor in tree.iter("a"):
        key = _key(anchor.text_content())
        if len(key) >= MIN_ANCHOR_CHARS:
            keys.add(key)
    return keys


def _is_link_line(line: str, anchors: set[str]) -> bool:
    key = _key(line)
    if key in anchors:
        return True
    # "Label: linked headline" (WAZ, t-online style), "linked headline (English)"
    label, sep, rest = key.partition(": ")
    return bool(sep) and rest in anchors


def drop_link_lists(body: str, anchors: set[str]) -> str:
    """`body` without runs of `MIN_RUN`+ link-only lines and their short heading (see module doc)."""
    lines = [line for line in body.split("\n") if line.strip()]
    if not anchors or len(lines) < MIN_RUN:
        return body
    is_link = [_is_link_line(line, anchors) for line in lines]
    drop = [False] * len(lines)
    i = 0
    while i < len(lines):
        if not is_link[i]:
            i += 1
            continue
        j = i
        while j < len(lines) and is_link[j]:
            j += 1
        if j - i >= MIN_RUN:
            for k in range(i, j):
                drop[k] = True
            if i > 0 and not drop[i - 1] and len(lines[i - 1].split()) <= MAX_HEADING_WORDS and not lines[i - 1].rstrip().endswith("."):
                drop[i - 1] = True
        i = j
    kept = [line for line, gone in zip(lines, drop, strict=True) if not gone]
    return "\n".join(kept) if kept else body
