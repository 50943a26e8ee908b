"""Entity mentions from natasha's NER spans and the lemma-based gazetteer matcher, merged into one list."""

from __future__ import annotations

import bisect
import re
from dataclasses import replace

from kg.extract.places import kind_of_place
from kg.extract.roles import ROLES
from kg.extract.spans import in_quotes
from kg.gazetteer import Gazetteer
from kg.morph import fold
from kg.types import (
    CITY,
    COUNTRY,
    ORGANIZATION,
    PERSON,
    PLACE,
    REGION,
    AnnotatedDocument,
    Mention,
    NerSpan,
    Sentence,
    Token,
)

NER_CLASS = {"PER": PERSON, "ORG": ORGANIZATION, "LOC": PLACE}
PLACES = {COUNTRY, CITY, REGION, PLACE}
LEADING_MARKS = re.compile(r"^[\W_]+")
GENERIC_ORGS = {"сми", "интернет", "сеть", "сети", "соцсети"}


def find_mentions(adoc: AnnotatedDocument, gazetteer: Gazetteer) -> list[Mention]:
    """Every entity mention of a document, sorted by offset; nested mentions are kept."""
    known = _gazetteer_mentions(adoc.sentences, gazetteer)
    mentions = list(known)
    tokens = [t for sentence in adoc.sentences for t in sentence.tokens]
    starts = [t.start for t in tokens]
    initial = {next((t.start for t in s.tokens if t.pos != "PUNCT"), -1) for s in adoc.sentences}
    sentence_stops = [s.stop for s in adoc.sentences]
    for raw in adoc.spans:
        span = _in_its_sentence(raw, tokens, starts, sentence_stops)
        span = _trimmed(span, tokens, starts, initial) if span is not None else None
        if span is None or not _plausible(span):
            continue
        overlapping = [m for m in known if m.start < span.stop and span.start < m.stop]
        named = [m for m in overlapping if (m.start, m.stop) == (span.start, span.stop)]
        quoted = span.type == "ORG" and in_quotes(adoc.document.text, span.start, span.stop)
        if named and quoted and named[0].cls in PLACES:
            mentions.remove(named[0])  # «Барселоны», «Астану»: a club or a company named after its city
        elif any(m.start <= span.start and span.stop <= m.stop for m in overlapping):
            continue  # the gazetteer already names this stretch, with a better class
        if any(not (span.start <= m.start and m.stop <= span.stop) for m in overlapping):
            continue  # crossing spans: trust the gazetteer
        mentions.append(_ner_mention(span, gazetteer, tokens, starts, quoted))
    mentions = _places_typed_alike(_without_places_in_names(mentions))
    taken = [(m.start, m.stop) for m in mentions]
    mentions += [m for m in _demonym_mentions(adoc.sentences, gazetteer) if not _inside(m, taken)]
    starts = [s.start for s in adoc.sentences]
    return sorted(
        (_with_sentence(m, starts) for m in mentions), key=lambda m: (m.start, -m.stop, m.key)
    )


def _gazetteer_mentions(sentences: tuple[Sentence, ...], gazetteer: Gazetteer) -> list[Mention]:
    """Mentions of known names, in any case form."""
    found = []
    for sentence in sentences:
        tokens = sentence.tokens
        for match in gazetteer.match(tokens):
            start, stop = tokens[match.start].start, tokens[match.stop - 1].stop
            entry = match.entry
            found.append(
                Mention(
                    start=start,
                    stop=stop,
                    text=_slice(sentence, start, stop),
                    cls=entry.cls,
                    normal=entry.label_ru,
                    key=entry.iri,
                    iri=entry.iri,
                    origin="gazetteer",
                )
            )
    return found


def _demonym_mentions(sentences: tuple[Sentence, ...], gazetteer: Gazetteer) -> list[Mention]:
    """Country adjectives («российского», «казахстанский») as references to their country."""
    found = []
    for sentence in sentences:
        for token in sentence.tokens:
            entry = gazetteer.demonym(token) if token.pos == "ADJ" else None
            if entry is not None:
                mention = Mention(
                    token.start, token.stop, token.text, entry.cls, entry.label_ru, entry.iri, entry.iri, "demonym"
                )
                found.append(mention)
    return found


def _without_places_in_names(mentions: list[Mention]) -> list[Mention]:
    """The mentions without the gazetteer's places inside a person's name: «Березовского» of «Бориса Березовского»
    is no mention of the town Berezovsky."""
    names = [(m.start, m.stop) for m in mentions if m.cls == PERSON and m.origin == "ner"]
    return [
        m for m in mentions
        if not (m.origin == "gazetteer" and m.cls in PLACES
                and any(a <= m.start and m.stop <= b and (a, b) != (m.start, m.stop) for a, b in names))
    ]


def _places_typed_alike(mentions: list[Mention]) -> list[Mention]:
    """Unknown places named alike as one class: «Пауэй» is a City throughout once «в городе Пауэй» says it is."""
    typed = {fold(m.normal): m.cls for m in mentions if not m.iri and m.cls in {CITY, REGION}}
    return [
        replace(m, cls=typed[name], key=f"{typed[name]}:{name}")
        if m.cls == PLACE and not m.iri and (name := fold(m.normal)) in typed
        else m
        for m in mentions
    ]


def _inside(mention: Mention, spans: list[tuple[int, int]]) -> bool:
    return any(a <= mention.start and mention.stop <= b for a, b in spans)


def _ner_mention(
    span: NerSpan, gazetteer: Gazetteer, tokens: list[Token], starts: list[int], quoted: bool
) -> Mention:
    """A mention from a natasha span, linked when the gazetteer knows its normal form (not to a place when it is an
    organisation's name in quotes); an unknown place is a city or a region when a noun in or before its name says
    so («городе Пауэй», «Жетысуской области»)."""
    entry = gazetteer.lookup(span.normal)
    if entry is not None and quoted and entry.cls in PLACES:
        entry = None
    if entry is not None and (entry.cls == PERSON) == (span.type == "PER"):
        return Mention(span.start, span.stop, span.text, entry.cls, entry.label_ru, entry.iri, entry.iri, "ner")
    cls = NER_CLASS[span.type]
    if cls == PLACE:
        first, stop = bisect.bisect_left(starts, span.start), bisect.bisect_left(starts, span.stop)
        cls = kind_of_place(tokens[first:stop], tokens[first - 1] if first else None)
    return Mention(span.start, span.stop, span.text, cls, span.normal, f"{cls}:{fold(span.normal)}", "", "ner")


def _trimmed(span: NerSpan, tokens: list[Token], starts: list[int], initial: set[int]) -> NerSpan | None:
    """The span without leading marks («• • Топалов») or a leading role noun («Энергетик Даурен Абдрахманов»), or
    None when it is one sentence-initial dictionary word («Жители», «Сухой»)."""
    first = bisect.bisect_left(starts, span.start)
    stop = bisect.bisect_left(starts, span.stop)
    inside = tokens[first:stop]
    marks = next((i for i, t in enumerate(inside) if any(c.isalnum() for c in t.text)), len(inside))
    if 0 < marks < len(inside):
        rest = inside[marks]
        span = NerSpan(rest.start, span.stop, span.type, span.text[rest.start - span.start :],
                       LEADING_MARKS.sub("", span.normal))
        inside = inside[marks:]
    if len(inside) == 1 and inside[0].common and inside[0].start in initial:
        return None
    if len(inside) == 1 and inside[0].pos == "ADJ" and span.type == "LOC":
        return None  # «Камбаратинской» of «Камбаратинской ГЭС»: an adjective alone names no place
    if len(inside) > 1 and inside[0].lemma in ROLES and len(span.normal.split()) == len(inside):
        rest = inside[1]
        return NerSpan(rest.start, span.stop, span.type, span.text[rest.start - span.start :],
                       span.normal.split(" ", 1)[1])
    return span


def _in_its_sentence(span: NerSpan, tokens: list[Token], starts: list[int], sentence_stops: list[int]
                     ) -> NerSpan | None:
    """The span cut at the end of the sentence it begins in: NER reads the whole text and may run a headline's
    last name into the next line («Кронпринц Нарухито\nВерхняя»), where a mention must lie within its sentence."""
    at = bisect.bisect_right(sentence_stops, span.start)
    if at == len(sentence_stops) or span.stop <= sentence_stops[at]:
        return span
    inside = tokens[bisect.bisect_left(starts, span.start) : bisect.bisect_left(starts, span.stop)]
    kept = [t for t in inside if t.stop <= sentence_stops[at]]
    if not kept:
        return None
    text = span.text[: kept[-1].stop - span.start]
    words = span.normal.split()
    normal = " ".join(words[: len(kept)]) if len(words) == len(inside) else text
    return NerSpan(span.start, kept[-1].stop, span.type, text, normal)


def _plausible(span: NerSpan) -> bool:
    """False for spans that cannot be names: no capital letter, a single character, or a generic word that NER
    takes for an organisation («СМИ», «Интернет»)."""
    return (
        span.type in NER_CLASS
        and len(span.text) > 1
        and any(c.isupper() for c in span.text)
        and not (span.type == "ORG" and span.normal.lower() in GENERIC_ORGS)
    )


def _slice(sentence: Sentence, start: int, stop: int) -> str:
    """The document text [start, stop) cut from its sentence."""
    return sentence.text[start - sentence.start : stop - sentence.start]


def _with_sentence(mention: Mention, sentence_starts: list[int]) -> Mention:
    """The mention with the index of the sentence it sits in."""
    return replace(mention, sentence=bisect.bisect_right(sentence_starts, mention.start) - 1)
