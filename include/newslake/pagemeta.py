"""Page metadata: parsed HTML tree -> `PageMeta` (what the page says about itself, read once).

Open Graph / Twitter cards, `<meta>` authors, JSON-LD objects, the raw `<title>`, and the `<h1>`s
and visible bylines outside page chrome. Headline, author and body-witness choices (`headline.py`,
`authors.py`, `witness.py`) work on this record, so no module walks the tree or parses JSON-LD twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

__all__ = ["PageMeta", "read_page_meta", "json_ld_objects", "text_of", "visible_bylines"]

# JSON-LD types that describe the article itself (not the site, a video or a breadcrumb)
_ARTICLE_TYPE = re.compile(r"Article|BlogPosting|Report|NewsArticle|LiveBlogPosting|WebPage|Posting", re.I)
_ORG_TYPE = re.compile(r"Organization|Corporation|NewsMediaOrganization|WebSite|Brand", re.I)
_PERSON_TYPE = re.compile(r"\bPerson\b", re.I)
# chrome containers whose `<h1>` is a logo or a teaser, not the article's headline
_CHROME = re.compile(r"\b(?:nav|menu|logo|masthead|header-logo|site-title|brand|teaser|related|sidebar|footer|modal|popup)\b", re.I)
_CHROME_TAGS = {"nav", "footer", "aside"}
_SPACE = re.compile(r"\s+")
# class/id words of a visible byline element (whole words: "author-bio", "comment-author" are not)
_BYLINE_CLASS = re.compile(r"(?:^|\s)(?:byline|by-line|author|authors|autor|autoren|author-?name|byline-?name)(?:\s|$)", re.I)
# a link to the author's page ("/autoren/name/max-kolter", "/author/jane-doe/")
_AUTHOR_HREF = re.compile(r"/(?:authors?|autor(?:en|in)?|journalists?)/[^/?#]+", re.I)
MAX_BYLINE_CHARS = 100  # longer: a whole header or an author's biography, not a byline
# <meta> keys that name the author (values that are URLs are profile links, not names)
_AUTHOR_METAS = ("author", "article:author", "dc.creator", "dcterms.creator", "parsely-author", "sailthru.author", "byl", "twitter:creator")


def text_of(value: str | None) -> str:
    """Whitespace collapsed and stripped (no-break spaces included); '' for None."""
    return _SPACE.sub(" ", value or "").strip()


@dataclass
class PageMeta:
    """Self-descriptions of one page, each as the page wrote it (whitespace collapsed)."""

    title_tag: str | None = None  # the raw `<title>`
    og_title: str | None = None
    twitter_title: str | None = None
    site_names: list[str] = field(default_factory=list)  # og:site_name, application-name, JSON-LD publisher/WebSite
    json_ld_headlines: list[str] = field(default_factory=list)  # `headline`/`name` of article objects
    json_ld_bodies: list[str] = field(default_factory=list)  # `articleBody` of article objects
    json_ld_authors: list[tuple[str, str]] = field(default_factory=list)  # (name, @type or "")
    meta_authors: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)  # og:/twitter:/meta/JSON-LD description
    h1s: list[str] = field(default_factory=list)  # `<h1>` texts outside chrome, document order
    # visible bylines outside chrome and comments, document order; "A; B" when one block names several
    bylines: list[str] = field(default_factory=list)


def _loads(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        try:  # trailing commas, raw control characters: common in CMS output
            return json.loads(re.sub(r",\s*([}\]])", r"\1", raw), strict=False)
        except ValueError:
            return None


def walk_json(node: Any) -> Iterable[dict]:
    """Every dict of a parsed JSON-LD document, nested ones included, in document order."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk_json(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_json(value)


def json_ld_types(obj: dict) -> list[str]:
    """The `@type` names of a JSON-LD object (a string or a list of them)."""
    kind = obj.get("@type", [])
    return [k for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)]


def json_ld_objects(tree: etree._Element) -> list[dict]:
    """Every JSON object (nested ones included) of the page's `application/ld+json` scripts."""
    found: list[dict] = []
    for script in tree.xpath('//script[contains(translate(@type,"LDJSON","ldjson"),"ld+json")]'):
        data = _loads((script.text or "").strip())
        if data is not None:
            found.extend(walk_json(data))
    return found


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _names(value: Any) -> list[tuple[str, str]]:
    """(name, type) of a JSON-LD author/publisher value: a string, an object or a list of them."""
    out: list[tuple[str, str]] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            out.append((item, ""))
        elif isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, list):
                name = " ".join(n for n in name if isinstance(n, str))
            if isinstance(name, str):
                out.append((name, " ".join(json_ld_types(item))))
    return [(text_of(n), t) for n, t in out if text_of(n)]


def _in_chrome(el: etree._Element) -> bool:
    for anc in el.iterancestors():
        tag = anc.tag if isinstance(anc.tag, str) else ""
        if tag in ("body", "html", "article", "main"):
            return False
        if tag in _CHROME_TAGS:
            return True
        attrs = " ".join(filter(None, (anc.get("class"), anc.get("id"))))
        if attrs and _CHROME.search(attrs):
            return True
    return False


def _element_text(el: etree._Element) -> str:
    """Visible text of an element (scripts and styles inside it left out)."""
    return text_of("".join(el.xpath(".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]")))


def _is_byline(el: etree._Element) -> bool:
    if el.tag == "a" and ("author" in (el.get("rel") or "").lower().split() or _AUTHOR_HREF.search(el.get("href") or "")):
        return True
    return bool(_BYLINE_CLASS.search(f"{el.get('class') or ''} {el.get('id') or ''}"))


def _in_comments(el: etree._Element) -> bool:
    return any("comment" in " ".join(filter(None, (a.get("class"), a.get("id")))).lower() for a in el.iterancestors())


def visible_bylines(tree: etree._Element) -> list[str]:
    """Texts of the page's byline elements: `rel="author"` links, links to an author's page, and
    elements whose class or id is "byline" or "author".

    The outermost such element counts; byline elements side by side under one parent (one block
    per author) make one byline "A; B", so a block naming two people is not read as two bylines.
    """
    groups: dict[etree._Element, list[str]] = {}
    taken: set[etree._Element] = set()
    for el in tree.iter("*"):
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "noscript", "meta", "link") or not _is_byline(el):
            continue
        if any(a in taken for a in el.iterancestors()) or _in_chrome(el) or _in_comments(el):
            continue
        text = _element_text(el)
        if not text or len(text) > MAX_BYLINE_CHARS:
            continue
        taken.add(el)
        parent = el.getparent()
        groups.setdefault(parent if parent is not None else el, []).append(text)
    return list(dict.fromkeys("; ".join(dict.fromkeys(texts)) for texts in groups.values()))


def read_page_meta(tree: etree._Element) -> PageMeta:
    """Collect the page's self-descriptions in one pass over `<meta>`, JSON-LD, `<title>` and `<h1>`."""
    meta = PageMeta()
    title = tree.find(".//title")
    if title is not None:
        meta.title_tag = text_of(title.text_content()) or None
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        value = text_of(node.get("content"))
        if not key or not value:
            continue
        if key == "og:title":
            meta.og_title = meta.og_title or value
        elif key == "twitter:title":
            meta.twitter_title = meta.twitter_title or value
        elif key in ("og:site_name", "application-name", "twitter:site", "publisher", "dc.publisher"):
            meta.site_names.append(value.lstrip("@"))
        elif key in ("description", "og:description", "twitter:description"):
            meta.descriptions.append(value)
        elif key in _AUTHOR_METAS and not re.match(r"https?://|www\.", value):
            meta.meta_authors.append(value)
    for obj in json_ld_objects(tree):
        kinds = " ".join(json_ld_types(obj))
        # a journalist's profile typed ["Person", "Organization"] (some WordPress SEO plugins) is a
        # person, not the site: as a site name it would strike the author from the byline
        if _ORG_TYPE.search(kinds) and not _ARTICLE_TYPE.search(kinds) and not _PERSON_TYPE.search(kinds):
            meta.site_names.extend(n for n, _ in _names(obj.get("name")) if n)
            continue
        if not _ARTICLE_TYPE.search(kinds):
            continue
        for key in ("headline", "alternativeHeadline"):
            meta.json_ld_headlines.extend(text_of(h) for h in _strings(obj.get(key)) if text_of(h))
        meta.json_ld_bodies.extend(b for b in _strings(obj.get("articleBody")) if b.strip())
        meta.descriptions.extend(text_of(d) for d in _strings(obj.get("description")) if text_of(d))
        meta.json_ld_authors.extend(_names(obj.get("author")) + _names(obj.get("creator")))
        meta.site_names.extend(n for n, _ in _names(obj.get("publisher")))
    for head in tree.iter("h1"):
        text = _element_text(head)
        if text and not _in_chrome(head):
            meta.h1s.append(text)
    meta.bylines = visible_bylines(tree)
    meta.site_names = list(dict.fromkeys(s for s in meta.site_names if s))
    meta.descriptions = list(dict.fromkeys(meta.descriptions))
    return meta
