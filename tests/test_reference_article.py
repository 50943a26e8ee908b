"""The reference article (../shared/samples): the entities, relations, quotations and sectors its issues name."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Store

from kg import query, store
from kg.pipeline import Context, process
from kg.types import DocResult, Document

KG = "https://w3id.org/kg-news/ontology#"
ID = "https://w3id.org/kg-news/id/"
RYSMAMBETOV = ID + "person/rasul-rysmambetov"
XI = ID + "wd/Q15031"
KZ, CN, ASTANA = ID + "wd/Q232", ID + "wd/Q148", ID + "wd/Q1520"


@pytest.fixture(scope="module")
def result(ctx: Context, seed_text: str) -> DocResult:
    return process(Document(id="seed", text=seed_text, title=seed_text.split("\n")[0]), ctx)


@pytest.fixture(scope="module")
def db(seed_build: Path) -> Store:
    return Store.read_only(str(seed_build / "store"))


def test_each_entity_once_with_its_class(result: DocResult) -> None:
    mentioned = {m.iri for m in result.mentions}
    classes = {e.iri: (e.cls, e.label_ru) for e in result.entities if e.iri in mentioned}
    assert classes == {
        KZ: ("Country", "Казахстан"),
        CN: ("Country", "Китай"),
        ASTANA: ("City", "Астана"),
        ID + "place/khorgos": ("Place", "Хоргос"),
        ID + "wd/Q46": ("Region", "Европа"),
        ID + "wd/Q27275": ("Region", "Центральная Азия"),
        ID + "internationalorganization/eaes": ("InternationalOrganization", "ЕАЭС"),
        ID + "mediaoutlet/el-kz": ("MediaOutlet", "El.kz"),
        XI: ("Person", "Си Цзиньпин"),
        RYSMAMBETOV: ("Person", "Расул Рысмамбетов"),
        ID + "currency/iuan": ("Currency", "юань"),
        ID + "place/shelkovyi-put": ("Place", "Шёлковый путь"),
    }


def test_links_to_wikidata_and_geonames(result: DocResult) -> None:
    same_as = {e.iri: set(e.same_as) for e in result.entities}
    assert "http://www.wikidata.org/entity/Q232" in same_as[KZ]
    assert "http://www.wikidata.org/entity/Q148" in same_as[CN]
    assert "http://www.wikidata.org/entity/Q15031" in same_as[XI]
    assert {"https://sws.geonames.org/1526273/", "http://www.wikidata.org/entity/Q1520"} <= same_as[ASTANA]


def test_gazetteer_finds_what_natasha_misses(result: DocResult) -> None:
    forms = {m.text: m.iri for m in result.mentions}
    assert forms["Хоргоса"] == ID + "place/khorgos"
    assert forms["Астану"] == ASTANA
    assert forms["Центральной Азии"] == ID + "wd/Q27275"
    assert forms["ЕАЭС"] == ID + "internationalorganization/eaes"


def test_rysmambetov_is_one_person_under_every_name(result: DocResult) -> None:
    his = sorted((m.start, m.text, m.origin) for m in result.mentions if m.iri == RYSMAMBETOV)
    assert [text for _, text, _ in his] == [
        "эксперта", "Расул Рысмамбетов", "эксперт", "Рысмамбетов", "Эксперт", "блогер", "Рысмамбетов", "эксперт",
        "Рысмамбетов", "эксперт",
    ]
    assert {origin for *_, origin in his} == {"ner", "coref"}


def test_astana_is_a_city_in_kazakhstan(db: Store) -> None:
    rows = query.rows(db, f"SELECT ?c WHERE {{ <{ASTANA}> a kg:City ; kg:locatedIn ?c ; kg:capitalOf ?c }}")
    assert rows == [{"c": "kgr:wd/Q232"}]


def test_xi_is_president_of_china_and_visits_astana(db: Store) -> None:
    rows = query.rows(db, f"""SELECT ?label ?en ?in WHERE {{
        <{XI}> kg:holdsPosition ?p . ?p a kg:Position ; kg:positionIn ?in ;
        rdfs:label ?label, ?en . FILTER(LANG(?label) = "ru" && LANG(?en) = "en") }}""")
    assert rows == [{"label": "президент Китая", "en": "President of China", "in": "kgr:wd/Q148"}]
    visits = query.rows(db, f"SELECT ?v WHERE {{ ?v a kg:Visit ; kg:participant <{XI}> ; kg:location <{ASTANA}> }}")
    assert len(visits) == 1


def test_rysmambetov_is_a_blogger_from_kazakhstan_and_an_expert(db: Store) -> None:
    rows = query.rows(db, f"""SELECT ?o ?occupation ?country WHERE {{
        <{RYSMAMBETOV}> kg:occupation ?o ; kg:nationality ?country . ?o rdfs:label ?occupation
        FILTER(LANG(?occupation) = "en") }}""")
    assert {(r["o"], r["occupation"]) for r in rows} == {
        ("kgr:occupation/blogger", "blogger"), ("kgr:occupation/expert", "expert"),
    }
    assert {r["country"] for r in rows} == {"kgr:wd/Q232"}


def test_expert_is_read_from_a_role_noun_that_refers_to_him(db: Store) -> None:
    rows = query.rows(db, f"""SELECT ?rule ?sentence WHERE {{
        ?ev rdf:subject <{RYSMAMBETOV}> ; rdf:predicate kg:occupation ; rdf:object <{ID}occupation/expert> ;
            kg:rule ?rule ; kg:sentence/nif:anchorOf ?sentence }}""")
    assert rows == [{"rule": "coref-role-noun", "sentence": "\"В условиях, когда мировой порядок становится всё менее "
                     "предсказуемым, стабильность Казахстана превращается в наш стратегический актив\", — пишет "
                     "эксперт."}]


def _quotations(db: Store) -> dict[str, set[str]]:
    """Each quotation's opening words → its sectors' slugs and the entities it mentions."""
    rows = query.rows(db, """SELECT ?q ?speaker ?sector ?entity WHERE {
        ?s a kg:Quotation ; kg:quote ?q ; kg:speaker ?speaker .
        OPTIONAL { ?s kg:aboutSector ?sector } OPTIONAL { ?s kg:mentions ?entity } }""")
    found: dict[str, set[str]] = {}
    for row in rows:
        key = " ".join(row["q"].split()[:3])
        found.setdefault(key, {"speaker:" + row["speaker"]})
        found[key] |= {row["sector"].removeprefix("kgr:sector/"), row["entity"]} - {""}
    return found


def test_seven_quotations_by_him_with_their_sectors(db: Store) -> None:
    quotes = _quotations(db)
    assert len(quotes) == 7
    assert all("speaker:kgr:person/rasul-rysmambetov" in tags for tags in quotes.values())
    assert {"transport", "kgr:place/khorgos"} <= quotes["Мы не строим"]
    assert "water" in quotes["Китай может поделиться"]
    assert {"industry", "environment"} <= quotes["Перевод части китайских"]
    assert {"energy", "mining"} <= quotes["Китай — мировой"]
    assert {"finance", "kgr:currency/iuan"} <= quotes["С усилением юаня"]
    assert {"education", "healthcare", "tourism"} <= quotes["Совместные образовательные проекты,"]


def test_kazakhstan_china_cooperation_in_six_sectors_backed_by_quotes(db: Store) -> None:
    rows = query.rows(db, f"""SELECT DISTINCT ?sector WHERE {{
        ?c a kg:Cooperation ; kg:participant <{KZ}>, <{CN}> ; kg:aboutSector ?sector ; kg:supportedBy ?q .
        ?q a kg:Quotation ; kg:speaker <{RYSMAMBETOV}> }}""")
    sectors = {row["sector"].removeprefix("kgr:sector/") for row in rows}
    assert {"transport", "water", "industry", "energy", "finance", "education", "healthcare", "tourism"} <= sectors
    assert bool(store.query(db, f"ASK {{ <{CN}> kg:cooperatesWith <{KZ}> }}"))


def test_summit_in_astana_and_report_by_el_kz(db: Store) -> None:
    summits = query.rows(db, f"""SELECT ?label WHERE {{ ?e a kg:Summit ; kg:location <{ASTANA}> ;
        kg:participant <{CN}>, <{ID}wd/Q27275> ; rdfs:label ?label }}""")
    assert summits == [{"label": "Саммит «Центральная Азия — Китай»"}]
    assert query.rows(db, "SELECT ?o WHERE { ?doc kg:reportedBy ?o }") == [{"o": "kgr:mediaoutlet/el-kz"}]


def test_every_relation_has_sentence_rule_and_confidence(db: Store) -> None:
    rows = query.rows(db, """SELECT ?ev ?conf ?rule ?sentence WHERE {
        ?ev a kg:Evidence ; kg:confidence ?conf ; kg:rule ?rule .
        OPTIONAL { ?ev kg:sentence ?s . ?s nif:anchorOf ?sentence } }""")
    assert len(rows) > 30
    assert all(0 < float(r["conf"]) <= 1 and r["rule"] and r["sentence"] for r in rows)
