"""Benchmark: extract + enrich + geocode over every article of the bundled sample site.

Input: the sample site (`newslake.samplesite.SampleSite`, served on 127.0.0.1), whose manifest
lists, per article, the full names of the people, organisations and places its text mentions.
Output: a table on stdout with
- recall of manifest people / organisations / places found with the right label
  (PERSON; ORG; GPE/LOC/FAC) *and* the right in-article canonical name (the full form);
- PERSON/ORG mention rows whose canonical is a manifest person/organisation of the article
  (short forms merged into the full form: "the Fed" -> "Federal Reserve"; others are
  unmerged short forms or names the manifest does not list);
- place rows: total, spurious (a place row whose entity canonical is not a manifest place of
  that article: misrecognised names, or real places the manifest's fixed list lacks, such as
  "Africa"), unresolved share (no gazetteer record), and the share of place rows of known
  manifest places resolved to that place's country (`EXPECTED_COUNTRY`, ground truth written
  for this benchmark from the sample site's story material); regions must resolve to a
  continent/region record instead.

Run from the repo root: `.venv/bin/python bench/enrich_sample_site.py [--show N]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))

from newslake.enrich import find_entities, load_nlp  # noqa: E402
from newslake.extract import extract_page  # noqa: E402
from newslake.geocode import PLACE_LABELS, Gazetteer, geocode_mentions  # noqa: E402
from newslake.samplesite import SampleSite  # noqa: E402

# Country (ISO 3166-1 alpha-2) of each place the sample site can mention; None for regions,
# which should resolve to a continent/region record rather than to a country.
EXPECTED_COUNTRY: dict[str, str | None] = {
    "Frankfurt": "DE", "Berlin": "DE", "Nairobi": "KE", "Geneva": "CH", "Cupertino": "US",
    "Bengaluru": "IN", "Chennai": "IN", "India": "IN", "New York": "US", "Washington": "US",
    "Dubai": "AE", "Brussels": "BE", "Redmond": "US", "San Francisco": "US", "Santa Clara": "US",
    "Hsinchu": "TW", "London": "GB", "United Kingdom": "GB", "Vienna": "AT", "Paris": "FR",
    "Zurich": "CH", "United States": "US", "Canada": "CA", "Mexico": "MX", "Amman": "JO",
    "Jordan": "JO", "Kenya": "KE", "Tokyo": "JP", "Manhattan": "US", "Mountain View": "US",
    "Dhahran": "SA", "Abu Dhabi": "AE", "Manchester": "GB", "England": "GB", "Houston": "US",
    "Detroit": "US", "Abidjan": "CI", "Nigeria": "NG",
    "Asia": None, "Latin America": None, "East Africa": None, "Europe": None,
}  # fmt: skip
REGION_TYPES = {"continent", "region"}


def fetch_articles(site: SampleSite) -> list[tuple[object, str]]:
    """(manifest entry, extracted text) for every article on the site."""
    import requests

    out = []
    with requests.Session() as session:
        for article in site.manifest():
            response = session.get(article.url, timeout=10)
            response.raise_for_status()
            out.append((article, extract_page(response.content, article.url).text))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=15, help="print up to N misses / spurious / wrong-country rows")
    args = parser.parse_args(argv)

    with SampleSite() as site:
        articles = fetch_articles(site)
    texts = [text for _, text in articles]
    nlp = load_nlp()
    gazetteer = Gazetteer.load()
    start = time.perf_counter()
    found = find_entities(texts, nlp, gazetteer=gazetteer)
    places = [geocode_mentions(mentions, gazetteer) for mentions in found]
    seconds = time.perf_counter() - start

    hits, totals = Counter(), Counter()
    misses: list[str] = []
    spurious: Counter = Counter()
    wrong_country: Counter = Counter()
    rows = unresolved = known_country = right_country = regions = right_regions = 0
    canon_ok: Counter = Counter()
    canon_all: Counter = Counter()
    off_manifest: Counter = Counter()
    for (article, _), mentions, article_places in zip(articles, found, places, strict=True):
        for kind, names, labels in (
            ("people", article.people, {"PERSON"}),
            ("orgs", article.organisations, {"ORG"}),
            ("places", article.places, PLACE_LABELS),
        ):
            got = {m.canonical for m in mentions if m.label in labels}
            for name in names:
                totals[kind] += 1
                if name in got:
                    hits[kind] += 1
                else:
                    labels_seen = sorted({m.label for m in mentions if m.canonical == name})
                    misses.append(f"{kind:<7}{name!r} (as {labels_seen or 'nothing'})")
        for m in mentions:
            full = {"PERSON": article.people, "ORG": article.organisations}.get(m.label)
            if full is not None:
                canon_all[m.label] += 1
                canon_ok[m.label] += m.canonical in full
                if m.canonical not in full:
                    off_manifest[(m.label, m.canonical)] += 1
        place_mentions = [m for m in mentions if m.label in PLACE_LABELS]
        for m, p in zip(place_mentions, article_places, strict=True):
            rows += 1
            unresolved += not p.resolved
            if m.canonical not in article.places:
                spurious[(m.canonical, m.label, p.country_code, p.feature_type)] += 1
                continue
            expected = EXPECTED_COUNTRY.get(m.canonical, "?")
            if expected is None:
                regions += 1
                right_regions += p.feature_type in REGION_TYPES
                if p.feature_type not in REGION_TYPES:
                    wrong_country[(m.canonical, p.canonical, p.country_code, p.feature_type)] += 1
            elif expected != "?":
                known_country += 1
                right_country += p.country_code == expected
                if p.country_code != expected:
                    wrong_country[(m.canonical, p.canonical, p.country_code, p.feature_type)] += 1

    print(
        f"{len(articles)} sample-site articles, extract -> find_entities -> geocode_mentions ({seconds / len(articles) * 1000:.1f} ms/article for enrich+geocode)\n"
    )
    print(f"{'recall (right label and canonical)':<44}{'found':>8}{'of':>6}{'recall':>9}")
    for kind in ("people", "orgs", "places"):
        print(f"  {kind:<42}{hits[kind]:>8}{totals[kind]:>6}{hits[kind] / max(totals[kind], 1):>9.3f}")
    all_hits, all_total = sum(hits.values()), sum(totals.values())
    print(f"  {'all':<42}{all_hits:>8}{all_total:>6}{all_hits / max(all_total, 1):>9.3f}")
    print(f"\n{'mention rows with a manifest canonical':<44}{'ok':>8}{'of':>6}{'share':>9}")
    for label in ("PERSON", "ORG"):
        print(f"  {label:<42}{canon_ok[label]:>8}{canon_all[label]:>6}{canon_ok[label] / max(canon_all[label], 1):>9.3f}")
    print(f"\n{'place rows':<44}{rows:>8}")
    print(f"  {'spurious (not a manifest place)':<42}{sum(spurious.values()):>8}{sum(spurious.values()) / max(rows, 1):>15.3f}")
    print(f"  {'unresolved (no gazetteer record)':<42}{unresolved:>8}{unresolved / max(rows, 1):>15.3f}")
    print(f"  {'in the expected country':<42}{right_country:>8}{'of ' + str(known_country):>7}{right_country / max(known_country, 1):>8.3f}")
    print(f"  {'regions resolved as continent/region':<42}{right_regions:>8}{'of ' + str(regions):>7}{right_regions / max(regions, 1):>8.3f}")
    if args.show:
        for title, items in (
            ("misses", Counter(misses)),
            ("PERSON/ORG rows whose canonical is not in the manifest (label, canonical)", off_manifest),
            ("place rows not in the manifest (canonical, label, country, feature)", spurious),
            ("wrong country / type (mention, gazetteer name, country, feature)", wrong_country),
        ):
            print(f"\n{title} ({sum(items.values())}):")
            for item, n in items.most_common(args.show):
                print(f"  {n:>4}  {item}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
