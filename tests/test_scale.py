"""Scale: `--workers`, incremental builds with `--prune`, a Dask cluster, and sorted output written by streaming."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import time
import weakref
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from random import Random

import psutil
import pyoxigraph
import pytest
from distributed import Client, LocalCluster

import kg.distributed
from kg import dataset, descriptions, export, extsort, malloc, parallel, pipeline, store
from kg.annotate import annotate, annotate_many
from kg.distributed import ContextPlugin, OtherRelease, release
from kg.ingest import read_documents
from kg.pipeline import build
from kg.rdf import TYPE
from kg.release import RECORD, holds, of_graphs
from kg.types import Document
from kg.vocab import ENTITIES_GRAPH, ID, ONTOLOGY_GRAPH, doc_graph

from .conftest import EXAMPLES, ROOT
from .servers import kg_command

OUTPUTS = ("graph.ttl", "graph.nq", "graph.jsonld", "graph.html", "report.json")
GRAPH_OUTPUTS = OUTPUTS[:-1]
CHANGED = "07-weather-yekaterinburg"
OLD_SENTENCE = "Дачникам синоптики советуют укрыть рассаду и отложить посадку до середины месяца."
NEW_SENTENCE = "Президент Казахстана Касым-Жомарт Токаев прибыл в Екатеринбург."
# A lone surrogate survives ingest (JSON allows the escape) but cannot be hashed as UTF-8: extraction fails.
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
KG = "https://w3id.org/kg-news/ontology#"
BAD_RECORD = '{"id": "bad", "text": "Москва \\ud800 город.\\n\\nПрезидент России прибыл в Москву."}\n'
GOOD_TEXT = "Визит в Астану\n\nПрезидент Казахстана Касым-Жомарт Токаев прибыл в Пекин.\n"


def _same_files(a: Path, b: Path, names: tuple[str, ...]) -> None:
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def _graph_quads(out: Path, doc_id: str) -> set[pyoxigraph.Quad]:
    db = pyoxigraph.Store.read_only(str(out / "store"))
    return set(db.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(doc_graph(doc_id))))


def _copy_examples(target: Path, skip: str = "") -> Path:
    shutil.copytree(EXAMPLES, target, ignore=lambda _, names: [n for n in names if skip and n.startswith(skip)])
    return target


def _no_models() -> None:
    raise AssertionError("an unchanged corpus must not load the models")


def test_two_workers_build_what_one_builds(
    examples_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = []
    load = store.load_nquads
    monkeypatch.setattr(store, "load_nquads", lambda db, nquads, n: (threads.append(n), load(db, nquads, n)))
    monkeypatch.setattr(pipeline, "BATCH", 4)  # a full batch, then the last
    report = build([EXAMPLES], tmp_path, workers=2, progress=False)
    assert report.documents == 7 and report.failed == 0
    # While the workers have the cores the store loads from one thread; the last batch, once they are done, from two.
    assert threads == [1, 2]
    _same_files(tmp_path, examples_build, OUTPUTS)
    # void.ttl, from what a helper read of the store here, describes the same dataset and files.
    assert _description(tmp_path) == _description(examples_build)


def _description(out: Path) -> set[str]:
    """The triples of void.ttl but for when the build ran."""
    triples = dataset.read(out / "void.ttl")
    build = next(str(t.object) for t in triples if t.predicate.value.endswith("wasGeneratedBy"))
    return {str(t).replace(build, "<build>") for t in triples if not str(t.object).endswith("#dateTime>")}


def test_a_store_reopened_after_every_load_builds_the_same(
    ctx: pipeline.Context, examples_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RocksDB gives back what it read of the store's files only when the store closes, so the build reopens it."""
    opened = []
    monkeypatch.setattr(store, "open_store", lambda path: (opened.append(path), pyoxigraph.Store(str(path)))[1])
    monkeypatch.setattr(store, "REOPEN_BYTES", 1)
    monkeypatch.setattr(pipeline, "BATCH", 2)
    report = build([EXAMPLES], tmp_path, ctx=ctx, progress=False)
    assert report.documents == 7 and report.failed == 0
    # Opened, reopened after each of the 4 loads, and once more before the output phase.
    assert opened == [tmp_path / "store"] * 6
    _same_files(tmp_path, examples_build, OUTPUTS)


def test_a_store_reopened_while_someone_holds_it_fails_on_its_lock(tmp_path: Path) -> None:
    stored = store.Reopening(tmp_path / "store", every=10)
    stored.loaded(9)
    held = stored.db
    with pytest.raises(OSError, match="lock"):
        stored.loaded(1)
    del held


def test_documents_annotated_together_are_annotated_as_alone(ctx: pipeline.Context) -> None:
    documents = [doc for doc in read_documents([EXAMPLES]) if isinstance(doc, Document)]
    together = annotate_many(documents, ctx.nlp)
    assert together == [annotate(document, ctx.nlp) for document in documents]
    assert sum(len(adoc.sentences) for adoc in together) > 50 and all(adoc.spans for adoc in together)


def test_a_batch_that_fails_in_annotation_loses_only_its_bad_document(
    ctx: pipeline.Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails_on_poison(documents: list[Document], nlp: object) -> list:
        if any("POISON" in document.text for document in documents):
            raise ValueError("natasha choked")
        return annotate_many(documents, ctx.nlp)

    monkeypatch.setattr(pipeline, "annotate_many", fails_on_poison)
    documents = [Document("a", GOOD_TEXT), Document("b", "POISON", source="feed.jsonl:2"), Document("c", GOOD_TEXT)]
    outcomes = pipeline.build_batch(documents, ctx)
    assert [(o.doc_id, bool(o.nquads), o.error) for o in outcomes] == [
        ("a", True, ""), ("b", False, "feed.jsonl:2: extraction failed: ValueError('natasha choked')"), ("c", True, "")
    ]
    assert b"kasym-zhomart-tokaev" in outcomes[2].nquads
    tokayev = b"<https://w3id.org/kg-news/id/person/kasym-zhomart-tokaev>"
    assert any(line.startswith(tokayev) for line in outcomes[2].shared)  # the entities graph travels apart


def test_loaded_models_are_hidden_from_the_collector_and_cycles_are_still_collected(ctx: pipeline.Context) -> None:
    """Full collections no longer walk the models and gazetteer, and young objects are collected less often; a
    reference cycle made while processing is still collected."""

    class Node:
        pass

    assert gc.get_freeze_count() > 100_000  # the models' and gazetteer's objects
    assert gc.get_threshold()[0] == pipeline.YOUNG_OBJECTS
    cycle = Node()
    cycle.itself = cycle
    gone = weakref.ref(cycle)
    del cycle
    made = [[] for _ in range(2 * pipeline.YOUNG_OBJECTS)]  # enough allocations for a collection
    assert gone() is None
    assert len(made) == 2 * pipeline.YOUNG_OBJECTS


def test_entity_lines_are_loaded_once_per_build_within_a_bounded_memory() -> None:
    loaded: set[bytes] = set()
    assert pipeline.new_lines([frozenset({b"a\n", b"b\n"}), frozenset({b"b\n"})], loaded, limit=3) == {b"a\n", b"b\n"}
    assert pipeline.new_lines([frozenset({b"b\n", b"c\n"})], loaded, limit=3) == {b"c\n"}
    assert loaded == {b"a\n", b"b\n", b"c\n"}
    assert pipeline.new_lines([frozenset({b"d\n"})], loaded, limit=3) == {b"d\n"}
    assert loaded == {b"d\n"}  # over the limit: forgotten, so at worst a line is loaded again


def test_streamed_sort_writes_what_the_in_memory_sort_writes(examples_build: Path, tmp_path: Path) -> None:
    db = pyoxigraph.Store.read_only(str(examples_build / "store"))
    quads = store.sorted_quads(db)
    for fmt in store.FORMATS:
        streamed, in_memory = io.BytesIO(), io.BytesIO()
        store.dump(db, streamed, fmt)
        store.dump(db, in_memory, fmt, quads)
        assert streamed.getvalue() == in_memory.getvalue(), fmt
    dumped = extsort.sorted_dump(db, tmp_path, run_bytes=20_000)  # dozens of runs to merge
    assert dumped.quads.read_bytes() == (examples_build / "graph.nq").read_bytes()
    assert dumped.triple_count == len({q.triple for q in quads})
    largest = max((block for _, block, _ in dumped.dump.graphs()), key=lambda block: block.stop - block.start)
    runs = tmp_path / "runs"
    runs.mkdir()
    in_files = list(extsort.sorted_block(largest, runs, run_bytes=20_000))  # a graph bigger than a run
    assert len(in_files) > 100 and in_files == list(extsort.sorted_block(largest, runs))
    assert in_files == sorted(in_files) and not list(runs.iterdir())  # merged, and the runs removed


def test_sorted_dump_of_overlapping_graphs_with_hostile_literals(tmp_path: Path) -> None:
    """Runs merged, a blank node graph bigger than a run, literals that look like terms and line ends, triples in
    several graphs: the files hold what sorting every quad and every distinct triple in memory gives."""
    random = Random(7)
    terms = [pyoxigraph.NamedNode(f"https://w3id.org/kg-news/id/{name}") for name in ("a", "b", "doc/x#1", "z")]
    literals = [pyoxigraph.Literal(v) for v in ('a "b" . <c> d .', "x <y", "line\nnext", "", "a b", "tab\there .")]
    graphs = [pyoxigraph.NamedNode(f"https://w3id.org/kg-news/graph/doc/{n}") for n in range(200)]
    graphs += [pyoxigraph.BlankNode("g1")] * 100  # one graph bigger than a run
    db = pyoxigraph.Store()
    for _ in range(3000):
        obj = random.choice(terms + literals)
        db.add(pyoxigraph.Quad(random.choice(terms), random.choice(terms), obj, random.choice(graphs)))
    quads = list(db)
    dumped = extsort.sorted_dump(db, tmp_path, run_bytes=3000)
    assert dumped.quads.read_bytes() == b"".join(sorted(f"{q} .\n".encode() for q in quads))
    assert not (tmp_path / "triples.nt").exists()  # not before a format asks for them: N-Quads needs none
    assert dumped.triples.read_bytes() == b"".join(sorted({f"{q.triple} .\n".encode() for q in quads}))
    assert dumped.triple_count == len({q.triple for q in quads}) < len(quads)
    (tmp_path / "triples").mkdir()
    assert extsort.sorted_triples(db, tmp_path / "triples", run_bytes=3000).read_bytes() == dumped.triples.read_bytes()
    with pytest.raises(ValueError, match="out of order"):
        extsort.write_distinct(io.BytesIO(), [b"<b> .\n", b"<a> .\n"])
    with extsort.by_graph(dumped.dump.paths, tmp_path, run_bytes=3000) as lines:  # as TriG reads them
        grouped = lines.read()
    key = {q: (str(q.graph_name), f"{q} .\n") for q in quads}
    assert grouped == b"".join(f"{q} .\n".encode() for q in sorted(quads, key=key.__getitem__))
    with extsort.by_graph([], tmp_path) as lines:  # no file: nothing, rather than waiting on standard input
        assert lines.read() == b""


def test_graphs_are_handed_out_in_the_order_of_their_names_while_the_rest_are_dumped(
    examples_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `kg export --format trig` of a changed store reads: each graph's block as soon as a thread has dumped
    it, in order; a thread's error reaches the reader instead of leaving it waiting."""
    db = pyoxigraph.Store.read_only(str(examples_build / "store"))
    names = list(extsort.graph_names(db))
    assert list(map(str, names)) == sorted(map(str, db.named_graphs()))
    (tmp_path / "a").mkdir()
    blocks = extsort.dumping(db, iter(names), tmp_path / "a", ahead=2)  # a stream of names, two handed out ahead
    name, first = next(blocks)  # read before the rest are asked for: in its file already
    graph = first.path.read_bytes()[first.start : first.stop].decode()
    assert name == names[0] and graph and all(line.endswith(f" {names[0]} .") for line in graph.splitlines())
    handed = [(name, first), *blocks]
    (tmp_path / "b").mkdir()
    whole = extsort.dump_graphs(db, tmp_path / "b")
    listed = list(whole.graphs())
    assert [name for name, _ in handed] == names
    (tmp_path / "d").mkdir()
    left = extsort.dumping(db, iter(names), tmp_path / "d", ahead=2)
    next(left)
    left.close()  # a reader that stops early: the threads end with what they were handed (no hang)
    assert [name for name, _, _ in listed] == list(map(str, names))
    assert len(handed) == len(listed) == len(names) == 9
    for (_, one), (_, other, _) in zip(handed, listed, strict=True):
        assert list(extsort.sorted_block(one, tmp_path)) == list(extsort.sorted_block(other, tmp_path))
    dump = extsort.dump_blocks

    def fails_on_the_second(store_: object, graphs: list, path: Path, named: bool = True) -> Iterator:
        for number, block in enumerate(dump(store_, graphs, path, named)):
            if number == 1:
                raise OSError("disk full")
            yield block

    monkeypatch.setattr(extsort, "dump_blocks", fails_on_the_second)
    (tmp_path / "c").mkdir()
    with pytest.raises(OSError, match="disk full"):
        list(extsort.dumping(db, names, tmp_path / "c"))
    with pytest.raises(OSError, match="disk full"):
        store.dump(db, io.BytesIO(), "trig")


def test_with_a_helper_the_store_is_dumped_and_counted_outside_the_build_process(
    examples_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a large store costs RocksDB memory that grows with the store: it goes with the helper process. The
    VoID counts are made there too, while the build process writes the files."""

    def not_here(*_: object) -> None:
        raise AssertionError("the build process must neither dump the store nor count its triples")

    shutil.copytree(examples_build / "store", tmp_path / "store")
    db = store.open_store(tmp_path / "store")
    monkeypatch.setattr(extsort, "dump_graphs", not_here)  # in this process only: the helper is spawned
    monkeypatch.setattr(extsort, "statistics", not_here)
    paths = {fmt: tmp_path / "out" / f"graph.{fmt}" for fmt in pipeline.GRAPH_FILES}
    spawn = multiprocessing.get_context("spawn")
    with (
        store.checkpoint(db, tmp_path / "view") as view,
        ProcessPoolExecutor(1, mp_context=spawn, initializer=parallel.start_output_helper) as helper,
    ):
        counts = store.write_all(db, paths, helper, view)
    assert counts.triples == json.loads((examples_build / "report.json").read_text())["triples"]
    _same_files(tmp_path / "out", examples_build, tuple(f"graph.{fmt}" for fmt in pipeline.GRAPH_FILES))


def test_when_writing_fails_the_helper_finishes_with_the_dump_before_it_is_removed(
    examples_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build process's error is the one raised, and only once the helper no longer reads the dump's files."""
    seen: list[bool] = []

    def slow_jsonld(dump: extsort.Dump, path: Path) -> None:
        time.sleep(0.5)
        seen.append(all(block.path.exists() for _, block, _ in dump.graphs()))

    def disk_full(*_: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(store, "write_jsonld", slow_jsonld)
    monkeypatch.setattr(store, "dump_sorted", disk_full)
    shutil.copytree(examples_build / "store", tmp_path / "store")
    db = store.open_store(tmp_path / "store")
    paths = {fmt: tmp_path / f"graph.{fmt}" for fmt in pipeline.GRAPH_FILES}
    with ThreadPoolExecutor(1) as helper, pytest.raises(OSError, match="No space left"):
        store.write_all(db, paths, helper)
    assert seen == [True]
    assert not list(tmp_path.glob(".kg-*"))


FREE_AND_MEASURE = """
import sys
import psutil
from kg import malloc

def rss_mb() -> int:
    return psutil.Process().memory_info().rss >> 20

if sys.argv[1] == "mapped":
    malloc.map_large_allocations()
block = b"x" * (4 << 20)  # freed, it raises glibc's threshold to 4 MB, unless that is fixed
del block
big, kept = [], []
for _ in range(100):
    big.append(b"x" * (1 << 20))  # like the batches of N-Quads a build loads
    kept.append(bytes(range(256)) * 4)  # made at run time: each lives on between two blocks
before = rss_mb()
del big
freed = rss_mb()
malloc.trim()
print(before - freed, before - rss_mb())
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt and malloc_trim are glibc's")
@pytest.mark.parametrize(("mode", "given_back_when_freed"), [("default", False), ("mapped", True)])
def test_freed_memory_goes_back_to_the_system(mode: str, given_back_when_freed: bool) -> None:
    """What the build process does: 100 MB of 1 MB blocks freed between live objects stay in the heap by default,
    are unmapped at once with large allocations mapped, and are returned by a trim either way."""
    out = subprocess.run(
        [sys.executable, "-c", FREE_AND_MEASURE, mode], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    when_freed, after_trim = map(int, out.split())
    assert (when_freed >= 90) is given_back_when_freed
    assert after_trim >= 90


ALLOCATE_AND_COUNT = """
import resource
import sys
from kg import malloc

if sys.argv[1] == "heap":
    malloc.heap_large_allocations()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    block = b"x" * (4 << 20)  # like one of natasha's arrays, written whole
    del block
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
@pytest.mark.parametrize(("mode", "faults_each_time"), [("as the nanny leaves it", True), ("heap", False)])
def test_a_dask_workers_large_allocations_come_from_the_heap(mode: str, faults_each_time: bool) -> None:
    """What the Dask worker plugin does first: with MALLOC_TRIM_THRESHOLD_ set, as Dask's nanny sets it for its
    workers, each 4 MB block is mapped anew and its 1,024 pages faulted in, unless large allocations are served
    from the heap again."""
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}
    faults = int(subprocess.run(
        [sys.executable, "-c", ALLOCATE_AND_COUNT, mode], capture_output=True, text=True, check=True, cwd=ROOT,
        env=env,
    ).stdout)
    assert (faults >= 50 * 1024 * 0.9) is faults_each_time, faults
    assert faults_each_time or faults < 5 * 1024, faults


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_malloc_arenas_are_capped_on_glibc() -> None:
    """What output helpers do first: dumping a 40M-quad store, one peaked at 346 MB so, against 438 MB."""
    assert malloc.fewer_arenas(2)


def test_the_triples_of_every_graph_default_graph_included_are_sorted_once_each(tmp_path: Path) -> None:
    """What `kg export --format ttl|nt|xml` writes: the union of all graphs, without sorting the quads."""
    a, b, c = (pyoxigraph.NamedNode(f"https://w3id.org/kg-news/id/{name}") for name in "abc")
    db = pyoxigraph.Store()
    db.extend([
        pyoxigraph.Quad(a, b, c, pyoxigraph.DefaultGraph()),
        pyoxigraph.Quad(a, b, c, pyoxigraph.NamedNode("https://w3id.org/kg-news/graph/doc/1")),
        pyoxigraph.Quad(c, b, pyoxigraph.Literal("z z ."), pyoxigraph.BlankNode("g")),
    ])
    triples = extsort.sorted_triples(db, tmp_path)
    assert triples.read_bytes() == f'{a} {b} {c} .\n{c} {b} "z z ." .\n'.encode()
    out = io.BytesIO()
    store.dump(db, out, "nt")
    assert out.getvalue() == triples.read_bytes()


def test_lines_are_sorted_by_their_bytes_through_files_in_little_memory(tmp_path: Path) -> None:
    """GNU sort in the C locale: lines in the order sorted() gives their bytes; runs spilled to `work` and removed."""
    lines = [f"<{n * 7919 % 1000:04d}> «{chr(0x410 + n % 40)}» .\n".encode() for n in range(3000)]
    sources = [tmp_path / "a.nq", tmp_path / "b.nq"]
    sources[0].write_bytes(b"".join(lines[:1700]))
    sources[1].write_bytes(b"".join(lines[1700:] + lines[:10]))
    work = tmp_path / "work"
    work.mkdir()
    extsort.sort_lines(sources, tmp_path / "sorted", work, run_bytes=4000)
    assert (tmp_path / "sorted").read_bytes() == b"".join(sorted(lines + lines[:10]))
    extsort.sort_lines(sources, tmp_path / "unique", work, run_bytes=4000, unique=True)
    assert (tmp_path / "unique").read_bytes() == b"".join(sorted(set(lines)))
    extsort.sort_lines([], tmp_path / "empty", work)
    assert (tmp_path / "empty").read_bytes() == b"" and not list(work.iterdir())
    with pytest.raises(OSError, match=r"sorting .*missing\.nq failed: .*No such file"):
        extsort.sort_lines([tmp_path / "missing.nq"], tmp_path / "out", work)


def test_streamed_jsonld_reads_hostile_literals_as_the_in_memory_writer_does(tmp_path: Path) -> None:
    """The streamed JSON-LD splits N-Quads lines at spaces; literals holding spaces, " . ", escapes and line
    separators must come out as the regex-based writer gives them."""
    graph, subject, label = (pyoxigraph.NamedNode(f"https://w3id.org/kg-news/{n}") for n in ("graph/x", "id/a", "l"))
    values = [
        pyoxigraph.Literal('a "b" . <c> d .'),
        pyoxigraph.Literal("line\nnext\u2028sep\u0085nel\ttab\\"),
        pyoxigraph.Literal("Астана город", language="ru"),
        pyoxigraph.Literal("1 2", datatype=pyoxigraph.NamedNode("http://example.org/t")),
        pyoxigraph.BlankNode("b1"),
    ]
    db = pyoxigraph.Store()
    db.extend(pyoxigraph.Quad(subject, label, value, graph) for value in values)
    streamed = io.BytesIO()
    store.dump(db, streamed, "jsonld")
    assert streamed.getvalue() == store.jsonld(db.quads_for_pattern(None, None, None, None))
    read = {q.object for q in pyoxigraph.parse(streamed.getvalue(), format=pyoxigraph.RdfFormat.JSON_LD)}
    assert {v for v in values if isinstance(v, pyoxigraph.Literal)} <= read
    triple = pyoxigraph.Triple(subject, label, values[0])
    db.add(pyoxigraph.Quad(subject, label, triple, graph))
    with pytest.raises(ValueError, match=r"no JSON-LD form.*ttl12"):
        store.dump(db, io.BytesIO(), "jsonld")


def test_an_unchanged_corpus_is_skipped_without_loading_models(
    examples_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    shutil.copytree(examples_build, out)
    monkeypatch.setattr(pipeline, "load_context", _no_models)
    written_at = {name: (out / name).stat().st_mtime_ns for name in GRAPH_OUTPUTS}
    report = build([EXAMPLES], out, progress=False)
    assert (report.documents, report.skipped, report.failed, report.tokens) == (0, 7, 0, 0)
    written = json.loads((out / "report.json").read_text())
    before = json.loads((examples_build / "report.json").read_text())
    assert written == {**before, "documents": 0, "skipped": 7, "tokens": 0}
    assert {name: (out / name).stat().st_mtime_ns for name in GRAPH_OUTPUTS} == written_at  # not rewritten
    _same_files(out, examples_build, GRAPH_OUTPUTS)
    assert export.built(out / "store") == out  # the store was opened and changed nothing: kg export reads the files


def test_graphs_another_kg_extracted_are_extracted_again(
    ctx: pipeline.Context, examples_build: Path, tmp_path: Path
) -> None:
    """An output whose store another kg built (its recorded release differs, or it has none) has every document
    extracted again, its graph replaced, and the files as a fresh build writes them; the next build skips all."""
    out = tmp_path / "out"
    shutil.copytree(examples_build, out)
    assert (out / RECORD).read_text().strip() == of_graphs()
    (out / RECORD).write_text("another kg\n")
    report = build([EXAMPLES], out, ctx=ctx, progress=False)
    assert (report.documents, report.skipped, report.failed) == (7, 0, 0)
    assert holds(out)
    _same_files(out, examples_build, GRAPH_OUTPUTS)
    (out / RECORD).unlink()
    assert (build([EXAMPLES], out, ctx=ctx, progress=False).documents, holds(out)) == (7, True)
    assert (build([EXAMPLES], out, ctx=ctx, progress=False).skipped) == 7


def test_a_changed_document_has_its_graph_replaced(ctx: pipeline.Context, examples_build: Path, tmp_path: Path) -> None:
    inputs = _copy_examples(tmp_path / "in")
    changed = inputs / f"{CHANGED}.txt"
    old_text = changed.read_text(encoding="utf-8")
    assert OLD_SENTENCE in old_text
    new_text = old_text.replace(OLD_SENTENCE, NEW_SENTENCE)
    changed.write_text(new_text, encoding="utf-8")
    out = tmp_path / "out"
    shutil.copytree(examples_build, out)

    report = build([inputs], out, ctx=ctx, progress=False)

    assert (report.documents, report.skipped, report.failed) == (1, 6, 0)
    quads = _graph_quads(out, CHANGED)
    values = {q.object.value for q in quads if isinstance(q.object, pyoxigraph.Literal)}
    assert hashlib.sha256(new_text.encode()).hexdigest() in values
    assert hashlib.sha256(old_text.encode()).hexdigest() not in values
    assert NEW_SENTENCE in values and OLD_SENTENCE not in values
    assert OLD_SENTENCE not in (out / "graph.nq").read_text(encoding="utf-8")
    assert "kasym-zhomart-tokaev" in {q.object.value.rsplit("/", 1)[-1] for q in quads}
    assert _graph_quads(out, "01-astana-state-visit") == _graph_quads(examples_build, "01-astana-state-visit")


def test_only_the_graphs_the_store_held_are_dropped_before_a_load(
    ctx: pipeline.Context, examples_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A changed document's old graph goes, and so does that of one that now fails; a new document has none, and
    asking the store to drop it anyway had RocksDB keep what its seeks read (bench/results.md, stop 31)."""
    inputs = _copy_examples(tmp_path / "in", skip=CHANGED)
    (inputs / "now-bad.jsonl").write_text(BAD_RECORD.replace('"bad"', f'"{CHANGED}"'), encoding="utf-8")
    (inputs / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    edited = inputs / "01-astana-state-visit.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + f"\n{NEW_SENTENCE}\n", encoding="utf-8")
    out = tmp_path / "out"
    shutil.copytree(examples_build, out)
    dropped: list[str] = []
    replace = store.replace_graphs
    monkeypatch.setattr(
        store, "replace_graphs", lambda db, graphs, chunks, n: (dropped.extend(graphs), replace(db, graphs, chunks, n))
    )

    report = build([inputs], out, ctx=ctx, progress=False)

    assert (report.documents, report.skipped, report.failed) == (2, 5, 1)
    assert sorted(dropped) == [doc_graph("01-astana-state-visit"), doc_graph(CHANGED)]
    assert _graph_quads(out, CHANGED) == set() != _graph_quads(examples_build, CHANGED)
    assert _graph_quads(out, "good")
    edited_text = {q.object.value for q in _graph_quads(out, "01-astana-state-visit")}
    assert NEW_SENTENCE in edited_text


def test_prune_drops_the_graph_of_a_removed_document(
    examples_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = _copy_examples(tmp_path / "in", skip=CHANGED)
    out = tmp_path / "out"
    shutil.copytree(examples_build, out)
    monkeypatch.setattr(pipeline, "load_context", _no_models)

    kept = build([inputs], out, progress=False)
    assert (kept.documents, kept.skipped) == (0, 6)
    assert _graph_quads(out, CHANGED) == _graph_quads(examples_build, CHANGED) != set()

    pruned = build([inputs], out, prune=True, progress=False)
    assert (pruned.documents, pruned.skipped) == (0, 6)
    assert _graph_quads(out, CHANGED) == set()
    assert doc_graph(CHANGED) not in (out / "graph.nq").read_text(encoding="utf-8")
    assert doc_graph("01-astana-state-visit") in (out / "graph.nq").read_text(encoding="utf-8")



def test_descriptions_no_article_names_are_dropped_with_what_only_they_link_to() -> None:
    """An entity an article names as object or as subject stays, with what it links to; one named only by the
    entities or ontology graph, or by nothing, goes, with what only it links to."""
    node = pyoxigraph.NamedNode
    e = {name: node(f"{ID}{name}") for name in ("kz", "astana", "person", "coop", "lonely", "its-city", "ontologys")}
    entities, ontology, article = node(ENTITIES_GRAPH), node(ONTOLOGY_GRAPH), node(doc_graph("a"))
    label, country, span = node(f"{RDFS}label"), node(f"{KG}country"), node(f"{ID}doc/a#char=0,6")
    db = pyoxigraph.Store()
    for name, entity in e.items():
        db.add(pyoxigraph.Quad(entity, TYPE, node(f"{KG}Place"), entities))
        db.add(pyoxigraph.Quad(entity, label, pyoxigraph.Literal(name), entities))
    db.add(pyoxigraph.Quad(e["astana"], country, e["kz"], entities))
    db.add(pyoxigraph.Quad(e["lonely"], country, e["its-city"], entities))
    db.add(pyoxigraph.Quad(e["person"], country, e["kz"], entities))
    db.add(pyoxigraph.Quad(span, node(f"{KG}refersTo"), e["astana"], article))
    db.add(pyoxigraph.Quad(e["coop"], node(f"{KG}supportedBy"), span, article))
    db.add(pyoxigraph.Quad(e["person"], label, pyoxigraph.Literal("x"), ontology))
    db.add(pyoxigraph.Quad(node(f"{KG}Place"), node(f"{RDFS}seeAlso"), e["ontologys"], ontology))

    dropped = descriptions.drop_unreferenced(db)

    kept = {q.subject.value.rsplit("/", 1)[1] for q in db.quads_for_pattern(None, None, None, entities)}
    assert kept == {"astana", "kz", "coop"}
    assert dropped == 2 * 4 + 2  # type and label of four, and the two links from the dropped
    assert len(db) == 3 * 2 + 1 + 2 + 2  # the kept descriptions and Astana's country; the article's; the ontology's

def test_only_what_the_dropped_articles_named_is_checked_and_the_same_goes() -> None:
    """Article a names Astana, a person, a city of its own and a pair of descriptions that link to each other;
    article b names Astana. Once a is dropped, what it named is checked (`Unnamed`), and what goes is what checking
    every description drops: the person, the city and its country, the pair; Astana and Kazakhstan stay."""
    node = pyoxigraph.NamedNode
    names = ("kz", "astana", "person", "city", "its-country", "x", "y")
    e = {name: node(f"{ID}{name}") for name in names}
    entities, a = node(ENTITIES_GRAPH), node(doc_graph("a"))
    country, near = node(f"{KG}country"), node(f"{KG}near")
    db = pyoxigraph.Store()
    for entity in e.values():
        db.add(pyoxigraph.Quad(entity, TYPE, node(f"{KG}Place"), entities))
    for s, p, o in (("astana", country, "kz"), ("person", country, "kz"), ("city", country, "its-country"),
                    ("x", near, "y"), ("y", near, "x")):
        db.add(pyoxigraph.Quad(e[s], p, e[o], entities))
    for doc, name, start in (("a", "astana", 0), ("a", "person", 10), ("a", "city", 20), ("a", "x", 30),
                             ("b", "astana", 0)):
        mention = node(f"{ID}doc/{doc}#char={start},{start + 5}")
        db.add(pyoxigraph.Quad(mention, node(f"{KG}refersTo"), e[name], node(doc_graph(doc))))
    db.add(pyoxigraph.Quad(node(f"{ID}doc/a"), node(f"{KG}mentions"), e["person"], a))
    every = pyoxigraph.Store()
    every.extend(db)

    unnamed = descriptions.Unnamed(limit=10)
    unnamed.gather(db, [a.value])
    for each in (db, every):
        each.remove_graph(a)
    assert unnamed.iris == {e["astana"], e["person"], e["city"], e["x"]}
    assert descriptions.worth_reading(db) == 0  # 7 descriptions: checking them all costs less than reading a graph

    assert descriptions.drop_unreferenced(db, unnamed.iris) == descriptions.drop_unreferenced(every) == 9
    assert set(db) == set(every)
    kept = {q.subject.value.rsplit("/", 1)[1] for q in db.quads_for_pattern(None, None, None, entities)}
    assert kept == {"astana", "kz"}


def test_unnamed_gives_up_past_its_limit() -> None:
    unnamed = descriptions.Unnamed(limit=2)
    db = pyoxigraph.Store()
    unnamed.gather(db, [doc_graph("1"), doc_graph("2")])
    assert unnamed.iris == set()
    unnamed.gather(db, [doc_graph("3")])
    assert unnamed.iris is None


def _bad_and_good_inputs(folder: Path) -> Path:
    folder.mkdir()
    (folder / "bad.jsonl").write_text(BAD_RECORD, encoding="utf-8")
    (folder / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    return folder


def _assert_bad_document_named(report: pipeline.BuildReport, out: Path) -> None:
    assert (report.documents, report.failed) == (1, 1)
    [error] = report.errors
    assert "bad.jsonl" in error.source and "extraction failed" in error.message
    assert json.loads((out / "report.json").read_text())["errors"][0]["source"] == error.source
    assert _graph_quads(out, "good") and not _graph_quads(out, "bad")


def test_a_bad_document_in_a_worker_process_is_named(tmp_path: Path) -> None:
    inputs = _bad_and_good_inputs(tmp_path / "in")
    report = build([inputs], tmp_path / "out", workers=2, progress=False)
    _assert_bad_document_named(report, tmp_path / "out")


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """Two worker processes on loopback, as `dask scheduler` and `dask worker` would give."""
    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as local:
        yield local


def test_a_dask_build_equals_a_single_process_build(
    cluster: LocalCluster, examples_build: Path, tmp_path: Path
) -> None:
    report = build([EXAMPLES], tmp_path, dask=cluster.scheduler_address, progress=False)
    assert report.documents == 7 and report.failed == 0
    _same_files(tmp_path, examples_build, OUTPUTS)


def test_dask_workers_get_natashas_arrays_from_the_heap(cluster: LocalCluster) -> None:
    """The plugin a build registers undoes the nanny's MALLOC_TRIM_THRESHOLD_ in each worker: 4 MB blocks are no
    longer mapped anew, each 1,024 pages faulted in (a 2,000-document build was 1.29× slower so)."""

    def faults_of_large_blocks() -> int:
        import resource

        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(50):
            block = b"x" * (4 << 20)
            del block
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    with Client(cluster) as client:
        assert set(client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_").values()) == {"65536"}
        client.register_plugin(ContextPlugin())
        faults = client.run(faults_of_large_blocks)
    assert len(faults) == 2 and all(count < 5 * 1024 for count in faults.values()), faults


def test_a_dask_worker_running_other_kg_code_is_refused(cluster: LocalCluster) -> None:
    """Its graphs would differ from what the client's code makes of the same documents: the build stops, naming it."""
    plugin = ContextPlugin()
    plugin.client_release = "not this release"
    with Client(cluster) as client, pytest.raises(OtherRelease, match="runs another version of kg than this build"):
        client.register_plugin(plugin)


def test_the_release_a_worker_checks_changes_with_the_ontology(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ours = release()
    assert ContextPlugin().client_release == ours
    copy = shutil.copytree(ROOT / "ontology", tmp_path / "ontology")
    monkeypatch.setattr(kg.distributed, "ONTOLOGY_DIR", copy)
    try:
        release.cache_clear()
        assert release() == ours
        release.cache_clear()
        with (copy / "sectors.ttl").open("a", encoding="utf-8") as handle:
            handle.write("\n")
        assert release() != ours
    finally:
        release.cache_clear()


def test_a_bad_document_on_a_dask_worker_is_named(cluster: LocalCluster, tmp_path: Path) -> None:
    inputs = _bad_and_good_inputs(tmp_path / "in")
    report = build([inputs], tmp_path / "out", dask=cluster.scheduler_address, progress=False)
    _assert_bad_document_named(report, tmp_path / "out")


def test_worker_processes_end_when_the_build_process_is_killed(tmp_path: Path) -> None:
    build_process = subprocess.Popen(
        [*kg_command(), "build", "-", "-o", str(tmp_path / "out"), "--workers", "2", "--quiet"],
        stdin=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    workers: list[psutil.Process] = []
    try:
        docs = (json.dumps({"id": f"d{i}", "text": "Делегация прибыла в Астану."}, ensure_ascii=False)
                for i in range(40))  # two batches, a worker each; stdin left open: the build waits for more
        build_process.stdin.write("\n".join(docs).encode() + b"\n")
        build_process.stdin.flush()
        workers = _pool_workers(psutil.Process(build_process.pid))
        build_process.kill()  # SIGKILL: no chance to shut the pool down
        build_process.wait(10)
        _, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive, f"orphaned workers: {alive}"
    finally:
        for process in [build_process, *workers]:
            with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
                process.kill()


def _pool_workers(parent: psutil.Process, count: int = 2, timeout: float = 60) -> list[psutil.Process]:
    """The pool's worker processes, once they run their initializer (a second thread: the parent watch) or
    `timeout` seconds after they started."""
    deadline = time.monotonic() + timeout
    workers: list[psutil.Process] = []
    while time.monotonic() < deadline:
        with contextlib.suppress(psutil.NoSuchProcess):
            workers = [p for p in parent.children() if "spawn_main" in " ".join(p.cmdline())]
            if len(workers) == count and all(p.num_threads() >= 2 for p in workers):
                break
        time.sleep(0.1)
    assert len(workers) == count, "the pool's workers did not start"
    return workers


def test_a_checkpoint_stays_readable_when_the_store_deletes_its_files(tmp_path: Path) -> None:
    db = store.open_store(tmp_path / "store")
    for number in range(3):  # several loads: several files per index
        db.bulk_load(input=f"<x:s{number}> <x:p> <x:o> <x:g{number}> .\n".encode(), format=pyoxigraph.RdfFormat.N_QUADS)
    with store.checkpoint(db, tmp_path / "view") as view:
        for sst in (tmp_path / "store").glob("*.sst"):
            sst.unlink()  # what a compaction does to the files it merged
        quads = pyoxigraph.Store.read_only(str(view)).quads_for_pattern(None, None, None, None)
        assert sorted(str(q.subject) for q in quads) == ["<x:s0>", "<x:s1>", "<x:s2>"]
    assert not (tmp_path / "view").exists()


def test_a_batch_loads_from_its_chunks_shared_at_line_ends() -> None:
    """A batch's documents are loaded where they lie, not joined: shared among the threads at line ends, no line
    lost or doubled."""
    lines = [f'<http://e/{i}> <http://p> "{i}" <http://g/{i % 3}> .\n'.encode() for i in range(100)]
    chunks = [b"".join(lines[:70]), lines[70], b"".join(lines[71:])]
    whole = b"".join(chunks)
    for count in (1, 2, 3):
        runs = [b"".join(run) for run in store.shares(chunks, count)]
        assert len(runs) == count and b"".join(runs) == whole
        assert all(run.endswith(b"\n") for run in runs)
        assert max(map(len, runs)) - min(map(len, runs)) <= 2 * max(map(len, lines))
    reader = store.ChunkReader(store.shares(chunks, 2)[1])
    assert b"".join(iter(lambda: reader.read(7), b"")) == b"".join(store.shares(chunks, 2)[1])
    db = store.open_store()
    store.load_nquads(db, chunks, threads=2)
    assert len(db) == 100 and len(list(db.named_graphs())) == 3
    store.load_nquads(db, [], threads=2)
    assert len(db) == 100
