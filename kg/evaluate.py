"""`kg eval`: precision, recall and F1 of our extraction and linking against annotated corpora."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from kg.annotate import annotate
from kg.pipeline import Context, extract, load_context
from kg.types import COARSE, DocResult, Document

WIKIDATA = "http://www.wikidata.org/entity/"
# Gold entity types per coarse type and per our class, for each corpus (see ../shared/eval/README.md).
COARSE_GOLD = {
    "nerel": {
        "PER": {"PERSON"},
        "LOC": {"COUNTRY", "CITY", "STATE_OR_PROVINCE", "LOCATION", "DISTRICT"},
        "ORG": {"ORGANIZATION"},
    },
    "factru": {"PER": {"Person"}, "LOC": {"Location", "LocOrg"}, "ORG": {"Org"}},
}
CLASS_GOLD = {
    "nerel": {
        "Person": {"PERSON"},
        "Country": {"COUNTRY"},
        "City": {"CITY"},
        "Region": {"STATE_OR_PROVINCE"},
        "Place": {"LOCATION", "DISTRICT"},
        "Organization": {"ORGANIZATION"},
    },
    "factru": {"Person": {"Person"}, "Organization": {"Org"}},
}
# Mentions a corpus does not annotate: role nouns resolved to a person («эксперт»: a PROFESSION in NEREL) in
# both, and country adjectives («российского») in factRuEval, whose guidelines annotate names only (NEREL tags
# them COUNTRY).
UNSCORED_ORIGINS = {"nerel": set(), "factru": {"demonym"}}
# Our organisation subclasses count as Organization when scoring by class.
CLASS_OF = {"MediaOutlet": "Organization", "InternationalOrganization": "Organization"}

Span = tuple[int, int]
# Our predicates as NEREL/factRuEval relation types; True when the gold head is our object (an event's participant).
RELATION_TYPES = {
    "occupation": ("WORKS_AS", False),
    "holdsPosition": ("WORKS_AS", False),
    "worksFor": ("WORKPLACE", False),
    "memberOf": ("MEMBER_OF", False),
    "locatedIn": ("LOCATED_IN", False),
    "headquarteredIn": ("HEADQUARTERED_IN", False),
    "participant": ("PARTICIPANT_IN", True),
    "location": ("TAKES_PLACE_IN", False),
    "nationality": ("ORIGINS_FROM", False),
}
SCORED_RELATIONS = {
    "nerel": ("WORKS_AS", "WORKPLACE", "MEMBER_OF", "LOCATED_IN", "HEADQUARTERED_IN", "PARTICIPANT_IN",
              "TAKES_PLACE_IN", "ORIGINS_FROM"),
    "factru": ("WORKS_AS", "WORKPLACE"),
}


def read_gold(path: Path, limit: int | None = None) -> Iterator[dict]:
    """Gold documents from a JSONL file in the ../shared/eval format."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if limit is not None and number >= limit:
                return
            if line.strip():
                yield json.loads(line)


def gold_spans(record: dict, types: set[str]) -> set[Span]:
    """Continuous gold entity spans of the given types (discontinuous ones are dropped)."""
    return {
        (e["start"], e["end"])
        for e in record["entities"]
        if e["type"] in types and not e.get("fragments") and e.get("layer") in (None, "object")
    }


def predicted(result: DocResult, kind: str, corpus: str) -> set[Span]:
    """Our spans of one coarse type (kind 'PER'/'LOC'/'ORG') or one class name, as the corpus annotates them."""
    scored = [
        m for m in result.mentions
        if m.origin not in UNSCORED_ORIGINS[corpus] and not (m.origin == "coref" and m.cls == "Person")
    ]
    if kind in COARSE.values():
        return {(m.start, m.stop) for m in scored if COARSE[m.cls] == kind}
    return {(m.start, m.stop) for m in scored if CLASS_OF.get(m.cls, m.cls) == kind}


class Tally:
    """True positives and totals for exact and overlapping span matches."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, pred: set[Span], gold: set[Span]) -> None:
        self.counts["pred"] += len(pred)
        self.counts["gold"] += len(gold)
        self.counts["tp"] += len(pred & gold)
        self.counts["tp_pred_overlap"] += sum(any(_overlap(p, g) for g in gold) for p in pred)
        self.counts["tp_gold_overlap"] += sum(any(_overlap(p, g) for p in pred) for g in gold)

    def scores(self) -> dict:
        c = self.counts
        exact = prf(c["tp"], c["pred"], c["tp"], c["gold"])
        overlap = prf(c["tp_pred_overlap"], c["pred"], c["tp_gold_overlap"], c["gold"])
        return {**exact, "overlap": overlap, "support": c["gold"], "predicted": c["pred"]}


def prf(tp_p: int, n_pred: int, tp_r: int, n_gold: int) -> dict:
    """Precision, recall and F1, rounded to three places."""
    p = tp_p / n_pred if n_pred else 0.0
    r = tp_r / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}


def _overlap(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def predicted_relations(result: DocResult) -> dict[tuple[str, str, str], list[tuple[Span, Span]]]:
    """Our relations as (gold type, subject, object) → the (head, tail) spans each was read from."""
    found: dict[tuple[str, str, str], list[tuple[Span, Span]]] = defaultdict(list)
    facts = [*result.relations, *(f for node in result.nodes for f in node.facts)]
    for relation in facts:
        if relation.predicate not in RELATION_TYPES or relation.evidence is None or relation.evidence.args is None:
            continue
        kind, reverse = RELATION_TYPES[relation.predicate]
        head, tail = relation.evidence.args
        found[(kind, relation.subject, relation.object)].append((tail, head) if reverse else (head, tail))
    return found


def gold_relations(record: dict, kinds: tuple[str, ...]) -> list[tuple[str, set[Span], set[Span]]]:
    """Gold relations as (type, head spans, tail spans): one span each in NEREL, a whole coreference cluster in
    factRuEval."""
    entities = record["entities"]

    def spans(indexes: list[int]) -> set[Span]:
        return {(entities[i]["start"], entities[i]["end"]) for i in indexes if not entities[i].get("fragments")}

    gold = []
    for relation in record["relations"]:
        if relation["type"] in kinds:
            heads = spans(relation.get("head_mentions") or [relation["head"]])
            tails = spans(relation.get("tail_mentions") or [relation["tail"]])
            if heads and tails:
                gold.append((relation["type"], heads, tails))
    return gold


class RelationTally:
    """Matched and total relations per type; a match needs the head and the tail spans to overlap."""

    def __init__(self, kinds: tuple[str, ...]) -> None:
        self.counts = {kind: defaultdict(int) for kind in kinds}

    def add(self, predicted: dict, gold: list[tuple[str, set[Span], set[Span]]], per_instance: bool) -> None:
        def matches(pair: tuple[Span, Span], item: tuple[str, set[Span], set[Span]]) -> bool:
            return any(_overlap(pair[0], h) for h in item[1]) and any(_overlap(pair[1], t) for t in item[2])

        for (kind, _, _), pairs in predicted.items():
            if kind not in self.counts:
                continue
            units = [[pair] for pair in pairs] if per_instance else [pairs]
            for unit in units:
                self.counts[kind]["pred"] += 1
                self.counts[kind]["tp_pred"] += any(matches(p, g) for p in unit for g in gold if g[0] == kind)
        for item in gold:
            self.counts[item[0]]["gold"] += 1
            self.counts[item[0]]["tp_gold"] += any(
                matches(p, item) for (kind, _, _), pairs in predicted.items() if kind == item[0] for p in pairs
            )

    def scores(self) -> dict:
        scores = {}
        for kind, c in self.counts.items():
            scores[kind] = {**prf(c["tp_pred"], c["pred"], c["tp_gold"], c["gold"]), "support": c["gold"],
                            "predicted": c["pred"]}
        return scores


def evaluate_file(path: Path, ctx: Context | None = None, limit: int | None = None) -> dict:
    """Scores of our pipeline and of natasha's NER alone on one gold file."""
    ctx = ctx or load_context()
    records = list(read_gold(path, limit))
    corpus = records[0]["dataset"] if records else "nerel"
    ours = {kind: Tally() for kind in [*COARSE_GOLD[corpus], *CLASS_GOLD[corpus]]}
    natasha = {kind: Tally() for kind in COARSE_GOLD[corpus]}
    relations = RelationTally(SCORED_RELATIONS[corpus])
    linking: dict[str, list[int]] = {}
    for record in records:
        adoc = annotate(Document(id=str(record["id"]), text=record["text"]), ctx.nlp)
        result = extract(adoc, ctx)
        for kind, tally in ours.items():
            types = COARSE_GOLD[corpus].get(kind) or CLASS_GOLD[corpus][kind]
            tally.add(predicted(result, kind, corpus), gold_spans(record, types))
        for kind, tally in natasha.items():
            spans = {(s.start, s.stop) for s in adoc.spans if s.type == kind}
            tally.add(spans, gold_spans(record, COARSE_GOLD[corpus][kind]))
        relations.add(predicted_relations(result), gold_relations(record, SCORED_RELATIONS[corpus]),
                      per_instance=corpus == "nerel")
        _linking(record, result, linking)
    return {
        "corpus": corpus,
        "documents": len(records),
        "entities": {kind: tally.scores() for kind, tally in ours.items()},
        "natasha": {kind: tally.scores() for kind, tally in natasha.items()},
        "relations": relations.scores(),
        "linking": linking_scores(linking),
    }


def _linking(record: dict, result: DocResult, tally: dict[str, list[int]]) -> None:
    """Count, per gold type, the gold mentions with a Wikidata id and those we link to that id."""
    same_as = {e.iri: set(e.same_as) for e in result.entities}
    ours = {(m.start, m.stop): same_as.get(m.iri, set()) for m in result.mentions}
    for link in record["links"]:
        if link.get("kb") != "Wikidata" or not link.get("id"):
            continue
        entity = record["entities"][link["entity"]]
        if entity.get("fragments"):
            continue
        counts = tally.setdefault(entity["type"], [0, 0])
        counts[0] += 1
        counts[1] += WIKIDATA + link["id"] in ours.get((entity["start"], entity["end"]), set())


def linking_scores(tally: dict[str, list[int]]) -> dict:
    """Linking accuracy overall and per gold type, largest types first."""
    total = sum(n for n, _ in tally.values())
    correct = sum(ok for _, ok in tally.values())
    by_type = {
        kind: {"accuracy": round(ok / n, 3), "n": n}
        for kind, (n, ok) in sorted(tally.items(), key=lambda item: (-item[1][0], item[0]))
    }
    return {"accuracy": round(correct / total, 3) if total else 0.0, "n": total, "by_type": by_type}


def render(scores: dict) -> str:
    """The scores as a plain-text table."""
    lines = [f"{scores['corpus']}: {scores['documents']} documents", ""]
    header = f"{'':14} {'P':>6} {'R':>6} {'F1':>6}   {'P~':>6} {'R~':>6} {'F1~':>6}  {'gold':>5}"
    lines += ["ours (exact; ~ = overlapping)", header]
    lines += [_row(kind, s) for kind, s in scores["entities"].items()]
    lines += ["", "natasha NER alone", header]
    lines += [_row(kind, s) for kind, s in scores["natasha"].items()]
    level = "; factRuEval: at cluster level" if scores["corpus"] == "factru" else ""
    lines += ["", f"relations (head and tail overlap{level})"]
    lines += [f"{'':18} {'P':>6} {'R':>6} {'F1':>6}  {'pred':>5} {'gold':>5}"]
    lines += [
        f"{kind:18} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f}  {s['predicted']:5d} {s['support']:5d}"
        for kind, s in scores["relations"].items()
    ]
    link = scores["linking"]
    lines += ["", f"linking accuracy (gold mentions with a Wikidata id): {link['accuracy']:.3f} of {link['n']}"]
    lines += [f"  {kind:18} {s['accuracy']:6.3f} of {s['n']}" for kind, s in list(link["by_type"].items())[:8]]
    return "\n".join(lines)


def _row(kind: str, s: dict) -> str:
    o = s["overlap"]
    return (
        f"{kind:14} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f}   "
        f"{o['precision']:6.3f} {o['recall']:6.3f} {o['f1']:6.3f}  {s['support']:5d}"
    )
