"""A store's quads and triples as sorted N-Quads and N-Triples files, by external merge sort: memory stays flat.

Sorting the lines' bytes gives the order of `sorted(quads, key=str)`: a line is `str(quad) + " .\\n"`, UTF-8 keeps
code point order, and no line's text is a prefix of another's followed by a byte below `.`.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, RdfFormat, Store, parse

RUN_BYTES = 64 * 2**20  # lines sorted in memory at a time
# Runs merged at once. Oxigraph lets RocksDB keep up to the descriptor limit (`ulimit -n`) less 48 files open, so
# a merge that opened every run at once would run out of descriptors on a corpus of millions of documents.
FAN_IN = 32


@dataclass(frozen=True)
class Block:
    """Where one graph's quads lie, unsorted, in a dump file."""

    path: Path
    start: int
    stop: int


@dataclass(frozen=True)
class Dump:
    """A store's quads as unsorted N-Quads files: where each graph's quads lie, in the order of the graphs' names."""

    graphs: tuple[Block, ...]
    named_only: bool  # no quad in the default graph: every line's last term is its graph


@dataclass(frozen=True)
class SortedDump:
    """Where a store's sorted quads and distinct triples were written, and how many triples there are."""

    quads: Path  # N-Quads, every quad, sorted
    triples: Path  # N-Triples, the union of all graphs, distinct and sorted
    triple_count: int
    dump: Dump  # the unsorted dump they were sorted from


def sorted_dump(store: Store, workdir: Path, run_bytes: int = RUN_BYTES) -> SortedDump:
    """Write the store's quads and triples, sorted, as files in `workdir`."""
    return sort_dump(dump_graphs(store, workdir), workdir, run_bytes)


def sort_dump(dump: Dump, workdir: Path, run_bytes: int = RUN_BYTES) -> SortedDump:
    """Sort a dump's quads, and their distinct triples, into files in `workdir`."""
    quads = workdir / "quads.nq"
    merge_sort(sorted({block.path for block in dump.graphs}), quads, workdir, run_bytes)
    triples = workdir / "triples.nt"
    with quads.open("rb") as lines, triples.open("wb") as out:
        count = write_distinct(out, triple_lines(lines) if dump.named_only else parsed_triple_lines(quads))
    return SortedDump(quads, triples, count, dump)


def dump_graphs(store: Store, workdir: Path, threads: int = 2) -> Dump:
    """The store's quads as unsorted N-Quads files, graphs shared among `threads` threads (the default graph
    last).

    Oxigraph releases the GIL while it dumps, and reading an on-disk store is bound by its term lookups, so
    dumping the graphs from two threads takes ~55% of the time of one `Store.dump` (bench/rdf_scale.py).
    """
    graphs: list[NamedNode | BlankNode | DefaultGraph] = sorted(store.named_graphs(), key=str)
    named_only = next(iter(store.quads_for_pattern(None, None, None, DefaultGraph())), None) is None
    if not named_only:
        graphs.append(DefaultGraph())
    paths = [workdir / f"graphs-{number}.nq" for number in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        done = [pool.submit(_dump, store, graphs[number::threads], path) for number, path in enumerate(paths)]
        shares = [future.result() for future in done]
    return Dump(tuple(shares[index % threads][index // threads] for index in range(len(graphs))), named_only)


def dump_graphs_at(path: Path, workdir: Path) -> Dump:
    """`dump_graphs` of the on-disk store at `path`, opened read-only: run in a helper process, the memory RocksDB
    takes to read a large store (its files' index blocks) goes with that process."""
    return dump_graphs(Store.read_only(str(path)), workdir)


def _dump(store: Store, graphs: list[NamedNode | BlankNode | DefaultGraph], path: Path) -> list[Block]:
    """Each graph's triples as N-Quads lines naming the graph, streamed (the entities graph grows with the corpus);
    where each graph's lines lie."""
    blocks = []
    with path.open("wb") as out:
        for graph in graphs:
            start = out.tell()
            if isinstance(graph, DefaultGraph):
                store.dump(out, RdfFormat.N_TRIPLES, from_graph=graph)
            else:
                naming = _Naming(out, f" {graph} .\n".encode())
                store.dump(naming, RdfFormat.N_TRIPLES, from_graph=graph)
                naming.close()
            blocks.append(Block(path, start, out.tell()))
    return blocks


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
    merge_sort([objects], ordered, workdir, run_bytes)
    objects.unlink()
    with ordered.open("rb") as lines:
        distinct = sum(1 for _ in _distinct(lines))
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


def _distinct(lines: Iterable[bytes]) -> Iterator[bytes]:
    previous = None
    for line in lines:
        if line != previous:
            yield line
            previous = line


def sorted_block(block: Block, workdir: Path, run_bytes: int = RUN_BYTES) -> Iterator[bytes]:
    """One graph's quads, sorted: in memory when they fit in `run_bytes`, else merged from sorted runs written to
    `workdir` (the entities graph grows with the corpus)."""
    size = block.stop - block.start
    with block.path.open("rb") as handle:
        handle.seek(block.start)
        if size <= run_bytes:
            lines, runs = sorted(handle.read(size).splitlines(keepends=True)), []
        else:
            lines, runs = [], _write_runs(_block_chunks(handle, size, run_bytes), workdir)
    # The file is closed before the first line is handed out: the consumer may take its time.
    yield from lines if not runs else _merged(runs)


def _block_chunks(handle: BinaryIO, size: int, run_bytes: int) -> Iterator[list[bytes]]:
    """The next `size` bytes of a file as lists of whole lines of about `run_bytes` each."""
    while size > 0:
        data = handle.read(min(run_bytes, size))
        if not data.endswith(b"\n"):
            data += handle.readline()  # a block ends at a line end, so this stays inside it
        size -= len(data)
        yield data.splitlines(keepends=True)


def merge_sort(sources: list[Path], target: Path, workdir: Path, run_bytes: int = RUN_BYTES) -> None:
    """Sort the lines of the `sources` into `target`, `run_bytes` at a time in memory, merging the sorted runs."""
    runs: list[Path] = []
    for source in sources:
        with source.open("rb") as handle:
            runs += _write_runs(iter(lambda: handle.readlines(run_bytes), []), workdir, first=len(runs))
    if len(runs) == 1:  # it all fit in memory: the one run is the result
        runs[0].replace(target)
        return
    with target.open("wb") as out:
        out.writelines(_merged(runs))


def _write_runs(chunks: Iterable[list[bytes]], workdir: Path, first: int = 0) -> list[Path]:
    """Sort each chunk of lines into a file of its own in `workdir`; the files."""
    runs = []
    for lines in chunks:
        lines.sort()
        runs.append(workdir / f"run-{first + len(runs)}")
        with runs[-1].open("wb") as run:
            run.writelines(lines)
        del lines
    return runs


def _merged(runs: list[Path], fan_in: int = FAN_IN) -> Iterator[bytes]:
    """The lines of sorted files, merged, at most `fan_in` files at a time; the files are removed once read."""
    while len(runs) > fan_in:
        runs = [_merge_into(runs[start : start + fan_in]) for start in range(0, len(runs), fan_in)]
    yield from _merge_once(runs)


def _merge_into(runs: list[Path]) -> Path:
    """Merge sorted files into one, which takes the first one's name."""
    merged = runs[0].with_name(runs[0].name + ".merging")
    with merged.open("wb") as out:
        out.writelines(_merge_once(runs))
    return merged.replace(runs[0])


def _merge_once(runs: list[Path]) -> Iterator[bytes]:
    with ExitStack() as stack:
        yield from heapq.merge(*(stack.enter_context(run.open("rb")) for run in runs))
    for run in runs:
        run.unlink()


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
