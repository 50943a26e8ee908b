"""Where places lie, as the text says it: `place kg:locatedIn place`, read from how two names stand together."""

from __future__ import annotations

import pytest

from kg.pipeline import Context, process
from kg.types import Document

ID = "https://w3id.org/kg-news/id/"


def located(ctx: Context, text: str) -> set[tuple[str, str, str, str]]:
    """(place as written, where as written, its IRI's local part, the rule) for each kg:locatedIn read."""
    result = process(Document(id="t", text=text), ctx)
    return {
        (text[slice(*r.evidence.args[0])], text[slice(*r.evidence.args[1])], r.object.removeprefix(ID), r.evidence.rule)
        for r in result.relations
        if r.predicate == "locatedIn"
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Церемония прошла на Арлингтонском кладбище в Вашингтоне.",
            ("Арлингтонском кладбище", "Вашингтоне", "wd/Q61", "place-in-place-as-written"),
        ),
        (
            "Стрельба произошла в городе Пауэй, штат Калифорния.",
            ("Пауэй", "Калифорния", "region/kaliforniia", "place-in-place-as-written"),
        ),
        (
            "Федеральный суд Сан-Франциско (США) обязал компанию выплатить штраф.",
            ("Сан-Франциско", "США", "wd/Q30", "place-in-place-as-written"),
        ),
        (
            "Глава администрации Советского района Уфы ушёл в отставку.",
            ("Советского района", "Уфы", "wd/Q911", "place-in-place-as-written"),
        ),
        (
            "Город Жаркент находится в Жетысуской области.",
            ("Жаркент", "Жетысуской области", "region/zhetysuskaia-oblast", "place-in-place-as-written"),
        ),
        ("Хоргос лежит в Казахстане.", ("Хоргос", "Казахстане", "wd/Q232", "place-in-place-as-written")),
        (
            "Полиция задержала троих человек после перестрелки в армянском Гаваре.",
            ("Гаваре", "армянском", "wd/Q399", "place-of-country-adjective"),
        ),
        (
            "В китайской провинции Гуандун построят завод.",
            ("Гуандун", "китайской", "wd/Q148", "place-of-country-adjective"),
        ),
    ],
)
def test_a_place_lies_where_the_text_puts_it(ctx: Context, text: str, expected: tuple[str, str, str, str]) -> None:
    assert located(ctx, text) == {expected}


def test_a_chain_of_places_gives_each_step(ctx: Context) -> None:
    """«Алашанькоу в Синьцзян-Уйгурском автономном районе Китая»: the town in the region, the region in China (which
    the gazetteer knows too, and says with more confidence)."""
    assert located(ctx, "Грузы идут через Алашанькоу в Синьцзян-Уйгурском автономном районе Китая.") == {
        ("Алашанькоу", "Синьцзян-Уйгурском автономном районе", "wd/Q34800", "place-in-place-as-written"),
        ("Синьцзян-Уйгурском автономном районе", "Китая", "wd/Q148", "gazetteer-in-sentence"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "Делегация вылетела из Москвы в Пекин.",  # where to, not where: «в» with the accusative
        "Выставки прошли в Германии, России и США.",  # a list
        "Посол Казахстана в Китае выступил на форуме.",  # a country lies in no other
        "Полицейские штата Миссури в Фергюсоне разогнали демонстрантов.",  # a state is not in a town
        "Звезда испанской «Барселоны» Лионель Месси забил гол.",  # a club, not the city
        "Он жил у города Хоххайм-ам-Майн (Hochheim am Main).",  # the same town's other name
        "Шторм прошёл в штате Квинсленд в районе Большого Барьерного рифа.",  # «в районе»: near, not in
    ],
)
def test_places_side_by_side_that_do_not_lie_in_each_other(ctx: Context, text: str) -> None:
    assert located(ctx, text) == set()


def test_an_unknown_place_is_a_city_or_a_region_when_a_noun_says_so(ctx: Context) -> None:
    """«в городе Пауэй»: a City, and so is every other mention of it; «Жетысуской области», «штат Калифорния»:
    Regions; «Советского района» stays a Place (a district may be a town's or a province's)."""
    text = ("Стрельба произошла в городе Пауэй, штат Калифорния. Жители Пауэя вышли на улицы. Глава администрации "
            "Советского района Уфы приехал в Жаркент Жетысуской области.")
    result = process(Document(id="t", text=text), ctx)
    assert {(m.text, m.cls, m.iri.removeprefix(ID)) for m in result.mentions if m.cls != "Person"} == {
        ("Пауэй", "City", "city/pauei"),
        ("Калифорния", "Region", "region/kaliforniia"),
        ("Пауэя", "City", "city/pauei"),
        ("Советского района", "Place", "place/sovetskii-raion"),
        ("Уфы", "City", "wd/Q911"),
        ("Жаркент", "City", "gn/1520253"),
        ("Жетысуской области", "Region", "region/zhetysuskaia-oblast"),
    }


def test_a_towns_name_inside_a_persons_name_is_no_mention_of_the_town(ctx: Context) -> None:
    """«Бориса Березовского», «Андрей Воробьёв»: the gazetteer's towns Berezovsky and Vorobyov are not named."""
    text = "Подруга олигарха Бориса Березовского уехала. Андрей Воробьёв назначен губернатором."
    result = process(Document(id="t", text=text), ctx)
    assert [(m.text, m.cls) for m in result.mentions] == [("Бориса Березовского", "Person"),
                                                          ("Андрей Воробьёв", "Person")]


def test_a_ner_span_running_from_a_headline_into_the_text_is_cut_at_its_sentences_end(ctx: Context) -> None:
    """natasha's NER reads «Кронпринц Нарухито\nВерхняя» as one name and «Космос\n\nКазахстан» as one place; a
    mention lies within its sentence (the shapes say so): cut there, the first is the crown prince, the second a
    dictionary word opening a sentence, which names nothing, and the gazetteer still finds Kazakhstan."""
    headline = ("Император Акихито с президентом Аргентины Маурисио Макри и его супругой Хулианой Авада 20 мая 2017 "
                "года\nКронпринц Нарухито\nВерхняя палата парламента Японии 9 июня 2017 года приняла закон.")
    result = process(Document(id="t", text=headline), ctx)
    assert ("Нарухито", "Person") in {(m.text, m.cls) for m in result.mentions}
    text = "Космос\n\nКазахстан располагает запасами сырья, а Китай — технологиями его переработки."
    result = process(Document(id="t", text=text), ctx)
    assert [(m.text, m.cls) for m in result.mentions] == [("Казахстан", "Country"), ("Китай", "Country")]


def test_marks_opening_a_ner_span_are_not_part_of_the_name(ctx: Context) -> None:
    """«• • Топалов — Нисипяну 1:0»: natasha's span opens with the bullets; the name, its label and IRI do not."""
    text = "На Землю вернулся турист Денис Тито. • • Топалов — Нисипяну 1:0 в первой партии."
    result = process(Document(id="t", text=text), ctx)
    assert ("Топалов", "Person", "Топалов", ID + "person/topalov") in {
        (m.text, m.cls, m.normal, m.iri) for m in result.mentions}
    assert {e.label_ru for e in result.entities if e.iri == ID + "person/topalov"} == {"Топалов"}
