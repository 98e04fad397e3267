"""URL canonicalisation and article ids: one URL form per article, so re-runs never duplicate."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import courlan

# Query parameters that only track campaigns/clicks; they never change which article is served.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "vero_", "oly_")
_TRACKING_NAMES = {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref", "ref_src", "cmpid", "ncid", "ocid", "smid", "_ga", "share", "src"}


def canonical_url(url: str) -> str:
    """Normalise a URL: lower-case scheme/host, drop default ports, fragments and tracking params.

    courlan does the scheme/host/port/fragment work; the tracking list is ours because courlan
    keeps unknown parameters by default.
    """
    normalised = courlan.normalize_url(url.strip(), strict=False)
    parts = urlsplit(normalised)
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in _TRACKING_NAMES and not key.lower().startswith(_TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(sorted(query)), ""))


def article_id(url: str) -> str:
    """Stable id of an article: first 20 hex chars of sha1 of its canonical URL."""
    return id_of_canonical(canonical_url(url))


def id_of_canonical(canonical: str) -> str:
    """`article_id` of a URL already in canonical form (skips canonicalisation)."""
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()[:20]


def host_of(url: str) -> str:
    """host[:port] of a URL, lower-cased: the unit of politeness."""
    return urlsplit(url).netloc.lower()


URL_BUCKETS = 64  # `url_state.url_bucket` values: ~150k rows per bucket at 10M URLs


def url_bucket(url: str) -> int:
    """Hash bucket of a URL (0..URL_BUCKETS-1), from its article id: stable across processes and runs."""
    return bucket_of_id(article_id(url))


def bucket_of_id(article_id: str) -> int:
    """`url_bucket` of the URL whose `article_id` this is."""
    return int(article_id[:8], 16) % URL_BUCKETS
