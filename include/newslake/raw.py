"""Raw layer: fetched responses <-> WARC files (the bronze record everything else derives from).

Each fetch batch writes one gzip WARC (request + response records, warcio) under
`<lake>/raw/fetch_date=YYYY-MM-DD/`. Extraction reads pages back from these files, so a
reprocess of history needs no network and WARC archives from elsewhere (CC-NEWS) use the same
reader.
"""

from __future__ import annotations

import datetime as dt
import http
import io
import os
from collections.abc import Iterator

from pyarrow import fs as pafs
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newslake.schemas import FetchedPage

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
        for page in read_warc(handle):
            return page
    raise FileNotFoundError(f"no response record at offset {offset} of {path}")


def read_warc(stream) -> Iterator[FetchedPage]:
    """Yield a FetchedPage for every HTTP response record of a WARC stream (any WARC, e.g. CC-NEWS)."""
    for record in ArchiveIterator(stream):
        if record.rec_type != "response" or record.http_headers is None:
            continue
        headers = record.rec_headers
        target = headers.get_header("WARC-Target-URI") or ""
        listed = headers.get_header(H_LISTED)
        status = int(record.http_headers.get_statuscode() or 0)
        fetched = headers.get_header("WARC-Date")
        yield FetchedPage(
            url=headers.get_header(H_REQUESTED) or target,
            source=headers.get_header(H_SOURCE) or "",
            final_url=target,
            http_status=status,
            headers=dict(record.http_headers.headers),
            body=record.content_stream().read(),
            fetched_at=dt.datetime.fromisoformat(fetched.replace("Z", "+00:00")) if fetched else dt.datetime.now(dt.timezone.utc),
            listed_at=dt.datetime.fromisoformat(listed) if listed else None,
            found_in=headers.get_header(H_FOUND_IN) or "",
        )


def read_warc_file(filesystem: pafs.FileSystem, path: str) -> list[FetchedPage]:
    """All responses of one (small, newslake-written) WARC file."""
    return list(iter_warc_file(filesystem, path))


def iter_warc_file(filesystem: pafs.FileSystem, path: str) -> Iterator[FetchedPage]:
    """Stream the responses of a WARC file of any size (e.g. a 1 GB CC-NEWS file)."""
    with filesystem.open_input_stream(path, compression=None) as stream:
        yield from read_warc(stream)


def open_warc_location(uri: str, lake_filesystem: pafs.FileSystem | None = None) -> tuple[pafs.FileSystem, str]:
    """Filesystem and path of a WARC given as a local path or an s3:// URL (the lake's store)."""
    if uri.startswith("s3://"):
        if lake_filesystem is not None and not isinstance(lake_filesystem, pafs.LocalFileSystem):
            return lake_filesystem, uri[len("s3://") :]
        return pafs.FileSystem.from_uri(uri)
    return pafs.LocalFileSystem(), os.path.abspath(uri)
