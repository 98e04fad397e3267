"""One bad input costs one `failures` row, never the day: WARC records, huge and CPU-heavy pages,
long articles, robots.txt crawl delays and sizes, charsets and YAML bombs.

`test_one_day_with_every_poison_pill` runs a whole day (`run_interval`, as the CLI does) over a
feed and a WARC source that mix good articles with each poison pill, and checks that every good
article lands and each bad input is exactly one readable failure.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newslake.budget import BudgetExceeded
from newslake.config import ConfigError, Politeness, Settings, parse_sources
from newslake.enrich import find_entities, load_nlp, split_for_ner
from newslake.errors import FetchError
from newslake.extract import clean_lines
from newslake.fetch import MAX_ROBOTS_BYTES, HostClock, PoliteFetcher, decode_html
from newslake.lake import read_table
from newslake.pipeline import RunContext, run_interval
from newslake.raw import read_warc
from newslake.schemas import Failure, FetchedPage
from tests.hostile.server import DAY, article_html
from tests.localserver import LocalServer, Reply

UTC = dt.timezone.utc
START = dt.datetime.combine(DAY, dt.time(), UTC)
NOON = START + dt.timedelta(hours=12)
HTML = {"Content-Type": "text/html; charset=utf-8"}


# --------------------------------------------------------------------------- WARC records
def _warc(records: list[tuple[str, str, bytes, dict, str]]) -> bytes:
    """(url, status line, payload, extra http headers, WARC-Date) -> gzip WARC bytes."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for url, status, payload, headers, warc_date in records:
        http_headers = StatusAndHeaders(status, [("Content-Type", "text/html; charset=utf-8"), *headers.items()], protocol="HTTP/1.1")
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=http_headers, warc_headers_dict={"WARC-Date": warc_date})
        writer.write_record(record)
    return buffer.getvalue()


def _gzip_of_zeros(megabytes: int) -> bytes:
    return gzip.compress(b"<html><body><p>" + b" " * (megabytes << 20), compresslevel=9)


GOOD_WARC = [
    ("http://archive.example/news/w1", "200 OK", article_html("Archive story one", NOON).encode(), {}, "2025-03-07T12:00:00Z"),
    ("http://archive.example/news/w2", "200 OK", article_html("Archive story two", NOON).encode(), {}, "2025-03-07T13:00:00Z"),
]
BAD_WARC = [
    ("http://archive.example/news/bad-date", "200 OK", article_html("Bad WARC date", NOON).encode(), {}, "the seventh of March"),
    ("http://archive.example/news/bad-status", "abc OK", article_html("Bad status line", NOON).encode(), {}, "2025-03-07T12:00:00Z"),
    ("http://archive.example/news/gzip-bomb", "200 OK", _gzip_of_zeros(20), {"Content-Encoding": "gzip"}, "2025-03-07T12:00:00Z"),
]


def test_bad_warc_records_are_one_failure_each_and_reading_goes_on():
    data = _warc([GOOD_WARC[0], *BAD_WARC, GOOD_WARC[1]])
    items = list(read_warc(io.BytesIO(data), max_body_bytes=1_000_000))
    pages = [i for i in items if isinstance(i, FetchedPage)]
    failures = {i.url: i.reason for i in items if isinstance(i, Failure)}
    assert [p.url for p in pages] == ["http://archive.example/news/w1", "http://archive.example/news/w2"]
    assert "WARC-Date 'the seventh of March' is not an ISO 8601 date" in failures["http://archive.example/news/bad-date"]
    assert "'abc OK' has no valid status code" in failures["http://archive.example/news/bad-status"]
    assert "exceeds the limit of 1000000 bytes (after decompression)" in failures["http://archive.example/news/gzip-bomb"]


def test_a_warc_file_with_broken_framing_keeps_the_records_before_the_break():
    data = _warc(GOOD_WARC[:1]) + b"this is not a WARC record at all\r\n\r\n" + _warc(GOOD_WARC[1:])
    items = list(read_warc(io.BytesIO(data)))
    assert [i.url for i in items if isinstance(i, FetchedPage)] == ["http://archive.example/news/w1"]
    (failure,) = [i for i in items if isinstance(i, Failure)]
    assert failure.reason.startswith("WARC unreadable after record 1: ArchiveLoadFailed")


# --------------------------------------------------------------------------- the whole day
LONG_PARAGRAPH = (
    "<p>The harbour council of Eastmoor met with Maria Lopez of Acme Shipping in Bristol on Friday to discuss the ferry timetable, "
    "a question that has divided residents for months.</p>\n"
)


def _long_article(chars: int) -> bytes:
    html = article_html("A very long council report", NOON)
    return html.replace("<footer>", LONG_PARAGRAPH * (chars // len(LONG_PARAGRAPH) + 1) + "<footer>").encode()


def _teaser_paragraph_page() -> bytes:
    # one 100,000-character line ending like a teaser link: quadratic for the old line filter
    html = article_html("Council publishes one very long paragraph", NOON)
    return html.replace("<footer>", "<p>" + "word " * 20_000 + "and so on [VIDEO]</p><footer>").encode()


@pytest.fixture(scope="module")
def poisoned_day(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("poison")
    warc_path = tmp / "archive.warc.gz"
    warc_path.write_bytes(_warc([GOOD_WARC[0], *BAD_WARC, GOOD_WARC[1]]))
    good = {f"/news/good-{i}": f"Ferry review part {i}" for i in range(1, 4)}
    routes: dict = {path: Reply(body=article_html(title, NOON + dt.timedelta(minutes=i)).encode()) for i, (path, title) in enumerate(good.items())}
    routes["/news/long"] = Reply(body=_long_article(1_100_000))
    routes["/news/teaser"] = Reply(body=_teaser_paragraph_page())
    undefined = article_html("Charset declared as undefined", NOON, words="caf\u00e9", charset_meta="undefined").encode("cp1252")
    routes["/news/undefined-charset"] = Reply(body=undefined, headers={"Content-Type": "text/html; charset=undefined"})
    routes["/robots.txt"] = Reply(body=b"User-agent: *\nCrawl-delay: 86400\n", headers={"Content-Type": "text/plain"})
    with LocalServer(routes) as site:
        when = NOON.strftime("%a, %d %b %Y %H:%M:%S +0000")
        items = "".join(f"<item><link>{site.base}{path}</link><pubDate>{when}</pubDate></item>" for path in [*good, "/news/long", "/news/teaser", "/news/undefined-charset"])
        routes["/feed.xml"] = Reply(body=f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode(), headers={"Content-Type": "application/rss+xml"})
        (tmp / "sources.yaml").write_text(
            "sources:\n"
            "  - name: courier\n"
            f"    feeds: [{site.base}/feed.xml]\n"
            "    politeness: {min_delay_seconds: 0, respect_robots: true}\n"
            "  - name: archive\n"
            f"    warcs: [{warc_path}]\n"
        )
        settings = Settings(
            lake_root=str(tmp / "lake"),
            sources_file=str(tmp / "sources.yaml"),
            allowed_private_networks="127.0.0.1/32",
            max_body_bytes=2_000_000,
            max_crawl_delay_seconds=0.05,  # robots.txt asks for a day between requests
            max_retries=0,
            max_fetch_seconds=20,
        )
        ctx = RunContext.create(settings, START, START + dt.timedelta(days=1), run_id="poison")
        counts = run_interval(ctx)
    articles = {row["title"]: row for row in read_table(ctx.location, "articles").to_pylist()}
    failures = read_table(ctx.location, "failures").to_pylist()
    return {"counts": counts, "articles": articles, "failures": failures, "good": list(good.values())}


def test_every_good_article_of_the_poisoned_day_lands(poisoned_day):
    titles = set(poisoned_day["articles"])
    expected = {*poisoned_day["good"], "Archive story one", "Archive story two", "Council publishes one very long paragraph", "A very long council report"}
    assert expected <= titles, expected - titles
    assert "Charset declared as undefined" in titles
    assert "caf\u00e9" in poisoned_day["articles"]["Charset declared as undefined"]["text"]


def test_each_poison_pill_is_one_readable_failure(poisoned_day):
    reasons = {row["url"]: (row["stage"], row["reason"]) for row in poisoned_day["failures"]}
    assert len(reasons) == len(poisoned_day["failures"]), "one row per bad input"
    assert reasons["http://archive.example/news/bad-date"][0] == "extract"
    assert "not an ISO 8601 date" in reasons["http://archive.example/news/bad-date"][1]
    assert "no valid status code" in reasons["http://archive.example/news/bad-status"][1]
    assert "after decompression" in reasons["http://archive.example/news/gzip-bomb"][1]
    (long_url,) = [u for u in reasons if u.endswith("/news/long")]
    stage, reason = reasons[long_url]
    assert stage == "enrich" and "found in the first" in reason and "(max_ner_chars)" in reason
    assert len(reasons) == 4, reasons


def test_the_long_article_keeps_its_whole_text_and_gets_entities(poisoned_day):
    long = poisoned_day["articles"]["A very long council report"]
    assert len(long["text"]) > 1_000_000
    assert long["nlp_applied"] and long["entity_count"] > 100


def test_one_failing_article_in_an_enrich_batch_costs_only_that_article(tmp_path, monkeypatch):
    import newslake.enrich as enrich
    from newslake.pipeline import _entities_isolated

    real = enrich.find_entities

    def fragile(texts, nlp, **kwargs):
        if any("POISON" in t for t in texts):
            raise ValueError("[E088] Text of length 1100000 exceeds maximum of 1000000")
        return real(texts, nlp, **kwargs)

    monkeypatch.setattr(enrich, "find_entities", fragile)
    ctx = type("Ctx", (), {"settings": Settings(spacy_batch_size=4)})()
    texts = {0: "Maria Lopez visited Bristol.", 1: "POISON Maria Lopez visited Bristol.", 2: "Acme Shipping left Bristol."}
    found, errors = _entities_isolated(ctx, texts, load_nlp(), None)
    assert set(found) == {0, 2} and found[0]
    assert set(errors) == {1} and "E088" in errors[1]


def test_long_texts_are_analysed_in_pieces_with_offsets_into_the_whole_text():
    sentence = "The council met on Friday and residents spoke at length about the ferry timetable. "
    text = sentence * 700 + "Maria Lopez of Acme Shipping arrived in Bristol. " + sentence * 700 + "Angela Merkel visited Paris."
    assert len(split_for_ner(text)) >= 3
    mentions = find_entities([text], load_nlp())[0]
    assert all(text[m.start : m.end] == m.text for m in mentions)
    assert {"Maria Lopez", "Bristol", "Angela Merkel", "Paris"} <= {m.text for m in mentions}
    paris = next(m for m in mentions if m.text == "Paris")
    assert paris.sentence_index == text.count(". ")  # the last sentence, counted over the whole text


def test_a_cpu_heavy_page_is_one_failure_and_the_batch_goes_on(tmp_path):
    from pyarrow import fs as pafs

    from newslake.pipeline import extract_stage
    from newslake.raw import write_warc

    (tmp_path / "sources.yaml").write_text("sources:\n  - name: s\n    feeds: [http://127.0.0.1:9/feed.xml]\n")
    settings = Settings(lake_root=str(tmp_path / "lake"), sources_file=str(tmp_path / "sources.yaml"), page_cpu_seconds=0.5)
    ctx = RunContext.create(settings, START, START + dt.timedelta(days=1), run_id="cpu")
    pages = [
        FetchedPage(f"http://n.example/{name}", "s", f"http://n.example/{name}", 200, HTML, body, NOON, listed_at=NOON, found_in="feed")
        for name, body in [("a", article_html("Small page one", NOON).encode()), ("big", _long_article(2_000_000)), ("b", article_html("Small page two", NOON).encode())]
    ]
    path = str(tmp_path / "batch.warc.gz")
    write_warc(pafs.LocalFileSystem(), path, pages, "test")
    result = extract_stage(ctx, 0, path)
    assert result["extracted"] == 2
    failures = read_table_parquet(result["failures"])
    assert [(f["url"], f["stage"]) for f in failures] == [("http://n.example/big", "extract")]
    assert "CPU budget of 0.5 s per page (page_cpu_seconds)" in failures[0]["reason"]


def read_table_parquet(path: str) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def test_the_teaser_filter_is_linear_on_one_huge_line():
    from newslake.budget import cpu_budget

    line = "word " * 200_000 + "[VIDEO]"
    with cpu_budget(2.0):  # the old pattern needed minutes here
        assert clean_lines(line + "\nA normal closing paragraph of the article text.") == "A normal closing paragraph of the article text."


# --------------------------------------------------------------------------- robots.txt
class FakeTime:
    """A clock whose sleep only advances it (records the pauses asked for)."""

    def __init__(self):
        self.t, self.pauses = 1000.0, []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.t += seconds


def test_a_crawl_delay_of_a_day_is_capped_by_the_setting():
    routes = {"/robots.txt": Reply(body=b"User-agent: *\nCrawl-delay: 86400\n", headers={"Content-Type": "text/plain"})}
    routes.update({f"/news/{i}": Reply(body=article_html(f"Story {i}", NOON).encode()) for i in range(3)})
    clock = FakeTime()
    with LocalServer(routes) as site:
        settings = Settings(allowed_private_networks="127.0.0.1/32", max_crawl_delay_seconds=30, max_retries=0)
        with PoliteFetcher(settings, clock=HostClock(sleep=clock.sleep, now=clock.now)) as fetcher:
            politeness = Politeness(min_delay_seconds=0, respect_robots=True)
            assert fetcher.crawl_delay(f"{site.base}/news/0", politeness) == 30
            for i in range(3):
                fetcher.fetch(f"{site.base}/news/{i}", politeness)
    assert clock.pauses == [30, 30]


def test_a_turn_beyond_the_url_deadline_fails_at_once_instead_of_sleeping():
    routes = {"/robots.txt": Reply(body=b"User-agent: *\nCrawl-delay: 86400\n", headers={"Content-Type": "text/plain"})}
    routes.update({f"/news/{i}": Reply(body=article_html(f"Story {i}", NOON).encode()) for i in range(2)})
    clock = FakeTime()
    with LocalServer(routes) as site:
        settings = Settings(allowed_private_networks="127.0.0.1/32", max_crawl_delay_seconds=600, max_fetch_seconds=60, max_retries=0)
        with PoliteFetcher(settings, clock=HostClock(sleep=clock.sleep, now=clock.now)) as fetcher:
            politeness = Politeness(min_delay_seconds=0, respect_robots=True)
            fetcher.fetch(f"{site.base}/news/0", politeness)
            with pytest.raises(FetchError, match="crawl delay .600 s per request. leaves no turn within max_fetch_seconds=60"):
                fetcher.fetch(f"{site.base}/news/1", politeness)
    assert clock.pauses == []
    assert site.hits("/news/1") == 0


def test_a_600_kb_robots_txt_is_honoured_for_its_first_500_kib():
    filler = b"".join(b"Allow: /filler/%06d\n" % i for i in range(40_000))
    assert len(filler) > 600_000
    body = b"User-agent: *\nDisallow: /private/\n" + filler + b"Disallow: /news/\n"
    routes = {"/robots.txt": Reply(body=body, headers={"Content-Type": "text/plain"}), "/news/a": Reply(body=article_html("Open page", NOON).encode())}
    with LocalServer(routes) as site, PoliteFetcher(Settings(allowed_private_networks="127.0.0.1/32", max_retries=0)) as fetcher:
        politeness = Politeness(min_delay_seconds=0, respect_robots=True)
        with pytest.raises(FetchError, match="disallowed by robots.txt"):
            fetcher.fetch(f"{site.base}/private/x", politeness)
        assert fetcher.fetch(f"{site.base}/news/a", politeness).http_status == 200  # the rule past 500 KiB is not read
    assert MAX_ROBOTS_BYTES == 500 * 1024


# --------------------------------------------------------------------------- charsets and YAML
@pytest.mark.parametrize("label", ["undefined", "rot13", "hex", "unicode_escape", "punycode", "utf-7", "no-such-charset"])
def test_declared_charsets_that_are_not_page_encodings_fall_back_safely(label):
    body = f'<html><head><meta charset="{label}"></head><body><p>Caf\u00e9 cr\u00e8me</p></body></html>'.encode("cp1252")
    assert "Caf\u00e9 cr\u00e8me" in decode_html(body, f"text/html; charset={label}")


YAML_BOMB = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
"""


def test_yaml_alias_bombs_are_refused_in_settings_and_sources(tmp_path):
    path = tmp_path / "newslake.yaml"
    path.write_text(YAML_BOMB)
    with pytest.raises(ConfigError, match=r"newslake.yaml:2: YAML aliases \(\*a\) are not accepted"):
        Settings.load(path, env={})
    with pytest.raises(ConfigError, match="YAML aliases"):
        parse_sources("x: &u [http://a.example/feed]\nsources:\n  - name: s\n    feeds: *u\n", origin="sources.yaml")


def test_budget_exceeded_is_not_an_exception_libraries_swallow():
    assert not issubclass(BudgetExceeded, Exception)


def test_discover_reports_urls_a_crawl_delay_leaves_no_time_for(tmp_path):
    """Crawl-delay 30 s (capped) and a 100 s fetch budget: 4 URLs fit in the batch, the other 6 are reported."""
    import pyarrow.parquet as pq

    from newslake.pipeline import discover_stage

    when = NOON.strftime("%a, %d %b %Y %H:%M:%S +0000")
    routes = {"/robots.txt": Reply(body=b"User-agent: *\nCrawl-delay: 86400\n", headers={"Content-Type": "text/plain"})}
    with LocalServer(routes) as site:
        items = "".join(f"<item><link>{site.base}/news/{i}</link><pubDate>{when}</pubDate></item>" for i in range(10))
        routes["/feed.xml"] = Reply(body=f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode(), headers={"Content-Type": "application/rss+xml"})
        (tmp_path / "sources.yaml").write_text(f"sources:\n  - name: slow\n    feeds: [{site.base}/feed.xml]\n    politeness: {{min_delay_seconds: 0}}\n")
        settings = Settings(
            lake_root=str(tmp_path / "lake"), sources_file=str(tmp_path / "sources.yaml"), allowed_private_networks="127.0.0.1/32", fetch_budget_seconds=100
        )
        found = discover_stage(RunContext.create(settings, START, START + dt.timedelta(days=1), run_id="plan"))
    assert found["candidates"] == 4 and [b["count"] for b in found["batches"]] == [4]  # candidates staged as Parquet, XCom carries counts
    reported = pq.read_table(found["failures"]).to_pylist()
    assert len(reported) == 6 and {r["stage"] for r in reported} == {"discover"}
    assert "asks for 30 s between requests" in reported[0]["reason"] and "fetch_budget_seconds=100" in reported[0]["reason"]
