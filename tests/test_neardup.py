"""Tests for newslake.neardup: SimHash fingerprints and the duplicate_of rule."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import numpy as np

from newslake.neardup import MAX_DISTANCE, Fingerprint, distances, find_duplicate_of, find_duplicate_of_indexed, hamming, simhash
from newslake.samplesite.content import build_articles

UTC = dt.timezone.utc
BODIES = [" ".join(a.paragraphs) for a in build_articles() if not a.syndicated_from]
TEXT = BODIES[0]
T0 = dt.datetime(2025, 3, 5, 12, tzinfo=UTC)


def test_identical_texts_have_distance_zero_whatever_their_case_punctuation_and_spacing():
    assert simhash(TEXT) == simhash(TEXT)
    assert hamming(simhash(TEXT), simhash("  " + TEXT.upper().replace(",", " ").replace(".", " ;\n"))) == 0


def test_a_one_word_edit_in_a_news_length_text_stays_within_the_threshold():
    edited = TEXT.replace(" the ", " a ", 1)
    assert edited != TEXT and len(TEXT.split()) > 150
    assert 0 < hamming(simhash(TEXT), simhash(edited)) <= MAX_DISTANCE


def test_unrelated_texts_are_far_apart():
    prints = [simhash(b) for b in BODIES[:20]]
    nearest = min(hamming(a, b) for i, a in enumerate(prints) for b in prints[i + 1 :])
    assert nearest > 2 * MAX_DISTANCE
    assert hamming(simhash(TEXT), simhash("Completely unrelated words about a football match in Manchester.")) > 10


def test_fingerprints_are_signed_int64_and_empty_text_is_zero():
    for body in BODIES[:10]:
        assert -(2**63) <= simhash(body) < 2**63
    assert simhash("") == simhash(" ,. ") == 0
    assert hamming(-1, 0) == 64


def test_fingerprints_are_the_same_in_another_process_with_another_hash_seed():
    code = "import sys; from newslake.neardup import simhash; print(simhash(sys.stdin.read()))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], input=TEXT, capture_output=True, text=True, env=env, check=True)
    assert int(out.stdout) == simhash(TEXT)


def test_vectorised_distances_match_hamming():
    rng = np.random.default_rng(7)
    others = rng.integers(-(2**63), 2**63 - 1, 1000, dtype=np.int64)
    probe = simhash(TEXT)
    assert distances(probe, others).tolist() == [hamming(probe, int(o)) for o in others]


def test_a_copy_points_at_the_earliest_earlier_article_and_originals_stay_null():
    h = simhash(TEXT)
    lake = [Fingerprint("orig", h, T0), Fingerprint("other", simhash(BODIES[1]), T0 - dt.timedelta(hours=1))]
    slice_ = [
        Fingerprint("copy-b", h ^ 0b101, T0 + dt.timedelta(hours=3)),
        Fingerprint("copy-a", h, T0 + dt.timedelta(hours=3)),  # same time: article_id breaks the tie
        Fingerprint("undated", h, None),
        Fingerprint("fresh", simhash(BODIES[2]), T0),
    ]
    assert find_duplicate_of(slice_, lake) == {"copy-a": "orig", "copy-b": "orig", "undated": "orig", "fresh": None}


def test_an_article_never_duplicates_a_later_one():
    h = simhash(TEXT)
    later_copy_in_lake = [Fingerprint("copy", h, T0 + dt.timedelta(hours=3))]
    assert find_duplicate_of([Fingerprint("orig", h, T0)], later_copy_in_lake) == {"orig": None}
    # within one slice, the earlier one is the original, whatever the input order
    both = [Fingerprint("z-copy", h, T0 + dt.timedelta(hours=1)), Fingerprint("a-orig", h, T0)]
    assert find_duplicate_of(both, []) == {"a-orig": None, "z-copy": "a-orig"}


def test_scanning_a_hundred_thousand_fingerprints_is_fast():
    rng = np.random.default_rng(1)
    existing = [
        Fingerprint(f"e{i}", int(v), T0 - dt.timedelta(days=1)) for i, v in enumerate(rng.integers(-(2**63), 2**63 - 1, 100_000, dtype=np.int64))
    ]
    candidates = [Fingerprint(f"c{i}", simhash(b), T0) for i, b in enumerate(BODIES[:50])]

    started = time.perf_counter()
    found = find_duplicate_of(candidates, existing)
    assert len(found) == 50 and time.perf_counter() - started < 5


# --------------------------------------------------------------------------- banded search
def _synthetic_corpus(seed: int, n_lake: int, n_slice: int):
    """Random fingerprints plus known copies at 0..5 bits (within and beyond the threshold)."""

    rng = np.random.default_rng(seed)

    def when(i):
        return T0 + dt.timedelta(minutes=int(rng.integers(-3000, 3000))) if i % 17 else None

    lake_prints = rng.integers(-(2**63), 2**63 - 1, n_lake, dtype=np.int64)
    lake = [Fingerprint(f"lake-{i:05d}", int(h), when(i)) for i, h in enumerate(lake_prints)]
    slice_ = []
    for i in range(n_slice):
        if i % 3 == 0:  # a copy of a lake article or of an earlier slice article, 0..5 bits away
            source = lake[int(rng.integers(0, n_lake))] if i % 2 or not slice_ else slice_[int(rng.integers(0, len(slice_)))]
            h = _flip(source.simhash, rng.choice(64, int(rng.integers(0, 6)), replace=False))
        else:
            h = int(rng.integers(-(2**63), 2**63 - 1, dtype=np.int64))
        slice_.append(Fingerprint(f"new-{i:05d}", h, when(i + 1)))
    return slice_, lake, _table(lake)


def _flip(h: int, bits) -> int:
    """`h` with these bits flipped, as a signed int64."""
    flipped = (h & 0xFFFFFFFFFFFFFFFF) ^ sum(1 << int(b) for b in bits)
    return flipped - (1 << 64) if flipped >= 1 << 63 else flipped


def _table(prints):
    import pyarrow as pa

    schema = pa.schema([("article_id", pa.string()), ("simhash", pa.int64()), ("published_at", pa.timestamp("us", tz="UTC"))])
    return pa.Table.from_pylist([f._asdict() for f in prints], schema=schema)


def _parts_of(table):
    """read_part over an in-memory table: rows whose band value falls in the index part."""
    from newslake.neardup import PREFIX_BITS, band_prefix, band_values

    prints = table.column("simhash").to_numpy()

    def read_part(part):
        band = part >> PREFIX_BITS
        in_part = band_prefix(np.full(len(prints), band), band_values(prints)[:, band]) == part
        return table.filter(in_part)

    return read_part


def test_banded_search_finds_exactly_what_the_exhaustive_search_finds():
    for seed in (1, 2, 3):
        slice_, lake, table = _synthetic_corpus(seed, n_lake=3000, n_slice=900)
        exhaustive = find_duplicate_of(slice_, lake)
        banded = find_duplicate_of_indexed(slice_, _parts_of(table))
        assert banded == exhaustive
        flagged = sum(v is not None for v in exhaustive.values())
        assert 100 < flagged < 300  # known copies within 3 bits of an earlier article (4-5 bit copies stay originals)


def test_every_pair_within_the_threshold_shares_a_probed_band_value():
    from newslake.neardup import BANDS, probe_radius

    assert BANDS * (probe_radius() + 1) > MAX_DISTANCE  # pigeonhole: no pair within reach is missed
    h = simhash(TEXT)
    for bits in ([0, 1, 2], [61, 62, 63], [31, 32, 33], [0, 32, 63], [29, 30, 31]):  # spread over bands and index parts
        copy = Fingerprint("copy", _flip(h, bits), T0 + dt.timedelta(hours=1))
        assert find_duplicate_of_indexed([copy], _parts_of(_table([Fingerprint("orig", h, T0)]))) == {"copy": "orig"}
    too_far = Fingerprint("copy", _flip(h, [0, 1, 2, 3]), T0 + dt.timedelta(hours=1))
    assert find_duplicate_of_indexed([too_far], _parts_of(_table([Fingerprint("orig", h, T0)]))) == {"copy": None}


def test_banded_search_keeps_the_rules_of_the_exhaustive_one():
    h = simhash(TEXT)
    slice_ = [
        Fingerprint("copy-b", h ^ 0b101, T0 + dt.timedelta(hours=3)),
        Fingerprint("copy-a", h, T0 + dt.timedelta(hours=3)),
        Fingerprint("undated", h, None),
        Fingerprint("fresh", simhash(BODIES[2]), T0),
        Fingerprint("orig-later-in-slice", h ^ 0b1, T0 + dt.timedelta(hours=9)),
    ]
    # the lake's own older row of a slice article is ignored (the slice replaces it), as exhaustively
    lake = [Fingerprint("orig", h, T0), Fingerprint("copy-a", h, T0 - dt.timedelta(days=9))]
    expected = {"copy-a": "orig", "copy-b": "orig", "undated": "orig", "fresh": None, "orig-later-in-slice": "orig"}
    assert find_duplicate_of(slice_, lake) == expected
    assert find_duplicate_of_indexed(slice_, _parts_of(_table(lake))) == expected
