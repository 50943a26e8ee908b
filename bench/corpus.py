"""Generate a corpus of N news-like documents by recombining real sentences, for the scale benchmarks.

Sentences come from `examples/news/*.txt` and, when present, the texts of `../shared/eval/*.jsonl` (NEREL and
factRuEval dev: Russian news); they are split with razdel, the sentenizer natasha uses. Each generated document
takes a real title line, then paragraphs of 1-4 sentences drawn at random until it reaches a length drawn from
the source documents' lengths, so lengths and entity density look like real news though topics mix. Output is
JSONL in shards of 1,000 documents under bench/data/ (git-ignored): the eval corpora are never copied into the
repository, only sampled at run time.

    .venv/bin/python bench/corpus.py 10000            # -> bench/data/corpus-10000/part-0000.jsonl ...
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path

from razdel import sentenize

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "news"
EVAL = ROOT.parent / "shared" / "eval"
DATA = ROOT / "bench" / "data"
SHARD = 1000


def source_texts() -> list[str]:
    """The texts to draw sentences, titles and lengths from."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.glob("*.txt"))]
    for path in sorted(EVAL.glob("*.jsonl")) if EVAL.is_dir() else []:
        with path.open(encoding="utf-8") as lines:
            texts += [json.loads(line)["text"] for line in lines if line.strip()]
    return texts


def split(texts: list[str]) -> tuple[list[str], list[str], list[int]]:
    """Titles (first lines), body sentences and document lengths of the source texts."""
    titles, sentences = [], []
    for text in texts:
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        titles.append(lines[0])
        for line in lines[1:]:
            sentences += [s.text for s in sentenize(line) if len(s.text.split()) >= 3 and len(s.text) <= 400]
    return titles, sentences, [len(text) for text in texts]


def documents(count: int, seed: int = 0) -> Iterator[dict]:
    """`count` generated JSONL records, the same for the same seed."""
    titles, sentences, lengths = split(source_texts())
    rng = random.Random(seed)
    for number in range(count):
        title, target = rng.choice(titles), rng.choice(lengths)
        paragraphs, size = [], len(title)
        while size < target:
            paragraph = " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 4)))
            paragraphs.append(paragraph)
            size += len(paragraph) + 2
        yield {"id": f"gen-{number:07d}", "title": title, "text": "\n\n".join([title, *paragraphs]) + "\n"}


def write_corpus(count: int, out: Path = DATA, seed: int = 0) -> Path:
    """Write (or reuse) the corpus of `count` documents; the folder holding its JSONL shards."""
    folder = out / f"corpus-{count}"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    handle = None
    for number, record in enumerate(documents(count, seed)):
        if number % SHARD == 0:
            if handle:
                handle.close()
            handle = (folder / f"part-{number // SHARD:04d}.jsonl").open("w", encoding="utf-8")
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    if handle:
        handle.close()
    done.touch()
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--out", type=Path, default=DATA)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(write_corpus(args.count, args.out, args.seed))


if __name__ == "__main__":
    main()
