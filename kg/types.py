"""The plain records every pipeline stage takes and returns.

Third-party objects (natasha docs, rdflib graphs, pyoxigraph terms) never cross a stage boundary: each stage
converts them into these frozen dataclasses, which pickle cheaply between worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Entity classes, as local names in the kg ontology (kg:Person, kg:City, ...).
PERSON = "Person"
ORGANIZATION = "Organization"
MEDIA = "MediaOutlet"
INTERNATIONAL_ORG = "InternationalOrganization"
COUNTRY = "Country"
CITY = "City"
REGION = "Region"
PLACE = "Place"
CURRENCY = "Currency"
INITIATIVE = "Initiative"
ENTITY_CLASSES = (
    PERSON, ORGANIZATION, MEDIA, INTERNATIONAL_ORG, COUNTRY, CITY, REGION, PLACE, CURRENCY, INITIATIVE,
)
# The coarse type of each class, as NER corpora annotate it.
COARSE = {
    PERSON: "PER",
    ORGANIZATION: "ORG", MEDIA: "ORG", INTERNATIONAL_ORG: "ORG",
    COUNTRY: "LOC", CITY: "LOC", REGION: "LOC", PLACE: "LOC",
    CURRENCY: "MISC", INITIATIVE: "MISC",
}


@dataclass(frozen=True, slots=True)
class Document:
    """One news article as read from input."""

    id: str
    text: str
    title: str = ""
    date: str = ""  # ISO 8601 date or datetime, as given
    url: str = ""
    source: str = ""  # where it came from: a file path relative to the input, or a feed name
    language: str = "ru"


@dataclass(frozen=True, slots=True)
class IngestError:
    """A document that could not be read, and why."""

    source: str
    message: str


@dataclass(frozen=True, slots=True)
class Token:
    """A word or punctuation mark with its morphology and syntax."""

    start: int
    stop: int
    text: str
    lemma: str
    pos: str
    feats: tuple[tuple[str, str], ...]
    head: int  # index of the head token within the sentence, -1 for the root
    rel: str
    lemmas: tuple[str, ...]  # folded: the contextual lemma, the word form, then every dictionary lemma
    common: bool = False  # a dictionary word with no reading as a name («Жители», «Сухой»)

    def feat(self, name: str) -> str:
        """The value of one morphological feature, or ''."""
        return next((v for k, v in self.feats if k == name), "")


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    stop: int
    text: str
    tokens: tuple[Token, ...]


@dataclass(frozen=True, slots=True)
class NerSpan:
    """A named-entity span from natasha, with its normal (nominative) form."""

    start: int
    stop: int
    type: str  # PER, LOC, ORG
    text: str
    normal: str


@dataclass(frozen=True, slots=True)
class AnnotatedDocument:
    document: Document
    sentences: tuple[Sentence, ...]
    spans: tuple[NerSpan, ...]


@dataclass(frozen=True, slots=True)
class Mention:
    """A stretch of text that names an entity."""

    start: int
    stop: int
    text: str
    cls: str  # one of ENTITY_CLASSES
    normal: str  # nominative form, as written
    key: str  # entity key inside the document; mentions with one key are one entity
    iri: str = ""  # gazetteer IRI when the name is known
    origin: str = "ner"  # ner | gazetteer | coref
    sentence: int = -1  # index into AnnotatedDocument.sentences


@dataclass(frozen=True, slots=True)
class Entity:
    """One real thing, with the facts we know about it."""

    iri: str
    cls: str
    label_ru: str
    label_en: str = ""
    same_as: tuple[str, ...] = ()  # Wikidata and GeoNames IRIs
    in_gazetteer: bool = False


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a fact was read: the sentence, the rule and how sure we are."""

    sentence: int  # index into AnnotatedDocument.sentences
    start: int  # character offsets of the cue inside the document
    stop: int
    rule: str
    confidence: float
    cues: tuple[str, ...] = ()
    args: tuple[tuple[int, int], tuple[int, int]] | None = None  # subject and object spans as written


@dataclass(frozen=True, slots=True)
class Relation:
    """A subject-predicate-object fact, with the evidence it was read from (None for structural facts)."""

    subject: str  # an IRI
    predicate: str  # a local name in the kg ontology ("holdsPosition") or a full IRI
    object: str  # an IRI, or the lexical form of a literal when `datatype` is set
    evidence: Evidence | None = None
    datatype: str = ""  # for literal objects: an XSD local name ("date", "string") or "ru" for a Russian string


@dataclass(frozen=True, slots=True)
class Node:
    """A resource created by extraction (an event, a position, a statement, a cooperation) with its facts."""

    iri: str
    cls: str  # local name in the kg ontology
    label_ru: str = ""
    label_en: str = ""
    facts: tuple[Relation, ...] = ()


@dataclass(frozen=True, slots=True)
class DocResult:
    """Everything extracted from one document, linked to IRIs and ready for RDF."""

    document: Document
    sentences: tuple[tuple[int, int], ...]  # sentence offsets
    mentions: tuple[Mention, ...]
    entities: tuple[Entity, ...]
    relations: tuple[Relation, ...] = ()
    nodes: tuple[Node, ...] = ()
    tokens: int = 0


@dataclass
class BuildReport:
    """What a build did: counts, failures and timings."""

    documents: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[IngestError] = field(default_factory=list)
    classes: dict[str, int] = field(default_factory=dict)
    triples: int = 0
    tokens: int = 0
    seconds: float = 0.0
