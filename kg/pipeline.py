"""The pipeline: ingest → annotate → extract → link → RDF → store → files, one document at a time."""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from pyoxigraph import Literal, NamedNode, Quad
from tqdm import tqdm

from kg import dataset, descriptions, export, malloc, pagecache, rdf, release, store
from kg import gazetteer as gazetteer_module
from kg.annotate import NLP, annotate, annotate_many, load_nlp
from kg.batching import batches
from kg.export import GRAPH_FILES
from kg.extract.appositions import apposition_facts, find_appositions, nationalities, roles_by_person
from kg.extract.cooperation import Issuers, cooperation
from kg.extract.coref import resolve_role_nouns, resolve_surnames
from kg.extract.entities import find_mentions
from kg.extract.events import find_events
from kg.extract.institutions import attach_countries, headquarters
from kg.extract.places import located_in
from kg.extract.sectors import SectorTagger, load_sectors, sentence_sectors
from kg.extract.source import reported_by
from kg.extract.statements import find_statements, statement_facts
from kg.extsort import Dump, Statistics
from kg.files import write_atomic
from kg.gazetteer import Gazetteer
from kg.ingest import read_documents
from kg.ledger import Ledger
from kg.link import link, referenced_entities
from kg.spool import Spool, discard, open_spool, spool_dump_at
from kg.types import AnnotatedDocument, BuildReport, DocResult, Document, IngestError
from kg.vocab import ENTITIES_GRAPH, KG, ONTOLOGY_GRAPH, doc_graph, doc_iri

BATCH = 256  # documents per store load: bounds memory, amortises bulk_load
LOADED_LIMIT = 200_000  # entity-graph lines remembered as loaded in this build (~50 MB at most)
ANNOTATE_BATCH = 16  # documents annotated together: enough to sort their sentences by length
YOUNG_OBJECTS = 50_000  # allocations between collections of the youngest generation (Python's default: 700)
CONTENT_HASH = NamedNode(str(KG.contentHash))
VIEW = ".kg-store-view"  # in OUT while the helper processes write the outputs: a checkpoint of the store
SPOOL = ".kg-spool"  # in OUT: what the builds loaded, kept for the next build's files (kg/spool.py)
PENDING = ".kg-outputs-pending"  # in OUT while the store holds changes that the output files do not show yet
# Types are read from the entities graph, where each (entity, class) is stored once: over the union of all graphs
# a triple repeated in N graphs would match N times. FILTER EXISTS looks each entity's mention up rather than
# joining every mention of every document (4M rows at 100k documents).
CLASS_COUNTS = f"""
SELECT ?class (COUNT(?e) AS ?n) WHERE {{
  GRAPH <{ENTITIES_GRAPH}> {{ ?e a ?class }} FILTER(STRSTARTS(STR(?class), STR(kg:)))
  FILTER EXISTS {{ ?doc kg:mentions ?e }}
}} GROUP BY ?class ORDER BY ?class
"""


@dataclass(frozen=True)
class Context:
    """The heavy objects a worker needs, built once per process."""

    nlp: NLP
    gazetteer: Gazetteer
    sectors: SectorTagger
    issuers: Issuers


def load_context() -> Context:
    """Load the natasha models, the gazetteer and the sector scheme (once per process: see `spare_collector`)."""
    gazetteer = gazetteer_module.load()
    ctx = Context(load_nlp(), gazetteer, load_sectors(), Issuers(gazetteer))
    spare_collector()
    return ctx


def spare_collector(young: int = YOUNG_OBJECTS) -> None:
    """Hide what is loaded so far from Python's cyclic garbage collector, and collect young objects every `young`
    allocations rather than every 700.

    Processing documents allocates millions of short-lived objects, which at the default threshold set off
    frequent full collections, each walking the models' and gazetteer's objects and the word caches: 600
    documents of the bench corpus in one process spent 2.0–2.5 s of 17.7–20.3 s in them, and took 15.8–16.5 s
    with this (bench/results.md). The documents make almost no reference cycles (528 objects in 600
    documents), and what they make is still collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(young)


def process(document: Document, ctx: Context) -> DocResult:
    """Everything we extract from one document, linked and ready for RDF."""
    return extract(annotate(document, ctx.nlp), ctx)


def extract(adoc: AnnotatedDocument, ctx: Context) -> DocResult:
    """Mentions, entities, relations, events, statements and sectors of an annotated document."""
    doc = adoc.document
    mentions = resolve_surnames(attach_countries(adoc, find_mentions(adoc, ctx.gazetteer), ctx.nlp.morph_vocab))
    mentions, entities = link(mentions, ctx.gazetteer)
    by_iri = {e.iri: e for e in entities}
    appositions = find_appositions(adoc, mentions, ctx.gazetteer)
    skip = [(a.start, a.stop) for a in appositions]
    mentions = resolve_role_nouns(adoc.sentences, mentions, roles_by_person(appositions), skip)
    relations, nodes = apposition_facts(appositions, by_iri, ctx.nlp.morph_vocab, mentions)
    relations += nationalities(adoc, mentions, ctx.gazetteer, relations)
    said = find_statements(adoc, mentions)
    statement_nodes, statement_relations, infos = statement_facts(adoc, said, mentions, ctx.sectors)
    nationality = {r.subject: r.object for r in relations if r.predicate == "nationality"}
    classes = {e.iri: e.cls for e in entities}
    coop_nodes, coop_relations = cooperation(infos, mentions, classes, nationality, ctx.gazetteer, ctx.issuers)
    relations += statement_relations + coop_relations
    relations += sentence_sectors(adoc.sentences, doc.id, ctx.sectors)
    relations += reported_by(adoc, mentions) + headquarters(adoc, mentions) + located_in(adoc, mentions, ctx.gazetteer)
    nodes += statement_nodes + coop_nodes + find_events(adoc, mentions, by_iri, ctx.gazetteer)
    targets = {r.object for r in relations} | {f.object for n in nodes for f in n.facts}
    entities = referenced_entities(targets, entities, ctx.gazetteer)
    return DocResult(
        document=doc,
        sentences=tuple((s.start, s.stop) for s in adoc.sentences),
        mentions=tuple(mentions),
        entities=tuple(entities),
        relations=tuple(relations),
        nodes=tuple(nodes),
        tokens=sum(len(s.tokens) for s in adoc.sentences),
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """One document's result as it travels back from a worker: its graph as N-Quads, or why it failed."""

    doc_id: str
    source: str
    nquads: bytes = b""  # the document's own graph
    shared: frozenset[bytes] = frozenset()  # its N-Quads lines in the entities graph, which most documents repeat
    tokens: int = 0
    error: str = ""  # the report's message when the document failed


def build_batch(documents: Sequence[Document], ctx: Context) -> list[Outcome]:
    """Process documents annotated together (faster than one by one); an exception becomes a failed Outcome naming
    its document, and a batch that fails in annotation is retried one document at a time to find which."""
    try:
        annotated = annotate_many(documents, ctx.nlp)
    except Exception as error:  # one bad document must not lose the others' results
        if len(documents) == 1:
            return [_failed(documents[0], error)]
        return [outcome for document in documents for outcome in build_batch([document], ctx)]
    return [_build_annotated(adoc, ctx) for adoc in annotated]


def _build_annotated(adoc: AnnotatedDocument, ctx: Context) -> Outcome:
    document = adoc.document
    try:
        result = extract(adoc, ctx)
        own, shared = rdf.doc_quads(result, ctx.gazetteer)
    except Exception as error:  # one bad document must not lose the others' results
        return _failed(document, error)
    lines = frozenset(rdf.to_nquads(shared).splitlines(keepends=True))
    return Outcome(document.id, document.source, rdf.to_nquads(own), lines, result.tokens)


def _failed(document: Document, error: Exception) -> Outcome:
    source = document.source or document.id
    return Outcome(document.id, source, error=f"{source}: extraction failed: {error!r}")


def content_hash(text: str) -> str:
    """The sha256 of a text, as `kg:contentHash` records it."""
    # surrogatepass: a text with lone surrogates must reach a worker and fail there as that document's error
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def build(
    paths: Sequence[str | Path],
    out: Path,
    *,
    ctx: Context | None = None,
    stdin: TextIO | None = None,
    progress: bool = True,
    workers: int = 1,
    prune: bool = False,
    dask: str | None = None,
) -> BuildReport:
    """Build the knowledge graph of `paths` into `out`: the store, RDF files, HTML graph and report.

    Only documents that are new or whose text changed since the store in `out` was built are processed
    (`report.documents`); unchanged ones are counted in `report.skipped`, unless the store was built by a kg that
    extracts otherwise (`kg.release`), when every document is processed again. With `prune`, the graphs of documents
    not in `paths` are dropped. Documents are processed here (`workers=1`, with `ctx` if given), in a pool of
    `workers` processes, or on the Dask cluster at `dask`.
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC).replace(microsecond=0)
    report = BuildReport()
    last = export.holding(out)
    kept = last is not None  # the store as the last build left it: so is its spool
    # and so are what its void.ttl read of the store and what its page read of the documents, when it kept them
    described, sealed = dataset.unseal(out, last), pagecache.unseal(out, last)
    export.unstamp(out)
    rebuilt = not release.holds(out)  # graphs another kg extracted are extracted again, every one
    changes = pagecache.Changes()
    stored = store.Reopening(out / "store")
    # The store is not passed in: `stored` closes and reopens it, which a reference held elsewhere would stop.
    with closing(open_spool(out / SPOOL, kept)) as spool, closing(Ledger()) as read:
        pending = out / PENDING
        # What the dropped graphs named; after an interrupted build, whose drops went unchecked, every description.
        unnamed = descriptions.Unnamed(0 if pending.exists() else None)
        if _load_ontology(stored.db):
            pending.touch()
        replaced: set[str] = set()
        loaded: set[bytes] = set()
        items = _progress(read_documents(paths, stdin=stdin, read=read), progress)
        # A pool's workers keep every core busy, and one loading thread keeps up with them; a second one only
        # doubles the files each load adds to the store, which RocksDB then compacts on those cores and the final
        # dump reads more slowly (bench/results.md). A batch short of BATCH is the last, loaded once the workers
        # are done.
        threads = 1 if workers > 1 and not dask else 2
        with closing(_outcomes(_changed(items, stored, report, replaced, rebuilt), ctx, workers, dask)) as outcomes:
            for batch in batches(outcomes, BATCH):
                pending.touch()
                _load(stored, batch, report, loaded, threads if len(batch) == BATCH else 2, spool, replaced, unnamed)
                changes.add(doc_graph(outcome.doc_id) for outcome in batch)
        stored.reopen()  # what the loads had RocksDB read goes before the output phase reads the whole store
        db = stored.db
        del stored
        pruned = _prune(db, read, progress) if prune else []
        changes.add(pruned)
        if pruned:
            pending.touch()
        if replaced or pruned:  # a changed or pruned article may have been the last to name something
            descriptions.drop_unreferenced(db, None if pruned else unnamed.iris)
        db.flush()
        previous = None if pending.exists() else _previous_counts(out)
        if previous is None:
            if not write_outputs(db, out, report, started_at, workers, spool, changes.since(out, sealed)):
                discard(out / SPOOL)
            sealed = True  # the page kept what it read of the store as it is now
        else:
            _write_report(db, out, report, *previous, started=started_at, described=described)
        pending.unlink(missing_ok=True)
    del db  # closed, so that its files are final when they are stamped
    release.record(out)
    record = export.stamp(out)
    dataset.seal(out, record)  # void.ttl was written from what the store holds now, and that was kept
    if sealed:
        pagecache.seal(out, record)
    report.seconds = time.perf_counter() - started
    return report


def _load_ontology(db: store.Store) -> bool:
    """(Re)load the ontology graph; whether that changed it."""
    graph = NamedNode(ONTOLOGY_GRAPH)
    before = set(db.quads_for_pattern(None, None, None, graph))
    store.load_ontology(db)
    return set(db.quads_for_pattern(None, None, None, graph)) != before


def _previous_counts(out: Path) -> tuple[int, dict[str, int]] | None:
    """The triple and class counts of the last complete build in `out`, when all its graph files are there."""
    path = out / "report.json"
    if not path.exists() or not all((out / f"graph.{fmt}").exists() for fmt in GRAPH_FILES):
        return None
    previous = json.loads(path.read_text(encoding="utf-8"))
    if "triples" not in previous or "classes" not in previous:
        return None
    return previous["triples"], previous["classes"]


def _write_report(
    db: store.Store, out: Path, report: BuildReport, triples: int, classes: dict[str, int], started: datetime,
    described: Path | None,
) -> None:
    """report.json and the dataset description over an unchanged store, whose other output files still hold; what
    the description reads from the store is the last description's when it was kept (`described`)."""
    report.triples, report.classes = triples, classes
    write_report(out, report)
    dataset.write(db, out, started=started, stored=described)


def _changed(
    items: Iterable[Document | IngestError],
    stored: store.Reopening,
    report: BuildReport,
    replaced: set[str],
    rebuilt: bool,
) -> Iterator[Document]:
    """The documents to (re)build; ingest errors and unchanged documents are counted in the report, and the ids
    of documents whose stored graph will be replaced are added to `replaced`. With `rebuilt`, no document is
    unchanged: each stored graph is replaced."""
    for item in items:
        if isinstance(item, IngestError):
            _fail(report, item)
            continue
        built = _built(stored.db, item)
        if built and not rebuilt:
            report.skipped += 1
            continue
        if built is not None:
            replaced.add(item.id)
        yield item


def _built(db: store.Store, document: Document) -> bool | None:
    """Whether the store holds the document built from its text as it is (True) or as it was (False); None when
    it holds no graph of it."""
    graph = NamedNode(doc_graph(document.id))
    # A new document's graph is not there: one point lookup says so in ~5 µs, where a pattern reads blocks of every
    # file the graph may lie in (0.4–0.7 ms a document on a 12M-quad store, and RocksDB keeps them).
    if not db.contains_named_graph(graph):
        return None
    # Looked up whole rather than read, no term is decoded: a rebuild of 100k unchanged documents 13.2 → 11.0 s.
    hashed = Literal(content_hash(document.text))
    return Quad(NamedNode(doc_iri(document.id)), CONTENT_HASH, hashed, graph) in db


def _outcomes(documents: Iterable[Document], ctx: Context | None, workers: int, dask: str | None) -> Iterator[Outcome]:
    """Each document's Outcome, from a Dask cluster, a pool of worker processes, or this process."""
    if dask:
        from kg.distributed import map_documents  # dask is imported only when asked for

        return map_documents(documents, dask)
    if workers > 1:
        from kg.parallel import map_documents as map_in_pool

        return map_in_pool(documents, workers)
    return _serial(documents, ctx)


def _serial(documents: Iterable[Document], ctx: Context | None) -> Iterator[Outcome]:
    for batch in batches(documents, ANNOTATE_BATCH):
        ctx = ctx or load_context()  # loaded at the first changed document: an unchanged corpus loads no models
        yield from build_batch(batch, ctx)


def _load(
    stored: store.Reopening,
    batch: list[Outcome],
    report: BuildReport,
    loaded: set[bytes],
    threads: int,
    spool: Spool,
    replaced: set[str],
    unnamed: descriptions.Unnamed,
) -> None:
    """Count the outcomes, drop the stored graphs of the documents in `replaced` (what they named gathered in
    `unnamed`), and load each document's new graph, from `threads` threads (and keep it in the `spool`);
    entity-graph lines already `loaded` in this build are not loaded again (most articles repeat what Kazakhstan
    or Astana is)."""
    for outcome in batch:
        if outcome.error:
            _fail(report, IngestError(outcome.source, outcome.error))
        else:
            report.documents += 1
            report.tokens += outcome.tokens
    shared = b"".join(new_lines((o.shared for o in batch), loaded))
    chunks = [o.nquads for o in batch if o.nquads] + [shared]
    for outcome in batch:
        if outcome.nquads:
            spool.add(doc_graph(outcome.doc_id), outcome.nquads)
    # A failed document's old graph describes a text that is no longer the input, so it goes too. A new document has
    # none: dropping it anyway seeks every file its graph could lie in, and RocksDB kept what the seeks read until
    # the store was reopened (the build process +1.6 MB a batch; bench/results.md, stop 31).
    dropped = [doc_graph(o.doc_id) for o in batch if o.doc_id in replaced]
    unnamed.gather(stored.db, dropped)
    store.replace_graphs(stored.db, dropped, chunks, threads)
    stored.loaded(sum(map(len, chunks)))
    del chunks
    malloc.trim()  # what the load freed, which glibc keeps otherwise: ~60 MB less after 10M quads


def new_lines(lines: Iterable[frozenset[bytes]], loaded: set[bytes], limit: int = LOADED_LIMIT) -> set[bytes]:
    """The lines not in `loaded`, which then holds them; past `limit` lines it starts afresh, so memory stays
    bounded and a forgotten line is only loaded twice."""
    new = set().union(*lines) - loaded
    if len(loaded) + len(new) > limit:
        loaded.clear()
    loaded |= new
    return new


def _prune(db: store.Store, keep: Ledger, verbose: bool) -> list[str]:
    """Drop the graphs of documents whose ids are not in `keep`; their names."""
    prefix = doc_graph("")
    stale = [
        graph for graph in db.named_graphs()
        if isinstance(graph, NamedNode) and graph.value.startswith(prefix) and graph.value[len(prefix):] not in keep
    ]
    for graph in stale:
        db.remove_graph(graph)
    if verbose and stale:
        print(f"kg: pruned {len(stale)} graphs of documents not in the input", file=sys.stderr)
    return [graph.value for graph in stale]


def write_outputs(
    db: store.Store,
    out: Path,
    report: BuildReport,
    started: datetime | None = None,
    workers: int = 1,
    spool: Spool | None = None,
    kept: pagecache.Kept | None = None,
) -> bool:
    """Write the RDF files, the HTML graph and report.json from the store (its quads from the `spool` where it
    shows them: see `Spool.dump`; what the page reads as `kept` says, see `kg.pagecache`), then void.ttl
    recording the build that began at `started`; whether the spool showed them. With `workers` > 1, two helper
    processes take the spool's dump, draw the page and the tables and dump the store when the spool cannot (from a
    checkpoint of out/store), write JSON-LD and read what void.ttl needs of the store, while this one sorts and
    writes the other files."""
    from kg import viz  # pyvis and networkx are only needed here

    paths = {fmt: out / f"graph.{fmt}" for fmt in GRAPH_FILES}
    jsonld = (paths["jsonld"], store.jsonld_version())
    if workers > 1:
        from kg.parallel import start_output_helper

        spawn = multiprocessing.get_context("spawn")
        with (
            store.checkpoint(db, out / VIEW) as view,
            tempfile.TemporaryDirectory(prefix=".kg-void-", dir=out) as described,
        ):
            with ProcessPoolExecutor(2, mp_context=spawn, initializer=start_output_helper) as helper:
                page = helper.submit(viz.write_files_from, view, out, kept)
                # Reading a large store's graph names and entities graph costs RocksDB memory (~260 MB at 100k
                # documents): it goes with the other helper.
                dump = None
                if spool is not None:
                    spool.close()
                    dump = helper.submit(spool_dump_at, spool.workdir, view, *jsonld, paths["nq"]).result()
                counts = store.write_all(db, paths, helper, view, dump, _last_counts(out, dump))
                # What void.ttl would read after the page, while it is drawn: what it reads of the store (every
                # document's hash: 6–10 s at 100k documents), in the helper that wrote JSON-LD, and the sums of these
                # files, graph.nq's 9.5 GB among them. Begun after the files, so as not to slow them; with the
                # page's reads of unchanged documents kept, the page no longer takes longest (bench/results.md).
                stored = helper.submit(dataset.describe_store_at, view, out, Path(described))
                hashed = dataset.checksums(paths.values())
                page.result()
                stored.result()
            _write_counted_report(db, out, report, counts)
            # Last, void.ttl, which describes every file written above.
            dataset.write(db, out, started=started, counts=counts, hashed=hashed, stored=Path(described))
    else:
        dump = spool.dump(db, *jsonld, paths["nq"]) if spool is not None else None
        counts = store.write_all(db, paths, dump=dump, last=_last_counts(out, dump))
        viz.write_files(db, out, kept)
        _write_counted_report(db, out, report, counts)
        dataset.write(db, out, started=started, counts=counts)
    return dump is not None


def _last_counts(out: Path, dump: Dump | None) -> Statistics | None:
    """The counts the last void.ttl recorded, when the dump's sort edits the graph.nq the same build wrote."""
    return dataset.recorded(out / dataset.VOID_FILE).counts if dump and dump.before else None


def _write_counted_report(db: store.Store, out: Path, report: BuildReport, counts: store.Statistics) -> None:
    """Write report.json with the triples and the resources of each class the store now holds."""
    report.triples = counts.triples
    report.classes = {
        row["class"].value.rsplit("#", 1)[1]: int(row["n"].value) for row in store.query(db, CLASS_COUNTS)
    }
    write_report(out, report)


def write_report(out: Path, report: BuildReport) -> None:
    """Write report.json."""
    write_atomic(out / "report.json", json.dumps(report_dict(report), ensure_ascii=False, indent=2) + "\n")


def report_dict(report: BuildReport) -> dict:
    """The deterministic part of a report (no timings), as written to report.json."""
    data = asdict(report)
    data.pop("seconds")
    data["errors"] = sorted(data["errors"], key=lambda e: (e["source"], e["message"]))
    return data


def _fail(report: BuildReport, error: IngestError) -> None:
    report.failed += 1
    report.errors.append(error)
    print(f"kg: {error.message}", file=sys.stderr)


def _progress(items: Iterable, enabled: bool, quiet_below: int = 5) -> Iterator:
    """Yield items; past the first few, show a progress bar on stderr."""
    bar = None
    try:
        for count, item in enumerate(items, 1):
            if enabled and bar is None and count > quiet_below:
                bar = tqdm(desc="documents", unit="doc", initial=count - 1, file=sys.stderr)
            if bar is not None:
                bar.update()
            yield item
    finally:
        if bar is not None:
            bar.close()
