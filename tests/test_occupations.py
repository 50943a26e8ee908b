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
