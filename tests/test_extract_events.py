"""Events in articles written for these tests: meetings said with a verb, places stated before or after the
event, visits with «посетил», and who took part in a forum («приняли участие», «в форуме участвовали»)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.pipeline import Context, process
from kg.types import DocResult, Document, Node

DATA = Path(__file__).resolve().parent / "data"
ID = "https://w3id.org/kg-news/id/"
TOKAYEV, XI = ID + "person/kasym-zhomart-tokaev", ID + "wd/Q15031"
NURTLEU, WANG_YI = ID + "person/murat-nurtleu", ID + "person/van-i"
SAURANBAEV = ID + "person/nurlan-sauranbaev"
BEIJING, XIAN, TASHKENT = ID + "wd/Q956", ID + "gn/1790630", ID + "wd/Q269"
KZ, CN = ID + "wd/Q232", ID + "wd/Q148"


def _result(ctx: Context, name: str, date: str = "") -> DocResult:
    text = (DATA / name).read_text(encoding="utf-8")
    return process(Document(id=name.removesuffix(".txt"), text=text, date=date), ctx)


@pytest.fixture(scope="module")
def beijing(ctx: Context) -> DocResult:
    return _result(ctx, "kz-cn-beijing.txt")


@pytest.fixture(scope="module")
def forum(ctx: Context) -> DocResult:
    return _result(ctx, "uz-forum.txt")


def _events(result: DocResult, cls: str) -> list[tuple[set[str], set[str]]]:
    """Each event of a class as (participants, places)."""
    return [(_objects(node, "participant"), _objects(node, "location")) for node in result.nodes if node.cls == cls]


def _objects(node: Node, predicate: str) -> set[str]:
    return {f.object for f in node.facts if f.predicate == predicate}


def test_people_who_met_in_a_city_make_a_meeting_there(beijing: DocResult) -> None:
    """«Токаев и Си Цзиньпин встретились в Пекине»: the verb, not a noun, names the meeting."""
    assert ({TOKAYEV, XI}, {BEIJING}) in _events(beijing, "Meeting")


def test_meeting_place_stated_before_the_meeting(beijing: DocResult) -> None:
    """«В тот же день в Пекине … Нуртлеу провёл встречу с главой МИД Китая Ван И»."""
    assert ({NURTLEU, WANG_YI}, {BEIJING}) in _events(beijing, "Meeting")
    assert len(_events(beijing, "Meeting")) == 2


def test_meeting_place_stated_after_the_meeting(ctx: Context) -> None:
    text = "Министр иностранных дел Казахстана Мурат Нуртлеу провёл встречу с Си Цзиньпином в Пекине."
    result = process(Document(id="after", text=text), ctx)
    assert _events(result, "Meeting") == [({NURTLEU, XI}, {BEIJING})]


def test_a_title_between_the_meeting_and_a_place_puts_no_place_on_the_meeting(ctx: Context) -> None:
    text = "В Пекине Токаев провёл встречу с послом Китая в Казахстане Чжаном Сяо и Си Цзиньпином."
    result = process(Document(id="title", text=text), ctx)
    assert [places for _, places in _events(result, "Meeting")] == [{BEIJING}]


def test_visit_said_with_posetil(beijing: DocResult) -> None:
    """«После переговоров Токаев посетил Сиань»."""
    visits = _events(beijing, "Visit")
    assert ({TOKAYEV}, {XIAN}) in visits
    assert ({TOKAYEV}, {BEIJING}) in visits  # «прибыл в Пекин»
    assert len(visits) == 2


def test_who_took_part_in_a_named_forum(beijing: DocResult) -> None:
    """«В Пекине также прошёл деловой форум «Казахстан — Китай». В нём приняли участие Мурат Нуртлеу, Ван И и глава
    компании «Казахстан темир жолы» Нурлан Сауранбаев» — the company only names his post."""
    forums = [node for node in beijing.nodes if node.cls == "Forum"]
    assert [node.label_ru for node in forums] == ["Форум «Казахстан — Китай»"]
    assert _objects(forums[0], "participant") == {KZ, CN, NURTLEU, WANG_YI, SAURANBAEV}
    assert _objects(forums[0], "location") == {BEIJING}
    rules = {f.evidence.rule for f in forums[0].facts if f.object == SAURANBAEV}
    assert rules == {"participation"}


def test_who_took_part_in_an_unnamed_forum(forum: DocResult) -> None:
    """«Инвестиционный форум прошёл в Ташкенте 12 июня 2025 года. В форуме участвовали президент Узбекистана Шавкат
    Мирзиёев, премьер-министр Казахстана Олжас Бектенов, генеральный секретарь ШОС Нурлан Ермекбаев и …»: the people,
    not the countries and organisations of their posts."""
    forums = [node for node in forum.nodes if node.cls == "Forum"]
    assert len(forums) == 1
    assert _objects(forums[0], "participant") == {
        ID + "person/shavkat-mirzieev", ID + "person/olzhas-bektenov", ID + "person/nurlan-ermekbaev",
        ID + "person/takekhiko-nakao",
    }
    assert _objects(forums[0], "location") == {TASHKENT}
    assert _objects(forums[0], "date") == {"2025-06-12"}
    assert forums[0].iri == ID + "event/forum-uz-forum-2025"


def test_taking_part_in_something_else_adds_no_participant(ctx: Context) -> None:
    text = ("В Ташкенте прошёл инвестиционный форум. Через неделю Шавкат Мирзиёев принял участие в открытии завода "
            "в Самарканде.")
    result = process(Document(id="else", text=text), ctx)
    assert _events(result, "Forum") == [(set(), {TASHKENT})]


def test_who_spoke_at_a_gathering_took_part_in_it(ctx: Context) -> None:
    """«На форуме выступил министр …», «На нём выступили Токаев и Си Цзиньпин»: speakers take part; one who «выступил
    против» something, or speaks with no gathering in the sentence or pointed back to, does not."""
    spoke = process(Document(id="spoke", text="В Астане прошёл саммит ШОС. На нём выступили Касым-Жомарт Токаев и "
                                                "Си Цзиньпин."), ctx)
    assert _events(spoke, "Summit") == [({ID + "internationalorganization/shos", TOKAYEV, XI}, {ID + "wd/Q1520"})]
    forum = process(Document(id="forum", text="На форуме в Ташкенте выступил министр энергетики Алмасадам "
                                               "Саткалиев."), ctx)
    assert _events(forum, "Forum") == [({ID + "person/almasadam-satkaliev"}, {TASHKENT})]
    against = process(Document(id="against", text="В Ташкенте прошёл инвестиционный форум. На нём Иван Петров "
                                                    "выступил против реформы. Потом выступил Пётр Иванов."), ctx)
    assert _events(against, "Forum") == [(set(), {TASHKENT})]
