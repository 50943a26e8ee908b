"""Appositions before a name: «президента Китая Си Цзиньпина», «казахстанский блогер Расул Рысмамбетов».

They give a person's post (a Position in an organisation or country), occupation and nationality.
"""

from __future__ import annotations

from dataclasses import dataclass

from natasha import MorphVocab
from slugify import slugify

from kg.extract.roles import POSITIONS, english, head, match_role, russian
from kg.extract.spans import MentionIndex
from kg.gazetteer import Gazetteer
from kg.morph import genitive
from kg.types import (
    COUNTRY,
    PERSON,
    AnnotatedDocument,
    Entity,
    Evidence,
    Mention,
    Node,
    Relation,
    Sentence,
    Token,
)
from kg.vocab import entity_iri

WINDOW = 6  # tokens between a role noun and the name it describes
ORG_CLASSES = {"Organization", "MediaOutlet", "InternationalOrganization", "Country", "City", "Region"}
SKIP_POS = {"ADJ", "NOUN", "PROPN", "ADP", "CCONJ", "DET", "NUM"}
SMALL = {"of", "and", "the"}
# «председатель КНР» is China's head of state: the same post as «президент Китая».
HEAD_OF_STATE = {("председатель", "Country"): "президент"}


@dataclass(frozen=True, slots=True)
class Apposition:
    """A role phrase describing a person, with the organisation or country it is in."""

    person: str  # IRI
    role: str  # role key in kg.extract.roles
    org: Mention | None
    nationality: str  # country IRI from a demonym, or ''
    nationality_span: tuple[int, int]
    start: int  # character span of the whole apposition, name included
    stop: int
    sentence: int
    role_span: tuple[int, int]
    person_span: tuple[int, int]


def find_appositions(
    adoc: AnnotatedDocument, mentions: list[Mention], gazetteer: Gazetteer
) -> list[Apposition]:
    """Every role phrase standing right before a person's name, or set off by a comma or dash after it
    («Нурлан Ахметов, директор порта Актау,»)."""
    index = MentionIndex(adoc.sentences, mentions)
    found = []
    for s, sentence in enumerate(adoc.sentences):
        for first, stop, mention in index.in_sentence(s):
            if mention.cls == PERSON and mention.origin != "coref":
                appo = _before(sentence, s, first, mention, index, gazetteer) or _after(
                    sentence, s, first, stop, mention, index
                )
                if appo is not None:
                    found.append(appo)
    return found


def _after(
    sentence: Sentence, s: int, first: int, stop: int, person: Mention, index: MentionIndex
) -> Apposition | None:
    """«Имя, роль [организации]» / «Имя — роль [организации]»: the role agrees with the name in case."""
    tokens = sentence.tokens
    if stop + 1 >= len(tokens) or tokens[stop].text not in {",", "—", "–", "("}:
        return None
    for start in range(stop + 1, min(len(tokens), stop + 3)):
        token = tokens[start]
        role = match_role(tokens, start)
        if role is not None:
            break
        if token.pos != "ADJ":
            return None
    else:
        return None
    if not _agrees(token, tokens[first]):
        return None
    role_stop, key = role
    org = None
    for j in range(role_stop, min(len(tokens), role_stop + WINDOW)):
        span = index.starting_at(s, j)
        if span is not None and span[2].cls in ORG_CLASSES and span[2].origin != "demonym":
            org, role_stop = span[2], span[1]
            break
        if tokens[j].pos not in SKIP_POS - {"CCONJ"}:
            break
    return Apposition(
        person=person.iri,
        role=key,
        org=org,
        nationality="",
        nationality_span=(0, 0),
        start=person.start,
        stop=tokens[role_stop - 1].stop,
        sentence=s,
        role_span=(token.start, tokens[role_stop - 1].stop),
        person_span=(person.start, person.stop),
    )


def _before(
    sentence: Sentence, s: int, first: int, person: Mention, index: MentionIndex, gazetteer: Gazetteer
) -> Apposition | None:
    """The apposition ending right before the token `first`, if there is one."""
    tokens = sentence.tokens
    org = None
    end = first
    left = index.ending_at(s, first)
    if left is not None and left[2].cls in ORG_CLASSES and left[2].origin != "demonym":
        org = left[2]
        end = left[0]
    for start in range(end - 1, max(-1, end - 1 - WINDOW), -1):
        token = tokens[start]
        if token.pos not in SKIP_POS:
            return None
        role = match_role(tokens, start)
        if role is None or not _agrees(token, tokens[first]):
            continue
        role_stop, key = role
        if role_stop < end and not all(t.pos in SKIP_POS for t in tokens[role_stop:end]):
            return None
        nationality, begin = _demonym_before(tokens, start, gazetteer)
        return Apposition(
            person=person.iri,
            role=key,
            org=org,
            nationality=nationality,
            nationality_span=(tokens[begin].start, tokens[begin].stop) if nationality else (0, 0),
            start=tokens[begin].start,
            stop=person.stop,
            sentence=s,
            role_span=(token.start, tokens[(end if org else role_stop) - 1].stop),
            person_span=(person.start, person.stop),
        )
    return None


def _agrees(role: Token, name: Token) -> bool:
    """An apposition agrees with its name in case («президентом … Януковичем»); a plural or a genitive inside
    an organisation's name («член Палаты представителей … Гиффордс») describes someone else."""
    case = name.feat("Case")
    return role.feat("Number") != "Plur" and (not case or role.feat("Case") == case)


def _demonym_before(tokens, start: int, gazetteer: Gazetteer) -> tuple[str, int]:
    """A country adjective among the two words before a role noun («известный казахстанский блогер»)."""
    for i in range(start - 1, max(-1, start - 3), -1):
        if tokens[i].pos != "ADJ":
            break
        entry = gazetteer.demonym(tokens[i])
        if entry is not None and entry.cls == COUNTRY:
            return entry.iri, i
    return "", start


def apposition_facts(
    appositions: list[Apposition], entities: dict[str, Entity], vocab: MorphVocab
) -> tuple[list[Relation], list[Node]]:
    """Relations (post, occupation, nationality, workplace) and the Position/Occupation nodes they need."""
    relations: list[Relation] = []
    nodes: dict[str, Node] = {}
    for appo in appositions:
        ev = Evidence(appo.sentence, appo.start, appo.stop, "apposition", 0.9, args=(appo.person_span, appo.role_span))
        org = entities.get(appo.org.iri) if appo.org is not None else None
        role = HEAD_OF_STATE.get((appo.role, org.cls), appo.role) if org is not None else appo.role
        if role == "член" and org is not None:
            member_ev = Evidence(appo.sentence, appo.start, appo.stop, "apposition", 0.85,
                                 args=(appo.person_span, (appo.org.start, appo.org.stop)))
            relations.append(Relation(appo.person, "memberOf", org.iri, member_ev))
            continue
        occupation = _occupation_node(role)
        nodes[occupation.iri] = occupation
        if role in POSITIONS and org is not None:
            position = _position_node(role, org, occupation.iri, vocab)
            nodes[position.iri] = position
            relations.append(Relation(appo.person, "holdsPosition", position.iri, ev))
            # The whole apposition is the head: corpora put a workplace on the name or on the post's words.
            org_ev = Evidence(appo.sentence, appo.start, appo.stop, "apposition", 0.85,
                              args=((appo.start, appo.stop), (appo.org.start, appo.org.stop)))
            relations.append(Relation(appo.person, "worksFor", org.iri, org_ev))
        else:
            relations.append(Relation(appo.person, "occupation", occupation.iri, ev))
        if appo.nationality:
            nat_ev = Evidence(appo.sentence, appo.start, appo.stop, "demonym-apposition", 0.85,
                              args=(appo.person_span, appo.nationality_span))
            relations.append(Relation(appo.person, "nationality", appo.nationality, nat_ev))
    return relations, sorted(nodes.values(), key=lambda node: node.iri)


def roles_by_person(appositions: list[Apposition]) -> dict[str, set[str]]:
    """The role head nouns each person was described with, for coreference."""
    roles: dict[str, set[str]] = {}
    for appo in appositions:
        roles.setdefault(appo.person, set()).add(head(appo.role))
    return roles


def _occupation_node(role: str) -> Node:
    return Node(entity_iri("occupation", slugify(english(role))), "Occupation", russian(role), english(role))


def _position_node(role: str, org: Entity, occupation: str, vocab: MorphVocab) -> Node:
    """A post in an organisation or country: «президент Китая», President of China. The label is built from the
    organisation's label, not from the text, so one post has one name wherever it is read."""
    iri = entity_iri("position", slugify(f"{english(role)} {org.label_en or slugify(org.label_ru)}"))
    title = " ".join(w if w in SMALL else w.capitalize() for w in english(role).split())
    label_en = f"{title} of {org.label_en}" if org.label_en else ""
    return Node(
        iri=iri,
        cls="Position",
        label_ru=f"{russian(role)} {genitive(org.label_ru, vocab)}",
        label_en=label_en,
        facts=(Relation(iri, "role", occupation), Relation(iri, "positionIn", org.iri)),
    )
