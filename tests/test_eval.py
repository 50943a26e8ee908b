"""`kg eval`: the scoring on a hand-made gold document, and ours against natasha alone on the shared corpora."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.evaluate import Tally, evaluate_file, prf
from kg.pipeline import Context

from .conftest import SHARED

TEXT = "Президент Казахстана Касым-Жомарт Токаев прибыл в Пекин. Там его встретил Си Цзиньпин."


def span(text: str, kind: str, start_at: int = 0) -> dict:
    start = TEXT.index(text, start_at)
    return {"start": start, "end": start + len(text), "type": kind, "text": text}


@pytest.fixture(scope="module")
def gold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    entities = [
        span("Президент Казахстана", "PROFESSION"),
        span("Казахстана", "COUNTRY"),
        span("Касым-Жомарт Токаев", "PERSON"),
        span("Пекин", "CITY"),
        span("Си Цзиньпин", "PERSON"),
        span("встретил", "EVENT"),
    ]
    record = {
        "id": "t1", "dataset": "nerel", "split": "dev", "text": TEXT, "entities": entities,
        "relations": [{"type": "WORKS_AS", "head": 2, "tail": 0}, {"type": "WORKPLACE", "head": 2, "tail": 1},
                      {"type": "PARTICIPANT_IN", "head": 4, "tail": 5}],
        "links": [{"entity": 1, "kb": "Wikidata", "id": "Q232", "name": "Казахстан"},
                  {"entity": 4, "kb": "Wikidata", "id": "Q15031", "name": "Си Цзиньпин"},
                  {"entity": 3, "kb": "Wikidata", "id": "Q956", "name": "Пекин"}],
    }
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def test_prf_and_overlap_tally() -> None:
    assert prf(1, 2, 1, 4) == {"precision": 0.5, "recall": 0.25, "f1": 0.333}
    tally = Tally()
    tally.add({(0, 5), (10, 20)}, {(0, 5), (12, 15), (30, 31)})
    scores = tally.scores()
    assert (scores["precision"], scores["recall"]) == (0.5, 0.333)
    assert (scores["overlap"]["precision"], scores["overlap"]["recall"]) == (1.0, 0.667)


def test_scores_on_a_gold_document(ctx: Context, gold: Path) -> None:
    scores = evaluate_file(gold, ctx=ctx)
    assert scores["documents"] == 1
    assert scores["entities"]["PER"] == {**scores["entities"]["PER"], "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert scores["entities"]["LOC"]["recall"] == 1.0 and scores["entities"]["LOC"]["support"] == 2
    assert scores["relations"]["WORKS_AS"]["precision"] == 1.0 and scores["relations"]["WORKS_AS"]["recall"] == 1.0
    assert scores["relations"]["WORKPLACE"]["recall"] == 1.0
    assert scores["relations"]["PARTICIPANT_IN"]["support"] == 1
    assert scores["linking"]["n"] == 3
    assert scores["linking"]["by_type"]["COUNTRY"] == {"accuracy": 1.0, "n": 1}
    assert scores["linking"]["by_type"]["PERSON"] == {"accuracy": 1.0, "n": 1}
    assert set(scores["natasha"]) == {"PER", "LOC", "ORG"}


def test_cli_json_has_the_documented_keys(gold: Path) -> None:
    result = CliRunner().invoke(main, ["eval", str(gold), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"precision", "recall", "f1"} <= set(data["entities"]["PER"])
    assert {"accuracy", "n"} <= set(data["linking"])
    assert {"precision", "recall", "f1"} <= set(data["relations"]["WORKS_AS"])
    text = CliRunner().invoke(main, ["eval", str(gold)]).output
    assert "natasha NER alone" in text and "WORKS_AS" in text


# (precision, F1) each relation keeps, a little under what it scores (README, Quality). factRuEval leaves many a Job
# without its Occupation fact: of the ten WORKS_AS it does not hold that the added occupations brought (космонавт
# Маркос Понтес, академик Роальд Сагдеев …), eight are true, so its precision bar is lower.
RELATION_FLOORS = {
    "nerel": {"WORKS_AS": (0.85, 0.45), "WORKPLACE": (0.85, 0.35), "LOCATED_IN": (0.8, 0.33),
              "HEADQUARTERED_IN": (0.8, 0.4)},
    "factru": {"WORKS_AS": (0.7, 0.6), "WORKPLACE": (0.85, 0.48)},
}


@pytest.mark.parametrize("corpus", ["nerel_dev.jsonl", "factru_dev.jsonl"])
def test_ours_beats_natasha_alone_on_loc_and_org(ctx: Context, corpus: str) -> None:
    path = SHARED / "eval" / corpus
    if not path.exists():
        pytest.skip(f"{path} is absent")
    scores = evaluate_file(path, ctx=ctx)
    for kind in ("LOC", "ORG"):
        assert scores["entities"][kind]["f1"] > scores["natasha"][kind]["f1"], kind
    for kind, (precision, f1) in RELATION_FLOORS[scores["corpus"]].items():
        assert scores["relations"][kind]["precision"] >= precision, kind
        assert scores["relations"][kind]["f1"] >= f1, kind
    if scores["corpus"] == "nerel":
        assert scores["entities"]["Region"]["f1"] >= 0.5  # a province's noun makes an unknown place a Region
