from newslake.urls import article_id, canonical_url


def test_canonical_url_drops_tracking_fragment_default_port_and_case():
    assert canonical_url("HTTP://Example.COM:80/News/a?utm_source=x&id=3&fbclid=1#top") == "http://example.com/News/a?id=3"


def test_query_parameters_are_sorted_so_order_does_not_matter():
    assert canonical_url("https://e.com/a?b=2&a=1") == canonical_url("https://e.com/a?a=1&b=2")


def test_article_id_is_stable_across_url_variants():
    assert article_id("https://E.com:443/a?utm_medium=rss") == article_id("https://e.com/a#comments")
    assert len(article_id("https://e.com/a")) == 20
    assert article_id("https://e.com/a") != article_id("https://e.com/b")
