"""Appositions before a name: «президента Китая Си Цзиньпина», «казахстанский блогер Расул Рысмамбетов»; after it
(«Нурлан Ахметов, директор порта Актау»); over a list («президенты Казахстана и Китая …»); and the same said with
a verb («возглавляет «Металлоинвест»», «является членом партии «Аманат»»).

They give a person's post (a Position in an organisation or country), occupation, membership and nationality.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from natasha import MorphVocab

from kg.extract.roles import OCCUPATIONS, POSITIONS, english, head, match_role, russian
from kg.extract.spans import CLOSING_QUOTES, OPENING_QUOTES, MentionIndex, TokenSpan
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
from kg.vocab import entity_iri, slug

WINDOW = 6  # tokens between a role noun and the name it describes
ORG_CLASSES = {"Organization", "MediaOutlet", "InternationalOrganization", "Country", "City", "Region"}
SKIP_POS = {"ADJ", "NOUN", "PROPN", "ADP", "CCONJ", "DET", "NUM"}
SMALL = {"of", "and", "the"}
# «председатель КНР» is China's head of state: the same post as «президент Китая».
HEAD_OF_STATE = {("председатель", "Country"): "президент"}
HEAD_VERBS = {"возглавлять", "возглавить"}
HEADED = {"Organization", "MediaOutlet", "InternationalOrganization"}
CITIZENS = {"гражданин", "гражданка", "подданный", "подданная", "уроженец", "уроженка"}
# Posts a country adjective places in that country («казахстанский президент», «британский премьер»), where it
# says only where someone is from for the rest («казахстанский эксперт»).
STATE_POSTS = {
    "президент", "вице-президент", "премьер-министр", "премьер", "вице-премьер", "первый вице-премьер", "министр",
    "министр иностранный дело", "глава мид", "министр энергетика", "министр финансы", "министр экономика",
    "министр торговля", "министр транспорт", "заместитель министр", "замминистра", "госсекретарь",
    "государственный секретарь", "посол", "канцлер", "король", "королева", "император", "императрица", "монарх",
    "принц", "принцесса", "кронпринц", "султан", "эмир", "лидер",
}


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
    rule: str = "apposition"


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
                # Both sides: «Экономист Динара Абдуллаева, директор центра «Евразийский пульс»,».
                before = _before(sentence, s, first, mention, index, gazetteer)
                after = _after(sentence, s, first, stop, mention, index)
                found += [appo for appo in (before, after) if appo is not None]
        found += _listed(sentence, s, index, gazetteer) + _heads(sentence, s, index) + _members(sentence, s, index)
    return found


def _members(sentence: Sentence, s: int, index: MentionIndex) -> list[Apposition]:
    """A person or country said to be a member of an organisation («Ли Пэн был превосходным членом Коммунистической
    партии Китая», «Иван Петров является членом партии «Аманат»», «Казахстан является членом ЕАЭС»)."""
    tokens = sentence.tokens
    found = []
    for i, noun in enumerate(tokens):
        if noun.lemma != "член" or noun.pos != "NOUN" or noun.feat("Number") == "Plur":
            continue
        k = i + 1  # «членом [совета директоров] [«]Казахтелекома»»
        while k < min(len(tokens), i + 4) and tokens[k].pos in {"NOUN", "ADJ"} and index.starting_at(s, k) is None:
            k += 1
        after = index.starting_at(s, k + (k < len(tokens) and tokens[k].text in OPENING_QUOTES))
        j = i - 1
        while j >= 0 and tokens[j].pos == "ADJ":
            j -= 1
        if after is None or after[2].cls not in HEADED or j < 1 or not _is_copula(tokens[j]):
            continue
        before = index.ending_at(s, j)
        if before is None or before[2].cls not in {PERSON, COUNTRY} or before[2].origin in {"coref", "demonym"}:
            continue
        person, org = before[2], after[2]
        found.append(Apposition(person.iri, "член", org, "", (0, 0), person.start, org.stop, s,
                                (noun.start, noun.stop), (person.start, person.stop), "member-of-organisation"))
    return found


def _is_copula(token: Token) -> bool:
    """«был», «является», «стал» or a dash: what says the words after it are what the name before it is."""
    return token.lemma in {"быть", "являться", "стать"} or token.text in {"—", "–"}


def _heads(sentence: Sentence, s: int, index: MentionIndex) -> list[Apposition]:
    """A person said to head an organisation, with the verb between them either way round («Андрей Варичев
    возглавляет «Металлоинвест»», «Компанию «Казахтелеком» возглавил Ерлан Садыков»): its head."""
    tokens = sentence.tokens
    found = []
    for i, verb in enumerate(tokens):
        if verb.lemma not in HEAD_VERBS or verb.pos != "VERB":
            continue
        before = index.ending_at(s, i - (i > 1 and tokens[i - 1].text in CLOSING_QUOTES))
        after = index.starting_at(s, i + 1 + (i + 1 < len(tokens) and tokens[i + 1].text in OPENING_QUOTES))
        if before is None or after is None:
            continue
        person, org = (before[2], after[2]) if before[2].cls == PERSON else (after[2], before[2])
        if person.cls != PERSON or org.cls not in HEADED or {person.origin, org.origin} & {"coref", "demonym"}:
            continue
        start, stop = min(person.start, org.start), max(person.stop, org.stop)
        found.append(Apposition(person.iri, "глава", org, "", (0, 0), start, stop, s, (verb.start, verb.stop),
                                (person.start, person.stop), "heads-organisation"))
    return found


def _listed(sentence: Sentence, s: int, index: MentionIndex, gazetteer: Gazetteer) -> list[Apposition]:
    """A plural role before a list of names, each given the role («музыканты Юрий Царёв, Алексей Борисов и Павел
    Шевелёв»), and each its own organisation or country when as many are listed («президенты Казахстана и Китая
    Касым-Жомарт Токаев и Си Цзиньпин»)."""
    tokens = sentence.tokens
    found = []
    role = None
    for i in range(len(tokens)):
        # A role that starts a token earlier is the longer phrase («генеральные директора»): this one is inside it.
        inside, role = role is not None, match_role(tokens, i)
        if role is None or inside or not _plural(tokens[role[0] - 1]):
            continue
        role_stop, key = role
        orgs, j = _coordinated(tokens, s, role_stop, index, ORG_CLASSES)
        people, end = _coordinated(tokens, s, j, index, {PERSON})
        if len(people) < 2 or len(orgs) not in (0, 1, len(people)):
            continue
        noun = tokens[role_stop - 1]
        if noun.pos == "NOUN" and noun.feat("Case") != tokens[j].feat("Case"):
            continue
        nationality, begin = _demonym_before(tokens, i, gazetteer)
        for n, person in enumerate(people):
            org = orgs[n if len(orgs) > 1 else 0] if orgs else None
            role_span = (tokens[i].start, tokens[role_stop - 1].stop)
            found.append(_preceding(person, key, org, (tokens[begin], nationality), s, tokens[end - 1].stop, role_span))
    return found


def _plural(noun: Token) -> bool:
    """Whether a role noun is plural; the tagger takes a capitalised one opening a sentence for a singular name
    («Президенты Казахстана и Китая …»), so its ending says it then."""
    if noun.pos == "PROPN":
        return noun.text.lower() != noun.lemma and noun.text.lower().endswith(("ы", "и"))
    return noun.feat("Number") == "Plur"


def _coordinated(tokens: tuple[Token, ...], s: int, j: int, index: MentionIndex, classes: set[str]
                 ) -> tuple[list[Mention], int]:
    """The mentions of the given classes listed from token `j` («A, B и C»), and the token after the last."""

    def listed_at(k: int) -> Mention | None:
        span = index.starting_at(s, k) if k < len(tokens) else None
        return span[2] if span and span[2].cls in classes and span[2].origin not in {"demonym", "coref"} else None

    listed: list[Mention] = []
    while (mention := listed_at(j)) is not None:
        listed.append(mention)
        j = index.starting_at(s, j)[1]
        if j >= len(tokens) or tokens[j].text not in {",", "и"} or listed_at(j + 1) is None:
            break
        j += 1
    return listed, j


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
        if tokens[j].pos not in SKIP_POS - {"CCONJ"} and tokens[j].text not in OPENING_QUOTES:
            break
    after = next((k for k in range(role_stop, len(tokens)) if tokens[k].text not in CLOSING_QUOTES), len(tokens))
    following = index.starting_at(s, after)
    if following is not None and following[2].cls == PERSON and tokens[after].feat("Case") == token.feat("Case"):
        return None  # «Мирзиёев, премьер-министр Казахстана Олжас Бектенов»: the next name in a list has the post
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
    if not _names_org(left) and first > 1 and tokens[first - 1].text in CLOSING_QUOTES:
        # «глава компании «Казахстан темир жолы» Нурлан Сауранбаев»: the name in quotes, the marks outside it.
        left = index.ending_at(s, first - 1)
        if _names_org(left) and left[0] > 0 and tokens[left[0] - 1].text in OPENING_QUOTES:
            left = (left[0] - 1, first, left[2])
    if _names_org(left):
        org = left[2]
        end = left[0]
    for start in range(end - 1, max(-1, end - 1 - WINDOW), -1):
        token = tokens[start]
        if token.pos not in SKIP_POS:
            return None
        role = match_role(tokens, start)
        if role is None or not _agrees(token, tokens[first]):
            continue
        start, role = _widened(tokens, start, role)
        token = tokens[start]
        role_stop, key = role
        if role_stop < end and not all(t.pos in SKIP_POS for t in tokens[role_stop:end]):
            return None
        nationality, begin = _demonym_before(tokens, start, gazetteer)
        role_span = (token.start, tokens[(end if org else role_stop) - 1].stop)
        return _preceding(person, key, org, (tokens[begin], nationality), s, person.stop, role_span)
    return None


def _preceding(person: Mention, key: str, org: Mention | None, demonym: tuple[Token, str], sentence: int, stop: int,
               role_span: tuple[int, int]) -> Apposition:
    """An apposition before a name, from its first word (a country adjective when `demonym` names a country)."""
    first, nationality = demonym
    return Apposition(
        person=person.iri,
        role=key,
        org=org,
        nationality=nationality,
        nationality_span=(first.start, first.stop) if nationality else (0, 0),
        start=first.start,
        stop=stop,
        sentence=sentence,
        role_span=role_span,
        person_span=(person.start, person.stop),
    )


def nationalities(adoc: AnnotatedDocument, mentions: list[Mention], gazetteer: Gazetteer,
                  known: list[Relation]) -> list[Relation]:
    """`person kg:nationality country` from a country adjective before a noun for a person that is not one of our
    roles, right before the name («испанский дизайнер Роза Клара», «армянского полузащитника Генриха
    Мхитаряна»), or from a citizen of a country named before it («гражданин России Николай Глушков»)."""
    have = {(r.subject, r.object) for r in known if r.predicate == "nationality"}
    index = MentionIndex(adoc.sentences, mentions)
    relations = []
    for s, sentence in enumerate(adoc.sentences):
        tokens = sentence.tokens
        for first, _, person in index.in_sentence(s):
            if person.cls != PERSON or person.origin == "coref" or first < 2:
                continue
            found = _citizen_of(tokens, s, first, index) or _demonym_noun(tokens, first, gazetteer)
            if found is None or (person.iri, found[0]) in have:
                continue
            country, (start, stop), rule = found
            have.add((person.iri, country))
            ev = Evidence(s, min(start, tokens[first - 1].start), person.stop, rule, 0.8,
                          args=((person.start, person.stop), (start, stop)))
            relations.append(Relation(person.iri, "nationality", country, ev))
    return relations


Origin = tuple[str, tuple[int, int], str]  # a country's IRI, where the text names it, the rule that read it


def _demonym_noun(tokens: tuple[Token, ...], first: int, gazetteer: Gazetteer) -> Origin | None:
    """«испанский дизайнер» right before the name at token `first`: the country, the adjective's span, the rule."""
    noun = tokens[first - 1]
    if noun.pos != "NOUN" or noun.feat("Animacy") != "Anim" or not _agrees(noun, tokens[first]):
        return None
    country, begin = _demonym_before(tokens, first - 1, gazetteer)
    if not country or tokens[begin].feat("Case") != noun.feat("Case"):
        return None
    return country, (tokens[begin].start, tokens[begin].stop), "demonym-before-person-noun"


def _citizen_of(tokens: tuple[Token, ...], s: int, first: int, index: MentionIndex) -> Origin | None:
    """«гражданин России» right before the name at token `first`: the country, its span, the rule."""
    country = index.ending_at(s, first)
    if country is None or country[2].cls != COUNTRY or country[2].origin == "demonym" or country[0] < 1:
        return None
    at = country[0] - 1
    noun = tokens[at]
    # Opening a sentence the noun may be tagged a name or an adjective, with a guessed case: its case is then not
    # compared with the name's.
    if noun.lemma not in CITIZENS or (noun.pos == "NOUN" and not _agrees(noun, tokens[first])):
        return None
    return country[2].iri, (country[2].start, country[2].stop), "citizen-of-country"


def _names_org(span: TokenSpan | None) -> bool:
    return span is not None and span[2].cls in ORG_CLASSES and span[2].origin != "demonym"


def _widened(tokens: tuple[Token, ...], start: int, role: tuple[int, str]) -> tuple[int, tuple[int, str]]:
    """The role phrase grown leftwards over adjectives that belong to it («генеральный директор»)."""
    while start > 0 and tokens[start - 1].pos == "ADJ":
        longer = match_role(tokens, start - 1)
        if longer is None or longer[0] < role[0]:
            break
        start, role = start - 1, longer
    return start, role


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
    appositions: list[Apposition], entities: dict[str, Entity], vocab: MorphVocab, mentions: Sequence[Mention] = ()
) -> tuple[list[Relation], list[Node]]:
    """Relations (post, occupation, nationality, workplace) and the Position/Occupation nodes they need, with the
    occupations of role nouns among `mentions` that refer back to a person."""
    relations: list[Relation] = []
    nodes: dict[str, Node] = {}
    for appo in appositions:
        ev = Evidence(appo.sentence, appo.start, appo.stop, appo.rule, 0.9, args=(appo.person_span, appo.role_span))
        org = entities.get(appo.org.iri) if appo.org is not None else None
        org_span = (appo.org.start, appo.org.stop) if appo.org is not None else appo.nationality_span
        if org is None and appo.role in STATE_POSTS:  # «российский президент»: the President of Russia
            org = entities.get(appo.nationality)
        role = HEAD_OF_STATE.get((appo.role, org.cls), appo.role) if org is not None else appo.role
        if role == "член" and org is not None:
            member_ev = Evidence(appo.sentence, appo.start, appo.stop, appo.rule, 0.85,
                                 args=(appo.person_span, org_span))
            relations.append(Relation(appo.person, "memberOf", org.iri, member_ev))
            continue
        occupation = _occupation_node(role)
        nodes[occupation.iri] = occupation
        if role in POSITIONS and org is not None:
            position = _position_node(role, org, occupation.iri, vocab)
            nodes[position.iri] = position
            relations.append(Relation(appo.person, "holdsPosition", position.iri, ev))
            # The whole apposition is the head: corpora put a workplace on the name or on the post's words.
            org_ev = Evidence(appo.sentence, appo.start, appo.stop, appo.rule, 0.85,
                              args=((appo.start, appo.stop), org_span))
            relations.append(Relation(appo.person, "worksFor", org.iri, org_ev))
        else:
            relations.append(Relation(appo.person, "occupation", occupation.iri, ev))
        if appo.nationality:
            nat_ev = Evidence(appo.sentence, appo.start, appo.stop, "demonym-apposition", 0.85,
                              args=(appo.person_span, appo.nationality_span))
            relations.append(Relation(appo.person, "nationality", appo.nationality, nat_ev))
    return _role_noun_occupations(mentions, relations, sorted(nodes.values(), key=lambda node: node.iri))


def roles_by_person(appositions: list[Apposition]) -> dict[str, set[tuple[str, str]]]:
    """The role head nouns each person was described with, each with the IRI of its organisation or country
    (or ''), for coreference."""
    roles: dict[str, set[tuple[str, str]]] = {}
    for appo in appositions:
        org = appo.org.iri if appo.org is not None else ""
        described = roles.setdefault(appo.person, set())
        described.add((head(appo.role), org))
        if appo.org is not None and (appo.role, appo.org.cls) in HEAD_OF_STATE:
            described.add((HEAD_OF_STATE[appo.role, appo.org.cls], org))
    return roles


def _role_noun_occupations(
    mentions: Sequence[Mention], relations: list[Relation], nodes: list[Node]
) -> tuple[list[Relation], list[Node]]:
    """The relations and nodes with the occupations people are called by role nouns that refer back to them
    («блогер Расул Рысмамбетов … — пишет эксперт»: an expert too) added."""
    known = {(r.subject, r.object) for r in relations if r.predicate == "occupation"}
    names = [m for m in mentions if m.cls == PERSON and m.origin != "coref"]
    chosen: dict[tuple[str, str], tuple[Mention, Mention, bool]] = {}
    for mention in mentions:
        if mention.origin != "coref" or mention.cls != PERSON or mention.normal not in OCCUPATIONS:
            continue
        key = (mention.iri, _occupation_node(mention.normal).iri)
        before = [m for m in names if m.iri == mention.iri and m.stop <= mention.start]
        after = [m for m in names if m.iri == mention.iri and m.start >= mention.stop]
        if key in known or not (before or after) or (key in chosen and (chosen[key][2] or not before)):
            continue
        chosen[key] = (mention, before[-1] if before else after[0], bool(before))  # the first read after the name
    added = {node.iri: node for node in nodes}
    relations = list(relations)
    for (person, occupation), (noun, name, _) in sorted(chosen.items()):
        args = ((name.start, name.stop), (noun.start, noun.stop))
        ev = Evidence(noun.sentence, noun.start, noun.stop, "coref-role-noun", 0.7, args=args)
        relations.append(Relation(person, "occupation", occupation, ev))
        added.setdefault(occupation, _occupation_node(noun.normal))
    return relations, sorted(added.values(), key=lambda node: node.iri)


def _occupation_node(role: str) -> Node:
    return Node(entity_iri("occupation", slug(english(role))), "Occupation", russian(role), english(role))


def _position_node(role: str, org: Entity, occupation: str, vocab: MorphVocab) -> Node:
    """A post in an organisation or country: «президент Китая», President of China. The label is built from the
    organisation's label, not from the text, so one post has one name wherever it is read."""
    iri = entity_iri("position", slug(f"{english(role)} {org.label_en or slug(org.label_ru)}"))
    title = " ".join(w if w in SMALL else w.capitalize() for w in english(role).split())
    label_en = f"{title} of {org.label_en}" if org.label_en else ""
    return Node(
        iri=iri,
        cls="Position",
        label_ru=f"{russian(role)} {genitive(org.label_ru, vocab)}",
        label_en=label_en,
        facts=(Relation(iri, "role", occupation), Relation(iri, "positionIn", org.iri)),
    )
