"""Occupations beyond politics and commentary: the arts, sport, science, the church and the army."""

from __future__ import annotations

from kg.pipeline import Context, process
from kg.types import Document

ID = "https://w3id.org/kg-news/id/"


def test_people_are_called_by_what_they_do(ctx: Context) -> None:
    text = ("Известный пианист Евгений Кисин выступил в Астане. Певица Бейонсе и дирижёр Валерий Гергиев "
            "дали концерт. Архиепископ Лонгин провёл службу, а полковник Владимир Квачков вышел на свободу.")
    result = process(Document(id="t", text=text), ctx)
    occupations = {(r.subject.removeprefix(ID), r.object.removeprefix(ID)) for r in result.relations
                   if r.predicate == "occupation"}
    assert occupations == {
        ("person/evgenii-kisin", "occupation/pianist"),
        ("person/beionse", "occupation/singer"),
        ("person/valerii-gergiev", "occupation/conductor"),
        ("person/longin", "occupation/archbishop"),
        ("person/vladimir-kvachkov", "occupation/colonel"),
    }


def test_a_feminine_noun_names_the_occupation_its_masculine_names(ctx: Context) -> None:
    """«певица» and «певец» are one occupation, with one Russian name."""
    nodes = {n.iri.removeprefix(ID): n.label_ru for n in process(
        Document(id="t", text="Певица Мадонна и певец Элтон Джон выступили вместе."), ctx).nodes}
    assert nodes["occupation/singer"] == "певец"


def test_a_country_adjective_before_a_state_post_places_the_post_in_that_country(ctx: Context) -> None:
    """«британский премьер Борис Джонсон» holds the post «премьер-министр Великобритании Борис Джонсон» holds: one
    node, one name; «британский эксперт» says only where someone is from."""
    def posts(text: str) -> set[tuple[str, str, str]]:
        result = process(Document(id="t", text=text), ctx)
        return {(n.iri.removeprefix(ID), n.label_ru, n.label_en) for n in result.nodes if n.cls == "Position"}

    expected = {("position/prime-minister-united-kingdom", "премьер-министр Великобритании",
                 "Prime Minister of United Kingdom")}
    assert posts("55-летний британский премьер Борис Джонсон сдал тест.") == expected
    assert posts("Премьер-министр Великобритании Борис Джонсон сдал тест.") == expected
    result = process(Document(id="t", text="Британский эксперт Джон Смит считает иначе."), ctx)
    assert {(r.predicate, r.object.removeprefix(ID)) for r in result.relations} >= {("nationality", "wd/Q145")}
    assert not [r for r in result.relations if r.predicate in {"holdsPosition", "worksFor"}]


def test_a_plural_role_before_a_list_of_names_gives_each_the_role(ctx: Context) -> None:
    """«музыканты A, B и C»: each a musician; «Президенты Казахстана и Китая A и B»: each the president of the
    country in the same place of its list (the tagger reads the opening «Президенты» as a singular name)."""
    def facts(text: str) -> set[tuple[str, str, str]]:
        result = process(Document(id="t", text=text), ctx)
        return {(r.predicate, r.subject.removeprefix(ID), r.object.removeprefix(ID)) for r in result.relations
                if r.predicate in {"occupation", "holdsPosition", "worksFor", "nationality"}}

    assert facts("В концерте участвовали музыканты Юрий Царёв, Алексей Борисов и Павел Шевелёв.") == {
        ("occupation", "person/iurii-tsarev", "occupation/musician"),
        ("occupation", "person/aleksei-borisov", "occupation/musician"),
        ("occupation", "person/pavel-shevelev", "occupation/musician"),
    }
    assert facts("Президенты Казахстана и Китая Касым-Жомарт Токаев и Си Цзиньпин подписали соглашение.") == {
        ("holdsPosition", "person/kasym-zhomart-tokaev", "position/president-kazakhstan"),
        ("worksFor", "person/kasym-zhomart-tokaev", "wd/Q232"),
        ("holdsPosition", "wd/Q15031", "position/president-china"),
        ("worksFor", "wd/Q15031", "wd/Q148"),
    }
    assert facts("Российские космонавты Алексей Овчинин и Олег Скрипочка вернулись на Землю.") == {
        ("occupation", "person/aleksei-ovchinin", "occupation/cosmonaut"),
        ("occupation", "person/oleg-skripochka", "occupation/cosmonaut"),
        ("nationality", "person/aleksei-ovchinin", "wd/Q159"),
        ("nationality", "person/oleg-skripochka", "wd/Q159"),
    }
    assert facts("Эксперт Айдар Амребаев, Ерлан Карин и другие выступили.") == {
        ("occupation", "person/aidar-amrebaev", "occupation/expert"),  # a singular role: the first name only
    }


def test_a_person_said_to_head_an_organisation_is_its_head(ctx: Context) -> None:
    """«X возглавляет «Металлоинвест»», «Компанию «Казахтелеком» возглавил Y»: each the head of it and working for it;
    a delegation is no organisation."""
    def posts(text: str) -> set[tuple[str, str, str]]:
        result = process(Document(id="t", text=text), ctx)
        return {(r.predicate, r.subject.removeprefix(ID), r.object.removeprefix(ID)) for r in result.relations
                if r.predicate in {"holdsPosition", "worksFor"}}

    assert posts("Андрей Варичев возглавляет «Металлоинвест» с 2013 года.") == {
        ("holdsPosition", "person/andrei-varichev", "position/head-metalloinvest"),
        ("worksFor", "person/andrei-varichev", "organization/metalloinvest"),
    }
    assert posts("Компанию «Казахтелеком» возглавил Ерлан Садыков.") == {
        ("holdsPosition", "person/erlan-sadykov", "position/head-kazakhtelekom"),
        ("worksFor", "person/erlan-sadykov", "organization/kazakhtelekom"),
    }
    assert posts("Делегацию возглавил Мурат Нуртлеу.") == set()
