"""A person's nationality from a country adjective before the noun that calls them something, known role or not,
or from a citizen of a country named before them."""

from __future__ import annotations

import pytest

from kg.pipeline import Context, process
from kg.types import Document

ID = "https://w3id.org/kg-news/id/"


def nationalities(ctx: Context, text: str) -> set[tuple[str, str, str]]:
    result = process(Document(id="t", text=text), ctx)
    return {
        (r.subject.removeprefix(ID), r.object.removeprefix(ID), r.evidence.rule)
        for r in result.relations
        if r.predicate == "nationality"
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Американский хип-хоп-исполнитель Шон Картер выпустил альбом.",
         ("person/shon-karter", "wd/Q30", "demonym-before-person-noun")),
        ("Платье сшила испанский дизайнер Роза Клара.", ("person/roza-klara", "wd/Q29", "demonym-apposition")),
        ("«Рома» готова продать армянского полузащитника Генриха Мхитаряна.",
         ("person/genrikh-mkhitarian", "wd/Q399", "demonym-apposition")),
        ("Гражданин Китая Ли Вэй задержан в Алматы.", ("person/li-vei", "wd/Q148", "citizen-of-country")),
        ("Уроженец Казахстана Геннадий Головкин защитил титул.",
         ("person/gennadii-golovkin", "wd/Q232", "citizen-of-country")),
        ("Казахстанский эксперт Айдар Амребаев считает, что проект выгоден.",
         ("person/aidar-amrebaev", "wd/Q232", "demonym-apposition")),
    ],
)
def test_a_country_adjective_before_a_person_noun_gives_their_nationality(
    ctx: Context, text: str, expected: tuple[str, str, str]
) -> None:
    assert nationalities(ctx, text) == {expected}


@pytest.mark.parametrize(
    "text",
    [
        "Российские болельщики поддержали Ивана Петрова.",  # a plural noun describes others
        "Китайская компания наняла Ивана Петрова.",  # not a person's noun
        "Российского посла вызвали в МИД, сообщил Иван Петров.",  # not right before the name
    ],
)
def test_no_nationality_without_a_person_noun_next_to_the_name(ctx: Context, text: str) -> None:
    assert nationalities(ctx, text) == set()
