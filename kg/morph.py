"""Lemma candidates for a word: the one normalisation shared by the annotator and the gazetteer."""

from __future__ import annotations

from functools import lru_cache

from natasha import MorphVocab

PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr", "Init"})


def fold(text: str) -> str:
    """Lower-case and fold ё into е, the way every lemma key is compared."""
    return text.lower().replace("ё", "е")


class Lemmatizer:
    """Every lemma the morphological dictionary offers for a word, cached; build once and pass in."""

    def __init__(self, vocab: MorphVocab | None = None) -> None:
        self.vocab = vocab or MorphVocab()
        self.candidates = lru_cache(maxsize=200_000)(self._candidates)
        self.common = lru_cache(maxsize=200_000)(self._common)

    def _candidates(self, word: str) -> tuple[str, ...]:
        """The folded word form first, then each distinct lemma in the analyser's order."""
        seen = [fold(word)]
        for parse in self.vocab(word):
            lemma = fold(parse.normal)
            if lemma not in seen:
                seen.append(lemma)
        return tuple(seen)

    def is_common(self, word: str) -> bool:
        """True when the dictionary's likeliest reading of the word is not a name (Geox, Name, Surn, Orgn …)."""
        return self.common(word)

    def _common(self, word: str) -> bool:
        parses = self.vocab.parse(word)
        if not parses or type(parses[0].methods_stack[0][0]).__name__ != "DictionaryAnalyzer":
            return False
        return not (PROPER & parses[0].tag.grammemes)

    def tags(self, word: str) -> tuple[str, ...]:
        """The analyser's tags for a word, as strings (they carry grammemes such as Geox, Name, Surn)."""
        return tuple(str(parse.tag) for parse in self.vocab(word))
