"""The queries in ontology/queries/ on a 1M-triple graph: embedded Oxigraph vs rdflib's in-memory SPARQL.

Same data for both: the union of the graph's named graphs (its distinct triples), in the default graph of an
in-memory Oxigraph store, and parsed once into an rdflib Graph. Oxigraph is also run the way `kg query` runs: on
the named graphs, with their union as the default graph. Oxigraph's union is a multiset (a triple in 1,000 graphs
matches 1,000 times), so joins over entities described in many graphs multiply; those runs are capped too.

Every measurement runs in a child process with a time cap and a memory cap, so that a query that explodes is
reported instead of taking the machine down: Oxigraph children load the data themselves (spawned), rdflib
children are forked from the process that parsed the graph once. Oxigraph's figure is the p50 of several runs,
rdflib's the p50 of up to three runs that fit in the cap. Results are fully materialised; row counts are compared.

    .venv/bin/python bench/queries.py [--runs 7] [--cap 120] [--memory-gb 6]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import rdflib
from pyoxigraph import RdfFormat, Store

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rdf_scale import million_triple_graph  # noqa: E402  (bench/ is put on the path first)

from kg import extsort  # noqa: E402

QUERIES = ROOT / "ontology" / "queries"
GB = 2**30


@dataclass
class Timing:
    """The runs of one query on one engine, or why there are none."""

    times: list[float]
    rows: int | None = None
    failure: str = ""  # "> 120 s", "out of memory (> 6 GB)"

    def cell(self, scale: float, unit: str) -> str:
        return self.failure or f"{statistics.median(self.times) * scale:,.1f}{unit}"


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at what it has now plus `extra` bytes."""
    cap = psutil.Process().memory_info().vms + extra
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _oxigraph(data: str, union: bool, sparql: str, runs: int, cap: float, extra: int, answer) -> None:
    _limit_memory(extra)
    db = Store()
    db.bulk_load(path=data, format=RdfFormat.N_QUADS if data.endswith(".nq") else RdfFormat.N_TRIPLES)
    _runs(lambda: db.query(sparql, use_default_graph_as_union=union), runs, cap, answer)


def _rdflib(graph: rdflib.Graph, sparql: str, runs: int, cap: float, extra: int, answer) -> None:
    _limit_memory(extra)
    _runs(lambda: graph.query(sparql), runs, cap, answer)


def _runs(query, runs: int, cap: float, answer) -> None:
    """Time `query()` fully materialised, `runs` times within `cap`; put (times, rows) or the error on `answer`."""
    times, rows = [], 0
    try:
        while len(times) < runs and sum(times) < cap:
            started = time.perf_counter()
            rows = len(list(query()))
            times.append(time.perf_counter() - started)
    except MemoryError:
        answer.put(([], None, "out of memory"))
        return
    except Exception as error:  # the engine's own failure is a result to report, not a crash of the benchmark
        answer.put(([], None, f"fails: {type(error).__name__}"))
        return
    answer.put((times, rows, ""))


def in_child(method: str, target, args: tuple, cap: float, extra: int, setup: float = 0) -> Timing:
    """Run `target(*args, cap, extra, answer)` in a child; its timings, or how it failed."""
    context = multiprocessing.get_context(method)
    answer = context.Queue()
    child = context.Process(target=target, args=(*args, cap, extra, answer))
    child.start()
    child.join(setup + cap * 1.5)  # the child stops starting runs at `cap`; a run still going counts as over it
    if child.is_alive():
        child.kill()
        child.join()
        return Timing([], failure=f"> {cap:.0f} s")
    if child.exitcode != 0:
        return Timing([], failure=f"out of memory (> {extra / GB:.0f} GB)")
    times, rows, failure = answer.get()
    if failure == "out of memory":
        failure = f"out of memory (> {extra / GB:.0f} GB)"
    return Timing(times, rows, failure)


def measure(runs: int, cap: float, extra: int) -> tuple[dict, dict]:
    """Per query, the three timings; and the setup figures."""
    graph = million_triple_graph()
    setup: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        named = Store()
        started = time.perf_counter()
        named.bulk_load(path=str(graph), format=RdfFormat.N_QUADS)
        setup["Oxigraph bulk load of the named graphs (in memory)"] = time.perf_counter() - started
        triples = extsort.sorted_dump(named, Path(tmp)).triples
        del named
        started = time.perf_counter()
        parsed = rdflib.Graph().parse(str(triples), format="nt")
        setup["rdflib parse of the union"] = time.perf_counter() - started
        setup["triples"] = len(parsed)
        results = {}
        for path in sorted(QUERIES.glob("*.rq")):
            sparql = path.read_text(encoding="utf-8")
            results[path.name] = {
                "oxigraph": in_child("spawn", _oxigraph, (str(triples), False, sparql, runs), cap, extra, 60),
                "kg query": in_child("spawn", _oxigraph, (str(graph), True, sparql, runs), cap, extra, 60),
                # fork: the child shares the parsed graph instead of parsing it again
                "rdflib": in_child("fork", _rdflib, (parsed, sparql, 3), cap, extra),
            }
            print(f"{path.name}: {results[path.name]}", file=sys.stderr, flush=True)
    return setup, results


def _under_50_ms(timing: Timing) -> str:
    return "yes" if not timing.failure and statistics.median(timing.times) < 0.05 else "**no**"


def table(setup: dict, results: dict[str, dict[str, Timing]], cap: float) -> str:
    """Markdown: p50 per query and engine, and the speed-up on the same data."""
    rows = [
        f"{setup['triples']:,} distinct triples. "
        + "; ".join(f"{k}: {v:.1f} s" for k, v in setup.items() if k != "triples")
        + ".",
        "",
        "| query | rows | Oxigraph p50 (same triples) | rdflib p50 | speed-up | p50 < 50 ms (same triples / "
        "`kg query`) | Oxigraph p50, `kg query` (union of named graphs) |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for name, r in results.items():
        ox, rl, kg = r["oxigraph"], r["rdflib"], r["kg query"]
        if ox.failure:
            speedup = "–"
        else:
            p50 = statistics.median(ox.times)
            if not rl.failure:
                speedup = f"{statistics.median(rl.times) / p50:,.0f}×"
            else:
                speedup = f"> {cap / p50:,.0f}×" if rl.failure.startswith(">") else "–"
        verdict = " / ".join(_under_50_ms(t) for t in (ox, kg))
        counts = f"{ox.rows}" if rl.rows in (None, ox.rows) else f"{ox.rows} (rdflib {rl.rows})"
        cells = [name, counts, ox.cell(1000, " ms"), rl.cell(1, " s"), speedup, verdict, kg.cell(1000, " ms")]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cap", type=float, default=120.0)
    parser.add_argument("--memory-gb", type=float, default=6.0, help="memory each measuring child may add")
    args = parser.parse_args()
    setup, results = measure(args.runs, args.cap, int(args.memory_gb * GB))
    print(table(setup, results, args.cap))


if __name__ == "__main__":
    main()
