"""A build writes its files from what the builds loaded (the spool, kept from one build to the next), byte for byte
what the store would give; the store's documents are dumped only into a spool that is missing or not trusted."""

from __future__ import annotations

import io
import pickle
import shutil
import tracemalloc
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph
import pytest

from kg import dataset, extsort, pipeline, rdf, recount, splice, spool, store
from kg.gazetteer import DEFAULT_PATH
from kg.pipeline import Context, build
from kg.vocab import ENTITIES_GRAPH, ONTOLOGY_GRAPH, doc_graph
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


def _no_document_dumped(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Refuse to dump the store whole; the graphs dumped one by one, which must not be documents', are listed."""
    _no_store_dump(monkeypatch)
    dumped: list[str] = []
    dumping = extsort.dumping

    def only_others(db: pyoxigraph.Store, graphs: Iterable, *args: object) -> Iterator:
        for graph, block in dumping(db, graphs, *args):
            dumped.append(str(graph))
            assert not str(graph).startswith(spool.DOCUMENTS), "a document was dumped"
            yield graph, block

    monkeypatch.setattr(extsort, "dumping", only_others)
    return dumped


def _jsonld_written(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The graphs whose JSON-LD is written anew rather than copied from the last graph.jsonld, listed as written."""
    written: list[str] = []
    fragment = store._fragment
    monkeypatch.setattr(store, "_fragment", lambda name, nodes: (written.append(name), fragment(name, nodes))[1])
    return written


def _outputs_show_the_store(out: Path) -> None:
    for fmt in ("nq", "ttl", "jsonld"):
        assert (out / f"graph.{fmt}").read_bytes() == _dumped(out / "store", fmt), fmt


def _counted(out: Path) -> extsort.Statistics:
    """VoID's counts of the store in `out`, every triple counted."""
    return store.statistics(pyoxigraph.Store.read_only(str(out / "store")))


def _spooled(out: Path) -> dict[str, extsort.Block]:
    """The latest block of each graph the spool's index names."""
    workdir = out / pipeline.SPOOL
    blocks = {}
    for line in (workdir / spool.INDEX).read_text(encoding="utf-8").splitlines():
        name, file, start, stop = line.split("\t")
        blocks[name] = extsort.Block(workdir / file, int(start), int(stop))
    return blocks


def _spool_bytes(workdir: Path) -> int:
    return sum(path.stat().st_size for path in workdir.glob("graphs*.nq"))


def _inputs(tmp_path: Path, *given: int) -> tuple[Path, Path, list[Path]]:
    """An input directory holding the `given` of the first three example articles, an output directory, and the
    three."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    examples = sorted(EXAMPLES.glob("*.txt"))[:3]
    for number in given:
        shutil.copy(examples[number], inputs)
    return inputs, tmp_path / "out", examples


def test_a_build_into_an_empty_store_writes_what_the_store_would_give(examples_build: Path) -> None:
    _outputs_show_the_store(examples_build)
    assert len(_spooled(examples_build)) == 7  # kept for the next build: a block per document


def test_a_build_into_an_empty_store_never_dumps_it(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in sorted(EXAMPLES.glob("*.txt"))[:2]:
        shutil.copy(path, inputs)
    (tmp_path / "out" / pipeline.SPOOL).mkdir(parents=True)  # as a killed build leaves it: no stamp, not kept
    (tmp_path / "out" / pipeline.SPOOL / "graphs-00000.nq").write_bytes(b"left over\n")
    dumped = _no_document_dumped(monkeypatch)
    report = build([inputs], tmp_path / "out", ctx=ctx, progress=False)
    monkeypatch.undo()
    assert report.documents == 2
    assert dumped == ["<https://w3id.org/kg-news/graph/entities>", "<https://w3id.org/kg-news/graph/ontology>"]
    nq = (tmp_path / "out" / "graph.nq").read_bytes()
    assert nq == _dumped(tmp_path / "out" / "store", "nq")
    assert b"left over" not in nq
    assert b"<https://w3id.org/kg-news/graph/ontology>" in nq  # loaded some other way: dumped from the store
    assert len(_spooled(tmp_path / "out")) == 2


def test_a_rebuild_with_new_changed_and_pruned_documents_reads_no_document_from_the_store(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs, out, (first, second, third) = _inputs(tmp_path, 0, 2)
    build([inputs], out, ctx=ctx, progress=False)
    shutil.copy(second, inputs)
    (inputs / first.name).write_text(first.read_text(encoding="utf-8") + "\nКазахстан и Китай.\n", encoding="utf-8")
    (inputs / third.name).unlink()
    _no_document_dumped(monkeypatch)
    written = _jsonld_written(monkeypatch)
    report = build([inputs], out, ctx=ctx, progress=False, prune=True)
    monkeypatch.undo()
    assert report.documents == 2  # one new, one changed: its old graph replaced; the third pruned
    _outputs_show_the_store(out)
    # JSON-LD written anew for the new and the changed document (the first build's JSON-LD of the first is stale),
    # and the graphs dumped from the store.
    assert written == [doc_graph(first.stem), doc_graph(second.stem), ENTITIES_GRAPH, ONTOLOGY_GRAPH]
    blocks = _spooled(out)
    assert sorted(blocks) == [f"<{doc_graph(path.stem)}>" for path in (first, second)]
    # The changed document's old block and the pruned one's are gone: the spool's file holds the live blocks only.
    assert sum(b.stop - b.start for b in blocks.values()) == _spool_bytes(out / pipeline.SPOOL)
    shutil.copy(third, inputs)
    written = _jsonld_written(monkeypatch)
    build([inputs], out, ctx=ctx, progress=False)
    monkeypatch.undo()
    _outputs_show_the_store(out)
    assert written == [doc_graph(third.stem), ENTITIES_GRAPH, ONTOLOGY_GRAPH]  # the other two copied
    with (out / pipeline.SPOOL / spool.NOTE).open("a", encoding="utf-8") as note:
        note.write("not\ta note\n")  # a note not as a build writes it: not trusted, every graph written anew
    (inputs / third.name).write_text(third.read_text(encoding="utf-8") + "\nАстана.\n", encoding="utf-8")
    written = _jsonld_written(monkeypatch)
    build([inputs], out, ctx=ctx, progress=False)
    monkeypatch.undo()
    _outputs_show_the_store(out)
    assert len(written) == 5


def test_a_store_built_without_a_spool_is_spooled_once_and_one_changed_outside_a_build_anew(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs, out, (first, second, third) = _inputs(tmp_path, 0)
    build([inputs], out, ctx=ctx, progress=False)
    shutil.rmtree(out / pipeline.SPOOL)  # as an older kg left it
    shutil.copy(second, inputs)
    # Its documents dumped from the store once, into the spool, by the output helper of a two-worker build: not in
    # this process, where RocksDB's memory for reading the store would stay.
    monkeypatch.setattr(spool.Spool, "dump", lambda *_: pytest.fail("the spool's dump in the build process"))
    build([inputs], out, progress=False, workers=2)
    monkeypatch.undo()
    _outputs_show_the_store(out)
    assert sorted(_spooled(out)) == [f"<{doc_graph(path.stem)}>" for path in (first, second)]
    shutil.copy(third, inputs)
    _no_document_dumped(monkeypatch)
    build([inputs], out, ctx=ctx, progress=False)
    monkeypatch.undo()
    _outputs_show_the_store(out)
    # A quad added to a document's graph by hand: the stamp no longer holds, so the spool is not trusted.
    db = pyoxigraph.Store(str(out / "store"))
    graph = pyoxigraph.NamedNode(doc_graph(first.stem))
    added = pyoxigraph.Quad(pyoxigraph.NamedNode("https://example.org/x"), rdf.TYPE, rdf.TYPE, graph)
    db.add(added)
    del db
    (inputs / second.name).unlink()
    build([inputs], out, ctx=ctx, progress=False, prune=True)
    _outputs_show_the_store(out)
    assert b"<https://example.org/x>" in (out / "graph.nq").read_bytes()
    assert sorted(_spooled(out)) == [f"<{doc_graph(path.stem)}>" for path in (first, third)]


def test_a_spooled_graph_the_store_no_longer_has_is_left_out(tmp_path: Path) -> None:
    db = pyoxigraph.Store()
    kept = spool.Spool(tmp_path / "spool")
    kept.add(G, LINES)
    store.load_nquads(db, [LINES])
    assert kept.dump(db) is not None
    db.remove_graph(pyoxigraph.NamedNode(G))
    dump = spool.Spool(tmp_path / "spool").dump(db)
    assert dump is not None and list(dump.graphs()) == []


def test_a_graph_spooled_again_is_its_later_block(tmp_path: Path) -> None:
    db = pyoxigraph.Store()
    kept = spool.Spool(tmp_path / "spool")
    first = LINES[: LINES.index(b"\n") + 1]
    kept.add(G, first)
    kept.add(G, LINES)
    store.load_nquads(db, [LINES])
    dump = kept.dump(db)
    assert dump is not None and len(list(dump.graphs())) == 1
    assert extsort.sort_dump(dump, tmp_path).quads.read_bytes() == _sorted(db)
    assert _spool_bytes(tmp_path / "spool") == len(LINES)  # the superseded block is gone


def test_a_line_spooled_twice_is_written_once(tmp_path: Path) -> None:
    db = pyoxigraph.Store()
    kept = spool.Spool(tmp_path / "spool")
    kept.add(G, LINES + LINES[: LINES.index(b"\n") + 1])  # a document's quads are not deduplicated
    store.load_nquads(db, [LINES])
    dump = kept.dump(db)
    assert dump is not None
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


def test_a_spools_dump_holds_nothing_per_document_in_memory(tmp_path: Path) -> None:
    """The dump of 20,000 spooled documents is a listing file read as it is used: what the dump holds and what
    making it took in Python objects stay under what 20,000 names alone take (at 100k documents, dicts of names
    and blocks held 22 MB, 47 MB at the highest). Every graph is listed, in the order of the names."""
    db = pyoxigraph.Store()
    kept = spool.Spool(tmp_path / "spool")
    chunks = []
    for number in reversed(range(20_000)):
        graph = doc_graph(f"d{number:05d}")
        lines = f'<{graph}> <https://example.org/p> "{number}" <{graph}> .\n'.encode()
        kept.add(graph, lines)
        chunks.append(lines)
    store.load_nquads(db, chunks)
    tracemalloc.start()
    try:
        dump = kept.dump(db)
        _, highest = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert highest < 500_000 and len(pickle.dumps(dump)) < 1_000
    assert dump is not None
    names = [name for name, _, _ in dump.graphs()]
    assert names == [f"<{doc_graph(f'd{number:05d}')}>" for number in range(20_000)]
    assert extsort.sort_dump(dump, tmp_path).quads.read_bytes() == _sorted(db)


def test_a_changed_document_rewrites_the_segment_that_held_it_not_the_spool(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spool's blocks lie in segments closed once they hold `SEGMENT_BYTES` (here: a block each); a changed
    document's superseded block is dropped by rewriting its segment's live blocks into a new one, and the other
    segments are left as they are (at 100k documents, where the spool is 8.9 GB, a rebuild with 5 changed
    documents took 268 s rewriting it whole, 214–219 s rewriting their segments)."""
    monkeypatch.setattr(spool, "SEGMENT_BYTES", 1)
    inputs, out, (first, _, _) = _inputs(tmp_path, 0, 1, 2)
    build([inputs], out, ctx=ctx, progress=False)
    workdir = out / pipeline.SPOOL
    before = {path.name: path.stat().st_ino for path in workdir.glob("graphs-*.nq")}
    blocks = _spooled(out)
    assert len(before) == 4  # a segment per document, and the one begun after the last
    held_first = blocks[f"<{doc_graph(first.stem)}>"].path.name
    (inputs / first.name).write_text(first.read_text(encoding="utf-8") + "\nКазахстан и Китай.\n", encoding="utf-8")
    report = build([inputs], out, ctx=ctx, progress=False)
    assert report.documents == 1
    _outputs_show_the_store(out)
    after = {path.name: path.stat().st_ino for path in workdir.glob("graphs-*.nq")}
    unchanged = {name: inode for name, inode in before.items() if name != held_first}
    assert held_first not in after and unchanged.items() <= after.items()  # only the first's segment went
    blocks = _spooled(out)
    assert sum(block.stop - block.start for block in blocks.values()) == _spool_bytes(workdir)


def _sorted_whole(monkeypatch: pytest.MonkeyPatch) -> list[extsort.Sorted | None]:
    """What each sort of a dump merged with (None: it sorted every quad), listed as sorted."""
    merged: list[extsort.Sorted | None] = []
    sort_dump = extsort.sort_dump

    def recorded(dump: extsort.Dump, *args: object) -> extsort.SortedDump:
        merged.append(dump.before)
        return sort_dump(dump, *args)

    monkeypatch.setattr(extsort, "sort_dump", recorded)
    return merged


def _spliced(monkeypatch: pytest.MonkeyPatch) -> list[list[splice.Edit]]:
    """The edits of each splice, listed as it is made."""
    spliced: list[list[splice.Edit]] = []
    made = splice.splice

    def recorded(source: Path, changes: Iterable[splice.Edit], target: Path) -> None:
        spliced.append(list(changes))
        made(source, spliced[-1], target)

    monkeypatch.setattr(splice, "splice", recorded)
    return spliced


def test_a_rebuild_sorts_the_graphs_changed_since_and_merges_them_into_the_last_sorted_quads(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """graph.nq is the last build's quads sorted: a build that changes a few documents sorts their graphs and the
    ones dumped at every build (entities, ontology) and merges them with the lines of graph.nq that still hold, a
    pass over it rather than a sort of every quad (at 40M quads ~21 s instead of ~74 s)."""
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    examples = sorted(EXAMPLES.glob("*.txt"))
    assert len(examples) == 7
    for path in examples[:6]:
        shutil.copy(path, inputs)
    merged = _sorted_whole(monkeypatch)
    build([inputs], out, ctx=ctx, progress=False)
    assert merged == [None]  # nothing sorted before

    def change(path: Path, added: str = "\nКазахстан и Китай.\n") -> None:
        (inputs / path.name).write_text(path.read_text(encoding="utf-8") + added, encoding="utf-8")

    new, changed, pruned = examples[6], examples[0], examples[5]
    shutil.copy(new, inputs)
    change(changed)
    (inputs / pruned.name).unlink()
    last = set((out / "graph.nq").read_bytes().splitlines(keepends=True))
    spliced = _spliced(monkeypatch)
    turtle: list[bool] = []
    splice_turtle = store.splice_turtle
    monkeypatch.setattr(store, "splice_turtle", lambda *args: turtle.append(splice_turtle(*args)) or turtle[-1])
    recounted: list[extsort.Statistics | None] = []
    counted_before = _counted(out)
    after = recount.after
    monkeypatch.setattr(recount, "after", lambda *args: recounted.append(after(*args)) or recounted[-1])
    build([inputs], out, ctx=ctx, progress=False, prune=True)
    assert turtle == [True]  # graph.ttl too was the last one with the changed subjects' blocks written anew
    # VoID's counts were the last ones with the changes looked up, and are those of every triple counted.
    assert recounted[0] is not None
    assert dataset.recorded(out / dataset.VOID_FILE).counts == recounted[0] == _counted(out)
    assert recounted[0].triples != counted_before.triples and recounted[0].subjects != counted_before.subjects
    (_, before) = merged
    assert before is not None and before.quads == out / "graph.nq"
    assert pickle.loads(pickle.dumps(before)) == before  # as a helper process hands it on
    # The new and the changed document's graphs and the pruned one's are stale; the rest of the old file holds.
    stale = before.stale.read_text(encoding="utf-8").splitlines()
    assert stale == sorted(f"<{doc_graph(path.stem)}>" for path in (new, changed, pruned))
    _outputs_show_the_store(out)
    # What the old file held of the stale graphs and of the entities and ontology graphs, and only that, was edited
    # out of a copy of it, and the new lines in: every other line copied as it was.
    now = set((out / "graph.nq").read_bytes().splitlines(keepends=True))
    [edits] = spliced
    assert sorted(line for line, added in edits if not added) == sorted(last - now)
    assert sorted(line for line, added in edits if added) == sorted(now - last)
    dumped_anew = (*stale, f"<{ENTITIES_GRAPH}>", f"<{ONTOLOGY_GRAPH}>")
    assert {line.rsplit(b" ", 2)[1].decode() for line, _ in edits} <= set(dumped_anew)
    # The spool's index not as the last dump left it: every quad sorted, the same files.
    (out / pipeline.SPOOL / spool.DUMPED).write_text("12345\n")
    change(changed, "\nАстана.\n")
    merged.clear()
    build([inputs], out, ctx=ctx, progress=False)
    assert merged == [None] and not (out / pipeline.SPOOL / spool.STALE).exists()
    _outputs_show_the_store(out)
    # More stale graphs than half the live ones: a sort of every quad is as quick.
    for path in examples[:5]:
        change(path)
    merged.clear()
    build([inputs], out, ctx=ctx, progress=False)
    assert merged == [None]
    _outputs_show_the_store(out)
    change(new)
    merged.clear()
    build([inputs], out, ctx=ctx, progress=False)
    assert merged[0] is not None
    _outputs_show_the_store(out)


def test_a_merge_that_fails_says_which_file_it_merged_into(tmp_path: Path) -> None:
    listing, stale, removed = tmp_path / "listing.tsv", tmp_path / "stale.txt", tmp_path / "removed.nq"
    for path in (listing, stale, removed):
        path.write_text("")
    before = extsort.Sorted(tmp_path / "graph.nq", stale, spool.DOCUMENTS, removed)  # gone since
    with pytest.raises(OSError, match=r"merging .* into .*graph\.nq failed: .*graph\.nq"):
        extsort.sort_dump(extsort.Dump(listing, (), named_only=True, before=before), tmp_path)
