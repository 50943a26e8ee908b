"""Organisations of a country: «МВД» + «Украины» → «МВД Украины», «правительства Казахстана», and a later bare
«правительство» that refers back to it."""

from __future__ import annotations

from dataclasses import replace

from natasha import MorphVocab

from kg.extract.appositions import HEADED
from kg.extract.places import LIES
from kg.extract.spans import CLOSING_QUOTES, OPENING_QUOTES, MentionIndex, TokenSpan
from kg.morph import fold, genitive
from kg.types import ORGANIZATION, AnnotatedDocument, Evidence, Mention, Relation, Token

PLACES = {"Country", "City", "Region"}
ORGANISATIONS = {ORGANIZATION, "MediaOutlet"}
# Institution nouns (lemma → nominative name) that make an organisation when a country follows in the genitive.
INSTITUTIONS = {
    "правительство": "правительство",
    "парламент": "парламент",
    "министерство": "министерство",
    "посольство": "посольство",
    "консульство": "консульство",
    "полиция": "полиция",
    "мэрия": "мэрия",
    "администрация": "администрация",
    "власть": "власти",
    "сенат": "сенат",
    "прокуратура": "прокуратура",
    "генпрокуратура": "генпрокуратура",
    "армия": "армия",
    "кабмин": "кабмин",
    "минобороны": "Минобороны",
    "минфин": "Минфин",
    "минэнерго": "Минэнерго",
    "минздрав": "Минздрав",
    "нацбанк": "Нацбанк",
}


def attach_countries(adoc: AnnotatedDocument, mentions: list[Mention], vocab: MorphVocab) -> list[Mention]:
    """Organisation mentions extended by the country named after them, new ones for institution nouns with a
    country after or a country adjective before them («киргизских властей» → «власти Киргизии»), and mentions
    for the bare institution nouns that follow (see `headquarters` for the relation). Names are built from the
    country's label, so «правительство РФ» and «российское правительство» are one organisation."""
    index = MentionIndex(adoc.sentences, mentions)
    replaced: dict[Mention, Mention] = {}
    added: list[Mention] = []
    text = adoc.document.text
    for s, sentence in enumerate(adoc.sentences):
        tokens = sentence.tokens
        for first, stop, place in index.in_sentence(s):
            if place.cls not in PLACES:
                continue
            of_place = genitive(place.normal, vocab)
            if place.origin == "demonym":
                noun = tokens[stop] if stop < len(tokens) else None
                if noun is not None and noun.pos == "NOUN" and noun.lemma in INSTITUTIONS:
                    added.append(_institution(INSTITUTIONS[noun.lemma], of_place, place.start, noun.stop, text, s))
                continue
            if first == 0 or tokens[first].feat("Case") != "Gen":
                continue
            before = index.ending_at(s, first)
            if before is not None and before[2].cls == ORGANIZATION and before[2].origin == "ner":
                org = before[2]
                name = f"{org.normal} {of_place}"
                replaced[org] = replace(org, stop=place.stop, text=text[org.start : place.stop],
                                        normal=name, key=f"{ORGANIZATION}:{fold(name)}")
                continue
            noun = tokens[first - 1]
            if noun.pos == "NOUN" and noun.lemma in INSTITUTIONS:
                added.append(_institution(INSTITUTIONS[noun.lemma], of_place, noun.start, place.stop, text, s))
    linked = [replaced.get(m, m) for m in mentions] + added
    return sorted(linked + _bare_references(adoc, added), key=lambda m: (m.start, -m.stop, m.key))


def _institution(noun: str, of_place: str, start: int, stop: int, text: str, sentence: int) -> Mention:
    name = f"{noun} {of_place}"
    key = f"{ORGANIZATION}:{fold(name)}"
    return Mention(start, stop, text[start:stop], ORGANIZATION, name, key, "", "ner", sentence)


def _bare_references(adoc: AnnotatedDocument, institutions: list[Mention]) -> list[Mention]:
    """A later «правительство» with no country after it refers to the last «правительство X» named before."""
    found = []
    taken = {(m.start, m.stop) for m in institutions}
    for s, sentence in enumerate(adoc.sentences):
        for token in sentence.tokens:
            if token.pos != "NOUN" or token.lemma not in INSTITUTIONS:
                continue
            earlier = [m for m in institutions if m.stop <= token.start and fold(m.text).startswith(token.lemma[:5])]
            if earlier and not any(a <= token.start < b for a, b in taken):
                target = earlier[-1]
                found.append(Mention(token.start, token.stop, token.text, ORGANIZATION, target.normal, target.key,
                                     "", "coref", s))
    return found


def headquarters(adoc: AnnotatedDocument, mentions: list[Mention]) -> list[Relation]:
    """`organisation kg:headquarteredIn country` for each organisation whose name ends with a country's, and for
    each a country adjective stands before, maybe through what it is («американская компания Monsanto»,
    «китайской инвестиционной корпорации CITIC», «российское правительство»)."""
    relations = []
    for org in mentions:
        if org.cls != ORGANIZATION or org.origin == "coref":
            continue
        place = next((m for m in mentions if m.cls in PLACES and m.stop == org.stop and m.start > org.start), None)
        if place is not None and org.iri and place.iri:
            ev = Evidence(org.sentence, org.start, org.stop, "organisation-of-country", 0.8,
                          args=((org.start, org.stop), (place.start, place.stop)))
            relations.append(Relation(org.iri, "headquarteredIn", place.iri, ev))
    index = MentionIndex(adoc.sentences, mentions)
    relations += _head_offices(adoc, index)
    for s, sentence in enumerate(adoc.sentences):
        spans = index.in_sentence(s)
        for first, stop, country in spans:
            if country.origin != "demonym" or not country.iri:
                continue
            org = _organisation_after(sentence.tokens, first, stop, [x for x in spans if x[0] >= first])
            if org is not None and org.iri:
                ev = Evidence(s, country.start, org.stop, "country-adjective-before-organisation", 0.8,
                              args=((org.start, org.stop), (country.start, country.stop)))
                relations.append(Relation(org.iri, "headquarteredIn", country.iri, ev))
    return relations


def _head_offices(adoc: AnnotatedDocument, index: MentionIndex) -> list[Relation]:
    """`organisation kg:headquarteredIn place` where the text says where its head office is («АБИИ, штаб-квартира
    которого находится в Пекине», «банк со штаб-квартирой в Пекине», «штаб-квартира ШОС находится в Пекине»)."""
    relations = []
    for s, sentence in enumerate(adoc.sentences):
        tokens = sentence.tokens
        for i, token in enumerate(tokens):
            if token.lemma != "штаб-квартира":
                continue
            owner = index.starting_at(s, i + 1)
            if owner is None or owner[2].cls not in HEADED:
                end = i  # «АБИИ, штаб-квартира …», ««КазМунайГаз» со штаб-квартирой …»
                while end > 0 and tokens[end - 1].text.lower() in {",", "со", "с", *CLOSING_QUOTES}:
                    end -= 1
                owner = index.ending_at(s, end)
            place = _place_of_office(tokens, s, i + 1, index)
            if owner is None or place is None or owner[2].cls not in HEADED:
                continue
            org = owner[2]
            start, stop = min(org.start, token.start), max(place.stop, org.stop)
            ev = Evidence(s, start, stop, "head-office", 0.85, args=((org.start, org.stop), (place.start, place.stop)))
            relations.append(Relation(org.iri, "headquarteredIn", place.iri, ev))
    return relations


def _place_of_office(tokens: tuple[Token, ...], s: int, j: int, index: MentionIndex) -> Mention | None:
    """The place named after «в» within a few words of a head office («… которого находится в Пекине»), with no
    other verb than one of lying between."""
    for k in range(j, min(len(tokens) - 1, j + 6)):
        if tokens[k].pos == "VERB" and tokens[k].lemma not in LIES:
            return None
        if tokens[k].text.lower() in {"в", "во"}:
            span = index.starting_at(s, k + 1)
            return span[2] if span is not None and span[2].cls in PLACES else None
    return None


def _organisation_after(tokens: tuple[Token, ...], first: int, stop: int, spans: list[TokenSpan]) -> Mention | None:
    """The organisation a country adjective at tokens [first, stop) describes: one whose name it opens
    («российское правительство»), or one named after words that say what it is, agreeing with the adjective
    («американская компания Monsanto», «испанской «Барселоны»»)."""
    opened = [m for a, b, m in spans if a == first and b > stop and m.cls in ORGANISATIONS and m.origin != "coref"]
    if opened:
        return opened[0]
    case = tokens[first].feat("Case")
    for j in range(stop, min(len(tokens), stop + 5)):
        at = j + (tokens[j].text in OPENING_QUOTES)
        named = [m for a, _, m in spans if a == at and m.cls in ORGANISATIONS and m.origin != "coref"]
        if named:
            return named[0] if j > stop or tokens[at].feat("Case") in {"", case} else None
        token = tokens[j]
        if token.pos not in {"ADJ", "NOUN"} or token.feat("Animacy") == "Anim" or token.feat("Case") != case:
            return None
    return None
