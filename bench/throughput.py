"""Throughput: raw natasha vs our pipeline vs `kg build --workers 1` vs `--workers 2`, documents/s and tokens/s.

On the same generated documents, side by side in each round, each measurement in a fresh process:
- raw natasha: `Doc.segment`, `tag_morph`, `parse_syntax`, `tag_ner` per document, models loaded before timing;
- our pipeline: `build_batch` over batches of documents, as `kg build --workers 1` runs it (annotation, extraction,
  linking, RDF as N-Quads), models loaded before timing;
- pools of 1 and 2 processes: the same through `kg.parallel.map_documents` (what `--workers 2` runs), worker start
  and model loading included in both, so that their ratio is the scaling of annotation and extraction;
- `kg build --workers 1` and `--workers 2`: the command end to end into a fresh directory (model loading, store,
  every output file included);
- `kg build --dask`: the same against a cluster of two worker processes of one thread each on loopback, started
  before the timing as the README's `dask scheduler` / `dask worker` lines start one, and stopped after (the
  workers' model loading is timed, as the pool's is).
Every process gets OPENBLAS_NUM_THREADS=1 (what `kg build` sets for itself and its workers).

    .venv/bin/python bench/throughput.py [--docs 2000] [--rounds 3] [--builds]

`--builds` runs only the three `kg build` configurations (a third of the time).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from corpus import write_corpus  # noqa: E402  (bench/ is put on the path first)

PYTHON = sys.executable
KG = str(Path(PYTHON).parent / "kg")
DASK_COMMAND = str(Path(PYTHON).parent / "dask")
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
DASK = "kg build --dask, 2 workers"
CONFIGS = ("raw natasha", "our pipeline", "pool of 1 process", "pool of 2 processes", "kg build --workers 1",
           "kg build --workers 2", DASK)
IN_PROCESS = {"raw natasha": ["--raw"], "our pipeline": ["--pipeline"], "pool of 1 process": ["--pool", "1"],
              "pool of 2 processes": ["--pool", "2"]}


def read_texts(folder: Path) -> list[dict]:
    """The generated records of a corpus folder."""
    records = []
    for part in sorted(folder.glob("*.jsonl")):
        records += [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines() if line.strip()]
    return records


def time_raw(folder: Path) -> dict:
    """Raw natasha over the corpus, in this process."""
    from natasha import Doc, NewsEmbedding, NewsMorphTagger, NewsNERTagger, NewsSyntaxParser, Segmenter

    embedding = NewsEmbedding()
    segmenter, morph = Segmenter(), NewsMorphTagger(embedding)
    syntax, ner = NewsSyntaxParser(embedding), NewsNERTagger(embedding)
    texts = [record["text"] for record in read_texts(folder)]
    tokens, started, cpu = 0, time.perf_counter(), time.process_time()
    for text in texts:
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_morph(morph)
        doc.parse_syntax(syntax)
        doc.tag_ner(ner)
        tokens += len(doc.tokens)
    return _measured(len(texts), tokens, started, cpu)


def time_pipeline(folder: Path) -> dict:
    """Our per-document pipeline over the corpus, in this process."""
    from kg.batching import batches
    from kg.pipeline import ANNOTATE_BATCH, build_batch, load_context
    from kg.types import Document

    ctx = load_context()
    documents = [Document(r["id"], r["text"], r["title"]) for r in read_texts(folder)]
    tokens, started, cpu = 0, time.perf_counter(), time.process_time()
    for batch in batches(documents, ANNOTATE_BATCH):
        tokens += sum(outcome.tokens for outcome in build_batch(batch, ctx))
    return _measured(len(documents), tokens, started, cpu)


def time_pool(folder: Path, workers: int) -> dict:
    """Annotation and extraction in a `kg.parallel` pool of processes, worker start and model loading included."""
    from kg.parallel import map_documents
    from kg.types import Document

    documents = [Document(r["id"], r["text"], r["title"]) for r in read_texts(folder)]
    tokens, started, cpu = 0, time.perf_counter(), time.process_time()
    for outcome in map_documents(documents, workers):
        tokens += outcome.tokens
    measured = _measured(len(documents), tokens, started, cpu)
    del measured["cpu"]  # the workers' CPU time is not this process's
    return measured


def _measured(documents: int, tokens: int, started: float, cpu: float) -> dict:
    return {"documents": documents, "tokens": tokens, "seconds": time.perf_counter() - started,
            "cpu": time.process_time() - cpu}


def run_in_process(options: list[str], folder: Path) -> dict:
    """One in-process measurement in a fresh interpreter."""
    output = subprocess.run([PYTHON, __file__, *options, "--folder", str(folder)], env=ENV, check=True,
                            capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


@contextlib.contextmanager
def dask_cluster(workers: int = 2) -> Iterator[str]:
    """A scheduler and `workers` single-threaded worker processes on loopback, as the README starts them; its
    address, once every worker has joined."""
    from distributed import Client

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"env": ENV, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([DASK_COMMAND, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], **quiet)
    worker = subprocess.Popen([DASK_COMMAND, "worker", address, "--nworkers", str(workers), "--nthreads", "1",
                               "--no-dashboard"], **quiet)
    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=60)
        yield address
    finally:
        for process in (worker, scheduler):
            process.terminate()
            process.wait()


def run_build(folder: Path, options: list[str]) -> dict:
    """`kg build` end to end into a fresh directory."""
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as out:
        started = time.perf_counter()
        subprocess.run([KG, "build", str(folder), "-o", out, "--quiet", *options], env=ENV, check=True)
        seconds = time.perf_counter() - started
        report = json.loads((Path(out) / "report.json").read_text())
    return {"documents": report["documents"], "tokens": report["tokens"], "seconds": seconds}


def measure(docs: int, rounds: int, configs: tuple[str, ...] = CONFIGS) -> dict[str, list[dict]]:
    """Each configuration, `rounds` times, interleaved so that each round compares under the same load."""
    folder = write_corpus(docs)
    results: dict[str, list[dict]] = {name: [] for name in configs}
    for number in range(rounds):
        for name in configs:
            load = os.getloadavg()[0]
            if name in IN_PROCESS:
                result = run_in_process(IN_PROCESS[name], folder)
            elif name == DASK:
                with dask_cluster() as address:
                    result = run_build(folder, ["--dask", address])
            else:
                result = run_build(folder, ["--workers", name[-1]])
            result["load"] = load
            results[name].append(result)
            print(f"round {number + 1} {name}: {result}", file=sys.stderr, flush=True)
    return results


def table(results: dict[str, list[dict]]) -> str:
    """Markdown: medians per configuration, and the two ratios the targets are about."""
    rows = ["| configuration | documents | tokens | s (median) | documents/s | tokens/s | CPU s | runs (s) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    medians = {}
    for name, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        medians[name] = seconds
        first = runs[0]
        cpu = f"{statistics.median(r['cpu'] for r in runs):.1f}" if "cpu" in first else "–"
        rows.append(
            f"| {name} | {first['documents']} | {first['tokens']} | {seconds:.1f} | "
            f"{first['documents'] / seconds:.2f} | {first['tokens'] / seconds:.0f} | {cpu} | "
            f"{', '.join(format(r['seconds'], '.1f') for r in runs)} |"
        )
    scaling = medians["kg build --workers 1"] / medians["kg build --workers 2"]
    loads = [r["load"] for runs in results.values() for r in runs]
    rows.append("")
    if "raw natasha" in medians:
        pipeline = medians["raw natasha"] / medians["our pipeline"]
        pool = medians["pool of 1 process"] / medians["pool of 2 processes"]
        rows += [
            f"- our pipeline runs at **{pipeline:.0%}** of raw natasha's speed (target ≥ 85%)",
            f"- annotation and extraction alone run **{pool:.2f}×** as fast in a pool of 2 processes as in a pool of "
            "1 (worker start and model loading included in both)",
        ]
    rounds = ", ".join(f"{one['seconds'] / two['seconds']:.2f}×" for one, two in
                       zip(results["kg build --workers 1"], results["kg build --workers 2"], strict=True))
    rows.append(f"- `--workers 2` is **{scaling:.2f}×** `--workers 1` end to end (target ≥ 1.7×; by round: {rounds})")
    if DASK in medians:
        dask = medians["kg build --workers 1"] / medians[DASK]
        versus = ", ".join(f"{two['seconds'] / cluster['seconds']:.2f}×" for two, cluster in
                           zip(results["kg build --workers 2"], results[DASK], strict=True))
        rows.append(f"- `--dask` on two worker processes is **{dask:.2f}×** `--workers 1` and **"
                    f"{medians['kg build --workers 2'] / medians[DASK]:.2f}×** `--workers 2` (by round: {versus})")
    rows += [
        f"- 1-minute load average at the start of the runs: {min(loads):.1f} to {max(loads):.1f} on "
        f"{os.cpu_count()} cores",
    ]
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--builds", action="store_true", help="only the `kg build` configurations")
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pipeline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pool", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw:
        print(json.dumps(time_raw(args.folder)))
    elif args.pipeline:
        print(json.dumps(time_pipeline(args.folder)))
    elif args.pool:
        print(json.dumps(time_pool(args.folder, args.pool)))
    else:
        print(table(measure(args.docs, args.rounds, CONFIGS[-3:] if args.builds else CONFIGS)))


if __name__ == "__main__":
    main()
