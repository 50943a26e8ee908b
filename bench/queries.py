"""The queries in ontology/queries/ on a 1M-triple graph: embedded Oxigraph vs rdflib's in-memory SPARQL.

Same data for both: the union of the graph's named graphs (its distinct triples), loaded into an in-memory
Oxigraph store and parsed once into an rdflib Graph. Oxigraph is also timed the way `kg query` runs, on the
named graphs with their union as the default graph. Each rdflib query runs in a forked copy of the parsed graph
so that it can be stopped at the cap; Oxigraph's figures are the p50 of several runs, rdflib's the p50 of up to
three runs that fit in the cap. Results are fully materialised; row counts are checked to agree.

    .venv/bin/python bench/queries.py [--runs 7] [--cap 120]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

import rdflib
from pyoxigraph import RdfFormat, Store

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rdf_scale import million_triple_graph  # noqa: E402  (bench/ is put on the path first)

from kg import extsort  # noqa: E402

QUERIES = ROOT / "ontology" / "queries"


def oxigraph_times(db: Store, sparql: str, runs: int, union: bool) -> tuple[list[float], int]:
    """Seconds of each run, and the row count."""
    times, rows = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        rows = len(list(db.query(sparql, use_default_graph_as_union=union)))
        times.append(time.perf_counter() - started)
    return times, rows


def _rdflib_run(graph: rdflib.Graph, sparql: str, answer: multiprocessing.Queue) -> None:
    started = time.perf_counter()
    rows = len(list(graph.query(sparql)))
    answer.put((time.perf_counter() - started, rows))


def rdflib_times(graph: rdflib.Graph, sparql: str, cap: float) -> tuple[list[float], int | None]:
    """Seconds of up to three runs within `cap` (an empty list when the first run hits it), and the row count."""
    fork = multiprocessing.get_context("fork")  # the child shares the parsed graph instead of parsing it again
    times: list[float] = []
    rows = None
    while len(times) < 3 and sum(times) < cap:
        answer = fork.Queue()
        child = fork.Process(target=_rdflib_run, args=(graph, sparql, answer))
        child.start()
        child.join(cap - sum(times))
        if child.is_alive():
            child.kill()
            child.join()
            break
        seconds, rows = answer.get()
        times.append(seconds)
    return times, rows


def measure(runs: int, cap: float) -> tuple[dict, dict]:
    """Per query: Oxigraph on the union triples, Oxigraph on the named graphs, rdflib; and the setup timings."""
    graph = million_triple_graph()
    setup = {}
    named = Store()
    started = time.perf_counter()
    named.bulk_load(path=str(graph), format=RdfFormat.N_QUADS)
    setup["Oxigraph bulk load, named graphs (in memory)"] = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        triples = extsort.sorted_dump(named, Path(tmp)).triples
        union = Store()
        started = time.perf_counter()
        union.bulk_load(path=str(triples), format=RdfFormat.N_TRIPLES)
        setup["Oxigraph bulk load, union triples (in memory)"] = time.perf_counter() - started
        started = time.perf_counter()
        parsed = rdflib.Graph().parse(str(triples), format="nt")
        setup["rdflib parse, union triples"] = time.perf_counter() - started
    setup["triples"] = len(parsed)
    results = {}
    for path in sorted(QUERIES.glob("*.rq")):
        sparql = path.read_text(encoding="utf-8")
        ox, ox_rows = oxigraph_times(union, sparql, runs, union=False)
        kg, kg_rows = oxigraph_times(named, sparql, runs, union=True)
        rl, rl_rows = rdflib_times(parsed, sparql, cap)
        results[path.name] = {"oxigraph": ox, "kg": kg, "rdflib": rl, "rows": (ox_rows, kg_rows, rl_rows)}
        print(f"{path.name}: {results[path.name]}", file=sys.stderr, flush=True)
    return setup, results


def table(setup: dict, results: dict, cap: float) -> str:
    """Markdown: p50 per query for each engine, and the speed-up."""
    rows = [
        f"{setup['triples']:,} distinct triples. Setup: "
        + "; ".join(f"{k} {v:.1f} s" for k, v in setup.items() if k != "triples")
        + ".",
        "",
        "| query | rows | Oxigraph p50 ms (same triples) | Oxigraph p50 ms (`kg query`: union of named graphs) "
        "| rdflib p50 s | speed-up | p50 < 50 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, r in results.items():
        ox, kg = statistics.median(r["oxigraph"]), statistics.median(r["kg"])
        if r["rdflib"]:
            rl = statistics.median(r["rdflib"])
            rdflib_cell, speedup = f"{rl:.2f}", f"{rl / ox:,.0f}×"
        else:
            rdflib_cell, speedup = f"> {cap:.0f}", f"> {cap / ox:,.0f}×"
        ox_rows, kg_rows, rl_rows = r["rows"]
        counts = str(ox_rows) if rl_rows in (None, ox_rows) else f"{ox_rows} (rdflib {rl_rows})"
        if kg_rows != ox_rows:
            counts += f" (union of graphs {kg_rows})"
        verdict = "yes" if ox < 0.05 else "**no**"
        cells = [name, counts, f"{ox * 1000:.1f}", f"{kg * 1000:.1f}", rdflib_cell, speedup, verdict]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cap", type=float, default=120.0)
    args = parser.parse_args()
    setup, results = measure(args.runs, args.cap)
    print(table(setup, results, args.cap))


if __name__ == "__main__":
    main()
