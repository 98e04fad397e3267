"""Behaviour of newslake.enrich: NER offsets, sentence index, in-article canonical names, language gate."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))  # include/ is not a package root

from newslake.enrich import canonicalise, find_entities, is_english, load_nlp  # noqa: E402
from newslake.geocode import load_gazetteer  # noqa: E402
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


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


def test_surname_particles_join_the_person_and_later_uses_take_the_full_name(nlp, gazetteer):
    text = (
        "Ursula von der Leyen, President of the European Commission, said on Monday that Europe would act. "
        "\u201cOpen trade is part of our security,\u201d von der Leyen told reporters in Brussels. "
        "von der Leyen is due to speak again before the summer."
    )
    mentions = find_entities([text], nlp, gazetteer=gazetteer)[0]
    people = [x for x in mentions if "Leyen" in x.text]
    assert len(people) == 3 and all(x.label == "PERSON" and x.canonical == "Ursula von der Leyen" for x in people)
    assert all(text[x.start : x.end] == x.text for x in mentions)


def test_name_followed_by_a_job_title_is_a_person(nlp, gazetteer):
    text = (
        "Speaking in Paris on Friday, Fatih Birol, executive director of the International Energy Agency (IEA), "
        "said demand was slowing. Birol told reporters the market looked well supplied."
    )
    mentions = find_entities([text], nlp, gazetteer=gazetteer)[0]
    labels = {(x.text, x.label, x.canonical) for x in mentions}
    assert ("Fatih Birol", "PERSON", "Fatih Birol") in labels
    assert ("Birol", "PERSON", "Fatih Birol") in labels


def test_unknown_place_with_org_evidence_becomes_org_and_a_known_city_listed_with_places_stays_a_place():
    from newslake.enrich import _org_or_place

    gaz = load_gazetteer()
    text = "Jensen Huang, chief executive of Nvidia, spoke. Nvidia said so. Nvidia grew. Suppliers in Bengaluru and Chennai hired."
    spans = []
    for word, label, occurrence in [("Nvidia", "GPE", 0), ("Nvidia", "ORG", 1), ("Nvidia", "GPE", 2), ("Bengaluru", "GPE", 0), ("Chennai", "ORG", 0)]:
        start = -1
        for _ in range(occurrence + 1):
            start = text.index(word, start + 1)
        spans.append((start, start + len(word), label))
    out = _org_or_place(sorted(spans), text, gaz)
    assert [lab for s, e, lab in out if text[s:e] == "Nvidia"] == ["ORG"] * 3
    assert [lab for s, e, lab in out if text[s:e] == "Chennai"] == ["GPE"]
    assert _org_or_place(sorted(spans), text, None) == sorted(spans)  # no gazetteer: unchanged


def test_short_org_forms_merge_into_the_one_longer_org_they_abbreviate():
    text = "The Federal Reserve met. The Fed held. The European Commission spoke; the Commission agreed. Saudi Aramco grew; Aramco said."
    names = ["The Federal Reserve", "Fed", "The European Commission", "Commission", "Saudi Aramco", "Aramco"]
    out = canonicalise([m(n, "ORG", text) for n in names], text)
    assert [x.canonical for x in out] == ["Federal Reserve"] * 2 + ["European Commission"] * 2 + ["Saudi Aramco"] * 2


def test_short_org_form_is_not_merged_when_two_longer_orgs_could_own_it():
    text = "The European Commission and the Securities and Exchange Commission met. The Commission said no."
    names = ["The European Commission", "the Securities and Exchange Commission", "Commission"]
    mentions = [m(names[0], "ORG", text), m(names[1], "ORG", text), m("Commission", "ORG", text, 2)]
    assert canonicalise(mentions, text)[2].canonical == "Commission"


def test_org_name_cut_short_before_its_defined_acronym_is_extended(nlp):
    text = (
        "Filippo Grandi, head of the Office of the United Nations High Commissioner for Refugees (UNHCR), "
        "said budgets were falling. UNHCR is expected to launch an appeal."
    )
    mentions = find_entities([text], nlp)[0]
    full = "Office of the United Nations High Commissioner for Refugees"
    assert any(x.canonical == full and x.label == "ORG" and x.text.endswith("Refugees") for x in mentions)
    assert all(x.canonical == full for x in mentions if x.text == "UNHCR")


def test_acronym_with_lower_case_letters_and_acronym_tagged_person_follow_the_long_form(nlp):
    text = "The African Development Bank (AfDB) lent more. Transport for London (TfL) said the AfDB and TfL agreed."
    out = find_entities([text], nlp)[0]
    by_text = {}
    for x in out:
        by_text.setdefault(x.text, set()).add((x.label, x.canonical))
    assert by_text["AfDB"] == {("ORG", "African Development Bank")}
    assert all(label != "PERSON" and canonical == "Transport for London" for label, canonical in by_text["TfL"])


def test_first_name_of_exactly_one_full_name_takes_it():
    text = "Tedros Adhanom Ghebreyesus spoke. Tedros said more."
    out = canonicalise([m("Tedros Adhanom Ghebreyesus", "PERSON", text), m("Tedros", "PERSON", text, 1)], text)
    assert out[1].canonical == "Tedros Adhanom Ghebreyesus"
