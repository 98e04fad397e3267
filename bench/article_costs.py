"""Benchmark: per-article costs that size a deployment (docs/deployment.md, "Capacity").

Input: the real news pages of the extraction dev corpus (`../shared/corpus/extraction/*.html`).
Output: a table on stdout - CPU ms per article and articles/s per core for extraction
(`extract_page`) and NER (`find_entities`, the enrich stage), words per article, and bytes per
article of the raw layer (gzip HTML, as in the WARC files) and of the `articles` table (zstd
Parquet). CPU time (`time.process_time`) keeps the numbers comparable on a busy machine.

Run from the repo root: `.venv/bin/python bench/article_costs.py [--repeat 2]`.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import io
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from newslake.enrich import DEFAULT_MODEL, find_entities, load_nlp  # noqa: E402
from newslake.errors import ExtractError  # noqa: E402
from newslake.extract import extract_page  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=sorted(glob.glob(str(REPO.parent / "shared" / "corpus" / "extraction" / "*.html"))))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    pages = [Path(f).read_bytes() for f in args.files]
    if not pages:
        print("no pages found: pass HTML files", file=sys.stderr)
        return 2

    texts: list[str] = []
    started = time.process_time()
    for _ in range(args.repeat):
        texts = []
        for body in pages:
            try:
                texts.append(extract_page(body).text)
            except ExtractError:
                pass
    extract_cpu = (time.process_time() - started) / (args.repeat * len(pages))

    nlp = load_nlp(DEFAULT_MODEL)
    find_entities(texts[:4], nlp)  # warm-up
    started = time.process_time()
    for _ in range(args.repeat):
        found = find_entities(texts, nlp, batch_size=16)
    ner_cpu = (time.process_time() - started) / (args.repeat * len(texts))

    words = sum(len(t.split()) for t in texts) / len(texts)
    raw_bytes = sum(len(gzip.compress(p, 6)) for p in pages) / len(pages)
    buffer = io.BytesIO()
    pq.write_table(pa.table({"text": texts, "entities": [len(f) for f in found]}), buffer, compression="zstd", compression_level=1)
    text_bytes = buffer.tell() / len(texts)

    print(f"\n{len(pages)} pages ({len(texts)} with a body), {words:.0f} words/article, CPU time per article\n")
    print("| stage | CPU ms/article | articles/s per core |")
    print("|---|---|---|")
    print(f"| extract (`extract_page`) | {extract_cpu * 1000:.1f} | {1 / extract_cpu:.1f} |")
    print(f"| enrich (`find_entities`, NER) | {ner_cpu * 1000:.1f} | {1 / ner_cpu:.1f} |")
    print(f"| both | {(extract_cpu + ner_cpu) * 1000:.1f} | {1 / (extract_cpu + ner_cpu):.1f} |")
    print(f"\nraw HTML gzip: {raw_bytes / 1024:.1f} KiB/article; article text zstd Parquet: {text_bytes / 1024:.1f} KiB/article")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
