"""What RocksDB holds in memory to read a kg store, by the size of the store.

Each build output's store is opened read-only in a fresh process and asked, round after round, for random quads of
its graph.nq (each quad by all four terms, then the first three matches of its predicate and object, of its object
alone and of its subject alone: the lookups a build and its page make); the process's resident memory is read
after opening and after each round, until it levels off.

    .venv/bin/python bench/store_memory.py OUT [OUT ...] [--rounds 5000,15000,40000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import psutil
from pyoxigraph import RdfFormat, Store, parse


def sample(nquads: Path, count: int, seed: int) -> list:
    """`count` quads of an N-Quads file, each the line after a random offset."""
    rng = random.Random(seed)
    size = nquads.stat().st_size
    lines = []
    with nquads.open("rb") as handle:
        for _ in range(count):
            handle.seek(rng.randrange(size))
            handle.readline()
            lines.append(handle.readline() or b"")
    return list(parse(b"".join(lines), format=RdfFormat.N_QUADS))


def look_up(store: Store, quads: list) -> int:
    """Ask the store for each quad and for a few of its neighbours; the number of quads found."""
    found = 0
    for q in quads:
        found += sum(1 for _ in store.quads_for_pattern(q.subject, q.predicate, q.object, q.graph_name))
        for pattern in ((None, q.predicate, q.object), (None, None, q.object), (q.subject, None, None)):
            found += sum(1 for _ in itertools.islice(store.quads_for_pattern(*pattern, None), 3))
    return found


def rss() -> float:
    """This process's resident memory in MB."""
    return psutil.Process().memory_info().rss / 2**20


def child(out: Path, rounds: list[int]) -> dict:
    """Open `out`'s store and look quads up round after round, noting the memory after each."""
    quads = [sample(out / "graph.nq", n, seed) for seed, n in enumerate(rounds)]
    before = rss()
    store = Store.read_only(str(out / "store"))
    opened = rss()
    after = []
    for batch in quads:
        look_up(store, batch)
        after.append(rss() - opened)
    return {"before": before, "opened": opened, "after": after}


def row(out: Path, rounds: list[int]) -> str:
    """A table row for one build output, measured in a fresh process."""
    command = [sys.executable, __file__, "--child", str(out), "--rounds", ",".join(map(str, rounds))]
    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    files = list((out / "store").glob("*.sst"))
    size = sum(f.stat().st_size for f in (out / "store").iterdir() if f.is_file())
    quads = (out / "graph.nq").stat().st_size
    grown = " / ".join(f"+{mb:.0f}" for mb in result["after"])
    return (f"| {out} | {quads / 2**30:.2f} GB | {size / 2**30:.2f} GB | {len(files)} "
            f"| {result['opened'] - result['before']:.0f} | {grown} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outputs", nargs="+", type=Path, help="kg build output directories")
    parser.add_argument("--rounds", default="5000,15000,40000", help="quads looked up in each round")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    rounds = [int(n) for n in args.rounds.split(",")]
    if args.child:
        print(json.dumps(child(args.outputs[0], rounds)))
        return
    totals = " / ".join(f"{sum(rounds[:i + 1]):,}" for i in range(len(rounds)))
    print("| output | graph.nq | store on disk | table files | MB to open | MB more after "
          f"{totals} quads looked up |\n| --- | ---: | ---: | ---: | ---: | ---: |")
    for out in args.outputs:
        print(row(out, rounds), flush=True)
    print(f"\n_(load average {os.getloadavg()[0]:.1f} at the end)_")


if __name__ == "__main__":
    main()
