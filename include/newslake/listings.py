"""Listings: the bytes of a feed or sitemap, as publishers really serve them -> listed entries.

The format is detected from the content, whatever list of the sources file it came from: RSS
0.9x/2.0, RSS 1.0 (RDF), Atom 0.3/1.0, CDF, JSON Feed, sitemap `urlset`, sitemap index,
plain-text sitemap (one URL a line, allowed by sitemaps.org) and robots.txt (its `Sitemap:`
lines), each optionally gzip-compressed.

What the real web adds, and how it is met:
* XML that is not well-formed (a blank line before `<?xml`, a bare `&` in a URL, an undeclared
  namespace prefix, a truncated document): strict parsing first; when it fails, the prologue
  is trimmed, bare ampersands escaped and libxml2's recovering parser reads what it can
  (`Listing.repaired` says so; discovery treats a repaired listing with no entry as a failure).
* Encodings: a BOM or the XML declaration win (UTF-32, which libxml2 lacks, is transcoded); an
  undeclared document that is not UTF-8 is read in the HTTP charset (passed down by the
  caller), else ISO-8859-1; an unknown declared encoding falls back the same way.
* Relative links resolve against `xml:base` (inherited) and the listing's own URL; only absolute
  http(s) URLs become entries, and image/audio/video files are not pages.
* A sitemap `<url>`'s page is its own `<loc>` (the one in the sitemap's namespace), never an
  `<image:loc>` or `<video:loc>` inside it. An item's `<link>` (rel=alternate) wins over
  `<guid>`; a guid stands in only when it is a permalink URL, a relative Atom `<id>` only under
  an explicit `xml:base`.

Safety: entity resolution, DTD loading and network access are off in both parsers, and a
document that declares entities is refused outright (XXE, billion laughs); the caller's byte cap
applies after decompression. Big sitemaps are streamed (iterparse, elements cleared), so a
50 MB urlset does not become a 500 MB tree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import zlib
import zoneinfo
from collections import Counter
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from lxml import etree

from newslake.feeddates import parse_feed_date

MAX_LISTING_BYTES = 50_000_000  # sitemaps.org limit is 50 MB uncompressed
EARLIEST_YEAR, LATEST_YEAR = 1990, 2100  # outside: a publisher bug (0001-01-01, 9999), treated as undated

XML_NS = "{http://www.w3.org/XML/1998/namespace}"
FEED_ROOTS = {"rss": "rss", "RDF": "rdf", "feed": "atom", "channel": "rss", "CHANNEL": "cdf"}
SITEMAP_ROOTS = {"urlset": "sitemap", "sitemapindex": "sitemap-index"}
# the entry's own date first, a modification date only when it is the only one given
PUBLISHED_FIELDS = ("pubDate", "published", "issued", "date", "created")
UPDATED_FIELDS = ("updated", "modified")
NON_PAGE_EXTENSIONS = frozenset(
    "jpg jpeg png gif webp avif svg bmp tif tiff ico heic mp3 m4a aac ogg oga opus wav flac mp4 m4v mov avi wmv webm ogv mkv".split()
)


@dataclasses.dataclass(frozen=True, slots=True)
class ListedEntry:
    """One <item>/<entry>/<url>/<sitemap>/line as listed, before interval filtering."""

    url: str
    listed_at: dt.datetime | None  # UTC; None when undated or the date is unusable
    listed_raw: str | None = None  # the date as the listing wrote it
    is_sitemap: bool = False  # a child sitemap (index entry or robots.txt `Sitemap:` line)
    dropped: str | None = None  # why this entry is not a candidate (only with include_dropped=True)


@dataclasses.dataclass
class Listing:
    """What one listing document holds."""

    kind: str  # rss, rdf, atom, json-feed, sitemap, sitemap-index, text-sitemap, robots
    entries: list[ListedEntry]
    dropped: Counter  # reason -> entries not returned: "no link", "not http(s)", "not a page"
    repaired: str | None = None  # the strict parser's error when the lenient parse was needed
    not_accepted: int = 0  # usable entries the caller's `accept` turned down (counted, not held)


@dataclasses.dataclass(frozen=True)
class _Policy:
    """Which entries a parse returns: dropped ones too (for people), only accepted ones (for runs)."""

    include_dropped: bool = False
    accept: Callable[[ListedEntry], bool] | None = None


class ListingError(ValueError):
    """The bytes are not a readable feed or sitemap (the message says why)."""


def gunzip_capped(data: bytes, max_bytes: int) -> bytes:
    """Decompress gzip `data`, refusing (ListingError) as soon as the output passes max_bytes."""
    out: list[bytes] = []
    size = 0
    while data:
        z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            chunk = z.decompress(data, max_bytes - size + 1)
        except zlib.error as exc:
            if out:  # trailing garbage after a complete member
                break
            raise ListingError(f"broken gzip data: {exc}") from None
        size += len(chunk)
        if size > max_bytes:
            raise ListingError(f"decompressed listing exceeds {max_bytes} bytes")
        out.append(chunk)
        data = z.unused_data if z.eof else b""  # next gzip member, if any
    return b"".join(out)


def listing_date(value: str | None, zone: dt.tzinfo | None = None) -> dt.datetime | None:
    """A listed date in UTC, or None when missing, unparseable or implausible (before 1990, after 2100)."""
    parsed = parse_feed_date(value, zone)
    if parsed is None or not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        return None
    return parsed


_ABSOLUTE_HTTP = re.compile(r"^https?://[^/?#\s@:][^/?#\s]*(?P<path>/[^?#\s]*)?(?:[?#]\S*)?$", re.I)


def _valid_brackets(url: str) -> bool:
    """Square brackets are only valid around an IPv6 host."""
    try:
        return urlsplit(url).hostname is not None
    except ValueError:
        return False


def page_url(raw: str | None, base: str | None) -> tuple[str | None, str | None]:
    """(absolute page URL, None) or (None, reason it is not one)."""
    url = (raw or "").strip()
    if not url:
        return None, "no link"
    match = _ABSOLUTE_HTTP.match(url)
    if match is None and base:  # only relative links pay for urljoin (a big sitemap has 50,000+ absolute ones)
        try:
            url = urljoin(base, url)
        except ValueError:
            return None, "not http(s)"
        match = _ABSOLUTE_HTTP.match(url)
    if match is None or ("[" in url and not _valid_brackets(url)):  # the pattern demands a host
        return None, "not http(s)"
    last_segment = (match.group("path") or "").rpartition("/")[2]
    if "." in last_segment and last_segment.rpartition(".")[2].lower() in NON_PAGE_EXTENSIONS:
        return None, "not a page"
    return url, None


def parse_listing(
    data: bytes,
    *,
    url: str | None = None,
    charset: str | None = None,
    timezone: str | None = None,
    max_bytes: int = MAX_LISTING_BYTES,
    include_dropped: bool = False,
    accept: Callable[[ListedEntry], bool] | None = None,
) -> Listing:
    """Bytes of any supported listing -> its entries. Raises ListingError when unreadable.

    `url` is where the listing was fetched from (resolves relative links), `charset` the HTTP
    charset, `timezone` the source's IANA zone for dates written without offset.
    With `include_dropped`, entries that are not candidates come back too, with their reason (for
    people checking a source; discovery only counts them). `accept`, when given, decides which
    usable entries are held; the others are only counted (`not_accepted`), so a run reading a
    sitemap of years of pages holds only the day's.
    """
    if data[:2] == b"\x1f\x8b":
        data = gunzip_capped(data, max_bytes)
    if len(data) > max_bytes:
        raise ListingError(f"listing of {len(data)} bytes exceeds {max_bytes} bytes")
    zone = zoneinfo.ZoneInfo(timezone) if timezone else None
    head = _strip_prologue(data[:2048]).replace(b"\x00", b"")  # UTF-16/32: look past the zero bytes
    if not head.strip():
        raise ListingError("empty listing")
    policy = _Policy(include_dropped, accept)
    if head.lstrip()[:1] == b"<" or data.startswith(_WIDE_BOMS):
        return _parse_xml(data, url, charset, zone, policy)
    if head[:1] in (b"{", b"["):
        return _parse_json_feed(data, url, zone, policy)
    return _parse_text(data, url, charset, policy)


# --------------------------------------------------------------------------- XML
_DOCTYPE_ENTITY = re.compile(rb"<!DOCTYPE[^\[>]*\[[^\]]*<!ENTITY", re.S | re.I)
_XML_DECLARATION = re.compile(rb"^<\?xml[^>]*\?>")
_DECLARED_ENCODING = re.compile(rb"^<\?xml[^>]*encoding\s*=", re.I)
_BARE_AMPERSAND = re.compile(rb"&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9._-]*;)")
_BOMS = (b"\xef\xbb\xbf",)
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")  # UTF-16 LE/BE, UTF-32 BE (UTF-32 LE starts like UTF-16 LE)
_SITEMAP_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:urlset|sitemapindex)[\s>/]")


def _strip_prologue(data: bytes) -> bytes:
    """Drop a UTF-8 BOM and the blank lines some CMSs print before `<?xml` (illegal, common)."""
    for bom in _BOMS:
        if data.startswith(bom):
            data = data[len(bom) :]
    return data.lstrip(b" \t\r\n")


def _refuse_entities(data: bytes) -> None:
    if _DOCTYPE_ENTITY.search(data[:100_000]):
        raise ListingError("document declares XML entities (refused: XXE / entity-expansion guard)")


def _override_encoding(data: bytes, charset: str | None) -> str | None:
    """The encoding to impose on an undeclared document that is not UTF-8, else None."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or _DECLARED_ENCODING.match(data[:200]):
        return None
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        return _known_codec(charset) or "ISO-8859-1"


def _known_codec(charset: str | None) -> str | None:
    import codecs

    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip().strip("'\"")).name
    except LookupError:
        return None


def _parse_xml(data: bytes, url: str | None, charset: str | None, zone: dt.tzinfo | None, policy: _Policy) -> Listing:
    if data.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
        data = _utf32_to_utf8(data)
    if not data.startswith(_WIDE_BOMS) and data[:1] != b"\x00":
        data = _strip_prologue(data)
    _refuse_entities(data)
    encoding = _override_encoding(data, charset)
    streamed = bool(_SITEMAP_ROOT.search(data[:4096]))
    try:
        return _read_xml(data, url, zone, recover=False, encoding=encoding, streamed=streamed, policy=policy)
    except (etree.XMLSyntaxError, LookupError) as strict_error:
        repaired = _BARE_AMPERSAND.sub(b"&amp;", data)
        encoding = encoding or _encoding_fallback(data, strict_error, charset)
        try:
            listing = _read_xml(repaired, url, zone, recover=True, encoding=encoding, streamed=streamed, policy=policy)
        except (etree.XMLSyntaxError, LookupError):
            raise ListingError(f"not well-formed XML: {strict_error}") from None
        listing.repaired = str(strict_error) or type(strict_error).__name__
        return listing


def _utf32_to_utf8(data: bytes) -> bytes:
    """UTF-32 (which libxml2 does not read) as UTF-8, its encoding declaration dropped."""
    try:
        text = data.decode("utf-32")
    except UnicodeDecodeError as exc:
        raise ListingError(f"broken UTF-32 listing: {exc}") from None
    return re.sub(r"^(<\?xml[^>]*?)\s+encoding\s*=\s*[\"'][^\"']*[\"']", r"\1", text, count=1).encode("utf-8")


def _encoding_fallback(data: bytes, error: Exception, charset: str | None) -> str | None:
    """A declared encoding libxml2 does not know ("bogus"): the HTTP charset, UTF-8 or ISO-8859-1."""
    if "encoding" not in str(error).lower():
        return None
    if known := _known_codec(charset):
        return known
    try:
        data.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        return "ISO-8859-1"


def _local(tag: object) -> str:
    """Local name; also of `wfw:commentRss` kept as is by the recovering parser (undeclared prefix)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2].rpartition(":")[2]


def _namespace(tag: object) -> str | None:
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else None


def _base_of(element: etree._Element, document_url: str | None) -> str | None:
    """The base URI in force at `element`: xml:base of it and its ancestors over the document URL."""
    bases = []
    node: etree._Element | None = element
    while node is not None:
        value = node.get(XML_NS + "base")
        if value is not None:
            bases.append(value.strip())
        node = node.getparent()
    base = document_url
    for value in reversed(bases):
        base = urljoin(base, value) if base else value
    return base


def _kind_of(root: etree._Element) -> str:
    name = _local(root.tag)
    kind = FEED_ROOTS.get(name) or SITEMAP_ROOTS.get(name)
    if kind is None:
        what = "an HTML page" if name.lower() == "html" else f"root element <{name}>"
        raise ListingError(f"not a feed or sitemap ({what})")
    return kind


def _refuse_declared_entities(root: etree._Element) -> None:
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ListingError("document declares XML entities (refused: XXE / entity-expansion guard)")


def _read_xml(
    data: bytes, url: str | None, zone: dt.tzinfo | None, *, recover: bool, encoding: str | None, streamed: bool, policy: _Policy
) -> Listing:
    options = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=recover, encoding=encoding)
    listing = Listing(kind="", entries=[], dropped=Counter())
    if streamed:  # sitemaps can be 50 MB: stream them, clearing each <url> once read
        context = etree.iterparse(io.BytesIO(data), events=("end",), tag=("{*}url", "{*}sitemap"), **options)
        root = base = None
        for _, element in context:
            parent = element.getparent()
            if root is None:
                root, listing.kind = parent, _kind_of(parent)
                base = _base_of(root, url)
            if parent is root:
                own_base = element.get(XML_NS + "base")
                _keep(listing, _sitemap_entry(element, urljoin(base or "", own_base) if own_base else base, zone), policy)
                element.clear()
                while element.getprevious() is not None:
                    del root[0]
        root = context.root if root is None else root
        if root is None:
            raise ListingError("empty XML document")
        listing.kind = listing.kind or _kind_of(root)
    else:
        root = etree.fromstring(data, etree.XMLParser(**options))
        if root is None:
            raise etree.XMLSyntaxError("no element found", None, 0, 0)
        listing.kind = _kind_of(root)
        if listing.kind == "cdf":
            for item in root.iter("ITEM"):
                _keep(listing, _cdf_entry(item, url, zone), policy)
        elif listing.kind in ("sitemap", "sitemap-index"):  # a sitemap the head sniff missed
            for node in root:
                if _local(node.tag) in ("url", "sitemap"):
                    _keep(listing, _sitemap_entry(node, _base_of(node, url), zone), policy)
        else:
            for node in root.iter("{*}item", "{*}entry"):  # any namespace, or none; lxml filters in C
                _keep(listing, _feed_entry(node, url, zone), policy)
    _refuse_declared_entities(root)
    return listing


def _keep(listing: Listing, entry: ListedEntry, policy: _Policy) -> None:
    if entry.dropped:
        listing.dropped[entry.dropped] += 1
        if not policy.include_dropped:
            return
    elif policy.accept is not None and not policy.accept(entry):
        listing.not_accepted += 1  # counted, not held: a 50 MB sitemap lists years of pages
        return
    listing.entries.append(entry)


def _text(element: etree._Element) -> str:
    return "".join(element.itertext()).strip()


def _entry(raw_url: str | None, base: str | None, raw_date: str | None, zone: dt.tzinfo | None, is_sitemap: bool = False) -> ListedEntry:
    # a child sitemap may end in .xml.gz and still be a listing, so only pages are screened for media
    target, reason = _absolute(raw_url, base) if is_sitemap else page_url(raw_url, base)
    return ListedEntry(target or (raw_url or "").strip(), listing_date(raw_date, zone), raw_date or None, is_sitemap, dropped=reason)


def _absolute(raw: str | None, base: str | None) -> tuple[str | None, str | None]:
    if not raw or not raw.strip():
        return None, "no link"
    url = urljoin(base, raw.strip()) if base else raw.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() in {"http", "https"} and parts.hostname:
        return url, None
    return None, "not http(s)"


def _sitemap_entry(node: etree._Element, base: str | None, zone: dt.tzinfo | None) -> ListedEntry:
    """A `<url>` or `<sitemap>`: its own `<loc>` (same namespace), news date over lastmod."""
    own_namespace = _namespace(node.tag)
    loc = news_date = lastmod = None
    for child in node:  # direct children: an <image:image>'s <image:loc> is not the page
        name = _local(child.tag)
        if name == "loc" and loc is None and _namespace(child.tag) == own_namespace:
            loc = (child.text or "").strip()
        elif name == "lastmod" and lastmod is None:
            lastmod = (child.text or "").strip()
        elif name == "news" and news_date is None:
            news_date = next((_text(d) for d in child.iter("{*}publication_date")), None)
    # a page's news date is its publication date; lastmod moves whenever the page is touched
    return _entry(loc, base, news_date or lastmod, zone, is_sitemap=_local(node.tag) == "sitemap")


def _cdf_entry(node: etree._Element, url: str | None, zone: dt.tzinfo | None) -> ListedEntry:
    """Microsoft CDF: `<ITEM HREF=... LASTMOD=...>`, relative to the nearest `BASE` attribute."""
    base = next((ancestor.get("BASE") for ancestor in node.iterancestors() if ancestor.get("BASE")), None)
    return _entry(node.get("HREF") or node.get("href"), urljoin(url, base) if url and base else base or url, node.get("LASTMOD"), zone)


ATOM_NAMESPACES = frozenset({"http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#"})
ATOM_OR_RSS_LINK_NAMESPACES = frozenset(
    {"http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#", "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/", "http://backend.userland.com/rss2"}
)


def _feed_entry(node: etree._Element, url: str | None, zone: dt.tzinfo | None) -> ListedEntry:
    """An `<item>`/`<entry>`: its alternate `<link>`, else a permalink `<guid>` or URL `<id>`; its best date."""
    link: str | None = None
    link_element: etree._Element | None = None
    link_rank = 9
    permalink: etree._Element | None = None
    dates: dict[str, str] = {}
    for child in node:
        name = _local(child.tag)
        namespace = _namespace(child.tag)
        if name == "link" and (namespace is None or namespace in ATOM_OR_RSS_LINK_NAMESPACES):
            if (child.get("rel") or "alternate").strip().lower() != "alternate":
                continue  # enclosure, self, edit, replies...: not the entry's page
            href = child.get("href")
            if href is not None and namespace in ATOM_NAMESPACES:  # an HTML alternate first; the first of a rank wins
                media = (child.get("type") or "").strip().lower()
                rank = 0 if media in ("", "text/html", "application/xhtml+xml") else 1
                if rank < link_rank:
                    link, link_element, link_rank = href, child, rank
            elif value := (href or _text(child)):
                # RSS: the last <link> wins, as feedparser and gofeed read repeated links
                link, link_element, link_rank = value, child, 0
        elif name == "guid" and permalink is None and (child.get("isPermaLink") or "true").strip().lower() != "false":
            permalink = child
        elif name == "id" and permalink is None and namespace in (None, "http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#"):
            permalink = child
        elif name in PUBLISHED_FIELDS or name in UPDATED_FIELDS:
            value = _text(child)
            if value:  # a repeated field: the last one wins, as in feedparser
                dates[name] = value
    ordered = [dates[f] for f in PUBLISHED_FIELDS + UPDATED_FIELDS if f in dates]
    raw_date = next((d for d in ordered if listing_date(d, zone)), ordered[0] if ordered else None)
    entry = _entry(link, _base_of(link_element, url) if link_element is not None else url, raw_date, zone)
    if entry.dropped and permalink is not None and (fallback_base := _permalink_base(permalink, url)) is not None:
        fallback = _entry(_text(permalink), fallback_base or None, raw_date, zone)
        if not fallback.dropped or link is None:
            return fallback
    return entry


def _permalink_base(node: etree._Element, url: str | None) -> str | None:
    """The base a guid/id stands in for a missing link with, or None when it must not.

    A URL-shaped one (`://`) resolves as usual (""). A relative Atom `<id>` only counts under an
    explicit `xml:base` (RFC 4287 resolves every IRI reference against it); a relative RSS guid
    such as `12345` is an identifier, never resolved against the feed's URL.
    """
    value = _text(node)
    if "://" in value:
        return _base_of(node, url) or ""
    if value and _local(node.tag) == "id" and any(a.get(XML_NS + "base") for a in (node, *node.iterancestors())):
        return _base_of(node, None)
    return None


# --------------------------------------------------------------------------- JSON Feed, text
def _parse_json_feed(data: bytes, url: str | None, zone: dt.tzinfo | None, policy: _Policy) -> Listing:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ListingError(f"not a feed or sitemap (unreadable JSON: {exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise ListingError("not a feed or sitemap (JSON without a JSON Feed `items` list)")
    base = document["feed_url"] if isinstance(document.get("feed_url"), str) else url
    listing = Listing(kind="json-feed", entries=[], dropped=Counter())
    for item in document["items"]:
        item = item if isinstance(item, dict) else {}
        link = item.get("url") if isinstance(item.get("url"), str) else None
        if link is None and isinstance(item.get("id"), str) and "://" in item["id"]:
            link = item["id"]
        raw_date = next((item[k] for k in ("date_published", "date_modified") if isinstance(item.get(k), str)), None)
        _keep(listing, _entry(link, base, raw_date, zone), policy)
    return listing


_ROBOTS_LINE = re.compile(r"^\s*(user-agent|disallow|allow|crawl-delay|sitemap)\s*:", re.I | re.M)
_SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.I | re.M)


def _parse_text(data: bytes, url: str | None, charset: str | None, policy: _Policy) -> Listing:
    """robots.txt (`Sitemap:` lines -> child sitemaps) or a text sitemap (one URL a line)."""
    text = data.decode(_known_codec(charset) or "utf-8", "replace")
    if "\x00" in text[:2048]:
        raise ListingError("not a feed or sitemap (binary data)")
    if _ROBOTS_LINE.search(text):
        listing = Listing(kind="robots", entries=[], dropped=Counter())
        for match in _SITEMAP_LINE.finditer(text):
            _keep(listing, _entry(match.group(1), url, None, None, is_sitemap=True), policy)
        return listing
    listing = Listing(kind="text-sitemap", entries=[], dropped=Counter())
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            _keep(listing, _entry(line, None, None, None), policy)
    if all(entry.dropped for entry in listing.entries) and not listing.not_accepted:  # not one URL line: some other text
        raise ListingError("not a feed or sitemap (no XML, JSON Feed or URL lines)")
    return listing
