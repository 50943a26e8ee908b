"""`kg build` again on a built output: with nothing changed, and with a few of its documents changed.

The generated corpus of N documents (bench/corpus.py) is built into OUT, or the build already there is taken (a
100k build takes about an hour). Then, each as a `kg build ... --workers 2 --quiet` process of its own, its memory
sampled every 0.1 s: the whole corpus again, nothing changed (every document read and its hash looked up in the
store), R times; then K of its documents with a sentence added that differs from one round to the next (their graphs
replaced, every output file written again; the other documents' graphs kept, no --prune). One untimed build of
the corpus before and after brings OUT back to the corpus as generated.

    .venv/bin/python bench/rebuild.py [--documents 1000] [--changed 5] [--rounds 3] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from corpus import DATA, write_corpus  # noqa: E402  (bench/ is put on the path first)
from memory import KG, MB, Sampled, sampled  # noqa: E402

ADDED = " Стороны подписали соглашение номер {} о поставках зерна."


def rebuild(source: Path, out: Path) -> tuple[Sampled, dict]:
    """`kg build source -o out --workers 2`, sampled, and the report it wrote."""
    run = sampled([KG, "build", str(source), "-o", str(out), "--quiet", "--workers", "2"], every=0.1)
    return run, json.loads((out / "report.json").read_text(encoding="utf-8"))


def changed(corpus: Path, count: int, workdir: Path) -> Path:
    """A directory holding the first `count` documents of `corpus`, each with a sentence added that no earlier call
    added (numbered by the clock)."""
    with sorted(corpus.glob("*.jsonl"))[0].open(encoding="utf-8") as lines:
        documents = [json.loads(next(lines)) for _ in range(count)]
    stamp = time.time_ns()
    folder = Path(tempfile.mkdtemp(prefix="changed-", dir=workdir))
    with (folder / "changed.jsonl").open("w", encoding="utf-8") as out:
        for document in documents:
            document["text"] += ADDED.format(stamp)
            out.write(json.dumps(document, ensure_ascii=False) + "\n")
    return folder


def measure(documents: int, count: int, rounds: int, out: Path) -> dict[str, list[tuple[Sampled, dict]]]:
    """Each kind of rebuild's runs, with their reports."""
    corpus = write_corpus(documents)
    rebuild(corpus, out)  # builds OUT, or brings it back to the corpus as generated
    runs = {"nothing changed": [rebuild(corpus, out) for _ in range(rounds)]}
    with tempfile.TemporaryDirectory(prefix="kg-bench-", dir=DATA) as tmp:
        runs[f"{count} documents changed"] = [rebuild(changed(corpus, count, Path(tmp)), out) for _ in range(rounds)]
    rebuild(corpus, out)
    return runs


def table(documents: int, runs: dict[str, list[tuple[Sampled, dict]]]) -> str:
    """Markdown: one row per kind of rebuild."""
    rows = [
        f"{documents:,} documents built, then rebuilt with `--workers 2`:",
        "",
        "| rebuild | documents rebuilt / unchanged | median s | runs (s) | build process peak (MB) "
        "| all processes peak (MB) |",
        "| --- | ---: | ---: | --- | ---: | ---: |",
    ]
    for kind, measured in runs.items():
        seconds = [run.seconds for run, _ in measured]
        report = measured[-1][1]
        rows.append(
            f"| {kind} | {report['documents']:,} / {report['skipped']:,} | {statistics.median(seconds):.1f} | "
            f"{', '.join(f'{s:.1f}' for s in seconds)} | {max(run.peak_own for run, _ in measured) / MB:.0f} | "
            f"{max(run.peak_tree for run, _ in measured) / MB:.0f} |"
        )
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, help="the output to rebuild (default: bench/data/rebuild-N)")
    args = parser.parse_args()
    out = args.out or DATA / f"rebuild-{args.documents}"
    print(table(args.documents, measure(args.documents, args.changed, args.rounds, out)))


if __name__ == "__main__":
    main()
