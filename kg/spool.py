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
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import BlankNode, NamedNode, Store

from kg import extsort
from kg.extsort import Block, Dump, Fragments, Listed, Sorted, Written, tsv_line
from kg.files import atomic_writer, write_atomic
from kg.vocab import doc_graph

INDEX = "index.tsv"  # a line per block added: graph, file (in the spool), start, stop
NOTE = "jsonld.tsv"  # the JSON-LD writer's version; a line per graph: graph, its block's file, start, stop, and
# where its JSON-LD began and ended in graph.jsonld
LISTING = "listing.tsv"  # the last dump's listing (`Dump.graphs`)
DUMPED = "dumped"  # how many bytes of the index the last dump had read: the blocks after them are new since
STALE = "stale.txt"  # the graphs the last dump's sorted quads hold lines of that are no longer theirs (`Sorted`)
REMOVED = "removed.nq"  # the lines the last dump read of the graphs stale now and of those dumped at each build
OTHERS = "others"  # the graphs never spooled (the ontology's, the entities'), as the last dump read them
MERGE_LIMIT = 10_000  # at most this many stale graphs (held in memory) for the sort to merge rather than sort
SEGMENT = "graphs-{:05d}.nq"  # the spool's files of blocks, numbered as begun
SEGMENT_BYTES = 256 * 2**20  # a segment is closed once it holds this much: a change rewrites one, not the spool
DOCUMENTS = f"<{doc_graph('')}"  # how the name of every document's graph begins, in N-Quads
# A dump joins the store's graphs, the spool's blocks and the note in a temporary SQLite table on disk, so that
# memory does not hold a line per document (in dicts: ~500 bytes a document at the highest).
TABLES = """
CREATE TABLE block (name TEXT PRIMARY KEY, file TEXT NOT NULL, start INTEGER NOT NULL, stop INTEGER NOT NULL)
    WITHOUT ROWID, STRICT;
CREATE TABLE note (name TEXT PRIMARY KEY, file TEXT NOT NULL, start INTEGER NOT NULL, stop INTEGER NOT NULL,
    begin INTEGER NOT NULL, end INTEGER NOT NULL) WITHOUT ROWID, STRICT;
CREATE TABLE stale (name TEXT PRIMARY KEY) WITHOUT ROWID, STRICT;
CREATE TABLE dumped (name TEXT PRIMARY KEY, file TEXT NOT NULL, start INTEGER NOT NULL, stop INTEGER NOT NULL)
    WITHOUT ROWID, STRICT;
"""
# Each live block, by name (TEXT compares as UTF-8 bytes: the N-Quads order of the names), with where its JSON-LD
# lay when its block lay where it lies now.
LIVE = """
SELECT block.name, block.file, block.start, block.stop, note.begin, note.end FROM block
LEFT JOIN note ON note.name = block.name AND note.file = block.file AND note.start = block.start
    AND note.stop = block.stop
ORDER BY block.name
"""
LACKING = """
CREATE TABLE lacking AS SELECT name, substr(name, 1, ?) = ? AS document FROM named
WHERE name NOT IN (SELECT name FROM block)
"""


class Spool:
    """Each document's graph as a block of N-Quads in a file of the spool, a later block of a graph superseding an
    earlier one; where each block lies is appended to an index file as it comes, so memory does not grow with the
    documents."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir, self.index = workdir, (workdir / INDEX).open("a", encoding="utf-8")
        last = max(_segments(workdir), default=None)
        self.path = last if last and last.stat().st_size < SEGMENT_BYTES else _next_segment(workdir)
        self.graphs = self.path.open("ab")

    def add(self, graph: str, nquads: bytes) -> None:
        """Keep the N-Quads a document's graph was loaded from; they supersede what was kept of it before, as their
        load replaced its graph in the store (a build never loads a graph twice at once: ids are unique within
        one, `ingest.read_documents`)."""
        name = f"<{graph}>"
        start = self.graphs.tell()
        self.graphs.write(nquads)
        self.index.write(tsv_line(name, self.path.name, start, start + len(nquads)))
        if self.graphs.tell() >= SEGMENT_BYTES:
            self.graphs.close()
            self.path = _next_segment(self.workdir)
            self.graphs = self.path.open("ab")

    def close(self) -> None:
        """Close the spool's files."""
        self.graphs.close()
        self.index.close()

    def dump(
        self, store: Store, jsonld: Path | None = None, version: str = "", quads: Path | None = None
    ) -> Dump | None:
        """The store's quads as a `Dump`: its documents' graphs from the spool, the others dumped from the store
        (documents the spool lacks are spooled so); None when the store has quads in its default graph. With the
        `jsonld` file the build before wrote and the `version` of the JSON-LD writer, the dump says where that file
        holds each unchanged document's JSON-LD; with the sorted `quads` it wrote, which of their graphs are stale."""
        self.close()
        for made in (STALE, REMOVED):  # what the last dump wrote for the sort after it
            (self.workdir / made).unlink(missing_ok=True)
        if not extsort.named_only(store):
            return None
        with closing(sqlite3.connect("")) as table:
            table.executescript(TABLES)
            extsort.name_graphs(table, store)
            written_by = self._read(table)
            since = self._stale_since(table)
            gone = "FROM block WHERE name NOT IN (SELECT name FROM named)"  # pruned or failed
            table.execute(f"INSERT OR IGNORE INTO stale SELECT name {gone}")
            table.execute(f"DELETE {gone}")
            # Before the blocks they lie in are compacted away and the other graphs dumped anew.
            since = since and quads is not None and quads.is_file() and _few_stale(table)
            if since:
                self._write_removed(table)
            garbage = _garbage(table, self.workdir)
            if garbage:
                self._compact(table, garbage, written_by)
            if written_by != version or jsonld is None or not jsonld.exists():
                table.execute("DELETE FROM note")
            # The graphs the spool lacks, set apart first: the block table grows while they are read.
            table.execute(LACKING, (len(DOCUMENTS), DOCUMENTS))
            if table.execute("SELECT 1 FROM lacking WHERE document").fetchone():  # a store built before the spool
                self._spool_from(store, _lacking(table, documents=True), table)
                since = False  # its graphs are not told apart from those in the last sorted quads
            directory = self.workdir / OTHERS
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir()
            for graph, block in extsort.dumping(store, _lacking(table, documents=False), directory):
                table.execute("INSERT INTO block VALUES (?, ?, ?, ?)", (str(graph), *_place(self.workdir, block)))
            listing = self.workdir / LISTING
            with listing.open("w", encoding="utf-8") as out:
                for row in table.execute(LIVE):
                    out.write(tsv_line(*row))
            files = [self.workdir / file for (file,) in table.execute("SELECT DISTINCT file FROM block ORDER BY file")]
            before = self._before(table, quads) if since and quads is not None else None
        write_atomic(self.workdir / DUMPED, f"{(self.workdir / INDEX).stat().st_size}\n")
        fragments = Fragments(jsonld, self.workdir / NOTE, version)
        return Dump(listing, tuple(files), named_only=True, fragments=fragments, before=before)

    def _stale_since(self, table: sqlite3.Connection) -> bool:
        """Put the graphs spooled since the last dump in the table of stale ones, and the blocks that dump read in
        the table `dumped`; whether the index still holds what it read (the blocks after it are then this
        build's)."""
        try:
            read = int((self.workdir / DUMPED).read_text())
            with (self.workdir / INDEX).open("rb") as index:
                if read:  # the last line that dump read ends where it stopped
                    index.seek(read - 1)
                    if index.read(1) != b"\n":
                        return False
                index.seek(0)
                dumped = (line.decode().rstrip("\n").split("\t") for line in _lines_before(index, read))
                table.executemany("INSERT OR REPLACE INTO dumped VALUES (?, ?, ?, ?)", dumped)
                names = (line.split(b"\t", 1)[0].decode() for line in index)
                table.executemany("INSERT OR IGNORE INTO stale VALUES (?)", ((name,) for name in names))
        except (OSError, ValueError, UnicodeDecodeError):
            return False
        return True

    def _write_removed(self, table: sqlite3.Connection) -> None:
        """Write the lines the last dump read of the graphs stale now (their blocks then) and of the graphs dumped
        at every build (its directory of them): what the sorted quads it wrote hold of them."""
        with (self.workdir / REMOVED).open("wb") as out:
            blocks = "SELECT file, start, stop FROM dumped JOIN stale USING (name) ORDER BY file, start"
            for file, start, stop in table.execute(blocks):
                for piece in extsort.block_bytes(Block(self.workdir / file, start, stop)):
                    out.write(piece)
            for path in sorted((self.workdir / OTHERS).glob("*")):
                with path.open("rb") as source:
                    shutil.copyfileobj(source, out)

    def _before(self, table: sqlite3.Connection, quads: Path) -> Sorted:
        """The last build's sorted `quads`, with the names of its graphs that are stale now written beside the
        listing and the lines it holds of them (`_write_removed`)."""
        with (self.workdir / STALE).open("w", encoding="utf-8") as out:
            out.writelines(f"{name}\n" for (name,) in table.execute("SELECT name FROM stale ORDER BY name"))
        return Sorted(quads, self.workdir / STALE, DOCUMENTS, self.workdir / REMOVED)

    def _read(self, table: sqlite3.Connection) -> str:
        """Fill the table with the latest block of each graph spooled and with the note; the version of the JSON-LD
        writer the note was made by ("" without a note)."""
        with (self.workdir / INDEX).open(encoding="utf-8") as index:
            rows = (line.rstrip("\n").split("\t") for line in index)
            table.executemany("INSERT OR REPLACE INTO block VALUES (?, ?, ?, ?)", rows)  # a later block supersedes
        try:
            with (self.workdir / NOTE).open(encoding="utf-8") as note:
                version = note.readline().rstrip("\n")
                table.executemany("INSERT INTO note VALUES (?, ?, ?, ?, ?, ?)",
                                  (line.rstrip("\n").split("\t") for line in note))
        except (OSError, ValueError, sqlite3.Error):  # none, or not as a build writes it: write all JSON-LD anew
            table.execute("DELETE FROM note")
            return ""
        return version

    def _spool_from(self, store: Store, graphs: Iterable[NamedNode | BlankNode], table: sqlite3.Connection) -> None:
        """Dump `graphs` from the store into a directory of the spool, and index them."""
        number = 1 + max((int(path.name[5:]) for path in self.workdir.glob("dump-*")), default=0)
        directory = self.workdir / f"dump-{number}"
        directory.mkdir()
        with (self.workdir / INDEX).open("a", encoding="utf-8") as index:
            for graph, block in extsort.dumping(store, graphs, directory):
                index.write(tsv_line(graph, *_place(self.workdir, block)))
                table.execute("INSERT INTO block VALUES (?, ?, ?, ?)", (str(graph), *_place(self.workdir, block)))

    def _compact(self, table: sqlite3.Connection, files: list[str], written_by: str) -> None:
        """Rewrite the live blocks of the spool's `files`, which hold superseded ones too (a changed, failed or
        pruned document's), into new segments and remove them, so that the spool's files hold nothing else (the
        sort reads them whole) and a change rewrites a segment, not the spool; the table, the index and the note
        follow the blocks (the JSON-LD of one that has not changed is where it was)."""
        table.execute("CREATE TABLE moving (name TEXT, file TEXT, start INTEGER, stop INTEGER)")
        table.executemany("INSERT INTO moving SELECT * FROM block WHERE file = ?", ((file,) for file in files))
        out, path = None, self.workdir
        try:
            for name, file, start, stop in table.execute("SELECT * FROM moving ORDER BY file, start"):
                if out is None or out.tell() >= SEGMENT_BYTES:
                    if out is not None:
                        out.close()
                    path = _next_segment(self.workdir)
                    out = path.open("xb")
                at = out.tell()
                for piece in extsort.block_bytes(Block(self.workdir / file, start, stop)):
                    out.write(piece)
                place = (path.name, at, out.tell())
                table.execute("UPDATE block SET file = ?, start = ?, stop = ? WHERE name = ?", (*place, name))
                table.execute("UPDATE note SET file = ?, start = ?, stop = ? WHERE name = ? AND file = ? AND start = ?"
                              " AND stop = ?", (*place, name, file, start, stop))
        finally:
            if out is not None:
                out.close()
        table.execute("DROP TABLE moving")
        with atomic_writer(self.workdir / INDEX) as index:
            for row in table.execute("SELECT * FROM block ORDER BY file, start"):
                index.write(tsv_line(*row).encode())
        with atomic_writer(self.workdir / NOTE) as note:
            note.write(f"{written_by}\n".encode())
            kept = "SELECT note.* FROM note JOIN block USING (name, file, start, stop) ORDER BY name"
            for row in table.execute(kept):
                note.write(tsv_line(*row).encode())
        for file in files:
            (self.workdir / file).unlink()
        for directory in self.workdir.glob("dump-*"):
            if not any(directory.iterdir()):
                directory.rmdir()


def _few_stale(table: sqlite3.Connection) -> bool:
    """Whether few enough graphs are stale for the last sorted quads to be edited rather than every quad sorted."""
    (stale,) = table.execute("SELECT COUNT(*) FROM stale").fetchone()
    (live,) = table.execute("SELECT COUNT(*) FROM block").fetchone()
    return stale <= min(MERGE_LIMIT, live // 2)


def _lines_before(lines: BinaryIO, end: int) -> Iterator[bytes]:
    """The lines of a file up to byte `end`, the file left at `end`."""
    if end <= 0:
        return
    for line in lines:
        yield line
        end -= len(line)
        if end <= 0:
            return


def _segments(workdir: Path) -> list[Path]:
    """The spool's segments, in the order they were begun."""
    return sorted(workdir.glob("graphs-*.nq"))


def _next_segment(workdir: Path) -> Path:
    """A new segment's path, after every one there is."""
    numbers = [int(path.stem.removeprefix("graphs-")) for path in _segments(workdir)]
    return workdir / SEGMENT.format(max(numbers, default=-1) + 1)


def _lacking(table: sqlite3.Connection, documents: bool) -> Iterator[NamedNode | BlankNode]:
    """The graphs the spool lacks, documents' or not, in the order of their names."""
    for (name,) in table.execute("SELECT name FROM lacking WHERE document = ? ORDER BY name", (documents,)):
        yield extsort.graph_of(name)


def spool_dump_at(workdir: Path, store_path: Path, jsonld: Path, version: str, quads: Path) -> Dump | None:
    """`Spool.dump` of the spool in `workdir` over the on-disk store at `store_path`, opened read-only: run in a
    helper process, the memory RocksDB takes to read a large store goes with that process."""
    return Spool(workdir).dump(Store.read_only(str(store_path)), jsonld, version, quads)


@contextmanager
def noting(dump: Dump) -> Iterator[Written | None]:
    """Note where each spooled document's JSON-LD is written in graph.jsonld, for the next build, as it is written
    (what is handed out is called with each graph and where its object lies): nothing when the dump is not a
    spool's. The note replaces the last when the block ends."""
    fragments = dump.fragments
    if fragments is None:
        yield None
        return
    root = fragments.note.parent
    with atomic_writer(fragments.note) as note:
        note.write(f"{fragments.version}\n".encode())

        def written(listed: Listed, begin: int, end: int) -> None:
            name, block, _ = listed
            if name.startswith(DOCUMENTS):  # not the ontology or entities graphs, dumped anew at each build
                note.write(tsv_line(name, *_place(root, block), begin, end).encode())

        yield written


def _place(workdir: Path, block: Block) -> tuple[str, int, int]:
    """Where a block lies in the spool in `workdir`: its file (relative) and its bytes."""
    return str(block.path.relative_to(workdir)), block.start, block.stop


def _garbage(table: sqlite3.Connection, workdir: Path) -> list[str]:
    """The spool's files that hold bytes no live block does (relative to `workdir`)."""
    held: dict[str, int] = {str(path.relative_to(workdir)): 0 for path in workdir.glob("dump-*/*")}
    held |= {path.name: 0 for path in workdir.glob("graphs*.nq")}
    for file, size in table.execute("SELECT file, SUM(stop - start) FROM block GROUP BY file"):
        held[file] = held.get(file, 0) + size
    return sorted(file for file, size in held.items() if (workdir / file).exists()
                  and (workdir / file).stat().st_size != size)


def open_spool(workdir: Path, kept: bool) -> Spool:
    """The spool in `workdir` as the last build left it if `kept` (that build's stamp holds) and its files are
    whole, else a new one."""
    if not (kept and _whole(workdir)):
        shutil.rmtree(workdir, ignore_errors=True)
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
