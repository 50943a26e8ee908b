"""Where organisations are from: `organisation kg:headquarteredIn country`, from the name or a country adjective."""

from __future__ import annotations

import pytest

from kg.pipeline import Context, process
from kg.types import Document

ID = "https://w3id.org/kg-news/id/"


def headquarters(ctx: Context, text: str) -> set[tuple[str, str, str]]:
    result = process(Document(id="t", text=text), ctx)
    return {(r.subject.removeprefix(ID), r.object.removeprefix(ID), r.evidence.rule) for r in result.relations
            if r.predicate == "headquarteredIn"}


def test_a_country_adjective_before_an_organisation_says_where_it_is_from(ctx: Context) -> None:
    rule = "country-adjective-before-organisation"
    assert headquarters(ctx, "Китайская корпорация CNPC и казахстанская компания «КазМунайГаз» подписали "
                             "соглашение.") == {("organization/cnpc", "wd/Q148", rule),
                                                ("organization/kazmunaigaz", "wd/Q232", rule)}
    assert headquarters(ctx, "Он получал взятки от бразильской строительной компании Odebrecht.") == {
        ("organization/odebrecht", "wd/Q155", rule)}
    assert headquarters(ctx, "Российское правительство одобрило план.") == {
        ("organization/pravitelstvo-rossii", "wd/Q159", rule)}
    assert headquarters(ctx, "Министерство энергетики Казахстана одобрило план.") == {
        ("organization/ministerstvo-energetiki-kazakhstana", "wd/Q232", "organisation-of-country")}


@pytest.mark.parametrize("text", [
    "Американские аналитики компании Gartner повысили прогноз.",  # the adjective is the analysts'
    "Китайским туристам понравилась Astana Opera.",  # not what the organisation is
])
def test_an_adjective_that_describes_something_else_says_nothing(ctx: Context, text: str) -> None:
    assert headquarters(ctx, text) == set()


def test_a_city_name_in_quotes_that_ner_calls_an_organisation_is_the_organisation(ctx: Context) -> None:
    """«Барселоны»: the club, not the city, and so Spanish; Astana the city is still the city outside quotes."""
    text = "Звезда испанской «Барселоны» Лионель Месси играл за «Астану», а потом переехал в Астану."
    result = process(Document(id="t", text=text), ctx)
    assert [(m.text, m.cls, m.iri.removeprefix(ID)) for m in result.mentions if m.cls != "Person"] == [
        ("испанской", "Country", "wd/Q29"),
        ("Барселоны", "Organization", "organization/barselona"),
        ("Астану", "Organization", "organization/astana"),
        ("Астану", "City", "wd/Q1520"),
    ]
    assert headquarters(ctx, text) == {("organization/barselona", "wd/Q29", "country-adjective-before-organisation")}


def test_a_person_or_country_said_to_be_a_member_is_one(ctx: Context) -> None:
    def members(text: str) -> set[tuple[str, str]]:
        result = process(Document(id="t", text=text), ctx)
        return {(r.subject.removeprefix(ID), r.object.removeprefix(ID)) for r in result.relations
                if r.predicate == "memberOf"}

    assert members("Ли Пэн был превосходным членом Коммунистической партии Китая.") == {
        ("person/li-pen", "organization/kommunisticheskaia-partiia-kitaia")}
    assert members("Иван Петров стал членом совета директоров «Казахтелекома».") == {
        ("person/ivan-petrov", "organization/kazakhtelekom")}
    assert members("Казахстан является членом ЕАЭС.") == {("wd/Q232", "internationalorganization/eaes")}
    assert members("Иван Петров был членом делегации.") == set()


def test_where_the_text_puts_a_head_office(ctx: Context) -> None:
    rule = "head-office"
    assert headquarters(ctx, "Проекты финансирует Азиатский банк инфраструктурных инвестиций, штаб-квартира которого "
                             "находится в Пекине.") == {("internationalorganization/abii", "wd/Q956", rule)}
    assert headquarters(ctx, "Штаб-квартира ШОС находится в Пекине.") == {
        ("internationalorganization/shos", "wd/Q956", rule)}
    assert headquarters(ctx, "Компания «КазМунайГаз» со штаб-квартирой в Астане увеличила добычу.") == {
        ("organization/kazmunaigaz", "wd/Q1520", rule)}
    assert headquarters(ctx, "Штаб-квартира компании пострадала в Алматы.") == set()
