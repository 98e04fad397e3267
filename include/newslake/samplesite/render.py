"""Renders the sample site: article content -> HTML pages, RSS/Atom feeds, sitemaps, robots.txt.

Input: `content.build_articles()` and the server's base URL. Output: a route table mapping each
URL path to a `Resource` (content type + body bytes). Rendering is pure; the server only looks
paths up in this table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import json
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import jinja2

from newslake.samplesite.content import (
    PUBLISHERS,
    SITE_NOW,
    UTC,
    ArticleContent,
    Publisher,
    build_articles,
)

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
FEED_SIZE = 20
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

# Where each publisher's feed and sitemap entry point live (relative to the server root).
FEED_PATHS = {"meridian": "/meridian/feed.xml", "harbour": "/harbour/atom.xml", "northgate": "/northgate/rss.xml"}
SITEMAP_PATHS = {
    "meridian": "/meridian/news-sitemap.xml",
    "harbour": "/harbour/sitemap-index.xml",  # index -> one news sitemap per local day (archives)
    "northgate": "/northgate/news-sitemap.xml",
}
DISALLOWED = ("/admin/", "/meridian/private/", "/harbour/private/", "/northgate/private/", "/northgate/search")


@dataclasses.dataclass(frozen=True)
class Resource:
    content_type: str
    body: bytes


# ------------------------------------------------------------------------------ date formats
def us_date(d: dt.datetime) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def us_clock(d: dt.datetime) -> str:
    return f"{d.hour % 12 or 12}:{d:%M} {'a.m.' if d.hour < 12 else 'p.m.'}"


def uk_date(d: dt.datetime) -> str:
    return f"{d.day} {d:%B %Y}"


LIST_DATE = {"meridian": lambda d: d.strftime("%d %b %Y"), "harbour": us_date, "northgate": uk_date}
LISTING_PATHS = {"meridian": "/meridian/section/{}/", "harbour": "/harbour/news/{}/", "northgate": "/northgate/{}/"}


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(us_date=us_date, us_clock=us_clock, uk_date=uk_date)
    return env


# ------------------------------------------------------------------------------------- pages
def _jsonld(a: ArticleContent, url: str, base: str) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "headline": a.title,
        "description": a.first_sentence,
        "articleSection": a.section.title(),
        "datePublished": a.published_local.isoformat(),
        "dateModified": (a.modified_local or a.published_local).isoformat(),
        "author": {"@type": "Person", "name": a.byline},
        "publisher": {
            "@type": "Organization",
            "name": a.publisher.title,
            "logo": {"@type": "ImageObject", "url": f"{base}/meridian/static/logo.png"},
        },
        "inLanguage": "en-GB",
    }
    # "</" must not appear raw inside a <script> element.
    return json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")


def _page_context(pub: Publisher, base: str) -> dict:
    now_local = SITE_NOW.astimezone(pub.zone)
    clock = [
        (city, SITE_NOW.astimezone(zone).strftime("%H:%M"))
        for city, zone in (
            ("Dubai", PUBLISHERS[0].zone),
            ("London", PUBLISHERS[2].zone),
            ("New York", PUBLISHERS[1].zone),
        )
    ]
    return {"pub": pub, "base": base, "now_local": now_local, "clock": clock}


def _article_pages(env: jinja2.Environment, base: str, arts: list[ArticleContent]) -> dict[str, Resource]:
    out: dict[str, Resource] = {}
    latest = sorted(arts, key=lambda a: a.published_at, reverse=True)[:5]
    for i, a in enumerate(arts):
        pub = a.publisher
        url = base + a.path
        # Nearest neighbours from other local days, so every related item shows a different date.
        others = sorted(
            (j for j in range(len(arts)) if arts[j].published_local.date() != a.published_local.date()),
            key=lambda j: (abs(j - i), -j),
        )
        related = [arts[j] for j in others[:3]]
        ctx = _page_context(pub, base) | {"a": a, "url": url, "related": related, "most_read": latest}
        if pub.prefix == "meridian":
            ctx["jsonld"] = _jsonld(a, url, base)
        html = env.get_template(f"{pub.prefix}_article.html").render(ctx)
        out[a.path] = Resource(HTML, html.encode("utf-8"))
    return out


def _listing_pages(
    env: jinja2.Environment, base: str, pub: Publisher, arts: list[ArticleContent]
) -> dict[str, Resource]:
    newest = sorted(arts, key=lambda a: a.published_at, reverse=True)
    tpl = env.get_template("listing.html")
    common = _page_context(pub, base) | {"layout": f"{pub.prefix}_layout.html", "list_date": LIST_DATE[pub.prefix]}
    out = {
        f"/{pub.prefix}/": Resource(
            HTML, tpl.render(common | {"heading": "Latest news", "items": newest[:12]}).encode()
        )
    }
    for section in pub.sections:
        items = [a for a in newest if a.section == section]
        body = tpl.render(common | {"heading": section.title(), "items": items})
        out[LISTING_PATHS[pub.prefix].format(section)] = Resource(HTML, body.encode())
    if pub.prefix == "harbour":
        out["/harbour/news/"] = Resource(HTML, tpl.render(common | {"heading": "News", "items": newest}).encode())
    return out


# ------------------------------------------------------------------------------------- feeds
def _rss(pub: Publisher, base: str, arts: list[ArticleContent], utc_dates: bool) -> bytes:
    newest = sorted(arts, key=lambda a: a.published_at, reverse=True)[:FEED_SIZE]
    now = SITE_NOW if utc_dates else SITE_NOW.astimezone(pub.zone)
    items = []
    for a in newest:
        when = a.published_at if utc_dates else a.published_local
        items.append(
            "    <item>\n"
            f"      <title>{escape(a.title)}</title>\n"
            f"      <link>{escape(base + a.path)}</link>\n"
            f'      <guid isPermaLink="true">{escape(base + a.path)}</guid>\n'
            f"      <description>{escape(a.first_sentence)}</description>\n"
            f"      <category>{escape(a.section.title())}</category>\n"
            f"      <dc:creator>{escape(a.byline)}</dc:creator>\n"
            f"      <pubDate>{email.utils.format_datetime(when, usegmt=utc_dates)}</pubDate>\n"
            "    </item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        "  <channel>\n"
        f"    <title>{escape(pub.title)}</title>\n"
        f"    <link>{base}/{pub.prefix}/</link>\n"
        f'    <atom:link href="{base}{FEED_PATHS[pub.prefix]}" rel="self" type="application/rss+xml"/>\n'
        f"    <description>Latest news from {escape(pub.title)}</description>\n"
        "    <language>en-gb</language>\n"
        f"    <lastBuildDate>{email.utils.format_datetime(now, usegmt=utc_dates)}</lastBuildDate>\n"
        + "\n".join(items)
        + "\n  </channel>\n</rss>\n"
    ).encode("utf-8")


def _atom(pub: Publisher, base: str, arts: list[ArticleContent]) -> bytes:
    newest = sorted(arts, key=lambda a: a.published_at, reverse=True)[:FEED_SIZE]
    entries = []
    for a in newest:
        entries.append(
            "  <entry>\n"
            f"    <title>{escape(a.title)}</title>\n"
            f'    <link rel="alternate" type="text/html" href={quoteattr(base + a.path)}/>\n'
            f"    <id>tag:harbourherald.example,2025:article-{10400 + a.seq}</id>\n"
            f"    <published>{a.published_local.isoformat()}</published>\n"
            f"    <updated>{(a.modified_local or a.published_local).isoformat()}</updated>\n"
            f"    <author><name>{escape(a.byline)}</name></author>\n"
            f'    <category term="{a.section}"/>\n'
            f"    <summary>{escape(a.first_sentence)}</summary>\n"
            "  </entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <title>{escape(pub.title)}</title>\n"
        f'  <link rel="self" href="{base}{FEED_PATHS[pub.prefix]}"/>\n'
        f'  <link rel="alternate" href="{base}/{pub.prefix}/"/>\n'
        "  <id>tag:harbourherald.example,2025:feed</id>\n"
        f"  <updated>{SITE_NOW.astimezone(pub.zone).isoformat()}</updated>\n" + "\n".join(entries) + "\n</feed>\n"
    ).encode("utf-8")


# ---------------------------------------------------------------------------------- sitemaps
def _news_sitemap(pub: Publisher, base: str, arts: list[ArticleContent]) -> bytes:
    urls = []
    for a in arts:
        if a.undated_in_sitemap:
            # Undated on purpose: discovery must keep it and take the date from the page.
            date_xml = ""
        elif pub.prefix == "northgate":
            date_xml = f"      <news:publication_date>{a.published_at:%Y-%m-%dT%H:%M:%SZ}</news:publication_date>\n"
        else:
            date_xml = f"      <news:publication_date>{a.published_local.isoformat()}</news:publication_date>\n"
        urls.append(
            "  <url>\n"
            f"    <loc>{escape(base + a.path)}</loc>\n"
            "    <news:news>\n"
            f"      <news:publication><news:name>{escape(pub.title)}</news:name><news:language>en</news:language></news:publication>\n"
            f"{date_xml}"
            f"      <news:title>{escape(a.title)}</news:title>\n"
            "    </news:news>\n"
            "  </url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n' + "\n".join(urls) + "\n</urlset>\n"
    ).encode("utf-8")


def _daily_sitemaps(pub: Publisher, base: str, arts: list[ArticleContent]) -> dict[str, Resource]:
    """A sitemap index with one news sitemap per *local* publication day."""
    by_day: dict[dt.date, list[ArticleContent]] = defaultdict(list)
    for a in arts:
        by_day[a.published_local.date()].append(a)
    out: dict[str, Resource] = {}
    entries = []
    for day in sorted(by_day):
        path = f"/{pub.prefix}/sitemaps/news-{day:%Y-%m-%d}.xml"
        out[path] = Resource(XML, _news_sitemap(pub, base, by_day[day]))
        lastmod = max((a.modified_local or a.published_local) for a in by_day[day])
        entries.append(
            f"  <sitemap>\n    <loc>{base}{path}</loc>\n    <lastmod>{lastmod.isoformat()}</lastmod>\n  </sitemap>"
        )
    out[SITEMAP_PATHS[pub.prefix]] = Resource(
        XML,
        (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="{SITEMAP_NS}">\n' + "\n".join(entries) + "\n</sitemapindex>\n"
        ).encode("utf-8"),
    )
    return out


def _robots(base: str) -> bytes:
    lines = ["# newslake sample news site", "User-agent: *"]
    lines += [f"Disallow: {path}" for path in DISALLOWED]
    lines += ["", "User-agent: GPTBot", "Disallow: /", ""]
    lines += [f"Sitemap: {base}{SITEMAP_PATHS[p.prefix]}" for p in PUBLISHERS]
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------- the site
def articles_by_publisher() -> dict[str, list[ArticleContent]]:
    grouped: dict[str, list[ArticleContent]] = defaultdict(list)
    for a in build_articles():
        grouped[a.publisher.prefix].append(a)
    return grouped


def render_site(base: str) -> dict[str, Resource]:
    """Every resource the server answers, keyed by URL path (no query string)."""
    env = _env()
    routes: dict[str, Resource] = {}
    grouped = articles_by_publisher()
    for pub in PUBLISHERS:
        arts = grouped[pub.prefix]
        routes |= _article_pages(env, base, arts)
        routes |= _listing_pages(env, base, pub, arts)
        if pub.prefix == "harbour":
            routes[FEED_PATHS[pub.prefix]] = Resource(ATOM, _atom(pub, base, arts))
            routes |= _daily_sitemaps(pub, base, arts)
        else:
            routes[FEED_PATHS[pub.prefix]] = Resource(RSS, _rss(pub, base, arts, utc_dates=pub.prefix == "northgate"))
            routes[SITEMAP_PATHS[pub.prefix]] = Resource(XML, _news_sitemap(pub, base, arts))
        private = env.get_template("private.html").render(
            title=f"{pub.title} - staff area", message="Drafts and embargoed copy. Staff only; not for crawling."
        )
        routes[f"/{pub.prefix}/private/"] = Resource(HTML, private.encode())
    routes["/admin/"] = Resource(
        HTML, env.get_template("private.html").render(title="Administration", message="Sign in required.").encode()
    )
    routes["/robots.txt"] = Resource(TEXT, _robots(base))
    routes["/"] = Resource(HTML, env.get_template("root.html").render(base=base, pubs=PUBLISHERS).encode())
    return routes


__all__ = ["Resource", "render_site", "FEED_PATHS", "SITEMAP_PATHS", "DISALLOWED", "UTC"]
