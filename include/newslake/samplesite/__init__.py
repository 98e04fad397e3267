"""Bundled offline sample news site: three fictional publishers served on 127.0.0.1.

Used by the demo and by every test that needs "the web". Content is generated deterministically
(`content.py` from `stories.py`), rendered once per server start (`render.py`) and served by a
stdlib HTTP server (`server.py`). `SampleSite.manifest()` is the ground truth to compare against.

    with SampleSite() as site:
        site.sources_yaml()                     # sources config pointing at the server
        site.articles_published_between(a, b)   # expected articles for an interval
"""

from newslake.samplesite.content import SITE_FIRST_DAY, SITE_LAST_DAY, SITE_NOW
from newslake.samplesite.server import RequestRecord, SampleArticle, SampleSite

__all__ = ["SampleSite", "SampleArticle", "RequestRecord", "SITE_FIRST_DAY", "SITE_LAST_DAY", "SITE_NOW"]
