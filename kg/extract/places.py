"""Where places are, as the text shows it: a place named in one sentence with the country it lies in."""

from __future__ import annotations

from pyoxigraph import NamedNode

from kg.gazetteer import Gazetteer
from kg.types import AnnotatedDocument, Evidence, Mention, Relation, Sentence
from kg.vocab import KG

INNER = {"City", "Region", "Place"}
OUTER = {"Country", "Region"}
LOCATED_IN = NamedNode(str(KG.locatedIn))
WINDOW = 40


def located_in(adoc: AnnotatedDocument, mentions: list[Mention], gazetteer: Gazetteer) -> list[Relation]:
    """`place kg:locatedIn country` for each place named close to the country the gazetteer puts it in, with no
    verb between them («в армянском Гаваре», «Росарио в центральной части Аргентины»)."""
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
                if outer.cls in OUTER and outer.iri in parents and _close(adoc.sentences[sentence], inner, outer):
                    args = ((inner.start, inner.stop), (outer.start, outer.stop))
                    start, stop = min(inner.start, outer.start), max(inner.stop, outer.stop)
                    ev = Evidence(sentence, start, stop, "gazetteer-in-sentence", 0.9, args=args)
                    relations.append(Relation(inner.iri, "locatedIn", outer.iri, ev))
    return relations


def _close(sentence: Sentence, a: Mention, b: Mention) -> bool:
    """Two mentions at most WINDOW characters apart with no verb between them."""
    left, right = sorted((a, b), key=lambda m: m.start)
    if right.start - left.stop > WINDOW:
        return False
    return not any(t.pos in {"VERB", "AUX"} and left.stop <= t.start < right.start for t in sentence.tokens)
