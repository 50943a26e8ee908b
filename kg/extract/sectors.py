"""Sector tagging: which economic sectors a stretch of text discusses, by the cue lemmas in sectors.ttl."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, RdfFormat, parse

from kg.types import Evidence, Relation, Sentence, Token
from kg.vocab import KG, span_iri

SECTORS_TTL = Path(__file__).resolve().parents[2] / "ontology" / "sectors.ttl"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"


@dataclass(frozen=True, slots=True)
class SectorHit:
    """A sector and the cue words that evoked it, with their character offsets."""

    sector: str  # IRI of a skos:Concept in ontology/sectors.ttl
    cues: tuple[tuple[int, int, str], ...]  # (start, stop, text as written)


class SectorTagger:
    """Matches cue lemma sequences against tokens; build once from sectors.ttl and pass in."""

    def __init__(self, cues: dict[str, list[tuple[str, ...]]], labels: dict[str, dict[str, str]]) -> None:
        self.labels = labels
        self.index: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for sector, sequences in cues.items():
            for sequence in sequences:
                self.index[sequence[0]].append((sequence, sector))
        for entries in self.index.values():
            entries.sort(key=lambda e: (-len(e[0]), e))

    def tag(self, tokens: Sequence[Token]) -> list[SectorHit]:
        """Every sector whose cues occur in the tokens, sorted by sector IRI."""
        found: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for i, token in enumerate(tokens):
            for lemma in dict.fromkeys(token.lemmas):
                for sequence, sector in self.index.get(lemma, ()):
                    stop = i + len(sequence)
                    if stop <= len(tokens) and all(
                        sequence[k] in tokens[i + k].lemmas for k in range(1, len(sequence))
                    ):
                        cue = (token.start, tokens[stop - 1].stop, "")
                        if cue not in found[sector]:
                            found[sector].append(cue)
        text = _text_of(tokens)
        return [
            SectorHit(sector, tuple((a, b, text(a, b)) for a, b, _ in sorted(cues)))
            for sector, cues in sorted(found.items())
        ]


def _text_of(tokens: Sequence[Token]):
    """A function giving the text between two offsets, rebuilt from the tokens (enough for cue words)."""

    def text(start: int, stop: int) -> str:
        parts, last = [], None
        for token in tokens:
            if token.start >= start and token.stop <= stop:
                if last is not None and token.start > last:
                    parts.append(" ")
                parts.append(token.text)
                last = token.stop
        return "".join(parts)

    return text


def load_sectors(path: Path = SECTORS_TTL) -> SectorTagger:
    """The tagger for the sector scheme in `path`."""
    cues: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for triple in parse(path=str(path), format=RdfFormat.TURTLE):
        if not isinstance(triple.object, Literal):
            continue
        subject = triple.subject.value
        if triple.predicate.value == str(KG.cue):
            cues[subject].append(tuple(triple.object.value.split()))
        elif triple.predicate.value == SKOS_PREF and triple.object.language:
            labels[subject][triple.object.language] = triple.object.value
    return SectorTagger(dict(cues), dict(labels))


def sector_relations(subject: str, sentence: int, hits: list[SectorHit]) -> list[Relation]:
    """`subject kg:aboutSector sector` for each hit, with the cue words as evidence."""
    relations = []
    for hit in hits:
        confidence = min(0.5 + 0.15 * len(hit.cues), 0.95)
        evidence = Evidence(
            sentence, hit.cues[0][0], hit.cues[-1][1], "sector-cue", confidence,
            cues=tuple(dict.fromkeys(text for _, _, text in hit.cues)),
        )
        relations.append(Relation(subject, "aboutSector", hit.sector, evidence))
    return relations


def sentence_sectors(sentences: Sequence[Sentence], doc_id: str, tagger: SectorTagger) -> list[Relation]:
    """Sector tags of every sentence of a document."""
    relations = []
    for index, sentence in enumerate(sentences):
        hits = tagger.tag(sentence.tokens)
        if hits:
            relations.extend(sector_relations(span_iri(doc_id, sentence.start, sentence.stop), index, hits))
    return relations
