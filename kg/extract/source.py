"""Who reported an article: «…, сообщает El.kz», «передает Kazinform», «по данным ТАСС»."""

from __future__ import annotations

from kg.extract.spans import MentionIndex
from kg.types import AnnotatedDocument, Evidence, Mention, Relation
from kg.vocab import doc_iri

REPORT_VERBS = {"сообщать", "сообщить", "передавать", "передать", "писать", "информировать"}
ORGANIZATIONS = {"Organization", "MediaOutlet"}


def reported_by(adoc: AnnotatedDocument, mentions: list[Mention]) -> list[Relation]:
    """`document kg:reportedBy organization` for each news outlet the text names as its source."""
    index = MentionIndex(adoc.sentences, mentions)
    subject = doc_iri(adoc.document.id)
    found: dict[str, Relation] = {}
    for s, sentence in enumerate(adoc.sentences):
        tokens = sentence.tokens
        for i, token in enumerate(tokens):
            if token.lemma in REPORT_VERBS or _by_data(tokens, i):
                span = index.starting_at(s, i + 1) or index.starting_at(s, i + 2)
                if span is None or span[2].cls not in ORGANIZATIONS:
                    continue
                org = span[2]
                ev = Evidence(s, token.start, org.stop, "reported-by", 0.85, args=((0, 0), (org.start, org.stop)))
                found.setdefault(org.iri, Relation(subject, "reportedBy", org.iri, ev))
    return [found[iri] for iri in sorted(found)]


def _by_data(tokens, i: int) -> bool:
    """«по данным X», «по информации X»."""
    return tokens[i].lemma == "по" and i + 1 < len(tokens) and tokens[i + 1].lemma in {"данные", "информация"}
