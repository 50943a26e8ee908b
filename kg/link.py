"""Linking: mentions grouped into entities with deterministic IRIs (gazetteer ids first, else class + name)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace

from kg.extract.coref import same_name
from kg.gazetteer import Gazetteer
from kg.morph import fold
from kg.types import Entity, Mention
from kg.vocab import entity_iri, slug


def link(mentions: list[Mention], gazetteer: Gazetteer) -> tuple[list[Mention], list[Entity]]:
    """Mentions with their entity IRI filled in, and one Entity per IRI, sorted."""
    groups: dict[str, list[Mention]] = defaultdict(list)
    for mention in mentions:
        groups[mention.key].append(mention)
    iri_of: dict[str, str] = {}
    entities: dict[str, Entity] = {}
    for key, group in groups.items():
        entity = _entity(group, gazetteer)
        iri_of[key] = entity.iri
        entities.setdefault(entity.iri, entity)
    linked = [replace(m, iri=iri_of[m.key]) for m in mentions]
    return linked, sorted(entities.values(), key=lambda e: e.iri)


def _entity(group: list[Mention], gazetteer: Gazetteer) -> Entity:
    """The entity a group of coreferent mentions names."""
    iri = next((m.iri for m in group if m.iri), "")
    entry = gazetteer.entries.get(iri) if iri else None
    if entry is not None:
        return Entity(entry.iri, entry.cls, entry.label_ru, entry.label_en, entry.same_as, True)
    label = _label(group)
    cls = group[0].cls
    # ё folded: «Мирзиёев» and «Мирзиеев» are one IRI
    return Entity(entity_iri(cls.lower(), slug(label.replace("ё", "е").replace("Ё", "Е")) or "x"), cls, label)


def _label(group: list[Mention]) -> str:
    """The fullest normal form (most words, then most frequent, then alphabetical), spelt as the text spells it
    (natasha drops ё: «Мирзиёев»), with the surname as a nominative mention writes it: natasha may normalise
    «Алмасадама Саткалиева» to a feminine surname, and a surname's nominative is its shortest form."""
    counts = Counter(m.normal for m in group)
    label = min(counts, key=lambda n: (-len(n.split()), -counts[n], n))
    spelt = {fold(w): w for m in sorted(group, key=lambda m: m.start) for w in m.text.split() if "ё" in w.lower()}
    words = [spelt.get(fold(w), w) for w in label.split()]
    if len(words) > 1:
        written = sorted(m.text for m in group if m.text == m.normal and " " not in m.text and m.origin != "coref")
        last = fold(words[-1])
        fitting = [w for w in written if same_name(fold(w), last) and len(w) < len(last)]
        if fitting:
            words[-1] = fitting[0]
    return " ".join(words)


def referenced_entities(iris: set[str], known: list[Entity], gazetteer: Gazetteer) -> list[Entity]:
    """Gazetteer entities that facts point to without a mention (a nationality from «казахстанский»)."""
    have = {e.iri for e in known}
    extra = [gazetteer.entries[i] for i in sorted(iris - have) if i in gazetteer.entries]
    added = [Entity(e.iri, e.cls, e.label_ru, e.label_en, e.same_as, True) for e in extra]
    return sorted([*known, *added], key=lambda e: e.iri)
