"""Role nouns: posts people hold (президент, министр …) and occupations (блогер, эксперт …), with English names."""

from __future__ import annotations

from collections.abc import Sequence

from kg.types import Token

# Posts: with an organisation or country after them they make a Position («президент Китая»).
POSITIONS = {
    "президент": "president",
    "вице-президент": "vice president",
    "председатель": "chairman",
    "заместитель председатель": "deputy chairman",
    "премьер-министр": "prime minister",
    "премьер": "prime minister",
    "вице-премьер": "deputy prime minister",
    "первый вице-премьер": "first deputy prime minister",
    "министр": "minister",
    "министр иностранный дело": "minister of foreign affairs",
    "глава мид": "minister of foreign affairs",
    "министр энергетика": "minister of energy",
    "министр финансы": "minister of finance",
    "министр экономика": "minister of economy",
    "министр торговля": "minister of trade",
    "министр транспорт": "minister of transport",
    "министр водный ресурс и ирригация": "minister of water resources and irrigation",
    "заместитель министр": "deputy minister",
    "замминистра": "deputy minister",
    "госсекретарь": "secretary of state",
    "государственный секретарь": "secretary of state",
    "генеральный секретарь": "secretary general",
    "генсек": "secretary general",
    "посол": "ambassador",
    "глава": "head",
    "руководитель": "head",
    "лидер": "leader",
    "канцлер": "chancellor",
    "король": "king",
    "император": "emperor",
    "губернатор": "governor",
    "аким": "akim",
    "мэр": "mayor",
    "спикер": "speaker",
    "депутат": "member of parliament",
    "сенатор": "senator",
    "директор": "director",
    "генеральный директор": "chief executive",
    "гендиректор": "chief executive",
    "исполнительный директор": "executive director",
    "председатель правление": "chairman of the board",
    "пресс-секретарь": "press secretary",
    "официальный представитель": "spokesperson",
    "представитель": "representative",
    "советник": "adviser",
    "помощник": "aide",
    "основатель": "founder",
    "сотрудник": "employee",
    "член": "member",
    "командующий": "commander",
    "прокурор": "prosecutor",
    "судья": "judge",
    "ректор": "rector",
    "декан": "dean",
    "главный редактор": "editor-in-chief",
    "монарх": "monarch",
    "королева": "queen",
    "принц": "prince",
    "принцесса": "princess",
    "кронпринц": "crown prince",
    "императрица": "empress",
    "султан": "sultan",
    "эмир": "emir",
    "генерал": "general",
    "генерал-майор": "major general",
    "генерал-лейтенант": "lieutenant general",
    "генерал-полковник": "colonel general",
    "адмирал": "admiral",
    "маршал": "marshal",
    "полковник": "colonel",
    "подполковник": "lieutenant colonel",
    "майор": "major",
    "капитан": "captain",
    "лейтенант": "lieutenant",
    "сержант": "sergeant",
    "патриарх": "patriarch",
    "митрополит": "metropolitan",
    "архиепископ": "archbishop",
    "епископ": "bishop",
    "кардинал": "cardinal",
    "папа римский": "pope",
    "понтифик": "pope",
    "муфтий": "mufti",
    "имам": "imam",
}
# Occupations: what a person is, with no organisation needed («блогер», «эксперт»).
OCCUPATIONS = {
    "блогер": "blogger",
    "эксперт": "expert",
    "аналитик": "analyst",
    "политолог": "political scientist",
    "экономист": "economist",
    "журналист": "journalist",
    "корреспондент": "correspondent",
    "обозреватель": "commentator",
    "историк": "historian",
    "социолог": "sociologist",
    "востоковед": "orientalist",
    "синолог": "sinologist",
    "китаевед": "sinologist",
    "профессор": "professor",
    "ученый": "scientist",
    "исследователь": "researcher",
    "специалист": "specialist",
    "гидролог": "hydrologist",
    "энергетик": "power engineer",
    "инженер": "engineer",
    "синоптик": "weather forecaster",
    "юрист": "lawyer",
    "адвокат": "lawyer",
    "врач": "doctor",
    "писатель": "writer",
    "поэт": "poet",
    "музыкант": "musician",
    "певец": "singer",
    "актер": "actor",
    "режиссер": "film director",
    "художник": "artist",
    "тренер": "coach",
    "спортсмен": "athlete",
    "футболист": "footballer",
    "шахматист": "chess player",
    "гроссмейстер": "grandmaster",
    "бизнесмен": "businessman",
    "предприниматель": "entrepreneur",
    "банкир": "banker",
    "фермер": "farmer",
    "садовод": "gardener",
    "дипломат": "diplomat",
    "политик": "politician",
    "активист": "activist",
    "волонтер": "volunteer",
    "студент": "student",
    "журналистка": "journalist",
    "писательница": "writer",
    "поэтесса": "poet",
    "певица": "singer",
    "актриса": "actor",
    "художница": "artist",
    "спортсменка": "athlete",
    "студентка": "student",
    "артист": "performer",
    "артистка": "performer",
    "пианист": "pianist",
    "пианистка": "pianist",
    "скрипач": "violinist",
    "дирижер": "conductor",
    "композитор": "composer",
    "рэпер": "rapper",
    "продюсер": "producer",
    "сценарист": "screenwriter",
    "телеведущий": "television presenter",
    "фотограф": "photographer",
    "дизайнер": "designer",
    "модельер": "fashion designer",
    "балерина": "ballet dancer",
    "танцовщик": "ballet dancer",
    "хореограф": "choreographer",
    "критик": "critic",
    "литературовед": "literary scholar",
    "филолог": "philologist",
    "лингвист": "linguist",
    "философ": "philosopher",
    "академик": "academician",
    "физик": "physicist",
    "химик": "chemist",
    "биолог": "biologist",
    "математик": "mathematician",
    "астроном": "astronomer",
    "археолог": "archaeologist",
    "вирусолог": "virologist",
    "эпидемиолог": "epidemiologist",
    "психолог": "psychologist",
    "хирург": "surgeon",
    "биограф": "biographer",
    "изобретатель": "inventor",
    "архитектор": "architect",
    "переводчик": "translator",
    "редактор": "editor",
    "публицист": "publicist",
    "учитель": "teacher",
    "преподаватель": "lecturer",
    "космонавт": "cosmonaut",
    "астронавт": "astronaut",
    "летчик": "pilot",
    "пилот": "pilot",
    "боксер": "boxer",
    "борец": "wrestler",
    "хоккеист": "ice hockey player",
    "теннисист": "tennis player",
    "теннисистка": "tennis player",
    "фигурист": "figure skater",
    "фигуристка": "figure skater",
    "лыжник": "skier",
    "биатлонист": "biathlete",
    "пловец": "swimmer",
    "гимнаст": "gymnast",
    "гимнастка": "gymnast",
    "гонщик": "racing driver",
    "легкоатлет": "track and field athlete",
    "баскетболист": "basketball player",
    "волейболист": "volleyball player",
    "вратарь": "goalkeeper",
    "полузащитник": "midfielder",
    "форвард": "forward",
    "чемпион": "champion",
    "олимпийский чемпион": "Olympic champion",
    "менеджер": "manager",
    "чиновник": "official",
    "миллиардер": "billionaire",
    "олигарх": "oligarch",
    "священник": "priest",
    "монах": "monk",
    "раввин": "rabbi",
    "солдат": "soldier",
    "военнослужащий": "serviceman",
    "офицер": "officer",
    "полицейский": "police officer",
    "следователь": "investigator",
    "правозащитник": "human rights activist",
    "оппозиционер": "opposition politician",
    "диссидент": "dissident",
    "эколог": "ecologist",
}
ROLES = {**POSITIONS, **OCCUPATIONS}
# Nouns a writer uses for a commentator; they corefer with any commentator occupation, never with an official post.
COMMENTATORS = {
    "блогер", "эксперт", "аналитик", "политолог", "экономист", "журналист", "обозреватель", "специалист",
    "востоковед", "синолог", "китаевед", "историк", "социолог", "исследователь", "ученый", "гидролог", "энергетик",
}
LONGEST = max(len(k.split()) for k in ROLES)
FIRST = {name: key for key, name in reversed(ROLES.items())}  # English name → the first role key with it


def match_role(tokens: Sequence[Token], start: int) -> tuple[int, str] | None:
    """The longest role phrase starting at token `start`: (stop, lemma key), or None."""
    noun = is_noun(tokens, start)
    if not noun and tokens[start].pos != "ADJ":
        return None
    for length in range(min(LONGEST, len(tokens) - start), 0 if noun else 1, -1):  # «генеральный секретарь»
        # The contextual lemmas only: other parses would find «энергетик» in «энергетики».
        key = " ".join(t.lemma for t in tokens[start : start + length])
        if key in ROLES:
            return start + length, key
    return None


def is_noun(tokens: Sequence[Token], i: int) -> bool:
    """Whether token `i` is a common noun; the tagger calls a capitalised one that opens a sentence or a quotation
    a proper noun («Эксперт подчеркивает», «Политолог Ерлан Касымов»)."""
    token = tokens[i]
    if token.pos == "NOUN":
        return True
    opens = i == 0 or tokens[i - 1].pos == "PUNCT"
    return token.pos == "PROPN" and opens and token.text[:1].isupper() and token.text[1:].islower()


def english(key: str) -> str:
    """The English name of a role key."""
    return ROLES[key]


def head(key: str) -> str:
    """The head noun of a role phrase, for coreference («министр иностранный дело» → «министр»)."""
    words = key.split()
    return next((w for w in words if not w.endswith(("ый", "ий", "ой"))), words[-1])


def russian(key: str) -> str:
    """The Russian nominative name of a role key: one per English name, its first key's («певица», «певец»:
    певец; «премьер», «премьер-министр»: премьер-министр), as one node has one name."""
    first = FIRST[ROLES[key]]
    return RUSSIAN.get(first, first)


RUSSIAN = {
    "заместитель председатель": "заместитель председателя",
    "первый вице-премьер": "первый вице-премьер",
    "министр иностранный дело": "министр иностранных дел",
    "глава мид": "глава МИД",
    "министр энергетика": "министр энергетики",
    "министр финансы": "министр финансов",
    "министр экономика": "министр экономики",
    "министр торговля": "министр торговли",
    "министр транспорт": "министр транспорта",
    "министр водный ресурс и ирригация": "министр водных ресурсов и ирригации",
    "заместитель министр": "заместитель министра",
    "председатель правление": "председатель правления",
}
