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
        # Asked again only by the gazetteer and where annotate's word cache missed: ~420 and ~80 bytes a word.
        self.candidates = lru_cache(maxsize=20_000)(self._candidates)
        self.common = lru_cache(maxsize=20_000)(self._common)

    # pymorphy lower-cases what it parses, and so does natasha's contextual lemma: asking in lower case here too
    # makes the three share one parse of each word.
    def _candidates(self, word: str) -> tuple[str, ...]:
        """The folded word form first, then each distinct lemma in the analyser's order."""
        seen = [fold(word)]
        for parse in self.vocab(word.lower()):
            lemma = fold(parse.normal)
            if lemma not in seen:
                seen.append(lemma)
        return tuple(seen)

    def is_common(self, word: str) -> bool:
        """True when the dictionary's likeliest reading of the word is not a name (Geox, Name, Surn, Orgn …)."""
        return self.common(word)

    def _common(self, word: str) -> bool:
        parses = self.vocab(word.lower())
        if not parses or type(parses[0].methods_stack[0][0]).__name__ != "DictionaryAnalyzer":
            return False
        return not (PROPER & parses[0].tag.grammemes)


@lru_cache(maxsize=10_000)
def genitive(phrase: str, vocab: MorphVocab) -> str:
    """A nominative name in the genitive («Национальный банк Казахстана» → «Национального банка Казахстана»):
    the words up to the first noun change, the rest (already a genitive complement) stays."""
    words = phrase.split(" ")
    out = []
    for i, word in enumerate(words):
        nominative = [p for p in vocab(word) if "nomn" in p.tag and p.tag.POS in {"NOUN", "ADJF"}]
        form = nominative[0].inflect({"Gen"}) if nominative else None
        if form is None:
            return " ".join(out + words[i:])
        out.append(_same_case(word, form.word))
        if nominative[0].tag.POS == "NOUN":
            return " ".join(out + words[i + 1 :])
    return " ".join(out)


def _same_case(model: str, word: str) -> str:
    """`word` with the letter case of `model` (КНР, Китай, банк, Нью-Йорк)."""
    if model.isupper() and len(model) > 1:
        return word.upper()
    parts, shapes = word.split("-"), model.split("-")
    if len(parts) != len(shapes):
        parts, shapes = [word], [model]
    return "-".join(p[:1].upper() + p[1:] if s[:1].isupper() else p for p, s in zip(parts, shapes, strict=True))
