"""Benchmark: NER recall of raw spaCy vs newslake's `find_entities` on MEANTIME gold names.

Input: MEANTIME CAT XML files (default `../shared/corpus/meantime/*.xml`, relative to the repo
root). Output: a table on stdout with, for each system, recall of gold proper-name mentions
(syntactic_type NAM or PRE.NAM) of PER, ORG and LOC entities, the number of mentions predicted,
and articles/s.

A gold mention counts as found when a predicted entity of the mapped type overlaps it
(spaCy PERSON -> PER, ORG -> ORG, GPE/LOC/FAC -> LOC). MEANTIME annotates only the entities that
take part in its events, so unmatched predictions are not necessarily wrong: precision cannot be
read off this corpus, and the mention counts are the only guard against over-prediction.

`--sample N` prints N randomly chosen newslake mentions (fixed `--seed`) with their context,
for judging precision by hand (docs/enrichment.md reports such a check).

Run from the repo root: `.venv/bin/python bench/ner.py [--misses N] [--sample N --seed S] [FILES...]`.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))

from meantime import rebuild_text  # noqa: E402
from newslake.enrich import DEFAULT_MODEL, find_entities, load_nlp  # noqa: E402
from newslake.geocode import Gazetteer  # noqa: E402

DEFAULT_GLOB = "../shared/corpus/meantime/*.xml"
GOLD_TYPES = ("PER", "ORG", "LOC")
NAME_SYNTACTIC_TYPES = {"NAM", "PRE.NAM"}
SPACY_TO_GOLD = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}


@dataclasses.dataclass
class GoldDoc:
    name: str
    text: str
    mentions: list[tuple[int, int, str]]  # (start, end, PER|ORG|LOC)


def read_cat_xml(path: str) -> GoldDoc:
    """Rebuild the text (tokens joined by spaces, sentences by newlines) and its gold names."""
    root = ET.parse(path).getroot()
    text, spans = rebuild_text(root)

    markables = root.find("Markables")
    entity_type = {e.get("m_id"): e.get("ent_type") for e in markables.iter("ENTITY")}
    mention_type: dict[str, str] = {}
    for rel in root.iter("REFERS_TO"):
        target = rel.find("target")
        if target is None or entity_type.get(target.get("m_id")) not in GOLD_TYPES:
            continue
        for src in rel.iter("source"):
            mention_type[src.get("m_id")] = entity_type[target.get("m_id")]

    mentions = []
    for m in markables.iter("ENTITY_MENTION"):
        etype = mention_type.get(m.get("m_id"))
        if etype is None or m.get("syntactic_type") not in NAME_SYNTACTIC_TYPES:
            continue
        anchors = [spans[a.get("t_id")] for a in m.iter("token_anchor") if a.get("t_id") in spans]
        if anchors:
            mentions.append((min(s for s, _ in anchors), max(e for _, e in anchors), etype))
    return GoldDoc(Path(path).stem, text, mentions)


@dataclasses.dataclass
class Result:
    system: str
    found: Counter
    gold: Counter
    predicted_all: int
    predicted_mapped: int
    seconds: float
    articles: int
    misses: list[tuple[str, str, str]]  # (doc, type, gold text)


def score(system: str, docs: list[GoldDoc], predictions: list[list[tuple[int, int, str]]], seconds: float) -> Result:
    """Recall per gold type; predictions are (start, end, spaCy label)."""
    found: Counter = Counter()
    gold: Counter = Counter()
    misses = []
    predicted_mapped = 0
    for doc, preds in zip(docs, predictions, strict=True):
        mapped = [(s, e, SPACY_TO_GOLD[label]) for s, e, label in preds if label in SPACY_TO_GOLD]
        predicted_mapped += len(mapped)
        for gs, ge, gtype in doc.mentions:
            gold[gtype] += 1
            if any(ptype == gtype and ps < ge and gs < pe for ps, pe, ptype in mapped):
                found[gtype] += 1
            else:
                misses.append((doc.name, gtype, doc.text[gs:ge]))
    return Result(system, found, gold, sum(map(len, predictions)), predicted_mapped, seconds, len(docs), misses)


def run_raw_spacy(model: str, docs: list[GoldDoc], batch_size: int) -> tuple[list, float]:
    import spacy

    nlp = spacy.load(model)
    start = time.perf_counter()
    preds = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe([doc.text for doc in docs], batch_size=batch_size)]
    return preds, time.perf_counter() - start


def run_newslake(model: str, docs: list[GoldDoc], batch_size: int) -> tuple[list, float]:
    nlp = load_nlp(model)
    gazetteer = Gazetteer.load()  # as in the pipeline: settles ORG/place confusions
    start = time.perf_counter()
    mentions = find_entities([doc.text for doc in docs], nlp, batch_size=batch_size, gazetteer=gazetteer)
    seconds = time.perf_counter() - start
    return [[(m.start, m.end, m.label) for m in ms] for ms in mentions], seconds


def print_table(results: list[Result]) -> None:
    header = f"{'system':<12}" + "".join(f"{'R ' + t:>9}" for t in GOLD_TYPES)
    header += f"{'R all':>9}{'pred PER/ORG/LOC':>18}{'pred all':>10}{'articles/s':>12}"
    print(header)
    print("-" * len(header))
    for r in results:
        row = f"{r.system:<12}"
        for t in GOLD_TYPES:
            row += f"{r.found[t] / max(r.gold[t], 1):>9.3f}"
        row += f"{sum(r.found.values()) / max(sum(r.gold.values()), 1):>9.3f}"
        row += f"{r.predicted_mapped:>18}{r.predicted_all:>10}{r.articles / r.seconds:>12.1f}"
        print(row)
    g = results[0].gold
    print(
        f"\ngold name mentions: PER {g['PER']}, ORG {g['ORG']}, LOC {g['LOC']} in {results[0].articles} articles."
        "\nRecall counts a gold NAM/PRE.NAM mention as found when a predicted entity of the mapped type"
        "\noverlaps it (PERSON->PER, ORG->ORG, GPE/LOC/FAC->LOC). MEANTIME annotates only entities that"
        "\ntake part in its events, so precision cannot be read off it; 'pred' columns count predictions"
        "\n('pred all' includes every label each system emits: newslake drops DATE/CARDINAL/MONEY/...)."
    )


def print_sample(docs: list[GoldDoc], predictions: list[list[tuple[int, int, str]]], n: int, seed: int) -> None:
    """N random predicted mentions with 60 characters of context, for judging by hand."""
    import random

    pool = [(doc, p) for doc, preds in zip(docs, predictions, strict=True) for p in preds]
    print(f"\nrandom sample of {n} of {len(pool)} newslake mentions (seed {seed}):")
    for i, (doc, (start, end, label)) in enumerate(random.Random(seed).sample(pool, min(n, len(pool)))):
        context = f"{doc.text[max(0, start - 60) : start]}[[{doc.text[start:end]}]]{doc.text[end : end + 40]}"
        print(f"{i:>3} {label:<8} {' '.join(context.split())}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help=f"CAT XML files (default {DEFAULT_GLOB})")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--misses", type=int, default=0, help="print up to N missed gold mentions per system")
    parser.add_argument("--sample", type=int, default=0, help="print N random newslake mentions with context (hand precision)")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)

    files = args.files or sorted(glob.glob(DEFAULT_GLOB))
    if not files:
        parser.error(f"no files match {DEFAULT_GLOB} (run from the repo root)")
    docs = [read_cat_xml(f) for f in files]

    results = []
    for system, runner in (("raw spaCy", run_raw_spacy), ("newslake", run_newslake)):
        preds, seconds = runner(args.model, docs, args.batch_size)
        results.append(score(system, docs, preds, seconds))
    print_table(results)
    if args.sample:
        print_sample(docs, preds, args.sample, args.seed)

    if args.misses:
        raw_missed = {m for m in results[0].misses}
        nl_missed = {m for m in results[1].misses}
        for title, items in (
            ("missed by newslake only", nl_missed - raw_missed),
            ("missed by raw spaCy only", raw_missed - nl_missed),
            ("missed by both", raw_missed & nl_missed),
        ):
            print(f"\n{title} ({len(items)}):")
            for doc, gtype, text in sorted(items)[: args.misses]:
                print(f"  {gtype:<4}{text!r:<40}{doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
