"""Body-extraction quality: `extract_page` vs plain `trafilatura.extract` on the extraction corpus.

Corpus: ../shared/corpus/extraction/ (`<id>.html` + `ground-truth.json` = {id: {url, articleBody}}).
Metric (the corpus's SOURCE.md, after scrapinghub/article-extraction-benchmark): `\\w+` tokens,
4-token shingles counted as a multiset, per-page P/R from normalised shared/extra/missing counts,
pages with an empty prediction left out of the precision mean, F1 = harmonic mean of mean P and
mean R; accuracy = share of pages whose token sequence equals the truth's.

Run from the repo root:  .venv/bin/python bench/quality_extraction.py [--corpus DIR] [--worst N]
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))

import trafilatura  # noqa: E402

from newslake.errors import ExtractError  # noqa: E402
from newslake.extract import EXTRACTOR_VERSION, extract_page  # noqa: E402

DEFAULT_CORPUS = Path("../shared/corpus/extraction")
_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """`\\w+` tokens, case kept."""
    return _TOKEN.findall(text or "")


def shingles(toks: list[str], n: int = 4) -> Counter:
    """Multiset of n-token shingles; 1..n-1 tokens make one shingle, none make none."""
    return Counter(tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i : i + n])


@dataclass
class PageScore:
    page_id: str
    tp: float
    fp: float
    fn: float
    exact: bool

    @property
    def precision(self) -> float | None:
        if self.tp + self.fp == 0:
            return None  # empty prediction: not part of the precision mean
        return 1.0 if self.fp == self.fn == 0 else self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        if self.tp + self.fn == 0:
            return None
        return 1.0 if self.fp == self.fn == 0 else self.tp / (self.tp + self.fn)

    @property
    def f1(self) -> float:
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


def score_page(page_id: str, truth: str, pred: str) -> PageScore:
    true_toks, pred_toks = tokens(truth), tokens(pred)
    t, p = shingles(true_toks), shingles(pred_toks)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    if total:  # normalise so long pages do not weigh more
        tp, fp, fn = tp / total, fp / total, fn / total
    return PageScore(page_id, tp, fp, fn, true_toks == pred_toks)


def corpus_metrics(scores: list[PageScore]) -> dict[str, float]:
    precisions = [s.precision for s in scores if s.precision is not None]
    recalls = [s.recall for s in scores if s.recall is not None]
    p, r = statistics.mean(precisions), statistics.mean(recalls)
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "accuracy": sum(s.exact for s in scores) / len(scores),
        "f1<0.5": sum(s.f1 < 0.5 for s in scores),
        "empty": sum(s.tp + s.fp == 0 for s in scores),
    }


def newslake_text(html: bytes, url: str) -> str:
    try:
        return extract_page(html, url).text
    except ExtractError:
        return ""


def newslake_always_text(html: bytes, url: str) -> str:
    try:
        return extract_page(html, url, always_reconcile=True).text
    except ExtractError:
        return ""


def trafilatura_text(html: bytes, url: str, **options) -> str:
    return trafilatura.extract(html, url=url, **options) or ""


def run(name: str, fn: Callable[[bytes, str], str], pages: dict[str, tuple[bytes, str, str]]) -> tuple[list[PageScore], float]:
    started = time.process_time()  # CPU time: pages/s stays comparable on a busy machine
    scores = []
    for page_id, (html, url, truth) in pages.items():
        scores.append(score_page(page_id, truth, fn(html, url)))
    elapsed = time.process_time() - started
    logging.info("%s: %d pages in %.1fs", name, len(pages), elapsed)
    return scores, len(pages) / elapsed


def load_corpus(corpus: Path) -> dict[str, tuple[bytes, str, str]]:
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    return {pid: ((corpus / f"{pid}.html").read_bytes(), item["url"], item["articleBody"]) for pid, item in sorted(truth.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--worst", type=int, default=10)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    pages = load_corpus(args.corpus)
    results = {
        "trafilatura.extract (defaults)": run("trafilatura", trafilatura_text, pages),
        "trafilatura (favor_precision, no comments)": run(
            "trafilatura best", lambda h, u: trafilatura_text(h, u, favor_precision=True, include_comments=False), pages
        ),
        "newslake, second pass on every page": run("newslake always", newslake_always_text, pages),
        f"newslake ({EXTRACTOR_VERSION})": run("newslake", newslake_text, pages),
    }
    print(f"\n{len(pages)} pages from {args.corpus}\n")
    print(f"{'extractor':<52} {'P':>6} {'R':>6} {'F1':>6} {'acc':>6} {'F1<.5':>6} {'empty':>6} {'pages/s':>8}")
    for name, (scores, rate) in results.items():
        m = corpus_metrics(scores)
        print(f"{name:<52} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['accuracy']:6.3f} {m['f1<0.5']:6d} {m['empty']:6d} {rate:8.1f}")

    scores, _ = results[f"newslake ({EXTRACTOR_VERSION})"]
    print(f"\n{args.worst} worst pages (newslake):")
    print(f"{'id':<66} {'P':>6} {'R':>6} {'F1':>6}")
    for s in sorted(scores, key=lambda s: s.f1)[: args.worst]:
        p = "-" if s.precision is None else f"{s.precision:.3f}"
        print(f"{s.page_id:<66} {p:>6} {s.recall or 0:6.3f} {s.f1:6.3f}")


if __name__ == "__main__":
    main()
