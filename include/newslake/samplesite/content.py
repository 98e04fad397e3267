"""Deterministic content of the sample site: publishers, publication schedule, article bodies.

Input: the story material in `stories.py`. Output: `PUBLISHERS` and `build_articles()`, a list of
`ArticleContent` that the renderer turns into pages, feeds and sitemaps. Everything here is pure
and seeded, so every run (and every test) sees the same site.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

from newslake.samplesite.stories import STORIES, Org, Person, Story

UTC = dt.UTC

# Articles are published on local days 2025-03-03 .. 2025-03-16; the schedule below keeps every
# UTC timestamp inside the same range of UTC days. US daylight saving starts on 2025-03-09.
LOCAL_FIRST_DAY = dt.date(2025, 3, 3)
N_DAYS = 14
SITE_FIRST_DAY = dt.date(2025, 3, 3)  # first UTC day with an article
SITE_LAST_DAY = dt.date(2025, 3, 16)  # last UTC day with an article
# The site's fixed "now": what every "today is" / "last updated" widget shows.
SITE_NOW = dt.datetime(2025, 3, 17, 9, 30, tzinfo=UTC)


@dataclasses.dataclass(frozen=True)
class Publisher:
    name: str  # source name in sources.yaml
    prefix: str  # URL path prefix, e.g. "meridian"
    title: str
    company: str
    timezone: str
    sections: tuple[str, ...]
    us_dates: bool  # "March 7" rather than "7 March"
    daily_counts: tuple[int, ...]  # articles per local day, N_DAYS entries
    forced_times: dict[tuple[int, int], str]  # (day index, slot) -> "HH:MM" local, the date traps

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


PUBLISHERS: tuple[Publisher, ...] = (
    Publisher(
        name="meridian-times",
        prefix="meridian",
        title="The Meridian Times",
        company="Meridian Times Media FZ-LLC",
        timezone="Asia/Dubai",
        sections=("world", "economy", "business", "technology", "energy", "health", "sport"),
        us_dates=False,
        daily_counts=(2, 1, 2, 2, 1, 2, 2, 2, 1, 2, 2, 2, 2, 2),
        # Early morning in Dubai is still the previous day in UTC.
        forced_times={(2, 0): "00:40", (5, 0): "01:55", (9, 0): "03:20", (12, 0): "02:10"},
    ),
    Publisher(
        name="harbour-herald",
        prefix="harbour",
        title="The Harbour Herald",
        company="Harbour Herald Media Group LLC",
        timezone="America/New_York",
        sections=("world", "economy", "business", "technology", "city", "health", "science", "sport"),
        us_dates=True,
        daily_counts=(2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2),
        # Late evening in New York is already the next day in UTC; 03-09 is the DST switch day.
        forced_times={
            (1, 1): "20:15",
            (3, 0): "21:40",
            (5, 1): "22:10",
            (6, 0): "03:15",
            (8, 1): "23:35",
            (11, 1): "20:50",
        },
    ),
    Publisher(
        name="northgate-gazette",
        prefix="northgate",
        title="The Northgate Gazette",
        company="Northgate Gazette Ltd",
        timezone="Europe/London",
        sections=("world", "economy", "business", "technology", "city", "health", "energy"),
        us_dates=False,
        daily_counts=(2, 2, 1, 2, 2, 2, 1, 2, 2, 2, 2, 1, 1, 2),
        forced_times={(4, 1): "23:50", (10, 0): "00:05"},
    ),
)
PUBLISHERS_BY_NAME = {p.name: p for p in PUBLISHERS}
PUBLISHERS_BY_PREFIX = {p.prefix: p for p in PUBLISHERS}

# Syndication: (original's publisher prefix, original's seq, republisher prefix, hours later).
# The copy carries the original's body verbatim under the republisher's own URL and template,
# a test for near-duplicate detection. Meridian's 20:40 UTC story reappears on the next UTC day.
SYNDICATED: tuple[tuple[str, int, str, int], ...] = (
    ("meridian", 3, "northgate", 4),
    ("harbour", 4, "meridian", 2),
    ("northgate", 4, "harbour", 3),
)
SYNDICATED_SEQ = 100  # copies' seq values start here, so their paths never collide with originals


@dataclasses.dataclass(frozen=True)
class Comment:
    author: str
    posted_local: dt.datetime
    text: str


@dataclasses.dataclass(frozen=True)
class ArticleContent:
    """One article as written, before it is rendered (paths are relative to the server root)."""

    publisher: Publisher
    seq: int  # 0-based position among the publisher's own articles; SYNDICATED_SEQ + k for copies
    path: str
    title: str
    section: str
    byline: str
    published_local: dt.datetime
    modified_local: dt.datetime | None
    paragraphs: tuple[str, ...]
    people: tuple[str, ...]
    organisations: tuple[str, ...]
    places: tuple[str, ...]
    comments: tuple[Comment, ...]
    undated_in_sitemap: bool
    syndicated_from: str | None = None  # path of the original when this is a republished copy

    @property
    def published_at(self) -> dt.datetime:
        return self.published_local.astimezone(UTC)

    @property
    def first_sentence(self) -> str:
        return _first_sentence(self.paragraphs[0])

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


# ----------------------------------------------------------------------------------- helpers
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
KNOWN_PLACES = (
    "Frankfurt",
    "Berlin",
    "Nairobi",
    "Geneva",
    "Cupertino",
    "Bengaluru",
    "Chennai",
    "India",
    "New York",
    "Washington",
    "Dubai",
    "Brussels",
    "Redmond",
    "San Francisco",
    "Santa Clara",
    "Hsinchu",
    "London",
    "United Kingdom",
    "Vienna",
    "Paris",
    "Zurich",
    "United States",
    "Canada",
    "Mexico",
    "Amman",
    "Jordan",
    "Kenya",
    "Tokyo",
    "Manhattan",
    "Mountain View",
    "Dhahran",
    "Abu Dhabi",
    "Manchester",
    "England",
    "Houston",
    "Detroit",
    "Abidjan",
    "Nigeria",
    "Asia",
    "Latin America",
    "East Africa",
    "Europe",
)
BYLINES = {
    "meridian-times": ("Layla Haddad", "Omar Siddiqui", "Priya Menon", "Staff Reporter"),
    "harbour-herald": ("Dana Whitcombe", "Marcus Ortega", "Ellen Park"),
    "northgate-gazette": ("Harriet Blythe", "Tom Ashdown", "Gazette Reporter"),
}
COMMENTERS = ("harbourwatcher", "nyc_commuter", "skeptical_saver", "jk1987", "brooklyn_reader", "tidewater", "old_salt")
COMMENT_TEXTS = (
    "Interesting read, but I'd like to see the numbers behind this.",
    "We heard the same thing last year and nothing changed.",
    "Good reporting. Please follow up on this next month.",
    "This affects a lot of families here. Thanks for covering it.",
    "The headline oversells it a bit, the details are more cautious.",
    "Updated my thoughts after reading the full statement.",
)


def _first_sentence(paragraph: str) -> str:
    # Sentences are written so that the first ". " followed by a capital or quote ends sentence one.
    match = re.search(r'(?<=[.!?])["”]?\s+(?=[A-Z"“])', paragraph)
    return paragraph[: match.start()].rstrip() if match else paragraph


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slug(title: str, max_words: int = 8) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower().replace("'s", ""))
    return "-".join(words[:max_words])


def day_month(day: dt.date, us: bool) -> str:
    return f"{day:%B} {day.day}" if us else f"{day.day} {day:%B}"


class _Mentions:
    """Gives the full form of a person or organisation at first mention, the short form after."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def person(self, p: Person) -> str:
        """Full name and role (with an "{org}" placeholder) at first mention, surname after."""
        if p.full in self.seen:
            return p.short
        self.seen.add(p.full)
        return f"{p.full}, {p.role}"

    def org(self, o: Org) -> str:
        if o.full in self.seen:
            return o.later_ref
        self.seen.add(o.full)
        return o.first_ref


def _person_with_role(m: _Mentions, p: Person, o: Org | None) -> str:
    text = m.person(p)
    if "{org}" in text:
        text = text.replace("{org}", m.org(o) if o else "")
    return text


# ------------------------------------------------------------------------------- generation
def _write_body(story: Story, pub: Publisher, local: dt.datetime, rng: random.Random) -> tuple[str, ...]:
    """Five paragraphs about `story`, with dates phrased relative to `local` (publication time)."""
    m = _Mentions()
    day = local.date()
    said_day = day - dt.timedelta(days=rng.choice((0, 1)))
    wd = WEEKDAYS[said_day.weekday()]
    p, o = story.person, story.org

    lede_kind = rng.randrange(3)
    if lede_kind == 0:
        lede = f"{_person_with_role(m, p, o)}, said on {wd} that {story.claim}."
    elif lede_kind == 1:
        lede = f"Speaking in {story.place} on {wd}, {_person_with_role(m, p, o)}, said {story.claim}."
    else:
        lede = f"{_cap(story.topic)} dominated talks in {story.place} on {wd} after {_person_with_role(m, p, o)}, said {story.claim}."
    para1 = f"{lede} {story.details[0]}"

    para2 = (
        f"\u201c{story.quote},\u201d {m.person(p)} told reporters in {story.place}. "
        f"{_cap(m.org(o))} has been under pressure to spell out its position on {story.topic}."
    )

    if day.weekday() >= 2 and rng.random() < 0.5:
        when = "earlier this week"
    elif rng.random() < 0.5:
        when = "last week"
    else:
        when = f"on {WEEKDAYS[(day - dt.timedelta(days=2)).weekday()]}"
    past = dt.date(rng.choice((2023, 2024)), rng.randint(1, 12), 1)
    para3 = (
        f"The comments followed a meeting {when} at which officials from {m.org(o)} reviewed {story.topic}. "
        f"It was the first time since {past:%B %Y} that {m.org(o)} had set out its thinking in such detail. "
        f"{story.details[1]}"
    )

    if story.person2 and story.org2:
        when2 = rng.choice(
            ("earlier this month", "last week", f"on {WEEKDAYS[(day - dt.timedelta(days=3)).weekday()]}")
        )
        para4 = (
            f"{_person_with_role(m, story.person2, story.org2)}, said in {story.place2} {when2} that {story.claim2}. "
            f"\u201c{story.quote2},\u201d {m.person(story.person2)} said. {story.details[2]}"
        )
    else:
        where = story.place2 or story.place
        para4 = (
            f"Analysts in {where} said the announcement had been widely expected. {story.details[2]} "
            f"A spokesperson for {m.org(o)} declined to comment further."
        )

    earlier = day - dt.timedelta(days=rng.randint(8, 20))
    para_bg = (
        f"In a statement published on {WEEKDAYS[earlier.weekday()]}, {day_month(earlier, pub.us_dates)}, "
        f"{m.org(o)} said it was {rng.choice(('monitoring developments closely', 'consulting widely', 'reviewing its options'))} "
        f"and would {rng.choice(('set out more detail', 'give an update', 'report back'))} {rng.choice(('in the spring', 'by the summer', 'within weeks'))}."
    )

    ahead = day + dt.timedelta(days=rng.randint(5, 12))
    next_phrase = rng.choice(
        (f"next {WEEKDAYS[ahead.weekday()]}", "later this month", f"on {day_month(ahead, pub.us_dates)}")
    )
    para5 = (
        f"{_cap(m.org(o))} is expected to {story.next_step} {next_phrase}. "
        f"{m.person(p)} is due to speak again {rng.choice(('at the end of the month', 'in April', 'before the summer'))}. "
        f"Officials said further details would be shared with {rng.choice(('the public', 'partners', 'lawmakers'))} in the coming weeks."
    )
    return (
        (para1, para2, para3, para_bg, para4, para5)
        if rng.random() < 0.5
        else (para1, para2, para_bg, para3, para4, para5)
    )


def _entities(story: Story, paragraphs: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Full forms of the people, organisations and places the text mentions, in order of appearance."""
    text = " ".join(paragraphs)
    people = tuple(pp.full for pp in (story.person, story.person2) if pp and pp.full in text)
    all_orgs = {s.org.full for s in STORIES} | {s.org2.full for s in STORIES if s.org2}
    # Longest names first, masking each hit: "United Nations Children's Fund" is not a mention of the
    # United Nations, and "Bank of England" is not a mention of England.
    masked, found = text, {}
    for org in sorted(all_orgs, key=lambda o: (-len(o), o)):
        for match in re.finditer(rf"\b{re.escape(org)}\b", masked):
            found.setdefault(org, match.start())
        masked = re.sub(rf"\b{re.escape(org)}\b", lambda m: " " * len(m.group()), masked)
    orgs = tuple(sorted(found, key=found.get))
    hits = {pl: m.start() for pl in KNOWN_PLACES if (m := re.search(rf"\b{re.escape(pl)}\b", masked))}
    places = tuple(sorted(hits, key=hits.get))
    return people, orgs, places


def _schedule(pub: Publisher, rng: random.Random) -> list[dt.datetime]:
    times: list[dt.datetime] = []
    for day_idx, count in enumerate(pub.daily_counts):
        day = LOCAL_FIRST_DAY + dt.timedelta(days=day_idx)
        hours = sorted(rng.sample(range(7, 19), count))
        for slot, hour in enumerate(hours):
            hhmm = pub.forced_times.get((day_idx, slot), f"{hour:02d}:{rng.randrange(0, 60, 5):02d}")
            h, mi = map(int, hhmm.split(":"))
            times.append(dt.datetime(day.year, day.month, day.day, h, mi, tzinfo=pub.zone))
    return sorted(times)


def _path(pub: Publisher, local: dt.datetime, section: str, title: str, seq: int) -> str:
    slug = _slug(title)
    if pub.prefix == "meridian":  # local calendar date in the URL: a trap for UTC-day partitioning
        return f"/meridian/{local:%Y/%m/%d}/{slug}/"
    if pub.prefix == "harbour":
        return f"/harbour/news/{section}/{slug}-{10400 + seq}.html"
    return f"/northgate/{section}/{880000 + seq * 7}/{slug}"


def _write_article(pub: Publisher, seq: int, local: dt.datetime, story: Story, rng: random.Random) -> ArticleContent:
    title = story.headlines[(seq + len(pub.name)) % 2]
    section = story.section if story.section in pub.sections else "world"
    paragraphs = _write_body(story, pub, local, rng)
    people, orgs, places = _entities(story, paragraphs)
    now_local = SITE_NOW.astimezone(pub.zone)
    modified = None
    if rng.random() < 0.3:
        modified = min(local + dt.timedelta(hours=rng.randint(1, 20), minutes=rng.randrange(0, 60, 7)), now_local)
    comments: tuple[Comment, ...] = ()
    if pub.prefix == "harbour":
        posted = local
        made = []
        for _ in range(rng.randint(2, 4)):
            posted = posted + dt.timedelta(hours=rng.randint(1, 30), minutes=rng.randint(0, 59))
            if posted >= now_local:
                break
            made.append(Comment(rng.choice(COMMENTERS), posted, rng.choice(COMMENT_TEXTS)))
        comments = tuple(made)
    return ArticleContent(
        publisher=pub,
        seq=seq,
        path=_path(pub, local, section, title, seq),
        title=title,
        section=section,
        byline=rng.choice(BYLINES[pub.name]),
        published_local=local,
        modified_local=modified,
        paragraphs=paragraphs,
        people=people,
        organisations=orgs,
        places=places,
        comments=comments,
        undated_in_sitemap=(pub.prefix == "northgate" and seq == 1),
    )


def _syndicate(original: ArticleContent, pub: Publisher, seq: int, hours: int) -> ArticleContent:
    """`pub`'s republished copy of `original`: same headline, byline and body, its own URL and page."""
    local = (original.published_at + dt.timedelta(hours=hours)).astimezone(pub.zone)
    section = original.section if original.section in pub.sections else "world"
    return dataclasses.replace(
        original,
        publisher=pub,
        seq=seq,
        path=_path(pub, local, section, original.title, seq),
        section=section,
        published_local=local,
        modified_local=None,
        comments=(),
        undated_in_sitemap=False,
        syndicated_from=original.path,
    )


@lru_cache(maxsize=1)
def build_articles() -> tuple[ArticleContent, ...]:
    """All articles of all publishers, each publisher's in chronological order."""
    by_pub: dict[str, list[ArticleContent]] = {}
    for pub in PUBLISHERS:
        rng = random.Random(f"newslake-samplesite-{pub.name}")
        order = list(STORIES)
        rng.shuffle(order)
        by_pub[pub.prefix] = [_write_article(pub, seq, local, order[seq % len(order)], rng) for seq, local in enumerate(_schedule(pub, rng))]
    for k, (source, seq, republisher, hours) in enumerate(SYNDICATED):
        original = by_pub[source][seq]  # copies are appended after the originals: index == seq
        by_pub[republisher].append(_syndicate(original, PUBLISHERS_BY_PREFIX[republisher], SYNDICATED_SEQ + k, hours))
    articles = [a for pub in PUBLISHERS for a in sorted(by_pub[pub.prefix], key=lambda a: a.published_at)]
    _check(articles)
    return tuple(articles)


def _check(articles: list[ArticleContent]) -> None:
    """Fail at build time if an edit to the schedule breaks the promises made in the docstrings."""
    utc_days = {a.published_at.date() for a in articles}
    assert min(utc_days) == SITE_FIRST_DAY and max(utc_days) == SITE_LAST_DAY, sorted(utc_days)
    assert max(a.published_at for a in articles) < SITE_NOW
    assert len({a.path for a in articles}) == len(articles), "duplicate article paths"
    for a in articles:
        assert 150 <= a.word_count <= 500, (a.path, a.word_count)
