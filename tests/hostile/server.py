"""A loopback news site that misbehaves on purpose, with the ground truth of what must happen.

`HostileSite` serves good articles (which must all land) next to one route per fault: timeouts,
trickled bodies, resets, 429/5xx, redirect loops and chains, redirects to private, link-local and
metadata addresses, oversized and gzip-bomb bodies, wrong charsets, binary files as HTML, broken
and empty HTML, XML entity attacks, a multi-megabyte sitemap, absurd dates, duplicate URLs with
tracking parameters and a robots.txt that disallows part of the site. Each fault declares its
expected outcome (`Fault.expect`): a `failures` row of a stage with a reason, or an article.

Everything listens on 127.0.0.1 only; the run under test must allow-list just 127.0.0.1/32, so
127.0.0.2 stands in for "another loopback service" that must be refused: `internal` listens
there and counts every connection (URLs that parsers read differently point at it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.server
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable

from tests.hostile.services import CountingService

DAY = dt.date(2025, 3, 7)
UTC = dt.timezone.utc
Handler = http.server.BaseHTTPRequestHandler


@dataclasses.dataclass(frozen=True)
class Fault:
    """One misbehaviour and what newslake must make of it."""

    name: str
    url: str  # as listed (feed/sitemap entry) or the listing itself for discover faults
    expect: str  # "failure" | "article"
    stage: str = "fetch"  # for failures: discover | fetch | extract
    reason: str = ""  # substring of the failure reason
    title: str = ""  # for articles: the title that must land


@dataclasses.dataclass(frozen=True)
class GoodArticle:
    path: str
    title: str
    published: dt.datetime


def article_html(title: str, published: dt.datetime | str, *, words: str = "", charset_meta: str | None = "utf-8") -> str:
    """A plain, well-formed news article page (JSON-LD + meta date, four paragraphs)."""
    when = published if isinstance(published, str) else published.isoformat().replace("+00:00", "Z")
    slug = title.lower().replace(" ", "-")
    paragraphs = [
        f"The harbour council of Eastmoor met on Friday to discuss {title.lower()}, a question that has divided residents for months {words}.",
        f"Officials said the review of {slug} would report before the summer, and that every household in the district would be asked for its view.",
        "Local traders welcomed the decision but warned that delays to the ferry timetable were already costing them customers every week.",
        f"A spokesperson for the council added that the figures behind {title.lower()} would be published in full on the council website next month.",
    ]
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="en"><head>{meta}<title>{title} | Eastmoor Courier</title>
<meta property="og:title" content="{title}"><meta property="article:published_time" content="{when}">
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{title}", "datePublished": "{when}"}}</script>
</head><body><nav><a href="/">Home</a> <a href="/news/">News</a></nav>
<article><h1>{title}</h1><time datetime="{when}">{when}</time>
{body}
</article><footer>Copyright Eastmoor Courier</footer></body></html>"""


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), UTC)


class HostileSite:
    """The misbehaving site; use as a context manager. `faults` and `good` are the ground truth."""

    def __init__(self, *, big_sitemap_entries: int = 30_000, bomb_mb: int = 64):
        self.hits: Counter = Counter()
        self.hit_times: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._routes: dict[str, Callable[[Handler], None]] = {}
        self._stop = threading.Event()
        site = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                path = self.path
                with site._lock:
                    site.hits[path] += 1
                    site.hit_times.setdefault(path, []).append(time.monotonic())
                route = site._routes.get(path) or site._routes.get(path.split("?")[0])
                try:
                    if route is None:
                        site._send(self, 404, b"not found", "text/plain")
                    else:
                        route(self)
                except OSError:
                    pass  # the client gave up: that is the point of several routes

            def log_message(self, *args) -> None:
                pass

        class _Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                pass  # resets and aborted reads are expected here

        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self.port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._blackhole = self._make_blackhole()
        self.internal = CountingService("127.0.0.2")
        self.good: list[GoodArticle] = []
        self.faults: list[Fault] = []
        self.feed_items: list[tuple[str, str | None]] = []  # (url, pubDate text)
        self.sitemap_items: list[tuple[str, str | None]] = []
        self._big_sitemap_entries = big_sitemap_entries
        self._bomb_mb = bomb_mb
        self._build()
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> HostileSite:
        self._thread.start()
        self.internal.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self.internal.__exit__(*exc)
        for sock in self._blackhole:
            sock.close()

    def _make_blackhole(self) -> list[socket.socket]:
        """A port whose accept queue is full: SYNs are dropped, so connecting times out."""
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            try:
                filler.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fillers.append(filler)
        time.sleep(0.05)
        self.blackhole_base = f"http://127.0.0.1:{port}"
        return [listener, *fillers]

    def sources_yaml(self) -> str:
        return (
            "sources:\n"
            "  - name: hostile\n"
            f"    feeds: [{self.base}/feed.xml, {self.base}/feed-xxe.xml, {self.base}/feed-as-html.xml]\n"
            f"    sitemaps: [{self.base}/sitemap-index.xml]\n"
            "    politeness: {min_delay_seconds: 0, respect_robots: true}\n"
        )

    # ------------------------------------------------------------------ responses
    @staticmethod
    def _send(h: Handler, status: int, body: bytes, content_type: str | None = "text/html; charset=utf-8", headers: dict | None = None) -> None:
        h.send_response(status)
        if content_type:
            h.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        if "Content-Length" not in (headers or {}):
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _static(self, body: bytes, content_type: str | None = "text/html; charset=utf-8", status: int = 200, headers: dict | None = None):
        return lambda h: self._send(h, status, body, content_type, headers)

    def _redirect(self, location: str, status: int = 302):
        return lambda h: self._send(h, status, b"", "text/html", {"Location": location})

    def _nth(self, path: str, first: list[Callable[[Handler], None]], then: Callable[[Handler], None]):
        """Serve `first[i]` on the i-th request of `path`, then `then` for ever."""

        def route(h: Handler) -> None:
            n = self.hits[path] - 1
            (first[n] if n < len(first) else then)(h)

        return route

    def _reset(self, h: Handler) -> None:
        """Headers and part of the body, then a TCP reset."""
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", "20000")
        h.end_headers()
        h.wfile.write(b"<html><body><p>The first part of the story arrives and then the line goes")
        h.wfile.flush()
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()

    def _slowloris(self, h: Handler) -> None:
        """Headers at once, then one byte every 0.1 s (each read is quick, the body never ends)."""
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        for _ in range(600):
            if self._stop.is_set():
                return
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.1)

    def _stall(self, h: Handler) -> None:
        """Accept the request, never answer in time (read timeout)."""
        self._stop.wait(3)

    def _endless(self, h: Handler) -> None:
        """No Content-Length, a body that goes on for megabytes."""
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.end_headers()
        chunk = b"<p>" + b"all work and no play " * 50 + b"</p>\n"
        for _ in range(4000):  # ~4 MB
            h.wfile.write(chunk)

    # ------------------------------------------------------------------ the site
    def _good(self, path: str, title: str, published: dt.datetime, *, listed: str | None = "feed", listed_date: str | None = "auto") -> str:
        html = article_html(title, published).encode("utf-8")
        self._routes[path] = self._static(html)
        self.good.append(GoodArticle(path, title, published))
        url = self.base + path
        when = published.strftime("%a, %d %b %Y %H:%M:%S +0000") if listed_date == "auto" else listed_date
        if listed == "feed":
            self.feed_items.append((url, when))
        elif listed == "sitemap":
            self.sitemap_items.append((url, published.isoformat() if listed_date == "auto" else listed_date))
        return url

    def _fault(
        self,
        name: str,
        path_or_url: str,
        expect: str,
        *,
        stage: str = "fetch",
        reason: str = "",
        title: str = "",
        listed: str | None = "feed",
        date: str | None = "auto",
    ) -> str:
        url = path_or_url if "://" in path_or_url else self.base + path_or_url
        self.faults.append(Fault(name, url, expect, stage, reason, title))
        when = _at(12).strftime("%a, %d %b %Y %H:%M:%S +0000") if date == "auto" else date
        if listed == "feed":
            self.feed_items.append((url, when))
        elif listed == "sitemap":
            self.sitemap_items.append((url, _at(12).isoformat() if date == "auto" else date))
        return url

    def _build(self) -> None:
        r = self._routes
        r["/robots.txt"] = self._static(b"User-agent: *\nDisallow: /private/\n", "text/plain")

        # good articles, listed in the feed and the news sitemap
        for i in range(1, 9):
            self._good(f"/news/good-{i}", f"Ferry timetable review part {i}", _at(1 + i, 5 * i), listed="feed" if i % 2 else "sitemap")

        # ---- network faults
        self._fault("connect timeout", self.blackhole_base + "/news/unreachable", "failure", reason="ConnectTimeout")
        r["/news/read-timeout"] = self._stall
        self._fault("read timeout", "/news/read-timeout", "failure", reason="ReadTimeout")
        r["/news/slowloris"] = self._slowloris
        self._fault("slowloris trickle", "/news/slowloris", "failure", reason="max_fetch_seconds")
        good_reset = article_html("Reset once then served", _at(9)).encode()
        r["/news/reset-once"] = self._nth("/news/reset-once", [self._reset], self._static(good_reset))
        self._fault("connection reset mid-body (then recovers)", "/news/reset-once", "article", title="Reset once then served")
        r["/news/reset-always"] = self._reset
        self._fault("connection reset mid-body (always)", "/news/reset-always", "failure", reason="network error while reading body")

        # ---- status faults
        busy = self._static(b"slow down", "text/plain", 429, {"Retry-After": "1"})
        r["/news/429-once"] = self._nth("/news/429-once", [busy], self._static(article_html("Rate limited then served", _at(10)).encode()))
        self._fault("429 with Retry-After 1 s", "/news/429-once", "article", title="Rate limited then served")
        r["/news/429-forever"] = self._static(b"go away", "text/plain", 429, {"Retry-After": "3600"})
        self._fault("429 with Retry-After 1 h", "/news/429-forever", "failure", reason="exceeds max_backoff_seconds")
        unavailable = self._static(b"unavailable", "text/plain", 503)
        error = self._static(b"error", "text/plain", 500)
        r["/news/5xx-burst"] = self._nth(
            "/news/5xx-burst", [unavailable, error], self._static(article_html("Served after a burst of errors", _at(11)).encode())
        )
        self._fault("burst of 503/500 then OK", "/news/5xx-burst", "article", title="Served after a burst of errors")
        r["/news/500-always"] = error
        self._fault("500 for ever", "/news/500-always", "failure", reason="HTTP 500")

        # ---- redirects
        r["/loop/a"] = self._redirect("/loop/b")
        r["/loop/b"] = self._redirect("/loop/a")
        self._fault("redirect loop", "/loop/a", "failure", reason="redirect loop")
        for i in range(30):
            r[f"/chain/{i}"] = self._redirect(f"/chain/{i + 1}", 301)
        self._fault("redirect chain of 30", "/chain/0", "failure", reason="more than 5 redirects")
        r["/news/moved"] = self._redirect("/news/moved-here", 301)
        r["/news/moved-here"] = self._static(article_html("Moved permanently but fine", _at(13)).encode())
        self._fault("two-hop redirect to a good page", "/news/moved", "article", title="Moved permanently but fine")
        for name, path, target, reason in [
            ("redirect to cloud metadata", "/news/to-metadata", "http://169.254.169.254/latest/meta-data/", "169.254.169.254 is link-local"),
            ("redirect to 10.x", "/news/to-private", "http://10.0.0.7/admin", "10.0.0.7 is private"),
            ("redirect to 127.0.0.2 (not allow-listed)", "/news/to-loopback", f"http://127.0.0.2:{self.port}/news/good-1", "127.0.0.2 is loopback"),
            ("redirect to ::1", "/news/to-ipv6-loopback", f"http://[::1]:{self.port}/", "::1 is loopback"),
            ("redirect to multicast", "/news/to-multicast", "http://224.0.0.1/", "is multicast"),
            ("redirect to file://", "/news/to-file", "file:///etc/passwd", "scheme 'file'"),
            ("redirect into robots-disallowed path", "/news/to-private-path", "/private/leak", "disallowed by robots.txt"),
        ]:
            r[path] = self._redirect(target)
            self._fault(name, path, "failure", reason=reason)
        # parser differentials: urlsplit reads the host after '@' (127.0.0.1, allowed), urllib3 the
        # one before the backslash (the internal service)
        sneaky = f"{self.internal.base}\\@127.0.0.1:{self.port}/admin"
        self._fault("backslash URL listed (parsers disagree on the host)", sneaky, "failure", reason="backslash")
        r["/news/to-backslash"] = self._redirect(sneaky)
        self._fault("redirect Location with a backslash", "/news/to-backslash", "failure", reason="backslash")
        r["/news/to-userinfo"] = self._redirect(f"http://127.0.0.1:{self.port}@{self.internal.host}:{self.internal.port}/admin")
        self._fault("redirect Location with userinfo", "/news/to-userinfo", "failure", reason="userinfo")
        self._fault("6to4 address embedding the metadata IP", "http://[2002:a9fe:a9fe::1]/latest/meta-data/", "failure", reason="embedded 169.254.169.254")
        self._fault("metadata address listed directly", "http://169.254.169.254/latest/meta-data/iam/", "failure", reason="link-local")
        self._fault("private address listed directly", "http://10.1.2.3/internal/report", "failure", reason="private")
        r["/private/secret"] = self._static(article_html("Must never be fetched", _at(12)).encode())
        r["/private/leak"] = r["/private/secret"]
        self._fault("robots.txt disallows", "/private/secret", "failure", reason="disallowed by robots.txt")

        # ---- bodies
        r["/news/huge-declared"] = lambda h: self._send(h, 200, b"<html>", headers={"Content-Length": "900000000"})
        self._fault("declared body over the limit", "/news/huge-declared", "failure", reason="exceeds the limit")
        r["/news/huge-streamed"] = self._endless
        self._fault("streamed body over the limit", "/news/huge-streamed", "failure", reason="exceeds the limit")
        bomb = _gzip_bomb(self._bomb_mb)
        r["/news/gzip-bomb"] = self._static(bomb, "text/html", headers={"Content-Encoding": "gzip"})
        self._fault(f"gzip bomb ({len(bomb) // 1024} KiB -> {self._bomb_mb} MiB)", "/news/gzip-bomb", "failure", reason="after decompression")
        cp1252 = article_html(
            "Caf\u00e9 owners say \u201cna\u00efve\u201d plan costs \u20ac5", _at(14), words="caf\u00e9 cr\u00e8me \u2013 \u20ac10"
        ).encode("cp1252")
        r["/news/cp1252-as-utf8"] = self._static(cp1252, "text/html; charset=utf-8")
        self._fault(
            "cp1252 bytes declared UTF-8", "/news/cp1252-as-utf8", "article", title="Caf\u00e9 owners say \u201cna\u00efve\u201d plan costs \u20ac5"
        )
        latin = article_html("Cr\u00e8me br\u00fbl\u00e9e stall reopens", _at(15), charset_meta=None).encode("latin-1")
        r["/news/no-charset"] = self._static(latin, "text/html")
        self._fault("latin-1 bytes with no charset", "/news/no-charset", "article", title="Cr\u00e8me br\u00fbl\u00e9e stall reopens")
        r["/news/pdf-as-html"] = self._static(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) * 8)
        self._fault("PDF served as text/html", "/news/pdf-as-html", "failure", reason="binary content (PDF)")
        r["/news/png-as-html"] = self._static(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(2000))
        self._fault("PNG served as text/html", "/news/png-as-html", "failure", reason="binary content (PNG image)")
        full = article_html("Truncated page still readable", _at(16)).encode()
        r["/news/truncated"] = self._static(full[: full.index(b"A spokesperson") + 40])
        self._fault("truncated HTML", "/news/truncated", "article", title="Truncated page still readable")
        malformed = (
            article_html("Malformed markup still readable", _at(17))
            .replace("</p>", "")
            .replace("<article>", "<article><div><span>")
            .replace("</article>", "</b></i></td></article></div>")
        )
        r["/news/malformed"] = self._static(malformed.encode())
        self._fault("malformed HTML", "/news/malformed", "article", title="Malformed markup still readable")
        r["/news/garbage"] = self._static(b"<html><<<>>><body><div><div><div></span>&&&;;;" + b"<b>" * 500 + b"</html>")
        self._fault("tag soup without text", "/news/garbage", "failure", stage="extract", reason="no article body")
        r["/news/empty"] = self._static(b"")
        self._fault("empty 200", "/news/empty", "failure", reason="empty body")

        # ---- dates and duplicates
        self._good("/news/date-0001", "Listed in year one", _at(18), listed_date="Mon, 01 Jan 0001 00:00:00 +0000")
        self.faults.append(Fault("listing dated year 0001", self.base + "/news/date-0001", "article", title="Listed in year one"))
        self._good("/news/date-2099", "Listed in twenty ninety nine", _at(19), listed_date="Thu, 01 Jan 2099 00:00:00 +0000")
        self.faults.append(Fault("listing dated 2099", self.base + "/news/date-2099", "article", title="Listed in twenty ninety nine"))
        self._good("/news/date-garbage", "Listed with a nonsense date", _at(20), listed_date="the day after yesterday")
        self.faults.append(
            Fault("listing with an unparseable date", self.base + "/news/date-garbage", "article", title="Listed with a nonsense date")
        )
        r["/news/page-2099"] = self._static(article_html("Page claims the year 2099", "2099-06-01T00:00:00Z").encode())
        self._fault("page dated 2099", "/news/page-2099", "article", title="Page claims the year 2099")
        dup = self._good("/news/dup", "Listed three times with tracking", _at(21), listed=None)
        self.feed_items.append((dup + "?utm_source=rss&utm_medium=feed", _at(21).strftime("%a, %d %b %Y %H:%M:%S +0000")))
        self.sitemap_items.append((dup, _at(21).isoformat()))
        self.sitemap_items.append((dup + "?fbclid=IwAR0abc#comments", _at(21).isoformat()))
        self.faults.append(Fault("duplicate URLs with tracking parameters", dup, "article", title="Listed three times with tracking"))
        r["/go/good-1"] = self._redirect("/news/good-1", 301)
        self._fault("second URL redirecting to a listed article", "/go/good-1", "article", title="Ferry timetable review part 1")

        # ---- listings
        r["/feed.xml"] = lambda h: self._send(h, 200, self._rss(self.feed_items), "application/rss+xml")
        r["/sitemap-news.xml"] = lambda h: self._send(h, 200, self._urlset(self.sitemap_items), "application/xml")
        r["/canary"] = self._static(b"leaked", "text/plain")
        xxe = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY leak SYSTEM "file:///etc/passwd"><!ENTITY canary SYSTEM "{self.base}/canary">]>
<rss version="2.0"><channel><title>x</title><item><link>{self.base}/news/&leak;&canary;</link></item></channel></rss>""".encode()
        r["/feed-xxe.xml"] = self._static(xxe, "application/rss+xml")
        self._fault("feed with XML external entities", "/feed-xxe.xml", "failure", stage="discover", reason="declares XML entities", listed=None)
        r["/feed-as-html.xml"] = self._static(b"<html><body>not a feed</body></html>")
        self._fault(
            "feed served as an HTML page", "/feed-as-html.xml", "failure", stage="discover", reason="unexpected content type 'text/html'", listed=None
        )
        laughs = (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10))
            + b']><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://x/&lol9;</loc></url></urlset>'
        )
        r["/sitemap-laughs.xml"] = self._static(laughs, "application/xml")
        self._fault("sitemap with billion laughs", "/sitemap-laughs.xml", "failure", stage="discover", reason="entit", listed=None)
        r["/sitemap-bomb.xml.gz"] = self._static(_gzip_bomb(self._bomb_mb, prefix=b"<urlset>"), "application/x-gzip")
        self._fault("gzip-bomb sitemap", "/sitemap-bomb.xml.gz", "failure", stage="discover", reason="exceeds", listed=None)
        r["/sitemap-to-metadata.xml"] = self._redirect("http://169.254.169.254/latest/meta-data/")
        self._fault("sitemap redirecting to metadata", "/sitemap-to-metadata.xml", "failure", stage="discover", reason="link-local", listed=None)
        big_items = [(f"{self.base}/archive/{i}", "2019-05-01T00:00:00Z") for i in range(self._big_sitemap_entries)]
        big_items[1000] = (self.base + "/news/in-big-sitemap-1", _at(22).isoformat())
        big_items[-1] = (self.base + "/news/in-big-sitemap-2", _at(23).isoformat())
        big = self._urlset(big_items)
        r["/sitemap-big.xml"] = self._static(big, "application/xml")
        for i, hour in ((1, 22), (2, 23)):
            self._good(f"/news/in-big-sitemap-{i}", f"Found in a huge sitemap {i}", _at(hour), listed=None)
        self.faults.append(Fault(f"{len(big) / 1e6:.1f} MB sitemap", self.base + "/sitemap-big.xml", "article", title="Found in a huge sitemap 2"))
        children = ["/sitemap-news.xml", "/sitemap-big.xml", "/sitemap-laughs.xml", "/sitemap-bomb.xml.gz", "/sitemap-to-metadata.xml"]
        index = "".join(f"<sitemap><loc>{self.base}{c}</loc><lastmod>{DAY.isoformat()}</lastmod></sitemap>" for c in children)
        r["/sitemap-index.xml"] = self._static(
            f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>'.encode(),
            "application/xml",
        )

    @staticmethod
    def _rss(items: list[tuple[str, str | None]]) -> bytes:
        def item(url: str, when: str | None) -> str:
            date = f"<pubDate>{when}</pubDate>" if when else ""
            return f"<item><title>t</title><link>{_xml_escape(url)}</link>{date}</item>"

        body = "".join(item(u, w) for u, w in items)
        return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Eastmoor Courier</title>{body}</channel></rss>'.encode()

    @staticmethod
    def _urlset(items: list[tuple[str, str | None]]) -> bytes:
        ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
        parts = [f'<?xml version="1.0" encoding="utf-8"?><urlset {ns}>']
        for url, when in items:
            date = f"<news:news><news:publication_date>{when}</news:publication_date></news:news>" if when else ""
            parts.append(f"<url><loc>{_xml_escape(url)}</loc>{date}</url>")
        parts.append("</urlset>")
        return "".join(parts).encode()


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _gzip_bomb(megabytes: int, prefix: bytes = b"<html><body><p>") -> bytes:
    """`megabytes` MiB of spaces after `prefix`, gzip-compressed to about a thousandth of that."""
    z = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b" " * (1 << 20)
    parts = [z.compress(prefix)]
    parts.extend(z.compress(block) for _ in range(megabytes))
    parts.append(z.flush())
    return b"".join(parts)


__all__ = ["DAY", "Fault", "GoodArticle", "HostileSite", "article_html"]
