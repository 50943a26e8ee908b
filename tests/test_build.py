"""`kg build`: the files it writes parse back to the store's graph, reruns are byte-identical, bad input is named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib.compare import isomorphic

import kg
from kg import pipeline, types
from kg.pipeline import Context, build
from kg.vocab import KG, doc_graph, doc_iri

from .conftest import EXAMPLES

GRAPH_FILES = ("graph.ttl", "graph.nq", "graph.jsonld", "graph.html", "graph.graphml", "graph.gexf", "nodes.csv",
               "edges.csv", "report.json")
SCHEMA = "https://schema.org/"


def _store_quads(out: Path) -> set[pyoxigraph.Quad]:
    return set(pyoxigraph.Store.read_only(str(out / "store")))


def test_report_counts_documents_and_classes(examples_build: Path) -> None:
    report = json.loads((examples_build / "report.json").read_text())
    assert report["documents"] == 7
    assert report["failed"] == 0 and report["errors"] == []
    assert report["classes"]["Country"] >= 6
    assert report["classes"]["Person"] >= 20
    assert report["triples"] > 5000


def test_nquads_and_jsonld_parse_back_to_the_store(examples_build: Path) -> None:
    quads = _store_quads(examples_build)
    for name, fmt in (("graph.nq", pyoxigraph.RdfFormat.N_QUADS), ("graph.jsonld", pyoxigraph.RdfFormat.JSON_LD)):
        parsed = set(pyoxigraph.parse(path=str(examples_build / name), format=fmt))
        assert parsed == quads, name


def test_turtle_is_the_union_of_all_graphs(examples_build: Path) -> None:
    union = {q.triple for q in _store_quads(examples_build)}
    parsed = pyoxigraph.parse(path=str(examples_build / "graph.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    assert {q.triple for q in parsed} == union


def test_rdflib_reads_the_same_graph(examples_build: Path) -> None:
    turtle = rdflib.Graph().parse(examples_build / "graph.ttl", format="turtle")
    nquads = rdflib.Dataset()
    nquads.parse(examples_build / "graph.nq", format="nquads")
    union = rdflib.Graph()
    for s, p, o, _ in nquads.quads((None, None, None, None)):
        union.add((s, p, o))
    assert len(turtle) == len(union) > 5000
    assert isomorphic(turtle, union)


def test_one_named_graph_per_article(examples_build: Path) -> None:
    graphs = {g.value for g in pyoxigraph.Store.read_only(str(examples_build / "store")).named_graphs()}
    docs = {g for g in graphs if "/graph/doc/" in g}
    assert len(docs) == 7
    assert "https://w3id.org/kg-news/graph/doc/01-astana-state-visit" in docs
    assert "https://w3id.org/kg-news/graph/ontology" in graphs


def test_two_builds_are_byte_identical(ctx: Context, examples_build: Path, tmp_path: Path) -> None:
    build([EXAMPLES], tmp_path, ctx=ctx, progress=False)
    for name in GRAPH_FILES:
        assert (tmp_path / name).read_bytes() == (examples_build / name).read_bytes(), name


def test_bad_input_is_named_and_the_rest_still_builds(ctx: Context, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "good.txt").write_text("Визит в Астану\n\nПрезидент Казахстана Касым-Жомарт Токаев прибыл в Пекин.\n")
    (inputs / "empty.txt").write_text("")
    (inputs / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 50)
    (inputs / "latin1.txt").write_bytes("Заголовок\n\nТекст".encode("cp1251"))
    report = build([inputs, tmp_path / "missing.txt"], tmp_path / "out", ctx=ctx, progress=False)
    assert report.documents == 1
    assert report.failed == 4
    messages = sorted(e.message.rsplit("/", 1)[-1] for e in report.errors)
    assert messages[0].startswith("binary.txt: binary file")
    assert messages[1].startswith("empty.txt: empty document")
    assert messages[2].startswith("latin1.txt: not valid UTF-8 at byte")
    assert messages[3].startswith("missing.txt: no such file or directory")
    written = json.loads((tmp_path / "out" / "report.json").read_text())
    assert written["failed"] == 4 and len(written["errors"]) == 4
    assert "kasym-zhomart-tokaev" in (tmp_path / "out" / "graph.ttl").read_text()


@pytest.mark.parametrize("name", GRAPH_FILES)
def test_no_temporary_files_left_behind(examples_build: Path, name: str) -> None:
    assert (examples_build / name).stat().st_size > 0
    assert (examples_build / name).stat().st_mode & 0o777 == 0o644
    assert not list(examples_build.glob(".*.tmp"))
    # The sort's and the helpers' directories gone; the spool, void.ttl's reads of the store and what the page read of
    # the documents kept for the next build, without the sort's files.
    kept = sorted(path.name for path in examples_build.glob(".kg-*") if path.is_dir())
    assert kept == [".kg-described", ".kg-page", ".kg-spool"]
    assert sorted(path.name for path in (examples_build / ".kg-page").iterdir()) == ["page.sqlite", "seal.json"]
    spooled = sorted(path.name for path in (examples_build / ".kg-spool").iterdir())
    assert spooled == ["dumped", "graphs-00000.nq", "index.tsv", "jsonld.tsv", "listing.tsv", "others"]
    assert sorted(path.name for path in (examples_build / ".kg-described").iterdir()) == ["seal.json", "stored.nt"]


def test_entities_are_described_once_and_dropped_when_no_article_names_them(ctx: Context, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text("Погода\n\nВ Екатеринбурге похолодало, сообщил синоптик.\n", encoding="utf-8")
    (inputs / "b.txt").write_text("Визит\n\nТокаев прибыл в Астану. Казахстан ждёт гостей.\n", encoding="utf-8")
    (inputs / "c.txt").write_text("Саммит\n\nЛидеры прибыли в Астану на саммит.\n", encoding="utf-8")
    out = tmp_path / "out"
    build([inputs], out, ctx=ctx, progress=False)
    db = pyoxigraph.Store.read_only(str(out / "store"))
    labels = "SELECT ?g WHERE { GRAPH ?g { ?e rdfs:label 'Астана'@ru } }"
    rows = [r["g"].value for r in db.query(labels, prefixes={"rdfs": str(rdflib.RDFS)})]
    assert rows == ["https://w3id.org/kg-news/graph/entities"]  # two articles name Astana: one description
    del db
    (inputs / "a.txt").unlink()
    build([inputs], out, ctx=ctx, progress=False, prune=True)
    db = pyoxigraph.Store.read_only(str(out / "store"))
    ask = "ASK {{ GRAPH ?g {{ ?e rdfs:label '{}'@ru }} }}"
    assert not bool(db.query(ask.format("Екатеринбург"), prefixes={"rdfs": str(rdflib.RDFS)}))
    assert bool(db.query(ask.format("Астана"), prefixes={"rdfs": str(rdflib.RDFS)}))
    assert bool(db.query(ask.format("Казахстан"), prefixes={"rdfs": str(rdflib.RDFS)}))


def test_void_records_when_the_build_started_and_ended(examples_build: Path) -> None:
    void = rdflib.Graph().parse(examples_build / "void.ttl", format="turtle")
    rows = list(void.query("""PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?s ?e WHERE { ?b prov:startedAtTime ?s ; prov:endedAtTime ?e }"""))
    assert len(rows) == 1
    started, ended = rows[0]
    assert started.toPython() <= ended.toPython()


def test_import_kg_loads_nothing_heavy(tmp_path: Path) -> None:
    """`import kg` only defines names: no pipeline, models or store are imported until one is used."""
    code = (
        "import sys, kg\n"
        "heavy = sorted(m for m in sys.modules if m.startswith(('kg.', 'natasha', 'pyoxigraph', 'rdflib')))\n"
        "assert heavy == [], heavy\n"
        "assert kg.build.__module__ == 'kg.pipeline' and 'kg.pipeline' in sys.modules\n"
        "print(sorted(kg.__all__))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(["BuildReport", "Context", "DocResult", "Document", "build", "load_context",
                                       "process"])


def test_python_api(ctx: Context, tmp_path: Path) -> None:
    assert (kg.build, kg.process, kg.load_context) == (pipeline.build, pipeline.process, pipeline.load_context)
    assert kg.Document is types.Document and {"build", "process", "Document"} <= set(dir(kg))
    with pytest.raises(AttributeError, match="no attribute 'bulid'"):
        kg.bulid  # noqa: B018
    text = "Визит в Астану\n\nПрезидент Китая Си Цзиньпин прибыл в Астану.\n"
    result = kg.process(kg.Document(id="visit", text=text), ctx)
    assert {(e.label_ru, e.cls) for e in result.entities} >= {("Астана", "City"), ("Си Цзиньпин", "Person")}
    (tmp_path / "visit.txt").write_text(text, encoding="utf-8")
    report = kg.build([tmp_path / "visit.txt"], out=tmp_path / "out", ctx=ctx, progress=False)
    assert (report.documents, report.failed) == (1, 0)
    assert "Си Цзиньпин" in (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8")


def test_gephi_files_and_tables(examples_build: Path) -> None:
    """graph.graphml and graph.gexf parse as XML with the same nodes as nodes.csv; edges.csv joins them."""
    import csv
    import xml.etree.ElementTree as ET

    with (examples_build / "nodes.csv").open(encoding="utf-8") as f:
        nodes = list(csv.DictReader(f))
    with (examples_build / "edges.csv").open(encoding="utf-8") as f:
        edges = list(csv.DictReader(f))
    ids = [n[next(iter(n))] for n in nodes]
    assert len(ids) == len(set(ids)) > 50 and len(edges) > 50
    graphml = ET.parse(examples_build / "graph.graphml").getroot()
    gexf = ET.parse(examples_build / "graph.gexf").getroot()
    assert {e.get("id") for e in graphml.iter() if e.tag.endswith("}node")} == set(ids)
    assert {e.get("id") for e in gexf.iter() if e.tag.endswith("}node")} == set(ids)
    names = {cell for n in nodes for cell in n.values()}
    assert {"Астана", "Казахстан", "Хоргос"} <= names


def test_jsonl_metadata_becomes_article_properties(ctx: Context, tmp_path: Path) -> None:
    record = {"id": "tengri-2025-06-17", "title": "Си Цзиньпин прибыл в Астану", "date": "2025-06-17",
              "url": "https://example.kz/news/xi-astana", "source": "Tengrinews",
              "text": "Си Цзиньпин прибыл в Астану\n\nПрезидент Китая Си Цзиньпин прибыл в Астану с визитом."}
    (tmp_path / "feed.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    build([tmp_path / "feed.jsonl"], tmp_path / "out", ctx=ctx, progress=False)
    db = pyoxigraph.Store.read_only(str(tmp_path / "out" / "store"))
    doc = pyoxigraph.NamedNode(doc_iri("tengri-2025-06-17"))
    graph = pyoxigraph.NamedNode(doc_graph("tengri-2025-06-17"))
    props = {q.predicate.value: q.object for q in db.quads_for_pattern(doc, None, None, graph)}
    assert props[SCHEMA + "headline"] == pyoxigraph.Literal("Си Цзиньпин прибыл в Астану", language="ru")
    assert props[SCHEMA + "datePublished"] == pyoxigraph.Literal(
        "2025-06-17", datatype=pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    assert props[SCHEMA + "url"] == pyoxigraph.NamedNode("https://example.kz/news/xi-astana")
    assert props[SCHEMA + "inLanguage"].value == "ru" and props[str(KG.source)].value == "Tengrinews"


def test_files_do_not_depend_on_input_order(ctx: Context, tmp_path: Path) -> None:
    """The same documents given in two orders give the same IRIs and byte-identical files."""
    texts = {
        "a.txt": "Визит\n\nТокаев прибыл в Пекин, где его встретил Си Цзиньпин.\n",
        "b.txt": "Саммит\n\nЛидеры встретились в Астане. Блогер Расул Рысмамбетов назвал это успехом.\n",
        "c.txt": "Порт\n\nПо словам Расула Рысмамбетова, через Хоргос прошли контейнеры из Китая.\n",
    }
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, text in texts.items():
        (inputs / name).write_text(text, encoding="utf-8")
    forward, backward = tmp_path / "forward", tmp_path / "backward"
    build([inputs / n for n in sorted(texts)], forward, ctx=ctx, progress=False)
    build([inputs / n for n in sorted(texts, reverse=True)], backward, ctx=ctx, progress=False)
    for name in ("graph.nq", "graph.ttl", "nodes.csv", "edges.csv"):
        assert (forward / name).read_bytes() == (backward / name).read_bytes(), name
    nquads = (forward / "graph.nq").read_bytes()
    assert f"<{doc_iri('a')}>".encode() in nquads and "Расул Рысмамбетов".encode() in nquads
