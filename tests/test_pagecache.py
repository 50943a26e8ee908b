"""What a build's page reads of the documents, kept for the next build's page (kg/pagecache.py)."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from kg import dataset, export, pipeline, viz
from kg.pagecache import CACHE, KEPT, Changes, Kept, PageReads, seal, unseal
from kg.pipeline import build
from kg.seal import SEAL
from kg.vocab import KG, doc_graph

from .conftest import EXAMPLES

EX = "https://example.org/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
A, B, C, D = (EX + name for name in "ABCD")
G1, G2 = EX + "g1", EX + "g2"
TEXT = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#anchorOf"
PAGE_FILES = ("graph.html", "graph.graphml", "graph.gexf", "nodes.csv", "edges.csv")
EDITED = "01-astana-state-visit"
GONE = "07-weather-yekaterinburg"
NEW_TEXT = "Визит в Астану\n\nПрезидент Казахстана Касым-Жомарт Токаев прибыл в Пекин.\n"


def _record(graph: str, record: str, s: str, p: str, o: str, sentence: str) -> list[Quad]:
    """A kg:Evidence record of `graph` as a build writes it."""
    g, ev = NamedNode(graph), NamedNode(EX + record)
    return [
        Quad(ev, NamedNode(RDF + "subject"), NamedNode(s), g),
        Quad(ev, NamedNode(RDF + "predicate"), NamedNode(EX + p), g),
        Quad(ev, NamedNode(RDF + "object"), NamedNode(o), g),
        Quad(ev, NamedNode(str(KG.sentence)), NamedNode(EX + sentence), g),
    ]


def _read(db: Store, nodes: set[str], kept: Kept) -> tuple[list, list, dict]:
    """What a page reads, through `PageReads`: its evidence of `nodes`, its statements, the texts of s1 and s2."""
    with PageReads(db, kept) as reads:
        return (sorted(reads.evidence(nodes)), sorted(reads.statements()),
                reads.texts([(G1, 0, EX + "s1"), (G2, 0, EX + "s2")], TEXT, lambda doc: doc.rsplit("/", 1)[1]))


def test_kept_rows_are_the_stores_once_the_changed_graphs_and_the_new_nodes_are_read(tmp_path: Path) -> None:
    db = Store()
    db.extend(_record(G1, "ev1", A, "rel", B, "s1"))
    for quads in (_record(G2, "ev2", A, "rel", C, "s2"), _record(G2, "ev3", D, "rel", A, "s3"),
                  _record(G2, "ev4", C, "rel", A, "s4")):
        db.extend(quads)
    db.extend([*_said(G1, "st1", A, "energy"), *_said(G2, "st2", B, "trade"),
               _text(G1, "s1", "Первое."), _text(G2, "s2", "Второе.")])
    direct = _read(db, {A, B, C}, None)
    assert _read(db, {A, B, C}, Kept(tmp_path, None)) == direct == (
        [(A, EX + "rel", B, EX + "s1"), (A, EX + "rel", C, EX + "s2"), (C, EX + "rel", A, EX + "s4")],
        [(EX + "st1", A, EX + "energy"), (EX + "st2", B, EX + "trade")],
        {EX + "s1": ("Первое.", "g1"), EX + "s2": ("Второе.", "g2")},
    )
    # g1 changes; g2 does not, but D is a node now and C no longer one.
    db.remove_graph(NamedNode(G1))
    db.extend([*_record(G1, "ev5", A, "other", C, "s5"), *_said(G1, "st1", A, "water"), _text(G1, "s1", "Новое.")])
    # What g2 held, taken out behind the kept rows' back, is still given: g2 was not read again.
    for quad in [*_record(G2, "ev2", A, "rel", C, "s2"), *_said(G2, "st2", B, "trade"), _text(G2, "s2", "Второе.")]:
        db.remove(quad)

    evidence, statements, texts = _read(db, {A, B, D}, Kept(tmp_path, frozenset({G1})))

    assert evidence == [(A, EX + "other", C, EX + "s5"), (A, EX + "rel", C, EX + "s2"), (D, EX + "rel", A, EX + "s3")]
    assert statements == [(EX + "st1", A, EX + "water"), (EX + "st2", B, EX + "trade")]
    assert texts == {EX + "s1": ("Новое.", "g1"), EX + "s2": ("Второе.", "g2")}


def _said(graph: str, statement: str, who: str, sector: str) -> list[Quad]:
    """A statement of `who` about `sector`."""
    st, g = NamedNode(EX + statement), NamedNode(graph)
    return [Quad(st, NamedNode(str(KG.speaker)), NamedNode(who), g),
            Quad(st, NamedNode(str(KG.aboutSector)), NamedNode(EX + sector), g)]


def _text(graph: str, sentence: str, text: str) -> Quad:
    return Quad(NamedNode(EX + sentence), NamedNode(TEXT), Literal(text), NamedNode(graph))


def test_rows_are_trusted_only_under_the_seal_of_the_build_that_left_the_store(tmp_path: Path) -> None:
    kept = tmp_path / KEPT
    assert not unseal(tmp_path, "stamp")  # nothing kept
    _read(Store(), {A}, Kept(tmp_path, None))
    seal(tmp_path, "stamp")
    assert json.loads((kept / SEAL).read_text())["stamp"] == "stamp"
    assert not unseal(tmp_path, "another build's stamp")
    assert not (kept / SEAL).exists()  # gone, whatever it said: the store is about to change
    seal(tmp_path, "stamp")
    assert not unseal(tmp_path, None)  # the store changed since that build
    seal(tmp_path, "stamp")
    assert unseal(tmp_path, "stamp")
    assert not unseal(tmp_path, "stamp")  # once


def test_a_page_that_fails_keeps_nothing(tmp_path: Path) -> None:
    db = Store()
    db.extend(_record(G1, "ev1", A, "rel", B, "s1"))
    with pytest.raises(RuntimeError), PageReads(db, Kept(tmp_path, None)) as reads:
        list(reads.evidence({A, B}))
        raise RuntimeError("the page failed")
    assert list((tmp_path / KEPT).iterdir()) == []


def test_changes_past_their_limit_are_unknown(tmp_path: Path) -> None:
    changes = Changes(limit=2)
    changes.add(["g1", "g2"])
    assert changes.since(tmp_path, sealed=True).changed == {"g1", "g2"}
    assert changes.since(tmp_path, sealed=False).changed is None
    changes.add(["g3"])
    assert changes.since(tmp_path, sealed=True).changed is None


@pytest.mark.parametrize("workers", [1, 2])
def test_a_rebuild_reads_the_changed_documents_again_and_draws_the_page_a_whole_read_draws(
    ctx: pipeline.Context, examples_build: Path, tmp_path: Path, workers: int
) -> None:
    inputs = shutil.copytree(EXAMPLES, tmp_path / "in", ignore=lambda _, names: [n for n in names if GONE in n])
    edited = inputs / f"{EDITED}.txt"
    headline, rest = edited.read_text(encoding="utf-8").split("\n", 1)  # the headline, which the page shows too
    edited.write_text(f"{headline} и провёл переговоры\n{rest}\nТокаев и Си Цзиньпин обсудили торговлю.\n")
    (inputs / "new.txt").write_text(NEW_TEXT, encoding="utf-8")
    out = shutil.copytree(examples_build, tmp_path / "out")
    index = out / KEPT / CACHE
    before = index.stat().st_ino

    report = build([inputs], out, ctx=ctx if workers == 1 else None, workers=workers, prune=True, progress=False)

    assert (report.documents, report.skipped) == (2, 5)
    assert index.stat().st_ino == before  # what was kept brought up to date, not all read again and replaced
    assert json.loads((out / KEPT / SEAL).read_text())["stamp"] == export.holding(out)
    _same_page_as_a_whole_read(out, tmp_path)
    # void.ttl's sums, of files hashed as they were written (with workers) or after (without), are the files'.
    sums = dataset.recorded(out / "void.ttl").checksums
    for name in ("graph.nq", "graph.ttl", "graph.jsonld", *PAGE_FILES):
        assert sums[name] == ((out / name).stat().st_size, hashlib.sha256((out / name).read_bytes()).hexdigest())
    with closing(sqlite3.connect(index)) as table:
        kept = {name for (name,) in table.execute("SELECT name FROM graph WHERE id IN (SELECT graph FROM evidence)")}
    assert doc_graph("new") in kept and doc_graph(EDITED) in kept
    assert doc_graph(GONE) not in kept  # pruned: its graph changed too


def _examples_and_a_new_one(examples_build: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The examples with one new article, and a copy of their build."""
    inputs = shutil.copytree(EXAMPLES, tmp_path / "in")
    (inputs / "new.txt").write_text(NEW_TEXT, encoding="utf-8")
    return inputs, shutil.copytree(examples_build, tmp_path / "out")


def _same_page_as_a_whole_read(out: Path, tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    viz.write_files(Store.read_only(str(out / "store")), whole)
    for name in PAGE_FILES:
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name


def test_a_store_changed_outside_a_build_has_everything_read_again(
    ctx: pipeline.Context, examples_build: Path, tmp_path: Path
) -> None:
    inputs, out = _examples_and_a_new_one(examples_build, tmp_path)
    export.unstamp(out)  # as if something else had written to the store
    before = (out / KEPT / CACHE).stat().st_ino

    build([inputs], out, ctx=ctx, progress=False)

    assert (out / KEPT / CACHE).stat().st_ino != before
    assert (out / KEPT / SEAL).exists()


def test_a_damaged_table_has_everything_read_again(
    ctx: pipeline.Context, examples_build: Path, tmp_path: Path
) -> None:
    inputs, out = _examples_and_a_new_one(examples_build, tmp_path)
    (out / KEPT / CACHE).write_bytes(b"not a database" * 100)  # under a seal that still holds

    build([inputs], out, ctx=ctx, progress=False)

    _same_page_as_a_whole_read(out, tmp_path)
    with closing(sqlite3.connect(out / KEPT / CACHE)) as table:
        assert table.execute("SELECT count(*) FROM evidence").fetchone()[0] > 0
