"""Captions: parsed page + extracted body -> the body without image and video captions.

A photo caption ("Jane Doe speaks in Berlin on Tuesday. Photo: AFP") sits inside the article
container, so extractors keep it, but it is not article text. The page says what its captions
are: `<figcaption>` elements and the `alt`/`title` of its images. A body line equal to one of
them (or to a caption with its credit cut off) goes.
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["caption_texts", "drop_captions"]

_SPACE = re.compile(r"\s+")
MIN_CAPTION_CHARS = 15  # a shorter alt text ("Photo", "Logo") would match headings and labels


def _key(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def caption_texts(tree: etree._Element) -> set[str]:
    """Comparison keys of the page's figure captions and image alt/title texts."""
    keys: set[str] = set()
    for caption in tree.iter("figcaption"):
        keys.add(_key(caption.text_content()))
        for part in caption.iter():  # caption and credit are often separate spans
            if isinstance(part.tag, str) and part is not caption:
                keys.add(_key(part.text_content()))
    for image in tree.iter("img"):
        for attr in ("alt", "title"):
            keys.add(_key(image.get(attr) or ""))
    return {key for key in keys if len(key) >= MIN_CAPTION_CHARS}


def drop_captions(body: str, captions: set[str]) -> str:
    """`body` without lines that are one of the page's captions; never emptied."""
    if not captions:
        return body
    kept = [line for line in body.split("\n") if _key(line) not in captions]
    return "\n".join(kept) if kept else body
