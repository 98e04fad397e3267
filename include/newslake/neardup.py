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


# --------------------------------------------------------------------------- banded search
# Exhaustive search compares each new article with every fingerprint of the window (n*m pairs:
# hours at a million articles a day). Multi-index hashing finds the same pairs from an index:
# split the 64 bits into BANDS bands; two fingerprints within MAX_DISTANCE bits differ in at
# most MAX_DISTANCE // BANDS bits in at least one band (pigeonhole: BANDS * (radius + 1) >
# MAX_DISTANCE), so probing each band with every value within that radius of the article's own
# band value finds every such pair. Two 32-bit bands with radius 1 (33 probes per band) keep the
# chance that unrelated articles share a probed key at ~m*66/2**32 per article, so candidates are
# almost only true copies; the exact distance is then checked on candidates alone.
BANDS = 2
BAND_BITS = 64 // BANDS
PREFIX_BITS = 3  # top bits of a band value: the index is read one (band, prefix) part at a time
PREFIXES = BANDS << PREFIX_BITS  # parts of the index (`neardup_bands.band_prefix` values)
_BAND_MASK = np.uint64((1 << BAND_BITS) - 1)


def probe_radius(max_distance: int = MAX_DISTANCE, bands: int = BANDS) -> int:
    """Bits a band may differ by so that every pair within `max_distance` matches in some band."""
    return max_distance // bands


def _flip_masks(radius: int) -> np.ndarray:
    """XOR masks of every value within `radius` bits of a band value (0 first)."""
    import itertools

    masks = [0]
    for r in range(1, radius + 1):
        masks.extend(sum(1 << b for b in bits) for bits in itertools.combinations(range(BAND_BITS), r))
    return np.array(masks, dtype=np.uint64)


def band_values(simhashes: np.ndarray) -> np.ndarray:
    """(n, BANDS) array of band values (int64, each < 2**BAND_BITS) of int64 fingerprints."""
    unsigned = simhashes.astype(np.int64).view(np.uint64)
    shifts = np.arange(BANDS, dtype=np.uint64) * np.uint64(BAND_BITS)
    return ((unsigned[:, None] >> shifts[None, :]) & _BAND_MASK).astype(np.int64)


def band_prefix(band: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Index part (`band_prefix`) of (band, band value) pairs: the band and the value's top bits."""
    return (band.astype(np.int64) << PREFIX_BITS) | (value.astype(np.int64) >> (BAND_BITS - PREFIX_BITS))


def _order_arrays(published_at: Sequence[dt.datetime | None], article_ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    undated = np.array([p is None for p in published_at], dtype=bool)
    seconds = np.array([p.timestamp() if p is not None else 0.0 for p in published_at], dtype=np.float64)
    return undated, seconds, np.array(article_ids, dtype=object)


def _earlier(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> np.ndarray:
    """Elementwise: does key a come before key b in (undated, published_at, article_id) order?"""
    (ua, ta, ia), (ub, tb, ib) = a, b
    return (ua < ub) | ((ua == ub) & ((ta < tb) | ((ta == tb) & (ia < ib))))


def _matches(keys: np.ndarray, pool_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (key index, pool index) pairs with keys[k] == pool_values[p], by sorting, no Python loop."""
    order = np.argsort(pool_values, kind="stable")
    sorted_values = pool_values[order]
    lo = np.searchsorted(sorted_values, keys, "left")
    counts = np.searchsorted(sorted_values, keys, "right") - lo
    total = int(counts.sum())
    if not total:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    key_index = np.repeat(np.arange(len(keys)), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return key_index, order[np.repeat(lo, counts) + offsets]


def find_duplicate_of_indexed(candidates: Sequence[Fingerprint], read_part, max_distance: int = MAX_DISTANCE) -> dict[str, str | None]:
    """Same answer as `find_duplicate_of`, reading the other articles one index part at a time.

    `read_part(part)` returns a pyarrow table (article_id, simhash, published_at) of the other
    slices' articles whose value of band `part >> PREFIX_BITS` lies in index part `part` (the
    lake's `neardup_bands` rows), so memory follows one part of the window, not all of it.
    Only the slice's articles are probed; an article of another slice is never given a value.
    """
    if not candidates:
        return {}
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = [c.article_id for c in candidates]
    own = np.array([c.simhash for c in candidates], dtype=np.int64)
    own_key = _order_arrays([c.published_at for c in candidates], ids)
    own_bands = band_values(own)
    masks = _flip_masks(probe_radius(max_distance))
    mask_tops = (masks >> np.uint64(BAND_BITS - PREFIX_BITS)).astype(np.int64)
    masks = masks.astype(np.int64)
    id_set = pa.array(ids, pa.string())
    best: dict[int, Fingerprint] = {}
    for part in range(PREFIXES):
        band, top = part >> PREFIX_BITS, part & ((1 << PREFIX_BITS) - 1)
        own_tops = own_bands[:, band] >> (BAND_BITS - PREFIX_BITS)
        # probe keys landing in this part: a flipped top bit moves a key to another part
        rows_parts, keys_parts = [], []
        for t in np.unique(mask_tops):
            rows = np.flatnonzero(own_tops == (top ^ t))
            variants = masks[mask_tops == t]
            rows_parts.append(np.repeat(rows, len(variants)))
            keys_parts.append((own_bands[rows, band][:, None] ^ variants[None, :]).reshape(-1))
        rows, keys = np.concatenate(rows_parts), np.concatenate(keys_parts)
        if not rows.size:
            continue
        # copies within the slice: pool = the slice's own articles in this part
        in_part = np.flatnonzero(own_tops == top)
        k, p = _matches(keys, own_bands[in_part, band])
        pair_rows, matched = rows[k], in_part[p]
        close = distances_pairwise(own[pair_rows], own[matched]) <= max_distance
        pair_rows, matched = pair_rows[close], matched[close]
        earlier = _earlier(tuple(x[matched] for x in own_key), tuple(x[pair_rows] for x in own_key))
        for row, match in zip(pair_rows[earlier], matched[earlier], strict=True):
            _keep_earliest(best, int(row), candidates[int(match)])
        # copies of articles in other slices of the window; the previous part's buffers go back
        # to the system first (the allocator keeps freed pages otherwise, and parts add up)
        others = other_prints = None
        pa.default_memory_pool().release_unused()
        others = read_part(part)
        own_rows = pc.is_in(others.column("article_id"), value_set=id_set)
        if pc.any(own_rows).as_py():  # the slice's own earlier index rows (a re-run): copy only then
            others = others.filter(pc.invert(own_rows))
        del own_rows
        if not others.num_rows:
            continue
        other_prints = others.column("simhash").to_numpy(zero_copy_only=False).astype(np.int64)
        k, p = _matches(keys, band_values(other_prints)[:, band])
        pair_rows, matched = rows[k], p
        close = distances_pairwise(own[pair_rows], other_prints[matched]) <= max_distance
        if not close.any():
            continue
        hits = others.take(pa.array(matched[close])).to_pylist()
        for row, hit in zip(pair_rows[close], hits, strict=True):
            match = Fingerprint(hit["article_id"], hit["simhash"], hit["published_at"])
            if _order_key(match) < _order_key(candidates[int(row)]):
                _keep_earliest(best, int(row), match)
    return {c.article_id: (best[i].article_id if i in best else None) for i, c in enumerate(candidates)}


def _keep_earliest(best: dict[int, Fingerprint], row: int, match: Fingerprint) -> None:
    if row not in best or _order_key(match) < _order_key(best[row]):
        best[row] = match


def distances_pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamming distances between a[i] and b[i] (int64 fingerprints)."""
    return np.bitwise_count(np.bitwise_xor(a.astype(np.int64), b.astype(np.int64)).view(np.uint64))
