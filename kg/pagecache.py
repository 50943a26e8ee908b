"""What a build's page reads of the store's documents, kept in the output for the next build's page.

The page shows each edge's first sentences, read from every kg:Evidence record whose subject is a node, and each
speaker's first quotations, read from every statement: at 100k documents 336k records and their texts, 25–35 s of a
rebuild's projection, all but a few changed documents' the same as the build before. A build keeps what it read,
each row with the graph it lies in (`CACHE`); the next one deletes the rows of the graphs it changed, reads those
graphs again (and every graph for the nodes new since), and takes the rest from there.

Exact because a record, a statement and a document's headline each lie whole in their document's graph, because the
evidence kept is every graph's for the nodes kept, and because the rows are trusted only under the seal of the
build that left the store as it is (`kg.seal`); otherwise everything is read again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, Store

from kg import seal as sealing
from kg import store
from kg.files import move_atomic
from kg.vocab import ENTITIES_GRAPH, ONTOLOGY_GRAPH

KEPT = ".kg-page"  # in OUT: the kept rows (CACHE) and, while they show the store, their seal (`kg.seal`)
CACHE = "page.sqlite"
CHANGED_LIMIT = 10_000  # past this many changed graphs everything is read again (their names are held in memory)
SHARED = (ONTOLOGY_GRAPH, ENTITIES_GRAPH)  # graphs a build may change without loading a document: read every time
TABLES = """
CREATE TABLE graph (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE node (iri TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE evidence (graph INTEGER NOT NULL, s TEXT NOT NULL, p TEXT NOT NULL, o TEXT NOT NULL,
    sentence TEXT NOT NULL);
CREATE INDEX evidence_graph ON evidence (graph);
CREATE TABLE statement (graph INTEGER NOT NULL, st TEXT NOT NULL, who TEXT NOT NULL, sector TEXT NOT NULL);
CREATE INDEX statement_graph ON statement (graph);
CREATE TABLE text (graph INTEGER NOT NULL, record TEXT NOT NULL, predicate TEXT NOT NULL, text TEXT NOT NULL,
    source TEXT NOT NULL, PRIMARY KEY (record, predicate)) WITHOUT ROWID;
CREATE INDEX text_graph ON text (graph);
"""
PER_GRAPH = ("evidence", "statement", "text")
# A row per record, predicate, object and sentence, without DISTINCT: Oxigraph would hold every row of a large
# corpus to drop duplicates, which the page's bounded sets drop anyway. A record lies whole in its document's graph:
# read within it, each lookup is bound to the graph (a fifth faster than over the union).
RECORDS = """
SELECT ?g ?s ?p ?o ?sentence WHERE {{
  VALUES ?s {{ {subjects} }} {graphs}
  GRAPH ?g {{ ?ev rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:sentence ?sentence . }}
}}"""
STATEMENTS = """
SELECT ?g ?st ?who ?sector WHERE {{ {graphs} GRAPH ?g {{ ?st kg:speaker ?who ; kg:aboutSector ?sector }} }}"""

Row = tuple[str, ...]


@dataclass(frozen=True)
class Kept:
    """Where a build keeps what its page reads (`out`), and the graphs it changed since what was kept was sealed
    (None: unknown, or too many; everything is read again)."""

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
        """What the page of `out` may keep: the changes, when what was kept was `sealed` for the store before them."""
        return Kept(out, frozenset(self.graphs) if sealed and self.graphs is not None else None)


class PageReads:
    """The page's reads of the documents in the store: from it (`kept` None), or kept in a build's output, where
    the rows of unchanged graphs are the last build's and the others are read, and kept as the `with` block ends."""

    def __init__(self, db: Store, kept: Kept | None = None) -> None:
        self.db = db
        self.path = kept.out / KEPT / CACHE if kept else None
        self.table: sqlite3.Connection | None = None
        self.reread: set[str] = set()  # the graphs whose rows are read again
        if self.path is None:
            return
        fresh = kept.changed is None or not self.path.is_file()
        if fresh:
            self.path.parent.mkdir(exist_ok=True)
            (self.path.parent / sealing.SEAL).unlink(missing_ok=True)
            self.target, self.path = self.path, self.path.with_name(f".{CACHE}.tmp")
            self.path.unlink(missing_ok=True)
        self.table = sqlite3.connect(self.path)
        self.ids: dict[str, int] = {}
        if fresh:
            self.table.executescript(TABLES)
        else:
            self.reread = kept.changed | set(SHARED)
            self.table.execute("CREATE TEMP TABLE reread (name TEXT PRIMARY KEY) WITHOUT ROWID")
            self.table.executemany("INSERT INTO temp.reread VALUES (?)", ((name,) for name in self.reread))
            stale = "SELECT id FROM graph JOIN temp.reread USING (name)"
            for name in PER_GRAPH:
                self.table.execute(f"DELETE FROM {name} WHERE graph IN ({stale})")
        self.fresh = fresh

    def evidence(self, nodes: Collection[str]) -> Iterator[Row]:
        """Each (subject, predicate, object, sentence) of the kg:Evidence records whose subject is one of `nodes`."""
        if self.table is None:
            yield from (row[1:] for row in _records(self.db, nodes))
            return
        if self.fresh:
            self._insert("evidence", _records(self.db, nodes))
        else:
            before = {iri for (iri,) in self.table.execute("SELECT iri FROM node")}
            self.table.execute("CREATE TEMP TABLE gone (iri TEXT PRIMARY KEY) WITHOUT ROWID")
            self.table.executemany("INSERT INTO temp.gone VALUES (?)", ((iri,) for iri in before.difference(nodes)))
            self.table.execute("DELETE FROM evidence WHERE s IN (SELECT iri FROM temp.gone)")
            self._insert("evidence", _records(self.db, nodes, self.reread))
            new = set(nodes).difference(before)
            self._insert("evidence", (row for row in _records(self.db, new) if row[0] not in self.reread))
            self.table.execute("DELETE FROM node")
        self.table.executemany("INSERT INTO node VALUES (?)", ((iri,) for iri in nodes))
        yield from self.table.execute("SELECT s, p, o, sentence FROM evidence")

    def statements(self) -> Iterator[Row]:
        """Each (statement, speaker, sector) of the statements with a speaker and a sector."""
        if self.table is None:
            yield from (row[1:] for row in _statements(self.db))
            return
        self._insert("statement", _statements(self.db, None if self.fresh else self.reread))
        yield from self.table.execute("SELECT st, who, sector FROM statement")

    def texts(
        self, records: Iterable[tuple[str, int, str]], predicate: str, source: Callable[[str], str]
    ) -> dict[str, tuple[str, str]]:
        """Each of the text `records` (as `kg.viz._position` gives them) with its `predicate`'s least value: that
        text and its document's name by `source`. Read in document order, each once: `source` then looks each
        document up once too."""
        found: dict[str, tuple[str, str]] = {}
        wanted = sorted(records)
        if self.table is not None:
            known = self.table.execute("SELECT record, text, source FROM text WHERE predicate = ?", (predicate,))
            asked = {record for *_, record in wanted}
            found = {record: (text, name) for record, text, name in known if record in asked}
        text, read = NamedNode(predicate), []
        for doc, _, record in wanted:
            if record in found:
                continue
            quads = sorted((q.object.value, q.graph_name.value) for q in self.db.quads_for_pattern(
                NamedNode(record), text, None, None))
            if quads:
                found[record] = (quads[0][0], source(doc) if doc else "")
                read.append((quads[0][1], record, predicate, *found[record]))
        if self.table is not None:
            self._insert("text", read)
        return found

    def __enter__(self) -> PageReads:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        """Keep what was read, if it is kept and all went well."""
        if self.table is None:
            return
        if error is None:
            self.table.commit()
        self.table.close()
        self.table = None
        if self.fresh:
            if error is None:
                move_atomic(self.path, self.target)
            else:
                self.path.unlink(missing_ok=True)

    def _insert(self, name: str, rows: Iterable[Row]) -> None:
        """Add rows whose first field is a graph's name to table `name`, each graph named once in its own table."""
        def numbered(rows: Iterable[Row]) -> Iterator[tuple[object, ...]]:
            for graph, *rest in rows:
                if graph not in self.ids:
                    self.table.execute("INSERT OR IGNORE INTO graph (name) VALUES (?)", (graph,))
                    self.ids[graph] = self.table.execute("SELECT id FROM graph WHERE name = ?", (graph,)).fetchone()[0]
                yield self.ids[graph], *rest

        fields = ", ".join("?" * {"evidence": 5, "statement": 4, "text": 5}[name])
        self.table.executemany(f"INSERT OR REPLACE INTO {name} VALUES ({fields})", numbered(rows))


def _records(db: Store, subjects: Collection[str], graphs: Collection[str] | None = None) -> Iterator[Row]:
    """The rows (graph, subject, predicate, object, sentence) of the evidence of `subjects`, in `graphs` if given."""
    if not subjects or (graphs is not None and not graphs):
        return
    yield from _select(db, RECORDS.format(subjects=_iris(subjects), graphs=_within(graphs)))


def _statements(db: Store, graphs: Collection[str] | None = None) -> Iterator[Row]:
    """The rows (graph, statement, speaker, sector) of the statements, in `graphs` if given."""
    if graphs is not None and not graphs:
        return
    yield from _select(db, STATEMENTS.format(graphs=_within(graphs)))


def _select(db: Store, sparql: str) -> Iterator[Row]:
    for solution in store.query(db, sparql):
        yield tuple(term.value for term in solution)


def _within(graphs: Collection[str] | None) -> str:
    return "" if graphs is None else f"VALUES ?g {{ {_iris(graphs)} }}"


def _iris(iris: Iterable[str]) -> str:
    return " ".join(f"<{iri}>" for iri in sorted(iris))


def unseal(out: Path, stamp: str | None) -> bool:
    """Whether what the page of `out` kept shows the store the build whose `stamp` still holds left (`kg.seal`)."""
    return sealing.unseal(out / KEPT / CACHE, stamp, sealing.code("pagecache", "viz"))


def seal(out: Path, stamp: str) -> None:
    """Seal what the page of `out` kept as showing the store the build stamped `stamp` left."""
    sealing.seal(out / KEPT / CACHE, stamp, sealing.code("pagecache", "viz"))
