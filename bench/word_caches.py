"""The most a worker's word caches hold: each filled in turn with distinct made-up words, then all churned.

A worker's memory grows while its caches fill (a corpus's new words), then stays: this measures where it stops,
whatever the vocabulary. The words are random Cyrillic stems with Russian endings, so pymorphy guesses their
parses as it does for an unknown surname.

    .venv/bin/python bench/word_caches.py
"""

from __future__ import annotations

import gc
import random
from collections.abc import Callable

from kg import annotate, morph, rdf, vocab
from kg.pipeline import load_context

LETTERS = "абвгдежзиклмнопрстуфхцчшщыэюя"
ENDINGS = ("ов", "ами", "ого", "ому", "ая", "ий", "ей", "ам", "ах", "ск", "ин", "ова", "ский", "ения")
MB = 2**20


def rss_mb() -> float:
    """This process's resident memory after a full collection, in MB."""
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / MB


def made_up_words(count: int, seed: int = 0) -> list[str]:
    """`count` distinct random words, sorted."""
    rng, words = random.Random(seed), set()
    while len(words) < count:
        stem = "".join(rng.choice(LETTERS) for _ in range(rng.randint(4, 9)))
        words.add(stem + rng.choice(ENDINGS))
    return sorted(words)


def main() -> None:
    """Fill each cache past its cap and print a markdown table of what it holds."""
    ctx = load_context()
    nlp, lemmatizer = ctx.nlp, ctx.nlp.lemmatizer
    words = made_up_words(2 * annotate._word.cache_info().maxsize)
    feats = (("Case", "Nom"), ("Number", "Sing"))
    fills: list[tuple[str, Callable, Callable[[str], object]]] = [
        ("natasha's parse (`MorphVocab.parse`)", morph.MorphVocab.parse, nlp.morph_vocab),
        ("lemma candidates (`Lemmatizer.candidates`)", lemmatizer.candidates, lemmatizer.candidates),
        ("common word (`Lemmatizer.common`)", lemmatizer.common, lemmatizer.common),
        ("a token's lemmas (`annotate._word`)", annotate._word,
         lambda w: annotate._word(nlp.morph_vocab, lemmatizer, w, "NOUN", feats)),
        ("genitive of a name (`morph.genitive`)", morph.genitive,
         lambda w: morph.genitive(f"{w} {w}", nlp.morph_vocab)),
        ("IRI slug (`vocab.slug`)", vocab.slug, vocab.slug),
        ("named node (`rdf.n`)", rdf.n, lambda w: rdf.n(vocab.entity_iri("person", w))),
    ]
    start = before = rss_mb()
    print("| cache | entries when full | MB when full | bytes an entry |")
    print("| --- | ---: | ---: | ---: |")
    for name, cached, call in fills:
        for word in words[: cached.cache_info().maxsize]:
            call(word)
        after, size = rss_mb(), cached.cache_info().currsize
        print(f"| {name} | {size:,} | {after - before:.0f} | {(after - before) * MB / size:,.0f} |")
        before = after
    for word in words:  # each cache churned through twice its size, as a long build's new words churn them
        for _, _, call in fills:
            call(word)
    churned = rss_mb()
    print(f"\nA worker with its models loaded: {start:.0f} MB; every cache full: {before:.0f} MB "
          f"(+{before - start:.0f} MB); after {len(words):,} more words through every cache: {churned:.0f} MB "
          f"(+{churned - start:.0f} MB).")


if __name__ == "__main__":
    main()
