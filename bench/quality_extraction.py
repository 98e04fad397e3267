"""Extraction quality: `extract_page` vs trafilatura on both dev corpora, in one run.

Corpora (both grouped by publisher; the other half of each is held back for evaluation):
- ../shared/corpus/extraction/: scrapinghub article-extraction-benchmark pages, body only
  (`<id>.html` + `ground-truth.json` = {id: {url, articleBody}}).
- ../shared/corpus/fundus/: real publisher pages of 2023-2026 with hand-checked headline, body
  and authors (`html/<id>.html` + `gold.json`).

Body metric (scrapinghub/article-extraction-benchmark): `\\w+` tokens, 4-token shingles counted as
a multiset, per-page P/R from normalised shared/extra/missing counts, pages with an empty
prediction left out of the precision mean, F1 = harmonic mean of mean P and mean R; exact = share
of pages whose token sequence equals the truth's. Headline: exact match after NFKC, whitespace
collapse and case folding. Authors: a name is right when it equals a gold name after the same
normalisation; P and R are micro-averaged over pages, F1 is their harmonic mean.

`--ablate` reruns newslake with each body idea switched off (and the ideas that were measured
but not kept switched on: site-template lines learned over the run, a jusText vote) and prints
the change in body F1 overall and per publisher fold (publishers hashed into 5 folds): an idea
is kept only when it helps on both corpora and does not hurt on most folds.

Run from the repo root:  .venv/bin/python bench/quality_extraction.py [--worst N] [--ablate]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))

import justext  # noqa: E402
import trafilatura  # noqa: E402

from newslake.boilerplate import strip_site_boilerplate  # noqa: E402
from newslake.errors import ExtractError  # noqa: E402
from newslake.extract import EXTRACTOR_VERSION, MIN_BODY_WORDS, BodyOptions, extract_page  # noqa: E402

CORPUS_ROOT = Path("../shared/corpus")
DEFAULT_CORPUS = CORPUS_ROOT / "extraction"
FUNDUS_CORPUS = CORPUS_ROOT / "fundus"
FOLDS = 5
_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """`\\w+` tokens, case kept."""
    return _TOKEN.findall(text or "")


def shingles(toks: list[str], n: int = 4) -> Counter:
    """Multiset of n-token shingles; 1..n-1 tokens make one shingle, none make none."""
    return Counter(tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i : i + n])


def normalise(text: str | None) -> str:
    """NFKC, whitespace collapsed, case folded: how headlines and names are compared."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


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


# --------------------------------------------------------------------------- corpora
@dataclass(frozen=True)
class Page:
    """One dev page and what a careful reader says it holds (None: the corpus does not say)."""

    page_id: str
    html: bytes
    url: str
    body: str
    publisher: str  # the cross-validation group
    headline: str | None = None
    authors: tuple[str, ...] | None = None


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def load_extraction(corpus: Path) -> list[Page]:
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Page(pid, (corpus / f"{pid}.html").read_bytes(), item["url"], item["articleBody"], _host(item["url"]))
        for pid, item in sorted(truth.items())
    ]


def load_fundus(corpus: Path) -> list[Page]:
    gold = json.loads((corpus / "gold.json").read_text(encoding="utf-8"))
    return [
        Page(
            pid,
            (corpus / "html" / f"{pid}.html").read_bytes(),
            item["url"],
            item["text"],
            f"{item['group']}/{item['publisher']}",
            item.get("title"),
            tuple(item.get("authors") or ()),
        )
        for pid, item in sorted(gold.items())
    ]


def load_corpus(corpus: Path) -> dict[str, tuple[bytes, str, str]]:
    """The extraction corpus as {id: (html, url, body)} (kept for the quality tests)."""
    return {p.page_id: (p.html, p.url, p.body) for p in load_extraction(corpus)}


# --------------------------------------------------------------------------- extractors
@dataclass(frozen=True)
class Prediction:
    text: str
    headline: str | None
    authors: tuple[str, ...]


def newslake_predict(html: bytes, url: str, options: BodyOptions | None = None) -> Prediction:
    try:
        page = extract_page(html, url, body_options=options or BodyOptions())
    except ExtractError:
        return Prediction("", None, ())
    return Prediction(page.text, page.title, tuple(page.authors))


def newslake_text(html: bytes, url: str) -> str:
    return newslake_predict(html, url).text


def trafilatura_predict(html: bytes, url: str, **options) -> Prediction:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, **options)
    if doc is None:
        return Prediction("", None, ())
    authors = tuple(a.strip() for a in (doc.author or "").split(";") if a.strip())
    return Prediction(doc.text or "", doc.title, authors)


def run(name: str, fn: Callable[[bytes, str], str], pages: dict[str, tuple[bytes, str, str]]) -> tuple[list[PageScore], float]:
    """Body scores of `fn` on {id: (html, url, body)} and its pages per CPU second."""
    started = time.process_time()
    scores = [score_page(page_id, truth, fn(html, url)) for page_id, (html, url, truth) in pages.items()]
    elapsed = time.process_time() - started
    logging.info("%s: %d pages in %.1fs", name, len(pages), elapsed)
    return scores, len(pages) / elapsed


@dataclass
class Result:
    scores: list[PageScore]
    predictions: dict[str, Prediction]
    pages_per_second: float


def site_boilerplate_removed(pages: list[Page], predictions: dict[str, Prediction]) -> dict[str, Prediction]:
    """What the extract stage does over a batch: each host's recurring lines removed."""
    texts = strip_site_boilerplate([(p.url, predictions[p.page_id].text) for p in pages], MIN_BODY_WORDS)
    return {p.page_id: dataclasses.replace(predictions[p.page_id], text=text) for p, text in zip(pages, texts, strict=True)}


def evaluate(fn: Callable[[bytes, str], Prediction], pages: list[Page], *, site_boilerplate: bool = False) -> Result:
    """Run `fn` over the corpus as one batch (with the batch-level template removal when asked)."""
    started = time.process_time()  # CPU time: pages/s stays comparable on a busy machine
    predictions = {p.page_id: fn(p.html, p.url) for p in pages}
    if site_boilerplate:
        predictions = site_boilerplate_removed(pages, predictions)
    elapsed = time.process_time() - started
    scores = [score_page(p.page_id, p.body, predictions[p.page_id].text) for p in pages]
    return Result(scores, predictions, len(pages) / elapsed)


def headline_exact(pages: list[Page], predictions: dict[str, Prediction]) -> float | None:
    judged = [p for p in pages if p.headline]
    if not judged:
        return None
    return sum(normalise(predictions[p.page_id].headline) == normalise(p.headline) for p in judged) / len(judged)


def author_scores(pages: list[Page], predictions: dict[str, Prediction]) -> tuple[float, float, float] | None:
    """Micro P, R, F1 of author names over the pages whose gold lists authors."""
    judged = [p for p in pages if p.authors is not None]
    if not judged:
        return None
    tp = fp = fn = 0
    for p in judged:
        gold = Counter(normalise(a) for a in p.authors)
        found = Counter(normalise(a) for a in predictions[p.page_id].authors)
        tp += sum((gold & found).values())
        fp += sum((found - gold).values())
        fn += sum((gold - found).values())
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def fold_of(publisher: str) -> int:
    return int(hashlib.sha1(publisher.encode("utf-8")).hexdigest(), 16) % FOLDS


def fold_f1(pages: list[Page], scores: list[PageScore]) -> list[float]:
    """Body F1 per publisher fold."""
    by_id = {s.page_id: s for s in scores}
    return [corpus_metrics([by_id[p.page_id] for p in pages if fold_of(p.publisher) == k])["f1"] for k in range(FOLDS)]


# --------------------------------------------------------------------------- report
def _fmt(value: float | None) -> str:
    return "     -" if value is None else f"{value:6.3f}"


def print_table(title: str, pages: list[Page], results: dict[str, Result]) -> None:
    print(f"\n{title}: {len(pages)} pages, {len({p.publisher for p in pages})} publishers")
    print(f"{'extractor':<44} {'P':>6} {'R':>6} {'F1':>6} {'exact':>6} {'F1<.5':>6} {'empty':>6} {'head':>6} {'au P':>6} {'au R':>6} {'au F1':>6} {'pg/s':>6}")
    for name, res in results.items():
        m = corpus_metrics(res.scores)
        authors = author_scores(pages, res.predictions) or (None, None, None)
        print(
            f"{name:<44} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['accuracy']:6.3f} {m['f1<0.5']:6d} {m['empty']:6d} "
            f"{_fmt(headline_exact(pages, res.predictions))} {_fmt(authors[0])} {_fmt(authors[1])} {_fmt(authors[2])} {res.pages_per_second:6.1f}"
        )


def ablate(corpora: dict[str, list[Page]], full: dict[str, Result]) -> None:
    """Body F1 per publisher fold with each idea switched off (or, for an idea not kept, on)."""
    print(f"\nablation: change in body F1 an idea brings, overall and per publisher fold ({FOLDS} folds)")
    def without_option(name: str) -> Callable[[list[Page]], Result]:
        options = BodyOptions(**{name: False})
        return lambda pages: evaluate(lambda h, u: newslake_predict(h, u, options), pages)

    variants = [(f"{option.name} (kept)", without_option(option.name)) for option in dataclasses.fields(BodyOptions)]
    variants.append(("site_boilerplate (not kept)", lambda pages: evaluate(newslake_predict, pages, site_boilerplate=True)))
    variants.append(("jusText vote (not kept)", lambda pages: evaluate(lambda h, u: justext_voted(newslake_predict(h, u), h), pages)))
    for label, run_variant in variants:
        for name, pages in corpora.items():
            res = run_variant(pages)
            kept = label.endswith("(kept)")
            with_idea, without = (full[name].scores, res.scores) if kept else (res.scores, full[name].scores)
            deltas = " ".join(f"{a - b:+.3f}" for a, b in zip(fold_f1(pages, with_idea), fold_f1(pages, without), strict=True))
            overall = corpus_metrics(with_idea)["f1"] - corpus_metrics(without)["f1"]
            print(f"  {label:<30} {name:<11} all {overall:+.4f}   folds {deltas}")


_ALL_STOPWORDS = frozenset().union(*(justext.get_stoplist(lang) for lang in justext.get_stoplists()))


def justext_voted(prediction: Prediction, html: bytes) -> Prediction:
    """A second extractor's vote: lines jusText classes as boilerplate are dropped."""
    try:
        paragraphs = justext.justext(html, _ALL_STOPWORDS)
    except Exception:  # noqa: BLE001 - jusText gives up on some pages; its vote is then void
        return prediction
    bad = {" ".join(tokens(p.text.casefold())) for p in paragraphs if p.class_type == "bad"}
    kept = [line for line in prediction.text.split("\n") if " ".join(tokens(line.casefold())) not in bad]
    return dataclasses.replace(prediction, text="\n".join(kept) or prediction.text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the scrapinghub-style corpus")
    parser.add_argument("--fundus", type=Path, default=FUNDUS_CORPUS, help="the fundus-style corpus")
    parser.add_argument("--worst", type=int, default=10)
    parser.add_argument("--ablate", action="store_true", help="per-fold effect of each body idea")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    corpora = {"extraction": load_extraction(args.corpus), "fundus": load_fundus(args.fundus)}
    systems: dict[str, Callable[[bytes, str], Prediction]] = {
        "trafilatura (defaults)": lambda h, u: trafilatura_predict(h, u),
        "trafilatura (favor_precision, no comments)": lambda h, u: trafilatura_predict(h, u, favor_precision=True, include_comments=False),
        f"newslake ({EXTRACTOR_VERSION.split()[0]})": newslake_predict,
    }
    newslake_name = list(systems)[-1]
    results: dict[str, dict[str, Result]] = {}
    for corpus_name, pages in corpora.items():
        results[corpus_name] = {}
        for name, fn in systems.items():
            results[corpus_name][name] = evaluate(fn, pages)
            logging.info("%s on %s done", name, corpus_name)
    for corpus_name, pages in corpora.items():
        print_table(corpus_name, pages, results[corpus_name])

    print(f"\n{args.worst} worst pages (newslake body F1, both corpora):")
    print(f"{'corpus':<11} {'page':<66} {'P':>6} {'R':>6} {'F1':>6}")
    worst = [(name, s) for name in corpora for s in results[name][newslake_name].scores]
    for corpus_name, s in sorted(worst, key=lambda item: item[1].f1)[: args.worst]:
        p = "-" if s.precision is None else f"{s.precision:.3f}"
        print(f"{corpus_name:<11} {s.page_id:<66} {p:>6} {s.recall or 0:6.3f} {s.f1:6.3f}")

    if args.ablate:
        ablate(corpora, {name: results[name][newslake_name] for name in corpora})


if __name__ == "__main__":
    main()
