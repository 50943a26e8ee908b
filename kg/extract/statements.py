"""Statements: quoted speech in every usual Russian form, and reported speech, each with its speaker.

Direct speech («…», „…“, "…", “…”) becomes a Quotation when something marks it as speech: a dash and a
speech verb after it («…», — пишет эксперт), an introduction ending in a colon, or a paragraph of its own.
Reported speech («по словам X, …», «Как отмечает X, …», «X считает, что …») becomes a Statement.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from kg.extract.sectors import SectorTagger, sector_relations
from kg.types import PERSON, AnnotatedDocument, Evidence, Mention, Node, Relation, Sentence, Token
from kg.vocab import NIF, PROV, doc_iri, span_iri

SPEECH_VERBS = {
    "сказать", "говорить", "заявить", "заявлять", "отметить", "отмечать", "подчеркнуть", "подчеркивать",
    "считать", "писать", "написать", "сообщить", "сообщать", "добавить", "добавлять", "пояснить", "пояснять",
    "уточнить", "заметить", "признать", "признавать", "рассказать", "рассказывать", "указать", "указывать",
    "уверять", "полагать", "констатировать", "резюмировать", "подытожить", "предупредить", "предупреждать",
    "напомнить", "напоминать", "убежденный", "уверенный", "улыбаться", "ответить", "объяснить", "объяснять",
    "высказаться", "прокомментировать", "комментировать", "выразить", "призвать", "призывать", "считаться",
}
PRONOUNS = {"он", "она"}
OPENERS = {"«": "»", "„": "“", "“": "”"}
_SPACE_BEFORE = set(" \t\n([{«„—–-:/")
_ATTRIBUTION = re.compile(r"\s*[,.!?…]?\s*[—–-]{1,2}\s*([^\n]*)")
_SOURCE_TAIL = re.compile(r",\s*(?:сообщает|сообщил|сообщила|передает|передаёт|пишет)\s+[^,]*$")


@dataclass(frozen=True, slots=True)
class Said:
    """Something a person said: the text's span, whether verbatim, and who said it."""

    start: int
    stop: int
    direct: bool
    speaker: Mention | None
    sentence: int


@dataclass(frozen=True, slots=True)
class StatementInfo:
    """A statement as later rules need it: its IRI, tokens, the entities and sectors it is about."""

    iri: str
    said: Said
    tokens: tuple[Token, ...]
    entities: tuple[str, ...]
    sectors: tuple[str, ...]


def find_statements(adoc: AnnotatedDocument, mentions: list[Mention]) -> list[Said]:
    """Direct and reported speech of a document, in text order, each with its speaker when one is named."""
    text = adoc.document.text
    people = sorted((m for m in mentions if m.cls == PERSON), key=lambda m: m.start)
    starts = [s.start for s in adoc.sentences]
    found: list[Said] = []
    for start, stop in quotations(text):
        speaker = _direct_speaker(adoc, text, start, stop, people, found)
        if speaker is not False:
            found.append(Said(start, stop, True, speaker or None, _sentence_at(starts, start)))
    quoted = [(s.start - 1, s.stop + 1) for s in found]
    for s, sentence in enumerate(adoc.sentences):
        if any(a < sentence.stop and sentence.start < b for a, b in quoted):
            continue
        said = _reported(sentence, s, people)
        if said is not None:
            found.append(said)
    return sorted(found, key=lambda s: s.start)


def quotations(text: str) -> list[tuple[int, int]]:
    """Spans inside the outermost balanced quotation marks of each line (marks excluded)."""
    spans = []
    for line_start, line in _lines(text):
        stack: list[tuple[str, int]] = []
        for i, char in enumerate(line):
            closer = stack[-1][0] if stack else None
            if char == '"':
                opens = _opens(line, i) and _has_closer(line, i, closer) and not (closer == '"' and _closes(line, i))
                if opens:
                    stack.append(('"', i))
                    continue
            if char == closer:
                _, opened = stack.pop()
                if not stack:
                    spans.append((line_start + opened + 1, line_start + i))
            elif char in OPENERS and not (char == "“" and closer == "“"):
                stack.append((OPENERS[char], i))
    return spans


def _lines(text: str):
    start = 0
    for line in text.split("\n"):
        yield start, line
        start += len(line) + 1


def _opens(line: str, i: int) -> bool:
    """A straight quote opens when it follows a space or an opening mark and a word follows it."""
    before = line[i - 1] if i else " "
    after = line[i + 1] if i + 1 < len(line) else " "
    return before in _SPACE_BEFORE and not after.isspace()


def _has_closer(line: str, i: int, outer: str | None) -> bool:
    """Whether another straight quote follows before the enclosing quotation ends, so this one can open a pair
    (a stray «"» inside «…», as in «"><svg …>», opens nothing)."""
    rest = line[i + 1 :]
    if outer is not None and outer != '"' and outer in rest:
        rest = rest[: rest.index(outer)]
    return '"' in rest


def _closes(line: str, i: int) -> bool:
    """A straight quote closes when a word or punctuation precedes it."""
    return i > 0 and not line[i - 1].isspace()


def _direct_speaker(adoc, text: str, start: int, stop: int, people: list[Mention], found: list[Said]):
    """The speaker of a quotation, None when it is speech by no one named, False when it is not speech."""
    line_start = text.rfind("\n", 0, start) + 1
    line_stop = len(text) if (end := text.find("\n", stop)) < 0 else end
    before = text[line_start : start - 1]
    attribution = _ATTRIBUTION.match(text, stop + 1, line_stop)
    if attribution is not None:
        a, b = attribution.span(1)
        tokens = _tokens_in(adoc, a, b)
        if any(t.lemma in SPEECH_VERBS for t in tokens):
            return _speaker_in(a, b, tokens, people, start) or None
    intro = _intro(text, line_start, before)
    if intro is not None:
        a, b = intro
        # Only the sentence that ends with the colon introduces the quotation, not the line's earlier sentences.
        a = max(a, adoc.sentences[_sentence_at([s.start for s in adoc.sentences], b - 1)].start)
        speaker = _speaker_in(a, b, _tokens_in(adoc, a, b), people, start)
        return speaker or (found[-1].speaker if found else None)
    whole_line = not before.strip() and not text[stop + 1 : line_stop].strip(" .,!?…")
    if whole_line and len(text[start:stop].split()) >= 4:
        return found[-1].speaker if found else None
    return False


def _intro(text: str, line_start: int, before: str) -> tuple[int, int] | None:
    """The clause that introduces a quotation with a colon: on its line, or the line above."""
    if before.rstrip().endswith(":"):
        return line_start, line_start + len(before)
    if before.strip():
        return None
    above_stop = line_start - 1
    above_start = text.rfind("\n", 0, max(above_stop, 0)) + 1
    if above_stop > 0 and text[above_start:above_stop].rstrip().endswith(":"):
        return above_start, above_stop
    return None


def _speaker_in(a: int, b: int, tokens: list[Token], people: list[Mention], quote_start: int) -> Mention | None:
    """The first person named in [a, b); a pronoun means the last person named before the quotation."""
    named = [p for p in people if a <= p.start < b]
    if named:
        return named[0]
    if any(t.lemma in PRONOUNS for t in tokens):
        before = [p for p in people if p.stop <= quote_start]
        return before[-1] if before else None
    return None


def _reported(sentence: Sentence, s: int, people: list[Mention]) -> Said | None:
    """Reported speech in one sentence: «по словам X, …», «Как отмечает X, …», «X считает, что …»."""
    tokens = sentence.tokens
    lemmas = [t.lemma for t in tokens]
    for i in range(len(tokens) - 1):
        if lemmas[i] == "по" and lemmas[i + 1] == "слово":
            comma = _next(tokens, i + 2, ",")
            if comma is not None:
                return _said(sentence, s, people, tokens[i + 2].start, tokens[comma].start, comma + 1)
    if len(tokens) > 2 and lemmas[0] == "как" and lemmas[1] in SPEECH_VERBS:
        comma = _next(tokens, 2, ",")
        if comma is not None:
            return _said(sentence, s, people, tokens[2].start, tokens[comma].start, comma + 1)
    for i in range(1, len(tokens) - 2):
        if lemmas[i] in SPEECH_VERBS and tokens[i + 1].text == "," and lemmas[i + 2] == "что":
            return _said(sentence, s, people, sentence.start, tokens[i].start, i + 3)
    return None


def _said(sentence: Sentence, s: int, people: list[Mention], a: int, b: int, first: int) -> Said | None:
    """Reported speech from token `first` to the end of the sentence, said by the person named in [a, b)."""
    tokens = sentence.tokens
    if first >= len(tokens):
        return None
    start = tokens[first].start
    body = sentence.text[start - sentence.start :].rstrip(" .!?…")
    body = _SOURCE_TAIL.sub("", body)
    speaker = _speaker_in(a, b, [t for t in tokens if a <= t.start < b], people, a)
    if speaker is None or len(body.split()) < 3:
        return None
    return Said(start, start + len(body), False, speaker, s)


def _next(tokens: tuple[Token, ...], i: int, text: str) -> int | None:
    return next((k for k in range(i, len(tokens)) if tokens[k].text == text), None)


def _tokens_in(adoc: AnnotatedDocument, a: int, b: int) -> list[Token]:
    return [t for sentence in adoc.sentences for t in sentence.tokens if a <= t.start and t.stop <= b]


def _sentence_at(starts: list[int], offset: int) -> int:
    return max(bisect.bisect_right(starts, offset) - 1, 0)


def statement_facts(
    adoc: AnnotatedDocument, said: list[Said], mentions: list[Mention], tagger: SectorTagger
) -> tuple[list[Node], list[Relation], list[StatementInfo]]:
    """Statement nodes with text, offsets, speaker, sectors (with cue evidence) and the entities they mention."""
    doc = adoc.document
    nodes, relations, infos = [], [], []
    for item in said:
        iri = span_iri(doc.id, item.start, item.stop)
        tokens = _tokens_in(adoc, item.start, item.stop)
        inside = sorted({m.iri for m in mentions if item.start <= m.start and m.stop <= item.stop})
        hits = tagger.tag(tokens)
        facts = [
            Relation(iri, "quote", doc.text[item.start : item.stop], datatype="string"),
            Relation(iri, str(NIF.beginIndex), str(item.start), datatype="integer"),
            Relation(iri, str(NIF.endIndex), str(item.stop), datatype="integer"),
            Relation(iri, str(NIF.referenceContext), doc_iri(doc.id)),
            Relation(iri, str(PROV.wasDerivedFrom), doc_iri(doc.id)),
            *(Relation(iri, "mentions", entity) for entity in inside),
        ]
        if item.speaker is not None:
            rule, confidence = ("direct-speech", 0.9) if item.direct else ("reported-speech", 0.75)
            args = ((item.speaker.start, item.speaker.stop), (item.start, item.stop))
            ev = Evidence(item.sentence, item.start, item.stop, rule, confidence, args=args)
            relations.append(Relation(iri, "speaker", item.speaker.iri, ev))
        relations.extend(sector_relations(iri, item.sentence, hits))
        nodes.append(Node(iri, "Quotation" if item.direct else "Statement", facts=tuple(facts)))
        infos.append(StatementInfo(iri, item, tuple(tokens), tuple(inside), tuple(h.sector for h in hits)))
    return nodes, relations, infos
