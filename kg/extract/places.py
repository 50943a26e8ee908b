"""Where places are, as the text shows it: a place named in one sentence with the place it lies in."""

from __future__ import annotations

from collections.abc import Sequence

from pyoxigraph import NamedNode

from kg.extract.spans import MentionIndex, in_quotes
from kg.gazetteer import Gazetteer
from kg.types import CITY, PLACE, REGION, AnnotatedDocument, Evidence, Mention, Relation, Sentence, Token
from kg.vocab import KG

INNER = {"City", "Region", "Place"}
OUTER = {"Country", "Region"}
CONTAINERS = {"Country", "Region", "City", "Place"}
LOCATED_IN = NamedNode(str(KG.locatedIn))
WINDOW = 40
RANK = {"City": 1, "Region": 2, "Country": 3}  # a Place may be anything from a street to a province
# What a place is, by the noun before or in its name; «столице X»: X holds a city, so it is at least a province.
SETTLEMENTS = {"город", "городок", "село", "деревня", "посёлок", "поселок", "микрорайон", "аул", "станица", "местечко"}
PROVINCES = {"штат", "графство", "провинция", "область", "префектура", "губерния", "республика", "край", "кантон",
             "департамент", "столица"}
# Nouns that say what a place lies in («в графстве Бакингемшир», «на востоке Украины», «в японской префектуре»);
# after a comma only the divisions: a list's next item is more often «остров Сахалин» than «штат Калифорния».
DIVISIONS = PROVINCES | {"район", "округ", "регион", "уезд"}
PARTS = DIVISIONS | SETTLEMENTS | {"часть", "север", "юг", "восток", "запад", "северо-восток", "северо-запад",
                                   "юго-восток", "юго-запад", "окрестность", "пригород", "земля", "остров", "коммуна"}
# What an unknown place is by a noun in its name («Жетысуской области») or before it («городе Пауэй»).
TOWNS = SETTLEMENTS - {"микрорайон"}
REGIONS = PROVINCES - {"столица"}
LIES = {"находиться", "располагаться", "расположить", "расположенный", "лежать"}  # «X находится в Y»


def located_in(adoc: AnnotatedDocument, mentions: list[Mention], gazetteer: Gazetteer) -> list[Relation]:
    """`place kg:locatedIn place` for each place the text or the gazetteer puts in another named beside it."""
    named = [m for m in mentions if m.origin != "coref" and m.iri]
    found = {(r.subject, r.object, r.evidence.sentence): r for r in as_written(adoc, named)}
    for relation in by_gazetteer(adoc, named, gazetteer):
        found[(relation.subject, relation.object, relation.evidence.sentence)] = relation
    return [found[key] for key in sorted(found)]


def by_gazetteer(adoc: AnnotatedDocument, named: list[Mention], gazetteer: Gazetteer) -> list[Relation]:
    """A place named close to the country the gazetteer puts it in, with no verb between them («Росарио в
    центральной части Аргентины», «Чикаго — третьем по величине городе в США»)."""
    relations = []
    by_sentence: dict[int, list[Mention]] = {}
    for mention in named:
        by_sentence.setdefault(mention.sentence, []).append(mention)
    for sentence, here in sorted(by_sentence.items()):
        for inner in here:
            if inner.cls not in INNER or in_quotes(adoc.document.text, inner.start, inner.stop):
                continue
            parents = {t.object.value for t in gazetteer.facts(inner.iri) if t.predicate == LOCATED_IN}
            for outer in here:
                if outer.cls in OUTER and outer.iri in parents and _close(adoc.sentences[sentence], inner, outer):
                    relations.append(_relation(inner, outer, "gazetteer-in-sentence", 0.9))
    return relations


def as_written(adoc: AnnotatedDocument, named: list[Mention]) -> list[Relation]:
    """A place followed by the place it lies in («кладбище в Вашингтоне», «Пауэй, штат Калифорния», «Советского
    района Уфы», «Сан-Франциско (США)»), or preceded by its country's adjective («в армянском Гаваре», «в японской
    префектуре Канагава»)."""
    index = MentionIndex(adoc.sentences, [m for m in named if m.cls in CONTAINERS])
    relations = []
    text = adoc.document.text
    for sentence, spans in sorted(index.by_sentence.items()):
        tokens = adoc.sentences[sentence].tokens
        for first, stop, inner in spans:
            following = min((s for s in spans if s[0] >= stop), key=lambda s: (s[0], -s[1]), default=None)
            if following is None or following[2].iri == inner.iri or in_quotes(text, inner.start, inner.stop):
                continue
            after, end, outer = following
            between = tokens[stop:after]
            if inner.cls in INNER and _lies_in(between, tokens[after:end], outer):
                low = _rank(inner.cls, tokens[max(first - 1, 0) : stop], PROVINCES)
                high = _rank(outer.cls, tokens[stop:end], PROVINCES | {"район"})
                if low is None or (low < high if high is not None else inner.cls == "Place" and low == 1):
                    relations.append(_relation(inner, outer, "place-in-place-as-written", 0.8))
            elif outer.cls in INNER and inner.cls == "Country" and _of_country(tokens[first:stop], between):
                relations.append(_relation(outer, inner, "place-of-country-adjective", 0.8))
    return relations


def kind_of_place(name: Sequence[Token], before: Token | None) -> str:
    """The class of a place the gazetteer does not know: a Region when its name holds a province's noun or follows
    one («Жетысуской области», «штат Калифорния»), a City when it follows a town's («городе Пауэй»), else a Place."""
    if any(t.pos == "NOUN" and t.lemma in REGIONS for t in name):
        return REGION
    if before is not None and before.pos == "NOUN" and not any(t.pos == "NOUN" for t in name):
        if before.lemma in TOWNS:
            return CITY
        if before.lemma in REGIONS:
            return REGION
    return PLACE


def _rank(cls: str, words: tuple[Token, ...], provinces: set[str]) -> int | None:
    """How large a place is (1 a town, 2 a province, 3 a country) by its class or the last noun before or in its
    name that says what it is («штата Калифорния», «Черниговской области»); None when neither says. A district
    (район) holds villages («селе Цибулёво Знаменского района») but lies in a city as often («Советского района
    Уфы»), so it counts as a province only where it holds."""
    if cls in RANK:
        return RANK[cls]
    kinds = [t.lemma for t in words if t.pos == "NOUN" and (t.lemma in SETTLEMENTS or t.lemma in provinces)]
    return (1 if kinds[-1] in SETTLEMENTS else 2) if kinds else None


def _lies_in(between: tuple[Token, ...], place: tuple[Token, ...], outer: Mention) -> bool:
    """Whether the words between two places say the first lies in the second."""
    said = next((i for i, t in enumerate(between) if t.lemma in LIES), None)
    if said is not None and all(t.text == "," for t in between[:said]):  # «Хоргос, расположенный на востоке»
        between = between[said + 1 :]
    words = [t.text.lower() for t in between]
    part = between[-1] if between and _is_part(between[-1]) else None
    rest = words[:-1] if part else words
    if part is not None and len(rest) > 1 and between[-2].pos == "ADJ":  # «в центральной части»
        rest = rest[:-1]
    if rest in (["в"], ["во"], ["на"]):  # not «в районе»: near, not in
        return (part or _noun(place)).feat("Case") == "Loc" and not (part and part.lemma == "район")
    if rest == [","]:
        return part is not None and part.lemma in DIVISIONS
    if rest == ["("]:  # «Сан-Франциско (США)», not an alias «Хоххайм-ам-Майн (Hochheim am Main)»
        return part is not None or outer.cls in {"Country", "Region"}
    if not rest:  # «Советского района Уфы», «Наньпине провинции Фуцзянь» (which the tagger reads as Loc)
        return _noun(place).feat("Case") == "Gen" if part is None else part.feat("Case") in {"Gen", "Loc"}
    return False


def _of_country(country: tuple[Token, ...], between: tuple[Token, ...]) -> bool:
    """Whether a country adjective is followed by a place, maybe through what it is («армянском Гаваре»,
    «японской префектуре Канагава»)."""
    return country[-1].pos == "ADJ" and (not between or (len(between) == 1 and _is_part(between[0])))


def _is_part(token: Token) -> bool:
    return token.pos == "NOUN" and token.lemma in PARTS


def _noun(place: tuple[Token, ...]) -> Token:
    """The word of a place's name that takes its case: its last noun or name."""
    return next((t for t in reversed(place) if t.pos in {"NOUN", "PROPN"}), place[-1])


def _relation(inner: Mention, outer: Mention, rule: str, confidence: float) -> Relation:
    args = ((inner.start, inner.stop), (outer.start, outer.stop))
    start, stop = min(inner.start, outer.start), max(inner.stop, outer.stop)
    ev = Evidence(inner.sentence, start, stop, rule, confidence, args=args)
    return Relation(inner.iri, "locatedIn", outer.iri, ev)


def _close(sentence: Sentence, a: Mention, b: Mention) -> bool:
    """Two mentions at most WINDOW characters apart with no verb between them."""
    left, right = sorted((a, b), key=lambda m: m.start)
    if right.start - left.stop > WINDOW:
        return False
    return not any(t.pos in {"VERB", "AUX"} and left.stop <= t.start < right.start for t in sentence.tokens)
