"""Shared reader for the MEANTIME CAT XML corpus (used by bench/ner.py and bench/timex.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def rebuild_text(root: ET.Element) -> tuple[str, dict[str, tuple[int, int]]]:
    """Join tokens with spaces (newline between sentences); return the text and each token's span."""
    spans: dict[str, tuple[int, int]] = {}
    parts: list[str] = []
    pos, prev_sentence = 0, None
    for tok in root.iter("token"):
        if prev_sentence is not None:
            parts.append("\n" if tok.get("sentence") != prev_sentence else " ")
            pos += 1
        word = tok.text or ""
        spans[tok.get("t_id")] = (pos, pos + len(word))
        parts.append(word)
        pos += len(word)
        prev_sentence = tok.get("sentence")
    return "".join(parts), spans
