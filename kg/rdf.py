"""One document's results as RDF quads in its own named graph, with offsets, evidence and provenance."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from functools import lru_cache

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, serialize
from rdflib.namespace import OWL, RDF, RDFS, XSD

from kg.gazetteer import Gazetteer
from kg.types import DocResult, Evidence, Relation
from kg.vocab import ENTITIES_GRAPH, KG, NIF, PROV, SCHEMA, doc_graph, doc_iri, span_iri

PREFIXES = {
    "kg": str(KG),
    "kgr": "https://w3id.org/kg-news/id/",
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": str(SCHEMA),
    "nif": str(NIF),
    "prov": str(PROV),
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "wd": "http://www.wikidata.org/entity/",
    "gn": "https://sws.geonames.org/",
}
# Gazetteer links whose targets get a type and a label in the same graph, so every node shown has a name.
LINKS = (str(KG.locatedIn), str(KG.capitalOf), str(KG.memberOf))
TYPE, LABEL = NamedNode(str(RDF.type)), NamedNode(str(RDFS.label))
# A triple as a plain tuple: ~10x cheaper to make than a pyoxigraph Triple, and it unpacks straight into a Quad.
Statement = tuple[NamedNode, NamedNode, NamedNode | Literal]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")


@lru_cache(maxsize=50_000)  # predicates, classes and entities repeat in every document
def n(iri: str) -> NamedNode:
    """A named node for a full IRI or a kg local name."""
    return NamedNode(iri if ":" in iri else str(KG) + iri)


# The terms of every mention and evidence record, built once (rdflib's namespace lookups are slow per call).
BEGIN, END, ANCHOR = n(str(NIF.beginIndex)), n(str(NIF.endIndex)), n(str(NIF.anchorOf))
CONTEXT, SENTENCE, REFERS_TO, ORIGIN = n(str(NIF.referenceContext)), n("sentence"), n("refersTo"), n("origin")
SUBJECT, PREDICATE, OBJECT = n(str(RDF.subject)), n(str(RDF.predicate)), n(str(RDF.object))
EVIDENCE, RULE, CONFIDENCE, CUE = n("Evidence"), n("rule"), n("confidence"), n("cue")
DERIVED_FROM = n(str(PROV.wasDerivedFrom))
INTEGER, DECIMAL = n(str(XSD.integer)), n(str(XSD.decimal))


def integer(value: int) -> Literal:
    """An xsd:integer: the store keeps every integer type (NIF's xsd:nonNegativeInteger too) as one."""
    return Literal(str(value), datatype=INTEGER)


def decimal(value: float) -> Literal:
    """Two places at most, in the canonical form the store writes back (`0.9`, not `0.90`)."""
    return Literal(format(Decimal(f"{value:.2f}").normalize(), "f"), datatype=DECIMAL)


def doc_quads(result: DocResult, gazetteer: Gazetteer) -> tuple[list[Quad], list[Quad]]:
    """Every quad for one document: what was read from the text, in the document's own graph; and the
    descriptions of the things it names (types, labels, gazetteer facts, posts, events), in the shared entities
    graph, where each description is stored once however many articles name the thing."""
    own = [*_document(result), *_sentences(result), *_mentions(result)]
    shared = _entities(result, gazetteer)
    for relation in result.relations:
        own.extend(_relation(result, relation))
    local = doc_iri(result.document.id) + "#"
    for node in result.nodes:
        described = own if node.iri.startswith(local) else shared
        described.append((n(node.iri), TYPE, n(node.cls)))
        if node.label_ru:
            described.append((n(node.iri), LABEL, Literal(node.label_ru, language="ru")))
        if node.label_en:
            described.append((n(node.iri), LABEL, Literal(node.label_en, language="en")))
        for fact in node.facts:
            (own if fact.evidence is not None else described).extend(_relation(result, fact))
    graph, entities = NamedNode(doc_graph(result.document.id)), NamedNode(ENTITIES_GRAPH)
    # Neither sorted nor deduplicated: the store keeps each quad once, and the files are sorted when written.
    return [Quad(*t, graph) for t in own], [Quad(*t, entities) for t in shared]


def to_nquads(quads: list[Quad]) -> bytes:
    """N-Quads bytes: how results travel between processes and into the store."""
    return serialize(quads, format=RdfFormat.N_QUADS)


def _document(result: DocResult) -> list[Statement]:
    """The article node: types, metadata, text and the entities it mentions."""
    doc = result.document
    s = NamedNode(doc_iri(doc.id))
    triples = [
        (s, TYPE, n("Document")),
        (s, TYPE, n(str(SCHEMA.NewsArticle))),
        (s, TYPE, n(str(NIF.Context))),
        (s, n(str(SCHEMA.inLanguage)), Literal(doc.language)),
        (s, n(str(NIF.isString)), Literal(doc.text)),
        (s, n("contentHash"), Literal(hashlib.sha256(doc.text.encode()).hexdigest())),
    ]
    if doc.title:
        triples.append((s, n(str(SCHEMA.headline)), Literal(doc.title, language=doc.language)))
    if doc.source:
        triples.append((s, n("source"), Literal(doc.source)))
    if _DATE.match(doc.date):
        triples.append((s, n(str(SCHEMA.datePublished)), Literal(doc.date, datatype=n(str(XSD.date)))))
    elif _DATETIME.match(doc.date):
        triples.append(
            (s, n(str(SCHEMA.datePublished)), Literal(doc.date, datatype=n(str(XSD.dateTime))))
        )
    if doc.url:
        triples.append((s, n(str(SCHEMA.url)), _url(doc.url)))
    for iri in sorted({m.iri for m in result.mentions}):
        triples.append((s, n("mentions"), NamedNode(iri)))
    return triples


def _url(url: str) -> NamedNode | Literal:
    """The URL as an IRI, or as an xsd:anyURI literal when it is not a valid IRI."""
    try:
        return NamedNode(url)
    except ValueError:
        return Literal(url, datatype=n(str(XSD.anyURI)))


def _span(doc_id: str, text: str, start: int, stop: int, cls: str) -> list[Statement]:
    """A NIF string of the document: offsets, anchor text and context."""
    s = NamedNode(span_iri(doc_id, start, stop))
    return [
        (s, TYPE, n(cls)),
        (s, BEGIN, integer(start)),
        (s, END, integer(stop)),
        (s, ANCHOR, Literal(text[start:stop])),
        (s, CONTEXT, n(doc_iri(doc_id))),
    ]


def _sentences(result: DocResult) -> list[Statement]:
    doc = result.document
    return [t for start, stop in result.sentences for t in _span(doc.id, doc.text, start, stop, str(NIF.Sentence))]


def _sentence_iri(result: DocResult, index: int) -> NamedNode:
    start, stop = result.sentences[index]
    return NamedNode(span_iri(result.document.id, start, stop))


def _mentions(result: DocResult) -> list[Statement]:
    """Each mention with its offsets, the entity it names and the sentence it sits in."""
    doc = result.document
    triples = []
    for m in result.mentions:
        triples.extend(_span(doc.id, doc.text, m.start, m.stop, "Mention"))
        s = NamedNode(span_iri(doc.id, m.start, m.stop))
        triples.append((s, REFERS_TO, n(m.iri)))
        triples.append((s, ORIGIN, Literal(m.origin)))
        if m.sentence >= 0:
            triples.append((s, SENTENCE, _sentence_iri(result, m.sentence)))
    return triples


def _entities(result: DocResult, gazetteer: Gazetteer) -> list[Statement]:
    """Entity descriptions: gazetteer facts, or class and label, plus the names of the places they link to."""
    triples = []
    for entity in result.entities:
        s = NamedNode(entity.iri)
        if entity.in_gazetteer:
            facts = gazetteer.facts(entity.iri)
            triples.extend((t.subject, t.predicate, t.object) for t in facts)
            for fact in facts:
                if fact.predicate.value in LINKS:
                    triples.extend(
                        (t.subject, t.predicate, t.object)
                        for t in gazetteer.facts(fact.object.value)
                        if t.predicate in (TYPE, LABEL)
                    )
            continue
        triples.append((s, TYPE, n(entity.cls)))
        triples.append((s, LABEL, Literal(entity.label_ru, language="ru")))
        if entity.label_en:
            triples.append((s, LABEL, Literal(entity.label_en, language="en")))
        triples.extend((s, n(str(OWL.sameAs)), NamedNode(iri)) for iri in entity.same_as)
    return triples


def _object(relation: Relation) -> NamedNode | Literal:
    if not relation.datatype:
        return n(relation.object)
    if relation.datatype == "ru":
        return Literal(relation.object, language="ru")
    return Literal(relation.object, datatype=NamedNode(str(XSD) + relation.datatype))


def _relation(result: DocResult, relation: Relation) -> list[Statement]:
    """The fact itself and, when it was read from text, a reified evidence record."""
    fact = (n(relation.subject), n(relation.predicate), _object(relation))
    if relation.evidence is None:
        return [fact]
    return [fact, *_evidence(result, fact, relation.evidence)]


def _evidence(result: DocResult, fact: Statement, ev: Evidence) -> list[Statement]:
    doc_id = result.document.id
    digest = hashlib.sha1(f"{Triple(*fact)}|{ev.start}|{ev.stop}|{ev.rule}".encode()).hexdigest()[:12]
    s = NamedNode(f"{doc_iri(doc_id)}#evidence-{digest}")
    triples = [
        (s, TYPE, EVIDENCE),
        (s, SUBJECT, fact[0]),
        (s, PREDICATE, fact[1]),
        (s, OBJECT, fact[2]),
        (s, BEGIN, integer(ev.start)),
        (s, END, integer(ev.stop)),
        (s, RULE, Literal(ev.rule)),
        (s, CONFIDENCE, decimal(ev.confidence)),
        (s, DERIVED_FROM, n(doc_iri(doc_id))),
    ]
    if ev.sentence >= 0:
        triples.append((s, SENTENCE, _sentence_iri(result, ev.sentence)))
    triples.extend((s, CUE, Literal(cue, language="ru")) for cue in ev.cues)
    return triples
