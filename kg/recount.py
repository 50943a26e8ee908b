"""VoID's counts after a rebuild that changed a few documents, from the last build's counts and the quads the rebuild
took out of graph.nq and put in: each touched triple, subject, property and object looked up in the store, instead
of a pass over every triple and a sort of every object (at 40M triples ~1 s instead of ~60–130 s, bench/results.md,
stop 33)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Store, parse

from kg.extsort import Changes, Statistics, namespace
from kg.rdf import TYPE

LIMIT = 200_000  # at most this many changed quads for the counts to be looked up rather than counted anew


def after(store: Store, last: Statistics, changes: Changes) -> Statistics | None:
    """The counts of the store's union once `changes` were made to the quads `last` counted; None when they must
    be counted anew: too many changes, a blank node among them, or a property or class gone from a vocabulary no
    class left holds (it may have gone too)."""
    if changes.count > LIMIT:
        return None
    removed, added = list(_quads(changes.removed)), list(_quads(changes.added))
    if any(isinstance(term, BlankNode) for q in removed + added for term in (q.subject, q.object)):
        return None
    triples = _flips(store, removed, added, lambda q: (q.subject, q.predicate, q.object))
    subjects = _flips(store, removed, added, lambda q: (q.subject, None, None))
    properties = _flips(store, removed, added, lambda q: (None, q.predicate, None))
    objects = _flips(store, removed, added, lambda q: (None, None, q.object))
    classes = Counter(dict(last.classes))
    for (_, predicate, kind), (before, now) in triples.items():
        if predicate == TYPE and isinstance(kind, NamedNode):
            classes[kind.value] += now - before
    kept = {c for c, n in classes.items() if n > 0}
    gone = [p.value for (_, p, _), (before, now) in properties.items() if now < before] + list(classes.keys() - kept)
    if not {namespace(term) for term in gone} <= {namespace(c) for c in kept}:
        return None  # a vocabulary may be gone: whether another property holds it, only a count of all tells
    new_terms = [p.value for (_, p, _), (before, now) in properties.items() if now > before]
    new_terms += [c for c in kept if c not in dict(last.classes)]
    return replace(
        last,
        triples=last.triples + _change(triples),
        subjects=last.subjects + _change(subjects),
        properties=last.properties + _change(properties),
        objects=last.objects + _change(objects),
        classes=tuple(sorted((c, classes[c]) for c in kept)),
        vocabularies=tuple(sorted(set(last.vocabularies) | {namespace(term) for term in new_terms})),
    )


def _quads(path: Path) -> Iterator[Quad]:
    return parse(path=str(path), format=RdfFormat.N_QUADS)


def _flips(
    store: Store, removed: list[Quad], added: list[Quad], pattern: Callable[[Quad], tuple]
) -> dict[tuple, tuple[bool, bool]]:
    """For each pattern the changed quads match: whether the union held a match before the changes, and holds one
    now. Now is the store's; before, now less the matches added plus those removed."""
    gone, new = Counter(map(pattern, removed)), Counter(map(pattern, added))
    flips = {}
    for key in gone.keys() | new.keys():
        enough = max(new[key] - gone[key], 0) + 1  # to tell whether there were any before
        now = sum(1 for _ in islice(store.quads_for_pattern(*key), enough))
        flips[key] = (now - new[key] + gone[key] > 0, now > 0)
    return flips


def _change(flips: dict[tuple, tuple[bool, bool]]) -> int:
    """How many more are held now than before."""
    return sum(now - before for before, now in flips.values())
