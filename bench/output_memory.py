"""Peak memory and time of writing every output file (`kg build`'s last phase) from an existing store.

Rerunning a 100k-document build takes over an hour; this measures its output phase alone, on a copy of the store
such a build left (`cp -al OUT/store bench/data/store100k` before the build directory is removed).

    .venv/bin/python bench/output_memory.py bench/data/store100k [--workers 2]

With `--workers 2` (what `kg build` uses on two cores), two helper processes dump the store, draw the page and
write JSON-LD; the peak is then given for this process and for the whole tree. This process's peak is also given
for each stage: writing the RDF files, the SPARQL counts, void.ttl.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg import dataset, store  # noqa: E402  (the repository root is put on the path first)
from kg.pipeline import write_outputs  # noqa: E402
from kg.types import BuildReport  # noqa: E402

MB = 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    process, peak, tree, largest, done = psutil.Process(), [0], [0], [0], threading.Event()
    stage, by_stage = ["other"], {}

    def sample() -> None:
        while not done.wait(0.2):
            rss = process.memory_info().rss
            peak[0] = max(peak[0], rss)
            by_stage[stage[0]] = max(by_stage.get(stage[0], 0), rss)
            largest[0] = max(largest[0], rss)
            for child in process.children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess):  # a helper may have just exited
                    own = child.memory_info().rss
                    rss += own
                    largest[0] = max(largest[0], own)
            tree[0] = max(tree[0], rss)

    def staged(name: str, function: Callable) -> Callable:
        def run(*args: object, **kwargs: object) -> object:
            outer, stage[0] = stage[0], name
            try:
                return function(*args, **kwargs)
            finally:
                stage[0] = outer

        return run

    store.write_all = staged("RDF files", store.write_all)
    query = store.query
    store.query = staged("SPARQL counts", lambda *args: list(query(*args)))  # rows are read lazily: read them here
    dataset.write = staged("void.ttl", dataset.write)
    db = store.open_store(args.store)
    before = process.memory_info().rss
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with tempfile.TemporaryDirectory(prefix="kg-bench-", dir=args.store.parent) as out:
        started = time.perf_counter()
        report = BuildReport()
        write_outputs(db, Path(out), report, workers=args.workers)
        seconds = time.perf_counter() - started
        sizes = {f.name: f.stat().st_size / MB for f in Path(out).iterdir() if f.is_file()}
    done.set()
    sampler.join()
    print(f"| triples | workers | s | RSS before (MB) | peak RSS (MB) | peak RSS, largest process (MB) | "
          f"peak RSS with helpers (MB) | graph.nq / .ttl / .jsonld / .html (MB) |\n"
          f"| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
          f"| {report.triples:,} | {args.workers} | {seconds:.0f} | {before / MB:.0f} | {peak[0] / MB:.0f} | "
          f"{largest[0] / MB:.0f} | {tree[0] / MB:.0f} | "
          f"{sizes['graph.nq']:.0f} / {sizes['graph.ttl']:.0f} / {sizes['graph.jsonld']:.0f} / "
          f"{sizes['graph.html']:.1f} |\n\nThis process's peak by stage: "
          + ", ".join(f"{name} {rss / MB:.0f} MB" for name, rss in sorted(by_stage.items())))


if __name__ == "__main__":
    main()
