"""Organisations of a country: «МВД» + «Украины» → «МВД Украины», «правительства Казахстана», and a later bare
«правительство» that refers back to it."""

from __future__ import annotations

from dataclasses import replace

from natasha import MorphVocab

from kg.extract.spans import OPENING_QUOTES, MentionIndex, TokenSpan
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
