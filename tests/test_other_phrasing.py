"""An article written with other phrasing than the reference one — another visit, other speakers, other sectors,
„ “ quotes, «по словам» and «считает, что» — gets the same kinds of facts: the rules are not tuned to one text."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Store

from kg import query, store
from kg.pipeline import Context, build

ARTICLE = Path(__file__).resolve().parent / "data" / "uz-kg-visit.txt"
ID = "https://w3id.org/kg-news/id/"
MIRZIYOYEV = "kgr:person/shavkat-mirzieev"
ABDULLAEVA = "kgr:person/dinara-abdullaeva"


@pytest.fixture(scope="module")
def db(ctx: Context, tmp_path_factory: pytest.TempPathFactory) -> Store:
    out = tmp_path_factory.mktemp("uz")
    build([ARTICLE], out, ctx=ctx, progress=False)
    return Store.read_only(str(out / "store"))


def test_people_once_each_with_their_posts(db: Store) -> None:
    people = query.rows(db, """SELECT ?p ?name WHERE { ?d kg:mentions ?p . ?p a kg:Person ; rdfs:label ?name }
                               ORDER BY ?name""")
    assert [r["name"] for r in people] == ["Динара Абдуллаева", "Садыр Жапаров", "Шавкат Мирзиёев"]
    posts = query.rows(db, """SELECT ?name ?post WHERE { ?p kg:holdsPosition ?x ; rdfs:label ?name .
                              ?x rdfs:label ?post FILTER(LANG(?post) = "en") } ORDER BY ?name""")
    assert posts == [
        {"name": "Садыр Жапаров", "post": "President of Kyrgyzstan"},
        {"name": "Шавкат Мирзиёев", "post": "President of Uzbekistan"},
    ]
    occupation = query.rows(db, f"""SELECT ?o WHERE {{ <{ID}person/dinara-abdullaeva> kg:occupation ?x .
                                    ?x rdfs:label ?o FILTER(LANG(?o) = "en") }}""")
    assert {"o": "economist"} in occupation


def test_workplace_from_a_postposed_apposition_after_a_preposed_one(db: Store) -> None:
    """«Экономист Динара Абдуллаева, директор аналитического центра «Евразийский пульс»»: she works there."""
    rows = query.rows(db, f"""SELECT ?org ?label WHERE {{ <{ID}person/dinara-abdullaeva> kg:worksFor ?org .
                              ?org a kg:Organization ; rdfs:label ?label }}""")
    assert rows == [{"org": "kgr:organization/evraziiskii-puls", "label": "Евразийский пульс"}]
    posts = query.rows(db, f"""SELECT ?in ?role WHERE {{ <{ID}person/dinara-abdullaeva> kg:holdsPosition ?p .
                               ?p kg:positionIn ?in ; kg:role ?role }}""")
    assert posts == [{"in": "kgr:organization/evraziiskii-puls", "role": "kgr:occupation/director"}]


def test_dated_visit_to_bishkek(db: Store) -> None:
    rows = query.rows(db, f"""SELECT ?where ?date WHERE {{
        ?v a kg:Visit ; kg:participant <{ID}person/shavkat-mirzieev> ; kg:location ?w ; kg:date ?date .
        ?w rdfs:label ?where FILTER(LANG(?where) = "ru") }}""")
    assert rows == [{"where": "Бишкек", "date": "2025-03-05"}]


def test_statements_in_other_forms_with_their_speakers_and_sectors(db: Store) -> None:
    rows = query.rows(db, """SELECT ?kind ?speaker ?quote ?sector WHERE {
        ?s kg:speaker ?speaker ; kg:quote ?quote ; a ?kind . FILTER(?kind IN (kg:Quotation, kg:Statement))
        OPTIONAL { ?s kg:aboutSector ?sector } }""")
    said: dict[str, set[str]] = {}
    for row in rows:
        key = (row["kind"], row["speaker"], " ".join(row["quote"].split()[:2]))
        said.setdefault(key, set()).add(row["sector"].removeprefix("kgr:sector/"))
    assert "agriculture" in said[("kg:Quotation", MIRZIYOYEV, "Мы открываем")]
    assert "energy" in said[("kg:Statement", ABDULLAEVA, "главный эффект")]
    assert "energy" in said[("kg:Statement", ABDULLAEVA, "Узбекистан и")]
    assert "digital" in said[("kg:Quotation", ABDULLAEVA, "Цифровые таможенные")]  # «— отметила эксперт»
    assert len(said) == 4


def test_cooperation_between_uzbekistan_and_kyrgyzstan(db: Store) -> None:
    rows = query.rows(db, """SELECT DISTINCT ?sector WHERE { ?c a kg:Cooperation ; kg:aboutSector ?sector ;
        kg:participant ?a, ?b . ?a rdfs:label "Узбекистан"@ru . ?b rdfs:label "Киргизия"@ru }""")
    assert {"kgr:sector/agriculture", "kgr:sector/energy"} <= {r["sector"] for r in rows}
    assert bool(store.query(db, "ASK { ?a kg:cooperatesWith ?b . ?a rdfs:label 'Узбекистан'@ru }"))
