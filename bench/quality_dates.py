"""Publication-date quality: `find_published_date` vs `htmldate.find_date` on the dates corpus.

Corpus: ../shared/corpus/dates/ (`<name>.html` + `gold.json` = {name: {url, date}}); gold is the
publisher's local calendar day. Prints day accuracy (exact day), ±1-day accuracy and coverage
(share of pages with any date), plus the misses of newslake.

Run from the repo root:  .venv/bin/python bench/quality_dates.py [--corpus DIR] [--misses N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))

from htmldate import find_date  # noqa: E402

from newslake.pubdate import find_published_date  # noqa: E402

DEFAULT_CORPUS = Path("../shared/corpus/dates")


def newslake_day(html: bytes, url: str) -> tuple[dt.date | None, str]:
    found = find_published_date(html, url)
    return (found.date_local, f"{found.source}:{found.original}") if found else (None, "")


def htmldate_day(html: bytes, url: str, **options) -> tuple[dt.date | None, str]:
    try:
        found = find_date(html.decode("utf-8", "replace"), url=url, **options)
    except Exception as exc:  # htmldate can raise on odd markup; count it as no date
        logging.debug("htmldate failed on %s: %s", url, exc)
        found = None
    return (dt.date.fromisoformat(found) if found else None), found or ""


def run(fn: Callable[[bytes, str], tuple[dt.date | None, str]], pages: dict) -> tuple[dict, float]:
    started = time.process_time()  # CPU time: pages/s stays comparable on a busy machine
    found = {name: fn(html, url) for name, (html, url, _) in pages.items()}
    return found, len(pages) / (time.process_time() - started)


def metrics(found: dict, pages: dict) -> dict[str, float]:
    n = len(pages)
    days = [(found[name][0], gold) for name, (_, _, gold) in pages.items()]
    return {
        "accuracy": sum(d == g for d, g in days) / n,
        "pm1": sum(d is not None and abs((d - g).days) <= 1 for d, g in days) / n,
        "coverage": sum(d is not None for d, _ in days) / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--misses", type=int, default=30)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    gold = json.loads((args.corpus / "gold.json").read_text(encoding="utf-8"))
    pages = {
        name: ((args.corpus / f"{name}.html").read_bytes(), item["url"], dt.date.fromisoformat(item["date"])) for name, item in sorted(gold.items())
    }
    runs = {
        "htmldate.find_date (defaults)": run(htmldate_day, pages),
        "htmldate (extensive_search, original_date)": run(lambda h, u: htmldate_day(h, u, extensive_search=True, original_date=True), pages),
        "newslake find_published_date": run(newslake_day, pages),
    }
    print(f"\n{len(pages)} pages from {args.corpus}\n")
    print(f"{'extractor':<46} {'day acc':>8} {'±1 day':>8} {'coverage':>9} {'pages/s':>8}")
    for name, (found, rate) in runs.items():
        m = metrics(found, pages)
        print(f"{name:<46} {m['accuracy']:8.3f} {m['pm1']:8.3f} {m['coverage']:9.3f} {rate:8.1f}")

    found, _ = runs["newslake find_published_date"]
    misses = [(name, gold_day, found[name]) for name, (_, _, gold_day) in pages.items() if found[name][0] != gold_day]
    print(f"\nnewslake misses ({len(misses)}, first {args.misses}):")
    for name, gold_day, (day, how) in misses[: args.misses]:
        print(f"  {name:<48} gold={gold_day} got={day} via {how}")


if __name__ == "__main__":
    main()
