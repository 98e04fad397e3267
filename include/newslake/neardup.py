"""Near-duplicates: article texts -> 64-bit SimHash fingerprints and near-duplicate groups.

A syndicated copy (the same story republished verbatim on another URL, perhaps under another
headline and template) gets a new `article_id`, so id-based de-duplication keeps both. SimHash
over word shingles gives near-identical texts fingerprints a few bits apart: the copy's
`duplicate_of` names the earliest article (by `published_at`, then `article_id`) whose
fingerprint is within `max_distance` bits. Pure functions; the write stage feeds them the slice
and the lake's neighbouring days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

SHINGLE_WORDS = 4
MAX_DISTANCE = 3  # bits; light edits (a credit line, a changed word) stay within it on news-length texts
_TOKEN = re.compile(r"\w+")
_BITS = np.uint64(1) << np.arange(64, dtype=np.uint64)


class Fingerprint(NamedTuple):
    """What near-duplicate detection needs of one article."""

    article_id: str
    simhash: int  # signed int64, as stored in `articles.simhash`
    published_at: dt.datetime | None  # UTC; undated articles sort after dated ones


def _shingle_hash(shingle: str) -> int:
    # blake2b, not hash(): Python salts str hashes per process, fingerprints must be stable
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "little")


def simhash(text: str) -> int:
    """64-bit SimHash of the lower-cased word 4-shingles of `text`, as a signed int64 (0 for no words)."""
    tokens = _TOKEN.findall(text.lower())
    if not tokens:
        return 0
    k = min(SHINGLE_WORDS, len(tokens))
    shingles = [" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)]
    hashes = np.array([_shingle_hash(s) for s in shingles], dtype=np.uint64)
    ones = ((hashes[:, None] & _BITS) != 0).sum(axis=0)  # per bit: shingles that set it
    value = int(np.bitwise_or.reduce(_BITS[2 * ones > len(shingles)], initial=np.uint64(0)))
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit fingerprints (signed or unsigned)."""
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def distances(fingerprint: int, others: np.ndarray) -> np.ndarray:
    """Hamming distances from one fingerprint to an int64 array of fingerprints (vectorised)."""
    return np.bitwise_count(np.bitwise_xor(others.astype(np.int64), np.int64(fingerprint)).view(np.uint64))


def _order_key(f: Fingerprint) -> tuple:
    when = f.published_at
    return (when is None, when.timestamp() if when is not None else 0.0, f.article_id)


def find_duplicate_of(candidates: Sequence[Fingerprint], existing: Sequence[Fingerprint], max_distance: int = MAX_DISTANCE) -> dict[str, str | None]:
    """For each candidate article_id, the article_id it duplicates, or None when it is an original.

    An article duplicates the earliest article, in (published_at, article_id) order, that comes
    before it and whose fingerprint is within `max_distance` bits; candidates are the slice being
    written, `existing` the lake's articles of other slices. Only earlier articles count, so the
    answer does not depend on which day was written first, as long as both are in the lake.
    """
    ids = {c.article_id for c in candidates}
    pool = sorted([*candidates, *(e for e in existing if e.article_id not in ids)], key=_order_key)
    if not pool:
        return {}
    prints = np.array([f.simhash for f in pool], dtype=np.int64)
    out: dict[str, str | None] = {}
    for rank, f in enumerate(pool):
        if f.article_id not in ids:
            continue
        close = np.flatnonzero(distances(f.simhash, prints[:rank]) <= max_distance)
        out[f.article_id] = pool[close[0]].article_id if close.size else None  # pool is sorted: first = earliest
    return out
