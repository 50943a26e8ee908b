"""The embedded Oxigraph store: load documents' graphs, query, and write sorted serializations."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import NamedNode, Quad, QuerySolutions, QueryTriples, RdfFormat, Store, parse, serialize

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
    """(Re)load the ontology and the sector scheme into their own named graph."""
    graph = NamedNode(ONTOLOGY_GRAPH)
    store.remove_graph(graph)
    for name in ONTOLOGY_FILES:
        triples = parse(path=str(ONTOLOGY_DIR / name), format=RdfFormat.TURTLE)
        store.extend(Quad(t.subject, t.predicate, t.object, graph) for t in triples)


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
