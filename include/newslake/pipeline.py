"""Pipeline: the stages of one run over one UTC interval, as plain functions.

discover -> fetch -> extract -> enrich -> write -> validate. The DAG (`dags/news_ingest.py`) and
the CLI call these; each takes a `RunContext` and small JSON-able arguments (what Airflow passes
between tasks through XCom) and hands bulk data over through files:

* fetch writes the raw responses as WARC under `raw/fetch_date=.../` (kept: the bronze layer);
* extract and enrich write Parquet batches under `_staging/<run>/` (deleted after the write);
* write commits all staged batches of the run in one Delta commit per table, replacing the
  run's `partition_date` slice, then removes the staging folder.

Per-article problems become `Failure` rows (table `failures`), never exceptions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyarrow import fs as pafs

from newslake import lake, neardup_index, url_state
from newslake.budget import BudgetExceeded, cpu_budget
from newslake.config import Settings, Source, load_sources
from newslake.discover import DISCOVERY_METRICS, discover
from newslake.errors import ExtractError, ValidationError
from newslake.fetch import HTML_TYPES, PoliteFetcher
from newslake.fetchplan import plan_batches
from newslake.raw import iter_warc_file, open_warc_location, read_page_at, write_warc
from newslake.schemas import Article, Candidate, Failure, FetchedPage, article_row, entity_rows, failure_row, mentioned_date_row, place_row
from newslake.storage import LakeLocation
from newslake.urls import article_id, canonical_url, host_of, url_bucket

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class RunContext:
    """What every stage of one run needs: settings, sources, lake, interval and a run key."""

    settings: Settings
    sources: tuple[Source, ...]
    location: LakeLocation
    interval_start: dt.datetime  # UTC, inclusive
    interval_end: dt.datetime  # UTC, exclusive
    run_key: str  # names this run's staging folder and raw files

    @classmethod
    def create(cls, settings: Settings, interval_start: dt.datetime, interval_end: dt.datetime, run_id: str = "manual") -> RunContext:
        if interval_start.tzinfo is None or interval_end.tzinfo is None:
            raise ValueError("interval bounds must be timezone-aware")
        start = interval_start.astimezone(dt.timezone.utc)
        end = interval_end.astimezone(dt.timezone.utc)
        if end <= start:
            raise ValueError(f"empty interval {start} .. {end}")
        run_key = f"{start:%Y-%m-%d}__{re.sub(r'[^A-Za-z0-9_.-]+', '_', run_id)}"
        return cls(
            settings=settings,
            sources=tuple(load_sources(settings.sources_file)),
            location=LakeLocation.from_settings(settings.lake_root, settings.storage_options),
            interval_start=start,
            interval_end=end,
            run_key=run_key,
        )

    @property
    def partition_date(self) -> dt.date:
        return self.interval_start.date()

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(f"source '{name}' is not in {self.settings.sources_file}")

    def staging(self, *parts: str) -> str:
        return "/".join([self.location.path, "_staging", self.run_key, *parts])


# --------------------------------------------------------------------------- staging helpers
def _write_staged(ctx: RunContext, path: str, table: pa.Table) -> str:
    filesystem, _ = ctx.location.filesystem()
    filesystem.create_dir(path.rsplit("/", 1)[0], recursive=True)
    pq.write_table(table, path, filesystem=filesystem, compression="zstd")
    return path


def _read_staged(ctx: RunContext, paths: Sequence[str], table_name: str) -> pa.Table:
    filesystem, _ = ctx.location.filesystem()
    schema = lake.TABLES[table_name]
    tables = [pq.read_table(p, filesystem=filesystem, schema=schema) for p in paths if p]
    return pa.concat_tables(tables) if tables else schema.empty_table()


def _stage_failures(ctx: RunContext, stage: str, batch: int, failures: Sequence[Failure]) -> str | None:
    if not failures:
        return None
    table = lake.to_table("failures", [failure_row(f, ctx.partition_date) for f in failures])
    return _write_staged(ctx, ctx.staging("failures", f"{stage}-{batch:05d}.parquet"), table)


def _candidate_to_dict(c: Candidate) -> dict:
    return {"url": c.url, "source": c.source, "listed_at": c.listed_at.isoformat() if c.listed_at else None, "found_in": c.found_in}


def _candidate_from_dict(d: dict) -> Candidate:
    return Candidate(d["url"], d["source"], dt.datetime.fromisoformat(d["listed_at"]) if d.get("listed_at") else None, d.get("found_in", ""))


# --------------------------------------------------------------------------- stages
def _clear_staging(ctx: RunContext) -> None:
    filesystem, _ = ctx.location.filesystem()
    try:
        filesystem.delete_dir(ctx.staging())
    except (FileNotFoundError, OSError):
        pass  # nothing staged yet


def _staged_files(ctx: RunContext, folder: str) -> list[str]:
    from pyarrow import fs as pafs

    filesystem, _ = ctx.location.filesystem()
    infos = filesystem.get_file_info(pafs.FileSelector(ctx.staging(folder), allow_not_found=True))
    return sorted(i.path for i in infos if i.is_file and i.path.endswith(".parquet"))


def _fetcher(ctx: RunContext) -> PoliteFetcher:
    """A fetcher whose per-host clock is shared through Redis when `rate_limit_redis_url` is set."""
    if not ctx.settings.rate_limit_redis_url:
        return PoliteFetcher(ctx.settings)
    from newslake.ratelimit import RedisHostClock

    return PoliteFetcher(ctx.settings, clock=RedisHostClock.from_url(ctx.settings.rate_limit_redis_url))


def discover_stage(ctx: RunContext) -> dict:
    """Find candidate URLs for the interval; return JSON-able batches and counts.

    Starts by clearing the run's staging folder, so a retried run never mixes in batches of an
    earlier attempt.
    """
    _clear_staging(ctx)
    with _fetcher(ctx) as fetcher:
        result = discover(ctx.sources, fetcher, ctx.interval_start, ctx.interval_end)
        delays = _host_delays(ctx, fetcher, result.candidates)
    # WARC sources: one batch per file, read by extract (the same path as reprocessing)
    warcs = [(source.name, uri) for source in ctx.sources for uri in source.warcs]
    planned, over_budget = plan_day(ctx, result.candidates, delays, reserved=len(warcs))
    failures_path = _stage_failures(ctx, "discover", 0, [*result.failures, *over_budget])
    _stage_stats(ctx, "discover", 0, Counter((c.source, "listed") for c in result.candidates) + result.counters)
    batches = stage_candidates(ctx, planned)
    batches += [{"index": len(batches) + i, "candidates": [], "count": 0, "warc": uri, "source": name} for i, (name, uri) in enumerate(warcs)]
    candidates = sum(len(batch) for batch in planned)
    log.info("interval %s: %d candidates in %d batches (%d entries listed)", ctx.partition_date, candidates, len(batches), result.listed)
    return {"batches": batches, "candidates": candidates, "listed": result.listed, "failures": failures_path}


def batch_size_for(settings: Settings, candidates: int, reserved: int = 0) -> int:
    """URLs per mapped batch: `batch_size`, raised when a day would map more than `max_batches` tasks.

    Airflow refuses to map more than `[core] max_map_length` (1024) items, so a large day gets
    larger batches instead of a failed discover task (1M URLs -> 1,000 batches of 1,000).
    `reserved` batches (WARC files) are kept free.
    """
    room = settings.max_batches - reserved
    if room < 1:
        raise ValidationError(f"{reserved} WARC files in one day exceed max_batches={settings.max_batches}: raise it (and Airflow's max_map_length)")
    return max(settings.batch_size, -(-candidates // room))


def plan_day(ctx: RunContext, candidates: Sequence[Candidate], delays: dict[str, float], reserved: int = 0) -> tuple[list[list[Candidate]], list[Failure]]:
    """The day's candidates in mapped batches (sized by `batch_size_for`, trimmed to the politeness
    budget by `fetchplan`), ordered by `url_bucket` so a batch's url_state lookup reads few buckets
    (hosts stay mixed: a bucket is a hash, and politeness is per host)."""
    ordered = sorted(candidates, key=lambda c: (url_bucket(c.url), c.url))
    size = batch_size_for(ctx.settings, len(ordered), reserved)
    return plan_batches(ordered, delays, size, ctx.settings.fetch_budget_seconds)


CANDIDATE_SCHEMA = pa.schema([("url", pa.string()), ("source", pa.string()), ("listed_at", pa.timestamp("us", tz="UTC")), ("found_in", pa.string())])


def stage_candidates(ctx: RunContext, planned: Sequence[Sequence[Candidate]]) -> list[dict]:
    """Write each planned batch to `_staging/<run>/candidates/` as Parquet; return XCom-sized references.

    A mapped fetch task reads only its own file, and XCom carries {index, count, path}: about
    100 bytes per batch whatever the day's size (the candidate list itself was 265 KB per 1,000).
    """
    refs = []
    for index, batch in enumerate(planned):
        table = pa.Table.from_pylist([dataclasses.asdict(c) for c in batch], schema=CANDIDATE_SCHEMA)
        path = _write_staged(ctx, ctx.staging("candidates", f"{index:05d}.parquet"), table)
        sources = Counter(c.source for c in batch)  # for the batch's name in the UI (`describe_batch`)
        refs.append({"index": index, "candidates": path, "count": len(batch), "sources": [name for name, _ in sources.most_common(3)], "source_count": len(sources)})
    return refs


def read_candidates(ctx: RunContext, candidates: Sequence[dict] | str) -> list[Candidate]:
    """A batch's candidates: from its staged Parquet file (a path), or inline dicts (older runs, tests)."""
    if not isinstance(candidates, str):
        return [_candidate_from_dict(d) for d in candidates]
    filesystem, _ = ctx.location.filesystem()
    rows = pq.read_table(candidates, filesystem=filesystem, schema=CANDIDATE_SCHEMA).to_pylist()
    return [Candidate(r["url"], r["source"], r["listed_at"], r["found_in"] or "") for r in rows]


def describe_batch(batch: dict) -> str:
    """Short name of a discovery batch for the Airflow UI's mapped-task list: index, sources, URL count."""
    if batch.get("warc"):
        return f"batch {batch['index']}: {batch.get('source')} WARC {str(batch['warc']).rsplit('/', 1)[-1]}"
    if isinstance(batch.get("candidates"), str):  # staged: the reference carries count and sources
        ranked, total, count = list(batch.get("sources", [])), batch.get("source_count", 0), batch["count"]
    else:
        per_source = Counter(c["source"] for c in batch.get("candidates", []))
        ranked, total, count = [name for name, _ in per_source.most_common(3)], len(per_source), sum(per_source.values())
    names = ", ".join(ranked[:3]) + (f" +{total - 3}" if total > 3 else "")
    return f"batch {batch['index']}: {count} URL{'' if count == 1 else 's'} ({names})"


def _host_delays(ctx: RunContext, fetcher: PoliteFetcher, candidates: Sequence[Candidate]) -> dict[str, float]:
    """Seconds between two requests to each candidate host (reads each host's robots.txt once)."""
    delays: dict[str, float] = {}
    for candidate in candidates:
        host = host_of(candidate.url)
        if host not in delays:
            delays[host] = fetcher.crawl_delay(candidate.url, ctx.source(candidate.source).politeness)
    return delays


def fetch_stage(ctx: RunContext, batch_index: int, candidates: Sequence[dict] | str, warc: str | None = None, source: str | None = None) -> dict:
    """Fetch one batch (its staged candidates file, or inline dicts); store responses as WARC.

    Returns the WARC path and staged failures.

    A WARC-source batch (`warc` given) needs no network: it is handed on to extract as is.
    """
    if warc:
        return {"batch": batch_index, "warc": warc, "source": source, "fetched": None, "failures": None}
    items = read_candidates(ctx, candidates)
    with _fetcher(ctx) as fetcher:
        # one thread per host in the batch (at most batch_size): with fetch_many's default of 8,
        # a batch spread over 20 hosts kept only 8 busy (40% of the polite rate, bench/throughput.py)
        hosts = len({host_of(c.url) for c in items})
        state = url_state_lookup(ctx, [c.url for c in items])
        validators = {url: (row["etag"], row["last_modified"]) for url, row in state.items() if row["etag"] or row["last_modified"]}
        responses, failures = fetcher.fetch_many(items, lambda name: ctx.source(name).politeness, max_hosts=max(hosts, 1), validators=validators)
    filesystem, root = ctx.location.filesystem()
    pages, checked_at = [], {}
    for page in responses:
        if page.http_status == 304:  # unchanged since our copy: take the body from the raw layer
            stored = state[page.url]
            try:
                held = read_page_at(filesystem, f"{root}/{stored['warc_path']}", stored["warc_offset"])
            except (OSError, ValueError) as exc:
                failures.append(Failure(page.url, page.source, "fetch", f"304 Not Modified but the raw copy is unreadable ({exc}); re-run to refetch", 304))
                continue
            held.source, held.listed_at, held.found_in = page.source, page.listed_at, page.found_in
            checked_at[page.url] = page.fetched_at
            page = held
        pages.append(page)
    warc_path = None
    if pages:
        fetch_day = max(checked_at.get(p.url, p.fetched_at) for p in pages).date()
        warc_path = f"{root}/raw/fetch_date={fetch_day.isoformat()}/{ctx.run_key}-{batch_index:05d}.warc.gz"
        offsets = write_warc(filesystem, warc_path, pages, ctx.settings.user_agent)
        state_rows = [url_state_row(p, warc_path[len(root) + 1 :], offset, checked_at.get(p.url)) for p, offset in zip(pages, offsets, strict=True)]
        _write_staged(ctx, ctx.staging("url_state", f"{batch_index:05d}.parquet"), lake.to_table("url_state", state_rows))
    stats = Counter((p.source, "fetched") for p in pages) + Counter((p.source, "unchanged") for p in pages if p.url in checked_at)
    _stage_stats(ctx, "fetch", batch_index, stats)
    log.info("batch %d: fetched %d (%d unchanged, 304), failed %d", batch_index, len(pages), len(checked_at), len(failures))
    return {"batch": batch_index, "warc": warc_path, "fetched": len(pages), "failures": _stage_failures(ctx, "fetch", batch_index, failures)}


def url_state_lookup(ctx: RunContext, urls: Sequence[str]) -> dict[str, dict]:
    """Crawl state of these URLs (validators and where their last body is stored), read by bucket."""
    return url_state.lookup(ctx.location, urls)


def url_state_row(page: FetchedPage, warc_path: str, warc_offset: int, checked_at: dt.datetime | None) -> dict:
    """A `url_state` row for a page held in the raw layer; `checked_at` is set when a 304 confirmed it."""
    header = {k.lower(): v for k, v in page.headers.items()}
    return {
        "url": page.url,
        "article_id": article_id(page.url),
        "first_seen": page.fetched_at,
        "last_fetched": checked_at or page.fetched_at,
        "status": 304 if checked_at else page.http_status,
        "etag": header.get("etag"),
        "last_modified": header.get("last-modified"),
        "content_hash": hashlib.sha256(page.body).hexdigest(),
        "warc_path": warc_path,
        "warc_offset": warc_offset,
        "url_bucket": url_bucket(page.url),
    }


def build_article(ctx: RunContext, page: FetchedPage) -> Article | None:
    """Extract one page into an Article placed in this run's interval; None if it belongs elsewhere.

    The page's own date wins for `published_at`. Placement: an article the listing dated inside
    the interval stays in this slice even if the page disagrees (no other run would take it);
    an undated listing whose page date falls outside the interval is left to that day's run.
    """
    from newslake.extract import EXTRACTOR_VERSION, extract_page
    from newslake.fetch import page_text

    source = ctx.source(page.source) if page.source else None
    # decoded here, not by the extractor: a page declaring UTF-8 but sent as cp1252 is common
    extracted = extract_page(page_text(page), page.final_url, source_timezone=source.timezone if source else None)
    published = extracted.published
    article = Article(
        article_id=article_id(page.url),
        url=canonical_url(page.url),
        source=page.source,
        final_url=page.final_url,
        http_status=page.http_status,
        fetched_at=page.fetched_at,
        text=extracted.text,
        title=extracted.title,
        page_title=extracted.page_title,
        authors=extracted.authors,
        site_name=extracted.site_name,
        description=extracted.description,
        categories=extracted.categories,
        tags=extracted.tags,
        language=extracted.language,
        canonical_url=extracted.canonical_url,
        extractor_version=EXTRACTOR_VERSION,
    )
    if published is not None:
        article.published_at = published.published_at
        article.published_at_original = published.original
        article.published_date_local = published.date_local
        article.date_precision = published.precision
        article.date_source = published.source
    elif page.listed_at is not None or page.found_in.startswith(WARC_ORIGIN):
        # an undated page takes its listing's date; a page from a WARC archive its capture time
        listed = page.listed_at or page.fetched_at
        article.published_at = listed
        article.published_at_original = listed.isoformat()
        article.published_date_local = listed.date()
        article.date_precision = "time"
        article.date_source = "warc-date" if page.listed_at is None else "sitemap" if "sitemap" in page.found_in.lower() else "feed"
    when = article.published_at
    if when is not None and not (ctx.interval_start <= when < ctx.interval_end) and page.listed_at is None:
        return None
    return article


WARC_ORIGIN = "warc:"  # `FetchedPage.found_in` prefix of pages read from a WARC source


def _warc_pages(ctx: RunContext, warc_path: str, source: str | None):
    """Pages of a WARC: newslake's own raw files as stored, or a WARC source's HTML responses.

    An unreadable record comes as a `Failure` (with the source filled in) between the pages.
    """
    filesystem, _ = ctx.location.filesystem()
    if source is None:
        yield from iter_warc_file(filesystem, warc_path, ctx.settings.max_body_bytes)
        return
    warc_fs, path = open_warc_location(warc_path, filesystem)
    for page in iter_warc_file(warc_fs, path, ctx.settings.max_body_bytes):
        if isinstance(page, Failure):
            page.source = page.source or source
            yield page
            continue
        content_type = next((v for k, v in page.headers.items() if k.lower() == "content-type"), "")
        if page.http_status == 200 and content_type.split(";")[0].strip().lower() in HTML_TYPES:
            page.source, page.found_in, page.listed_at = source, WARC_ORIGIN + warc_path, None
            yield page


def extract_stage(ctx: RunContext, batch_index: int, warc_path: str | None, source: str | None = None) -> dict:
    """Extract the pages of one fetched batch (or of a WARC source's file); stage rows and failures."""
    if not warc_path:
        return {"batch": batch_index, "articles": None, "extracted": 0, "failures": None}
    rows, failures, elsewhere = [], [], 0
    stats: Counter = Counter()
    budget = ctx.settings.page_cpu_seconds
    for page in _warc_pages(ctx, warc_path, source):
        if isinstance(page, Failure):
            failures.append(page)
            continue
        try:
            with cpu_budget(budget):
                article = build_article(ctx, page)
        except BudgetExceeded:
            log.warning("extract gave up on %s after %g s of CPU", page.url, budget)
            failures.append(Failure(page.url, page.source, "extract", f"extraction exceeded its CPU budget of {budget:g} s per page (page_cpu_seconds)", page.http_status))
            continue
        except ExtractError as exc:
            failures.append(Failure(page.url, page.source, "extract", str(exc), page.http_status))
            stats[(page.source, "empty_body")] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - a hostile page must not fail the batch
            log.exception("extract crashed on %s", page.url)
            failures.append(Failure(page.url, page.source, "extract", f"unexpected {type(exc).__name__}: {exc}"[:500], page.http_status))
            continue
        if article is None:
            elsewhere += 1
            stats[(page.source, "other_day")] += 1
            continue
        rows.append(article_row(article, ctx.partition_date))
    _stage_stats(ctx, "extract", batch_index, stats)
    path = _write_staged(ctx, ctx.staging("extracted", f"{batch_index:05d}.parquet"), lake.to_table("articles", rows)) if rows else None
    log.info("batch %d: extracted %d, failed %d, belong to other days %d", batch_index, len(rows), len(failures), elsewhere)
    return {"batch": batch_index, "articles": path, "extracted": len(rows), "elsewhere": elsewhere, "failures": _stage_failures(ctx, "extract", batch_index, failures)}


def enrich_stage(ctx: RunContext, batch_index: int, articles_path: str | None) -> dict:
    """Entities, geocoded places and dates mentioned in the text for one batch (English only).

    Non-English articles pass through with `nlp_applied = false` (kept, not dropped). So does an
    article whose analysis fails or exhausts its CPU budget (`page_cpu_seconds`): one `failures`
    row (stage `enrich`), the rest of the batch goes on. Text past `max_ner_chars` is not analysed
    (a failures row records the truncation; the article keeps its whole text).
    """
    if not articles_path:
        return {"batch": batch_index, "articles": None}
    from newslake.enrich import is_english, load_nlp
    from newslake.geocode import PLACE_LABELS, geocode_mentions, load_gazetteer
    from newslake.timex import find_timexes

    articles = _read_staged(ctx, [articles_path], "articles")
    ids, urls, sources, texts, languages, local_days = (
        articles.column(c).to_pylist() for c in ("article_id", "url", "source", "text", "language", "published_date_local")
    )
    english = [i for i, (lang, text) in enumerate(zip(languages, texts)) if is_english(lang, text)]
    gazetteer = load_gazetteer() if english else None  # built once per worker process
    failures: list[Failure] = []
    limit = ctx.settings.max_ner_chars
    analysed = {i: text_for_analysis(texts[i], limit) for i in english}
    for i in english:
        if len(analysed[i]) < len(texts[i]):
            reason = f"text of {len(texts[i])} characters: entities, places and dates found in the first {len(analysed[i])} only (max_ner_chars)"
            failures.append(Failure(urls[i], sources[i], "enrich", reason))
    found, errors = _entities_isolated(ctx, analysed, load_nlp(ctx.settings.spacy_model), gazetteer)
    budget = ctx.settings.page_cpu_seconds
    day = ctx.partition_date
    entity_out, place_out, date_out = [], [], []
    counts = [0] * len(ids)
    applied = [False] * len(ids)
    for i in english:
        if i in errors:
            failures.append(Failure(urls[i], sources[i], "enrich", errors[i]))
            continue
        mentions = found[i]
        try:
            with cpu_budget(budget):
                place_mentions = [m for m in mentions if m.label in PLACE_LABELS]
                places = list(zip(place_mentions, geocode_mentions(mentions, gazetteer)))
                # relative dates resolve against the publisher's own day
                timexes = find_timexes(analysed[i], local_days[i])
        except BudgetExceeded:
            failures.append(Failure(urls[i], sources[i], "enrich", f"places and dates exceeded the CPU budget of {budget:g} s per article (page_cpu_seconds)"))
            continue
        except Exception as exc:  # noqa: BLE001 - one article must never fail the batch
            log.exception("enrich crashed on %s", urls[i])
            failures.append(Failure(urls[i], sources[i], "enrich", f"unexpected {type(exc).__name__}: {exc}"[:500]))
            continue
        counts[i], applied[i] = len(mentions), True
        entity_out.extend(entity_rows(ids[i], mentions, day))
        place_out.extend(place_row(ids[i], mention, place, day) for mention, place in places)
        date_out.extend(mentioned_date_row(ids[i], t, local_days[i], day) for t in timexes)
    schema = lake.TABLES["articles"]
    articles = articles.set_column(schema.get_field_index("entity_count"), schema.field("entity_count"), pa.array(counts, pa.int32()))
    articles = articles.set_column(schema.get_field_index("nlp_applied"), schema.field("nlp_applied"), pa.array(applied, pa.bool_()))
    name = f"{batch_index:05d}.parquet"
    _write_staged(ctx, ctx.staging("enriched", name), articles)
    _write_staged(ctx, ctx.staging("entities", name), lake.to_table("entities", entity_out))
    _write_staged(ctx, ctx.staging("places", name), lake.to_table("places", place_out))
    _write_staged(ctx, ctx.staging("mentioned_dates", name), lake.to_table("mentioned_dates", date_out))
    log.info(
        "batch %d: %d English of %d articles; %d entity mentions, %d places, %d dates in text; %d failures",
        batch_index, len(english), len(ids), len(entity_out), len(place_out), len(date_out), len(failures),
    )  # fmt: skip
    return {
        "batch": batch_index,
        "articles": ctx.staging("enriched", name),
        "entities": len(entity_out),
        "places": len(place_out),
        "mentioned_dates": len(date_out),
        "failures": _stage_failures(ctx, "enrich", batch_index, failures),
    }


def text_for_analysis(text: str, max_chars: int) -> str:
    """`text`, or its first `max_chars` characters cut at the last whitespace (offsets stay those of `text`)."""
    if max_chars <= 0 or len(text) <= max_chars:
        return text
    cut = max(text.rfind(" ", 0, max_chars), text.rfind("\n", 0, max_chars))
    return text[: cut if cut > max_chars // 2 else max_chars]


def _entities_isolated(ctx: RunContext, texts: dict[int, str], nlp, gazetteer) -> tuple[dict[int, list], dict[int, str]]:
    """Entities per article index, in `spacy_batch_size` batches; errors per index as readable reasons.

    A batch that raises or uses up one article's CPU budget is redone article by article, each
    with its own budget, so one pathological article costs one failure, not the batch.
    """
    from newslake.enrich import find_entities

    budget, size = ctx.settings.page_cpu_seconds, max(ctx.settings.spacy_batch_size, 1)
    found: dict[int, list] = {}
    errors: dict[int, str] = {}
    items = list(texts.items())
    for k in range(0, len(items), size):
        chunk = items[k : k + size]
        try:
            with cpu_budget(budget):
                found.update(zip([i for i, _ in chunk], find_entities([t for _, t in chunk], nlp, batch_size=size, gazetteer=gazetteer), strict=True))
            continue
        except BudgetExceeded:
            log.info("NER batch over its CPU budget; redoing it article by article")
        except Exception:  # noqa: BLE001 - redone per article below, where the culprit gets its failure row
            log.info("NER batch failed; redoing it article by article", exc_info=True)
        for i, text in chunk:
            try:
                with cpu_budget(budget):
                    found[i] = find_entities([text], nlp, batch_size=size, gazetteer=gazetteer)[0]
            except BudgetExceeded:
                errors[i] = f"entity recognition exceeded its CPU budget of {budget:g} s per article (page_cpu_seconds)"
            except Exception as exc:  # noqa: BLE001 - one article must never fail the batch
                log.exception("NER crashed on article %d", i)
                errors[i] = f"entity recognition failed: {type(exc).__name__}: {exc}"[:500]
    return found, errors


def _dedupe(articles: pa.Table) -> tuple[pa.Table, dict[str, int]]:
    """Keep one row per article_id and per final URL; return the rows and the number dropped per source.

    Two listed URLs that redirect to one page (feed tracking links, short links) are one article:
    the row listed under the page's own URL wins, else the first. Computed with Arrow group-bys
    over row numbers, so a day of a million rows costs a few narrow columns, not Python objects.
    """
    n = articles.num_rows
    if not n:
        return articles, {}
    urls, final_urls = articles.column("url").combine_chunks(), articles.column("final_url").combine_chunks()
    # canonicalised only where a fetch ended on another URL: the listed URL is canonical already
    moved = pc.fill_null(pc.and_(pc.not_equal(final_urls, urls), pc.not_equal(final_urls, "")), False)
    landed = [canonical_url(u) for u in final_urls.filter(moved).to_pylist()]
    pages = pc.replace_with_mask(urls, moved, pa.array(landed, pa.string())) if landed else urls
    row = np.arange(n, dtype=np.int64)
    is_page_url = pc.fill_null(pc.equal(urls, pages), False)
    # rank: a row listed under its page's own URL before any other row of that page, then first listed
    rank = np.where(is_page_url.to_numpy(zero_copy_only=False), row, row + n)
    numbered = pa.table({"article_id": articles.column("article_id"), "page": pages, "row": row, "rank": rank})
    first_of_id = numbered.group_by("article_id", use_threads=False).aggregate([("row", "min")]).column("row_min").to_numpy()
    best_of_page = numbered.group_by("page", use_threads=False).aggregate([("rank", "min")]).column("rank_min").to_numpy() % n
    keep = np.zeros(n, bool)
    keep[np.intersect1d(first_of_id, best_of_page, assume_unique=True)] = True
    return articles.filter(pa.array(keep)), _rows_per_source(articles.filter(pa.array(~keep)))


def _rows_per_source(articles: pa.Table) -> dict[str, int]:
    counts = articles.group_by("source", use_threads=False).aggregate([([], "count_all")])
    return dict(zip(counts.column("source").to_pylist(), counts.column("count_all").to_pylist(), strict=True))


CHILD_TABLES = ("entities", "places", "mentioned_dates")
# What the day-level decisions need of each staged article; the text and the rest are read
# again file by file while the slice is streamed into its commit.
DECISION_COLUMNS = ["article_id", "url", "final_url", "source", "simhash", "published_at", "duplicate_of"]


def _staged_decision_rows(ctx: RunContext, paths: Sequence[str]) -> pa.Table:
    """The decision columns of every staged article, with the file (`_file`) and row (`_row`) it is in."""
    filesystem, _ = ctx.location.filesystem()
    schema = lake.TABLES["articles"]
    parts = []
    for index, path in enumerate(paths):
        part = pq.read_table(path, filesystem=filesystem, schema=schema, columns=DECISION_COLUMNS)
        part = part.append_column("_file", pa.array(np.full(part.num_rows, index, np.int32)))
        parts.append(part.append_column("_row", pa.array(np.arange(part.num_rows, dtype=np.int64))))
    if not parts:
        empty = schema.empty_table().select(DECISION_COLUMNS)
        return empty.append_column("_file", pa.array([], pa.int32())).append_column("_row", pa.array([], pa.int64()))
    return pa.concat_tables(parts)


def _kept_article_batches(ctx: RunContext, paths: Sequence[str], kept: pa.Table):
    """A function streaming the kept staged articles, file by file, with their `duplicate_of`."""
    filesystem, _ = ctx.location.filesystem()
    schema = lake.TABLES["articles"]
    per_file = _split_by_file(kept, len(paths))

    def batches():
        for path, rows in zip(paths, per_file, strict=True):
            if not rows.num_rows:
                continue
            table = pq.read_table(path, filesystem=filesystem, schema=schema).take(rows.column("_row"))
            index = schema.get_field_index("duplicate_of")
            yield from table.set_column(index, schema.field("duplicate_of"), rows.column("duplicate_of")).to_batches()

    return batches


def _kept_child_batches(ctx: RunContext, name: str, article_paths: Sequence[str], kept: pa.Table):
    """A function streaming child rows (entities, ...) of kept articles, exact repeats dropped.

    A child file is named like the enriched file it came from; its rows are kept for the articles
    kept *from that file*, so an article staged twice (listed in two batches) keeps one set of rows.
    """
    filesystem, _ = ctx.location.filesystem()
    schema = lake.TABLES[name]
    ids_per_file = [rows.column("article_id").combine_chunks() for rows in _split_by_file(kept, len(article_paths))]

    def batches():
        for path, ids in zip(article_paths, ids_per_file, strict=True):
            child = path.replace("/enriched/", f"/{name}/")
            if not len(ids) or not filesystem.get_file_info(child).is_file:
                continue
            table = pq.read_table(child, filesystem=filesystem, schema=schema)
            table = table.filter(pc.is_in(table.column("article_id"), value_set=ids))
            yield from _distinct(table).to_batches()

    return batches


def _split_by_file(rows: pa.Table, files: int) -> list[pa.Table]:
    """`rows` (with `_file`, `_row`) split per staged file, each sorted by row."""
    rows = rows.sort_by([("_file", "ascending"), ("_row", "ascending")])
    counts = np.bincount(rows.column("_file").to_numpy(), minlength=files) if rows.num_rows else np.zeros(files, np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)])
    return [rows.slice(int(starts[f]), int(counts[f])) for f in range(files)]


def _distinct(table: pa.Table) -> pa.Table:
    """Rows of `table` without exact repeats (first kept, order preserved)."""
    if table.num_rows < 2:
        return table
    numbered = table.append_column("_i", pa.array(np.arange(table.num_rows)))
    first = numbered.group_by(table.column_names, use_threads=False).aggregate([("_i", "min")]).column("_i_min")
    return table.take(np.sort(first.to_numpy()))


def write_stage(ctx: RunContext) -> dict:
    """Commit everything the run staged as its slice of every silver table, plus `source_daily`.

    One atomic Delta commit per table; a table whose commit has not happened yet still shows
    its previous (complete) slice. Staging is removed only after every commit succeeded, so a
    retried write task finds the same inputs. Memory: the day's decisions (de-duplication,
    claims, near-duplicates) use a few narrow columns; texts and child rows are streamed into
    the commits one staged file at a time.
    """
    with lake.write_lock(ctx.location, ctx.settings.rate_limit_redis_url):
        paths = _staged_files(ctx, "enriched")
        articles, duplicates = _dedupe(_staged_decision_rows(ctx, paths))
        articles, elsewhere = _drop_claimed_elsewhere(ctx, articles)
        articles = _mark_near_duplicates(ctx, articles)
        for source, n in elsewhere.items():
            duplicates[source] = duplicates.get(source, 0) + n
        tables = {"articles": _kept_article_batches(ctx, paths, articles)}
        for name in CHILD_TABLES:
            tables[name] = _kept_child_batches(ctx, name, paths, articles)
        tables["neardup_bands"] = neardup_index.band_rows(articles, ctx.partition_date)
        tables["failures"] = _read_staged(ctx, _staged_files(ctx, "failures"), "failures")
        tables["source_daily"] = lake.to_table("source_daily", source_daily_rows(ctx, articles, tables["failures"], duplicates))
        counts = {name: lake.replace_slice(ctx.location, name, table, ctx.partition_date) for name, table in tables.items()}
        del tables, articles  # the day's decision columns and index rows: not needed by the url_state upsert
        state = _read_staged(ctx, _staged_files(ctx, "url_state"), "url_state")
        counts["url_state"] = url_state.merge(ctx.location, state)
    counts["duplicates_dropped"] = sum(duplicates.values())
    _clear_staging(ctx)
    log.info("slice %s written: %s", ctx.partition_date, counts)
    return counts


def _drop_claimed_elsewhere(ctx: RunContext, articles: pa.Table) -> tuple[pa.Table, dict[str, int]]:
    """Exactly once across days: drop articles another day's slice already holds.

    An article can be listed again on a later day (a feed re-dates it, a backfill overlaps);
    the slice that holds it first keeps it. Re-running that slice keeps it too, because its own
    slice is excluded from the check.
    """
    if not articles.num_rows:
        return articles, {}
    ids = articles.column("article_id").combine_chunks()
    claimed_filter = pc.field("article_id").isin(ids) & (pc.field("partition_date") != pa.scalar(ctx.partition_date, pa.date32()))
    claimed = lake.read_table(ctx.location, "articles", columns=["article_id"], filter=claimed_filter).column("article_id")
    if not len(claimed):
        return articles, {}
    is_claimed = pc.is_in(ids, value_set=claimed.combine_chunks())
    log.info("slice %s: %d articles already in another day's slice, not written twice", ctx.partition_date, pc.sum(is_claimed).as_py())
    return articles.filter(pc.invert(is_claimed)), _rows_per_source(articles.filter(is_claimed))


def _mark_near_duplicates(ctx: RunContext, articles: pa.Table) -> pa.Table:
    """Fill `duplicate_of`: syndicated copies of an earlier article in the slice or the lake's nearby days.

    Runs under the write lock on the lake as it is, so re-running a day reproduces the same
    values; a copy whose original lands in a later run's slice is flagged when its own day is re-run.
    """
    return neardup_index.mark_near_duplicates(ctx.location, articles, ctx.partition_date, ctx.settings.near_duplicate_window_days)


# --------------------------------------------------------------------------- run statistics
_STATS_SCHEMA = pa.schema([("source", pa.string()), ("metric", pa.string()), ("value", pa.int64())])


def _stage_stats(ctx: RunContext, stage: str, batch: int, stats: Counter) -> None:
    """Stage per-source counters ({(source, metric): n}) for `source_daily`."""
    rows = [{"source": src, "metric": metric, "value": n} for (src, metric), n in stats.items() if n]
    _write_staged(ctx, ctx.staging("stats", f"{stage}-{batch:05d}.parquet"), pa.Table.from_pylist(rows, schema=_STATS_SCHEMA))


def source_daily_rows(ctx: RunContext, articles: pa.Table, failures: pa.Table, duplicates: dict[str, int]) -> list[dict]:
    """One `source_daily` row per configured source, from staged counters and the slice."""
    filesystem, _ = ctx.location.filesystem()
    counters: Counter = Counter()
    for path in _staged_files(ctx, "stats"):
        for row in pq.read_table(path, filesystem=filesystem, schema=_STATS_SCHEMA).to_pylist():
            counters[(row["source"], row["metric"])] += row["value"]
    for source, published_at in zip(articles.column("source").to_pylist(), articles.column("published_at").to_pylist()):
        counters[(source, "extracted")] += 1
        counters[(source, "no_date")] += published_at is None
    for source in failures.column("source").to_pylist():
        counters[(source, "failed")] += 1
    for source, n in duplicates.items():
        counters[(source, "duplicates")] = n
    configured = [s.name for s in ctx.sources]
    names = configured + sorted({src for src, _ in counters} - set(configured))
    metrics = [f.name for f in lake.TABLES["source_daily"] if f.name not in {"partition_date", "source"}]
    return [{"partition_date": ctx.partition_date, "source": name, **{m: counters[(name, m)] for m in metrics}} for name in names]


def silent_sources(ctx: RunContext) -> list[str]:
    """Sources with feeds or sitemaps whose listings gave no entry at all for the day (per `source_daily`)."""
    listing = {s.name for s in ctx.sources if s.feeds or s.sitemaps}
    rows = lake.read_table(ctx.location, "source_daily", ctx.partition_date, columns=["source", "entries_listed"]).to_pylist()
    # rows written before the discovery columns existed have null there: no verdict
    return sorted(r["source"] for r in rows if r["source"] in listing and r["entries_listed"] == 0)


def validate_stage(ctx: RunContext) -> dict:
    """Judge the written slice (`newslake.validation`); raise ValidationError with the verdict when it fails.

    Reads the slice and its `source_daily` counters, so it needs nothing from the earlier tasks.
    """
    from newslake.validation import SliceFacts, SourceCounts, judge_slice

    articles = lake.read_table(ctx.location, "articles", ctx.partition_date, columns=["article_id", "title", "published_at", "text"])
    facts = SliceFacts(
        articles=articles.num_rows,
        distinct_ids=len(set(articles.column("article_id").to_pylist())),
        null_title=articles.column("title").null_count,
        null_published_at=articles.column("published_at").null_count,
        empty_bodies=sum(1 for t in articles.column("text").to_pylist() if not (t or "").strip()),
    )
    counts = [SourceCounts.from_row(row) for row in lake.read_table(ctx.location, "source_daily", ctx.partition_date).to_pylist()]
    verdict = judge_slice(ctx.partition_date, counts, facts, ctx.settings.max_null_share, ctx.settings.min_landed_share)
    silent = silent_sources(ctx)
    if silent:  # not a failure of the run (a quiet source is possible), but never silent
        log.warning("slice %s: %s listed no entries in their feeds/sitemaps (see source_daily.listing_errors and failures)", ctx.partition_date, ", ".join(silent))
    if not verdict.ok:
        raise ValidationError(verdict.message)
    log.info("%s", verdict.message)
    report = {"partition_date": ctx.partition_date.isoformat(), "articles": facts.articles, **verdict.as_dict()}
    if facts.articles:
        report["null_share_title"] = round(facts.null_title / facts.articles, 3)
        report["null_share_published_at"] = round(facts.null_published_at / facts.articles, 3)
    if silent:
        report["sources_listing_nothing"] = silent
    return report


# --------------------------------------------------------------------------- reprocessing
RAW_SUFFIX = ".warc.gz"


def _raw_files_by_run(ctx: RunContext) -> dict[str, list[pafs.FileInfo]]:
    """The lake's raw WARC files of this partition date, grouped by the ingest run that fetched them."""
    filesystem, root = ctx.location.filesystem()
    infos = filesystem.get_file_info(pafs.FileSelector(f"{root}/raw", recursive=True, allow_not_found=True))
    prefix = f"{ctx.partition_date.isoformat()}__"
    by_run: dict[str, list[pafs.FileInfo]] = {}
    for info in infos:
        if info.is_file and info.base_name.startswith(prefix) and info.base_name.endswith(RAW_SUFFIX):
            run_key = info.base_name[: -len("-00000" + RAW_SUFFIX)]
            by_run.setdefault(run_key, []).append(info)
    return by_run


def plan_reprocess(ctx: RunContext) -> list[dict]:
    """Batches that rebuild the day's slice from the raw WARCs of its latest ingest run (no network).

    What cannot be recomputed from responses (discovery and fetch failures, listing counts) is
    carried over from the current slice.
    """
    from newslake.errors import NewslakeError

    _clear_staging(ctx)
    by_run = _raw_files_by_run(ctx)
    if not by_run:
        raise NewslakeError(f"no raw WARC files for {ctx.partition_date} under {ctx.location.uri('raw')}: that day was never fetched into this lake")
    latest = max(by_run, key=lambda key: max(info.mtime for info in by_run[key]))
    carried = lake.read_table(ctx.location, "failures", ctx.partition_date)
    carried = carried.filter(pc.is_in(carried.column("stage"), pa.array(["discover", "fetch"])))
    if carried.num_rows:
        _write_staged(ctx, ctx.staging("failures", "carried-00000.parquet"), carried)
    stats: Counter = Counter()
    for row in lake.read_table(ctx.location, "source_daily", ctx.partition_date).to_pylist():
        for metric in ("listed", "fetched", "unchanged", *DISCOVERY_METRICS):  # counts of discovery and fetch, not of extraction
            stats[(row["source"], metric)] += row.get(metric) or 0
    _stage_stats(ctx, "carried", 0, stats)
    files = sorted(info.path for info in by_run[latest])
    log.info("reprocessing %s from %d raw files of run %s", ctx.partition_date, len(files), latest)
    return [{"index": i, "warc": path} for i, path in enumerate(files)]


def reprocess_interval(ctx: RunContext) -> dict:
    """Rebuild the day's article/entity/... slices from raw WARCs only; same ids and values as the run."""
    for batch in plan_reprocess(ctx):
        extracted = extract_stage(ctx, batch["index"], batch["warc"])
        enrich_stage(ctx, batch["index"], extracted["articles"])
    counts = write_stage(ctx)
    counts["validation"] = validate_stage(ctx)
    return counts


def run_interval(ctx: RunContext) -> dict:
    """All stages in one process (CLI backfill, tests): same functions the DAG calls."""
    found = discover_stage(ctx)
    for batch in found["batches"]:
        index = batch["index"]
        fetched = fetch_stage(ctx, index, batch["candidates"], warc=batch.get("warc"), source=batch.get("source"))
        extracted = extract_stage(ctx, index, fetched["warc"], source=fetched.get("source"))
        enrich_stage(ctx, index, extracted["articles"])
    counts = write_stage(ctx)
    counts["validation"] = validate_stage(ctx)
    return counts
