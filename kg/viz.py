"""The graph explorer: a networkx projection of the store, one offline HTML page, and GraphML/GEXF/CSV tables."""

from __future__ import annotations

import base64
import csv
import functools
import hashlib
import io
import json
import math
import re
import shutil
import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import jinja2
import networkx as nx
import numpy as np
import pyvis
from markupsafe import Markup
from networkx.readwrite.gexf import GEXFWriter
from pyoxigraph import Literal, NamedNode, RdfFormat, Store, parse
from pyvis.network import Network
from rdflib.namespace import OWL, RDF

from kg import malloc, store
from kg.batching import batches
from kg.files import atomic_writer, write_atomic
from kg.pagecache import Kept, PageReads
from kg.vocab import KG, NIF, ONTOLOGY_GRAPH, SCHEMA, SPAN

KG_NS = str(KG)
ID_NS = "https://w3id.org/kg-news/id/"
WIKIDATA = re.compile(r"^https?://www\.wikidata\.org/entity/(Q\d+)$")
GEONAMES = re.compile(r"^https?://sws\.geonames\.org/(\d+)/?$")
TEMPLATES = Path(__file__).resolve().parent / "templates"
VIS_DIR = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"
CSP_PLACEHOLDER = "__KG_SCRIPT_HASHES__"
# Classes of text and provenance records: never nodes, except documents and statements on request.
TEXT_CLASSES = {"Document", "Sentence", "Mention", "Evidence", "Statement", "Build"}
# The Person–Sector edge drawn when the statement that links them is hidden.
SPEAKS_ABOUT = "speaksAbout"
SPEAKS_ABOUT_LABELS = {"ru": "говорит о", "en": "speaks about"}
# The relations of ontology/README.md, for stores without the ontology; and links to text, never edges.
RELATIONS = {
    "locatedIn", "capitalOf", "memberOf", "nationality", "occupation", "holdsPosition", "positionIn", "role",
    "worksFor", "headquarteredIn", "participant", "location", "speaker", "aboutSector", "cooperatesWith",
    "reportedBy", "mentions",
}
COOPERATION_LINKS = (NamedNode(str(KG.participant)), NamedNode(str(KG.aboutSector)))
TEXT_LINKS = {"refersTo", "sentence", "evidence", "supportedBy"}
EVENT_LIKE = {"Event", "Visit", "Summit", "Meeting", "Forum", "Cooperation", "Statement"}
EVIDENCE_SHOWN = 50  # supporting sentences and quotations kept per edge (see _evidence for which)
CORE_SIZE = 300  # nodes laid out by spring_layout; networkx needs scipy above 500
SPRING_MIN = 6  # smaller components are simply fanned out
SPACING = 80.0  # pixels between a node and its nearest leaves

# (colour, shape) by class; vis shapes that keep the label outside, so size shows centrality.
STYLE = {
    "Person": ("#e15759", "dot"),
    "Organization": ("#4e79a7", "square"),
    "MediaOutlet": ("#76b7b2", "square"),
    "InternationalOrganization": ("#1f5f99", "square"),
    "Country": ("#59a14f", "hexagon"),
    "City": ("#8cd17d", "triangle"),
    "Region": ("#b6992d", "triangle"),
    "Place": ("#f28e2b", "triangleDown"),
    "BorderCrossing": ("#ffbe7d", "triangleDown"),
    "DryPort": ("#d37295", "triangleDown"),
    "SpecialEconomicZone": ("#fabfd2", "triangleDown"),
    "Currency": ("#9d7660", "dot"),
    "Initiative": ("#d4a6c8", "dot"),
    "Position": ("#bab0ac", "dot"),
    "Occupation": ("#79706e", "dot"),
    "Sector": ("#edc948", "star"),
    "Event": ("#b07aa1", "diamond"),
    "Visit": ("#b07aa1", "diamond"),
    "Summit": ("#9467bd", "diamond"),
    "Meeting": ("#c5b0d5", "diamond"),
    "Forum": ("#8c564b", "diamond"),
    "Cooperation": ("#17becf", "diamond"),
    "Document": ("#cccccc", "square"),
    "Statement": ("#aec7e8", "dot"),
    "Quotation": ("#aec7e8", "dot"),
}
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
    "#bab0ac", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
)
UI = {
    "ru": {
        "title": "Граф знаний", "search": "Поиск узла…", "classes": "Классы", "sectors": "Отрасли",
        "sectors_hint": "Отметьте отрасли, чтобы показать только связанные с ними узлы.",
        "reset": "Показать всё", "details": "Выберите узел или ребро.", "class": "Класс",
        "mentions": "Упоминаний", "documents": "Документов", "degree": "Связей", "evidence": "Источники",
        "no_evidence": "Нет предложений или цитат.", "community": "Сообщество", "nodes": "узлов",
        "edges": "рёбер", "omitted": "Показаны {shown} самых центральных узлов из {total}; {omitted} опущено "
        "(см. --max-nodes).", "by_community": "Цвет — сообщество (Louvain), форма — класс.",
        "no_match": "Ничего не найдено.", "hidden": "(скрыт фильтром)", "quote": "цитата",
        "sentence": "предложение", "from": "от", "to": "к",
    },
    "en": {
        "title": "Knowledge graph", "search": "Find a node…", "classes": "Classes", "sectors": "Sectors",
        "sectors_hint": "Tick sectors to show only the nodes connected to them.",
        "reset": "Show all", "details": "Select a node or an edge.", "class": "Class",
        "mentions": "Mentions", "documents": "Documents", "degree": "Links", "evidence": "Sources",
        "no_evidence": "No sentences or quotations.", "community": "Community", "nodes": "nodes",
        "edges": "edges", "omitted": "Showing the {shown} most central nodes of {total}; {omitted} left out "
        "(see --max-nodes).", "by_community": "Colour: community (Louvain); shape: class.",
        "no_match": "Nothing found.", "hidden": "(hidden by a filter)", "quote": "quotation",
        "sentence": "sentence", "from": "from", "to": "to",
    },
}


class UnknownName(ValueError):
    """A --classes or --sectors value that names nothing in the graph; the message lists the names that do."""

    def __init__(self, option: str, unknown: Sequence[str], known: Sequence[str]) -> None:
        self.option = option
        kind = "class" if option == "--classes" else "sector"
        super().__init__(f"no {kind} {', '.join(map(repr, unknown))} in this graph; "
                         f"known: {', '.join(known) or 'none'}")


@dataclass(frozen=True)
class VizStats:
    """What a page shows: nodes and edges drawn, and nodes left out by --max-nodes."""

    nodes: int
    edges: int
    omitted: int


# ---------------------------------------------------------------- projection


@functools.lru_cache(maxsize=4096)  # the same class and property IRIs come back on every row
def local(iri: str) -> str:
    """The local name of an IRI: after '#', else after the last '/'."""
    iri = iri.rstrip("/")
    return iri[max(iri.rfind("#"), iri.rfind("/")) + 1:]


def short_id(iri: str) -> str:
    """An IRI without our id namespace, for tables and the side panel."""
    return iri[len(ID_NS):] if iri.startswith(ID_NS) else iri


def _select(db: Store, sparql: str) -> list[tuple[str, ...]]:
    """A SELECT over the union graph as tuples of term values ('' when unbound)."""
    return list(_rows(db, sparql))


def _rows(db: Store, sparql: str) -> Iterator[tuple[str, ...]]:
    """The rows of a SELECT one at a time, for answers that grow with the corpus."""
    for solution in store.query(db, sparql):
        yield tuple("" if term is None else term.value for term in solution)


def _iris(iris: Iterable[str]) -> str:
    """IRIs as the terms of a SPARQL VALUES block, sorted."""
    return " ".join(f"<{iri}>" for iri in sorted(iris))


def _keep(found: set, *items: object) -> None:
    """Add `items`, keeping only the EVIDENCE_SHOWN first in sort order: the same whatever order they come in."""
    for item in items:
        found.add(item)
        if len(found) > EVIDENCE_SHOWN:
            found.remove(max(found))


def _labels(db: Store) -> dict[str, dict[str, str]]:
    """Per IRI, one label per language ('' for untagged): skos:prefLabel before rdfs:label, then the least."""
    rows = store.query(db, """
        SELECT DISTINCT ?x ?p ?l WHERE { VALUES ?p { skos:prefLabel rdfs:label } ?x ?p ?l . FILTER(isIRI(?x)) }
    """)
    found: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    for x, p, term in rows:
        if not isinstance(term, Literal):
            continue
        rank = (0 if p.value.endswith("prefLabel") else 1, term.value)
        lang = term.language or ""
        known = found[x.value].get(lang)
        if known is None or rank < known:
            found[x.value][lang] = rank
    return {x: {lang: rank[1] for lang, rank in by_lang.items()} for x, by_lang in found.items()}


def pick_label(labels: dict[str, str], lang: str, fallback: str) -> str:
    """The label in `lang`, else in the other language, else untagged, else `fallback`."""
    other = "en" if lang == "ru" else "ru"
    return labels.get(lang) or labels.get(other) or labels.get("") or fallback


def _superclasses(db: Store) -> dict[str, set[str]]:
    """Every kg class's strict ancestors, by local name, from the ontology's rdfs:subClassOf."""
    parents: dict[str, set[str]] = defaultdict(set)
    for sub, sup in _select(db, "SELECT DISTINCT ?a ?b WHERE { ?a rdfs:subClassOf ?b }"):
        if sub.startswith(KG_NS) and sup.startswith(KG_NS):
            parents[local(sub)].add(local(sup))
    closure: dict[str, set[str]] = {}
    for cls in list(parents):
        seen, todo = set(), list(parents[cls])
        while todo:
            up = todo.pop()
            if up not in seen:
                seen.add(up)
                todo.extend(parents.get(up, ()))
        closure[cls] = seen
    return closure


def most_specific(classes: Iterable[str], ancestors: dict[str, set[str]]) -> str:
    """The class that no other of `classes` specialises (alphabetically first on a tie)."""
    classes = set(classes)
    general = set().union(*(ancestors.get(c, set()) for c in classes))
    return min(classes - general or classes)


@functools.cache
def _bundled_classes() -> frozenset[str]:
    """The classes the bundled ontology declares, for a store loaded without it."""
    a, owl_class = NamedNode(str(RDF.type)), NamedNode(str(OWL.Class))
    triples = parse(path=store.ONTOLOGY_DIR / "kg.ttl", format=RdfFormat.TURTLE)
    return frozenset(t.subject.value for t in triples if t.predicate == a and t.object == owl_class)


def _node_classes(
    db: Store, documents: bool, ancestors: dict[str, set[str]], mentioned: Iterable[str]
) -> dict[str, set[str]]:
    """The kg classes of every resource a page may show, typed anywhere but in the ontology graph; the entities
    documents mention (`mentioned`, from `_counts`) are shown even when untyped."""
    hidden = TEXT_CLASSES - ({"Document", "Statement"} if documents else set())
    # Text records (a mention, a sentence …) are most of a large graph: leave them out in the query itself.
    text = sorted(hidden | {c for c, above in ancestors.items() if hidden & above})
    declared = {c for (c,) in _select(db, "SELECT DISTINCT ?c WHERE { ?c a owl:Class }")} | _bundled_classes()
    wanted = _iris(c for c in declared if c.startswith(KG_NS) and local(c) not in text)
    types: dict[str, set[str]] = defaultdict(set)
    # Each class's members looked up, rather than every typed resource filtered: 1.79 → 0.04 s at 10k documents.
    for x, cls in _rows(db, f"""
        SELECT DISTINCT ?x ?c WHERE {{
          VALUES ?c {{ {wanted} }} GRAPH ?g {{ ?x a ?c }} FILTER(?g != <{ONTOLOGY_GRAPH}> && isIRI(?x))
        }}"""):
        types[x].add(local(cls))
    shown = {x: cs for x, cs in types.items() if not hidden & cs.union(*(ancestors.get(c, ()) for c in cs))}
    for x in mentioned:
        shown.setdefault(x, {"Entity"})
    for (x,) in _select(db, "SELECT DISTINCT ?s WHERE { ?x kg:aboutSector ?s }"):
        shown[x] = {"Sector"}
    return shown


def _counts(db: Store) -> tuple[dict[str, int], dict[str, int]]:
    """Per entity: the kg:Mention records that refer to it and the documents that mention it."""
    # No DISTINCT: a mention, and a document's kg:mentions, lie in that document's graph only, so nothing repeats,
    # and COUNT(DISTINCT) would hold every mention of the corpus.
    mentions = _select(db, "SELECT ?e (COUNT(?m) AS ?n) WHERE { ?m kg:refersTo ?e } GROUP BY ?e")
    docs = _select(db, "SELECT ?e (COUNT(?d) AS ?n) WHERE { ?d a kg:Document ; kg:mentions ?e } GROUP BY ?e")
    return {e: int(n) for e, n in mentions}, {e: int(n) for e, n in docs}


def _same_as(db: Store) -> dict[str, tuple[str, str]]:
    """Per resource: its Wikidata Q id and GeoNames id from owl:sameAs ('' when unknown)."""
    links: dict[str, list[str]] = defaultdict(lambda: ["", ""])
    for x, y in sorted(_select(db, "SELECT DISTINCT ?x ?y WHERE { ?x owl:sameAs ?y }")):
        if (wd := WIKIDATA.match(y)) and not links[x][0]:
            links[x][0] = wd.group(1)
        elif (gn := GEONAMES.match(y)) and not links[x][1]:
            links[x][1] = gn.group(1)
    return {x: (wd, gn) for x, (wd, gn) in links.items()}


def _headlines(db: Store) -> Callable[[str], str]:
    """A document's readable name, its headline else its id, looked up when asked: rows come document by
    document, so a small cache serves them without a table of every document of the corpus."""
    headline = NamedNode(str(SCHEMA.headline))

    @functools.lru_cache(maxsize=1024)
    def name(doc: str) -> str:
        found = sorted(q.object.value for q in db.quads_for_pattern(NamedNode(doc), headline, None, None))
        return found[0] if found else short_id(doc)

    return name


def _position(record: str) -> tuple[str, int, str]:
    """Where a text record (a NIF sentence, a statement) lies, to keep an edge's evidence in document order: its
    document (the IRI before its RFC 5147 fragment, as kg mints it; '' for another IRI), then its start."""
    doc, _, chars = record.rpartition(SPAN)
    start = chars.partition(",")[0]
    return doc, int(start) if start.isdigit() else -1, record


def _texts(
    reads: PageReads, source: Callable[[str], str], records: Iterable[tuple[str, int, str]], kind: str, predicate: str
) -> dict[str, tuple[str, str, str]]:
    """Each of the text `records` (sentences or statements, as `_position` gives them) as an edge shows it: (`kind`,
    its `predicate`'s text, its document's name by `source`)."""
    return {record: (kind, *shown) for record, shown in reads.texts(records, predicate, source).items()}


# The queries below return a row per supporting text and no DISTINCT: Oxigraph would hold every row of a large
# corpus to drop duplicates, which the bounded sets of _keep drop anyway.
def _evidence(
    db: Store, reads: PageReads, source: Callable[[str], str], nodes: Collection[str]
) -> dict[tuple[str, str, str], set[tuple[str, str, str]]]:
    """Supporting sentences and quotations of the links between `nodes`, keyed by (subject, predicate local name,
    object): the first EVIDENCE_SHOWN in document order, so that a page of a large corpus stays small. `source`
    names a document; `reads` reads the evidence records and texts (`kg.pagecache`). Most
    evidence is of links from text records (a sentence's or a statement's sectors, a statement's speaker), never
    drawn: the records are looked up from the nodes, each of their subject, rather than every record read (at 100k
    documents 945k of them, 336k of the nodes: 28 → 21 s). Only kg:Evidence records have rdf:subject, so their type
    is not checked (a quarter of the query's time)."""
    chosen: dict[tuple[str, str, str], set[tuple[str, int, str]]] = defaultdict(set)
    for s, p, o, sentence in reads.evidence(nodes):
        if o in nodes:
            _keep(chosen[(s, local(p), o)], _position(sentence))
    # Only the kept sentences' texts are read: reading every row's text took a third of the query's time.
    text = _texts(reads, source, set().union(*chosen.values()), "sentence", str(NIF.anchorOf))
    found: dict[tuple[str, str, str], set[tuple[str, str, str]]] = defaultdict(set)
    for key, sentences in chosen.items():
        found[key] = {text[iri] for *_, iri in sentences if iri in text}
    support: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for coop, quote, anchor, doc in _rows(db, """
        SELECT ?c ?q ?a ?doc WHERE {
          ?c kg:supportedBy ?st .
          OPTIONAL { ?st kg:quote ?q } OPTIONAL { ?st nif:anchorOf ?a }
          OPTIONAL { ?st nif:referenceContext|prov:wasDerivedFrom ?doc }
        }"""):
        if quote or anchor:
            _keep(support[coop], ("quote" if quote else "sentence", quote or anchor, doc and source(doc)))
    members: dict[str, set[str]] = defaultdict(set)
    # Each supported cooperation's links looked up: most aboutSector links are sentences' and statements', and a
    # join in SPARQL either checked each of them for support or held them all (over 40M quads: 36 s, or 320 MB).
    links = {
        (coop, q.predicate.value, q.object.value)
        for (coop,) in _select(db, "SELECT DISTINCT ?c WHERE { ?c kg:supportedBy ?st }")
        for p in COOPERATION_LINKS
        for q in db.quads_for_pattern(NamedNode(coop), p, None, None)
    }
    for coop, p, o in links:
        if coop in nodes and o in nodes:
            _keep(found[(coop, local(p), o)], *support[coop])
        if p.endswith("participant") and o in nodes:
            members[coop].add(o)
    for coop, parts in members.items():
        for a in parts:
            for b in parts - {a}:
                _keep(found[(a, "cooperatesWith", b)], *support[coop])
    return found


def _relations(db: Store, documents: bool, nodes: Collection[str]) -> set[tuple[str, str, str]]:
    """Every distinct triple between two of `nodes` whose predicate is a kg object property (declared or known).

    The triples of those properties are matched as a subquery of their own, which Oxigraph joins to the nodes by
    hashing instead of looking up each node's triples one by one, and made distinct by GROUP BY on the store's
    term ids, before any term is read: at 100k documents 9.0 s → 2.4 s, and 31 MB less (most of the triples are
    links from text records, a sentence's sectors, never drawn unless statements are; SPARQL's DISTINCT held
    every row seen, 519 MB)."""
    declared = {p for (p,) in _select(db, "SELECT DISTINCT ?p WHERE { ?p a owl:ObjectProperty }")}
    names = {local(p) for p in declared if p.startswith(KG_NS)} | RELATIONS
    names -= TEXT_LINKS | (set() if documents else {"mentions"})
    values = " ".join(f"kg:{name}" for name in sorted(names))
    rows = _rows(db, f"""
        SELECT ?s ?p ?o WHERE {{
          {{ VALUES ?s {{ {_iris(nodes)} }} }}
          {{ SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o . FILTER(isIRI(?o)) }} }}
        }} GROUP BY ?s ?p ?o""")
    return {(s, p, o) for s, p, o in rows if o in nodes and s != o}


def project(
    db: Store, *, lang: str = "ru", documents: bool = False, kept: Kept | None = None
) -> nx.MultiDiGraph:
    """The graph an analyst explores: entities, events and sectors, and the kg relations between them; `kept`: where
    a build keeps what its page reads of the documents, for the next build's (`kg.pagecache`)."""
    try:
        with PageReads(db, kept) as reads:
            return _project(db, reads, lang, documents)
    except sqlite3.DatabaseError:
        if kept is None or kept.changed is None:
            raise
    # What the last build kept cannot be read (a damaged file): everything is read again, and kept anew.
    with PageReads(db, Kept(kept.out, None)) as reads:
        return _project(db, reads, lang, documents)


def _project(db: Store, reads: PageReads, lang: str, documents: bool) -> nx.MultiDiGraph:
    labels = _labels(db)
    ancestors = _superclasses(db)
    mentions, docs = _counts(db)
    classes = _node_classes(db, documents, ancestors, docs)
    links = _same_as(db)
    source = _headlines(db)
    graph = nx.MultiDiGraph()
    for iri in sorted(classes):
        names = labels.get(iri, {})
        cls = most_specific(classes[iri], ancestors)
        fallback = source(iri) if cls == "Document" else local(iri)
        wd, gn = links.get(iri, ("", ""))
        graph.add_node(
            iri, label=pick_label(names, lang, fallback), label_ru=names.get("ru", ""),
            label_en=names.get("en", ""), cls=cls, kinds=" ".join(sorted({cls, *ancestors.get(cls, ())})),
            cls_label=pick_label(labels.get(KG_NS + cls, {}), lang, cls), wikidata=wd, geonames=gn,
            mentions=mentions.get(iri, 0), documents=docs.get(iri, 0),
        )
    if documents:
        for st, quote in _select(db, "SELECT ?st ?q WHERE { ?st kg:quote ?q }"):
            if st in graph and graph.nodes[st]["label"] == local(st):
                graph.nodes[st]["label"] = quote if len(quote) <= 60 else quote[:59] + "…"
    support = _evidence(db, reads, source, graph)
    for s, p, o in sorted(_relations(db, documents, graph)):
        name = local(p)
        graph.add_edge(
            s, o, key=name, predicate=name, label=pick_label(labels.get(p, {}), lang, name),
            evidence=tuple(sorted(support.get((s, name, o), ()))),
        )
    if not documents:
        _add_speaks_about(reads, graph, source, lang)
    _name_unlabelled(graph)
    return graph


def _name_unlabelled(graph: nx.MultiDiGraph) -> None:
    """Name a node without labels (a cooperation, an event) by its class and what it links to."""
    for node, data in graph.nodes(data=True):
        if data["label_ru"] or data["label_en"] or {"Document", "Statement"} & set(data["kinds"].split()):
            continue
        linked = sorted({graph.nodes[n]["label"] for n in graph.successors(node)})
        if linked:
            more = ", …" if len(linked) > 3 else ""
            data["label"] = f"{data['cls_label']}: {', '.join(linked[:3])}{more}"


def _add_speaks_about(reads: PageReads, graph: nx.MultiDiGraph, source: Callable[[str], str], lang: str) -> None:
    """Connect each speaker to the sectors of their statements, with the first EVIDENCE_SHOWN quotations in
    document order as support; only those are read."""
    chosen: dict[tuple[str, str], set[tuple[str, int, str]]] = defaultdict(set)
    for st, who, sector in reads.statements():
        if who in graph and sector in graph:
            _keep(chosen[(who, sector)], _position(st))
    quotes = _texts(reads, source, set().union(*chosen.values()), "quote", str(KG.quote))
    for (who, sector), statements in sorted(chosen.items()):
        graph.add_edge(
            who, sector, key=SPEAKS_ABOUT, predicate=SPEAKS_ABOUT, label=SPEAKS_ABOUT_LABELS[lang],
            evidence=tuple(sorted({quotes[st] for *_, st in statements if st in quotes})),
        )


# ---------------------------------------------------------------- selection and centrality


def pagerank(graph: nx.Graph, alpha: float = 0.85, iterations: int = 100) -> dict[str, float]:
    """PageRank over the undirected links (numpy power iteration: networkx's needs scipy)."""
    nodes = sorted(graph)
    if not nodes:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    pairs = [(index[u], index[v]) for u, v in graph.edges() if u != v]
    src = np.array([a for a, b in pairs] + [b for a, b in pairs], dtype=np.int64)
    dst = np.array([b for a, b in pairs] + [a for a, b in pairs], dtype=np.int64)
    n = len(nodes)
    out = np.bincount(src, minlength=n).astype(float)
    rank = np.full(n, 1.0 / n)
    for _ in range(iterations):
        share = np.divide(rank, out, out=np.zeros(n), where=out > 0)
        dangling = rank[out == 0].sum()
        new = alpha * (np.bincount(dst, weights=share[src], minlength=n) + dangling / n) + (1 - alpha) / n
        done = np.abs(new - rank).sum() < 1e-12 * n
        rank = new
        if done:
            break
    return {node: float(rank[i]) for i, node in enumerate(nodes)}


def node_sectors(graph: nx.MultiDiGraph) -> dict[str, list[str]]:
    """The sectors each node is about: adjacent sectors, and those of the events it takes part in."""
    kinds = {d["cls"]: set(d["kinds"].split()) for _, d in graph.nodes(data=True)}
    sectors = {n for n, d in graph.nodes(data=True) if "Sector" in kinds[d["cls"]]}
    found: dict[str, set[str]] = {n: {n} for n in sectors}
    if not sectors:
        return {n: [] for n in graph}
    events = {n for n, d in graph.nodes(data=True) if EVENT_LIKE & kinds[d["cls"]]}
    pairs = [(u, v) for u, v in graph.edges() if u != v and (u in sectors or v in sectors)]
    direct: dict[str, set[str]] = defaultdict(set)
    for u, v in pairs:
        direct[u].update({v} & sectors)
        direct[v].update({u} & sectors)
    for n, about in direct.items():
        found.setdefault(n, set()).update(about)
    for u, v in graph.edges():
        if v in events and direct.get(v):
            found.setdefault(u, set()).update(direct[v])
        if u in events and direct.get(u):
            found.setdefault(v, set()).update(direct[u])
    return {n: sorted(found.get(n, ())) for n in graph}


def _matches(value: str, node: str, data: dict) -> bool:
    """Whether a --sectors value names this sector node (slug, IRI or label, case-insensitive)."""
    value = value.strip().casefold()
    names = {node.casefold(), local(node).casefold(), data["label_ru"].casefold(), data["label_en"].casefold()}
    return value in names


def select(
    graph: nx.MultiDiGraph,
    *,
    max_nodes: int = 2000,
    classes: Sequence[str] = (),
    sectors: Sequence[str] = (),
    min_degree: int = 0,
    rank: dict[str, float] | None = None,
) -> tuple[nx.MultiDiGraph, int]:
    """The subgraph a page shows after the filters, and how many nodes --max-nodes left out; UnknownName when a
    class or sector names nothing in the graph."""
    keep = set(graph)
    if classes:
        known = {k.casefold(): k for n in graph for k in graph.nodes[n]["kinds"].split()}
        if unknown := [c for c in classes if c.strip().casefold() not in known]:
            raise UnknownName("--classes", unknown, sorted(known.values()))
        wanted = {c.strip().casefold() for c in classes}
        keep = {n for n in keep if wanted & set(graph.nodes[n]["kinds"].casefold().split())}
    if sectors:
        sector_nodes = {n: d for n, d in graph.nodes(data=True) if d["cls"] == "Sector"}
        if unknown := [v for v in sectors if not any(_matches(v, n, d) for n, d in sector_nodes.items())]:
            raise UnknownName("--sectors", unknown, sorted(local(n) for n in sector_nodes))
        chosen = {n for n, d in sector_nodes.items() if any(_matches(v, n, d) for v in sectors)}
        about = node_sectors(graph)
        keep = {n for n in keep if chosen & set(about[n])}
    sub = graph.subgraph(keep)
    if min_degree:
        keep = {n for n in keep if sub.degree(n) >= min_degree}
    rank = rank or pagerank(graph)
    order = sorted(keep, key=lambda n: (-rank[n], n))
    kept = set(order[:max_nodes]) if max_nodes >= 0 else keep
    if len(kept) == len(graph):
        return graph, 0
    return graph.subgraph(sorted(kept)).copy(), len(keep) - len(kept)


# ---------------------------------------------------------------- layout


Adjacency = dict[str, set[str]]


def adjacency(graph: nx.Graph) -> Adjacency:
    """Undirected neighbours of every node, without self-loops (cheaper than an nx.Graph copy)."""
    adj: Adjacency = {n: set() for n in graph}
    for u, v in graph.edges():
        if u != v:
            adj[u].add(v)
            adj[v].add(u)
    return adj


def layout(graph: nx.Graph, rank: dict[str, float], adj: Adjacency | None = None) -> dict[str, tuple[float, float]]:
    """Deterministic positions in pixels: each component laid out on its own, then packed in rows."""
    adj = adjacency(graph) if adj is None else adj
    components = sorted(
        (sorted(c, key=lambda n: (-rank.get(n, 0.0), n)) for c in _components(adj)),
        key=lambda c: (-len(c), c[0]),
    )
    budget = CORE_SIZE
    drawings = []
    for members in components:
        core = members[:budget] if len(members) >= SPRING_MIN else []
        budget -= len(core)
        drawings.append(_component(adj, members, core, rank))
    return _pack(drawings)


def _components(adj: Adjacency) -> list[set[str]]:
    """Connected components, by breadth-first search."""
    seen: set[str] = set()
    found = []
    for start in sorted(adj):
        if start in seen:
            continue
        members, queue = {start}, deque([start])
        while queue:
            for near in adj[queue.popleft()] - members:
                members.add(near)
                queue.append(near)
        seen |= members
        found.append(members)
    return found


def _component(adj: Adjacency, members: list[str], core: list[str], rank: dict[str, float]) -> dict:
    """One component: spring layout of its core (its most central nodes), the rest fanned out around it."""
    if core:
        inner = nx.Graph()
        inner.add_nodes_from(sorted(core))
        chosen = set(core)
        inner.add_edges_from(sorted((u, v) for u in core for v in adj[u] & chosen if u < v))
        scale = SPACING * 1.5 * math.sqrt(len(core))
        spring = nx.spring_layout(inner, seed=7, iterations=60, scale=scale)
        pos = {n: (float(xy[0]), float(xy[1])) for n, xy in spring.items()}
        _fan_out(adj, pos, core, rank)
    else:
        pos = {members[0]: (0.0, 0.0)}
        _fan_out(adj, pos, members[:1], rank)
    return pos


GOLDEN = math.pi * (3 - math.sqrt(5))


def _fan_out(adj: Adjacency, pos: dict, roots: list[str], rank: dict[str, float]) -> None:
    """Place unplaced nodes breadth-first around their first placed neighbour, on a sunflower spiral."""
    queue = deque(roots)
    children: Counter[str] = Counter()
    while queue:
        parent = queue.popleft()
        px, py = pos[parent]
        outward = math.atan2(py, px) if (px, py) != (0.0, 0.0) else 0.0
        for child in sorted(adj[parent], key=lambda n: (-rank.get(n, 0.0), n)):
            if child in pos:
                continue
            k = children[parent]
            children[parent] += 1
            angle, radius = outward + k * GOLDEN, SPACING * math.sqrt(k + 1)
            pos[child] = (px + radius * math.cos(angle), py + radius * math.sin(angle))
            queue.append(child)


def _pack(drawings: list[dict]) -> dict[str, tuple[float, float]]:
    """Shelf-pack component drawings (largest first) left to right in rows about as wide as they are tall."""
    boxes = []
    for pos in drawings:
        xs, ys = [x for x, _ in pos.values()], [y for _, y in pos.values()]
        # a lone node still needs room for its label beside the next one
        width = max(max(xs) - min(xs) + SPACING, SPACING * 2.2)
        boxes.append((min(xs), min(ys), width, max(ys) - min(ys) + SPACING))
    area = sum(w * h for _, _, w, h in boxes)
    width = max([math.sqrt(area) * 1.2, *(w for _, _, w, _ in boxes[:1])], default=0.0)
    placed: dict[str, tuple[float, float]] = {}
    x = y = row = 0.0
    for pos, (left, top, w, h) in zip(drawings, boxes, strict=True):
        if x > 0 and x + w > width:
            x, y, row = 0.0, y + row, 0.0
        for node, (nx_, ny) in pos.items():
            placed[node] = (round(x + nx_ - left, 1), round(y + ny - top, 1))
        x, row = x + w, max(row, h)
    return placed


def louvain(graph: nx.Graph) -> dict[str, int]:
    """Louvain community per node (fixed seed), numbered from the largest community."""
    simple = nx.Graph()
    simple.add_nodes_from(sorted(graph))
    simple.add_edges_from(sorted((u, v) for u, v in graph.edges() if u != v))
    found = nx.community.louvain_communities(simple, seed=42)
    ordered = sorted(found, key=lambda c: (-len(c), min(c)))
    return {node: i for i, members in enumerate(ordered) for node in members}


# ---------------------------------------------------------------- the page


def _style(cls: str) -> tuple[str, str]:
    """Colour and shape of a class; unknown classes get a stable colour from their name."""
    if cls in STYLE:
        return STYLE[cls]
    return PALETTE[int(hashlib.sha1(cls.encode()).hexdigest(), 16) % len(PALETTE)], "dot"


def page_data(
    graph: nx.MultiDiGraph, rank: dict[str, float], *, lang: str, omitted: int, total: int,
    community: dict[str, int] | None = None,
) -> dict:
    """Everything the page needs, as JSON-ready lists (integer ids, sorted, no floats beyond 0.1 px)."""
    ids = {node: i for i, node in enumerate(sorted(graph))}
    pos = layout(graph, rank, adjacency(graph))
    top = max(rank.get(n, 0.0) for n in graph) if len(graph) else 1.0
    about = node_sectors(graph)
    degree = Counter(u for u, _ in graph.edges()) + Counter(v for _, v in graph.edges())
    nodes = []
    for node in sorted(graph):
        data = graph.nodes[node]
        item = {
            "id": ids[node], "label": data["label"], "ru": data["label_ru"], "en": data["label_en"],
            "cls": data["cls"], "clsLabel": data["cls_label"], "iri": short_id(node),
            "wd": data["wikidata"], "gn": data["geonames"], "m": data["mentions"], "d": data["documents"],
            "deg": degree[node], "x": pos[node][0], "y": pos[node][1],
            "size": round(6 + 24 * math.sqrt(rank.get(node, 0.0) / top), 1) if top else 10,
            "sec": [ids[s] for s in about[node]],
        }
        if item["size"] > 12:  # central nodes keep readable labels when the whole graph is in view
            item["fs"] = round(10 + 0.4 * item["size"])
        if community is not None:
            item["com"] = community[node]
            item["color"] = PALETTE[community[node] % len(PALETTE)]
        nodes.append(item)
    edges = []
    for i, (u, v, data) in enumerate(sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2]["predicate"]))):
        edges.append({
            "id": i, "from": ids[u], "to": ids[v], "label": data["label"], "pred": data["predicate"],
            "ev": [{"k": k, "t": t, "s": s} for k, t, s in data["evidence"]],
        })
    counts = Counter(graph.nodes[n]["cls"] for n in graph)
    class_labels = {graph.nodes[n]["cls"]: graph.nodes[n]["cls_label"] for n in graph}
    classes = [
        {"name": cls, "label": class_labels[cls], "color": _style(cls)[0], "shape": _style(cls)[1], "count": k}
        for cls, k in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    sectors = sorted(
        ({"id": ids[n], "label": graph.nodes[n]["label"]} for n in graph if graph.nodes[n]["cls"] == "Sector"),
        key=lambda s: (s["label"].casefold(), s["id"]),
    )
    return {
        "lang": lang, "ui": UI[lang], "nodes": nodes, "edges": edges, "classes": classes, "sectors": sectors,
        "communities": community is not None,
        "stats": {"nodes": len(nodes), "edges": len(edges), "omitted": omitted, "total": total},
    }


def vis_options(classes: list[dict], count: int) -> dict:
    """vis-network options: physics off (positions are precomputed), straight edges, groups by class."""
    large = count > 1500
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 0},
        "interaction": {
            "hover": not large, "tooltipDelay": 200, "hideEdgesOnDrag": large, "hideEdgesOnZoom": large,
            "navigationButtons": False, "keyboard": False, "multiselect": False,
        },
        "nodes": {
            "borderWidth": 1, "font": {"size": 14, "face": "sans-serif", "strokeWidth": 3},
            "scaling": {"label": {"drawThreshold": 7}},
        },
        "edges": {
            "smooth": False, "width": 1, "selectionWidth": 2,
            # arrow heads cost 40% of a redraw; on a large graph the side panel tells the direction
            "arrows": {"to": {"enabled": not large, "scaleFactor": 0.5}},
            "color": {"color": "#b4b4b4", "highlight": "#333333", "hover": "#666666"},
            "font": {"size": 10, "color": "#555555", "strokeWidth": 3, "align": "middle"},
        },
        "groups": {
            c["name"]: {"shape": c["shape"], "color": {"background": c["color"], "border": "#444444"}}
            for c in classes
        },
    }


def to_network(data: dict) -> Network:
    """A pyvis Network holding the nodes, edges and options (its own template and add_node are not used)."""
    net = Network(directed=True, cdn_resources="in_line", height="100%", width="100%")
    # add_node searches a list per call (quadratic); the lists are filled directly instead.
    net.nodes = data["nodes"]
    net.edges = data["edges"]
    net.node_ids = [n["id"] for n in data["nodes"]]
    net.options = vis_options(data["classes"], len(data["nodes"]))
    return net


def script_json(value: object) -> str:
    """JSON that is safe inside a <script> element: no '<', '>', '&' or line separators left raw."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _vis_assets() -> tuple[str, str]:
    """vis-network's script (with its licence comment) and style sheet, from the installed pyvis."""
    script = (VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8")
    style = (VIS_DIR / "vis-network.css").read_text(encoding="utf-8")
    for text in (script, style):
        if re.search(r"</(script|style)|<!--", text, re.IGNORECASE):
            raise ValueError("vis-network asset cannot be inlined safely")
    return script, style


def _with_csp(html: str) -> str:
    """Fill the Content-Security-Policy with the hashes of the page's own scripts, so no other runs."""
    scripts = re.findall(r"<script data-kg>(.*?)</script>", html, re.DOTALL)
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts
    )
    return html.replace(CSP_PLACEHOLDER, hashes, 1)


def render(net: Network, data: dict) -> str:
    """The whole page as one HTML string: our template, vis-network inlined, data as escaped JSON."""
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    payload = {**data, "nodes": nodes, "edges": edges, "options": json.loads(options)}
    script, style = _vis_assets()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    html = env.get_template("graph.html").render(
        lang=data["lang"], ui=data["ui"], stats=data["stats"], csp_hashes=CSP_PLACEHOLDER,
        vis_js=Markup(script), vis_css=Markup(style), data_json=Markup(script_json(payload)),
    )
    return _with_csp(html)


def graph_page(
    graph: nx.MultiDiGraph, *, lang: str = "ru", max_nodes: int = 2000, classes: Sequence[str] = (),
    sectors: Sequence[str] = (), min_degree: int = 0, communities: bool = False,
) -> tuple[str, VizStats]:
    """The page for a projection after the filters, and what it shows."""
    rank = pagerank(graph)
    shown, omitted = select(
        graph, max_nodes=max_nodes, classes=classes, sectors=sectors, min_degree=min_degree, rank=rank,
    )
    community = louvain(shown) if communities else None
    data = page_data(shown, rank, lang=lang, omitted=omitted, total=len(shown) + omitted, community=community)
    html = render(to_network(data), data)
    return html, VizStats(nodes=shown.number_of_nodes(), edges=shown.number_of_edges(), omitted=omitted)


def write_files(db: Store, out: Path, kept: Kept | None = None) -> None:
    """Write graph.html, graph.graphml, graph.gexf, nodes.csv and edges.csv of the store's projection into `out`
    (the evidence read as `kept` says, see `project`)."""
    write_projection(project(db, kept=kept), out)


def write_files_from(store_path: Path, out: Path, kept: Kept | None = None) -> None:
    """`write_files` in a process of its own, from a read-only view of the store at `store_path`. The view is closed
    before the files are written, and the heap trimmed: at 100k documents RocksDB held 117 MB for it, and the
    queries left 61 MB freed."""
    graph = project(Store.read_only(str(store_path)), kept=kept)
    malloc.trim()
    write_projection(graph, out)


def write_projection(graph: nx.MultiDiGraph, out: Path) -> None:
    """Write graph.html and the tables of a projection into `out`."""
    write_atomic(out / "graph.html", graph_page(graph)[0])
    write_tables(graph, out)


def write_html(
    db: Store,
    path: Path,
    *,
    lang: str = "ru",
    max_nodes: int = 2000,
    classes: Sequence[str] = (),
    sectors: Sequence[str] = (),
    min_degree: int = 0,
    documents: bool = False,
    communities: bool = False,
) -> VizStats:
    """Write the interactive, offline graph page of the store to `path`; return what it shows."""
    if lang not in UI:
        raise ValueError(f"lang must be one of {sorted(UI)}, not {lang!r}")
    graph = project(db, lang=lang, documents=documents)
    html, stats = graph_page(
        graph, lang=lang, max_nodes=max_nodes, classes=classes, sectors=sectors, min_degree=min_degree,
        communities=communities,
    )
    write_atomic(path, html)
    return stats


# ---------------------------------------------------------------- tables for Gephi and spreadsheets

NODE_COLUMNS = ("id", "label", "label_ru", "label_en", "cls", "wikidata", "geonames", "mentions", "documents",
                "degree", "pagerank")
EDGE_COLUMNS = ("source", "target", "predicate", "label", "evidence_count", "evidence")


def _table_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with sorted nodes and edges and only scalar attributes, as GraphML and GEXF require."""
    rank = pagerank(graph)
    out = nx.MultiDiGraph()
    for node in sorted(graph):
        data = graph.nodes[node]
        out.add_node(node, **{c: data[c] for c in NODE_COLUMNS[1:9]},
                     degree=graph.degree(node), pagerank=round(rank[node], 8))
    for u, v, key, data in sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3]):
        out.add_edge(u, v, key=key, predicate=data["predicate"], label=data["label"],
                     evidence_count=len(data["evidence"]),
                     evidence=json.dumps([list(e) for e in data["evidence"]], ensure_ascii=False))
    return out


def write_csv(path: Path, rows: Iterable[Sequence[object]], header: Sequence[str]) -> None:
    """Write CSV with a header row and Unix line ends to `path`, atomically, a row at a time."""
    with atomic_writer(path) as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        text.detach()  # flushed, and the file left to the atomic writer to close


def write_gexf(graph: nx.MultiDiGraph, handle: BinaryIO, chunk: int = 1000) -> None:
    """GEXF as networkx writes it, without its last-modified date (so reruns are byte-identical), `chunk` nodes or
    edges at a time: networkx builds the whole document as elements first, which at 100k documents took 240 MB.

    networkx's own writer makes each chunk's elements and declares the attributes; the document around them is
    networkx's too, with the nodes and edges spliced in where it leaves them empty."""
    writer = GEXFWriter(encoding="utf-8", prettyprint=True)
    writer.xml.find("meta").attrib.pop("lastmodifieddate", None)
    writer.all_edge_ids = {str(d["id"]) for _, _, d in graph.edges(data=True) if d.get("id") is not None}
    mode = "dynamic" if graph.graph.get("mode") == "dynamic" else "static"
    kind = "directed" if graph.is_directed() else "undirected"
    writer.graph_element = ET.Element("graph", defaultedgetype=kind, mode=mode, name=graph.graph.get("name", ""))
    with tempfile.TemporaryFile() as nodes, tempfile.TemporaryFile() as edges:
        for part in batches(graph, chunk):
            _write_elements(writer, writer.add_nodes, _node_chunk(graph, part), nodes)
        for part in batches(graph.edges(keys=True), chunk):
            _write_elements(writer, writer.add_edges, _edge_chunk(graph, part), edges)
        writer.graph_element.extend([ET.Element("nodes"), ET.Element("edges")])
        writer.xml.append(writer.graph_element)
        writer.indent(writer.xml)
        frame = io.BytesIO()
        ET.ElementTree(writer.xml).write(frame, encoding="utf-8", xml_declaration=True)
        head, rest = frame.getvalue().split(b"<nodes />")
        middle, tail = rest.split(b"<edges />")
        handle.write(head)
        _splice(handle, b"nodes", nodes)
        handle.write(middle)
        _splice(handle, b"edges", edges)
        handle.write(tail)


def _node_chunk(graph: nx.MultiDiGraph, nodes: list[str]) -> nx.MultiDiGraph:
    """The given nodes, in their order, in a graph of their own (a subgraph view iterates them in set order)."""
    part = nx.MultiDiGraph(**graph.graph)
    part.add_nodes_from((node, graph.nodes[node]) for node in nodes)
    return part


def _edge_chunk(graph: nx.MultiDiGraph, edges: list[tuple[str, str, object]]) -> nx.MultiDiGraph:
    """The given edges, in their order, in a graph of their own with their ends' attributes."""
    part = nx.MultiDiGraph(**graph.graph)
    part.add_nodes_from((u, graph.nodes[u]) for u, _, _ in edges)  # sources first: edges iterate by source
    part.add_nodes_from((v, graph.nodes[v]) for _, v, _ in edges if v not in part)
    part.add_edges_from((u, v, k, graph.edges[u, v, k]) for u, v, k in edges)
    return part


def _write_elements(
    writer: GEXFWriter, add: Callable[[nx.MultiDiGraph, ET.Element], None], part: nx.MultiDiGraph, out: BinaryIO
) -> None:
    """What `add` makes of `part`, each element on its own indented line, appended to `out`: serialised together,
    inside the element `add` holds them in (cut off), since one `tostring` per element took two thirds of the time
    (100k documents: 64k elements, GEXF 4.4 s)."""
    holder = ET.Element("graph")
    add(part, holder)
    elements = holder[0]
    elements.text = "\n      "
    for element in elements:
        writer.indent(element, 3)
        element.tail = "\n      "
    elements[-1].tail = None
    body = ET.tostring(elements, encoding="utf-8", xml_declaration=False)
    out.write(body[body.index(b">") + 1 : body.rindex(b"</")])


def _splice(handle: BinaryIO, tag: bytes, elements: BinaryIO) -> None:
    """`<tag>`, the elements written to the file `elements`, and `</tag>` as networkx indents them, or `<tag />`."""
    if not elements.tell():
        handle.write(b"<%s />" % tag)
        return
    elements.seek(0)
    handle.write(b"<%s>" % tag)
    shutil.copyfileobj(elements, handle)
    handle.write(b"\n    </%s>" % tag)


def write_tables(graph: nx.MultiDiGraph, out: Path) -> None:
    """Write graph.graphml, graph.gexf, nodes.csv and edges.csv of a projection into `out`, atomically."""
    table = _table_graph(graph)
    with atomic_writer(out / "graph.graphml") as handle:
        nx.write_graphml(table, handle, encoding="utf-8", prettyprint=True)
    with atomic_writer(out / "graph.gexf") as handle:
        write_gexf(table, handle)
    write_csv(out / "nodes.csv", ([n, *(table.nodes[n][c] for c in NODE_COLUMNS[1:])] for n in table), NODE_COLUMNS)
    write_csv(out / "edges.csv", ([u, v, *(d[c] for c in EDGE_COLUMNS[2:])] for u, v, d in table.edges(data=True)),
              EDGE_COLUMNS)
