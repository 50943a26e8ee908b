"""The ontology files: kg.ttl against kg.vocab.KG, the sector scheme, the SHACL shapes, the JSON-LD context.

SHACL runs with inference="none" and kg.ttl as ont_graph: pyshacl copies the ontology's classes and properties
into the data, so sh:class and sh:targetClass follow rdfs:subClassOf (a kg:City is a kg:Location and a
kg:Entity). RDFS inference would also apply rdfs:domain and rdfs:range, typing every value of kg:refersTo as a
kg:Entity and hiding exactly the errors the shapes are there to catch
(`test_rdfs_inference_would_hide_an_untyped_referent`).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
from natasha import MorphVocab
from rdflib import OWL, RDF, RDFS, SH, SKOS, XSD, Graph, Literal, Node, URIRef
from rdflib.collection import Collection

from kg.morph import fold
from kg.vocab import KG, NIF, SCHEMA

ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"
SECTOR = "https://w3id.org/kg-news/id/sector/"
SECTOR_SLUGS = {
    "transport", "trade", "water", "agriculture", "industry", "energy", "renewables", "solar", "mining",
    "finance", "digital", "education", "healthcare", "tourism", "environment", "security", "diplomacy",
}
ID = "https://w3id.org/kg-news/id/"
SHAPES = "https://w3id.org/kg-news/shapes#"
DOC = URIRef(ID + "doc/t1")


@cache
def load(name: str) -> Graph:
    return Graph().parse(ONTOLOGY / name, format="turtle")


def local_name(term: Node) -> str:
    return str(term).split("#", 1)[1]


def langs(graph: Graph, subject: Node, predicate: URIRef) -> set[str | None]:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


# --- kg.ttl -------------------------------------------------------------------------------------------------

OWL_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}


@pytest.mark.parametrize("name", ["kg.ttl", "shapes.ttl", "sectors.ttl"])
def test_files_parse_with_rdflib_and_pyoxigraph(name: str) -> None:
    path = ONTOLOGY / name
    quads = list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
    assert len(quads) == len(load(name)) > 100


def test_every_vocab_term_is_declared_with_labels_and_comments() -> None:
    g = load("kg.ttl")
    for term in sorted(dir(KG)):
        types = set(g.objects(term, RDF.type)) & OWL_TYPES
        assert len(types) == 1, f"{term} needs exactly one of owl:Class/ObjectProperty/DatatypeProperty"
        assert {"en", "ru"} <= langs(g, term, RDFS.label), f"{term} needs rdfs:label @en and @ru"
        assert {"en", "ru"} <= langs(g, term, RDFS.comment), f"{term} needs rdfs:comment @en and @ru"


def test_every_declared_kg_term_is_in_vocab() -> None:
    g = load("kg.ttl")
    declared = {s for s in g.subjects() if isinstance(s, URIRef) and s.startswith(str(KG))}
    assert declared == set(dir(KG))


def test_declarations_are_sorted_within_each_section() -> None:
    text = (ONTOLOGY / "kg.ttl").read_text(encoding="utf-8")
    for kind in ("Class", "ObjectProperty", "DatatypeProperty"):
        names = re.findall(rf"^kg:(\w+) a owl:{kind}\b", text, flags=re.MULTILINE)
        assert names and names == sorted(names), kind


def test_ontology_header() -> None:
    g = load("kg.ttl")
    header = URIRef("https://w3id.org/kg-news/ontology")
    assert (header, RDF.type, OWL.Ontology) in g
    dcterms = "http://purl.org/dc/terms/"
    assert (header, URIRef(dcterms + "license"), URIRef("https://creativecommons.org/licenses/by/4.0/")) in g
    assert (header, URIRef(dcterms + "creator"), Literal("kg developers")) in g
    assert g.value(header, OWL.versionInfo) is not None


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (KG.Person, KG.Agent), (KG.Organization, KG.Agent), (KG.MediaOutlet, KG.Organization),
        (KG.InternationalOrganization, KG.Organization), (KG.Country, KG.Location), (KG.City, KG.Location),
        (KG.Region, KG.Location), (KG.Place, KG.Location), (KG.BorderCrossing, KG.Place),
        (KG.DryPort, KG.Place), (KG.SpecialEconomicZone, KG.Place), (KG.Visit, KG.Event),
        (KG.Summit, KG.Event), (KG.Meeting, KG.Event), (KG.Forum, KG.Event), (KG.Sector, SKOS.Concept),
        (KG.Person, SCHEMA.Person), (KG.Person, URIRef("http://xmlns.com/foaf/0.1/Person")),
        (KG.Organization, SCHEMA.Organization),
        (KG.Organization, URIRef("http://xmlns.com/foaf/0.1/Organization")),
        (KG.Country, SCHEMA.Country), (KG.City, SCHEMA.City), (KG.Place, SCHEMA.Place),
        (KG.Event, SCHEMA.Event), (KG.Document, SCHEMA.NewsArticle), (KG.Document, NIF.Context),
        (KG.Quotation, SCHEMA.Quotation), (KG.Quotation, KG.Statement), (KG.Mention, NIF.String),
        (KG.Build, URIRef("http://www.w3.org/ns/prov#Activity")),
    ],
)
def test_class_hierarchy_and_alignments(child: URIRef, parent: URIRef) -> None:
    g = load("kg.ttl") + Graph()
    # nif:Phrase is a nif:String in NIF 2.1 core, which kg.ttl does not copy
    g.add((NIF.Phrase, RDFS.subClassOf, NIF.String))
    assert parent in set(g.transitive_objects(child, RDFS.subClassOf))


@pytest.mark.parametrize(
    ("prop", "parent"),
    [
        (KG.mentions, SCHEMA.mentions), (KG.location, SCHEMA.location), (KG.participant, SCHEMA.attendee),
        (KG.refersTo, URIRef("http://www.w3.org/2005/11/its/rdf#taIdentRef")),
        (KG.supportedBy, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")),
    ],
)
def test_property_alignments(prop: URIRef, parent: URIRef) -> None:
    assert (prop, RDFS.subPropertyOf, parent) in load("kg.ttl")


# --- sectors.ttl --------------------------------------------------------------------------------------------

def sector(slug: str) -> URIRef:
    return URIRef(SECTOR + slug)


def test_sector_scheme_has_exactly_the_slugs_code_uses() -> None:
    g = load("sectors.ttl")
    scheme = URIRef(SECTOR + "scheme")
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    concepts = set(g.subjects(SKOS.inScheme, scheme))
    assert concepts == {sector(s) for s in SECTOR_SLUGS}
    assert concepts == set(g.subjects(RDF.type, KG.Sector)) == set(g.subjects(RDF.type, SKOS.Concept))


@pytest.mark.parametrize("slug", sorted(SECTOR_SLUGS))
def test_sector_labels_definitions_and_cues(slug: str) -> None:
    g, concept = load("sectors.ttl"), sector(slug)
    assert langs(g, concept, SKOS.prefLabel) == {"ru", "en"}
    assert len(list(g.objects(concept, SKOS.prefLabel))) == 2
    assert langs(g, concept, SKOS.definition) == {"ru", "en"}
    assert g.value(concept, SKOS.notation) == Literal(slug)
    cues = [str(c) for c in g.objects(concept, KG.cue)]
    assert len(cues) >= 10
    assert langs(g, concept, KG.cue) == {"ru"}
    for cue in cues:
        assert cue == fold(cue) == " ".join(cue.split()), f"{cue!r} must be lower case, ё-free, single-spaced"


# Indeclinable words that the analyser guesses a wrong lemma for; in text they only occur in this form.
INDECLINABLE = {"тенге"}


def test_every_cue_word_is_a_lemma() -> None:
    vocab = MorphVocab()
    wrong = set()
    for cue in load("sectors.ttl").objects(None, KG.cue):
        for word in str(cue).split():
            if word not in INDECLINABLE and word not in {fold(p.normal) for p in vocab(word)}:
                wrong.add(f"{cue}: {word}")
    assert not wrong


def test_sector_hierarchy() -> None:
    g = load("sectors.ttl")
    scheme = URIRef(SECTOR + "scheme")
    assert (sector("solar"), SKOS.broader, sector("renewables")) in g
    assert (sector("renewables"), SKOS.broader, sector("energy")) in g
    assert (sector("energy"), SKOS.narrower, sector("renewables")) in g
    assert (sector("renewables"), SKOS.narrower, sector("solar")) in g
    tops = set(g.objects(scheme, SKOS.hasTopConcept))
    assert tops == set(g.subjects(SKOS.topConceptOf, scheme))
    assert tops == {sector(s) for s in SECTOR_SLUGS - {"renewables", "solar"}}


def test_shapes_list_the_sectors_of_the_scheme() -> None:
    shapes = load("shapes.ttl")
    listed = shapes.value(URIRef(SHAPES + "SectorValueShape"), SH["in"])
    assert set(Collection(shapes, listed)) == set(load("sectors.ttl").subjects(RDF.type, KG.Sector))


def test_sector_scheme_conforms_to_the_shapes() -> None:
    conforms, results = validate(load("sectors.ttl"))
    assert conforms, results


# --- SHACL --------------------------------------------------------------------------------------------------

# One article, its sentences, mentions, entities, a relation with its evidence, a statement (a kg:Quotation),
# an event and a cooperation. Sentence 1 is TEXT[0:44], sentence 2 is TEXT[45:131].
TEXT = (
    "Президент Китая Си Цзиньпин прибыл в Астану. "
    "«Китай и Казахстан развивают транзит», — пишет казахстанский блогер Расул Рысмамбетов."
)
VALID = f"""
@base <{ID}> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix kg: <https://w3id.org/kg-news/ontology#> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<doc/t1> a kg:Document , schema:NewsArticle , nif:Context ;
    schema:headline "Си Цзиньпин в Астане"@ru ;
    schema:datePublished "2024-07-02"^^xsd:date ;
    schema:url <https://example.org/news/1> ;
    schema:inLanguage "ru" ;
    nif:isString "{TEXT}" ;
    kg:contentHash "{"0" * 64}" ;
    kg:source "news/t1.txt" ;
    kg:mentions <wd/Q15031> , <gn/1526273> , <wd/Q148> , <wd/Q232> , <person/rasul-rysmambetov> ;
    kg:reportedBy <org/el-kz> .

<doc/t1#char=0,44> a nif:Sentence ;
    nif:beginIndex "0"^^xsd:nonNegativeInteger ; nif:endIndex "44"^^xsd:nonNegativeInteger ;
    nif:anchorOf "Президент Китая Си Цзиньпин прибыл в Астану." ;
    nif:referenceContext <doc/t1> ;
    kg:aboutSector <sector/diplomacy> .

<doc/t1#char=45,131> a nif:Sentence ;
    nif:beginIndex "45"^^xsd:nonNegativeInteger ; nif:endIndex "131"^^xsd:nonNegativeInteger ;
    nif:anchorOf "«Китай и Казахстан развивают транзит», — пишет казахстанский блогер Расул Рысмамбетов." ;
    nif:referenceContext <doc/t1> ;
    kg:aboutSector <sector/transport> .

<doc/t1#char=16,27> a kg:Mention ;
    nif:beginIndex "16"^^xsd:nonNegativeInteger ; nif:endIndex "27"^^xsd:nonNegativeInteger ;
    nif:anchorOf "Си Цзиньпин" ; nif:referenceContext <doc/t1> ;
    kg:refersTo <wd/Q15031> ; kg:sentence <doc/t1#char=0,44> ; kg:origin "ner" .

<doc/t1#char=37,43> a kg:Mention ;
    nif:beginIndex "37"^^xsd:nonNegativeInteger ; nif:endIndex "43"^^xsd:nonNegativeInteger ;
    nif:anchorOf "Астану" ; nif:referenceContext <doc/t1> ;
    kg:refersTo <gn/1526273> ; kg:sentence <doc/t1#char=0,44> ; kg:origin "gazetteer" .

<doc/t1#char=46,51> a kg:Mention ;
    nif:beginIndex "46"^^xsd:nonNegativeInteger ; nif:endIndex "51"^^xsd:nonNegativeInteger ;
    nif:anchorOf "Китай" ; nif:referenceContext <doc/t1> ;
    kg:refersTo <wd/Q148> ; kg:sentence <doc/t1#char=45,131> ; kg:origin "gazetteer" .

<doc/t1#char=113,130> a kg:Mention ;
    nif:beginIndex "113"^^xsd:nonNegativeInteger ; nif:endIndex "130"^^xsd:nonNegativeInteger ;
    nif:anchorOf "Расул Рысмамбетов" ; nif:referenceContext <doc/t1> ;
    kg:refersTo <person/rasul-rysmambetov> ; kg:sentence <doc/t1#char=45,131> ; kg:origin "ner" .

<wd/Q15031> a kg:Person ;
    rdfs:label "Си Цзиньпин"@ru , "Xi Jinping"@en ;
    owl:sameAs <http://www.wikidata.org/entity/Q15031> ;
    kg:holdsPosition <position/president-china> ;
    kg:nationality <wd/Q148> .

<person/rasul-rysmambetov> a kg:Person ;
    rdfs:label "Расул Рысмамбетов"@ru ;
    kg:occupation <occupation/blogger> ;
    kg:nationality <wd/Q232> .

<wd/Q148> a kg:Country ;
    rdfs:label "Китай"@ru , "China"@en ;
    owl:sameAs <http://www.wikidata.org/entity/Q148> , <https://sws.geonames.org/1814991/> ;
    kg:isoAlpha2 "CN" ; kg:isoAlpha3 "CHN" ; kg:isoNumeric "156" ;
    kg:cooperatesWith <wd/Q232> .

<wd/Q232> a kg:Country ;
    rdfs:label "Казахстан"@ru , "Kazakhstan"@en ;
    owl:sameAs <http://www.wikidata.org/entity/Q232> ;
    kg:isoAlpha2 "KZ" ;
    kg:memberOf <org/eaeu> .

<gn/1526273> a kg:City ;
    rdfs:label "Астана"@ru , "Astana"@en ;
    owl:sameAs <https://sws.geonames.org/1526273/> ;
    geo:lat 51.1801 ; geo:long 71.44598 ;
    kg:population 1078362 ;
    kg:locatedIn <wd/Q232> ;
    kg:capitalOf <wd/Q232> .

<org/el-kz> a kg:MediaOutlet ; rdfs:label "El.kz"@ru .
<org/eaeu> a kg:InternationalOrganization ; rdfs:label "ЕАЭС"@ru , "EAEU"@en .

<occupation/president> a kg:Occupation ; rdfs:label "президент"@ru , "president"@en .
<occupation/blogger> a kg:Occupation ; rdfs:label "блогер"@ru , "blogger"@en .
<position/president-china> a kg:Position ;
    rdfs:label "президент Китая"@ru , "President of China"@en ;
    kg:role <occupation/president> ;
    kg:positionIn <wd/Q148> .

<doc/t1#evidence-1> a kg:Evidence ;
    rdf:subject <wd/Q15031> ; rdf:predicate kg:holdsPosition ; rdf:object <position/president-china> ;
    kg:sentence <doc/t1#char=0,44> ;
    nif:beginIndex "0"^^xsd:nonNegativeInteger ; nif:endIndex "27"^^xsd:nonNegativeInteger ;
    kg:rule "position-appositive" ;
    kg:confidence 0.9 ;
    kg:cue "президент" ;
    prov:wasDerivedFrom <doc/t1> .

<doc/t1#char=46,81> a kg:Quotation ;
    kg:quote "Китай и Казахстан развивают транзит" ;
    nif:beginIndex "46"^^xsd:nonNegativeInteger ; nif:endIndex "81"^^xsd:nonNegativeInteger ;
    nif:referenceContext <doc/t1> ;
    kg:speaker <person/rasul-rysmambetov> ;
    kg:aboutSector <sector/transport> ;
    kg:mentions <wd/Q148> , <wd/Q232> ;
    prov:wasDerivedFrom <doc/t1> .

<event/visit-q15031-1526273> a kg:Visit ;
    rdfs:label "визит Си Цзиньпина в Астану"@ru ;
    kg:participant <wd/Q15031> ;
    kg:location <gn/1526273> ;
    kg:date "2024-07-02"^^xsd:date .

<cooperation/q148-q232-transport> a kg:Cooperation ;
    kg:participant <wd/Q148> , <wd/Q232> ;
    kg:aboutSector <sector/transport> ;
    kg:supportedBy <doc/t1#char=46,81> .
"""

Result = tuple[Node, Node | None, Node, Node | None]  # focus node, path, constraint component, value


def validate(data: Graph, inference: str = "none") -> tuple[bool, list[Result]]:
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=load("shapes.ttl"), ont_graph=load("kg.ttl"), inference=inference,
    )
    assert isinstance(report, Graph)
    results = [
        (
            report.value(r, SH.focusNode), report.value(r, SH.resultPath),
            report.value(r, SH.sourceConstraintComponent), report.value(r, SH.value),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]
    return bool(conforms), results


def example() -> Graph:
    return Graph().parse(data=VALID, format="turtle")


def iri(path: str) -> URIRef:
    return URIRef(ID + path)


def test_example_offsets_are_those_of_the_text() -> None:
    g = example()
    for span, anchor in g.subject_objects(NIF.anchorOf):
        begin, end = int(g.value(span, NIF.beginIndex)), int(g.value(span, NIF.endIndex))
        assert TEXT[begin:end] == str(anchor)
    for statement, quote in g.subject_objects(KG.quote):
        begin, end = int(g.value(statement, NIF.beginIndex)), int(g.value(statement, NIF.endIndex))
        assert TEXT[begin:end] == str(quote)


def test_valid_example_conforms() -> None:
    conforms, results = validate(example())
    assert conforms, results


def expect_violation(
    data: Graph, focus: URIRef, path: URIRef | None, component: URIRef, value: Node | None = None
) -> None:
    """The graph does not conform, and a result has this focus node, path, component (and value, if given)."""
    conforms, results = validate(data)
    assert not conforms
    assert any(
        result[:3] == (focus, path, component) and value in (None, result[3]) for result in results
    ), results


def test_mention_with_begin_after_end() -> None:
    g, mention = example(), iri("doc/t1#char=16,27")
    g.set((mention, NIF.beginIndex, Literal(30, datatype=XSD.nonNegativeInteger)))
    expect_violation(g, mention, NIF.beginIndex, SH.LessThanConstraintComponent)


def test_evidence_with_confidence_above_one() -> None:
    g, evidence = example(), iri("doc/t1#evidence-1")
    g.set((evidence, KG.confidence, Literal("1.5", datatype=XSD.decimal)))
    expect_violation(g, evidence, KG.confidence, SH.MaxInclusiveConstraintComponent)


def test_cooperation_with_one_participant() -> None:
    g, cooperation = example(), iri("cooperation/q148-q232-transport")
    g.remove((cooperation, KG.participant, iri("wd/Q232")))
    expect_violation(g, cooperation, KG.participant, SH.MinCountConstraintComponent)


def test_entity_without_russian_label() -> None:
    g, china = example(), iri("wd/Q148")
    g.remove((china, RDFS.label, Literal("Китай", lang="ru")))
    expect_violation(g, china, RDFS.label, SH.QualifiedMinCountConstraintComponent)


def test_mention_of_an_untyped_referent() -> None:
    g, mention = example(), iri("doc/t1#char=16,27")
    g.set((mention, KG.refersTo, iri("thing/unknown")))
    expect_violation(g, mention, KG.refersTo, SH.ClassConstraintComponent)


def test_rdfs_inference_would_hide_an_untyped_referent() -> None:
    g, mention = example(), iri("doc/t1#char=16,27")
    g.set((mention, KG.refersTo, iri("thing/unknown")))
    _, results = validate(g, inference="rdfs")
    # The range of kg:refersTo made the unknown thing a kg:Entity. (The range of kg:aboutSector likewise
    # makes each sector IRI a kg:Sector, and the sector shape then asks for labels the graph does not hold.)
    assert not [r for r in results if r[:3] == (mention, KG.refersTo, SH.ClassConstraintComponent)]


def test_anchor_that_is_not_the_text_at_its_offsets() -> None:
    g, mention = example(), iri("doc/t1#char=37,43")
    g.set((mention, NIF.anchorOf, Literal("Астана")))
    expect_violation(g, DOC, None, SH.SPARQLConstraintComponent, mention)


def test_mention_outside_its_sentence() -> None:
    g, mention = example(), iri("doc/t1#char=46,51")
    g.set((mention, KG.sentence, iri("doc/t1#char=0,44")))
    expect_violation(g, DOC, None, SH.SPARQLConstraintComponent, mention)


def test_evidence_of_a_triple_the_graph_does_not_assert() -> None:
    g = example()
    g.remove((iri("wd/Q15031"), KG.holdsPosition, iri("position/president-china")))
    expect_violation(g, DOC, None, SH.SPARQLConstraintComponent, iri("doc/t1#evidence-1"))


def test_cooperation_about_a_sector_outside_the_scheme() -> None:
    g, cooperation = example(), iri("cooperation/q148-q232-transport")
    g.set((cooperation, KG.aboutSector, URIRef(SECTOR + "logistics")))
    expect_violation(g, cooperation, KG.aboutSector, SH.NodeConstraintComponent)


def test_optional_parts_may_be_absent() -> None:
    g = example()
    statement, evidence = iri("doc/t1#char=46,81"), iri("doc/t1#evidence-1")
    for s, p in [
        (DOC, SCHEMA.headline), (DOC, SCHEMA.datePublished), (DOC, SCHEMA.url), (DOC, KG.reportedBy),
        (statement, KG.speaker), (statement, KG.aboutSector), (evidence, KG.sentence), (evidence, KG.cue),
        (evidence, NIF.beginIndex), (evidence, NIF.endIndex), (iri("event/visit-q15031-1526273"), KG.date),
    ]:
        g.remove((s, p, None))
    conforms, results = validate(g)
    assert conforms, results


# --- context.jsonld -----------------------------------------------------------------------------------------

def context() -> dict:
    return json.loads((ONTOLOGY / "context.jsonld").read_text(encoding="utf-8"))["@context"]


def expand(ctx: dict, value: str) -> str:
    prefix, _, rest = value.partition(":")
    return ctx[prefix] + rest if prefix in ctx and isinstance(ctx[prefix], str) else value


def test_context_has_a_term_for_every_vocab_term() -> None:
    ctx = context()
    g = load("kg.ttl")
    for term in dir(KG):
        definition = ctx[local_name(term)]
        iri_ = definition["@id"] if isinstance(definition, dict) else definition
        assert expand(ctx, iri_) == str(term)
        is_object_property = (term, RDF.type, OWL.ObjectProperty) in g
        assert is_object_property == (isinstance(definition, dict) and definition.get("@type") == "@id"), term


def test_context_reads_a_document() -> None:
    doc = {
        "@context": context(),
        "@graph": [
            {
                "id": str(DOC), "type": ["Document", "schema:NewsArticle", "Context"],
                "headline": {"@value": "Си Цзиньпин в Астане", "@language": "ru"},
                "isString": TEXT, "mentions": [ID + "wd/Q148"],
            },
            {
                "id": ID + "doc/t1#char=46,51", "type": "Mention", "beginIndex": 46, "endIndex": "51",
                "anchorOf": "Китай", "referenceContext": str(DOC), "refersTo": ID + "wd/Q148",
            },
            {
                "id": ID + "doc/t1#evidence-1", "type": "Evidence",
                "confidence": "0.9", "predicate": "kg:holdsPosition",
            },
            {"id": ID + "wd/Q148", "type": "Country", "label": {"@value": "Китай", "@language": "ru"},
             "sameAs": "wd:Q148", "aboutSector": "sector:trade"},
        ],
    }
    g = Graph().parse(data=json.dumps(doc, ensure_ascii=False), format="json-ld")
    mention = iri("doc/t1#char=46,51")
    assert (DOC, RDF.type, KG.Document) in g and (DOC, RDF.type, NIF.Context) in g
    assert (DOC, SCHEMA.headline, Literal("Си Цзиньпин в Астане", lang="ru")) in g
    assert (DOC, KG.mentions, iri("wd/Q148")) in g
    assert (mention, NIF.beginIndex, Literal("46", datatype=XSD.integer)) in g
    assert (mention, NIF.endIndex, Literal("51", datatype=XSD.integer)) in g
    assert (mention, NIF.referenceContext, DOC) in g and (mention, KG.refersTo, iri("wd/Q148")) in g
    assert (iri("doc/t1#evidence-1"), KG.confidence, Literal("0.9", datatype=XSD.decimal)) in g
    assert (iri("doc/t1#evidence-1"), RDF.predicate, KG.holdsPosition) in g
    assert (iri("wd/Q148"), OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q148")) in g
    assert (iri("wd/Q148"), KG.aboutSector, URIRef(SECTOR + "trade")) in g
