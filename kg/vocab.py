"""Namespaces and IRIs: the kg ontology as a closed rdflib namespace, and the deterministic IRI scheme."""

from __future__ import annotations

from functools import lru_cache

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace
from slugify import slugify

BASE = "https://w3id.org/kg-news/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
ONTOLOGY_GRAPH = GRAPH + "ontology"
ENTITIES_GRAPH = GRAPH + "entities"  # descriptions of the things articles name, each stored once
BUILD_GRAPH = GRAPH + "build"

WD = Namespace("http://www.wikidata.org/entity/")
GN = Namespace("https://sws.geonames.org/")
SCHEMA = Namespace("https://schema.org/")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
PROV = Namespace("http://www.w3.org/ns/prov#")


class KG(DefinedNamespace):
    """The kg ontology (`ontology/kg.ttl`); an undeclared term raises AttributeError."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes: documents and text
    Document: URIRef
    Sentence: URIRef
    Mention: URIRef
    Evidence: URIRef
    Statement: URIRef
    Quotation: URIRef
    # classes: entities
    Entity: URIRef
    Agent: URIRef
    Person: URIRef
    Organization: URIRef
    MediaOutlet: URIRef
    InternationalOrganization: URIRef
    Location: URIRef
    Country: URIRef
    City: URIRef
    Region: URIRef
    Place: URIRef
    BorderCrossing: URIRef
    DryPort: URIRef
    SpecialEconomicZone: URIRef
    Currency: URIRef
    Initiative: URIRef
    Occupation: URIRef
    Position: URIRef
    Sector: URIRef
    # classes: events and n-ary facts
    Event: URIRef
    Visit: URIRef
    Summit: URIRef
    Meeting: URIRef
    Forum: URIRef
    Cooperation: URIRef
    Build: URIRef

    # document and text
    mentions: URIRef
    refersTo: URIRef
    sentence: URIRef
    origin: URIRef
    contentHash: URIRef
    source: URIRef
    reportedBy: URIRef
    # evidence
    evidence: URIRef
    rule: URIRef
    confidence: URIRef
    cue: URIRef
    # entities
    locatedIn: URIRef
    capitalOf: URIRef
    memberOf: URIRef
    nationality: URIRef
    occupation: URIRef
    holdsPosition: URIRef
    positionIn: URIRef
    role: URIRef
    worksFor: URIRef
    headquarteredIn: URIRef
    isoAlpha2: URIRef
    isoAlpha3: URIRef
    isoNumeric: URIRef
    currencyCode: URIRef
    population: URIRef
    demonym: URIRef
    matchName: URIRef
    matchKey: URIRef
    # events, statements, cooperation
    participant: URIRef
    location: URIRef
    date: URIRef
    speaker: URIRef
    quote: URIRef
    aboutSector: URIRef
    cooperatesWith: URIRef
    supportedBy: URIRef


@lru_cache(maxsize=20_000)  # names repeat across documents, and transliteration costs ~0.1 ms a call
def slug(text: str) -> str:
    """The transliterated, IRI-safe form of a name («Расул Рысмамбетов» → rasul-rysmambetov)."""
    return slugify(text)


def entity_iri(kind: str, name: str) -> str:
    """The IRI of an entity: kind is 'wd', 'gn' or a lower-case class name."""
    return f"{ID}{kind}/{name}"


def doc_iri(doc_id: str) -> str:
    """The IRI of a document."""
    return f"{ID}doc/{doc_id}"


def doc_graph(doc_id: str) -> str:
    """The named graph that holds what was extracted from one document."""
    return f"{GRAPH}doc/{doc_id}"


SPAN = "#char="  # what a span's IRI adds to its document's (RFC 5147), and no other IRI of ours holds


def span_iri(doc_id: str, start: int, stop: int) -> str:
    """A NIF string IRI for characters [start, stop) of a document (RFC 5147 fragment)."""
    return f"{doc_iri(doc_id)}{SPAN}{start},{stop}"
