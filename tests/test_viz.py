"""The graph explorer without a browser: projection, offline page, escaping, determinism and tables."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from pyoxigraph import RdfFormat, Store

from kg import viz

NAMESPACES = {
    "kg": "https://w3id.org/kg-news/ontology#",
    "kgr": "https://w3id.org/kg-news/id/",
    "g": "https://w3id.org/kg-news/graph/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "nif": "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#",
    "prov": "http://www.w3.org/ns/prov#",
    "wd": "http://www.wikidata.org/entity/",
    "gn": "https://sws.geonames.org/",
}
XI = NAMESPACES["kgr"] + "wd/Q15031"
KHORGOS = NAMESPACES["kgr"] + "place/khorgos"
SENTENCE = "Президент Китая Си Цзиньпин прибыл в Астану с государственным визитом."
QUOTE = "Хоргос станет главным сухопутным окном Центральной Азии"
COOPERATION_SENTENCE = "Казахстан и Китай построят ветровые электростанции."

# A small build following ontology/README.md: two articles, the ontology graph, evidence, a statement, sectors.
# Written with prefixed IRIs for readability; `nquads()` expands them into N-Quads.
FIXTURE = f"""
<kg:holdsPosition> <rdfs:label> "занимает должность"@ru <g:ontology> .
<kg:holdsPosition> <rdfs:label> "holds position"@en <g:ontology> .
<kg:locatedIn> <rdfs:label> "находится в"@ru <g:ontology> .
<kg:locatedIn> <rdfs:label> "located in"@en <g:ontology> .
<kg:participant> <rdfs:label> "участник"@ru <g:ontology> .
<kg:Person> <rdfs:label> "человек"@ru <g:ontology> .
<kg:Person> <rdfs:label> "person"@en <g:ontology> .
<kg:Place> <rdfs:label> "место"@ru <g:ontology> .
<kg:City> <rdfs:subClassOf> <kg:Place> <g:ontology> .
<kg:Country> <rdfs:subClassOf> <kg:Location> <g:ontology> .
<kg:Place> <rdfs:subClassOf> <kg:Location> <g:ontology> .
<kg:Sector> <rdfs:label> "отрасль"@ru <g:ontology> .
<kgr:sector/transport> <rdf:type> <skos:Concept> <g:ontology> .
<kgr:sector/transport> <skos:prefLabel> "транспорт"@ru <g:ontology> .
<kgr:sector/transport> <skos:prefLabel> "transport"@en <g:ontology> .
<kgr:sector/energy> <rdf:type> <skos:Concept> <g:ontology> .
<kgr:sector/energy> <skos:prefLabel> "энергетика"@ru <g:ontology> .
<kgr:sector/energy> <skos:prefLabel> "energy"@en <g:ontology> .
<kgr:sector/water> <rdf:type> <skos:Concept> <g:ontology> .
<kgr:sector/water> <skos:prefLabel> "водные ресурсы"@ru <g:ontology> .

<kgr:doc/seed> <rdf:type> <kg:Document> <g:doc/seed> .
<kgr:doc/seed> <rdf:type> <schema:NewsArticle> <g:doc/seed> .
<kgr:doc/seed> <schema:headline> "Си Цзиньпин прибыл в Астану"@ru <g:doc/seed> .
<kgr:doc/seed> <kg:mentions> <kgr:wd/Q15031> <g:doc/seed> .
<kgr:doc/seed> <kg:mentions> <kgr:wd/Q148> <g:doc/seed> .
<kgr:doc/seed> <kg:mentions> <kgr:wd/Q232> <g:doc/seed> .
<kgr:doc/seed> <kg:mentions> <kgr:wd/Q1520> <g:doc/seed> .
<kgr:doc/seed> <kg:mentions> <kgr:place/khorgos> <g:doc/seed> .
<kgr:doc/seed> <kg:mentions> <kgr:person/rasul-rysmambetov> <g:doc/seed> .
<kgr:doc/seed> <kg:reportedBy> <kgr:mediaoutlet/el-kz> <g:doc/seed> .
<kgr:doc/seed#char=0,70> <rdf:type> <nif:Sentence> <g:doc/seed> .
<kgr:doc/seed#char=0,70> <nif:anchorOf> "{SENTENCE}" <g:doc/seed> .
<kgr:doc/seed#char=0,70> <nif:referenceContext> <kgr:doc/seed> <g:doc/seed> .
<kgr:doc/seed#char=71,122> <rdf:type> <nif:Sentence> <g:doc/seed> .
<kgr:doc/seed#char=71,122> <nif:anchorOf> "{COOPERATION_SENTENCE}" <g:doc/seed> .
<kgr:doc/seed#char=71,122> <nif:referenceContext> <kgr:doc/seed> <g:doc/seed> .
<kgr:doc/seed#char=16,27> <rdf:type> <kg:Mention> <g:doc/seed> .
<kgr:doc/seed#char=16,27> <kg:refersTo> <kgr:wd/Q15031> <g:doc/seed> .
<kgr:doc/seed#char=16,27> <nif:anchorOf> "Си Цзиньпин" <g:doc/seed> .
<kgr:doc/seed#char=200,211> <rdf:type> <kg:Mention> <g:doc/seed> .
<kgr:doc/seed#char=200,211> <kg:refersTo> <kgr:wd/Q15031> <g:doc/seed> .
<kgr:doc/seed#char=300,306> <rdf:type> <kg:Mention> <g:doc/seed> .
<kgr:doc/seed#char=300,306> <kg:refersTo> <kgr:place/khorgos> <g:doc/seed> .
<kgr:wd/Q15031> <rdf:type> <kg:Person> <g:doc/seed> .
<kgr:wd/Q15031> <rdfs:label> "Си Цзиньпин"@ru <g:doc/seed> .
<kgr:wd/Q15031> <rdfs:label> "Xi Jinping"@en <g:doc/seed> .
<kgr:wd/Q15031> <owl:sameAs> <wd:Q15031> <g:doc/seed> .
<kgr:wd/Q15031> <kg:holdsPosition> <kgr:position/president-china> <g:doc/seed> .
<kgr:position/president-china> <rdf:type> <kg:Position> <g:doc/seed> .
<kgr:position/president-china> <rdfs:label> "президент Китая"@ru <g:doc/seed> .
<kgr:position/president-china> <rdfs:label> "President of China"@en <g:doc/seed> .
<kgr:position/president-china> <kg:positionIn> <kgr:wd/Q148> <g:doc/seed> .
<kgr:doc/seed#evidence-0123456789ab> <rdf:type> <kg:Evidence> <g:doc/seed> .
<kgr:doc/seed#evidence-0123456789ab> <rdf:subject> <kgr:wd/Q15031> <g:doc/seed> .
<kgr:doc/seed#evidence-0123456789ab> <rdf:predicate> <kg:holdsPosition> <g:doc/seed> .
<kgr:doc/seed#evidence-0123456789ab> <rdf:object> <kgr:position/president-china> <g:doc/seed> .
<kgr:doc/seed#evidence-0123456789ab> <kg:sentence> <kgr:doc/seed#char=0,70> <g:doc/seed> .
<kgr:doc/seed#evidence-0123456789ab> <prov:wasDerivedFrom> <kgr:doc/seed> <g:doc/seed> .
<kgr:wd/Q148> <rdf:type> <kg:Country> <g:doc/seed> .
<kgr:wd/Q148> <rdfs:label> "Китай"@ru <g:doc/seed> .
<kgr:wd/Q148> <rdfs:label> "China"@en <g:doc/seed> .
<kgr:wd/Q148> <owl:sameAs> <wd:Q148> <g:doc/seed> .
<kgr:wd/Q232> <rdf:type> <kg:Country> <g:doc/seed> .
<kgr:wd/Q232> <rdfs:label> "Казахстан"@ru <g:doc/seed> .
<kgr:wd/Q232> <rdfs:label> "Kazakhstan"@en <g:doc/seed> .
<kgr:wd/Q232> <owl:sameAs> <wd:Q232> <g:doc/seed> .
<kgr:wd/Q232> <owl:sameAs> <gn:1522867> <g:doc/seed> .
<kgr:wd/Q232> <kg:cooperatesWith> <kgr:wd/Q148> <g:doc/seed> .
<kgr:wd/Q1520> <rdf:type> <kg:City> <g:doc/seed> .
<kgr:wd/Q1520> <rdfs:label> "Астана"@ru <g:doc/seed> .
<kgr:wd/Q1520> <kg:capitalOf> <kgr:wd/Q232> <g:doc/seed> .
<kgr:place/khorgos> <rdf:type> <kg:Place> <g:doc/seed> .
<kgr:place/khorgos> <rdfs:label> "Хоргос"@ru <g:doc/seed> .
<kgr:place/khorgos> <rdfs:label> "Khorgos"@en <g:doc/seed> .
<kgr:place/khorgos> <kg:locatedIn> <kgr:wd/Q232> <g:doc/seed> .
<kgr:person/rasul-rysmambetov> <rdf:type> <kg:Person> <g:doc/seed> .
<kgr:person/rasul-rysmambetov> <rdfs:label> "Расул Рысмамбетов"@ru <g:doc/seed> .
<kgr:mediaoutlet/el-kz> <rdf:type> <kg:MediaOutlet> <g:doc/seed> .
<kgr:mediaoutlet/el-kz> <rdfs:label> "El.kz"@ru <g:doc/seed> .
<kgr:event/visit-astana> <rdf:type> <kg:Visit> <g:doc/seed> .
<kgr:event/visit-astana> <rdfs:label> "визит Си Цзиньпина в Астану"@ru <g:doc/seed> .
<kgr:event/visit-astana> <kg:participant> <kgr:wd/Q15031> <g:doc/seed> .
<kgr:event/visit-astana> <kg:location> <kgr:wd/Q1520> <g:doc/seed> .
<kgr:doc/seed#char=320,431> <rdf:type> <kg:Statement> <g:doc/seed> .
<kgr:doc/seed#char=320,431> <kg:quote> "{QUOTE}" <g:doc/seed> .
<kgr:doc/seed#char=320,431> <kg:speaker> <kgr:person/rasul-rysmambetov> <g:doc/seed> .
<kgr:doc/seed#char=320,431> <kg:aboutSector> <kgr:sector/transport> <g:doc/seed> .
<kgr:doc/seed#char=320,431> <kg:mentions> <kgr:place/khorgos> <g:doc/seed> .
<kgr:doc/seed#char=320,431> <prov:wasDerivedFrom> <kgr:doc/seed> <g:doc/seed> .
<kgr:cooperation/kz-cn-energy> <rdf:type> <kg:Cooperation> <g:doc/seed> .
<kgr:cooperation/kz-cn-energy> <kg:participant> <kgr:wd/Q232> <g:doc/seed> .
<kgr:cooperation/kz-cn-energy> <kg:participant> <kgr:wd/Q148> <g:doc/seed> .
<kgr:cooperation/kz-cn-energy> <kg:aboutSector> <kgr:sector/energy> <g:doc/seed> .
<kgr:cooperation/kz-cn-energy> <kg:supportedBy> <kgr:doc/seed#char=71,122> <g:doc/seed> .

<kgr:doc/second> <rdf:type> <kg:Document> <g:doc/second> .
<kgr:doc/second> <kg:mentions> <kgr:wd/Q15031> <g:doc/second> .
<kgr:doc/second> <kg:mentions> <kgr:place/khorgos> <g:doc/second> .
<kgr:doc/second#char=0,11> <rdf:type> <kg:Mention> <g:doc/second> .
<kgr:doc/second#char=0,11> <kg:refersTo> <kgr:wd/Q15031> <g:doc/second> .
<kgr:wd/Q15031> <rdf:type> <kg:Person> <g:doc/second> .
<kgr:wd/Q15031> <rdfs:label> "Си Цзиньпин"@ru <g:doc/second> .
<kgr:place/khorgos> <rdf:type> <kg:Place> <g:doc/second> .
<kgr:place/khorgos> <rdfs:label> "Хоргос"@ru <g:doc/second> .
"""


def nquads(text: str) -> bytes:
    """Expand `<prefix:local>` IRIs into full ones: the fixture as real N-Quads."""
    def expand(match: re.Match) -> str:
        """One prefixed IRI, expanded when the prefix is ours."""
        prefix, rest = match.group(1), match.group(2)
        return f"<{NAMESPACES[prefix]}{rest}>" if prefix in NAMESPACES else match.group(0)

    return re.sub(r"<([a-z]+):([^>]*)>", expand, text).encode()


def fixture_store(text: str = FIXTURE) -> Store:
    """An in-memory store holding the fixture."""
    db = Store()
    db.bulk_load(input=nquads(text), format=RdfFormat.N_QUADS)
    return db


@pytest.fixture(scope="module")
def db() -> Store:
    """The fixture, loaded once per module."""
    return fixture_store()


@pytest.fixture(scope="module")
def graph(db: Store) -> nx.MultiDiGraph:
    """The fixture's projection in Russian."""
    return viz.project(db)


def edge(graph: nx.MultiDiGraph, s: str, predicate: str, o: str) -> dict:
    """The data of one edge, by subject, predicate local name and object."""
    return graph.edges[NAMESPACES["kgr"] + s, NAMESPACES["kgr"] + o, predicate]


def page_data(html: str) -> dict:
    """The JSON blob a page embeds."""
    blob = re.search(r'<script type="application/json" id="graph-data" data-kg>(.*?)</script>', html, re.DOTALL)
    assert blob is not None
    return json.loads(blob.group(1))


# ---------------------------------------------------------------- projection


def test_nodes_have_class_labels_links_and_counts(graph: nx.MultiDiGraph) -> None:
    xi, khorgos = graph.nodes[XI], graph.nodes[KHORGOS]
    assert khorgos["cls"] == "Place"
    assert khorgos["label"] == "Хоргос" and khorgos["label_en"] == "Khorgos"
    assert (xi["label_ru"], xi["label_en"]) == ("Си Цзиньпин", "Xi Jinping")
    assert (xi["cls"], xi["wikidata"]) == ("Person", "Q15031")
    assert (xi["mentions"], xi["documents"]) == (3, 2)
    assert graph.nodes[NAMESPACES["kgr"] + "wd/Q232"]["geonames"] == "1522867"
    assert graph.nodes[NAMESPACES["kgr"] + "wd/Q1520"]["kinds"].split() == ["City", "Location", "Place"]


def test_nodes_are_entities_events_and_sectors_but_no_text(graph: nx.MultiDiGraph) -> None:
    classes = {graph.nodes[n]["cls"] for n in graph}
    assert {"Person", "Place", "Country", "City", "Visit", "Cooperation", "Position", "Sector"} <= classes
    assert not classes & {"Document", "Statement", "Mention", "Evidence", "Sentence"}
    assert NAMESPACES["kgr"] + "sector/water" not in graph  # a sector no fact is about


def test_edge_labels_come_from_the_ontology_in_the_chosen_language(db: Store, graph: nx.MultiDiGraph) -> None:
    assert edge(graph, "place/khorgos", "locatedIn", "wd/Q232")["label"] == "находится в"
    assert edge(graph, "wd/Q1520", "capitalOf", "wd/Q232")["label"] == "capitalOf"  # no label: local name
    english = viz.project(db, lang="en")
    assert english.edges[KHORGOS, NAMESPACES["kgr"] + "wd/Q232", "locatedIn"]["label"] == "located in"
    assert english.nodes[KHORGOS]["label"] == "Khorgos"


def test_an_edge_carries_its_evidence_sentence(graph: nx.MultiDiGraph) -> None:
    evidence = edge(graph, "wd/Q15031", "holdsPosition", "position/president-china")["evidence"]
    assert evidence == (("sentence", SENTENCE, "Си Цзиньпин прибыл в Астану"),)


def test_cooperation_edges_carry_the_supporting_sentence(graph: nx.MultiDiGraph) -> None:
    texts = {t for _, t, _ in edge(graph, "wd/Q232", "cooperatesWith", "wd/Q148")["evidence"]}
    assert texts == {COOPERATION_SENTENCE}
    assert edge(graph, "cooperation/kz-cn-energy", "aboutSector", "sector/energy")["evidence"]


def test_a_speaker_is_linked_to_the_sectors_of_their_statements(graph: nx.MultiDiGraph) -> None:
    speaks = edge(graph, "person/rasul-rysmambetov", viz.SPEAKS_ABOUT, "sector/transport")
    assert speaks["label"] == "говорит о"
    assert speaks["evidence"] == (("quote", QUOTE, "Си Цзиньпин прибыл в Астану"),)


def test_an_unlabelled_node_is_named_by_its_class_and_links(graph: nx.MultiDiGraph) -> None:
    cooperation = graph.nodes[NAMESPACES["kgr"] + "cooperation/kz-cn-energy"]
    assert cooperation["label"] == "Cooperation: Казахстан, Китай, энергетика"


def test_a_class_the_store_declares_beyond_the_bundled_ontology_is_drawn() -> None:
    extension = """
<kg:Pipeline> <rdf:type> <owl:Class> <g:ontology> .
<kg:Pipeline> <rdfs:subClassOf> <kg:Organization> <g:ontology> .
<kgr:org/kcp> <rdf:type> <kg:Pipeline> <g:doc/seed> .
<kgr:org/kcp> <rdfs:label> "Казахстанско-Китайский трубопровод"@ru <g:doc/seed> .
"""
    graph = viz.project(fixture_store(FIXTURE + extension))
    assert "Pipeline" not in set(map(viz.local, viz._bundled_classes()))
    assert graph.nodes[NAMESPACES["kgr"] + "org/kcp"]["cls"] == "Pipeline"


def test_documents_and_statements_on_request(db: Store) -> None:
    graph = viz.project(db, documents=True)
    seed, statement = NAMESPACES["kgr"] + "doc/seed", NAMESPACES["kgr"] + "doc/seed#char=320,431"
    assert graph.nodes[seed]["cls"] == "Document" and graph.nodes[seed]["label"] == "Си Цзиньпин прибыл в Астану"
    assert graph.nodes[statement]["label"] == QUOTE
    assert graph.has_edge(seed, XI, "mentions")
    assert graph.has_edge(statement, NAMESPACES["kgr"] + "person/rasul-rysmambetov", "speaker")
    assert not any(k == viz.SPEAKS_ABOUT for _, _, k in graph.edges(keys=True))


def test_a_statements_evidence_is_drawn_with_the_statement_only() -> None:
    db = fixture_store(FIXTURE + """
<kgr:doc/seed#evidence-5eaker000000> <rdf:subject> <kgr:doc/seed#char=320,431> <g:doc/seed> .
<kgr:doc/seed#evidence-5eaker000000> <rdf:predicate> <kg:speaker> <g:doc/seed> .
<kgr:doc/seed#evidence-5eaker000000> <rdf:object> <kgr:person/rasul-rysmambetov> <g:doc/seed> .
<kgr:doc/seed#evidence-5eaker000000> <kg:sentence> <kgr:doc/seed#char=0,70> <g:doc/seed> .
""")
    statement, speaker = NAMESPACES["kgr"] + "doc/seed#char=320,431", NAMESPACES["kgr"] + "person/rasul-rysmambetov"
    shown = viz.project(db, documents=True).edges[statement, speaker, "speaker"]["evidence"]
    assert shown == (("sentence", SENTENCE, "Си Цзиньпин прибыл в Астану"),)
    assert statement not in viz.project(db)


def test_a_fact_of_many_articles_is_one_edge_and_a_sentences_sector_none() -> None:
    # The page's relations are matched over the union of the named graphs, where a fact repeats per article.
    extra = "".join(
        f"<kgr:wd/Q15031> <kg:holdsPosition> <kgr:position/president-china> <g:doc/r{i}> .\n"
        f"<kgr:doc/r{i}#char=0,70> <kg:aboutSector> <kgr:sector/energy> <g:doc/r{i}> .\n"
        f"<kgr:doc/r{i}#char=0,70> <rdf:type> <nif:Sentence> <g:doc/r{i}> .\n"
        for i in range(3)
    )
    graph = viz.project(fixture_store(FIXTURE + extra))
    xi, position = XI, NAMESPACES["kgr"] + "position/president-china"
    assert list(graph.get_edge_data(xi, position)) == ["holdsPosition"]
    energy = NAMESPACES["kgr"] + "sector/energy"
    assert all("#char=" not in source for source, _ in graph.in_edges(energy))
    assert not any("#char=" in node for node in graph)


def test_an_edge_shows_its_first_sentences_in_document_order() -> None:
    # 40 sentences in one document and 20 in another support one link: the page keeps EVIDENCE_SHOWN of them,
    # the first by document and by where they start (char=100 after char=90, as numbers).
    def support(doc: str, i: int) -> str:
        """Evidence of Xi's position from sentence i of `doc`."""
        ev, g = f"<kgr:doc/{doc}#evidence-{doc}{i:011d}>", f"<g:doc/{doc}>"
        span = f"<kgr:doc/{doc}#char={i * 10},{i * 10 + 9}>"
        return (f"{ev} <rdf:subject> <kgr:wd/Q15031> {g} .\n{ev} <rdf:predicate> <kg:holdsPosition> {g} .\n"
                f"{ev} <rdf:object> <kgr:position/president-china> {g} .\n{ev} <kg:sentence> {span} {g} .\n"
                f'{span} <nif:anchorOf> "{doc}{i}" {g} .\n')

    extra = "".join(support(doc, i) for doc, count in (("b", 20), ("a", 40)) for i in reversed(range(count)))
    graph = viz.project(fixture_store(FIXTURE + extra))
    evidence = edge(graph, "wd/Q15031", "holdsPosition", "position/president-china")["evidence"]
    shown = {(text, doc) for _, text, doc in evidence}
    assert viz.EVIDENCE_SHOWN == 50
    assert shown == {(f"a{i}", "doc/a") for i in range(40)} | {(f"b{i}", "doc/b") for i in range(10)}


def test_a_speaker_shows_the_first_quotations_in_document_order() -> None:
    def statement(i: int) -> str:
        """Statement i of the seed article: Rysmambetov on transport."""
        st, g = f"<kgr:doc/seed#char={i * 10},{i * 10 + 9}>", "<g:doc/seed>"
        return (f"{st} <kg:speaker> <kgr:person/rasul-rysmambetov> {g} .\n"
                f'{st} <kg:aboutSector> <kgr:sector/transport> {g} .\n{st} <kg:quote> "q{i}" {g} .\n')

    graph = viz.project(fixture_store(FIXTURE + "".join(statement(i) for i in reversed(range(60)))))
    quotes = edge(graph, "person/rasul-rysmambetov", viz.SPEAKS_ABOUT, "sector/transport")["evidence"]
    # 50 of 61: the fixture's own statement (char=320,431) comes after q32 (char=320,329), so q49 is left out.
    assert {text for _, text, _ in quotes} == {f"q{i}" for i in range(49)} | {QUOTE}


# ---------------------------------------------------------------- filters and max-nodes


def test_max_nodes_keeps_the_most_central_and_reports_the_rest(
    db: Store, graph: nx.MultiDiGraph, tmp_path: Path
) -> None:
    rank = viz.pagerank(graph)
    stats = viz.write_html(db, tmp_path / "g.html", max_nodes=3)
    expected = sorted(graph, key=lambda n: (-rank[n], n))[:3]
    data = page_data((tmp_path / "g.html").read_text(encoding="utf-8"))
    assert stats.nodes == 3 and stats.omitted == len(graph) - 3
    assert sorted(n["iri"] for n in data["nodes"]) == sorted(viz.short_id(n) for n in expected)
    assert data["stats"] == {"nodes": 3, "edges": stats.edges, "omitted": len(graph) - 3, "total": len(graph)}
    assert NAMESPACES["kgr"] + "wd/Q232" in expected  # Kazakhstan is the hub of the fixture


def test_filters_by_class_sector_and_degree(graph: nx.MultiDiGraph) -> None:
    people, _ = viz.select(graph, classes=["Person"])
    assert {graph.nodes[n]["cls"] for n in people} == {"Person"}
    places, _ = viz.select(graph, classes=["place"])  # a superclass takes its subclasses
    assert {graph.nodes[n]["cls"] for n in places} == {"Place", "City"}
    energy, _ = viz.select(graph, sectors=["energy"])
    assert {viz.short_id(n) for n in energy} == {
        "sector/energy", "cooperation/kz-cn-energy", "wd/Q232", "wd/Q148",
    }
    linked, _ = viz.select(graph, min_degree=3)
    assert {viz.short_id(n) for n in linked} == {n for n in map(viz.short_id, graph) if graph.degree(
        viz.ID_NS + n) >= 3}
    assert NAMESPACES["kgr"] + "wd/Q232" in linked and XI not in linked  # degrees 4 and 2
    with pytest.raises(viz.UnknownName, match="no sector 'water' in this graph; known: energy, transport"):
        viz.select(graph, sectors=["energy", "water"])


def test_pagerank_sums_to_one_and_favours_hubs(graph: nx.MultiDiGraph) -> None:
    rank = viz.pagerank(graph)
    assert sum(rank.values()) == pytest.approx(1.0)
    assert max(rank, key=rank.get) == NAMESPACES["kgr"] + "wd/Q232"


# ---------------------------------------------------------------- the page


def test_page_is_offline_and_writes_nothing_next_to_the_caller(
    db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    viz.write_html(db, tmp_path / "out" / "graph.html")
    html = (tmp_path / "out" / "graph.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["graph.html"]
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html, re.IGNORECASE)
    assert tags and not [t for t in tags if re.search(r"\b(src|href)\s*=", t, re.IGNORECASE)]
    assert not re.search(r"bootstrap|cdnjs|jsdelivr|unpkg", html, re.IGNORECASE)
    assert "@license" in html and "vis-network" in html  # the inlined library keeps its licence notice
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert csp.count("'sha256-") == 2


def test_page_embeds_the_graph_as_json(db: Store, graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    stats = viz.write_html(db, tmp_path / "g.html")
    data = page_data((tmp_path / "g.html").read_text(encoding="utf-8"))
    assert (stats.nodes, stats.edges, stats.omitted) == (len(graph), graph.number_of_edges(), 0)
    assert (len(data["nodes"]), len(data["edges"])) == (stats.nodes, stats.edges)
    xi = next(n for n in data["nodes"] if n["iri"] == "wd/Q15031")
    assert (xi["wd"], xi["ru"], xi["en"], xi["m"], xi["d"]) == ("Q15031", "Си Цзиньпин", "Xi Jinping", 3, 2)
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in data["nodes"])
    assert data["options"]["physics"]["enabled"] is False
    assert {c["name"] for c in data["classes"]} >= {"Person", "Place", "Sector"}
    assert [s["label"] for s in data["sectors"]] == ["транспорт", "энергетика"]


def test_two_writes_are_byte_identical(db: Store, tmp_path: Path) -> None:
    for name in ("a", "b"):
        viz.write_html(db, tmp_path / f"{name}.html", communities=True, documents=True)
        viz.write_tables(viz.project(db), tmp_path / name)
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    for name in ("graph.graphml", "graph.gexf", "nodes.csv", "edges.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


HOSTILE = ["</script><script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>',
           "<!--", "a\u2028b\u2029c", "&amp;"]


def test_hostile_strings_cannot_leave_the_json_blob(tmp_path: Path) -> None:
    extra = "".join(
        f'<kgr:person/h{i}> <rdf:type> <kg:Person> <g:doc/seed> .\n'
        f'<kgr:person/h{i}> <rdfs:label> {json.dumps(text)}@ru <g:doc/seed> .\n'
        f'<kgr:doc/seed> <kg:mentions> <kgr:person/h{i}> <g:doc/seed> .\n'
        for i, text in enumerate(HOSTILE)
    )
    viz.write_html(fixture_store(), tmp_path / "plain.html")
    viz.write_html(fixture_store(FIXTURE + extra), tmp_path / "g.html")
    plain = (tmp_path / "plain.html").read_text(encoding="utf-8")
    html = (tmp_path / "g.html").read_text(encoding="utf-8")
    blob = re.search(r'id="graph-data" data-kg>(.*?)</script>', html, re.DOTALL).group(1)
    assert not set(blob) & {"<", ">", "&", "\u2028", "\u2029"}
    assert {n["label"] for n in json.loads(blob)["nodes"]} >= set(HOSTILE)
    for tag in ("<script", "</script", "<svg", "<img", "<!--"):
        assert html.count(tag) == plain.count(tag), tag


def test_script_json_escapes_markup_and_line_separators() -> None:
    text = viz.script_json({"a": "</script>&\u2028"})
    assert text == '{"a":"\\u003c/script\\u003e\\u0026\\u2028"}'
    assert json.loads(text) == {"a": "</script>&\u2028"}


def test_english_page(db: Store, tmp_path: Path) -> None:
    viz.write_html(db, tmp_path / "g.html", lang="en")
    html = (tmp_path / "g.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Find a node" in html
    with pytest.raises(ValueError, match="lang"):
        viz.write_html(db, tmp_path / "x.html", lang="de")


def test_layout_is_deterministic_and_spread_out() -> None:
    graph = nx.MultiDiGraph()
    graph.add_edges_from((f"n{i}", f"n{i // 3}") for i in range(1, 800))
    graph.add_nodes_from(f"lone{i}" for i in range(50))
    rank = viz.pagerank(graph)
    first, second = viz.layout(graph, rank), viz.layout(graph, rank)
    assert first == second and set(first) == set(graph)
    assert len(set(first.values())) == len(graph)


# ---------------------------------------------------------------- tables


@pytest.mark.parametrize("chunk", [1, 2, 1000])
def test_gexf_written_in_chunks_is_what_networkx_writes_whole(graph: nx.MultiDiGraph, chunk: int) -> None:
    """The page's process writes GEXF a chunk of nodes or edges at a time (networkx's whole document took 240 MB
    at 100k documents); the bytes are networkx's, less the last-modified date."""
    table = viz._table_graph(graph)
    assert len(table) > 2 and table.number_of_edges() > 2
    edgeless = nx.MultiDiGraph()
    edgeless.add_node("a", label="Астана", mentions=3)
    for case in (table, edgeless, nx.MultiDiGraph()):
        whole = nx.readwrite.gexf.GEXFWriter(encoding="utf-8", prettyprint=True)
        whole.xml.find("meta").attrib.pop("lastmodifieddate")
        whole.add_graph(case)
        expected, written = io.BytesIO(), io.BytesIO()
        whole.write(expected)
        viz.write_gexf(case, written, chunk=chunk)
        assert written.getvalue() == expected.getvalue()


def test_tables_are_written_and_read_back(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    viz.write_tables(graph, tmp_path)
    for name in ("graph.graphml", "graph.gexf"):
        back = nx.read_graphml(tmp_path / name) if name.endswith("graphml") else nx.read_gexf(tmp_path / name)
        assert (back.number_of_nodes(), back.number_of_edges()) == (len(graph), graph.number_of_edges()), name
    back = nx.read_graphml(tmp_path / "graph.graphml")
    assert back.nodes[XI]["wikidata"] == "Q15031" and back.nodes[KHORGOS]["cls"] == "Place"
    evidence = [json.loads(d["evidence"]) for _, _, d in back.edges(data=True) if d["predicate"] == "holdsPosition"]
    assert evidence == [[["sentence", SENTENCE, "Си Цзиньпин прибыл в Астану"]]]
    assert "lastmodifieddate" not in (tmp_path / "graph.gexf").read_text(encoding="utf-8")
    with (tmp_path / "nodes.csv").open(encoding="utf-8", newline="") as handle:
        nodes = list(csv.DictReader(handle))
    with (tmp_path / "edges.csv").open(encoding="utf-8", newline="") as handle:
        edges = list(csv.DictReader(handle))
    assert [n["id"] for n in nodes] == sorted(graph)
    assert next(n for n in nodes if n["id"] == XI)["wikidata"] == "Q15031"
    assert len(edges) == graph.number_of_edges()
    assert (KHORGOS, "locatedIn", NAMESPACES["kgr"] + "wd/Q232") in {
        (e["source"], e["predicate"], e["target"]) for e in edges
    }


# ---------------------------------------------------------------- the command


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    """The fixture as an on-disk store, as `kg viz --store` reads it."""
    db = Store(str(tmp_path / "store"))
    db.bulk_load(input=nquads(FIXTURE), format=RdfFormat.N_QUADS)
    db.flush()
    del db
    return tmp_path / "store"


def run_viz(store: Path, out: Path, *options: str) -> tuple[object, dict]:
    """`kg viz` over `store` into `out`: the CLI result and the page's data."""
    from click.testing import CliRunner

    from kg.cli import main

    result = CliRunner().invoke(main, ["viz", "--store", str(store), "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    return result, page_data(out.read_text(encoding="utf-8"))


def test_kg_viz_command(store_dir: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    result, data = run_viz(store_dir, tmp_path / "page.html", "--lang", "en", "--classes", "Person,Place",
                           "--max-nodes", "2", "--communities")
    assert data["lang"] == "en" and data["communities"] is True
    assert data["stats"]["nodes"] == 2 and data["stats"]["omitted"] == 2  # Xi, Rasul, Khorgos and Astana
    assert "2 nodes" in result.output and "2 less central nodes left out" in result.output
    missing = CliRunner().invoke(main, ["viz", "--store", str(tmp_path / "nowhere")])
    assert missing.exit_code != 0 and "no store here" in missing.output


def shown(data: dict) -> set[str]:
    """The nodes a page shows, by IRI without our namespace."""
    return {n["iri"] for n in data["nodes"]}


def test_kg_viz_sectors(store_dir: Path, tmp_path: Path) -> None:
    _, energy = run_viz(store_dir, tmp_path / "energy.html", "--sectors", "energy")
    assert shown(energy) == {"sector/energy", "cooperation/kz-cn-energy", "wd/Q232", "wd/Q148"}
    assert {e["pred"] for e in energy["edges"]} == {"participant", "aboutSector", "cooperatesWith"}
    _, both = run_viz(store_dir, tmp_path / "both.html", "--sectors", "транспорт,Energy")  # labels, any case
    assert shown(both) == shown(energy) | {"sector/transport", "person/rasul-rysmambetov"}


def test_kg_viz_min_degree(store_dir: Path, graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    result, data = run_viz(store_dir, tmp_path / "linked.html", "--min-degree", "3")
    expected = {viz.short_id(n) for n in graph if graph.degree(n) >= 3}
    assert shown(data) == expected and "wd/Q232" in expected and "wd/Q15031" not in expected
    assert f"{len(expected)} nodes" in result.output


def test_kg_viz_documents(store_dir: Path, tmp_path: Path) -> None:
    _, plain = run_viz(store_dir, tmp_path / "plain.html")
    _, data = run_viz(store_dir, tmp_path / "docs.html", "--documents")
    added = {n["iri"]: n for n in data["nodes"] if n["iri"] not in shown(plain)}
    assert set(added) == {"doc/seed", "doc/second", "doc/seed#char=320,431"}
    assert added["doc/seed"]["cls"] == "Document" and added["doc/seed"]["label"] == "Си Цзиньпин прибыл в Астану"
    assert added["doc/seed#char=320,431"]["label"] == QUOTE
    ids = {n["iri"]: n["id"] for n in data["nodes"]}
    mentions = {(e["from"], e["to"]) for e in data["edges"] if e["pred"] == "mentions"}
    assert (ids["doc/seed"], ids["wd/Q15031"]) in mentions and (ids["doc/second"], ids["place/khorgos"]) in mentions


@pytest.mark.parametrize(("option", "value", "known"), [
    ("--classes", "Persn", "known: City, Cooperation, Country, Location, MediaOutlet, Person, Place, Position, "
                           "Sector, Visit"),  # classes and superclasses of the fixture's nodes
    ("--sectors", "water", "known: energy, transport"),
])
def test_kg_viz_unknown_class_or_sector_fails_with_the_known_ones(
    store_dir: Path, tmp_path: Path, option: str, value: str, known: str
) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    result = CliRunner().invoke(main, ["viz", "--store", str(store_dir), "-o", str(tmp_path / "g.html"),
                                       option, f"Person,{value}" if option == "--classes" else value])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert f"Invalid value for '{option}'" in message and f"'{value}' in this graph" in message
    assert known in message
    assert not (tmp_path / "g.html").exists()


def test_an_empty_store_gives_an_empty_page(tmp_path: Path) -> None:
    stats = viz.write_html(Store(), tmp_path / "g.html")
    assert stats == viz.VizStats(nodes=0, edges=0, omitted=0)
    assert page_data((tmp_path / "g.html").read_text(encoding="utf-8"))["nodes"] == []
    viz.write_tables(nx.MultiDiGraph(), tmp_path)
    assert (tmp_path / "nodes.csv").read_text(encoding="utf-8").startswith("id,label,")
