"""Coreference inside one document: a surname alone refers to the full name met nearest before it."""

from __future__ import annotations

from dataclasses import replace

from kg.morph import fold
from kg.types import PERSON, Mention


def resolve_surnames(mentions: list[Mention]) -> list[Mention]:
    """Give each one-word person mention the key of the full-name person it abbreviates."""
    full = [m for m in mentions if m.cls == PERSON and len(m.normal.split()) > 1]
    resolved = []
    for mention in mentions:
        target = _full_name_for(mention, full) if mention.cls == PERSON and " " not in mention.normal else None
        resolved.append(mention if target is None else replace(mention, key=target.key, iri=target.iri))
    return resolved


def _full_name_for(mention: Mention, full: list[Mention]) -> Mention | None:
    """The nearest preceding full-name mention sharing this word, else the first following one."""
    word = fold(mention.normal)
    candidates = [m for m in full if word in {fold(part) for part in m.normal.split()}]
    before = [m for m in candidates if m.start < mention.start]
    if before:
        return before[-1]
    return candidates[0] if candidates else None
