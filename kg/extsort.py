"""A store's quads and triples as sorted N-Quads and N-Triples files, by GNU sort's external sort: memory stays
flat.

Sorting the lines' bytes gives the order of `sorted(quads, key=str)`: a line is `str(quad) + " .\\n"`, UTF-8 keeps
code point order, and no line's text is a prefix of another's followed by a byte below `.`.
"""

from __future__ import annotations

import heapq
import os
import shlex
import sqlite3
import subprocess
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from queue import SimpleQueue
from typing import BinaryIO

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, RdfFormat, Store, parse

from kg import splice

GraphName = NamedNode | BlankNode | DefaultGraph
RUN_BYTES = 64 * 2**20  # lines sorted in memory at a time; GNU sort spills sorted runs to files beyond that


@dataclass(frozen=True, slots=True)
class Block:
    """Where one graph's quads lie, unsorted, in a dump file."""

    path: Path
    start: int
    stop: int


@dataclass(frozen=True)
class Fragments:
    """Where the build before wrote the JSON-LD of a dump's graphs (the listing says where each one lies in it), and
    where this build notes where it writes it: a document's JSON-LD depends on its lines alone, so an unchanged one
    is copied, not written anew."""

    jsonld: Path | None  # the last graph.jsonld
    note: Path  # where to note where each of this build's graphs' JSON-LD lies in its graph.jsonld
    version: str  # of the code and @context that write JSON-LD: fragments written by another are not copied


@dataclass(frozen=True)
class Sorted:
    """The sorted quads of an earlier dump of the same store (the last build's graph.nq): a dump that differs from
    it in a few graphs is sorted by sorting those, and the lines they held then, and splicing the difference into a
    copy of it (`kg.splice`) instead of sorting every quad (at 40M quads 12–30 s instead of ~80 s, bench/results.md)."""

    quads: Path  # N-Quads, sorted, each line once, every line naming its graph
    stale: Path  # the names, a line each, of graphs whose lines in `quads` are no longer theirs (changed or gone)
    keep: str  # how the names of the graphs whose other lines still hold begin; every other graph's are dropped
    removed: Path  # the lines `quads` holds of the stale graphs and of every other graph not kept, unsorted


# A graph of a dump: its name as in N-Quads, where its lines lie, and where its JSON-LD lies in the last
# graph.jsonld if it is known to be there still.
Listed = tuple[str, Block, Block | None]
Written = Callable[[Listed, int, int], object]  # told of each graph written to a JSON-LD file and where it lies


@dataclass(frozen=True)
class Dump:
    """A store's quads as unsorted N-Quads files (or its triples as N-Triples files, see `dump_graphs`), and a
    listing of where each graph's lines lie, a line per graph in the order of the graphs' names: read as it is
    used, so that memory does not hold a line per document (~500 bytes each as Python objects)."""

    listing: Path | None  # None: no graph listed (a SortedDump of graph.nq needs none)
    paths: tuple[Path, ...]  # the dump's files, in order
    named_only: bool  # no quad in the default graph: in N-Quads, every line's last term is its graph
    fragments: Fragments | None = None  # a build's spool's, for JSON-LD
    before: Sorted | None = None  # a build's spool's: what the last build sorted, and what has changed since

    def graphs(self) -> Iterator[Listed]:
        """Each graph's name, block and last JSON-LD (see `Listed`), in the order of the listing."""
        if self.listing is None:
            return
        root, files = self.listing.parent, {}  # a Path per file, not per block
        jsonld = self.fragments.jsonld if self.fragments else None
        with self.listing.open(encoding="utf-8") as lines:
            for line in lines:
                name, file, start, stop, begin, end = line.rstrip("\n").split("\t")
                block = Block(files.setdefault(file, root / file), int(start), int(stop))
                yield name, block, Block(jsonld, int(begin), int(end)) if jsonld and begin else None


def tsv_line(*fields: object) -> str:
    """A line of a listing, a spool's index or its note: an IRI and a relative path have no raw tab; None is ""."""
    return "\t".join("" if field is None else str(field) for field in fields) + "\n"


@dataclass(frozen=True)
class Changes:
    """The quads a sort took out of the last sorted quads and those it put in (`Sorted`), each an N-Quads file,
    sorted."""

    removed: Path
    added: Path
    count: int  # how many, both files together

    def subjects(self) -> Iterator[bytes]:
        """The changed quads' subjects, each once, in order, as N-Quads writes them and a space."""
        with self.removed.open("rb") as gone, self.added.open("rb") as new:
            last = None
            for line in heapq.merge(gone, new):
                subject = line[: line.index(b" ") + 1]
                if subject != last:
                    yield subject
                    last = subject


@dataclass(frozen=True)
class SortedDump:
    """A store's quads sorted into a file; the distinct triples of their union are sorted into another the first time
    they are asked for (an N-Quads, TriG or JSON-LD export needs none)."""

    quads: Path  # N-Quads, every quad, sorted
    dump: Dump  # the unsorted dump they were sorted from
    workdir: Path  # where the triples go
    changes: Changes | None = None  # when the quads are `dump.before`'s edited: what changed

    @property
    def triples(self) -> Path:
        """N-Triples, the union of all graphs, distinct and sorted."""
        return self._triples[0]

    @property
    def triple_count(self) -> int:
        """How many distinct triples there are."""
        return self._triples[1]

    @cached_property
    def _triples(self) -> tuple[Path, int]:
        path = self.workdir / "triples.nt"
        with self.quads.open("rb") as lines, path.open("wb") as out:
            lines_of = triple_lines(lines) if self.dump.named_only else parsed_triple_lines(self.quads)
            return path, write_distinct(out, lines_of)


def sorted_dump(store: Store, workdir: Path, run_bytes: int = RUN_BYTES) -> SortedDump:
    """Write the store's quads, sorted, as a file in `workdir`."""
    return sort_dump(dump_graphs(store, workdir), workdir, run_bytes)


def sort_dump(dump: Dump, workdir: Path, run_bytes: int = RUN_BYTES) -> SortedDump:
    """Sort a dump's quads into a file in `workdir`, each once (a spool's graphs may repeat a line, as the quads a
    document is loaded from do)."""
    quads = workdir / "quads.nq"
    if dump.before is None:
        sort_lines(dump.paths, quads, workdir, run_bytes, unique=True)
        return SortedDump(quads, dump, workdir)
    return SortedDump(quads, dump, workdir, _merge(dump, dump.before, quads, workdir, run_bytes))


def _merge(dump: Dump, before: Sorted, target: Path, workdir: Path, run_bytes: int) -> Changes | None:
    """Sort into `target` the graphs of `dump` that `before` lacks (stale there, or not kept) and the lines it
    holds of them, and splice the difference into a copy of its sorted quads: what changed. Sort every quad if they
    do not hold what `before` says they do (then None)."""
    stale = set(before.stale.read_text(encoding="utf-8").splitlines())
    fresh, removed = workdir / "fresh.nq", workdir / "removed.nq"
    with fresh.open("wb") as out:
        for name, block, _ in dump.graphs():
            if name in stale or not name.startswith(before.keep):
                for piece in block_bytes(block):
                    out.write(piece)
    sort_lines([fresh], fresh, workdir, run_bytes, unique=True)
    sort_lines([before.removed], removed, workdir, run_bytes, unique=True)
    taken, put = workdir / "changes-removed.nq", workdir / "changes-added.nq"
    count: Counter[bool] = Counter()
    try:
        with removed.open("rb") as gone, fresh.open("rb") as new, taken.open("wb") as out, put.open("wb") as into:
            splice.splice(before.quads, _noted(splice.edits(gone, new), out, into, count), target)
        return Changes(taken, put, count.total())
    except splice.Mismatch:
        sort_lines(list(dump.paths), target, workdir, run_bytes, unique=True)
        return None
    except OSError as error:
        raise OSError(f"merging the graphs changed since into {before.quads} failed: {error}") from error
    finally:
        fresh.unlink()
        removed.unlink()


def _noted(edits: Iterable[splice.Edit], removed: BinaryIO, added: BinaryIO, count: Counter) -> Iterator[splice.Edit]:
    """The edits, each line written to `removed` or `added` as it goes by, and counted."""
    for edit in edits:
        (added if edit[1] else removed).write(edit[0])
        count[edit[1]] += 1
        yield edit


def sorted_triples(store: Store, workdir: Path, run_bytes: int = RUN_BYTES) -> Path:
    """The distinct triples of all the store's graphs, sorted, as an N-Triples file in `workdir`, the quads never
    sorted: all that Turtle, N-Triples and RDF/XML need (1M quads: 3.4 s instead of 4.4 s)."""
    dump = dump_graphs(store, workdir, named=False)
    triples = workdir / "triples.nt"
    sort_lines(dump.paths, triples, workdir, run_bytes, unique=True)
    return triples


def dump_graphs(store: Store, workdir: Path, threads: int = 2, named: bool = True) -> Dump:
    """The store's quads as unsorted N-Quads files (N-Triples files unless `named`), graphs shared among `threads`
    threads (the default graph last), listed in `workdir`/listing.tsv.

    Oxigraph releases the GIL while it dumps, and reading an on-disk store is bound by its term lookups, so
    dumping the graphs from two threads takes ~55% of the time of one `Store.dump` (bench/rdf_scale.py). It takes
    the GIL back for every write to a Python file, though: beside a thread busy in Python the same dump took 40×
    as long (bench/results.md, stop 27), so the threads' reader must mostly wait or run native code.
    """
    only_named = named_only(store)
    listing, paths = workdir / "listing.tsv", set()
    with listing.open("w", encoding="utf-8") as out:
        for graph, block in dumping(store, graph_names(store, only_named), workdir, threads, named):
            paths.add(block.path)
            out.write(tsv_line(graph, block.path.name, block.start, block.stop, None, None))
    return Dump(listing, tuple(sorted(paths)), only_named)


def graph_names(store: Store, only_named: bool = True) -> Iterator[GraphName]:
    """The store's named graphs in the order of their names, sorted in a temporary SQLite table on disk (memory
    does not hold a name per document), and the default graph last unless `only_named`."""
    with closing(sqlite3.connect("")) as table:
        name_graphs(table, store)
        yield from (graph_of(name) for (name,) in table.execute("SELECT name FROM named ORDER BY name"))
    if not only_named:
        yield DefaultGraph()


def name_graphs(table: sqlite3.Connection, store: Store) -> None:
    """Fill a table `named` with the store's named graphs as N-Quads writes them (TEXT orders by UTF-8 bytes: the
    order of the names in N-Quads)."""
    table.execute("CREATE TABLE named (name TEXT PRIMARY KEY) WITHOUT ROWID, STRICT")
    table.executemany("INSERT INTO named VALUES (?)", ((str(graph),) for graph in store.named_graphs()))


def graph_of(name: str) -> NamedNode | BlankNode:
    """The named graph of a name as N-Quads writes it."""
    return NamedNode(name[1:-1]) if name.startswith("<") else BlankNode(name[2:])


def dumping(
    store: Store, graphs: Iterable[GraphName], workdir: Path, threads: int = 2, named: bool = True, ahead: int = 64
) -> Iterator[tuple[GraphName, Block]]:
    """Each graph with its block of a dump in `workdir` (see `dump_graphs`), in the order given, as soon as it is
    written: the `threads` threads dump up to `ahead` graphs ahead of the reader, into files, so they seldom wait
    for it, and only those graphs are held."""
    tasks: list[SimpleQueue[GraphName | None]] = [SimpleQueue() for _ in range(threads)]  # None: no more
    written: list[SimpleQueue[Block | BaseException]] = [SimpleQueue() for _ in range(threads)]
    given = iter(graphs)
    handed: deque[GraphName] = deque()  # given to the threads, not yet read back
    total = 0  # graphs given to the threads: the next goes to thread total % threads

    def hand_out() -> None:
        nonlocal total
        graph = next(given, None)
        if graph is not None:
            tasks[total % threads].put(graph)
            handed.append(graph)
            total += 1

    def dump_share(number: int) -> None:
        try:
            path = workdir / f"graphs-{number}.{'nq' if named else 'nt'}"
            for block in dump_blocks(store, iter(tasks[number].get, None), path, named):
                written[number].put(block)
        except BaseException as error:  # the reader waits for this thread's next block: hand it the error instead
            written[number].put(error)
            raise

    with ThreadPoolExecutor(threads) as pool:
        try:
            for _ in range(max(ahead, threads)):  # a graph for each thread before it starts
                hand_out()
            for number in range(min(threads, len(handed))):
                pool.submit(dump_share, number)
            read = 0
            while handed:
                block = written[read % threads].get()
                if isinstance(block, BaseException):
                    raise block
                read += 1
                hand_out()
                yield handed.popleft(), block
        finally:
            for queue in tasks:
                queue.put(None)


@contextmanager
def by_graph(sources: list[Path], workdir: Path, run_bytes: int = RUN_BYTES) -> Iterator[BinaryIO]:
    """The lines of N-Quads files whose quads all name a graph, once each, sorted by graph and then by their bytes, as
    a stream: awk keys each line by its graph (the field before the final "."; an IRI or a blank node has no raw
    space or tab), GNU sort sorts, cut drops the key. "<a>" sorts before "<ab>", as the graphs' names do."""
    files = " ".join(shlex.quote(str(source)) for source in sources)
    sort = shlex.join(sort_command(workdir, run_bytes, unique=True))
    script = f"awk '{{print $(NF-1) \"\\t\" $0}}' {files} | {sort} | cut -f2-"
    command = ["bash", "-o", "pipefail", "-c", script]
    pipes = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}  # no file: no input
    with subprocess.Popen(command, env=c_locale(), **pipes) as done:
        assert done.stdout is not None
        yield done.stdout
        done.stdout.close()
        error = done.stderr.read() if done.stderr else b""
    if done.returncode:
        raise OSError(f"grouping {files} by graph failed: {error.decode(errors='replace').strip()}")


def named_only(store: Store) -> bool:
    """Whether every quad of the store lies in a named graph (none in the default graph)."""
    return next(iter(store.quads_for_pattern(None, None, None, DefaultGraph())), None) is None


def dump_graphs_at(path: Path, workdir: Path) -> Dump:
    """`dump_graphs` of the on-disk store at `path`, opened read-only: run in a helper process, the memory RocksDB
    takes to read a large store (its files' index blocks) goes with that process."""
    return dump_graphs(Store.read_only(str(path)), workdir)


def dump_blocks(store: Store, graphs: Iterable[GraphName], path: Path, named: bool = True) -> Iterator[Block]:
    """Each graph's triples as N-Quads lines naming the graph (N-Triples unless `named`), streamed (the entities
    graph grows with the corpus); where each graph's lines lie, once they are in the file."""
    with path.open("wb") as out:
        for graph in graphs:
            start = out.tell()
            if isinstance(graph, DefaultGraph) or not named:
                store.dump(out, RdfFormat.N_TRIPLES, from_graph=graph)
            else:
                naming = _Naming(out, f" {graph} .\n".encode())
                store.dump(naming, RdfFormat.N_TRIPLES, from_graph=graph)
                naming.close()
            out.flush()
            yield Block(path, start, out.tell())


class _Naming:
    """A writer that turns the N-Triples written to it into N-Quads lines naming a graph: "s p o ." → "s p o g ."."""

    def __init__(self, out: BinaryIO, ending: bytes) -> None:
        self.out, self.ending, self.rest = out, ending, b""

    def write(self, data: bytes) -> int:
        lines = self.rest + data
        cut = lines.rfind(b"\n") + 1  # whole lines only: the next chunk may end this one
        # A raw line feed only ends a line (N-Triples escapes it inside literals).
        self.out.write(lines[:cut].replace(b" .\n", self.ending))
        self.rest = lines[cut:]
        return len(data)

    def flush(self) -> None:
        self.out.flush()

    def close(self) -> None:
        if self.rest:
            raise ValueError(f"N-Triples that do not end a line: {self.rest[:200]!r}")


@dataclass(frozen=True)
class Statistics:
    """VoID's counts of a graph: distinct triples, subjects, properties and objects; the resources of each class;
    the vocabularies (namespaces) its properties and classes come from."""

    triples: int
    subjects: int
    properties: int
    objects: int
    classes: tuple[tuple[str, int], ...]  # (class IRI, distinct resources of that type), sorted
    vocabularies: tuple[str, ...]  # sorted


RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def statistics(triples: Path, workdir: Path, run_bytes: int = RUN_BYTES) -> Statistics:
    """The counts of a sorted, distinct N-Triples file, in one pass and an external sort of its objects, so that
    memory stays flat (SPARQL's COUNT(DISTINCT) holds every distinct triple: 434 MB at 1M triples)."""
    objects = workdir / "objects"
    count = subjects = 0
    previous, properties, classes = b"", set(), Counter()
    with triples.open("rb") as lines, objects.open("wb") as out:
        for line in lines:
            # A subject and a predicate hold no space (IRIs or blank node labels); the object is the rest.
            subject, predicate, rest = line.split(b" ", 2)
            count += 1
            if subject != previous:
                subjects, previous = subjects + 1, subject
            properties.add(predicate)
            if predicate == RDF_TYPE and rest.startswith(b"<"):  # triples are distinct: one line per typed resource
                classes[rest[1:-4]] += 1
            out.write(rest[:-3] + b"\n")  # "o .\n" → "o\n"
    ordered = workdir / "objects.sorted"
    sort_lines([objects], ordered, workdir, run_bytes, unique=True)
    objects.unlink()
    with ordered.open("rb") as lines:
        distinct = sum(1 for _ in lines)
    ordered.unlink()
    terms = {p[1:-1].decode() for p in properties} | {c.decode() for c in classes}
    return Statistics(
        count, subjects, len(properties), distinct,
        classes=tuple(sorted((c.decode(), n) for c, n in classes.items())),
        vocabularies=tuple(sorted({namespace(term) for term in terms})),
    )


def namespace(iri: str) -> str:
    """The vocabulary an IRI belongs to: everything up to its last '#' or '/'."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def sorted_block(block: Block, workdir: Path, run_bytes: int = RUN_BYTES) -> Iterator[bytes]:
    """One graph's quads, sorted, each once: in memory when they fit in `run_bytes`, else through files in `workdir`
    (the entities graph grows with the corpus)."""
    small = block.stop - block.start <= run_bytes
    unsorted, ordered = workdir / "block.nq", workdir / "block.sorted.nq"
    # The dump file is closed before the first line is handed out: the consumer may take its time.
    if small:
        data = b"".join(block_bytes(block, run_bytes))
        yield from sorted(set(data.splitlines(keepends=True)))
        return
    with unsorted.open("wb") as out:
        for piece in block_bytes(block, run_bytes):
            out.write(piece)
    sort_lines([unsorted], ordered, workdir, run_bytes, unique=True)
    unsorted.unlink()
    with ordered.open("rb") as lines:
        yield from lines
    ordered.unlink()


def block_bytes(block: Block, piece: int = 2**20) -> Iterator[bytes]:
    """The bytes of a block, `piece` bytes at a time; the file is closed once the last is read."""
    with block.path.open("rb") as source:
        source.seek(block.start)
        for start in range(block.start, block.stop, piece):
            data = source.read(min(piece, block.stop - start))
            if not data:
                raise ValueError(f"{block.path} ends before byte {block.stop}")
            yield data


def c_locale() -> dict[str, str]:
    """This process's environment in the C locale, where GNU sort compares bytes."""
    return {**os.environ, "LC_ALL": "C"}


def sort_command(workdir: Path, run_bytes: int, unique: bool) -> list[str]:
    """GNU sort's command line: `run_bytes` sorted in memory at a time, runs spilled to `workdir`."""
    return ["sort", f"--buffer-size={run_bytes}b", f"--temporary-directory={workdir}"] + ["--unique"] * unique


def sort_lines(
    sources: list[Path], target: Path, workdir: Path, run_bytes: int = RUN_BYTES, unique: bool = False
) -> None:
    """Sort the lines of the `sources` by their bytes into `target` (once each if `unique`) with GNU sort, which
    holds `run_bytes` in memory, spills sorted runs to `workdir`, merges them a few files at a time and uses every
    core: at 1M quads it takes 0.8–1.0 s where our merge sort in Python took 1.4 s (bench/results.md)."""
    command = [*sort_command(workdir, run_bytes, unique), f"--output={target}", *map(str, sources)]
    try:
        done = subprocess.run(command, env=c_locale(), stdin=subprocess.DEVNULL, capture_output=True, check=False)
    except FileNotFoundError as error:
        raise OSError("kg writes its sorted files with GNU sort (coreutils), and `sort` is not on PATH") from error
    if done.returncode:
        raise OSError(f"sorting {', '.join(map(str, sources))} failed: {done.stderr.decode(errors='replace').strip()}")


def triple_lines(quad_lines: Iterable[bytes]) -> Iterator[bytes]:
    """N-Triples lines of N-Quads lines that all name a graph: the last term (an IRI or blank node) cut off."""
    for line in quad_lines:
        yield line[: line.rindex(b" ", 0, len(line) - 3)] + b" .\n"


def parsed_triple_lines(path: Path) -> Iterator[bytes]:
    """N-Triples lines of an N-Quads file, through the parser: exact when some quads are in the default graph."""
    for quad in parse(path=str(path), format=RdfFormat.N_QUADS):
        yield f"{quad.triple} .\n".encode()


def write_distinct(out: BinaryIO, lines: Iterable[bytes]) -> int:
    """Write sorted lines once each; the number written. Raises if the lines are not sorted."""
    previous, count = b"", 0
    for line in lines:
        if line == previous:
            continue
        if line < previous:
            raise ValueError(f"lines out of order: {line[:200]!r} after {previous[:200]!r}")
        out.write(line)
        previous, count = line, count + 1
    return count
