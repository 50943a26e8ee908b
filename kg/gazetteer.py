"""The gazetteer at run time: known entities from `ontology/gazetteer.ttl`, matched in any case form.

Each entry carries `kg:matchKey` literals, precomputed by `kg.gazetteer_build` so that loading needs no
morphological analyser. A key reads `FLAGS|TOKEN|TOKEN...`: each TOKEN is either `=TEXT` (an abbreviation,
matched case-sensitively on the text) or the space-separated lemma candidates of one name token, one of which
must be among a text token's `lemmas`. FLAGS: `L` may start lower-case (currencies), `W` the name is also an
ordinary word (not matched sentence-initially unless tagged PROPN), `P` it is also a person's name (not matched
next to another name).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.morph import fold
from kg.types import (
    CITY,
    COUNTRY,
    CURRENCY,
    INITIATIVE,
    INTERNATIONAL_ORG,
    MEDIA,
    ORGANIZATION,
    PERSON,
    PLACE,
    REGION,
    Token,
)
from kg.vocab import KG

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "ontology" / "gazetteer.ttl"

MATCH_KEY = str(KG.matchKey)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
LEXICAL = frozenset({str(KG.matchName), MATCH_KEY, str(KG.demonym)})

# Most specific first: an entry typed Place and DryPort is a Place; MediaOutlet before Organization.
CLASS_ORDER = (
    COUNTRY, CITY, REGION, PLACE, MEDIA, INTERNATIONAL_ORG, ORGANIZATION, PERSON, CURRENCY, INITIATIVE,
)
QUOTES = frozenset('"«»„“”')
QUOTE_KEY = '"'
# Tokens after which the next word is capitalised whatever it is.
OPENERS = frozenset('«"„“([—–-:.!?…')


@dataclass(frozen=True, slots=True)
class Entry:
    """One known entity."""

    iri: str
    cls: str  # local name of its most specific main class, one of kg.types.ENTITY_CLASSES
    label_ru: str
    label_en: str
    same_as: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """Tokens [start, stop) of a sequence name an entry."""

    start: int
    stop: int
    entry: Entry


@dataclass(frozen=True, slots=True)
class Pattern:
    """One match name: per token an exact text (str) or a set of lemma keys."""

    tokens: tuple[str | frozenset[str], ...]
    flags: str
    entry: Entry
    rank: int  # lower wins when two names of one length match the same tokens

    @classmethod
    def parse(cls, key: str, entry: Entry, rank: int) -> Pattern:
        """A pattern from its `kg:matchKey` text."""
        flags, *tokens = key.split("|")
        if not tokens:
            raise ValueError(f"match key without tokens: {key!r}")
        parsed = tuple(t[1:] if t.startswith("=") else frozenset(t.split(" ")) for t in tokens)
        return cls(parsed, flags, entry, rank)

    def first_keys(self) -> Iterable[str]:
        """The index keys of the first token."""
        first = self.tokens[0]
        return ("=" + first,) if isinstance(first, str) else first


class Gazetteer:
    """Known entities, their facts, and a matcher for their names in token sequences."""

    def __init__(self, entries: dict[str, Entry], patterns: Iterable[Pattern],
                 names: dict[str, Entry], demonyms: dict[str, Entry],
                 facts: dict[str, list[ox.Triple]]) -> None:
        self.entries = entries
        self._index: dict[str, list[Pattern]] = defaultdict(list)
        for pattern in patterns:
            for key in pattern.first_keys():
                self._index[key].append(pattern)
        for found in self._index.values():
            found.sort(key=lambda p: (-len(p.tokens), p.rank, p.entry.iri))
        self._names = names
        self._demonyms = demonyms
        self._facts = facts

    def match(self, tokens: Sequence[Token]) -> list[Match]:
        """Known names in a token sequence: leftmost, then longest, non-overlapping."""
        found = []
        i = 0
        while i < len(tokens):
            pattern = self._longest(tokens, i)
            if pattern is None:
                i += 1
                continue
            found.append(Match(i, i + len(pattern.tokens), pattern.entry))
            i += len(pattern.tokens)
        return found

    def demonym(self, token: Token) -> Entry | None:
        """The country an adjective such as «казахстанского» refers to."""
        return next((self._demonyms[k] for k in token.lemmas if k in self._demonyms), None)

    def lookup(self, name: str) -> Entry | None:
        """The entry with this nominative name or label, in any letter case."""
        return self._names.get(name_key(name))

    def facts(self, iri: str) -> list[ox.Triple]:
        """The triples to publish about an entry (no match names or keys), sorted."""
        return list(self._facts.get(iri, ()))

    def _longest(self, tokens: Sequence[Token], i: int) -> Pattern | None:
        """The best pattern that matches at token i: candidates are sorted longest, then by rank."""
        candidates: dict[int, Pattern] = {}
        for key in _keys(tokens[i]):
            for pattern in self._index.get(key, ()):
                candidates.setdefault(id(pattern), pattern)
        ordered = sorted(candidates.values(), key=lambda p: (-len(p.tokens), p.rank, p.entry.iri))
        return next((p for p in ordered if _fits(p, tokens, i)), None)


def _keys(token: Token) -> tuple[str, ...]:
    """The index keys of a text token: its lemmas, its exact text, a quote mark's common key."""
    exact = "=" + token.text.replace("ё", "е").replace("Ё", "Е")
    if token.text in QUOTES:
        return (*token.lemmas, exact, QUOTE_KEY)
    return (*token.lemmas, exact)


def _token_fits(part: str | frozenset[str], token: Token) -> bool:
    """True when one text token matches one name token."""
    if isinstance(part, str):
        return token.text.replace("ё", "е").replace("Ё", "Е") == part
    if token.text in QUOTES:
        return QUOTE_KEY in part
    return any(lemma in part for lemma in token.lemmas)


def _fits(pattern: Pattern, tokens: Sequence[Token], i: int) -> bool:
    """True when the pattern matches tokens from i on and its flags allow it there."""
    stop = i + len(pattern.tokens)
    if stop > len(tokens):
        return False
    if not all(_token_fits(part, tokens[i + k]) for k, part in enumerate(pattern.tokens)):
        return False
    first = tokens[i]
    if "L" not in pattern.flags and not first.text[:1].isupper():
        return False
    if "W" in pattern.flags and _sentence_initial(tokens, i) and first.pos != "PROPN":
        return False
    return not ("P" in pattern.flags and _next_to_name(tokens, i, stop))


def _sentence_initial(tokens: Sequence[Token], i: int) -> bool:
    """True where any word would be capitalised: first in the sequence, after an opening mark."""
    return i == 0 or tokens[i - 1].text in OPENERS


def _looks_like_name(token: Token) -> bool:
    """A proper-name token by its tag, or by its capital when untagged."""
    if token.pos:
        return token.pos == "PROPN"
    return token.text[:1].isupper() and token.text.isalpha()


def _next_to_name(tokens: Sequence[Token], start: int, stop: int) -> bool:
    """True when a name stands right before or after tokens [start, stop), as in «Владимир Зеленский»."""
    before = start > 0 and not _sentence_initial(tokens, start - 1) and _looks_like_name(tokens[start - 1])
    return before or (stop < len(tokens) and _looks_like_name(tokens[stop]))


def name_key(name: str) -> str:
    """The lookup key of a name: folded, quotes unified, single spaces."""
    folded = "".join(QUOTE_KEY if c in QUOTES else c for c in fold(name))
    return " ".join(folded.split())


def _main_class(types: Iterable[str]) -> str:
    """The most specific main class among an entry's rdf:types."""
    local = {t.rsplit("#", 1)[-1] for t in types}
    return next((c for c in CLASS_ORDER if c in local), PLACE)


def _labels(values: list[ox.Literal], language: str) -> list[str]:
    """The values of literals in one language, sorted."""
    return sorted(v.value for v in values if v.language == language)


class _Subject:
    """The triples of one subject while loading, split by predicate."""

    __slots__ = ("by_predicate", "triples")

    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []
        self.by_predicate: dict[str, list] = defaultdict(list)


def _group(triples: Iterable[ox.Triple]) -> dict[str, _Subject]:
    """Triples grouped by subject IRI."""
    subjects: dict[str, _Subject] = defaultdict(_Subject)
    for triple in triples:
        subject = subjects[triple.subject.value]
        subject.by_predicate[triple.predicate.value].append(triple.object)
        if triple.predicate.value not in LEXICAL:
            subject.triples.append(triple)
    return subjects


def _entry(iri: str, subject: _Subject) -> Entry:
    """The Entry record of one subject."""
    labels = subject.by_predicate[RDFS_LABEL]
    ru, en = _labels(labels, "ru"), _labels(labels, "en")
    same_as = tuple(sorted(o.value for o in subject.by_predicate[OWL_SAME_AS]))
    cls = _main_class(o.value for o in subject.by_predicate[RDF_TYPE])
    return Entry(iri, cls, ru[0] if ru else "", en[0] if en else "", same_as)


def _name_table(subjects: dict[str, _Subject], entries: dict[str, Entry]) -> dict[str, Entry]:
    """Lookup keys to entries: match names beat Russian labels, then alternative and English labels."""
    tiers = ((str(KG.matchName), None), (RDFS_LABEL, "ru"), (SKOS_ALT, None), (RDFS_LABEL, "en"))
    names: dict[str, Entry] = {}
    for predicate, language in tiers:
        tier: dict[str, list[Entry]] = defaultdict(list)
        for iri, subject in subjects.items():
            for value in subject.by_predicate.get(predicate, ()):
                if language is None or value.language == language:
                    tier[name_key(value.value)].append(entries[iri])
        for key, found in tier.items():
            if key not in names:
                names[key] = min(found, key=lambda e: (CLASS_ORDER.index(e.cls), e.iri))
    return names


def load(path: Path = DEFAULT_PATH) -> Gazetteer:
    """Parse the gazetteer file (Turtle) into a ready matcher."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: gazetteer not found; run `python -m kg.gazetteer_build`")
    subjects = _group(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    entries = {iri: _entry(iri, s) for iri, s in subjects.items() if s.by_predicate.get(RDF_TYPE)}
    patterns = [
        Pattern.parse(key.value, entries[iri], CLASS_ORDER.index(entries[iri].cls))
        for iri, s in subjects.items() if iri in entries
        for key in s.by_predicate.get(MATCH_KEY, ())
    ]
    demonyms = {
        fold(value.value): entries[iri]
        for iri, s in sorted(subjects.items()) if iri in entries
        for value in s.by_predicate.get(str(KG.demonym), ())
    }
    facts = {iri: sorted(subjects[iri].triples, key=str) for iri in entries}
    return Gazetteer(entries, patterns, _name_table(subjects, entries), demonyms, facts)
