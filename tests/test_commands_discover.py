import json
from pathlib import Path

from newslake.cli import main

SITEMAP = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/a</loc><image:image><image:loc>https://cdn.example/a.jpg</image:loc></image:image>
<news:news><news:publication_date>2025-03-07T01:00:00+05:30</news:publication_date></news:news></url>
<url><loc>https://news.example/b</loc><lastmod>2025-03-07T12:00:00Z</lastmod></url>
<url><loc>https://news.example/c</loc></url>
<url><loc>https://cdn.example/d.jpg</loc></url>
</urlset>"""


def test_discover_a_local_file_as_json_lines_without_network(tmp_path, capsys):
    path = tmp_path / "sitemap.xml"
    path.write_bytes(SITEMAP)
    assert main(["discover", str(path), "--jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["url"] for r in rows] == ["https://news.example/a", "https://news.example/b", "https://news.example/c", "https://cdn.example/d.jpg"]
    assert rows[0]["listed_at"] == "2025-03-06T19:30:00+00:00" and rows[0]["listed_as_written"] == "2025-03-07T01:00:00+05:30"
    assert rows[0]["kind"] == "page" and rows[3]["why"] == "not a page"


def test_discover_with_a_date_says_what_a_run_keeps_and_why(tmp_path, capsys):
    path = tmp_path / "sitemap.xml"
    path.write_bytes(SITEMAP)
    assert main(["discover", str(path), "--jsonl", "--date", "2025-03-07"]) == 0
    verdicts = {r["url"].rsplit("/", 1)[1]: (r["kept"], r["why"]) for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert verdicts["a"] == (False, "listed on another day")  # 01:00 in India is the 6th in UTC
    assert verdicts["b"] == (True, "in interval")
    assert verdicts["c"][0] is True and verdicts["d.jpg"] == (False, "not a page")


def test_discover_an_unknown_source_is_a_one_line_error(tmp_path, capsys):
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - name: known\n    feeds: ['https://example.com/rss.xml']\n")
    assert main(["discover", "unknown", "--sources", str(sources)]) == 2
    assert "neither a file" in capsys.readouterr().err
    assert main(["discover", str(Path(tmp_path / "empty.xml"))]) == 2  # no such file, and not a source either


def test_discover_a_configured_source_follows_its_index_with_follow(tmp_path, capsys, monkeypatch):
    from tests.localserver import LocalServer, Reply

    xml = {"Content-Type": "application/xml"}
    with LocalServer({"/robots.txt": Reply(404, b"")}) as server:
        index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>/child.xml</loc><lastmod>2020-01-01</lastmod></sitemap></sitemapindex>'
        server.routes.update({"/index.xml": Reply(200, index, xml), "/child.xml": Reply(200, SITEMAP, xml)})
        sources = tmp_path / "sources.yaml"
        sources.write_text(f"sources:\n  - name: local\n    sitemaps: ['{server.base}/index.xml']\n    politeness: {{min_delay_seconds: 0}}\n")
        monkeypatch.setenv("NEWSLAKE_ALLOWED_PRIVATE_NETWORKS", "127.0.0.1/32")
        assert main(["discover", "local", "--sources", str(sources), "--jsonl"]) == 0
        shallow = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert main(["discover", "local", "--sources", str(sources), "--jsonl", "--follow", "--date", "2025-03-07"]) == 0
        deep = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["url"].removeprefix(server.base), r["kind"]) for r in shallow] == [("/child.xml", "sitemap")]
    assert [r["url"].rsplit("/", 1)[1] for r in deep] == ["child.xml", "a", "b", "c", "d.jpg"]
    assert deep[0]["why"] == "child sitemap: read" and deep[2]["kept"] is True
