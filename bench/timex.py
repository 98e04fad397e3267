"""Benchmark `newslake.timex.find_timexes` on MEANTIME gold TIMEX3 annotations.

Input: CAT XML files (default ../shared/corpus/meantime/*.xml, run from the repo root).
Output: span P/R/F1 (strict = exact token span, relaxed = overlap), type accuracy, value
accuracy and value F1 (a prediction is right when it overlaps a gold timex with the same
value), speed, and the most frequent error kinds.

The document creation time (functionInDocument="CREATION_TIME") is the reference date and is
not a gold mention; when it is anchored to dateline tokens, predictions on those tokens are
ignored rather than counted as spurious.

MEANTIME annotates only the first sentences of each article (title, dateline and about four
more); predictions after the last sentence carrying any markable (entity, event, timex...) are
not scored, though the whole article is processed and timed.

    .venv/bin/python bench/timex.py [--errors N] [--show-all] [files...]
"""

from __future__ import annotations

import argparse
import bisect
import collections
import datetime as dt
import glob
import logging
import pathlib
import re
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "include"))
from meantime import rebuild_text  # noqa: E402
from newslake.timex import find_timexes  # noqa: E402

log = logging.getLogger("bench.timex")
DEFAULT_GLOB = "../shared/corpus/meantime/*.xml"


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    text: str
    type: str
    value: str


@dataclass
class Doc:
    name: str
    text: str
    dct: dt.date | None
    gold: list[Gold]
    ignore: list[tuple[int, int]]  # dateline spans: neither gold nor spurious
    tok_starts: list[int]
    tok_ends: list[int]
    scored_end: int  # char offset where the annotated part of the article ends


def _parse_dct(value: str) -> dt.date | None:
    if m := re.fullmatch(r"(\d{4})-(\d\d)-(\d\d).*", value or ""):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d\d)-(\d\d)-(\d{4})", value or ""):  # seen once: DD-MM-YYYY
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    return None


def load(path: str) -> Doc:
    """Rebuild text (spaces between tokens, newline between sentences) and gold char spans."""
    root = ET.parse(path).getroot()
    text, spans = rebuild_text(root)
    starts = [s for s, _ in spans.values()]
    ends = [e for _, e in spans.values()]
    gold, ignore, dct, dct_span = [], [], None, None
    for tx in root.iter("TIMEX3"):
        ids = [a.get("t_id") for a in tx.findall("token_anchor")]
        span = (min(spans[i][0] for i in ids), max(spans[i][1] for i in ids)) if ids else None
        if tx.get("functionInDocument") == "CREATION_TIME":
            dct = _parse_dct(tx.get("value", ""))
            dct_span = span
            if span:
                ignore.append(span)
        elif span:
            gold.append(Gold(*span, text[span[0] : span[1]], tx.get("type"), tx.get("value")))
    if dct is None:  # no or unparsable DCT: read the Wikinews dateline (second line) itself
        lo, hi = dct_span or (text.find("\n") + 1, text.find("\n", text.find("\n") + 1))
        found = [t for t in find_timexes(text[lo:hi], None) if t.value]
        if found and re.fullmatch(r"\d{4}-\d\d-\d\d", found[0].value):
            dct = dt.date.fromisoformat(found[0].value)
    # the annotated region ends with the last token any markable is anchored to
    anchored = [spans[a.get("t_id")][1] for a in root.iter("token_anchor") if a.get("t_id") in spans]
    last_sent_end = max(anchored, default=len(text))
    newline = text.find("\n", last_sent_end)
    scored_end = len(text) if newline < 0 else newline
    name = pathlib.Path(path).stem
    return Doc(name, text, dct, gold, ignore, starts, ends, scored_end)


def _overlap(a, b) -> bool:
    return a.start < b.end and b.start < a.end


def _token_span(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Token indices covered by a char span, so strict match is by tokens as the gold is."""
    i = bisect.bisect_right(doc.tok_ends, start)
    j = bisect.bisect_left(doc.tok_starts, end) - 1
    return i, j


def evaluate(docs: list[Doc], n_errors: int, show_all: bool) -> None:
    c = collections.Counter()
    errors: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    elapsed, words = 0.0, 0
    for doc in docs:
        t0 = time.perf_counter()
        pred = find_timexes(doc.text, doc.dct)
        elapsed += time.perf_counter() - t0
        words += len(doc.text.split())
        for p in pred:
            assert doc.text[p.start : p.end] == p.text, (doc.name, p)
        pred = [p for p in pred if p.start < doc.scored_end and not any(p.start < e and s < p.end for s, e in doc.ignore)]
        c["gold"] += len(doc.gold)
        c["pred"] += len(pred)
        gold_tok = {_token_span(doc, g.start, g.end) for g in doc.gold}
        c["strict_tp"] += sum(_token_span(doc, p.start, p.end) in gold_tok for p in pred)
        c["relaxed_p"] += sum(any(_overlap(p, g) for g in doc.gold) for p in pred)
        c["relaxed_r"] += sum(any(_overlap(p, g) for p in pred) for g in doc.gold)
        used: set[int] = set()
        for p in pred:
            hits = [i for i, g in enumerate(doc.gold) if _overlap(p, g)]
            if not hits:
                errors["spurious"][f"{p.text!r} {p.type} {p.value}"] += 1
                continue
            same = [i for i in hits if doc.gold[i].value == p.value and i not in used]
            g = doc.gold[(same or hits)[0]]
            c["matched"] += 1
            c["type_ok"] += g.type == p.type
            if same:
                used.add(same[0])
                c["value_tp"] += 1
            else:
                errors["wrong value"][f"{p.text!r}->{p.value} gold {g.text!r}={g.value} dct {doc.dct}"] += 1
        for i, g in enumerate(doc.gold):
            if i not in used:
                c["value_missed"] += 1
            if not any(_overlap(p, g) for p in pred):
                errors["missed"][f"{g.text!r} {g.type} {g.value} dct {doc.dct}"] += 1

    def prf(tp_p, tp_r):
        p = tp_p / c["pred"] if c["pred"] else 0.0
        r = tp_r / c["gold"] if c["gold"] else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    ms_doc = 1000 * elapsed / len(docs)
    print(f"docs {len(docs)}  gold timexes {c['gold']}  predicted {c['pred']}  words {words}")
    print(f"{'':18}{'P':>7}{'R':>7}{'F1':>7}")
    for label, (p, r, f) in [
        ("span strict", prf(c["strict_tp"], c["strict_tp"])),
        ("span relaxed", prf(c["relaxed_p"], c["relaxed_r"])),
        ("value", prf(c["value_tp"], c["value_tp"])),
    ]:
        print(f"{label:18}{p:7.3f}{r:7.3f}{f:7.3f}")
    matched = c["matched"] or 1
    print(f"type accuracy (on overlapping pairs)  {c['type_ok'] / matched:.3f}")
    print(f"value accuracy (on overlapping pairs) {c['value_tp'] / matched:.3f}")
    print(f"speed: {ms_doc:.2f} ms/article, {1000 * elapsed / words * 600:.2f} ms/600 words")
    print()
    for kind in ("missed", "spurious", "wrong value"):
        total = sum(errors[kind].values())
        print(f"== {kind}: {total}")
        for example, n in errors[kind].most_common(None if show_all else n_errors):
            print(f"  {n:3d}  {example}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--errors", type=int, default=12, help="examples per error kind")
    ap.add_argument("--show-all", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="timing passes (best is kept)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    files = args.files or sorted(glob.glob(DEFAULT_GLOB))
    if not files:
        sys.exit(f"no corpus files at {DEFAULT_GLOB}: run from the repo root")
    docs = [load(f) for f in files]
    for _ in range(args.repeat - 1):  # warm-up passes so the timing is not first-call noise
        for d in docs:
            find_timexes(d.text, d.dct)
    evaluate(docs, args.errors, args.show_all)


if __name__ == "__main__":
    main()
