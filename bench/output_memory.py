"""Peak memory and time of writing every output file (`kg build`'s last phase) from an existing store.

Rerunning a 100k-document build takes over an hour; this measures its output phase alone, on a copy of the store
such a build left (`cp -al OUT/store bench/data/store100k` before the build directory is removed).

    .venv/bin/python bench/output_memory.py bench/data/store100k
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg import store  # noqa: E402  (the repository root is put on the path first)
from kg.pipeline import write_outputs  # noqa: E402
from kg.types import BuildReport  # noqa: E402

MB = 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("store", type=Path)
    args = parser.parse_args()
    process, peak, done = psutil.Process(), [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], process.memory_info().rss)

    db = store.open_store(args.store)
    before = process.memory_info().rss
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with tempfile.TemporaryDirectory(prefix="kg-bench-", dir=args.store.parent) as out:
        started = time.perf_counter()
        report = BuildReport()
        write_outputs(db, Path(out), report)
        seconds = time.perf_counter() - started
        sizes = {f.name: f.stat().st_size / MB for f in Path(out).iterdir() if f.is_file()}
    done.set()
    sampler.join()
    print(f"| triples | s | RSS before (MB) | peak RSS (MB) | graph.nq / .ttl / .jsonld / .html (MB) |\n"
          f"| ---: | ---: | ---: | ---: | --- |\n"
          f"| {report.triples:,} | {seconds:.0f} | {before / MB:.0f} | {peak[0] / MB:.0f} | "
          f"{sizes['graph.nq']:.0f} / {sizes['graph.ttl']:.0f} / {sizes['graph.jsonld']:.0f} / "
          f"{sizes['graph.html']:.1f} |")


if __name__ == "__main__":
    main()
