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
    title: str | None = None
    author: str | None = None
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
ARTICLES = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False, metadata={"doc": "sha1 of the canonicalised URL, 20 hex chars; unique"}),
        pa.field("partition_date", pa.date32(), nullable=False, metadata={"doc": "UTC day of the run interval (partition key)"}),
        pa.field("source", pa.string(), nullable=False, metadata={"doc": "source name from sources.yaml"}),
        pa.field("url", pa.string(), nullable=False, metadata={"doc": "canonicalised URL the id is derived from"}),
        pa.field("final_url", pa.string(), metadata={"doc": "URL after redirects"}),
        pa.field("canonical_url", pa.string(), metadata={"doc": "<link rel=canonical> or og:url of the page"}),
        pa.field("title", pa.string()),
        pa.field("author", pa.string()),
        pa.field("site_name", pa.string()),
        pa.field("description", pa.string()),
        pa.field("categories", pa.list_(pa.string()), metadata={"doc": "section / categories"}),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("language", pa.string(), metadata={"doc": "ISO 639-1 code"}),
        pa.field("published_at", UTC_TS, metadata={"doc": "publication time, UTC"}),
        pa.field("published_at_original", pa.string(), metadata={"doc": "publication time as ISO-8601 with the publisher's offset"}),
        pa.field("published_date_local", pa.date32(), metadata={"doc": "publisher's local calendar day of publication"}),
        pa.field("date_precision", pa.string(), nullable=False, metadata={"doc": "time | day | none"}),
        pa.field("date_source", pa.string(), metadata={"doc": "where the date came from: json-ld, meta, time-element, url, text, feed, sitemap"}),
        pa.field("text", pa.string(), nullable=False, metadata={"doc": "clean article body, paragraphs separated by newlines"}),
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("entity_count", pa.int32(), nullable=False, metadata={"doc": "number of entity mentions"}),
        pa.field("http_status", pa.int16(), nullable=False),
        pa.field("fetched_at", UTC_TS, nullable=False, metadata={"doc": "when the response was received, UTC"}),
        pa.field("extractor_version", pa.string(), nullable=False, metadata={"doc": "newslake + trafilatura versions that produced the row"}),
    ]
)

ENTITIES = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("partition_date", pa.date32(), nullable=False),
        pa.field("mention", pa.string(), nullable=False, metadata={"doc": "entity text as it appears"}),
        pa.field("label", pa.string(), nullable=False, metadata={"doc": "spaCy label: PERSON, ORG, GPE, LOC, NORP, ..."}),
        pa.field("start_char", pa.int32(), nullable=False, metadata={"doc": "offset into articles.text"}),
        pa.field("end_char", pa.int32(), nullable=False),
        pa.field("sentence_index", pa.int32(), nullable=False),
        pa.field("canonical", pa.string(), nullable=False, metadata={"doc": "full form within the article (short forms merged)"}),
    ]
)

FAILURES = pa.schema(
    [
        pa.field("partition_date", pa.date32(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("http_status", pa.int16()),
        pa.field("attempt", pa.int16(), nullable=False),
        pa.field("failed_at", UTC_TS, nullable=False),
    ]
)

TABLES: dict[str, pa.Schema] = {"articles": ARTICLES, "entities": ENTITIES, "failures": FAILURES}


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
        "author": article.author,
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
        "http_status": article.http_status,
        "fetched_at": article.fetched_at,
        "extractor_version": article.extractor_version,
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
