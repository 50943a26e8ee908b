"""Every example query in ontology/queries/ answers what its comment promises."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store

from kg import query

QUERIES = Path(__file__).resolve().parent.parent / "ontology" / "queries"


def run(store: Store, name: str) -> list[dict[str, str]]:
    return query.rows(store, (QUERIES / f"{name}.rq").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed(seed_build: Path) -> Store:
    return Store.read_only(str(seed_build / "store"))


@pytest.fixture(scope="module")
def examples(examples_build: Path) -> Store:
    return Store.read_only(str(examples_build / "store"))


def test_every_query_is_documented_and_tested() -> None:
    names = sorted(p.stem for p in QUERIES.glob("*.rq"))
    assert len(names) >= 10
    tested = {name.removeprefix("test_").replace("_", "-") for name in globals() if name.startswith("test_")}
    assert set(names) <= tested
    for path in QUERIES.glob("*.rq"):
        assert path.read_text(encoding="utf-8").startswith("# "), path.name


def test_people_and_places(seed: Store) -> None:
    rows = {(r["class"], r["name"]): int(r["mentions"]) for r in run(seed, "people-and-places")}
    assert rows[("kg:Person", "Расул Рысмамбетов")] == 10  # full name, surname, «эксперт», «блогер»
    assert rows[("kg:Person", "Си Цзиньпин")] == 1
    assert rows[("kg:Place", "Хоргос")] == 1
    assert rows[("kg:City", "Астана")] == 2
    assert rows[("kg:Region", "Центральная Азия")] == 1


def test_people_and_places_keeps_articles_with_the_same_headline_apart() -> None:
    """Syndicated news repeats headlines: each article has its own row and count."""
    db = Store()
    db.load(
        """@prefix kg: <https://w3id.org/kg-news/ontology#> . @prefix schema: <https://schema.org/> .
        @prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix d: <https://w3id.org/kg-news/id/doc/> .
        d:a schema:headline "Си Цзиньпин прибыл в Астану"@ru . d:b schema:headline "Си Цзиньпин прибыл в Астану"@ru .
        <https://w3id.org/kg-news/id/astana> a kg:City ; rdfs:label "Астана"@ru .
        d:a-m1 kg:refersTo <https://w3id.org/kg-news/id/astana> ; nif:referenceContext d:a .
        d:b-m1 kg:refersTo <https://w3id.org/kg-news/id/astana> ; nif:referenceContext d:b .
        d:b-m2 kg:refersTo <https://w3id.org/kg-news/id/astana> ; nif:referenceContext d:b .""",
        format=RdfFormat.TURTLE,
    )
    rows = [(r["doc"].rsplit("/", 1)[1], r["name"], r["mentions"]) for r in run(db, "people-and-places")]
    assert rows == [("a", "Астана", "1"), ("b", "Астана", "2")]


def test_places_in_kazakhstan(examples: Store) -> None:
    names = {r["name"] for r in run(examples, "places-in-kazakhstan")}
    assert {"Астана", "Алматы", "Хоргос", "Шымкент", "Павлодар"} <= names
    assert "Пекин" not in names and "Урумчи" not in names


def test_documents_mentioning_khorgos(examples: Store) -> None:
    rows = run(examples, "documents-mentioning-khorgos")
    docs = {r["doc"].removeprefix("kgr:doc/") for r in rows}
    assert "02-khorgos-dry-port" in docs
    assert "07-weather-yekaterinburg" not in docs
    forms = next(r["forms"] for r in rows if r["doc"].endswith("02-khorgos-dry-port"))
    assert "Хоргоса" in forms.split(", ")


def test_entities_by_class(seed: Store) -> None:
    counts = {r["class"]: int(r["entities"]) for r in run(seed, "entities-by-class")}
    assert counts["kg:Person"] == 2
    assert counts["kg:Country"] == 2
    assert counts["kg:City"] == 1
    assert counts["kg:Region"] == 2
    assert counts["kg:MediaOutlet"] == 1


def test_linked_entities(seed: Store) -> None:
    rows = run(seed, "linked-entities")
    links = {(r["name"], r["link"]) for r in rows}
    assert ("Казахстан", "wd:Q232") in links
    assert ("Си Цзиньпин", "wd:Q15031") in links
    assert ("Астана", "gn:1526273/") in links
    astana = next(r for r in rows if r["link"] == "wd:Q1520")
    assert round(float(astana["lat"])) == 51 and round(float(astana["long"])) == 71


def test_mentions_of_a_person(seed: Store) -> None:
    rows = run(seed, "mentions-of-a-person")
    assert [r["written"] for r in rows][:4] == ["эксперта", "Расул Рысмамбетов", "эксперт", "Рысмамбетов"]
    assert rows[1]["begin"] == "125" and rows[1]["end"] == "142" and rows[1]["origin"] == "ner"


def test_cooperation_sectors(seed: Store) -> None:
    rows = run(seed, "cooperation-sectors")
    sectors = {r["sector"] for r in rows}
    assert {"transport and logistics", "energy", "finance and currency", "healthcare"} <= sectors
    assert {r["speaker"] for r in rows} == {"Расул Рысмамбетов"}
    assert any(r["quote"].startswith("С усилением юаня") for r in rows if r["sector"] == "finance and currency")


def test_what_a_person_said(seed: Store) -> None:
    rows = run(seed, "what-a-person-said")
    kinds = [r["kind"] for r in rows]
    assert kinds.count("kg:Quotation") == 7
    water = next(r for r in rows if r["quote"].startswith("Китай может поделиться"))
    assert "water management and irrigation" in water["sectors"].split(", ")


def test_events(seed: Store) -> None:
    rows = {r["kind"]: r for r in run(seed, "events")}
    assert rows["Visit"]["place"] == "Астана"
    assert rows["Visit"]["participants"] == "Си Цзиньпин"
    assert rows["Summit"]["place"] == "Астана"
    assert set(rows["Summit"]["participants"].split(", ")) == {"Китай", "Центральная Азия"}


def test_events_with_dates(examples: Store) -> None:
    visits = [r for r in run(examples, "events") if r["kind"] == "Visit"]
    assert any(r["place"] == "Астана" and r["date"] == "2025-06-17" and "Си Цзиньпин" in r["participants"]
               for r in visits)


def test_positions(examples: Store) -> None:
    rows = {(r["person"], r["position"]) for r in run(examples, "positions")}
    assert ("Мурат Нуртлеу", "министр иностранных дел Казахстана") in rows
    assert ("Си Цзиньпин", "президент Китая") in rows  # «председатель КНР»: one post, one name


def test_relation_evidence(seed: Store) -> None:
    rows = run(seed, "relation-evidence")
    position = next(r for r in rows if r["relation"] == "holdsPosition")
    assert position["subject"] == "Си Цзиньпин" and position["object"] == "президент Китая"
    assert "президента Китая Си Цзиньпина" in position["sentence"]
    assert float(position["confidence"]) >= 0.8
