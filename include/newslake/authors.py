"""Authors: `PageMeta` (+ the extractor's byline, the site's names) -> a clean list of people.

Bylines come as JSON-LD `author` objects, `<meta name="author">`, the byline trafilatura finds
and the page's own byline elements (`PageMeta.bylines`). Each is split into names ("A, B and C",
"A; B", "A / B"), stripped of what is not a name ("By", "Von", "Por", roles after a slash or
comma such as "/ Journalist", initials in brackets "(obe)", e-mail addresses, @handles, URLs) and
de-duplicated. The site itself is not an author: a name that is the publisher (`og:site_name`,
JSON-LD publisher, host name), starts with the host's name ("MDR THÜRINGEN" on mdr.de), a desk
("Redaktion", "Staff") or a company ("GmbH") is dropped, and so is a URL slug ("chuck-ross"); a
page that names only those has no authors. A named agency (AFP, dpa) is kept, as the byline of
a wire story. Sources are tried in order of trust (JSON-LD people, the meta tag, trafilatura's
byline, the visible byline elements): the first that yields a name wins, since mixing them
duplicates people written two ways; when one visible byline block names those people and more,
the block's list is taken (metadata often carries the first author only).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from newslake.headline import site_tokens
from newslake.pagemeta import PageMeta, text_of

__all__ = ["choose_authors", "split_names", "clean_name"]

_ALNUM = re.compile(r"[^\w]+")
# "By", "Von", "Por", "Par", "Di", "Door", "Av", "Af", "Text:", "Autor:" before a byline
_BY = re.compile(
    r"^(?:(?:written|reported|posted|text|texto|autor(?:in)?|author|redakce|bearbeitet)\s*(?:by|von|por|par|:)?\s*:?|"
    r"by|von|por|par|di|door|av|af|od|przez|tekst|text)\s*[:\-–]?\s+",
    re.I,
)
# separators between people in one byline
_LIST = re.compile(r"\s*(?:;|,|\||&|\s+(?:and|und|y|e|et|og|och|en|i|und|ve|и|a)\s+|\s+/\s+)\s*", re.I)
_BRACKETS = re.compile(r"\s*[(\[][^)\]]{0,40}[)\]]\s*")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
# not people: a desk, the publishing company, a role, or "agencies" in general. A named news agency
# (AFP, dpa, Reuters) stays: it is the byline of a wire story and not the site itself.
_NOT_PERSON = re.compile(
    r"\b(?:staff|redaktion|redacci[oó]n|r[eé]daction|redazione|redakce|editor(?:s|ial)?|desk|team|newsroom|red|"
    r"agenturen|agencies|wires?|gmbh|ltd|llc|inc|verlag|developer|admin|"
    r"journalist(?:in)?|reporter(?:in)?|korrespondent(?:in)?|correspondent|photographer|fotograf(?:in)?|"
    r"contributor|columnist|kolumnist(?:in)?|chefredakteur(?:in)?)\b",
    re.I,
)
# host labels that say nothing about the site (www, second-level and generic domains)
_GENERIC_HOST_LABELS = {"www", "m", "amp", "news", "com", "co", "org", "net", "gov", "edu", "ac", "online", "web"}
# a URL slug ("chuck-ross") left in a byline field by a CMS
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")
MAX_NAME_WORDS = 6


def clean_name(raw: str) -> str:
    """One person's name without "By", brackets, e-mail or trailing role."""
    name = text_of(raw)
    name = _EMAIL.sub("", name)
    name = _BRACKETS.sub(" ", name)
    previous = None
    while previous != name:
        previous = name
        name = _BY.sub("", name).strip(" :,-–—|")
    return text_of(name)


def _is_name(name: str) -> bool:
    if not name or name.startswith("@") or re.match(r"https?://|www\.", name) or "@" in name:
        return False
    words = name.split()
    if len(words) > MAX_NAME_WORDS or not any(ch.isalpha() for ch in name):
        return False
    return not re.search(r"\d", name)


def _is_site(name: str, site: set[str]) -> bool:
    squashed = _ALNUM.sub("", name.casefold())
    return bool(squashed) and any(
        squashed == token or (len(token) >= 4 and token in squashed) or (len(squashed) >= 4 and squashed in token) for token in site
    )


def _host_label(url: str | None) -> str:
    """The host's distinctive label ("mdr" for www.mdr.de, "bbc" for news.bbc.co.uk); '' without one."""
    host = (urlsplit(url or "").hostname or "").lower()
    labels = [_ALNUM.sub("", label) for label in host.split(".")[:-1] if label not in _GENERIC_HOST_LABELS]
    return next((label for label in labels if len(label) >= 3), "")


def _named_after_host(name: str, label: str) -> bool:
    """The name starts with the site's host name: a desk ("MDR THÜRINGEN") or a CMS account ("Ilanga D")."""
    words = name.split()
    first = _ALNUM.sub("", words[0].casefold()) if words else ""
    return len(first) >= 3 and bool(label) and (first == label or (len(first) >= 4 and label.startswith(first)))


def split_names(byline: str) -> list[str]:
    """The people of one byline string ("By A, B and C" -> [A, B, C])."""
    byline = _EMAIL.sub("", text_of(byline))
    byline = _BY.sub("", byline)
    parts = [clean_name(part) for part in _LIST.split(byline)]
    return [p for p in parts if p]


def _person_names(names: list[str], site: set[str], host_label: str = "") -> list[str]:
    out: list[str] = []
    for name in names:
        if not _is_name(name) or _SLUG.match(name) or _NOT_PERSON.search(name):
            continue
        if _is_site(name, site) or _named_after_host(name, host_label):
            continue
        if name.casefold() not in (n.casefold() for n in out):
            out.append(name)
    return out


def choose_authors(meta: PageMeta, byline: str | None = None, url: str | None = None) -> list[str]:
    """The article's authors as people (see module doc); [] when the page names none."""
    site = site_tokens(meta.site_names, url)
    host_label = _host_label(url)
    # typed `Person` (some CMSs write ["Person", "Organization"]) or untyped: maybe a person
    people = [n for n, kind in meta.json_ld_authors if "person" in kind.lower() or "organization" not in kind.lower()]
    visible = [_person_names(split_names(line), site, host_label) for line in meta.bylines]
    sources = [
        [name for raw in people for name in split_names(raw)],
        [name for raw in meta.meta_authors for name in split_names(raw)],
        split_names(byline or "") if byline else [],
        *visible,
        [name for raw, _ in meta.json_ld_authors for name in split_names(raw)],
    ]
    for names in sources:
        found = _person_names(names, site, host_label)
        if found:
            return _completed(found, visible)
    return []  # only the site, a desk or nothing: no person to name


def _completed(found: list[str], visible: list[list[str]]) -> list[str]:
    """The visible byline that names everyone found and more (metadata often lists the first author only)."""
    keys = {name.casefold() for name in found}
    for names in visible:
        if keys < {name.casefold() for name in names}:
            return names
    return found
