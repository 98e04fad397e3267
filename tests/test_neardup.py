"""Tests for newslake.neardup: SimHash fingerprints and the duplicate_of rule."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import numpy as np

from newslake.neardup import MAX_DISTANCE, Fingerprint, distances, find_duplicate_of, hamming, simhash
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
