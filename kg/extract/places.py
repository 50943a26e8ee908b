"""Where places are, as the text shows it: a place named in one sentence with the country it lies in."""

from __future__ import annotations

from pyoxigraph import NamedNode

from kg.gazetteer import Gazetteer
from kg.types import Evidence, Mention, Relation
from kg.vocab import KG

INNER = {"City", "Region", "Place"}
OUTER = {"Country", "Region"}
LOCATED_IN = NamedNode(str(KG.locatedIn))


def located_in(mentions: list[Mention], gazetteer: Gazetteer) -> list[Relation]:
    """`place kg:locatedIn country` for each place named in the same sentence as the country the gazetteer puts
    it in («в Чикаго — третьем по величине городе в США»)."""
    relations = []
    by_sentence: dict[int, list[Mention]] = {}
    for mention in mentions:
        if mention.origin != "coref" and mention.iri:
            by_sentence.setdefault(mention.sentence, []).append(mention)
    for sentence, named in sorted(by_sentence.items()):
        for inner in named:
            if inner.cls not in INNER:
                continue
            parents = {t.object.value for t in gazetteer.facts(inner.iri) if t.predicate == LOCATED_IN}
            for outer in named:
                if outer.cls in OUTER and outer.iri in parents and outer.iri != inner.iri:
                    args = ((inner.start, inner.stop), (outer.start, outer.stop))
                    start, stop = min(inner.start, outer.start), max(inner.stop, outer.stop)
                    ev = Evidence(sentence, start, stop, "gazetteer-in-sentence", 0.9, args=args)
                    relations.append(Relation(inner.iri, "locatedIn", outer.iri, ev))
    return relations
