"""A build into an empty store writes its files from what it loaded (the spool), byte for byte what the store would
give; any other build dumps the store."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pyoxigraph
import pytest

from kg import extsort, pipeline, rdf, spool, store
from kg.gazetteer import DEFAULT_PATH
from kg.pipeline import Context, build
from tests.conftest import EXAMPLES

G = "https://example.org/graph/a"
LINES = (
    b'<https://example.org/a> <https://example.org/p> "x"@ru <https://example.org/graph/a> .\n'
    b'<https://example.org/a> <https://example.org/p> "0.9"^^<http://www.w3.org/2001/XMLSchema#decimal> '
    b"<https://example.org/graph/a> .\n"
)


def _dumped(store_dir: Path, fmt: str) -> bytes:
    handle = io.BytesIO()
    store.dump(pyoxigraph.Store.read_only(str(store_dir)), handle, fmt)
    return handle.getvalue()


def _no_store_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the store was dumped")

    monkeypatch.setattr(extsort, "dump_graphs", refuse)
    monkeypatch.setattr(extsort, "dump_graphs_at", refuse)


def test_a_build_into_an_empty_store_writes_what_the_store_would_give(examples_build: Path) -> None:
    for fmt in ("nq", "ttl", "jsonld"):
        assert (examples_build / f"graph.{fmt}").read_bytes() == _dumped(examples_build / "store", fmt), fmt
    assert not (examples_build / pipeline.SPOOL).exists()


def test_a_build_into_an_empty_store_never_dumps_it(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in sorted(EXAMPLES.glob("*.txt"))[:2]:
        shutil.copy(path, inputs)
    (tmp_path / "out" / pipeline.SPOOL).mkdir(parents=True)  # as a killed build leaves it
    (tmp_path / "out" / pipeline.SPOOL / "graphs.nq").write_bytes(b"left over\n")
    _no_store_dump(monkeypatch)
    report = build([inputs], tmp_path / "out", ctx=ctx, progress=False)
    monkeypatch.undo()
    assert report.documents == 2
    nq = (tmp_path / "out" / "graph.nq").read_bytes()
    assert nq == _dumped(tmp_path / "out" / "store", "nq")
    assert b"left over" not in nq
    assert b"<https://w3id.org/kg-news/graph/ontology>" in nq  # loaded some other way: dumped from the store
    assert not (tmp_path / "out" / pipeline.SPOOL).exists()


def test_a_build_into_a_store_with_graphs_dumps_it(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    first, second = sorted(EXAMPLES.glob("*.txt"))[:2]
    shutil.copy(first, inputs)
    build([inputs], tmp_path / "out", ctx=ctx, progress=False)
    shutil.copy(second, inputs)
    (inputs / first.name).write_text(first.read_text(encoding="utf-8") + "\nКазахстан и Китай.\n", encoding="utf-8")
    monkeypatch.setattr(spool, "Spool", None)  # not called: the store holds the first build
    report = build([inputs], tmp_path / "out", ctx=ctx, progress=False)
    assert report.documents == 2  # one new, one changed: its old graph replaced
    for fmt in ("nq", "ttl", "jsonld"):
        assert (tmp_path / "out" / f"graph.{fmt}").read_bytes() == _dumped(tmp_path / "out" / "store", fmt), fmt


def test_a_spool_whose_graph_the_store_lost_is_not_used(tmp_path: Path) -> None:
    db = pyoxigraph.Store()
    kept = spool.Spool(tmp_path / "spool")
    kept.add(G, LINES)
    store.load_nquads(db, [LINES])
    assert kept.dump(db) is not None
    db.remove_graph(pyoxigraph.NamedNode(G))
    assert kept.dump(db) is None


def test_a_graph_spooled_twice_is_not_trusted(tmp_path: Path) -> None:
    db = pyoxigraph.Store()
    kept = spool.Spool(tmp_path / "spool")
    kept.add(G, LINES)
    kept.add(G, LINES)
    store.load_nquads(db, [LINES])
    assert kept.dump(db) is None
    assert (tmp_path / "spool" / "index.tsv").read_text().count(f"<{G}>\t") == 2  # kept on disk, not in memory


def test_a_line_spooled_twice_is_written_once(tmp_path: Path) -> None:
    db = pyoxigraph.Store()
    kept = spool.Spool(tmp_path / "spool")
    kept.add(G, LINES + LINES[: LINES.index(b"\n") + 1])  # a document's quads are not deduplicated
    kept.share(b"")
    store.load_nquads(db, [LINES])
    dump = kept.dump(db)
    assert dump is not None and spool.is_empty(pyoxigraph.Store())
    sorted_dump = extsort.sort_dump(dump, tmp_path)
    assert sorted_dump.quads.read_bytes() == _sorted(db)
    handle = io.BytesIO()
    store.dump_sorted(sorted_dump, handle, "jsonld")
    assert handle.getvalue() == store.jsonld(store.sorted_quads(db))


def _sorted(db: pyoxigraph.Store) -> bytes:
    handle = io.BytesIO()
    store.dump(db, handle, "nq")
    return handle.getvalue()


def test_every_literal_kg_makes_is_as_the_store_writes_it_back() -> None:
    made = [rdf.decimal(0.9), rdf.decimal(1.0), rdf.decimal(0.333), rdf.integer(0), rdf.integer(42)]
    made += [t.object for t in pyoxigraph.parse(path=str(DEFAULT_PATH), format=pyoxigraph.RdfFormat.TURTLE)
             if isinstance(t.object, pyoxigraph.Literal)]
    db = pyoxigraph.Store()
    subject, predicate, graph = (pyoxigraph.NamedNode(f"https://example.org/{n}") for n in "spg")
    for literal in made:
        db.remove_graph(graph)
        db.add(pyoxigraph.Quad(subject, predicate, literal, graph))
        assert next(iter(db)).object == literal
    assert [str(rdf.decimal(v).value) for v in (0.9, 1.0, 0.333)] == ["0.9", "1", "0.33"]
