"""Benchmark: what one poison-pill input costs (the inputs of tests/hostile/test_poison_pills.py).

Output: CPU seconds (`time.process_time`) per case on stdout:
* the extract line filter's teaser pattern on one long line, the old quadratic pattern
  (`\\w.{10,}\\[...\\]$`) against the current anchored one;
* extracting a 1.2 MB article page (1.16 M characters of text);
* enriching it: NER on the first `max_ner_chars` characters, and on more (in 50,000-character pieces);
* reading a WARC record whose gzip payload decodes past `max_body_bytes` (stops at the cap).

Run from the repo root: `.venv/bin/python bench/poison_pills.py`.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))
sys.path.insert(0, str(REPO))

from tests.hostile.server import article_html  # noqa: E402
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from newslake.config import Settings  # noqa: E402
from newslake.enrich import find_entities, load_nlp  # noqa: E402
from newslake.extract import _is_teaser, extract_page  # noqa: E402
from newslake.raw import read_warc  # noqa: E402

OLD_TEASER = re.compile(r"\w.{10,}\[[A-Z][A-Z ]{2,}\]\s*\|?$")
PARAGRAPH = (
    "<p>The harbour council of Eastmoor met with Maria Lopez of Acme Shipping in Bristol on Friday to discuss the ferry timetable, "
    "a question that has divided residents for months.</p>\n"
)


def cpu(fn, *args) -> tuple[float, object]:
    start = time.process_time()
    result = fn(*args)
    return time.process_time() - start, result


def main() -> None:
    print("case | CPU s")
    print("---|---")
    for chars in (10_000, 30_000):
        line = "word " * (chars // 5)
        print(f"teaser filter, old pattern, {chars:,}-char line | {cpu(OLD_TEASER.search, line)[0]:.3f}")
    for chars in (100_000, 5_000_000):
        line = "word " * (chars // 5)
        print(f"teaser filter, current, {chars:,}-char line | {cpu(_is_teaser, line)[0]:.6f}")
    when = dt.datetime(2025, 3, 7, 12, tzinfo=dt.timezone.utc)
    html = article_html("A very long council report", when).replace("<footer>", PARAGRAPH * 6500 + "<footer>")
    seconds, page = cpu(lambda: extract_page(html, "http://x.example/long"))
    print(f"extract a {len(html) / 1e6:.1f} MB page ({len(page.text):,} chars of text) | {seconds:.2f}")
    nlp = load_nlp(Settings().spacy_model)
    for chars in (Settings().max_ner_chars, 300_000):
        print(f"NER on the first {chars:,} chars (pieces of 50,000) | {cpu(find_entities, [page.text[:chars]], nlp)[0]:.2f}")
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    payload = gzip.compress(b" " * (300 << 20), compresslevel=9)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("http://x.example/bomb", "response", payload=io.BytesIO(payload), http_headers=headers))
    cap = Settings().max_body_bytes
    seconds, items = cpu(lambda: list(read_warc(io.BytesIO(buffer.getvalue()), max_body_bytes=cap)))
    print(f"WARC record, {len(payload) // 1024} KB gzip of 300 MB, read with the {cap // 1_000_000} MB cap | {seconds:.3f} ({type(items[0]).__name__})")


if __name__ == "__main__":
    main()
