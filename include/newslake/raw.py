"""Raw layer: fetched responses <-> WARC files (the bronze record everything else derives from).

Each fetch batch writes one gzip WARC (request + response records, warcio) under
`<lake>/raw/fetch_date=YYYY-MM-DD/`. Extraction reads pages back from these files, so a
reprocess of history needs no network and WARC archives from elsewhere (CC-NEWS) use the same
reader.

Reading is per record: a record that cannot be read (a malformed `WARC-Date`, an HTTP status line
`abc OK`, a body that decodes past `max_body_bytes`, e.g. a gzip `Content-Encoding` bomb) is
yielded as one `Failure` and the next record is read; only a file whose framing is broken stops
early, with one `Failure` naming where.
"""

from __future__ import annotations

import datetime as dt
import http
import io
import logging
import os
from collections.abc import Iterator

from pyarrow import fs as pafs
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newslake.schemas import Failure, FetchedPage

log = logging.getLogger(__name__)

READ_CHUNK = 1 << 16

# Carried as WARC headers so a page read back has the same provenance as when fetched.
H_SOURCE = "WARC-Newslake-Source"
H_LISTED = "WARC-Newslake-Listed-At"
H_FOUND_IN = "WARC-Newslake-Found-In"
H_REQUESTED = "WARC-Newslake-Requested-URL"


def warc_bytes(pages: list[FetchedPage], user_agent: str) -> bytes:
    """Serialise pages as gzip WARC request/response pairs."""
    return warc_bytes_with_offsets(pages, user_agent)[0]


def warc_bytes_with_offsets(pages: list[FetchedPage], user_agent: str) -> tuple[bytes, list[int]]:
    """WARC bytes plus, per page, the byte offset of its response record (for `read_page_at`)."""
    offsets: list[int] = []
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for page in pages:
        date = page.fetched_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        extra = {"WARC-Date": date, H_SOURCE: page.source, H_FOUND_IN: page.found_in, H_REQUESTED: page.url}
        if page.listed_at is not None:
            extra[H_LISTED] = page.listed_at.isoformat()
        request_headers = StatusAndHeaders(f"GET {page.final_url} HTTP/1.1", [("User-Agent", user_agent)], is_http_request=True)
        request = writer.create_warc_record(page.final_url, "request", http_headers=request_headers, warc_headers_dict=dict(extra))
        # The body is stored decoded (requests already undid Content-Encoding); drop the
        # encoding/length headers so the WARC stays self-consistent.
        headers = [(k, v) for k, v in page.headers.items() if k.lower() not in {"content-encoding", "transfer-encoding", "content-length"}]
        headers.append(("Content-Length", str(len(page.body))))
        http_headers = StatusAndHeaders(f"{page.http_status} {_reason(page.http_status)}", headers, protocol="HTTP/1.1")
        response = writer.create_warc_record(page.final_url, "response", payload=io.BytesIO(page.body), http_headers=http_headers, warc_headers_dict=extra)
        writer.write_record(request)
        offsets.append(buffer.tell())
        writer.write_record(response)
    return buffer.getvalue(), offsets


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def write_warc(filesystem: pafs.FileSystem, path: str, pages: list[FetchedPage], user_agent: str) -> list[int]:
    """Write pages to `path` in one go (a partially written file is never left under that name).

    Returns each page's response-record offset, which the crawl state keeps so an unchanged page
    (HTTP 304) can be read back from the raw layer.
    """
    data, offsets = warc_bytes_with_offsets(pages, user_agent)
    parent = path.rsplit("/", 1)[0]
    filesystem.create_dir(parent, recursive=True)
    tmp = path + ".tmp"
    with filesystem.open_output_stream(tmp) as out:
        out.write(data)
    filesystem.move(tmp, path)
    return offsets


def read_page_at(filesystem: pafs.FileSystem, path: str, offset: int) -> FetchedPage:
    """The response stored at `offset` of a newslake WARC file."""
    with filesystem.open_input_file(path) as handle:
        handle.seek(offset)
        for item in read_warc(handle):
            if isinstance(item, Failure):
                raise ValueError(f"response record at offset {offset} of {path} is unreadable: {item.reason}")
            return item
    raise FileNotFoundError(f"no response record at offset {offset} of {path}")


def read_warc(stream, max_body_bytes: int | None = None) -> Iterator[FetchedPage | Failure]:
    """Every HTTP response record of a WARC stream (any WARC, e.g. CC-NEWS) as a FetchedPage, or a Failure.

    `max_body_bytes` caps the decoded payload (after Content-Encoding and chunking are undone).
    """
    records = iter(ArchiveIterator(stream))
    index = 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - broken framing: the records after this point cannot be found
            yield Failure(f"warc-record:{index}", "", "extract", f"WARC unreadable after record {index}: {type(exc).__name__}: {exc}"[:500])
            return
        index += 1
        if record.rec_type != "response" or record.http_headers is None:
            continue
        try:
            yield _page_of(record, max_body_bytes)
        except Exception as exc:  # noqa: BLE001 - one bad record is one failure, the next one is read
            url = record.rec_headers.get_header(H_REQUESTED) or record.rec_headers.get_header("WARC-Target-URI") or f"warc-record:{index}"
            log.warning("unreadable WARC record %d (%s): %s", index, url, exc)
            yield Failure(url, record.rec_headers.get_header(H_SOURCE) or "", "extract", f"unreadable WARC record: {exc}"[:500])


def _page_of(record, max_body_bytes: int | None) -> FetchedPage:
    headers = record.rec_headers
    target = headers.get_header("WARC-Target-URI") or ""
    code = (record.http_headers.get_statuscode() or "").strip()
    if not code.isdigit() or not 100 <= int(code) <= 599:
        raise ValueError(f"HTTP status line {record.http_headers.statusline[:80]!r} has no valid status code")
    listed = headers.get_header(H_LISTED)
    return FetchedPage(
        url=headers.get_header(H_REQUESTED) or target,
        source=headers.get_header(H_SOURCE) or "",
        final_url=target,
        http_status=int(code),
        headers=dict(record.http_headers.headers),
        body=_read_payload(record, max_body_bytes),
        fetched_at=_warc_date(headers.get_header("WARC-Date")),
        listed_at=_iso_datetime(listed, H_LISTED) if listed else None,
        found_in=headers.get_header(H_FOUND_IN) or "",
    )


def _warc_date(value: str | None) -> dt.datetime:
    if not value:
        return dt.datetime.now(dt.timezone.utc)
    when = _iso_datetime(value.strip().replace("Z", "+00:00"), "WARC-Date")
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _iso_datetime(value: str, header: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{header} {value[:60]!r} is not an ISO 8601 date") from None


def _read_payload(record, max_bytes: int | None) -> bytes:
    """The decoded payload, read in chunks and refused as soon as it passes `max_bytes`."""
    stream = record.content_stream()
    if max_bytes is None:
        return stream.read()
    chunks, size = [], 0
    while chunk := stream.read(READ_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise ValueError(f"body exceeds the limit of {max_bytes} bytes (after decompression)")
        chunks.append(chunk)
    return b"".join(chunks)


def read_warc_file(filesystem: pafs.FileSystem, path: str) -> list[FetchedPage]:
    """All readable responses of one (small, newslake-written) WARC file."""
    return [item for item in iter_warc_file(filesystem, path) if isinstance(item, FetchedPage)]


def iter_warc_file(filesystem: pafs.FileSystem, path: str, max_body_bytes: int | None = None) -> Iterator[FetchedPage | Failure]:
    """Stream the responses of a WARC file of any size (e.g. a 1 GB CC-NEWS file), or a Failure per bad record."""
    with filesystem.open_input_stream(path, compression=None) as stream:
        yield from read_warc(stream, max_body_bytes)


def open_warc_location(uri: str, lake_filesystem: pafs.FileSystem | None = None) -> tuple[pafs.FileSystem, str]:
    """Filesystem and path of a WARC given as a local path or an s3:// URL (the lake's store)."""
    if uri.startswith("s3://"):
        if lake_filesystem is not None and not isinstance(lake_filesystem, pafs.LocalFileSystem):
            return lake_filesystem, uri[len("s3://") :]
        return pafs.FileSystem.from_uri(uri)
    return pafs.LocalFileSystem(), os.path.abspath(uri)
