"""Coreference inside one document: surnames and role nouns refer back to a person named in full."""

from __future__ import annotations

from dataclasses import replace

from kg.extract.appositions import ORG_CLASSES
from kg.extract.roles import COMMENTATORS, ROLES, is_noun
from kg.morph import fold
from kg.types import PERSON, Mention, Sentence


def resolve_surnames(mentions: list[Mention]) -> list[Mention]:
    """Give each one-word person mention the key of the full-name person it abbreviates."""
    full = [m for m in mentions if m.cls == PERSON and len(m.normal.split()) > 1]
    resolved = []
    for mention in mentions:
        target = _full_name_for(mention, full) if mention.cls == PERSON and " " not in mention.normal else None
        resolved.append(mention if target is None else replace(mention, key=target.key, iri=target.iri))
    return resolved


def same_name(a: str, b: str) -> bool:
    """Two folded name forms that differ at most by a two-letter inflected ending (Саткалиев / Саткалиева,
    Абдуллаевой / Абдуллаева)."""
    if a == b:
        return True
    common = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return common >= 4 and common >= max(len(a), len(b)) - 2


def _full_name_for(mention: Mention, full: list[Mention]) -> Mention | None:
    """The nearest preceding full-name mention sharing this word, else the first following one."""
    word = fold(mention.normal)
    candidates = [m for m in full if any(same_name(word, fold(part)) for part in m.normal.split())]
    before = [m for m in candidates if m.start < mention.start]
    if before:
        return before[-1]
    return candidates[0] if candidates else None


def resolve_role_nouns(
    sentences: tuple[Sentence, ...],
    mentions: list[Mention],
    roles: dict[str, set[tuple[str, str]]],
    skip: list[tuple[int, int]],
) -> list[Mention]:
    """Mentions for role nouns («эксперт», «блогер», «министр») that refer back to a person of the document.

    `roles` gives the role head nouns each person was described with, each with its organisation's IRI or '';
    `skip` holds character spans (the appositions themselves) where a role noun describes a name rather than
    refers to one.
    """
    people = sorted((m for m in mentions if m.cls == PERSON), key=lambda m: m.start)
    taken = [(m.start, m.stop) for m in mentions] + skip
    orgs = {m.start: m.iri for m in mentions if m.cls in ORG_CLASSES and m.origin != "demonym" and m.iri}
    found = []
    for s, sentence in enumerate(sentences):
        for i, token in enumerate(sentence.tokens):
            noun = token.lemma
            if noun not in ROLES or not is_noun(sentence.tokens, i) or token.feat("Number") == "Plur":
                continue
            if any(a <= token.start < b for a, b in taken):
                continue
            # «Президент Узбекистана отметил»: the country or organisation after the noun says whose president.
            following = sentence.tokens[i + 1].start if i + 1 < len(sentence.tokens) else -1
            target = _antecedent(noun, orgs.get(following, ""), token.start, people, roles)
            if target is not None:
                found.append(
                    Mention(token.start, token.stop, token.text, PERSON, noun, target.key, target.iri, "coref", s)
                )
    return sorted([*mentions, *found], key=lambda m: (m.start, -m.stop, m.key))


def _antecedent(
    noun: str, org: str, at: int, people: list[Mention], roles: dict[str, set[tuple[str, str]]]
) -> Mention | None:
    """The nearest person before `at` the noun (of `org`, when given) fits, else the first after it (a title's
    «мнение эксперта»)."""

    def fits(person: Mention) -> bool:
        described = roles.get(person.iri, set())
        if org:
            return (noun, org) in described or (noun, "") in described
        nouns = {n for n, _ in described}
        return noun in nouns or (noun in COMMENTATORS and bool(nouns & COMMENTATORS))

    before = [p for p in people if p.start < at and fits(p)]
    if before:
        return before[-1]
    return next((p for p in people if p.start > at and fits(p)), None)
