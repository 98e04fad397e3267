"""Discovery benchmark: newslake's listing parser vs feedparser and ultimate-sitemap-parser.

Runs every feed and sitemap file of the dev corpus (../shared/corpus/feeds, see its SOURCE.md)
through `newslake.listings.parse_listing`, feedparser 6 and ultimate-sitemap-parser (usp) and
prints, per parser: files that raise, files that yield nothing where the reference has links,
link recall vs the reference, non-page URLs returned, date agreement with the suites' expected
values, and time per file.

Reference links of a file: `reference-urls.json` where it has the file (real captured feeds),
else the entry link the feedparser suite's `Expect:` comment states (where feedparser 6.0.14
itself disagrees with its suite, the suite wins), else the absolute http(s) entry links
feedparser finds (feeds) or the pages usp finds (sitemaps). Date cases: feedparser's own date-parser cases
(tests/feed_date_cases.py) and the `Expect: entries[0]['published_parsed'] == (...)` comments
of its wellformed/illformed feeds.

    .venv/bin/pip install feedparser==6.0.14 && .venv/bin/pip install --no-deps ultimate-sitemap-parser==1.8.1
    .venv/bin/python bench/discovery.py [--corpus ../shared/corpus/feeds] [--misses]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import re
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "include"), str(ROOT)]

from tests.feed_date_cases import DATE_PARSER_CASES  # noqa: E402

from newslake.feeddates import parse_feed_date  # noqa: E402
from newslake.listings import NON_PAGE_EXTENSIONS, gunzip_capped, parse_listing  # noqa: E402

SKIP_NAMES = {"LICENSE", "ORIGIN", "SOURCE.md", "reference-urls.json"}
EXPECT_LINK = re.compile(r"Expect:\s+(?:not bozo and )?(?:entries\[\d\]\['link'\] == )+'(https?://[^']+)'\s*$", re.M)
EXPECT_DATE = re.compile(r"entries\[0\]\['(published|updated|created|modified|issued)_parsed'\] == \(([\d, ]+)\)")


def corpus_files(corpus: Path) -> list[Path]:
    """Listing files: everything but licences, notes, and gofeed's JSON expectation files."""
    files = []
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        if path.name in SKIP_NAMES or path.suffix in {".py", ".md", ".html"} or path.name.endswith(".html.gz"):
            continue
        if path.suffix == ".json" and (path.with_suffix(".xml").exists() or path.name.endswith("_expected.json") or "invalid" in path.name):
            continue
        files.append(path)
    return files


def is_sitemap(data: bytes) -> bool:
    head = gunzip_capped(data, 50_000_000)[:4096] if data[:2] == b"\x1f\x8b" else data[:4096]
    return b"<urlset" in head or b"<sitemapindex" in head


def is_non_page(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[": not a usable URL
        return True
    last = parts.path.rsplit("/", 1)[-1]
    return parts.scheme not in ("http", "https") or not parts.netloc or ("." in last and last.rpartition(".")[2].lower() in NON_PAGE_EXTENSIONS)


def http_context(data: bytes, rel: str) -> dict[str, str]:
    """Response headers of the feedparser suite's `Header:` comments; its server's URL as Content-Location."""
    headers = dict(re.findall(r"Header:\s+([\w-]+):\s*(.+)", data[:2000].decode("utf-8", "replace")))
    if rel.startswith("kurtmckee__feedparser/"):
        headers.setdefault("Content-Location", "http://127.0.0.1:8097/" + rel.removeprefix("kurtmckee__feedparser/"))
    return {k.lower(): v.strip() for k, v in headers.items()}


def run_newslake(data: bytes, headers: dict[str, str]) -> tuple[list[str], dt.datetime | None]:
    charset = re.search(r"charset=([\w.-]+)", headers.get("content-type", ""))
    listing = parse_listing(data, url=headers.get("content-location"), charset=charset.group(1) if charset else None, include_dropped=True)  # dropped entries too: their dates are scored
    kept = [e for e in listing.entries if not e.dropped]
    pages = [e for e in kept if not e.is_sitemap] or kept
    return [e.url for e in pages], (listing.entries[0].listed_at if listing.entries else None)


def run_feedparser(data: bytes, headers: dict[str, str]) -> tuple[list[str], dt.datetime | None]:
    import calendar

    import feedparser

    parsed = feedparser.parse(data, response_headers=headers)
    # an id that is not a URL ("1", "12345") is an identifier: feedparser resolving it against the
    # document URL into the entry's link is the guid-as-URL bug, not a reference link
    markup = re.sub(rb"<!--.*?-->", b"", data, flags=re.S)  # the suite's comments quote expected values
    links = [e.get("link") for e in parsed.entries if e.get("link") and not (e.get("guidislink") and e["link"].encode() not in markup)]
    first = parsed.entries[0] if parsed.entries else {}
    stamp = next((first.get(k) for k in ("published_parsed", "updated_parsed", "created_parsed") if first.get(k)), None)
    return links, dt.datetime.fromtimestamp(calendar.timegm(stamp), dt.timezone.utc) if stamp else None


def run_usp(data: bytes, headers: dict[str, str]) -> tuple[list[str], dt.datetime | None]:
    from usp.tree import sitemap_from_str

    text = (gunzip_capped(data, 50_000_000) if data[:2] == b"\x1f\x8b" else data).decode("utf-8", "replace")
    pages = list(sitemap_from_str(text).all_pages())
    return [p.url for p in pages], None


def expected_dates(corpus: Path) -> dict[Path, tuple[int, ...]]:
    """First-entry dates the feedparser suite's `Expect:` comments state, by file."""
    found = {}
    for folder in ("wellformed", "illformed"):
        for path in (corpus / "kurtmckee__feedparser" / "tests" / folder).rglob("*.xml"):
            match = EXPECT_DATE.search(path.read_bytes()[:2000].decode("utf-8", "replace"))
            if match:
                found[path] = tuple(int(x) for x in match.group(2).split(","))[:6]
    return found


def strict_ok(data: bytes) -> bool:
    """Whether strict XML parsing (no recovery) reads the file as it is."""
    from lxml import etree

    try:
        etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
        return True
    except etree.XMLSyntaxError:
        return False


def timed(parser, data: bytes, headers: dict[str, str]) -> tuple[list[str] | None, dt.datetime | None, float]:
    start = time.perf_counter()
    try:
        links, first_date = parser(data, headers)
    except Exception:  # noqa: BLE001 - counting files a parser raises on is the point
        return None, None, time.perf_counter() - start
    return links, first_date, time.perf_counter() - start


BIG_SITEMAP_PROBE = """
import datetime as dt, resource, sys, time
from pathlib import Path
sys.path.insert(0, {include!r})
from newslake.listings import parse_listing
data = Path({path!r}).read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if {mode!r} == "tree":
    from lxml import etree
    kept = len(etree.fromstring(data, etree.XMLParser(huge_tree=True)))
else:
    day = dt.date(2025, 3, 7)
    kept = len(parse_listing(data, accept=lambda e: e.listed_at is not None and e.listed_at.date() == day).entries)
seconds = time.perf_counter() - start
print(kept, before / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, seconds)
"""


def big_sitemap_memory(entries: int) -> None:
    """Peak memory growth reading one big sitemap: newslake (streamed, one day held) vs a full lxml tree."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".xml") as file:
        file.write(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
        for i in range(entries):
            file.write(b"<url><loc>https://n.example/a/%d</loc><lastmod>2025-%02d-%02d</lastmod></url>" % (i, 1 + i % 12, 1 + i % 28))
        file.write(b"</urlset>")
        file.flush()
        size = file.tell()
        for mode, label in (("newslake", "newslake parse_listing, one day held"), ("tree", "a plain lxml tree of the same bytes")):
            code = BIG_SITEMAP_PROBE.format(include=str(ROOT / "include"), path=file.name, mode=mode)
            kept, before, after, seconds = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
            print(
                f"big sitemap ({entries:,} entries, {size / 1e6:.1f} MB): {label}: peak RSS {float(before):.0f} MB with the bytes read, "
                f"{float(after):.0f} MB after parsing; {float(seconds):.1f} s, {kept} entries held"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(ROOT / ".." / "shared" / "corpus" / "feeds"))
    parser.add_argument("--repeat", type=int, default=3, help="timing passes; the best is reported")
    parser.add_argument("--sitemap-entries", type=int, default=646_000, help="size of the synthetic big sitemap (0: skip)")
    parser.add_argument("--misses", action="store_true", help="list files where newslake misses reference links")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # usp logs every file it reads
    warnings.simplefilter("ignore")  # dateutil warns about every zone name feedparser hands it
    corpus = Path(args.corpus).resolve()
    reference_file = json.loads((corpus / "reference-urls.json").read_text())
    files = corpus_files(corpus)
    dates = expected_dates(corpus)
    parsers = {"newslake": run_newslake, "feedparser": run_feedparser, "usp": run_usp}
    stats = {name: {"files": 0, "raise": 0, "empty": 0, "hit": 0, "ref": 0, "non_page": 0, "seconds": 0.0, "date_ok": 0, "date_n": 0} for name in parsers}
    misses: list[str] = []
    fallback = {name: {"files": 0, "hit": 0, "ref": 0, "seconds": 0.0} for name in ("newslake", "feedparser")}
    n_feeds = n_sitemaps = 0
    for path in files:
        data = path.read_bytes()
        sitemap = is_sitemap(data)
        n_sitemaps += sitemap
        n_feeds += not sitemap
        rel = path.relative_to(corpus).as_posix()
        headers = http_context(data, rel)
        results = {name: timed(fn, data, headers) for name, fn in parsers.items()}
        expect = EXPECT_LINK.search(data[:2000].decode("utf-8", "replace")) if "kurtmckee__feedparser" in rel else None
        if rel in reference_file:
            reference = {u.strip() for u in reference_file[rel]}
        elif expect:
            reference = {expect.group(1)}
        else:
            base = results["usp" if sitemap else "feedparser"][0] or []
            reference = {u.strip() for u in base if not is_non_page(u.strip())}
        for name, (links, first_date, _seconds) in results.items():
            if name == "usp" and not sitemap or name == "feedparser" and sitemap:
                continue  # each baseline on the files it is made for
            s = stats[name]
            s["files"] += 1
            if links is None:
                s["raise"] += 1
                links = []
            found = set(links)
            s["empty"] += bool(reference) and not found
            s["hit"] += len(reference & found)
            s["ref"] += len(reference)
            s["non_page"] += sum(is_non_page(u) for u in found)
            if path in dates:
                s["date_n"] += 1
                s["date_ok"] += first_date is not None and first_date.timetuple()[:6] == dates[path]
            if name != "usp" and data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<" and not strict_ok(data):  # the choice of fallback: recover vs feedparser
                fallback[name]["files"] += 1
                fallback[name]["hit"] += len(reference & found)
                fallback[name]["ref"] += len(reference)
                fallback[name]["seconds"] += _seconds
            if name == "newslake" and reference - found:
                misses.append(f"{rel}: {len(reference - found)} of {len(reference)} missed, e.g. {sorted(reference - found)[0]}")
    # time per file: each parser over its own files, best of --repeat passes (the machine is shared)
    inputs: dict[str, list[tuple[bytes, dict[str, str]]]] = {name: [] for name in parsers}
    for path in files:
        data = path.read_bytes()
        headers = http_context(data, path.relative_to(corpus).as_posix())
        inputs["usp" if is_sitemap(data) else "feedparser"].append((data, headers))
        inputs["newslake"].append((data, headers))
    for name, fn in parsers.items():
        stats[name]["seconds"] = min(sum(timed(fn, data, headers)[2] for data, headers in inputs[name]) for _ in range(args.repeat))
    sitemap_seconds = min(sum(timed(run_newslake, data, headers)[2] for data, headers in inputs["usp"]) for _ in range(args.repeat))

    import feedparser.datetimes

    def agree(parse) -> int:
        ok = 0
        for text, want in DATE_PARSER_CASES:
            try:
                got = parse(text)
            except Exception:  # noqa: BLE001
                got = None
            ok += (got[:6] if got else None) == want
        return ok

    parser_cases = {
        "newslake": agree(lambda t: (d := parse_feed_date(t)) and d.timetuple()),
        "feedparser": agree(feedparser.datetimes._parse_date),
    }
    print(f"corpus: {len(files)} files ({n_feeds} feeds, {n_sitemaps} sitemaps) in {corpus}")
    print(f"reference links: {stats['newslake']['ref']}")
    print(f"{'parser':<11} {'files':>6} {'raise':>6} {'empty*':>7} {'recall':>7} {'non-page':>9} {'dates: Expect':>14} {'parser cases':>13} {'ms/file':>8}")
    for name, s in stats.items():
        recall = s["hit"] / s["ref"] if s["ref"] else float("nan")
        expect = f"{s['date_ok']}/{s['date_n']}" if s["date_n"] else "-"
        cases = f"{parser_cases[name]}/{len(DATE_PARSER_CASES)}" if name in parser_cases else "-"
        print(
            f"{name:<11} {s['files']:>6} {s['raise']:>6} {s['empty']:>7} {recall:>7.3f} {s['non_page']:>9} {expect:>14} {cases:>13} "
            f"{1000 * s['seconds'] / max(s['files'], 1):>8.3f}"
        )
    ok = stats["newslake"]["date_ok"] + parser_cases["newslake"]
    total = stats["newslake"]["date_n"] + len(DATE_PARSER_CASES)
    print(f"newslake date agreement (Expect comments + parser cases): {ok}/{total} = {ok / total:.3f}")
    print("* empty: files that yield nothing where the reference has links; usp and feedparser each on their own kind of file")
    if inputs["usp"]:
        print(f"sitemaps only ({len(inputs['usp'])} files): newslake {1000 * sitemap_seconds / len(inputs['usp']):.3f} ms/file, usp {1000 * stats['usp']['seconds'] / len(inputs['usp']):.3f} ms/file")
    nl, fp = fallback["newslake"], fallback["feedparser"]
    if nl["files"]:
        print(
            f"XML that strict parsing refuses ({nl['files']} files): lxml recover finds {nl['hit']}/{nl['ref']} reference links in "
            f"{1000 * nl['seconds'] / nl['files']:.3f} ms/file; feedparser {fp['hit']}/{fp['ref']} in {1000 * fp['seconds'] / max(fp['files'], 1):.3f} ms/file"
        )
    if args.sitemap_entries:
        big_sitemap_memory(args.sitemap_entries)
    if args.misses:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
