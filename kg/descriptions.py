"""The entity descriptions articles share (the entities graph): which of them no article names any more."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain

from pyoxigraph import DefaultGraph, NamedNode, Store

from kg.rdf import TYPE
from kg.vocab import ENTITIES_GRAPH, ONTOLOGY_GRAPH, doc_iri


class Unnamed:
    """What the article graphs a build drops named (their entities, not their own text records), gathered before
    each drop: only those can have lost their last article. Past `limit` graphs it gives up (`iris` None), since
    reading that many graphs costs more than checking every description (`worth_reading`)."""

    def __init__(self, limit: int | None = None) -> None:
        self.iris: set[NamedNode] | None = set()
        self.left = limit  # None: counted at the first drop, so that a build that drops nothing reads nothing

    def gather(self, store: Store, graphs: Sequence[str]) -> None:
        """Add what `graphs` name, before they are dropped."""
        if self.iris is None or not graphs:
            return
        if self.left is None:
            self.left = worth_reading(store)
        self.left -= len(graphs)
        if self.left < 0:
            self.iris = None
            return
        own = doc_iri("")
        for graph in graphs:
            for quad in store.quads_for_pattern(None, None, None, NamedNode(graph)):
                # A class is no description (and a type's object lies in every article).
                named = (quad.subject,) if quad.predicate == TYPE else (quad.subject, quad.object)
                self.iris.update(t for t in named if isinstance(t, NamedNode) and not t.value.startswith(own))


def worth_reading(store: Store) -> int:
    """How many dropped graphs are worth reading for what they named: one costs about what checking 70
    descriptions does (~9 ms against ~0.14 ms: a 1k-document store's articles and its 2,789 descriptions)."""
    described = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ENTITIES_GRAPH}> {{ ?s a ?class }} }}"
    return int(next(iter(store.query(described)))[0].value) // 70


def drop_unreferenced(store: Store, candidates: set[NamedNode] | None = None) -> int:
    """Remove from the entities graph the descriptions no article refers to any more (after a document changed
    or was pruned), keeping what the referenced ones link to (a city's country, a post's organisation). With
    `candidates` (`Unnamed.iris`), only those, and what only they linked to, are checked: the rest were reached
    before the articles that named them were dropped (100k documents: ~6 s for every description)."""
    entities = NamedNode(ENTITIES_GRAPH)
    if candidates is None:
        reached = _reached(store)
        stale = [q for q in store.quads_for_pattern(None, None, None, entities) if q.subject not in reached]
    else:
        gone = _unreached(store, candidates)
        stale = [q for entity in gone for q in store.quads_for_pattern(entity, None, None, entities)]
    for quad in stale:
        store.remove(quad)
    return len(stale)


def _reached(store: Store) -> set[NamedNode]:
    """Every description an article names, and what those link to in the entities graph, transitively."""
    entities = NamedNode(ENTITIES_GRAPH)
    described = {quad.subject for quad in store.quads_for_pattern(None, TYPE, None, entities)}
    # An entity at a time, each lookup ending at its first article: one query joining every entity to every quad
    # that names it took 14 s at 100k documents (Kazakhstan alone is named ~100k times).
    reached = {entity for entity in described if _named_by_an_article(store, entity)}
    frontier = list(reached)
    while frontier:
        for quad in store.quads_for_pattern(frontier.pop(), None, None, entities):
            if isinstance(quad.object, NamedNode) and quad.object not in reached and quad.predicate != TYPE:
                reached.add(quad.object)
                frontier.append(quad.object)
    return reached


def _unreached(store: Store, candidates: Iterable[NamedNode]) -> set[NamedNode]:
    """Of `candidates` and what they link to in the entities graph, those no article reaches: named by none, and
    linked to by no description an article reaches (each found by walking up the links until an article names one)."""
    entities = NamedNode(ENTITIES_GRAPH)
    reached: set[NamedNode] = set()
    unreached: set[NamedNode] = set()
    todo = list(candidates)
    while todo:
        entity = todo.pop()
        if entity in reached or entity in unreached:
            continue
        seen, up, named = {entity}, [entity], False
        while up and not named:
            node = up.pop()
            named = node in reached or _named_by_an_article(store, node)
            for quad in () if named else store.quads_for_pattern(None, None, node, entities):
                if quad.predicate != TYPE and isinstance(quad.subject, NamedNode) and quad.subject not in seen:
                    seen.add(quad.subject)
                    up.append(quad.subject)
        if named:
            reached.add(entity)
            continue
        unreached |= seen  # nothing above any of them is named: all go, and what only they linked to may go too
        for node in seen:
            todo.extend(
                q.object for q in store.quads_for_pattern(node, None, None, entities)
                if isinstance(q.object, NamedNode) and q.predicate != TYPE
            )
    return unreached


def _named_by_an_article(store: Store, entity: NamedNode) -> bool:
    """Whether a graph other than the entities and ontology graphs has `entity` as a subject or an object."""
    shared = (NamedNode(ENTITIES_GRAPH), NamedNode(ONTOLOGY_GRAPH), DefaultGraph())
    quads = chain(store.quads_for_pattern(None, None, entity), store.quads_for_pattern(entity, None, None))
    return any(quad.graph_name not in shared for quad in quads)
