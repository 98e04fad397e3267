"""Behaviour of newslake.enrich: NER offsets, sentence index, in-article canonical names, language gate."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))  # include/ is not a package root

from newslake.enrich import canonicalise, find_entities, is_english, load_nlp  # noqa: E402
from newslake.schemas import EntityMention  # noqa: E402


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()  # lru_cached: one model load per test session


def m(text: str, label: str, source: str, occurrence: int = 0) -> EntityMention:
    """A mention of the `occurrence`-th `text` in `source`, with offsets computed from it."""
    start = -1
    for _ in range(occurrence + 1):
        start = source.index(text, start + 1)
    return EntityMention(text, label, start, start + len(text), 0, text)


def test_load_nlp_is_cached_and_keeps_only_ner_and_a_sentence_splitter(nlp):
    assert load_nlp() is nlp
    assert "ner" in nlp.pipe_names and "sentencizer" in nlp.pipe_names
    assert not {"parser", "tagger", "lemmatizer"} & set(nlp.pipe_names)


def test_offsets_slice_back_to_the_mention_text_and_sentences_are_counted(nlp):
    texts = [
        "Alexander Portnikov spoke in Moscow on Monday.\nLater, Portnikov met Angela Merkel in Berlin.",
        "",
        "Apple Inc. released a new phone in California.",
    ]
    results = find_entities(texts, nlp, batch_size=2)
    assert len(results) == 3 and results[1] == []
    for text, mentions in zip(texts, results, strict=True):
        for mention in mentions:
            assert text[mention.start : mention.end] == mention.text
    by_text = {x.text: x for x in results[0]}
    assert by_text["Moscow"].sentence_index == 0
    assert by_text["Berlin"].sentence_index == 1
    assert by_text["Portnikov"].canonical == "Alexander Portnikov"
    assert all(x.label not in {"DATE", "CARDINAL"} for x in results[0])


def test_person_surname_takes_the_full_name_from_the_same_article():
    text = "Alexander Portnikov, a journalist, spoke. Portnikov's view was grim."
    out = canonicalise([m("Alexander Portnikov", "PERSON", text), m("Portnikov's", "PERSON", text)], text)
    assert [x.canonical for x in out] == ["Alexander Portnikov", "Alexander Portnikov"]


def test_surname_is_not_merged_with_a_name_ending_differently():
    text = "Laura Bush met Jenna. Bush left."
    out = canonicalise([m("Laura Bush", "PERSON", text), m("Jenna", "PERSON", text)], text)
    assert out[1].canonical == "Jenna"


def test_acronym_defined_in_parentheses_takes_the_long_form():
    text = "Leaders of the Commonwealth of Independent States (CIS) met. The CIS said no."
    mentions = [
        m("the Commonwealth of Independent States", "ORG", text),
        m("CIS", "ORG", text, 0),
        m("CIS", "ORG", text, 1),
    ]
    out = canonicalise(mentions, text)
    assert [x.canonical for x in out] == ["Commonwealth of Independent States"] * 3


def test_acronym_swallowed_into_the_long_form_span_is_still_defined():
    text = "The World Health Organization (WHO) warned. WHO experts agreed."
    mentions = [m("The World Health Organization (WHO", "ORG", text), m("WHO", "ORG", text, 1)]
    out = canonicalise(mentions, text)
    assert [x.canonical for x in out] == ["World Health Organization"] * 2


def test_acronym_matching_initials_of_a_longer_org_without_definition():
    text = "The International Monetary Fund met. The IMF agreed."
    out = canonicalise([m("The International Monetary Fund", "ORG", text), m("IMF", "ORG", text)], text)
    assert out[1].canonical == "International Monetary Fund"


def test_whitespace_leading_the_and_possessive_are_normalised():
    text = "the  European\nCommission's plan"
    out = canonicalise([m("the  European\nCommission's", "ORG", text)], text)
    assert out[0].canonical == "European Commission"
    assert out[0].text == "the  European\nCommission's"  # the mention text itself is untouched


def test_canonicalise_does_not_modify_its_input():
    text = "Alexander Portnikov spoke. Portnikov left."
    mentions = [m("Alexander Portnikov", "PERSON", text), m("Portnikov", "PERSON", text, 1)]
    canonicalise(mentions, text)
    assert mentions[1].canonical == "Portnikov"


def test_untagged_defined_acronym_is_found_later_in_the_article(nlp):
    text = "The World Health Organization (WHO) warned on Monday. Officials at WHO said the risk was low."
    mentions = find_entities([text], nlp)[0]
    who = [x for x in mentions if x.text == "WHO"]
    assert who and all(x.canonical == "World Health Organization" for x in who)
    assert all(text[x.start : x.end] == x.text for x in mentions)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "", True),
        ("en-GB", "whatever", True),
        ("de", "The president said that the plan was good.", False),
        (None, "The president said that the plan would be announced after the meeting with the unions.", True),
        (None, "Der Bundestag hat am Donnerstag die Reform beschlossen, und die Regierung ist zufrieden.", False),
        (None, "Le président de la République a annoncé une réforme des retraites devant les syndicats.", False),
        (None, "El gobierno de España anunció el lunes un nuevo plan para la vivienda.", False),
        (None, "", False),
    ],
)
def test_is_english_trusts_metadata_and_falls_back_to_stopwords(language, text, expected):
    assert is_english(language, text) is expected


def test_surname_tagged_as_something_else_becomes_a_person_but_a_country_stays_a_place(nlp):
    text = (
        "Apple said Mark Papermaster has left. Papermaster joined Apple from IBM.\n"
        "Indonesia banned flights. Garuda Indonesia was grounded and Indonesia protested."
    )
    mentions = find_entities([text], nlp)[0]
    labels = {(x.text, x.label) for x in mentions}
    assert ("Papermaster", "PERSON") in labels
    assert all(x.label != "PERSON" for x in mentions if x.text == "Indonesia")
