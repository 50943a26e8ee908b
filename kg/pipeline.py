"""The pipeline: ingest → annotate → extract → link → RDF → store → files, one document at a time."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from kg import gazetteer as gazetteer_module
from kg import rdf, store
from kg.annotate import NLP, annotate, load_nlp
from kg.extract.appositions import apposition_facts, find_appositions, roles_by_person
from kg.extract.cooperation import Issuers, cooperation
from kg.extract.coref import resolve_role_nouns, resolve_surnames
from kg.extract.entities import find_mentions
from kg.extract.events import find_events
from kg.extract.sectors import SectorTagger, load_sectors, sentence_sectors
from kg.extract.source import reported_by
from kg.extract.statements import find_statements, statement_facts
from kg.files import write_atomic
from kg.gazetteer import Gazetteer
from kg.ingest import read_documents
from kg.link import link, referenced_entities
from kg.types import AnnotatedDocument, BuildReport, DocResult, Document, IngestError
from kg.vocab import doc_graph

BATCH = 256  # documents per store load: bounds memory, amortises bulk_load
GRAPH_FILES = ("ttl", "nq", "jsonld")
CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?e) AS ?n) WHERE {
  ?doc kg:mentions ?e . ?e a ?class . FILTER(STRSTARTS(STR(?class), STR(kg:)))
} GROUP BY ?class ORDER BY ?class
"""


@dataclass(frozen=True)
class Context:
    """The heavy objects a worker needs, built once per process."""

    nlp: NLP
    gazetteer: Gazetteer
    sectors: SectorTagger
    issuers: Issuers


def load_context() -> Context:
    """Load the natasha models, the gazetteer and the sector scheme."""
    gazetteer = gazetteer_module.load()
    return Context(load_nlp(), gazetteer, load_sectors(), Issuers(gazetteer))


def process(document: Document, ctx: Context) -> DocResult:
    """Everything we extract from one document, linked and ready for RDF."""
    return extract(annotate(document, ctx.nlp), ctx)


def extract(adoc: AnnotatedDocument, ctx: Context) -> DocResult:
    """Mentions, entities, relations, events, statements and sectors of an annotated document."""
    doc = adoc.document
    mentions = resolve_surnames(find_mentions(adoc, ctx.gazetteer))
    mentions, entities = link(mentions, ctx.gazetteer)
    by_iri = {e.iri: e for e in entities}
    appositions = find_appositions(adoc, mentions, ctx.gazetteer)
    relations, nodes = apposition_facts(appositions, by_iri)
    skip = [(a.start, a.person_span[0]) for a in appositions]
    mentions = resolve_role_nouns(adoc.sentences, mentions, roles_by_person(appositions), skip)
    said = find_statements(adoc, mentions)
    statement_nodes, statement_relations, infos = statement_facts(adoc, said, mentions, ctx.sectors)
    nationality = {r.subject: r.object for r in relations if r.predicate == "nationality"}
    classes = {e.iri: e.cls for e in entities}
    coop_nodes, coop_relations = cooperation(infos, mentions, classes, nationality, ctx.gazetteer, ctx.issuers)
    relations += statement_relations + coop_relations
    relations += sentence_sectors(adoc.sentences, doc.id, ctx.sectors)
    relations += reported_by(adoc, mentions)
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


def process_to_nquads(document: Document, ctx: Context) -> tuple[bytes, DocResult]:
    """One document's named graph as N-Quads, with the result it came from."""
    result = process(document, ctx)
    return rdf.to_nquads(rdf.doc_quads(result, ctx.gazetteer)), result


def build(
    paths: Sequence[str | Path],
    out: Path,
    *,
    ctx: Context | None = None,
    stdin: TextIO | None = None,
    progress: bool = True,
) -> BuildReport:
    """Build the knowledge graph of `paths` into `out`: the store, RDF files, HTML graph and report."""
    started = time.perf_counter()
    ctx = ctx or load_context()
    report = BuildReport()
    db = store.open_store(out / "store")
    store.load_ontology(db)
    items = _progress(read_documents(paths, stdin=stdin), progress)
    for batch in _batches(items, BATCH):
        graphs, chunks = [], []
        for item in batch:
            if isinstance(item, IngestError):
                _fail(report, item)
                continue
            try:
                nquads, result = process_to_nquads(item, ctx)
            except Exception as error:  # one bad document must not lose the others' results
                source = item.source or item.id
                _fail(report, IngestError(source, f"{source}: extraction failed: {error!r}"))
                continue
            graphs.append(doc_graph(item.id))
            chunks.append(nquads)
            report.documents += 1
            report.tokens += result.tokens
        store.replace_graphs(db, graphs, b"".join(chunks))
    db.flush()
    write_outputs(db, out, report)
    report.seconds = time.perf_counter() - started
    return report


def write_outputs(db: store.Store, out: Path, report: BuildReport) -> None:
    """Write the RDF files, the HTML graph and report.json from the store."""
    from kg import viz  # pyvis and networkx are only needed here

    quads = store.sorted_quads(db)
    for fmt in GRAPH_FILES:
        store.write(db, out / f"graph.{fmt}", fmt, quads)
    viz.write_html(db, out / "graph.html")
    viz.write_tables(viz.project(db), out)
    report.triples = len({q.triple for q in quads})
    report.classes = {
        row["class"].value.rsplit("#", 1)[1]: int(row["n"].value) for row in store.query(db, CLASS_COUNTS)
    }
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


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


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
