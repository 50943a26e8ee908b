"""What builds load, kept as N-Quads files beside the store from one build to the next: the store's quads for the
output files without reading them back. Dumping an on-disk store is RocksDB's term lookups (~3 s at 1M quads,
~200 s at 100k documents, bench/results.md); a build has the new documents' lines in hand as it loads them, and
the earlier builds' lines are in the spool.

Exact because every line kg makes is as the store writes it back (canonical literals: `118`, not `118.0`; no blank
nodes, which a load renames; tested by `tests/test_spool.py`), and because a spool is only kept while the store
changes through builds alone: a build keeps it when the stamp of the build before still holds (`export.built`).
A document's graph holds exactly the lines it was loaded from; the graphs loaded another way (the ontology, and
the entities graph, which a changed document can prune) are dumped from the store at each build, as are documents
the spool lacks (a store built before it), which are spooled then.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pyoxigraph import Store

from kg import extsort
from kg.extsort import Block, Dump, Fragments
from kg.files import atomic_writer
from kg.vocab import doc_graph

INDEX = "index.tsv"  # a line per block added: graph, file (in the spool), start, stop
NOTE = "jsonld.tsv"  # the JSON-LD writer's version; a line per graph: graph, its block's file, start, stop, and
# where its JSON-LD began and ended in graph.jsonld
Noted = dict[str, tuple[tuple[str, int, int], tuple[int, int]]]  # graph → (where its block lay, its JSON-LD's span)
DOCUMENTS = f"<{doc_graph('')}"  # how the name of every document's graph begins, in N-Quads


class Spool:
    """Each document's graph as a block of N-Quads in a file of the spool, a later block of a graph superseding an
    earlier one; where each block lies is appended to an index file as it comes, so memory does not grow with the
    documents."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir, self.path = workdir, workdir / "graphs.nq"
        self.graphs, self.index = self.path.open("ab"), (workdir / INDEX).open("a", encoding="utf-8")

    def add(self, graph: str, nquads: bytes) -> None:
        """Keep the N-Quads a document's graph was loaded from; they supersede what was kept of it before, as their
        load replaced its graph in the store (a build never loads a graph twice at once: ids are unique within
        one, `ingest.read_documents`)."""
        name = f"<{graph}>"
        start = self.graphs.tell()
        self.graphs.write(nquads)
        self.index.write(_line(name, self.path.name, start, start + len(nquads)))

    def close(self) -> None:
        """Close the spool's files."""
        self.graphs.close()
        self.index.close()

    def blocks(self) -> dict[str, Block]:
        """The latest block of each graph spooled."""
        self.close()
        blocks: dict[str, Block] = {}
        paths: dict[str, Path] = {}  # one per file, not per block: at 100k documents that was 50 MB
        with (self.workdir / INDEX).open(encoding="utf-8") as index:
            for line in index:
                name, file, start, stop = line.rstrip("\n").split("\t")
                blocks[name] = Block(paths.setdefault(file, self.workdir / file), int(start), int(stop))
        return blocks

    def dump(self, store: Store, jsonld: Path | None = None, version: str = "") -> Dump | None:
        """The store's quads as a `Dump`: its documents' graphs from the spool, the others dumped from the store
        (documents the spool lacks are spooled so); None when the store has quads in its default graph. With the
        `jsonld` file the build before wrote and the `version` of the JSON-LD writer, the dump says where that file
        holds each unchanged document's JSON-LD."""
        self.close()
        if not extsort.named_only(store):
            return None
        named = {str(graph): graph for graph in store.named_graphs()}
        blocks = {name: block for name, block in self.blocks().items() if name in named}  # pruned or failed: gone
        if _garbage(blocks, self.workdir):
            blocks = self._compact(blocks)
        written_by, noted = _read_note(self.workdir / NOTE)
        if written_by != version or jsonld is None or not jsonld.exists():
            noted = {}
        lacking = sorted(name for name in named.keys() - blocks.keys() if name.startswith(DOCUMENTS))
        if lacking:
            blocks |= self._spool_from(store, [named[name] for name in lacking])
        others = sorted(named.keys() - blocks.keys())  # the ontology and entities graphs: never spooled
        directory = self.workdir / "others"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()
        blocks |= zip(others, extsort.dumping(store, [named[name] for name in others], directory), strict=True)
        names = tuple(sorted(blocks))
        spans = self._unchanged(noted, blocks)
        written = tuple(Block(jsonld, *spans[name]) if jsonld and name in spans else None for name in names)
        fragments = Fragments(names, written, self.workdir / NOTE, version)
        return Dump(tuple(blocks[name] for name in names), named_only=True, fragments=fragments)

    def _unchanged(self, noted: Noted, blocks: dict[str, Block]) -> dict[str, tuple[int, int]]:
        """Where the JSON-LD of each graph lay whose block lies where it lay then."""
        return {
            name: span
            for name, (place, span) in noted.items()
            if name in blocks and place == _place(self.workdir, blocks[name])
        }

    def _spool_from(self, store: Store, graphs: list) -> dict[str, Block]:
        """Dump `graphs` from the store into a directory of the spool, and index them."""
        number = 1 + max((int(path.name[5:]) for path in self.workdir.glob("dump-*")), default=0)
        directory = self.workdir / f"dump-{number}"
        directory.mkdir()
        blocks = dict(zip(map(str, graphs), extsort.dumping(store, graphs, directory), strict=True))
        with (self.workdir / INDEX).open("a", encoding="utf-8") as index:
            for name, block in blocks.items():
                index.write(_line(name, *_place(self.workdir, block)))
        return blocks

    def _compact(self, blocks: dict[str, Block]) -> dict[str, Block]:
        """Rewrite the live blocks into one file, without the superseded ones (a changed, failed or pruned
        document's), so that the spool's files hold nothing else: the sort reads them whole."""
        fresh = self.workdir.with_name(self.workdir.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir()
        moved: dict[str, Block] = {}
        with (fresh / "graphs.nq").open("wb") as out, (fresh / INDEX).open("w", encoding="utf-8") as index:
            for name in sorted(blocks):
                block, start = blocks[name], out.tell()
                for piece in extsort.block_bytes(block):
                    out.write(piece)
                moved[name] = Block(self.workdir / "graphs.nq", start, out.tell())
                index.write(_line(name, "graphs.nq", start, out.tell()))
        written_by, noted = _read_note(self.workdir / NOTE)  # where each graph's JSON-LD lay: its block moved
        unchanged = self._unchanged(noted, blocks)
        lines = [_line(name, *_place(self.workdir, moved[name]), *span) for name, span in unchanged.items()]
        (fresh / NOTE).write_text(written_by + "\n" + "".join(lines), encoding="utf-8")
        shutil.rmtree(self.workdir)
        fresh.rename(self.workdir)
        return moved


def spool_dump_at(workdir: Path, store_path: Path, jsonld: Path, version: str) -> Dump | None:
    """`Spool.dump` of the spool in `workdir` over the on-disk store at `store_path`, opened read-only: run in a
    helper process, the memory RocksDB takes to read a large store goes with that process."""
    return Spool(workdir).dump(Store.read_only(str(store_path)), jsonld, version)


def note_jsonld(dump: Dump, spans: dict[int, tuple[int, int]]) -> None:
    """Note where each spooled document's JSON-LD lies in the graph.jsonld just written (`spans`, by the graph's
    place in the dump), for the next build."""
    fragments = dump.fragments
    assert fragments is not None
    root = fragments.note.parent
    with atomic_writer(fragments.note) as note:
        note.write(f"{fragments.version}\n".encode())
        for index, span in sorted(spans.items()):
            name, block = fragments.names[index], dump.graphs[index]
            if name.startswith(DOCUMENTS) and block.path.is_relative_to(root):  # not the ontology or entities graphs
                note.write(_line(name, *_place(root, block), *span).encode())


def _place(workdir: Path, block: Block) -> tuple[str, int, int]:
    """Where a block lies in the spool in `workdir`: its file (relative) and its bytes."""
    return str(block.path.relative_to(workdir)), block.start, block.stop


def _line(*fields: object) -> str:
    """A line of the index or the note: an IRI has no raw tab."""
    return "\t".join(map(str, fields)) + "\n"


def _read_note(path: Path) -> tuple[str, Noted]:
    """The version of the JSON-LD writer a note was made by, and where each graph's JSON-LD lay by where its block
    lay ("" and nothing without a note)."""
    noted = {}
    try:
        with path.open(encoding="utf-8") as note:
            version = note.readline().rstrip("\n")
            for line in note:
                name, file, start, stop, begin, end = line.rstrip("\n").split("\t")
                noted[name] = ((file, int(start), int(stop)), (int(begin), int(end)))
    except (OSError, ValueError):  # none, or not as a build writes it: write every graph's JSON-LD anew
        return "", {}
    return version, noted


def _garbage(blocks: dict[str, Block], workdir: Path) -> bool:
    """Whether the spool's files hold bytes that no live block does."""
    held: dict[Path, int] = dict.fromkeys(workdir.glob("dump-*/*"), 0)
    held.setdefault(workdir / "graphs.nq", 0)
    for block in blocks.values():
        held[block.path] = held.get(block.path, 0) + block.stop - block.start
    return any(path.stat().st_size != size for path, size in held.items() if path.exists())


def open_spool(workdir: Path, kept: bool) -> Spool:
    """The spool in `workdir` as the last build left it if `kept` (that build's stamp holds) and its files are
    whole, else a new one."""
    if not (kept and _whole(workdir)):
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(workdir.with_name(workdir.name + ".new"), ignore_errors=True)
    return Spool(workdir)


def _whole(workdir: Path) -> bool:
    """Whether every block the spool's index names lies within its file."""
    try:
        with (workdir / INDEX).open(encoding="utf-8") as index:
            ends: dict[str, int] = {}
            for line in index:
                _, file, _, stop = line.rstrip("\n").split("\t")
                ends[file] = max(ends.get(file, 0), int(stop))
        return all((workdir / file).stat().st_size >= end for file, end in ends.items())
    except (OSError, ValueError):
        return False


def discard(workdir: Path) -> None:
    """Remove the spool: it no longer shows the store."""
    shutil.rmtree(workdir, ignore_errors=True)
