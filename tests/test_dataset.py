"""The dataset's description (void.ttl: VoID, DCAT, PROV-O), SHACL on the full output, and the RDF 1.2 export."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import xml.etree.ElementTree as ET
from contextlib import closing
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import pyshacl
import pytest
from click.testing import CliRunner
from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Store, Triple, parse
from rdflib import Graph

from kg import dataset, export, extsort
from kg import store as kg_store
from kg.cli import main
from kg.ledger import Ledger
from kg.pipeline import Context, build
from kg.vocab import BUILD_GRAPH
from tests.conftest import EXAMPLES
from tests.servers import doc_python

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "samples" / "seed-kz-cn-cooperation.ru.txt"
PREFIXES = """
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX spdx: <http://spdx.org/rdf/terms#>
PREFIX schema: <https://schema.org/>
"""
DATASET = NamedNode(dataset.DATASET)
HASH = NamedNode(dataset.CONTENT_HASH)


def load(path: Path) -> Store:
    """A store holding void.ttl's triples (file IRIs resolved against the file itself)."""
    db = Store()
    db.extend(Quad(*t) for t in (q.triple for q in parse(path=str(path), format=RdfFormat.TURTLE,
                                                             base_iri=path.resolve().as_uri())))
    return db


def ask(db: Store, sparql: str) -> list[dict[str, str]]:
    result = kg_store.query(db, PREFIXES + sparql)
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


def one(db: Store, sparql: str) -> str:
    (row,) = ask(db, sparql)
    (value,) = row.values()
    return value


@pytest.fixture(scope="module")
def built(examples_build: Path) -> Store:
    return Store.read_only(str(examples_build / "store"))


@pytest.fixture(scope="module")
def void(examples_build: Path) -> Store:
    return load(examples_build / "void.ttl")


def test_dataset_identity_licence_and_date(void: Store) -> None:
    types = {r["t"] for r in ask(void, f"SELECT ?t WHERE {{ <{DATASET.value}> a ?t }}")}
    assert types == {"http://rdfs.org/ns/void#Dataset", "http://www.w3.org/ns/dcat#Dataset"}
    assert one(void, f"SELECT ?l WHERE {{ <{DATASET.value}> dcterms:license ?l }}") == dataset.LICENSE
    created = datetime.fromisoformat(one(void, f"SELECT ?d WHERE {{ <{DATASET.value}> dcterms:created ?d }}"))
    assert timedelta(0) <= datetime.now(UTC) - created < timedelta(hours=6)


def test_statistics_match_the_store(void: Store, built: Store, examples_build: Path) -> None:
    report = json.loads((examples_build / "report.json").read_text())
    stats = ask(void, f"""SELECT ?t ?s ?p ?o WHERE {{ <{DATASET.value}> void:triples ?t ; void:distinctSubjects ?s ;
        void:properties ?p ; void:distinctObjects ?o }}""")[0]
    assert int(stats["t"]) == report["triples"] == len({q.triple for q in built})
    assert int(stats["s"]) == len({q.subject for q in built})
    assert int(stats["p"]) == len({q.predicate for q in built})
    assert int(stats["o"]) == len({q.object for q in built})
    assert dataset.recorded(examples_build / "void.ttl").counts == kg_store.statistics(built)


def test_a_class_partition_per_class(void: Store, built: Store) -> None:
    partitions = {r["c"]: int(r["n"]) for r in ask(void, f"""
        SELECT ?c ?n WHERE {{ <{DATASET.value}> void:classPartition [ void:class ?c ; void:entities ?n ] }}""")}
    for cls in ("Person", "Country", "City", "Document", "Mention", "Evidence"):
        iri = f"https://w3id.org/kg-news/ontology#{cls}"
        expected = int(one(built, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{iri}> }}"))
        assert partitions[iri] == expected > 0, cls


@pytest.mark.parametrize(("target", "space"), [
    ("wikidata", "http://www.wikidata.org/entity/"), ("geonames", "https://sws.geonames.org/"),
])
def test_linksets_count_sameas_links(void: Store, built: Store, target: str, space: str) -> None:
    links = int(one(void, f"""SELECT ?n WHERE {{ ?l a void:Linkset ; void:subjectsTarget <{DATASET.value}> ;
        void:objectsTarget [ void:uriSpace "{space}" ] ; void:linkPredicate owl:sameAs ; void:triples ?n }}"""))
    expected = len({q.triple for q in built.quads_for_pattern(None, NamedNode(dataset.OWL_SAME_AS), None, None)
                    if q.object.value.startswith(space)})
    assert links == expected > 0


def test_vocabularies_used(void: Store) -> None:
    used = {r["v"] for r in ask(void, f"SELECT ?v WHERE {{ <{DATASET.value}> void:vocabulary ?v }}")}
    assert {"https://w3id.org/kg-news/ontology#", "https://schema.org/", "http://www.w3.org/ns/prov#",
            "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#",
            "http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/2000/01/rdf-schema#"} <= used


def test_a_distribution_per_output_file(void: Store, examples_build: Path) -> None:
    rows = ask(void, f"""SELECT ?url ?type ?size ?sha ?licence WHERE {{
        <{DATASET.value}> dcat:distribution ?d . ?d a dcat:Distribution ; dcat:downloadURL ?url ; dcat:mediaType ?type ;
        dcat:byteSize ?size ; dcterms:license ?licence ;
        spdx:checksum [ spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue ?sha ] }}""")
    described = {Path(r["url"].removeprefix("file://")).name: r for r in rows}
    for name, media_type in [("graph.ttl", "text/turtle"), ("graph.nq", "application/n-quads"),
                             ("graph.jsonld", "application/ld+json"), ("graph.html", "text/html"),
                             ("report.json", "application/json")]:
        path, row = examples_build / name, described[name]
        assert row["url"] == path.resolve().as_uri()
        assert row["type"] == dataset.IANA + media_type
        assert int(row["size"]) == path.stat().st_size
        assert row["sha"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert row["licence"] == dataset.LICENSE
    assert "void.ttl" not in described
    dumps = {Path(r["d"]).name for r in ask(void, f"SELECT ?d WHERE {{ <{DATASET.value}> void:dataDump ?d }}")}
    assert {"graph.ttl", "graph.nq", "graph.jsonld"} <= dumps


def test_the_jsonld_distribution_names_its_context(void: Store, examples_build: Path) -> None:
    """graph.jsonld embeds a copy of ontology/context.jsonld; void.ttl says which published context that is."""
    rows = ask(void, """SELECT ?d ?c WHERE { ?d a dcat:Distribution ; dcterms:title "graph.jsonld" ;
                                              dcterms:conformsTo ?c }""")
    assert [r["c"] for r in rows] == [dataset.CONTEXT] == ["https://w3id.org/kg-news/context.jsonld"]
    published = json.loads((ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    embedded = json.loads((examples_build / "graph.jsonld").read_text(encoding="utf-8"))["@context"]
    assert embedded == {k: v for k, v in published.items() if k != "@version"} and len(embedded) > 20


def test_the_network_files_conform_to_the_formats_they_declare(void: Store, examples_build: Path) -> None:
    """void.ttl once said GEXF 1.3 of the GEXF 1.2draft networkx writes."""
    for name in ("graph.gexf", "graph.graphml"):
        rows = ask(void, f"""SELECT ?c WHERE {{ ?d a dcat:Distribution ; dcterms:title "{name}" ;
                                                 dcterms:conformsTo ?c }}""")
        root = ET.parse(examples_build / name).getroot()
        assert [r["c"] for r in rows] == [root.tag[1 : root.tag.index("}")]], name


def test_file_iris_are_relative(examples_build: Path) -> None:
    text = (examples_build / "void.ttl").read_text(encoding="utf-8")
    assert "<graph.nq>" in text and "file:" not in text and "@base" not in text
    triples = dataset.read(examples_build / "void.ttl")  # as `kg push` sends it
    dump = NamedNode(dataset.DATASET + "/graph.nq")
    assert Triple(DATASET, NamedNode("http://rdfs.org/ns/void#dataDump"), dump) in triples


def test_the_build_is_a_prov_activity(void: Store, built: Store) -> None:
    (build_row,) = ask(void, """SELECT ?b ?agent ?version ?end WHERE {
        ?b a kg:Build, prov:Activity ; prov:wasAssociatedWith ?agent ; prov:endedAtTime ?end .
        ?agent a prov:SoftwareAgent ; schema:name "kg" ; schema:softwareVersion ?version }""")
    assert build_row["version"] == version("kg")
    assert one(void, "SELECT ?d WHERE { ?d prov:wasGeneratedBy ?b }") == dataset.DATASET
    hashes = {r["doc"]: r["hash"] for r in ask(void, f"""SELECT * WHERE {{
        <{DATASET.value}> prov:wasDerivedFrom ?doc . ?doc kg:contentHash ?hash }}""")}
    texts = {r["doc"]: r["text"] for r in ask(built, "SELECT * WHERE { ?doc a kg:Document ; nif:isString ?text }")}
    assert hashes.keys() == texts.keys() and len(hashes) == 7
    for doc, text in texts.items():
        assert hashes[doc] == hashlib.sha256(text.encode()).hexdigest()
    assert used(void) == set(texts)  # a first build processes every document


def used(void: Store) -> set[str]:
    """The documents the build in a description says it processed."""
    return {r["doc"] for r in ask(void, "SELECT ?doc WHERE { ?b a kg:Build ; prov:used ?doc }")}


def derived(void: Store) -> set[str]:
    """The documents the dataset in a description is derived from."""
    return {r["doc"] for r in ask(void, f"SELECT ?doc WHERE {{ <{DATASET.value}> prov:wasDerivedFrom ?doc }}")}


def test_what_the_description_reads_from_the_store_is_read_first_and_written_in_unchanged(
    built: Store, examples_build: Path, tmp_path: Path
) -> None:
    """A build with workers has a helper read the store's part of void.ttl while the page is drawn; the build
    process then writes void.ttl from those lines without reading the store, byte for byte as if it had."""
    ended = datetime(2025, 6, 17, 10, 2, 5, tzinfo=UTC)
    counts = dataset.recorded(examples_build / "void.ttl").counts
    here, later, stored = tmp_path / "here", tmp_path / "later", tmp_path / "stored"
    for directory in (here, later, stored):
        directory.mkdir()
    with closing(Ledger()) as no_earlier_build:
        dataset.describe_store(built, stored, no_earlier_build)

    read_later = dataset.write(Store(), later, ended=ended, counts=counts, stored=stored)

    assert read_later.read_bytes() == dataset.write(built, here, ended=ended, counts=counts).read_bytes()
    void, documents = load(read_later), {q.subject.value for q in built.quads_for_pattern(None, HASH, None)}
    assert len(documents) == 7 and used(void) == derived(void) == documents
    mentioned = {q.object for q in built.quads_for_pattern(None, NamedNode(str(dataset.KG.mentions)), None)}
    assert one(void, f"SELECT ?n WHERE {{ <{DATASET.value}> void:entities ?n }}") == str(len(mentioned))


def test_a_build_that_changes_nothing_takes_the_last_descriptions_reads_of_the_store(
    examples_build: Path, ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rebuilt with nothing changed, a store the last build left as it was gives the same reads: void.ttl takes
    them from that build, unless the store changed since or other code read them."""
    again = tmp_path / "again"
    shutil.copytree(examples_build, again)
    before = _description(again / "void.ttl")
    read: list[Path] = []  # where each read of the store went (the store itself is not held: its lock would be)
    describe_store = dataset.describe_store
    monkeypatch.setattr(dataset, "describe_store",
                        lambda db, workdir, *args: (read.append(workdir), describe_store(db, workdir, *args)))

    build([EXAMPLES], again, ctx=ctx, progress=False)
    assert read == [] and _description(again / "void.ttl") == before

    seal = again / dataset.KEPT / "seal.json"
    seal.write_text(json.dumps({**json.loads(seal.read_text()), "code": "another version of kg"}))
    build([EXAMPLES], again, ctx=ctx, progress=False)
    assert len(read) == 1 and _description(again / "void.ttl") == before
    assert "another version of kg" not in seal.read_text()

    export.unstamp(again)  # the store changed since the last build, as far as the next one can tell
    build([EXAMPLES], again, ctx=ctx, progress=False)
    assert len(read) == 2 and _description(again / "void.ttl") == before

    os.utime(again / "graph.nq")  # as a build by a kg that keeps no reads leaves it: stamped, the reads not sealed
    export.stamp(again)
    build([EXAMPLES], again, ctx=ctx, progress=False)
    assert len(read) == 3 and _description(again / "void.ttl") == before


def _description(path: Path) -> set[str]:
    """The triples of a void.ttl but for when the build ran, which documents it used and its report.json."""
    triples = dataset.read(path)
    build = next(str(t.object) for t in triples if t.predicate.value.endswith("wasGeneratedBy"))
    return {str(t).replace(build, "<build>") for t in triples if not str(t.object).endswith("#dateTime>")
            and not t.predicate.value.endswith("#used") and "report" not in str(t)}


def test_an_incremental_build_used_only_the_documents_it_processed(
    examples_build: Path, ctx: Context, tmp_path: Path
) -> None:
    news, out = tmp_path / "news", tmp_path / "out"
    shutil.copytree(ROOT / "examples" / "news", news)
    shutil.copytree(examples_build, out)
    finance = news / "05-finance-yuan-tenge.txt"
    finance.write_text(finance.read_text(encoding="utf-8") + "\nРегулятор опубликует отчёт в июне.\n", encoding="utf-8")
    report = build([news], out, ctx=ctx, progress=False)
    assert (report.documents, report.skipped) == (1, 6)
    void = load(out / "void.ttl")
    docs = "https://w3id.org/kg-news/id/doc/"
    assert used(void) == {docs + "05-finance-yuan-tenge"}
    assert derived(void) == derived(load(examples_build / "void.ttl")) and len(derived(void)) == 7
    changed = one(void, f"SELECT ?h WHERE {{ <{docs}05-finance-yuan-tenge> kg:contentHash ?h }}")
    assert changed == hashlib.sha256(finance.read_text(encoding="utf-8").encode()).hexdigest()


def test_an_unchanged_rebuild_hashes_only_the_files_modified_since_the_last_description(
    examples_build: Path, ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    shutil.copytree(examples_build, out)  # keeps modification times: every file is older than void.ttl
    tampered = out / "nodes.csv"
    tampered.write_bytes(tampered.read_bytes().replace(b"label", b"LABEL", 1))  # same size, modified after
    hashed, sha256 = [], dataset._sha256
    monkeypatch.setattr(dataset, "_sha256", lambda path: hashed.append(path.name) or sha256(path))
    report = build([ROOT / "examples" / "news"], out, ctx=ctx, progress=False)
    assert (report.documents, report.skipped) == (0, 7)
    assert sorted(hashed) == ["nodes.csv", "report.json"]  # report.json is rewritten by every build
    void = load(out / "void.ttl")
    for name in ("nodes.csv", "report.json", "graph.nq", "graph.html"):
        recorded = one(void, f"""
            SELECT ?sha WHERE {{ ?d dcterms:title "{name}" ; spdx:checksum/spdx:checksumValue ?sha }}""")
        assert recorded == hashlib.sha256((out / name).read_bytes()).hexdigest(), name


def test_files_hashed_before_the_description_are_not_hashed_again_unless_changed_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build with workers hashes its RDF files while the page is drawn; void.ttl takes those sums for the files
    as they were then, and hashes a file changed since."""
    kept, changed = tmp_path / "graph.nq", tmp_path / "graph.ttl"
    kept.write_text("<urn:x:a> <urn:x:b> <urn:x:c> <urn:x:g> .\n")
    changed.write_text("")
    hashed = dataset.checksums([kept, changed])
    assert hashed["graph.nq"][2] == hashlib.sha256(kept.read_bytes()).hexdigest()
    hashed["graph.nq"] = (*hashed["graph.nq"][:2], "0" * 64)  # what the description must take, unread
    changed.write_text("<urn:x:a> <urn:x:b> <urn:x:c> .\n")
    read: list[str] = []
    sha256 = dataset._sha256
    monkeypatch.setattr(dataset, "_sha256", lambda path: read.append(path.name) or sha256(path))

    void = load(dataset.write(Store(), tmp_path, hashed=hashed))

    assert read == ["graph.ttl"]
    for name, sha in (("graph.nq", "0" * 64), ("graph.ttl", hashlib.sha256(changed.read_bytes()).hexdigest())):
        assert one(void, f"""
            SELECT ?sha WHERE {{ ?d dcterms:title "{name}" ; spdx:checksum/spdx:checksumValue ?sha }}""") == sha


def test_start_and_end_times_when_the_start_is_known(tmp_path: Path) -> None:
    db = Store()
    started, ended = datetime(2025, 6, 17, 10, 0, tzinfo=UTC), datetime(2025, 6, 17, 10, 2, 5, tzinfo=UTC)
    (tmp_path / "graph.ttl").write_text("")
    void = load(dataset.write(db, tmp_path, started=started, ended=ended))
    row = ask(void, "SELECT ?s ?e WHERE { ?b a kg:Build ; prov:startedAtTime ?s ; prov:endedAtTime ?e }")[0]
    assert (row["s"], row["e"]) == ("2025-06-17T10:00:00Z", "2025-06-17T10:02:05Z")


def test_rebuilding_rewrites_void_and_leaves_graph_files_byte_identical(
    seed_build: Path, ctx: Context, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    shutil.copytree(seed_build, again)
    build([SEED], again, ctx=ctx, progress=False)
    for name in ("graph.ttl", "graph.nq", "graph.jsonld"):
        assert (again / name).read_bytes() == (seed_build / name).read_bytes(), name
    void = load(again / "void.ttl")  # rewritten, and still parses
    assert used(void) == set() and derived(void) == derived(load(seed_build / "void.ttl")) != set()


def test_shacl_shapes_pass_on_the_full_output(examples_build: Path) -> None:
    data = Graph().parse(examples_build / "graph.ttl", format="turtle")
    data.parse(examples_build / "void.ttl", format="turtle")
    conforms, _, text = pyshacl.validate(
        data, shacl_graph=Graph().parse(ROOT / "ontology" / "shapes.ttl"),
        ont_graph=Graph().parse(ROOT / "ontology" / "kg.ttl"), inference="none",
    )
    assert conforms, text[:3000]


def test_push_sends_void_as_the_build_graph(examples_build: Path) -> None:
    from kg.push import plan

    db = Store.read_only(str(examples_build / "store"))
    graphs = {g.iri: g.triples for g in plan(db, examples_build / "void.ttl")}
    assert graphs[BUILD_GRAPH] == len(dataset.read(examples_build / "void.ttl"))


# --- RDF 1.2: relations annotated with their evidence ----------------------------------------------------------

EVIDENCE = """
SELECT ?s ?p ?o ?confidence ?rule ?sentence WHERE {
  ?ev a kg:Evidence ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:confidence ?confidence ; kg:rule ?rule .
  OPTIONAL { ?ev kg:sentence ?sentence }
}"""
ANNOTATED = """
SELECT ?s ?p ?o ?confidence ?rule ?sentence WHERE {
  ?s ?p ?o {| kg:confidence ?confidence ; kg:rule ?rule |} .
  OPTIONAL { ?ev rdf:reifies <<( ?s ?p ?o )>> ; kg:rule ?rule ; kg:confidence ?confidence ; kg:sentence ?sentence }
}"""


@pytest.fixture(scope="module")
def turtle12_file(examples_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`kg export --format ttl12` of the examples."""
    path = tmp_path_factory.mktemp("ttl12") / "graph.ttl12"
    result = CliRunner().invoke(main, ["export", "--format", "ttl12", "-o", str(path),
                                       "--store", str(examples_build / "store")])
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8").startswith('VERSION "1.2"')
    return path


@pytest.fixture(scope="module")
def turtle12(turtle12_file: Path) -> Store:
    db = Store()
    db.load(path=str(turtle12_file), format=RdfFormat.TURTLE)
    return db


def rows(db: Store, sparql: str) -> set[tuple]:
    return {tuple(r.values()) for r in ask(db, sparql)}


def test_ttl12_annotates_each_relation_with_its_evidence(turtle12: Store, built: Store) -> None:
    annotated = rows(turtle12, ANNOTATED)
    assert annotated == rows(built, EVIDENCE)
    assert len(annotated) > 50


def test_ttl12_holds_the_same_facts(turtle12: Store, built: Store) -> None:
    """Back to RDF 1.1: each reifier's triple term becomes rdf:subject / rdf:predicate / rdf:object again."""
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    triples = set()
    for quad in turtle12:
        if quad.predicate.value == rdf + "reifies":
            fact = quad.object
            parts = {"subject": fact.subject, "predicate": fact.predicate, "object": fact.object}
            triples |= {Triple(quad.subject, NamedNode(rdf + name), term) for name, term in parts.items()}
        else:
            triples.add(quad.triple)
    union = {q.triple for q in built}
    assert {t for t in triples if _ground(t)} == {t for t in union if _ground(t)}
    assert len(triples) == len(union)  # the ontology's blank nodes get new labels on parsing


def _ground(triple: Triple) -> bool:
    return not isinstance(triple.subject, BlankNode) and not isinstance(triple.object, BlankNode)


def test_namespaces() -> None:
    assert extsort.namespace("https://w3id.org/kg-news/ontology#Person") == "https://w3id.org/kg-news/ontology#"
    assert extsort.namespace("https://schema.org/headline") == "https://schema.org/"


def test_the_ttl12_snippet_of_the_docs(turtle12_file: Path, turtle12: Store, capsys: pytest.CaptureFixture) -> None:
    code = doc_python("graph.ttl12", {'"graph.ttl12"': repr(str(turtle12_file))})
    exec(compile(code, "docs/triple-stores.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    reifiers = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies")
    assert len(printed) == sum(1 for _ in turtle12.quads_for_pattern(None, reifiers, None)) > 50
