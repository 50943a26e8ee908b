"""The evidence records a build's page reads from the store, kept in the output for the next build's page.

The page shows each edge's first sentences, read from every kg:Evidence record whose subject is a node: at 100k
documents 336k records, 25 s of a rebuild's ~40 s projection, all but those of a few changed documents the same as
the build before. A build keeps the records it read (`INDEX`, a row per record and graph) with the nodes it read them
for; the next one reads again only the graphs it changed and the nodes that are new, and takes the rest from there.

Exact because a record lies whole in its document's graph, because the rows kept are those of every graph for the
nodes kept, and because they are trusted only under the seal of the build that left the store as it is (`kg.seal`);
otherwise every record is read again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store

from kg import seal as sealing
from kg import store
from kg.files import move_atomic
from kg.vocab import ENTITIES_GRAPH, ONTOLOGY_GRAPH

KEPT = ".kg-page"  # in OUT: the kept rows (INDEX) and, while they show the store, their seal (`kg.seal`)
INDEX = "evidence.sqlite"
CHANGED_LIMIT = 10_000  # past this many changed graphs every record is read again (their names are held in memory)
SHARED = (ONTOLOGY_GRAPH, ENTITIES_GRAPH)  # graphs a build may change without loading a document: read every time
TABLES = """
CREATE TABLE node (iri TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE graph (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE evidence (graph INTEGER NOT NULL, s TEXT NOT NULL, p TEXT NOT NULL, o TEXT NOT NULL,
    sentence TEXT NOT NULL);
CREATE INDEX evidence_graph ON evidence (graph);
"""
# A row per record, predicate, object and sentence, without DISTINCT: Oxigraph would hold every row of a large
# corpus to drop duplicates, which the page's bounded sets drop anyway. A record lies whole in its document's graph:
# read within it, each lookup is bound to the graph (a fifth faster than over the union).
RECORDS = """
SELECT ?g ?s ?p ?o ?sentence WHERE {{
  VALUES ?s {{ {subjects} }} {graphs}
  GRAPH ?g {{ ?ev rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:sentence ?sentence . }}
}}"""

Row = tuple[str, str, str, str]  # subject, predicate, object, sentence


@dataclass(frozen=True)
class Kept:
    """Where a build keeps the page's evidence (`out`), and the graphs it changed since the kept rows were sealed
    (None: unknown, or too many; every record is read again)."""

    out: Path
    changed: frozenset[str] | None


class Changes:
    """The names of the graphs a build changes, while there are few enough to read again one by one."""

    def __init__(self, limit: int = CHANGED_LIMIT) -> None:
        self.graphs: set[str] | None = set()
        self.limit = limit

    def add(self, graphs: Iterable[str]) -> None:
        """Note these graphs as changed."""
        if self.graphs is not None:
            self.graphs.update(graphs)
            if len(self.graphs) > self.limit:
                self.graphs = None

    def since(self, out: Path, sealed: bool) -> Kept:
        """What the page of `out` may keep: the changes, when the kept rows were `sealed` for the store before them."""
        return Kept(out, frozenset(self.graphs) if sealed and self.graphs is not None else None)


def records(db: Store, nodes: Collection[str], kept: Kept | None = None) -> Iterator[Row]:
    """Each (subject, predicate, object, sentence) of the kg:Evidence records whose subject is one of `nodes`; with
    `kept`, those of unchanged graphs from the last build's rows, which then hold this store's."""
    if kept is None:
        yield from (row[1:] for row in _read(db, nodes))
        return
    path = kept.out / KEPT / INDEX
    if kept.changed is None or not path.is_file():
        _write_all(db, nodes, path)
    else:
        with closing(sqlite3.connect(path)) as table:
            _update(db, nodes, kept.changed, table)
            table.commit()
    with closing(sqlite3.connect(path)) as table:
        yield from table.execute("SELECT s, p, o, sentence FROM evidence")


def _read(db: Store, subjects: Collection[str], graphs: Collection[str] | None = None) -> Iterator[tuple[str, ...]]:
    """The rows (graph, subject, predicate, object, sentence) of the records of `subjects`, in `graphs` if given."""
    if not subjects or (graphs is not None and not graphs):
        return
    within = "" if graphs is None else f"VALUES ?g {{ {_iris(graphs)} }}"
    for solution in store.query(db, RECORDS.format(subjects=_iris(subjects), graphs=within)):
        yield tuple(term.value for term in solution)


def _iris(iris: Iterable[str]) -> str:
    return " ".join(f"<{iri}>" for iri in sorted(iris))


def _write_all(db: Store, nodes: Collection[str], path: Path) -> None:
    """Write the rows of every record of `nodes` into a new table at `path`."""
    path.parent.mkdir(exist_ok=True)
    (path.parent / sealing.SEAL).unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    with closing(sqlite3.connect(tmp)) as table:
        table.executescript(TABLES)
        _insert(table, _read(db, nodes))
        table.executemany("INSERT INTO node VALUES (?)", ((iri,) for iri in nodes))
        table.commit()
    move_atomic(tmp, path)


def _update(db: Store, nodes: Collection[str], changed: frozenset[str], table: sqlite3.Connection) -> None:
    """Bring the kept rows to this store: those of the `changed` graphs (and of the SHARED ones) read again, those of
    nodes gone dropped, and those of new nodes read from every other graph."""
    reread = changed | set(SHARED)
    table.execute("CREATE TEMP TABLE reread (name TEXT PRIMARY KEY) WITHOUT ROWID")
    table.executemany("INSERT INTO temp.reread VALUES (?)", ((name,) for name in reread))
    table.execute("DELETE FROM evidence WHERE graph IN (SELECT id FROM graph JOIN temp.reread USING (name))")
    before = {iri for (iri,) in table.execute("SELECT iri FROM node")}
    now = set(nodes)
    table.execute("CREATE TEMP TABLE gone (iri TEXT PRIMARY KEY) WITHOUT ROWID")
    table.executemany("INSERT INTO temp.gone VALUES (?)", ((iri,) for iri in before - now))
    table.execute("DELETE FROM evidence WHERE s IN (SELECT iri FROM temp.gone)")
    _insert(table, _read(db, now, reread))
    _insert(table, (row for row in _read(db, now - before) if row[0] not in reread))
    table.execute("DELETE FROM node")
    table.executemany("INSERT INTO node VALUES (?)", ((iri,) for iri in now))


def _insert(table: sqlite3.Connection, rows: Iterable[tuple[str, ...]]) -> None:
    """Add (graph, subject, predicate, object, sentence) rows, each graph named once in its own table."""
    ids: dict[str, int] = {}

    def numbered(rows: Iterable[tuple[str, ...]]) -> Iterator[tuple[object, ...]]:
        for graph, *rest in rows:
            if graph not in ids:
                table.execute("INSERT OR IGNORE INTO graph (name) VALUES (?)", (graph,))
                ids[graph] = table.execute("SELECT id FROM graph WHERE name = ?", (graph,)).fetchone()[0]
            yield ids[graph], *rest

    table.executemany("INSERT INTO evidence VALUES (?, ?, ?, ?, ?)", numbered(rows))


def unseal(out: Path, stamp: str | None) -> bool:
    """Whether the rows kept in `out` show the store the build whose `stamp` still holds left (see `kg.seal`)."""
    return sealing.unseal(out / KEPT, stamp, sealing.code("evidence", "viz")) and (out / KEPT / INDEX).is_file()


def seal(out: Path, stamp: str) -> None:
    """Seal the rows kept in `out` as showing the store the build stamped `stamp` left."""
    if (out / KEPT / INDEX).is_file():
        sealing.seal(out / KEPT, stamp, sealing.code("evidence", "viz"))
