"""The embedded Oxigraph store: load documents' graphs, query, and write sorted serializations."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import rdflib
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    serialize,
)
from rdflib.compare import to_canonical_graph

from kg.files import atomic_writer
from kg.rdf import PREFIXES
from kg.vocab import ONTOLOGY_GRAPH

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
ONTOLOGY_FILES = ("kg.ttl", "sectors.ttl")
# Formats that hold named graphs are written as the dataset; the others as the union of all graphs.
FORMATS = {
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
    "xml": RdfFormat.RDF_XML,
}
DATASET_FORMATS = {"nq", "trig", "jsonld"}


def open_store(path: Path | None = None) -> Store:
    """An on-disk store at `path` (created if missing), or an in-memory one."""
    if path is None:
        return Store()
    path.mkdir(parents=True, exist_ok=True)
    return Store(str(path))


def replace_graphs(store: Store, graphs: Iterable[str], nquads: bytes) -> None:
    """Drop the given named graphs and bulk-load N-Quads in their place."""
    for graph in graphs:
        store.remove_graph(NamedNode(graph))
    if nquads:
        store.bulk_load(input=nquads, format=RdfFormat.N_QUADS)


def load_ontology(store: Store) -> None:
    """(Re)load the ontology and the sector scheme into their own named graph, blank nodes canonically named."""
    graph = NamedNode(ONTOLOGY_GRAPH)
    store.remove_graph(graph)
    for name in ONTOLOGY_FILES:
        store.extend(Quad(*t, graph) for t in canonical_triples(ONTOLOGY_DIR / name))


def canonical_triples(path: Path) -> list[Triple]:
    """A Turtle file's triples with blank nodes named from the graph's structure, so reloads are byte-identical."""
    canonical = to_canonical_graph(rdflib.Graph().parse(path, format="turtle"))
    return [Triple(_term(s), _term(p), _term(o)) for s, p, o in canonical]


def _term(term: rdflib.term.Node) -> NamedNode | BlankNode | Literal:
    if isinstance(term, rdflib.BNode):
        return BlankNode(str(term))
    if isinstance(term, rdflib.URIRef):
        return NamedNode(str(term))
    datatype = NamedNode(str(term.datatype)) if term.datatype else None
    return Literal(str(term), language=term.language, datatype=datatype)


def query(store: Store, sparql: str) -> QuerySolutions | QueryTriples | bool:
    """Run SPARQL over the union of all graphs, the way an analyst expects the default graph to behave."""
    return store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)


def sorted_quads(store: Store) -> list[Quad]:
    """Every quad in the store, in N-Quads lexical order."""
    return sorted(store.quads_for_pattern(None, None, None, None), key=str)


def dump(store: Store, handle: BinaryIO, fmt: str, quads: list[Quad] | None = None) -> None:
    """Serialize the store as `fmt`, sorted so reruns are byte-identical."""
    quads = sorted_quads(store) if quads is None else quads
    data = quads if fmt in DATASET_FORMATS else sorted({q.triple for q in quads}, key=str)
    serialize(data, handle, format=FORMATS[fmt], prefixes=None if fmt in ("nt", "nq") else PREFIXES)


def write(store: Store, path: Path, fmt: str, quads: list[Quad] | None = None) -> None:
    """Write the store as `fmt` to `path` atomically."""
    with atomic_writer(path) as handle:
        dump(store, handle, fmt, quads)
