"""The embedded Oxigraph store: load documents' graphs, query, and write sorted serializations."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain
from pathlib import Path
from typing import BinaryIO, TypeVar

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
    parse,
    serialize,
)
from rdflib.compare import to_canonical_graph

from kg import extsort, recount, splice, spool
from kg.extsort import Block, Dump, Listed, SortedDump, Statistics, Written, sorted_dump
from kg.files import atomic_writer, move_atomic
from kg.rdf import PREFIXES, TYPE
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
LINES = {"nq": "quads", "nt": "triples"}  # formats whose sorted dump file is the serialization itself
REOPEN_BYTES = 512 * 2**20  # N-Quads loaded between two openings of a build's store (~2M quads)


def open_store(path: Path | None = None) -> Store:
    """An on-disk store at `path` (created if missing), or an in-memory one."""
    if path is None:
        return Store()
    path.mkdir(parents=True, exist_ok=True)
    return Store(str(path))


class Reopening:
    """An on-disk store that is closed and opened again after every `every` bytes of N-Quads loaded into it: RocksDB
    keeps what it has read of each of the store's files (~5 MB per 1M quads loaded) until the store closes, and
    opening it again takes ~20 ms (bench/results.md)."""

    def __init__(self, path: Path, every: int | None = None) -> None:
        self.path, self.every, self.since = path, every or REOPEN_BYTES, 0
        self.db = open_store(path)

    def loaded(self, size: int) -> None:
        """Count `size` bytes of N-Quads loaded; reopen the store once they add up to `every`."""
        self.since += size
        if self.since >= self.every:
            self.reopen()

    def reopen(self) -> None:
        """Close the store and open it again; whoever else holds the old one keeps it open, and this fails on its
        lock."""
        self.db = None
        self.db, self.since = open_store(self.path), 0


@contextmanager
def checkpoint(store: Store, path: Path) -> Iterator[Path]:
    """A copy of an on-disk store at `path`, made of hard links, for another process to read meanwhile; removed
    afterwards.

    `Store.read_only` on the live store is not enough: a background compaction in this process deletes files that
    the reader has not opened yet (a 100k-document build failed so), while a hard link keeps a file's data.
    """
    shutil.rmtree(path, ignore_errors=True)  # left by a build that was killed
    store.backup(str(path))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def replace_graphs(store: Store, graphs: Iterable[str], chunks: Sequence[bytes], threads: int = 2) -> None:
    """Drop the given named graphs and bulk-load N-Quads in their place, from `threads` threads."""
    for graph in graphs:
        store.remove_graph(NamedNode(graph))
    load_nquads(store, chunks, threads)


def load_nquads(store: Store, chunks: Sequence[bytes], threads: int = 2) -> None:
    """Bulk-load N-Quads that pyoxigraph wrote, given as chunks of whole lines (a document's, say), shared at line
    ends among `threads` threads: Oxigraph releases the GIL and loads each share into its own files, so two threads
    take ~60% of the time of one load (bench/rdf_scale.py). The chunks are read where they lie, not joined: a
    build's batch of documents is not held twice.

    Lenient: the terms were checked when they were made, and the parser checking them again took ~10% of the
    load's CPU."""
    with ThreadPoolExecutor(threads) as pool:
        loads = [
            pool.submit(store.bulk_load, input=ChunkReader(share), format=RdfFormat.N_QUADS, lenient=True)
            for share in shares(chunks, threads)
        ]
        for done in loads:
            done.result()


def shares(chunks: Sequence[bytes], count: int) -> list[list[memoryview]]:
    """`chunks` in at most `count` runs of about equal size, in order; a chunk is cut at a line end where a run
    ends inside it."""
    total = sum(map(len, chunks))
    runs: list[list[memoryview]] = [[] for _ in range(count)]
    run = offset = 0  # the run being filled; where the chunk starts in the whole
    for chunk in chunks:
        view, start = memoryview(chunk), 0
        while start < len(chunk):
            while run < count - 1 and (run + 1) * total // count <= offset + start:
                run += 1
            end = (run + 1) * total // count - offset  # where this run ends, past `start`
            stop = len(chunk) if end >= len(chunk) else chunk.find(b"\n", end - 1) + 1 or len(chunk)
            runs[run].append(view[start:stop])
            start = stop
        offset += len(chunk)
    return [run for run in runs if run]


class ChunkReader:
    """A binary file that reads a sequence of byte chunks as one, without joining them (`read` only: what
    pyoxigraph asks of a file, a few KB at a time)."""

    def __init__(self, chunks: Iterable[bytes | memoryview]) -> None:
        self._chunks, self._chunk = iter(chunks), memoryview(b"")

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (the rest of the current chunk if negative); empty at the end."""
        while not self._chunk:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._chunk = memoryview(chunk)
        piece = self._chunk if size < 0 else self._chunk[:size]
        self._chunk = self._chunk[len(piece):]
        return bytes(piece)


def joined(lines: Iterable[bytes], size: int = 2**20) -> Iterator[bytes]:
    """Lines joined into chunks of at least `size` bytes (the last one smaller): a `ChunkReader` of single lines
    would hand pyoxigraph a line per read."""
    chunk: list[bytes] = []
    length = 0
    for line in lines:
        chunk.append(line)
        length += len(line)
        if length >= size:
            yield b"".join(chunk)
            chunk, length = [], 0
    if chunk:
        yield b"".join(chunk)


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
    """Serialize the store (or the given sorted `quads`) as `fmt`, sorted so reruns are byte-identical."""
    if quads is None:
        with tempfile.TemporaryDirectory(prefix="kg-sort-") as tmp:
            if fmt in FORMATS.keys() - DATASET_FORMATS:  # the union of all graphs: the quads need no sorting
                write_triples(extsort.sorted_triples(store, Path(tmp)), handle, fmt)
            elif fmt == "jsonld" and extsort.named_only(store):  # written a graph at a time: no sort of every quad
                _jsonld_by_graph(extsort.dump_graphs(store, Path(tmp)), handle)
            elif fmt == "trig" and extsort.named_only(store):  # a graph at a time, written while the next are dumped
                _trig_of_blocks(extsort.dumping(store, extsort.graph_names(store), Path(tmp)), Path(tmp), handle)
            else:
                dump_sorted(sorted_dump(store, Path(tmp)), handle, fmt)
        return
    if fmt in WRITERS:
        handle.write(WRITERS[fmt](quads))
        return
    data = quads if fmt in DATASET_FORMATS else sorted({q.triple for q in quads}, key=str)
    if fmt == "trig" and all(isinstance(q.graph_name, NamedNode | BlankNode) for q in quads):
        data = sorted(quads, key=lambda q: (str(q.graph_name), str(q)))  # a block per graph, as `_trig_by_graph`
    serialize(data, handle, format=FORMATS[fmt], prefixes=None if fmt in ("nt", "nq") else PREFIXES)


def write(store: Store, path: Path, fmt: str, quads: list[Quad] | None = None) -> None:
    """Write the store as `fmt` to `path` atomically."""
    if quads is None and fmt in LINES:  # sorted beside `path`, so that the sorted file is moved there, not copied
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".kg-sort-", dir=path.parent) as tmp:
            work = Path(tmp)
            move_atomic(sorted_dump(store, work).quads if fmt == "nq" else extsort.sorted_triples(store, work), path)
        return
    with atomic_writer(path) as handle:
        dump(store, handle, fmt, quads)


def write_all(
    store: Store,
    paths: dict[str, Path],
    helper: Executor | None = None,
    view: Path | None = None,
    dump: Dump | None = None,
    last: Statistics | None = None,
) -> Statistics:
    """Write the store in each format to its path (sorted, atomically) from one external sort; the VoID counts of
    the union of all graphs (from the `last` ones, those of the graph.nq the dump's sort edited, when it did: see
    `recount`). The store is dumped unless its quads are given as a `dump` (a build's spool). With a `helper`
    process pool, JSON-LD (the slowest to write, and written from the unsorted dump's graphs) is written there and
    the counts are made there while this process writes the rest; with a `view` (a checkpoint of the store) the
    store is dumped there too."""
    workdir = next(iter(paths.values())).parent
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".kg-sort-", dir=workdir) as tmp:
        if dump is None and helper and view:
            dump = helper.submit(extsort.dump_graphs_at, view, Path(tmp)).result()
        elif dump is None:
            dump = extsort.dump_graphs(store, Path(tmp))
        apart = {"jsonld"} & paths.keys() if dump.named_only else set()  # from the dump's graphs, not the sort
        futures = [helper.submit(write_jsonld, dump, paths[fmt]) for fmt in apart] if helper else []
        try:
            dumped = extsort.sort_dump(dump, Path(tmp))
            counts = recount.after(store, last, dumped.changes) if last and dumped.changes else None
            counting = helper.submit(_statistics_aside, dumped.triples) if helper and counts is None else None
            futures += [counting] if counting else []
            for fmt, path in paths.items():
                if fmt in apart and not helper:
                    write_jsonld(dump, path)
                elif fmt not in apart | LINES.keys():
                    with atomic_writer(path) as handle:
                        if not (fmt == "ttl" and splice_turtle(path, dumped, handle)):
                            dump_sorted(dumped, handle, fmt)
            if counts is None:
                counts = counting.result() if counting else extsort.statistics(dumped.triples, Path(tmp))
        finally:
            wait(futures)  # the helper reads the dump: it must be done before the dump's directory goes
        for future in futures:
            future.result()
        # Last, once nothing reads them: the sorted files are these formats already.
        for fmt in LINES.keys() & paths.keys():
            move_atomic(getattr(dumped, LINES[fmt]), paths[fmt])
        return counts


def _statistics_aside(triples: Path) -> Statistics:
    """`extsort.statistics` in a directory of its own beside `triples`: a helper counts while the build process
    writes the other files from the same sorted dump."""
    with tempfile.TemporaryDirectory(prefix=".kg-counts-", dir=triples.parent) as tmp:
        return extsort.statistics(triples, Path(tmp))


def write_jsonld(dump: Dump, path: Path) -> None:
    """Write the JSON-LD of a dump whose quads all lie in named graphs to `path`, atomically; with a spool's
    fragments, note where each graph's object lies for the next build (the note is replaced after the file)."""
    with spool.noting(dump) as note, atomic_writer(path) as handle:
        _jsonld_by_graph(dump, handle, note)


@lru_cache(maxsize=1)
def jsonld_version() -> str:
    """What JSON-LD is written by: this module's code (the writer), extsort's (the sort of a graph's lines) and
    the @context, as a digest; a graph's JSON-LD from another version is not copied."""
    code = b"".join(path.read_bytes() for path in (Path(__file__), Path(extsort.__file__), CONTEXT_FILE))
    return hashlib.sha256(code).hexdigest()


def statistics(store: Store) -> Statistics:
    """The VoID counts of the union of all graphs, from its sorted triples: memory stays flat."""
    with tempfile.TemporaryDirectory(prefix="kg-sort-") as tmp:
        return extsort.statistics(extsort.sorted_triples(store, Path(tmp)), Path(tmp))


def dump_sorted(dumped: SortedDump, handle: BinaryIO, fmt: str) -> None:
    """Serialize sorted quads or triples from files, streaming where the serializer does."""
    if fmt == "jsonld" and dumped.dump.named_only:
        _jsonld_by_graph(dumped.dump, handle)
    elif fmt == "trig" and dumped.dump.named_only:
        _trig_by_graph([dumped.quads], handle)
    elif fmt == "nq":
        with dumped.quads.open("rb") as lines:
            shutil.copyfileobj(lines, handle)
    elif fmt in WRITERS:
        handle.write(WRITERS[fmt](parse(path=str(dumped.quads), format=RdfFormat.N_QUADS)))
    elif fmt in DATASET_FORMATS:
        serialize(parse(path=str(dumped.quads), format=RdfFormat.N_QUADS), handle, format=FORMATS[fmt],
                  prefixes=PREFIXES)
    else:
        write_triples(dumped.triples, handle, fmt)


def splice_turtle(last: Path, dumped: SortedDump, handle: BinaryIO) -> bool:
    """Write Turtle as the `last` Turtle file with the blocks of the subjects whose quads changed since written anew
    from the sorted quads (`kg.splice`; at 40M triples seconds instead of ~60 s). False, having written nothing,
    when every quad was sorted, too many changed, or the last file was not written with PREFIXES."""
    if dumped.changes is None or dumped.changes.count > recount.LIMIT or not dumped.dump.named_only \
            or not last.is_file():
        return False
    with last.open("rb") as old:
        if old.read(len(TURTLE_HEADER)) != TURTLE_HEADER:
            return False
    blocks = ((key, _turtle_block(dumped.quads, key), None) for key in dumped.changes.subjects())
    splice.replace(last, blocks, handle, splice.turtle(PREFIXES))
    return True


def _turtle_block(quads: Path, subject: bytes) -> bytes:
    """The Turtle block of a subject's triples in sorted quads that all name their graph (b"" when it has none), as
    `write_triples` writes it."""
    triples = dict.fromkeys(extsort.triple_lines(splice.lines_beginning(quads, subject)))
    written = serialize(parse(b"".join(triples), format=RdfFormat.N_TRIPLES), format=RdfFormat.TURTLE,
                        prefixes=PREFIXES)
    return written[len(TURTLE_HEADER):]


def write_triples(triples: Path, handle: BinaryIO, fmt: str) -> None:
    """Serialize a sorted N-Triples file as Turtle, N-Triples or RDF/XML."""
    if fmt == "nt":
        with triples.open("rb") as lines:
            shutil.copyfileobj(lines, handle)
        return
    serialize(parse(path=str(triples), format=RdfFormat.N_TRIPLES), handle, format=FORMATS[fmt], prefixes=PREFIXES)


def _jsonld_by_graph(dump: Dump, handle: BinaryIO, written: Written | None = None) -> None:
    """What `jsonld` writes, one named graph at a time and one node at a time, so memory holds neither the dataset
    nor a large graph (a graph bigger than the sort buffer is sorted through files); a graph whose JSON-LD the
    build before wrote is copied from its file. Each graph written is handed to `written` with where its object
    lies."""
    context = jsonld_context()
    compactor = Compactor.from_context(context)
    # A directory of its own: a helper process writes JSON-LD while the build process sorts in the dump's.
    beside = dump.listing.parent if dump.listing else None
    with tempfile.TemporaryDirectory(prefix=".kg-jsonld-", dir=beside) as tmp:

        def graphs() -> Iterator[tuple[Listed, Iterator[bytes]]]:
            for listed in dump.graphs():
                _, block, last = listed
                if last is not None:
                    yield listed, extsort.block_bytes(last)
                    continue
                quads = _named_terms(extsort.sorted_block(block, Path(tmp)))
                first = next(quads, None)
                if first is not None:  # an empty graph has no object
                    yield listed, _fragment(compactor.iri(first[3]), _nodes(chain([first], quads), compactor))

        _write_jsonld(handle, context, [], graphs(), written)


def _trig_by_graph(sources: list[Path], handle: BinaryIO) -> None:
    """TriG of N-Quads files whose quads all name a graph: one block per graph, in the order of the graphs' names,
    each graph's triples sorted (from quads sorted as a whole, TriG opens a block for every run of quads in one
    graph: one per triple, nearly)."""
    beside = sources[0].parent if sources else None
    with (
        tempfile.TemporaryDirectory(prefix=".kg-trig-", dir=beside) as tmp,
        extsort.by_graph(sources, Path(tmp)) as lines,
    ):
        _trig(lines, handle)


def _trig_of_blocks(blocks: Iterable[tuple[object, Block]], workdir: Path, handle: BinaryIO) -> None:
    """The TriG `_trig_by_graph` writes, from the blocks of a dump whose quads all name a graph, in the order of the
    graphs' names: each graph is sorted and written as soon as its block is there (at 1M quads, while the next are
    dumped: 4.6 s instead of 6.5 s for `kg export --format trig` of a changed store)."""
    _trig(ChunkReader(joined(line for _, block in blocks for line in extsort.sorted_block(block, workdir))), handle)


def _trig(lines: BinaryIO | ChunkReader, handle: BinaryIO) -> None:
    """TriG of N-Quads lines read from `lines`, with our prefixes."""
    serialize(parse(lines, format=RdfFormat.N_QUADS), handle, format=RdfFormat.TRIG, prefixes=PREFIXES)



# --- JSON-LD, compacted with our @context ---------------------------------------------------------------------

CONTEXT_FILE = ONTOLOGY_DIR / "context.jsonld"  # published as https://w3id.org/kg-news/context.jsonld
GEN_DELIMS = tuple(":/?#[]@")
T = TypeVar("T")


def jsonld_context() -> dict:
    """The @context embedded in graph.jsonld: ontology/context.jsonld's terms, so a reader needs no network.

    "@version" is left out: it only makes JSON-LD 1.0 processors (Jena riot's) refuse the document, and every
    term means the same to a 1.1 processor without it.
    """
    context = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    return {key: value for key, value in context.items() if key != "@version"}


@dataclass(frozen=True)
class Compactor:
    """Chooses keys and values for RDF terms from a flat @context of prefixes, terms and type coercions."""

    prefixes: dict[str, str]  # prefix -> namespace IRI
    terms: dict[tuple[str, str | None], str]  # (property IRI, coerced type IRI or "@id" or None) -> term
    plain: dict[str, str]  # IRI -> term with no coercion: a class in "type", or any value

    @classmethod
    def from_context(cls, context: dict) -> Compactor:
        """Read the prefixes and terms of a context whose definitions are strings or {"@id", "@type"}."""
        prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(GEN_DELIMS)}
        terms: dict[tuple[str, str | None], str] = {}
        for term, definition in sorted(context.items()):
            if term.startswith("@") or term in prefixes or definition in ("@id", "@type"):
                continue
            iri = definition if isinstance(definition, str) else definition["@id"]
            coercion = None if isinstance(definition, str) else definition.get("@type")
            expanded = _expand(prefixes, coercion) if coercion not in (None, "@id") else coercion
            terms.setdefault((_expand(prefixes, iri), expanded), term)
        plain = {iri: term for (iri, coercion), term in terms.items() if coercion is None}
        return cls(prefixes, terms, plain)

    def iri(self, term: str) -> str:
        """A node reference for an N-Quads IRI or blank node: blank node label, compact IRI, or the IRI itself."""
        return self._compact(term[1:-1]) if term[0] == "<" else term

    @cached_property
    def _compact(self) -> Callable[[str], str]:
        # Longest namespace first; cached per IRI because predicates, classes and entities repeat on every line.
        ordered = sorted(self.prefixes.items(), key=lambda p: -len(p[1]))

        @lru_cache(maxsize=2**17)
        def compact(value: str) -> str:
            for prefix, namespace in ordered:
                rest = value[len(namespace):]
                if value.startswith(namespace) and rest and not rest.startswith("//"):
                    return f"{prefix}:{rest}"
            return value

        return compact

    def vocab(self, term: str) -> str:
        """A class or datatype (an N-Quads term): its plain term when the context has one, else a compact IRI."""
        return self.plain.get(term[1:-1]) or self.iri(term)

    def entry(self, predicate: str, obj: str) -> tuple[str, object]:
        """The key and JSON value for one (predicate IRI, N-Quads object) of a node."""
        if obj[0] != '"':
            coerced = self.terms.get((predicate, "@id"))
            if coerced:
                return coerced, self.iri(obj)
            return self.key(predicate), {"id": self.iri(obj)}
        end = obj.rindex('"')
        value, suffix = _unescape(obj[1:end]), obj[end + 1 :]
        if suffix.startswith("@"):
            return self.key(predicate), {"@value": value, "@language": suffix[1:]}
        datatype = suffix[3:-1] if suffix else XSD_STRING
        coerced = self.terms.get((predicate, datatype))
        if coerced:
            return coerced, value
        if datatype == XSD_STRING:
            return self.key(predicate), value
        return self.key(predicate), {"@value": value, "@type": self.vocab(suffix[2:])}

    def key(self, predicate: str) -> str:
        """A property's key when its values are not coerced: its plain term, else its compact IRI."""
        return self.plain.get(predicate) or self._compact(predicate)


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _expand(prefixes: dict[str, str], value: str) -> str:
    prefix, colon, rest = value.partition(":")
    return prefixes[prefix] + rest if colon and prefix in prefixes else value


def jsonld(quads: Iterable[Quad], context: dict | None = None) -> bytes:
    """A dataset as compacted JSON-LD: the default graph's nodes, then one object per named graph, all sorted."""
    context = jsonld_context() if context is None else context
    compactor = Compactor.from_context(context)
    graphs: dict[str, list[tuple[str, str, str, str]]] = {}
    for line in sorted(serialize(quads, format=RdfFormat.N_QUADS).splitlines()):  # bytes: split at \n only
        terms = _terms(line.decode())
        graphs.setdefault(terms[3], []).append(terms)
    default = list(_nodes(graphs.pop("", []), compactor))
    named = ((name, _fragment(compactor.iri(name), _nodes(group, compactor))) for name, group in sorted(graphs.items()))
    out = io.BytesIO()
    _write_jsonld(out, context, default, named)
    return out.getvalue()


def _write_jsonld(
    handle: BinaryIO,
    context: dict,
    default: list[dict],
    graphs: Iterable[tuple[T, Iterable[bytes]]],
    written: Callable[[T, int, int], object] | None = None,
) -> None:
    """The document: the context indented, then one node object per line (the C JSON encoder: indenting every
    node would take Python's encoder several times longer), each named graph's object given as its pieces (see
    `_fragment`) with a tag, handed to `written` with where the object lies once it is written."""
    head = (json.dumps({"@context": context}, ensure_ascii=False, indent=1).removesuffix("\n}") + ',\n "@graph": [')
    at = _write(handle, head.encode())
    first = True
    for node in default:
        at += _write(handle, (b"\n" if first else b",\n") + _line(node, 2))
        first = False
    for tag, pieces in graphs:
        at += _write(handle, b"\n" if first else b",\n")
        start = at
        for piece in pieces:
            at += _write(handle, piece)
        if written is not None:
            written(tag, start, at)
        first = False
    handle.write(b"\n ]\n}\n")


def _write(handle: BinaryIO, data: bytes) -> int:
    handle.write(data)
    return len(data)


def _fragment(name: str, nodes: Iterable[dict]) -> Iterator[bytes]:
    """A named graph's object in the document, in pieces: its name, then a node per line."""
    yield ("  {" + json.dumps("id") + ": " + json.dumps(name, ensure_ascii=False) + ', "@graph": [').encode()
    for number, node in enumerate(nodes):
        yield (b",\n" if number else b"\n") + _line(node, 3)
    yield b"\n  ]}"


def _line(node: dict, indent: int) -> bytes:
    return (" " * indent + json.dumps(node, ensure_ascii=False)).encode()


def _nodes(quads: Iterable[tuple[str, str, str, str]], compactor: Compactor) -> Iterator[dict]:
    """Node objects for one graph's quads (N-Quads terms, sorted, so each subject's quads are consecutive)."""
    subject, props = None, None
    for quad_subject, predicate, obj, _ in quads:
        if quad_subject != subject:
            if props is not None:
                yield _node(compactor.iri(subject), props)
            subject, props = quad_subject, {}
        if predicate == RDF_TYPE_TERM and obj[0] != '"':
            props.setdefault("type", []).append(compactor.vocab(obj))
        else:
            key, value = compactor.entry(predicate[1:-1], obj)
            props.setdefault(key, []).append(value)
    if props is not None:
        yield _node(compactor.iri(subject), props)


def _node(subject: str, props: dict[str, list]) -> dict:
    return {"id": subject, **{k: v[0] if len(v) == 1 else v for k, v in sorted(props.items(), key=_type_first)}}


# A line of canonical N-Quads (as Oxigraph writes it): subject, predicate, object (an IRI, a blank node, or a
# literal whose quotes, backslashes and line ends are escaped), and the graph unless it is the default graph; no
# term but a literal holds a space.
_QUAD = re.compile(r'([^ ]+) ([^ ]+) ("(?:[^"\\]|\\.)*"(?:@[^ ]+|\^\^[^ ]+)?|[<_][^ ]*)(?: ([^ ]+))? \.')
RDF_TYPE_TERM = f"<{RDF_TYPE}>"


def _terms(line: str) -> tuple[str, str, str, str]:
    """Subject, predicate, object and graph ('' for the default graph) of one N-Quads line, as written."""
    match = _QUAD.fullmatch(line)
    if match is None:
        raise _no_jsonld(line)
    subject, predicate, obj, graph = match.groups()
    return subject, predicate, obj, graph or ""


def _named_terms(lines: Iterable[bytes]) -> Iterator[tuple[str, str, str, str]]:
    """`_terms` of N-Quads lines that name their graph, by splitting at spaces (3× the regex): the subject, the
    predicate and the graph hold none, so the object is what lies between them."""
    for line in lines:
        subject, predicate, rest = line.decode().split(" ", 2)
        obj, graph = rest[:-3].rsplit(" ", 1)  # rest ends " .\n"
        if obj.startswith("<<"):
            raise _no_jsonld(line.decode())
        yield subject, predicate, obj, graph


def _no_jsonld(line: str) -> ValueError:
    return ValueError(f"no JSON-LD form for {line[:200]!r} (RDF 1.2 triple terms need --format ttl12)")


def _unescape(lexical: str) -> str:
    """A literal's value from its N-Quads form: the escapes Oxigraph writes (quote, backslash, \\n, \\uXXXX …) are
    JSON's."""
    if "\\" not in lexical:
        return lexical
    try:
        return json.loads(f'"{lexical}"')
    except ValueError:  # \\U or \\' from another writer: let the N-Triples parser read it
        return next(iter(parse(f'<x:s> <x:p> "{lexical}" .'.encode(), format=RdfFormat.N_TRIPLES))).object.value


def _type_first(item: tuple[str, list]) -> tuple[bool, str]:
    return item[0] != "type", item[0]


# --- Turtle 1.2: each relation carries its evidence as an annotation ---------------------------------------------

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
REIFICATION = (RDF_NS + "subject", RDF_NS + "predicate", RDF_NS + "object")
EVIDENCE = "https://w3id.org/kg-news/ontology#Evidence"
_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def turtle12(quads: Iterable[Quad]) -> bytes:
    """The union of all graphs as Turtle 1.2, each fact read from text written `s p o ~ evidence {| … |}`.

    The kg:Evidence records become the reifiers of their facts (`rdf:reifies`), replacing the RDF 1.1
    rdf:subject / rdf:predicate / rdf:object triples; everything else is written as plain Turtle.
    """
    triples = sorted({q.triple for q in quads}, key=str)
    facts = _reified_facts(triples)
    asserted = set(triples)
    annotated: dict[Triple, list[NamedNode | BlankNode]] = {}
    for reifier, fact in facts.items():
        if fact in asserted:
            annotated.setdefault(fact, []).append(reifier)
    inside = {reifier for reifiers in annotated.values() for reifier in reifiers}
    plain = [
        t for t in triples
        if t not in annotated and t.subject not in inside
        and not (t.subject in facts and t.predicate.value in REIFICATION)
    ]
    plain += [Triple(e, NamedNode(RDF_NS + "reifies"), fact) for e, fact in facts.items() if fact not in asserted]
    by_subject = _group(triples)
    parts = [b'VERSION "1.2"\n', *(f"@prefix {p}: <{ns}> .\n".encode() for p, ns in PREFIXES.items()), b"\n"]
    body = serialize(sorted(plain, key=str), format=RdfFormat.TURTLE, prefixes=PREFIXES) or b""
    parts.append(b"".join(line for line in body.splitlines(keepends=True) if not line.startswith(b"@prefix ")))
    parts.append(b"\n# Facts read from text, each annotated with the evidence it was read from.\n")
    for fact in sorted(annotated, key=str):
        parts.append(_annotated(fact, annotated[fact], by_subject).encode())
    return b"".join(parts)


def _reified_facts(triples: list[Triple]) -> dict[NamedNode | BlankNode, Triple]:
    """Each complete kg:Evidence record's fact, rebuilt from rdf:subject / rdf:predicate / rdf:object."""
    parts: dict[NamedNode | BlankNode, dict[str, object]] = {}
    evidence = set()
    for t in triples:
        if t.predicate.value in REIFICATION:
            parts.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
        elif t.predicate.value == RDF_TYPE and t.object.value == EVIDENCE:
            evidence.add(t.subject)
    facts = {}
    for e in sorted(evidence, key=str):
        s, p, o = (parts.get(e, {}).get(name, []) for name in REIFICATION)
        if len(s) == len(p) == len(o) == 1 and isinstance(p[0], NamedNode) and not isinstance(s[0], Literal):
            facts[e] = Triple(s[0], p[0], o[0])
    return facts


def _group(triples: list[Triple]) -> dict[object, list[Triple]]:
    grouped: dict[object, list[Triple]] = {}
    for t in triples:
        grouped.setdefault(t.subject, []).append(t)
    return grouped


def _annotated(fact: Triple, reifiers: list, by_subject: dict[object, list[Triple]]) -> str:
    """`s p o ~ e {| p1 o1 ; p2 o2 |} .` for one fact and each of its evidence records."""
    lines = [f"{_ttl(fact.subject)} {_ttl(fact.predicate)} {_ttl(fact.object)}"]
    for reifier in reifiers:
        pairs = [t for t in by_subject.get(reifier, []) if t.predicate.value not in REIFICATION]
        inner = " ;\n        ".join(f"{_ttl(t.predicate)} {_ttl(t.object)}" for t in pairs)
        lines.append(f"    ~ {_ttl(reifier)} {{| {inner} |}}")
    return "\n".join(lines) + " .\n"


def _ttl(term: object) -> str:
    """A term in Turtle: `a`, a prefixed name when one fits, else its N-Triples form."""
    if isinstance(term, NamedNode):
        if term.value == RDF_TYPE:
            return "a"
        for prefix, namespace in PREFIXES.items():
            if term.value.startswith(namespace) and _LOCAL.match(term.value[len(namespace):]):
                return f"{prefix}:{term.value[len(namespace):]}"
        return str(term)
    if isinstance(term, Literal) and not term.language and term.datatype.value != XSD_STRING:
        return f"{Literal(term.value)}^^{_ttl(term.datatype)}"
    return str(term)


# What pyoxigraph writes before the first triple in Turtle with our prefixes (their order is its own).
TURTLE_HEADER = b"".join(
    line for line in serialize([Triple(TYPE, TYPE, TYPE)], format=RdfFormat.TURTLE, prefixes=PREFIXES).splitlines(True)
    if line.startswith(b"@prefix ")
)
WRITERS = {"jsonld": jsonld, "ttl12": turtle12}  # formats we write ourselves rather than with pyoxigraph
