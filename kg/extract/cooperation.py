"""Cooperation between countries, qualified by sector and backed by the statements that discuss it.

A statement about a sector supports cooperation between the countries it involves: those it names, those its
adjectives name («китайских производств»), the issuers of currencies it names (ISO 4217 codes begin with the
issuer's ISO 3166 code: CNY → CN), the speaker's own country when the speaker says «мы»/«наш», and, for «совместные
проекты» with fewer than two countries in view, the two countries the article is most about.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from pyoxigraph import Literal

from kg.extract.statements import StatementInfo
from kg.gazetteer import Gazetteer
from kg.types import COUNTRY, CURRENCY, Evidence, Mention, Node, Relation
from kg.vocab import KG, entity_iri

FIRST_PERSON = {"мы", "наш"}
JOINT = {"совместный", "совместно", "сотрудничество", "партнерство", "взаимодействие", "двусторонний"}


class Issuers:
    """Currency IRI → issuing country IRI, from the gazetteer's ISO codes; build once and pass in."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        by_alpha2 = {}
        codes = {}
        for iri, entry in gazetteer.entries.items():
            for fact in gazetteer.facts(iri) if entry.cls in (COUNTRY, CURRENCY) else ():
                if isinstance(fact.object, Literal) and fact.predicate.value == str(KG.isoAlpha2):
                    by_alpha2[fact.object.value] = iri
                if isinstance(fact.object, Literal) and fact.predicate.value == str(KG.currencyCode):
                    codes[iri] = fact.object.value
        self.country = {iri: by_alpha2[code[:2]] for iri, code in codes.items() if code[:2] in by_alpha2}


def cooperation(
    infos: list[StatementInfo],
    mentions: list[Mention],
    classes: dict[str, str],
    nationality: dict[str, str],
    gazetteer: Gazetteer,
    issuers: Issuers,
) -> tuple[list[Node], list[Relation]]:
    """Cooperation nodes per (country pair, sector) and `cooperatesWith` links, from sector-tagged statements."""
    main = _main_countries(mentions)
    nodes: dict[str, Node] = {}
    relations: list[Relation] = []
    for info in infos:
        if not info.sectors:
            continue
        countries = _countries(info, classes, nationality, gazetteer, issuers)
        if len(countries) < 2 and JOINT & {t.lemma for t in info.tokens}:
            countries |= set(main)
        ev = Evidence(info.said.sentence, info.said.start, info.said.stop, "statement-cooperation", 0.7)
        for a, b in combinations(sorted(countries), 2):
            relations.append(Relation(a, "cooperatesWith", b, ev))
            for sector in info.sectors:
                node = _node(a, b, sector, info.iri, ev)
                old = nodes.get(node.iri)
                nodes[node.iri] = node if old is None else Node(
                    node.iri, node.cls, node.label_ru, node.label_en, tuple(sorted({*old.facts, *node.facts}, key=str))
                )
    return sorted(nodes.values(), key=lambda n: n.iri), relations


def _countries(
    info: StatementInfo, classes: dict[str, str], nationality: dict[str, str], gazetteer: Gazetteer, issuers: Issuers
) -> set[str]:
    """The countries a statement involves."""
    found = {iri for iri in info.entities if classes.get(iri) == COUNTRY}
    found |= {issuers.country[iri] for iri in info.entities if iri in issuers.country}
    for token in info.tokens:
        entry = gazetteer.demonym(token) if token.pos == "ADJ" else None
        if entry is not None and entry.cls == COUNTRY:
            found.add(entry.iri)
    speaker = info.said.speaker
    if speaker is not None and speaker.iri in nationality and FIRST_PERSON & {t.lemma for t in info.tokens}:
        found.add(nationality[speaker.iri])
    return found


def _main_countries(mentions: list[Mention]) -> list[str]:
    """The two countries mentioned most in the document."""
    counts = Counter(m.iri for m in mentions if m.cls == COUNTRY)
    return [iri for iri, _ in sorted(counts.items(), key=lambda c: (-c[1], c[0]))[:2]]


def _node(a: str, b: str, sector: str, statement: str, ev: Evidence) -> Node:
    iri = entity_iri("cooperation", f"{a.rsplit('/', 1)[1]}-{b.rsplit('/', 1)[1]}-{sector.rsplit('/', 1)[1]}")
    facts = (
        Relation(iri, "participant", a),
        Relation(iri, "participant", b),
        Relation(iri, "aboutSector", sector),
        Relation(iri, "supportedBy", statement, ev),
    )
    return Node(iri, "Cooperation", facts=facts)
