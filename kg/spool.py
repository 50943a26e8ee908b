"""What a build loads into an empty store, kept as N-Quads files beside it: the store's quads for the output files
without reading them back. Dumping an on-disk store is RocksDB's term lookups (~3 s at 1M quads, ~200 s at 100k
documents, bench/results.md); the build has the same lines in hand as it loads them.

Exact because every line kg makes is as the store writes it back (canonical literals: `118`, not `118.0`; no blank
nodes, which a load renames; tested by `tests/test_spool.py`), and because a spool is only kept while the store
holds nothing but what was spooled and graphs loaded another way (the ontology), which are dumped from the store.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyoxigraph import Store

from kg import extsort
from kg.extsort import Block, Dump
from kg.vocab import ENTITIES_GRAPH


class Spool:
    """N-Quads loaded into a store that was empty: each document's graph a block of one file, the lines of the
    shared entities graph (repeated by many documents) in another. Where each block lies is written to an index
    file as it comes, so that memory does not grow with the documents."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True)
        self.workdir, self.path, self.shared_path = workdir, workdir / "graphs.nq", workdir / "shared.nq"
        self.graphs, self.shared = self.path.open("wb"), self.shared_path.open("wb")
        self.index = (workdir / "index.tsv").open("w", encoding="utf-8")

    def add(self, graph: str, nquads: bytes) -> None:
        """Keep the N-Quads of a graph loaded whole (a document's own)."""
        start = self.graphs.tell()
        self.graphs.write(nquads)
        self.index.write(f"<{graph}>\t{start}\t{start + len(nquads)}\n")  # an IRI has no raw tab

    def share(self, nquads: bytes) -> None:
        """Keep N-Quads lines loaded into the entities graph."""
        self.shared.write(nquads)

    def close(self) -> None:
        """Close the spool's files."""
        for handle in (self.graphs, self.shared, self.index):
            handle.close()

    def dump(self, store: Store) -> Dump | None:
        """The store's quads as a `Dump` of the spooled graphs and those loaded some other way, dumped from the
        store; None when the store has lost a spooled graph, a graph was spooled twice, or the store has quads in
        its default graph."""
        self.close()
        blocks: dict[str, Block] = {}
        with (self.workdir / "index.tsv").open(encoding="utf-8") as index:
            for line in index:
                name, start, stop = line.rstrip("\n").split("\t")
                if name in blocks:  # ingest refuses a repeated document id; the store would hold one graph
                    return None
                blocks[name] = Block(self.path, int(start), int(stop))
        size = self.shared_path.stat().st_size
        if size:
            blocks[f"<{ENTITIES_GRAPH}>"] = Block(self.shared_path, 0, size)
        named = {str(graph): graph for graph in store.named_graphs()}
        if not blocks.keys() <= named.keys() or not extsort.named_only(store):
            return None
        others = sorted(named.keys() - blocks.keys())
        dumped = list(extsort.dump_blocks(store, [named[name] for name in others], self.workdir / "others.nq"))
        blocks |= zip(others, dumped, strict=True)
        return Dump(tuple(blocks[name] for name in sorted(blocks)), named_only=True)


@contextmanager
def spooling(workdir: Path, wanted: bool) -> Iterator[Spool | None]:
    """A spool in `workdir` if `wanted` (the build's store is empty: see `is_empty`), else None; removed afterwards,
    with whatever a build that was killed left there."""
    shutil.rmtree(workdir, ignore_errors=True)
    spool = Spool(workdir) if wanted else None
    try:
        yield spool
    finally:
        if spool is not None:
            spool.close()
        shutil.rmtree(workdir, ignore_errors=True)


def is_empty(store: Store) -> bool:
    """Whether the store holds no quad (two point lookups, however large it is)."""
    return next(iter(store.named_graphs()), None) is None and extsort.named_only(store)
