"""A 1M-triple graph: store bulk load, the shared external sort, and each sorted serialization.

The graph: the example articles are built with `kg build`, and their document graphs are replicated under new
document ids (`/doc/<id>` becomes `/doc/rNNNNN-<id>`, in graph names, document, sentence, mention and evidence
IRIs) until the union holds at least 1,000,000 distinct triples. Entities and their descriptions are shared by
all replicas, as they are in a real corpus, so the union is smaller than the sum of the graphs.

    .venv/bin/python bench/rdf_scale.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pyoxigraph import RdfFormat, Store

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg import export, extsort, store  # noqa: E402  (the repository root is put on the path first)
from kg.extsort import Dump  # noqa: E402
from kg.pipeline import build  # noqa: E402
from kg.spool import Spool  # noqa: E402
from kg.vocab import ENTITIES_GRAPH, ONTOLOGY_GRAPH  # noqa: E402

DATA = ROOT / "bench" / "data"
GRAPH = DATA / "graph-1m.nq"
TARGET = 1_000_000
DOC = b"/doc/"
NQ = RdfFormat.N_QUADS


def million_triple_graph(path: Path = GRAPH, target: int = TARGET) -> Path:
    """Write (or reuse) N-Quads of replicated example graphs holding at least `target` distinct triples."""
    if path.exists():
        return path
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as out:
        build([ROOT / "examples" / "news"], Path(out), workers=1, progress=False)
        lines = (Path(out) / "graph.nq").read_bytes().splitlines(keepends=True)
    shared = [line for line in lines if DOC not in line]  # the ontology graph
    docs = [line for line in lines if DOC in line]
    triples = {union_triple(line) for line in lines}
    per_replica = len({t for t in map(union_triple, docs) if DOC in t})
    replicas = 1 + max(0, -(-(target - len(triples)) // per_replica))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.writelines(shared)
        for number in range(replicas):
            handle.writelines(line.replace(DOC, b"/doc/r%05d-" % number) for line in docs)
    return path


def union_triple(line: bytes) -> bytes:
    """The triple of one N-Quads line that names a graph."""
    return next(extsort.triple_lines([line]))


def timed(action: Callable[[], object], rounds: int) -> list[float]:
    """Wall-clock seconds of `rounds` runs of `action`."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def measure(rounds: int) -> tuple[int, int, dict[str, list[float]]]:
    """Quad and triple counts, and the timings of each step."""
    graph = million_triple_graph()
    with tempfile.TemporaryDirectory(prefix="kg-bench-", dir=DATA) as tmp:
        work = Path(tmp)
        results = store_loads(graph, work, rounds)
        results["store load in memory: one `Store.bulk_load` (reference)"] = timed(
            lambda: Store().bulk_load(path=str(graph), format=RdfFormat.N_QUADS), rounds
        )
        quads, triples = from_store(Store(str(work / "store")), work, rounds, results)
        as_built(work)
        for fmt in store.FORMATS:  # the store is closed: `kg export` opens it as a user would, in its own process
            results[f"`kg export --format {fmt}` after `kg build` (its process: start, read its files, write)"] = (
                timed(lambda fmt=fmt: kg_export(work / "store", fmt, work / f"export.{fmt}"), rounds)
            )
        export.unstamp(work)
        for fmt in store.FORMATS:
            results[f"`kg export --format {fmt}` of a store changed since (its process: start, dump, sort, write)"] = (
                timed(lambda fmt=fmt: kg_export(work / "store", fmt, work / f"export.{fmt}"), rounds)
            )
        memory = Store()
        memory.bulk_load(path=str(graph), format=RdfFormat.N_QUADS)
        results["pyoxigraph `Store.dump` N-Quads, unsorted, in memory (reference)"] = timed(
            lambda: memory.dump(str(work / "raw.nq"), format=RdfFormat.N_QUADS), rounds
        )
        return quads, triples, results


def store_loads(graph: Path, work: Path, rounds: int) -> dict[str, list[float]]:
    """The on-disk loads' timings; the last store loaded as `kg build` loads is left at `work`/store.

    Each store is closed before the next step, so that its background compactions do not share the cores with the
    steps timed after it."""
    loads, single = [], []
    for number in range(rounds):
        path = work / ("store" if number == rounds - 1 else f"store-{number}")
        loads += load_once(path, lambda db: store.load_nquads(db, [graph.read_bytes()]))
        single += load_once(work / f"single-{number}", lambda db: db.bulk_load(path=str(graph), format=NQ))
    return {
        "store load on disk: `store.load_nquads`, 2 threads (as `kg build` loads)": loads,
        "store load on disk: one `Store.bulk_load` (reference)": single,
    }


def load_once(path: Path, load: Callable[[Store], object]) -> list[float]:
    """Seconds `load` takes to fill a new on-disk store at `path`, which is closed afterwards, untimed."""
    db = Store(str(path))
    return timed(lambda: load(db), 1)


def from_store(db: Store, work: Path, rounds: int, results: dict[str, list[float]]) -> tuple[int, int]:
    """Time the sort and the serializations from the open store `db` into `results`; its quads and triples."""
    results["the store's sorted dump (dump + sort; what a build into a store that held graphs writes from)"] = timed(
        lambda: sort_once(db, work), rounds
    )
    results["graph.ttl + graph.nq + graph.jsonld from the store (sort + write, as `kg build` writes)"] = timed(
        lambda: store.write_all(db, {fmt: work / f"all.{fmt}" for fmt in ("ttl", "nq", "jsonld")}), rounds
    )
    results["the same with JSON-LD in a helper process (as `kg build --workers 2` writes; its start included)"] = (
        timed(lambda: write_with_helper(db, work), rounds)
    )
    kept = spooled(GRAPH, work / "spool")
    results["graph.ttl + graph.nq + graph.jsonld from the build's spool (as `kg build` into an empty store writes)"] = (
        timed(lambda: store.write_all(db, {fmt: work / f"all.{fmt}" for fmt in ("ttl", "nq", "jsonld")},
                                      dump=kept.dump(db)), rounds)
    )
    results["the same with JSON-LD in a helper process (as `kg build --workers 2` into an empty store writes)"] = (
        timed(lambda: write_with_helper(db, work, kept.dump(db)), rounds)
    )
    dumped = extsort.sorted_dump(db, work)
    assert dumped.triple_count  # the triples are sorted now, not in the first timing that reads them
    for fmt in store.FORMATS:
        target = work / f"graph.{fmt}"

        def write(fmt: str = fmt, target: Path = target) -> None:
            with target.open("wb") as handle:
                store.dump_sorted(dumped, handle, fmt)

        results[f"write graph.{fmt} from the sorted dump"] = timed(write, rounds)
    results["pyoxigraph `Store.dump` N-Quads, unsorted, on disk (reference)"] = timed(
        lambda: db.dump(str(work / "raw.nq"), format=RdfFormat.N_QUADS), rounds
    )
    return len(db), dumped.triple_count


def sort_once(db: Store, work: Path) -> None:
    """The sorted quads and triples in a directory of their own, removed afterwards, as `kg build` sorts."""
    with tempfile.TemporaryDirectory(dir=work) as sort_dir:
        assert extsort.sorted_dump(db, Path(sort_dir)).triple_count


def as_built(work: Path) -> None:
    """Leave `work` as `kg build` leaves its output: the graph files written from the store, which is then closed and
    the files stamped as showing it."""
    db = Store(str(work / "store"))
    store.write_all(db, {fmt: work / f"graph.{fmt}" for fmt in export.GRAPH_FILES})
    del db
    export.stamp(work)


def kg_export(store_dir: Path, fmt: str, target: Path) -> None:
    """`kg export --format fmt -o target` of the store at `store_dir`, run as a command."""
    kg = Path(sys.executable).with_name("kg")
    command = [str(kg), "export", "--store", str(store_dir), "--format", fmt, "-o", str(target)]
    subprocess.run(command, check=True)


def write_with_helper(db: Store, work: Path, dump: Dump | None = None) -> None:
    """`store.write_all` of graph.ttl, graph.nq and graph.jsonld with a helper process, as `kg build` does it."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as helper:
        store.write_all(db, {fmt: work / f"all.{fmt}" for fmt in ("ttl", "nq", "jsonld")}, helper, dump=dump)


def spooled(graph: Path, workdir: Path) -> Spool:
    """The spool `kg build` would keep loading `graph` into an empty store: each document's graph as one block; the
    entities and ontology graphs are left to the store."""
    by_graph: dict[bytes, list[bytes]] = {}
    with graph.open("rb") as lines:
        for line in lines:
            by_graph.setdefault(line[line.rindex(b" ", 0, len(line) - 3) + 2 : -4], []).append(line)
    kept = Spool(workdir)
    for name, lines in by_graph.items():
        if name not in (ENTITIES_GRAPH.encode(), ONTOLOGY_GRAPH.encode()):
            kept.add(name.decode(), b"".join(lines))
    return kept


def table(quads: int, triples: int, results: dict[str, list[float]]) -> str:
    """Markdown: median and every run of each step."""
    rows = [
        f"{triples:,} distinct triples in {quads:,} quads (`{GRAPH.relative_to(ROOT)}`).",
        "",
        "| step | median s | runs (s) | target < 5 s |",
        "| --- | ---: | --- | --- |",
    ]
    for step, times in results.items():
        median = statistics.median(times)
        verdict = "" if "reference" in step else ("yes" if median < 5 else "**no**")
        rows.append(f"| {step} | {median:.2f} | {', '.join(f'{t:.2f}' for t in times)} | {verdict} |")
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(table(*measure(args.rounds)))


if __name__ == "__main__":
    main()
