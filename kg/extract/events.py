"""Events: visits («визит X в Y», «X прибыл в Y», «X посетил Y») and gatherings (summits, meetings, forums)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from kg.extract.spans import OPENING_QUOTES, MentionIndex, TokenSpan
from kg.gazetteer import Gazetteer
from kg.morph import fold
from kg.types import AnnotatedDocument, Document, Entity, Evidence, Mention, Node, Relation, Sentence
from kg.vocab import entity_iri, slug

PLACES = {"Country", "City", "Region", "Place"}
AGENTS = {"Person", "Organization", "MediaOutlet", "InternationalOrganization", "Country"}
VISIT_NOUNS = {"визит"}
VISIT_VERBS = {"прибыть", "прибывать", "посетить", "посещать", "приехать", "прилететь", "побывать"}
MEETING_VERBS = {"встретиться", "встречаться"}
PARTICIPATE = {"участвовать", "поучаствовать"}
SPEAK = {"выступить", "выступать"}  # «на форуме выступил министр»: a speaker takes part; not «выступил против»
TAKE = {"принять", "принимать"}
BACK = {"нем", "ней", "них"}  # «в нём приняли участие»: the gathering of the sentence before
IN = {"в", "во"}
AT = {"в", "во", "на"}  # «в нём приняли участие», «на нём выступили»
GATHERINGS = {
    "саммит": "Summit", "встреча": "Meeting", "переговоры": "Meeting", "заседание": "Meeting",
    "форум": "Forum", "конференция": "Forum",
}
MONTHS = {
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6,
    "июля": 7, "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}
_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})")
_DASHES = re.compile(r"\s*[—–]\s*|\s+-\s+|(?<=[а-яёa-z])-(?=[А-ЯЁA-Z])")
_QUOTED = re.compile(r"\s*[«\"„“]([^»\"“”]{2,80})[»\"“”]")
RELATIVE_DAYS = {"сегодня": 0, "сегодняшний": 0, "вчера": -1, "вчерашний": -1, "завтра": 1, "завтрашний": 1}


@dataclass(frozen=True, slots=True)
class Scope:
    """What event rules read: the document, its mentions by token, and entities by IRI."""

    adoc: AnnotatedDocument
    index: MentionIndex
    entities: dict[str, Entity]
    gazetteer: Gazetteer


def find_events(
    adoc: AnnotatedDocument, mentions: list[Mention], entities: dict[str, Entity], gazetteer: Gazetteer
) -> list[Node]:
    """Visit and gathering events of a document, merged by IRI."""
    scope = Scope(adoc, MentionIndex(adoc.sentences, mentions), entities, gazetteer)
    events: dict[str, Node] = {}
    latest: tuple[int, int, str] | None = None  # the last gathering: sentence, trigger token, IRI
    for s, sentence in enumerate(adoc.sentences):
        for i, token in enumerate(sentence.tokens):
            node = None
            if token.lemma in VISIT_NOUNS:
                node = _visit(scope, s, i, by_noun=True)
            elif token.lemma in VISIT_VERBS:
                node = _visit(scope, s, i, by_noun=False)
            elif token.lemma in MEETING_VERBS:
                node = _meeting(scope, s, i)
            elif token.lemma in GATHERINGS:
                node = _gathering(scope, s, i)
            if node is not None:
                events[node.iri] = _merge(events.get(node.iri), node)
                latest = (s, i, node.iri) if node.cls != "Visit" else latest
        verb = _participation(sentence)
        if verb is not None and latest is not None and _same_gathering(sentence, s, latest[0]):
            trigger = latest[1] if latest[0] == s else verb
            extra = _participants(scope, s, trigger, events[latest[2]])
            events[latest[2]] = _merge(events[latest[2]], extra)
    return sorted((_dated(node, adoc.document) for node in events.values()), key=lambda n: n.iri)


def _dated(event: Node, document: Document) -> Node:
    """The event with its final IRI: the same happening named twice in one text is one event, and across texts
    the date (a summit: its year) tells repeated events apart; undated visits stay within their article."""
    dates = sorted(f.object for f in event.facts if f.predicate == "date")
    when = dates[0] if dates else document.date[:10]
    suffix = when[:4] if event.cls in {"Summit", "Forum"} else when or document.id
    iri = f"{event.iri}-{slug(suffix)}" if suffix else event.iri
    facts = tuple(replace(f, subject=iri) for f in event.facts if f.predicate != "date" or f.object == dates[0])
    return replace(event, iri=iri, facts=facts)


def _visit(scope: Scope, s: int, i: int, by_noun: bool) -> Node | None:
    """«визит президента Китая Си Цзиньпина в Астану», «Токаев прибыл в Пекин», «посетил Хоргос»."""
    sentence = scope.adoc.sentences[s]
    spans = scope.index.in_sentence(s)
    if by_noun:
        visitor = next((sp for sp in spans if sp[0] > i and sp[0] - i <= 8 and sp[2].cls == "Person"), None)
    else:
        visitor = next((sp for sp in reversed(spans) if sp[1] <= i and sp[2].cls in AGENTS), None)
    after = visitor[1] if by_noun and visitor else i + 1
    if by_noun or sentence.tokens[i].lemma in {"прибыть", "прибывать", "приехать", "прилететь", "побывать"}:
        place = _after_preposition(sentence, spans, after, {"в", "во", "на"})
    else:
        place = next((sp for sp in spans if sp[0] > i and sp[0] - i <= 4 and sp[2].cls in PLACES), None)
    if visitor is None or place is None:
        return None
    who, where = visitor[2], place[2]
    when = _date(scope.adoc, sentence)
    rule = "visit-noun" if by_noun else "visit-verb"
    first, last = min(visitor[0], place[0], i), max(visitor[1], place[1], i + 1)
    start, stop = sentence.tokens[first].start, sentence.tokens[last - 1].stop
    trigger = (sentence.tokens[i].start, sentence.tokens[i].stop)
    who_ev = Evidence(s, start, stop, rule, 0.85, args=(trigger, (who.start, who.stop)))
    where_ev = Evidence(s, start, stop, rule, 0.85, args=(trigger, (where.start, where.stop)))
    who_e, where_e = scope.entities.get(who.iri), scope.entities.get(where.iri)
    name_ru = f"{_label(who_e, 'ru')} → {_label(where_e, 'ru')}"
    iri = entity_iri("event", slug(f"visit {_label(who_e, 'en')} {_label(where_e, 'en')}"))
    facts = [Relation(iri, "participant", who.iri, who_ev), Relation(iri, "location", where.iri, where_ev)]
    if when:
        facts.append(Relation(iri, "date", when, datatype="date"))
    label_en = f"Visit of {_label(who_e, 'en')} to {_label(where_e, 'en')}"
    return Node(iri, "Visit", f"Визит: {name_ru}", label_en, tuple(facts))


def _gathering(scope: Scope, s: int, i: int) -> Node | None:
    """«Саммит "Центральная Азия — Китай"» in Astana, «саммит ШОС», «встреча Токаева и Си Цзиньпина»."""
    sentence = scope.adoc.sentences[s]
    token = sentence.tokens[i]
    kind = GATHERINGS[token.lemma]
    spans = scope.index.in_sentence(s)
    quoted = _QUOTED.match(scope.adoc.document.text, token.stop)
    if quoted is not None:
        name, name_span = quoted.group(1).strip(), quoted.span(1)
        inside = [sp for sp in spans if name_span[0] <= sp[2].start and sp[2].stop <= name_span[1]]
    else:
        following = scope.index.starting_at(s, i + 1)
        if following is None or following[2].cls not in AGENTS - {"Person"}:
            return _meeting(scope, s, i) if kind == "Meeting" else _unnamed(scope, s, i)
        name, name_span, inside = following[2].text, (following[2].start, following[2].stop), [following]
    place = _place(sentence, spans, i) or next(
        (sp for sp in spans if sp[2].cls == "City" and not _within(sp, name_span)), None
    )
    when = _date(scope.adoc, sentence)
    name = _DASHES.sub(" — ", name)
    iri = entity_iri("event", slug(f"{kind} {name}"))
    trigger = (token.start, token.stop)
    stop = max(name_span[1], place[2].stop if place else 0)

    def ev(arg: tuple[int, int]) -> Evidence:
        return Evidence(s, token.start, stop, f"{kind.lower()}-name", 0.8, args=(trigger, arg))

    # A name that is one organisation («Астана Интернешнл») names the gathering, not a participant in it.
    inside = [sp for sp in inside if quoted is None or (sp[2].start, sp[2].stop) != name_span or sp[2].iri]
    participants = {sp[2].iri: (sp[2].start, sp[2].stop) for sp in inside if sp[2].cls in AGENTS | {"Region"}}
    participants |= {p: name_span for p in _named_parts(scope.gazetteer, name) if p not in participants}
    facts = [Relation(iri, "participant", p, ev(span)) for p, span in sorted(participants.items())]
    if place is not None:
        facts.append(Relation(iri, "location", place[2].iri, ev((place[2].start, place[2].stop))))
    if when:
        facts.append(Relation(iri, "date", when, datatype="date"))
    label_ru = f"{token.lemma.capitalize()} «{name}»"
    return Node(iri, kind, label_ru, "", tuple(facts))


def _named_parts(gazetteer: Gazetteer, name: str) -> set[str]:
    """Known places and organisations a name lists with dashes: «Центральная Азия — Китай»."""
    parts = [p.strip() for p in re.split(r"\s*[—–-]\s*|\s+и\s+", name)]
    entries = [gazetteer.lookup(p) for p in parts if p] if len(parts) > 1 else []
    return {e.iri for e in entries if e is not None and e.cls != "Person"}


def _meeting(scope: Scope, s: int, i: int) -> Node | None:
    """A meeting or talks between at least two people named in one sentence."""
    sentence = scope.adoc.sentences[s]
    spans = scope.index.in_sentence(s)
    people = [sp for sp in spans if sp[2].cls == "Person" and sp[2].origin != "coref"]
    iris = sorted({sp[2].iri for sp in people})
    if len(iris) < 2:
        return None
    when = _date(scope.adoc, sentence)
    names = [_label(scope.entities.get(iri), "en") for iri in iris]
    iri = entity_iri("event", slug(f"meeting {' '.join(names)}"))
    trigger = (sentence.tokens[i].start, sentence.tokens[i].stop)
    spans_of = {}
    for sp in people:
        spans_of.setdefault(sp[2].iri, (sp[2].start, sp[2].stop))

    def ev(arg: tuple[int, int]) -> Evidence:
        return Evidence(s, sentence.start, sentence.stop, "meeting-participants", 0.6, args=(trigger, arg))

    facts = [Relation(iri, "participant", participant, ev(spans_of[participant])) for participant in iris]
    place = _place(sentence, spans, i)
    if place is not None:
        facts.append(Relation(iri, "location", place[2].iri, ev((place[2].start, place[2].stop))))
    if when:
        facts.append(Relation(iri, "date", when, datatype="date"))
    label_ru = "Встреча: " + ", ".join(_label(scope.entities.get(x), "ru") for x in iris)
    return Node(iri, "Meeting", label_ru, "Meeting: " + ", ".join(names), tuple(facts))


def _unnamed(scope: Scope, s: int, i: int) -> Node | None:
    """A summit or forum the text does not name, when it says where it is or who takes part: one per kind in a
    document («В Ташкенте прошёл инвестиционный форум. В форуме участвовали …»)."""
    sentence = scope.adoc.sentences[s]
    token = sentence.tokens[i]
    kind = GATHERINGS[token.lemma]
    place = _place(sentence, scope.index.in_sentence(s), i)
    if place is None and _participation(sentence) is None:
        return None
    iri = entity_iri("event", slug(f"{kind} {scope.adoc.document.id}"))
    facts = []
    label_ru, label_en = token.lemma.capitalize(), kind
    if place is not None:
        where = place[2]
        arg = (where.start, where.stop)
        start, stop = min(token.start, where.start), max(token.stop, where.stop)
        ev = Evidence(s, start, stop, f"{kind.lower()}-place", 0.7, args=((token.start, token.stop), arg))
        facts.append(Relation(iri, "location", where.iri, ev))
        label_ru += f": {_label(scope.entities.get(where.iri), 'ru')}"
        label_en += f" in {_label(scope.entities.get(where.iri), 'en')}"
    when = _date(scope.adoc, sentence)
    if when:
        facts.append(Relation(iri, "date", when, datatype="date"))
    return Node(iri, kind, label_ru, label_en, tuple(facts))


def _participation(sentence: Sentence) -> int | None:
    """The token of «участвовать», of «участие» with «принять» or of «выступить» (to speak, not to be for or
    against), if the sentence says someone takes part."""
    tokens = sentence.tokens
    lemmas = {t.lemma for t in tokens}
    for i, token in enumerate(tokens):
        if token.lemma in PARTICIPATE or (token.lemma == "участие" and lemmas & TAKE):
            return i
        if token.lemma in SPEAK and (i + 1 == len(tokens) or tokens[i + 1].text.lower() not in {"против", "за"}):
            return i
    return None


def _same_gathering(sentence: Sentence, s: int, gathered: int) -> bool:
    """Whether the taking part sentence `s` tells of is in the gathering last named in sentence `gathered`: the
    same sentence, or the one before when this one names a gathering again or points back («в нём»)."""
    if gathered == s:
        return True
    tokens = sentence.tokens
    back = any(
        t.lemma in GATHERINGS or (k > 0 and tokens[k - 1].lemma in AT and fold(t.text) in BACK)
        for k, t in enumerate(tokens)
    )
    return gathered == s - 1 and back


def _participants(scope: Scope, s: int, trigger: int, event: Node) -> Node:
    """The people, organisations and countries a sentence says take part in `event` («приняли участие X и Y»):
    not those in quotation marks (names), after a preposition (places, origins) or right before a name (posts)."""
    sentence = scope.adoc.sentences[s]
    tokens = sentence.tokens
    spans = scope.index.in_sentence(s)
    places = {f.object for f in event.facts if f.predicate == "location"}
    people = [sp for sp in spans if sp[2].cls == "Person"]
    found: dict[str, tuple[int, int]] = {}
    for first, stop, mention in spans:
        if mention.cls not in AGENTS or mention.origin == "demonym" or mention.iri in places:
            continue
        if mention.cls != "Person":
            before = tokens[first - 1] if first else None
            quoted = before is not None and before.text in OPENING_QUOTES
            if quoted or (before is not None and before.pos == "ADP") or any(0 <= p[0] - stop <= 1 for p in people):
                continue
        found.setdefault(mention.iri, (mention.start, mention.stop))
    cue = (tokens[trigger].start, tokens[trigger].stop)

    def ev(arg: tuple[int, int]) -> Evidence:
        return Evidence(s, sentence.start, sentence.stop, "participation", 0.7, args=(cue, arg))

    facts = tuple(Relation(event.iri, "participant", iri, ev(span)) for iri, span in sorted(found.items()))
    return replace(event, facts=facts)


def _place(sentence: Sentence, spans: list[TokenSpan], i: int) -> TokenSpan | None:
    """Where the event named at token `i` happens: «в X» before it («В Пекине Токаев провёл встречу»), else
    after it. A place put first frames the sentence; one after the event may belong to a title in between
    («встречу с послом Китая в Казахстане»)."""
    before = [sp for sp in spans if sp[1] <= i and sp[0] > 0 and sp[2].cls in PLACES
              and sentence.tokens[sp[0] - 1].lemma in IN]
    return before[-1] if before else _after_preposition(sentence, spans, i + 1, IN)


def _after_preposition(sentence: Sentence, spans: list[TokenSpan], start: int, preps: set[str]) -> TokenSpan | None:
    """The first place named right after one of `preps`, at or after token `start`."""
    for first, stop, mention in spans:
        if first >= max(start, 1) and mention.cls in PLACES and sentence.tokens[first - 1].lemma in preps:
            return first, stop, mention
    return None


def _within(span: TokenSpan, chars: tuple[int, int]) -> bool:
    return chars[0] <= span[2].start and span[2].stop <= chars[1]


def _date(adoc: AnnotatedDocument, sentence: Sentence) -> str:
    """An ISO date stated in the sentence, or one relative to the publication date («сегодня»), or ''."""
    found = _DATE.search(sentence.text)
    if found is not None:
        day, month, year = int(found.group(1)), MONTHS[found.group(2)], int(found.group(3))
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return ""
    published = adoc.document.date[:10]
    for token in sentence.tokens:
        if token.lemma in RELATIVE_DAYS and re.fullmatch(r"\d{4}-\d{2}-\d{2}", published):
            return (date.fromisoformat(published) + timedelta(days=RELATIVE_DAYS[token.lemma])).isoformat()
    return ""


def _label(entity: Entity | None, lang: str) -> str:
    if entity is None:
        return "?"
    return (entity.label_en or entity.label_ru) if lang == "en" else entity.label_ru


def _merge(old: Node | None, new: Node) -> Node:
    """One event mentioned twice: keep the first labels and the union of facts."""
    if old is None:
        return new
    facts = {(f.predicate, f.object): f for f in new.facts} | {(f.predicate, f.object): f for f in old.facts}
    return Node(old.iri, old.cls, old.label_ru, old.label_en, tuple(facts[k] for k in sorted(facts)))
