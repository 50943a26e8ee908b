"""Peak memory of `kg build` on generated corpora of growing size: does it grow with the number of documents?

Runs `kg build bench/data/corpus-N -o <fresh dir> --workers W --quiet` and samples, every 0.2 s with psutil, the
resident memory (RSS) of the build process and of the whole process tree (the build plus its workers).

    .venv/bin/python bench/memory.py [--sizes 1000,10000] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from corpus import DATA, write_corpus  # noqa: E402  (bench/ is put on the path first)

KG = str(Path(sys.executable).parent / "kg")
MB = 2**20


@dataclass
class Run:
    """One measured build."""

    documents: int
    workers: int
    seconds: float
    peak_parent_mb: float
    peak_tree_mb: float
    peak_largest_mb: float  # the largest single process: the build process, a worker or an output helper
    triples: int
    graph_nq_mb: float
    store_mb: float


def tree_rss(process: psutil.Process) -> tuple[int, int, int]:
    """RSS of a process, of it plus all its descendants, and of the largest of them, in bytes."""
    own = process.memory_info().rss
    total = largest = own
    for child in process.children(recursive=True):
        try:
            rss = child.memory_info().rss
        except psutil.NoSuchProcess:
            continue  # a worker that ended between listing and reading holds no memory
        total, largest = total + rss, max(largest, rss)
    return own, total, largest


@dataclass
class Sampled:
    """A command's wall time and the peaks of its memory."""

    seconds: float
    peak_own: int  # bytes, the command's process
    peak_tree: int  # it and all its descendants
    peak_largest: int  # the largest single process


def sampled(command: list[str], every: float = 0.2) -> Sampled:
    """Run `command`, sampling the memory of its process tree every `every` s until it ends; an error if it fails."""
    started = time.perf_counter()
    child = subprocess.Popen(command)
    process = psutil.Process(child.pid)
    peak_own = peak_tree = peak_largest = 0
    logged = started
    while child.poll() is None:
        try:
            own, total, largest = tree_rss(process)
        except psutil.NoSuchProcess:
            break
        peak_own, peak_tree, peak_largest = max(peak_own, own), max(peak_tree, total), max(peak_largest, largest)
        if time.perf_counter() - logged >= 60:  # a long run leaves a trace even if it is cut short
            logged = time.perf_counter()
            print(f"{logged - started:.0f} s: RSS {own / MB:.0f} MB (tree {total / MB:.0f}), "
                  f"peak {peak_own / MB:.0f} (tree {peak_tree / MB:.0f}, "
                  f"largest process {peak_largest / MB:.0f})", file=sys.stderr, flush=True)
        time.sleep(every)
    seconds = time.perf_counter() - started
    if child.wait() != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {child.returncode}")
    return Sampled(seconds, peak_own, peak_tree, peak_largest)


def measure(documents: int, workers: int, keep: bool = False) -> Run:
    """Build a corpus of `documents` into a fresh directory, sampling memory until it ends."""
    corpus = write_corpus(documents)
    with tempfile.TemporaryDirectory(prefix="kg-bench-", dir=DATA) as out:
        run = sampled([KG, "build", str(corpus), "-o", out, "--quiet", "--workers", str(workers)])
        report = json.loads((Path(out) / "report.json").read_text())
        store_bytes = sum(f.stat().st_size for f in (Path(out) / "store").iterdir())
        nq_bytes = (Path(out) / "graph.nq").stat().st_size
        if keep:  # for bench/output_memory.py, which re-measures the output phase without rebuilding
            shutil.copytree(Path(out) / "store", DATA / f"store-{documents}", copy_function=os.link,
                            dirs_exist_ok=True)
        shutil.rmtree(out, ignore_errors=True)
    return Run(report["documents"], workers, run.seconds, run.peak_own / MB, run.peak_tree / MB,
               run.peak_largest / MB, report["triples"], nq_bytes / MB, store_bytes / MB)


def table(runs: list[Run]) -> str:
    """Markdown: one row per corpus size."""
    rows = [
        "| documents | workers | wall s | documents/s | peak RSS, build process (MB) | peak RSS, largest process (MB) "
        "| peak RSS, with workers (MB) | triples | graph.nq (MB) | store (MB) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        rows.append(
            f"| {r.documents:,} | {r.workers} | {r.seconds:.0f} | {r.documents / r.seconds:.1f} | "
            f"{r.peak_parent_mb:.0f} | {r.peak_largest_mb:.0f} | {r.peak_tree_mb:.0f} | {r.triples:,} | "
            f"{r.graph_nq_mb:.0f} | {r.store_mb:.0f} |"
        )
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="hard-link each store to bench/data/store-N")
    args = parser.parse_args()
    runs = []
    for size in (int(s) for s in args.sizes.split(",")):
        runs.append(measure(size, args.workers, args.keep))
        print(runs[-1], file=sys.stderr, flush=True)
    print(table(runs))


if __name__ == "__main__":
    main()
