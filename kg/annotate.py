"""natasha in, our records out: sentences, tokens with lemmas and syntax, NER spans with normal forms."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from natasha import (
    Doc,
    MorphVocab,
    NewsEmbedding,
    NewsMorphTagger,
    NewsNERTagger,
    NewsSyntaxParser,
    Segmenter,
)
from natasha.doc import DocSent, DocToken, inject_morph, inject_syntax, offset_syntax, sent_words

from kg.morph import Lemmatizer, fold
from kg.types import AnnotatedDocument, Document, NerSpan, Sentence, Token


@dataclass(frozen=True)
class NLP:
    """The natasha models (~300 MB, ~1 s to load): build once per process with `load_nlp` and pass in."""

    segmenter: Segmenter
    morph_tagger: NewsMorphTagger
    syntax_parser: NewsSyntaxParser
    ner_tagger: NewsNERTagger
    morph_vocab: MorphVocab
    lemmatizer: Lemmatizer


def load_nlp() -> NLP:
    """Load natasha's news models from the installed wheels (no download)."""
    embedding = NewsEmbedding()
    vocab = MorphVocab()
    return NLP(
        segmenter=Segmenter(),
        morph_tagger=NewsMorphTagger(embedding),
        syntax_parser=NewsSyntaxParser(embedding),
        ner_tagger=NewsNERTagger(embedding),
        morph_vocab=vocab,
        lemmatizer=Lemmatizer(vocab),
    )


def annotate(document: Document, nlp: NLP) -> AnnotatedDocument:
    """Segment, tag, parse and NER-tag one document."""
    doc = Doc(document.text)
    _segment(doc, nlp.segmenter)
    _tag_morph_and_syntax(doc, nlp)
    doc.tag_ner(nlp.ner_tagger)
    sentences = tuple(_sentence(sent, nlp) for sent in doc.sents)
    spans = []
    for span in doc.spans:
        span.normalize(nlp.morph_vocab)
        spans.append(NerSpan(span.start, span.stop, span.type, span.text, span.normal or span.text))
    return AnnotatedDocument(document, sentences, tuple(spans))


def _tag_morph_and_syntax(doc: Doc, nlp: NLP) -> None:
    """What `doc.tag_morph` and `doc.parse_syntax` do, with the sentences sent in order of length."""
    words = [sent_words(sent) for sent in doc.sents]
    for sent, markup in zip(doc.sents, _in_length_order(nlp.morph_tagger, words), strict=True):
        inject_morph(sent.tokens, markup.tokens)
    for number, (sent, markup) in enumerate(zip(doc.sents, _in_length_order(nlp.syntax_parser, words), strict=True)):
        inject_syntax(sent.tokens, markup.tokens)
        offset_syntax(number + 1, sent.tokens)


def _in_length_order(model: NewsMorphTagger | NewsSyntaxParser, sentences: list[list[str]]) -> list:
    """The model's markup of each sentence, in input order, computed in order of length.

    natasha pads each batch of sentences to its longest one, so sorted batches do less work (~9% less time in
    morphology and syntax on bench/ corpora). Padding is masked, so every sentence gets the same markup either
    way (checked on 400 generated documents).
    """
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    markups: list = [None] * len(sentences)
    for index, markup in zip(order, model.map([sentences[i] for i in order]), strict=True):
        markups[index] = markup
    return markups


def _segment(doc: Doc, segmenter: Segmenter) -> None:
    """Tokens and sentences, where a line break always ends a sentence (titles and paragraphs have no period)."""
    doc.tokens = [DocToken(t.start, t.stop, t.text) for t in segmenter.tokenize(doc.text)]
    doc.sents = []
    offset = 0
    for line in doc.text.split("\n"):
        for sent in segmenter.sentenize(line):
            doc.sents.append(DocSent(offset + sent.start, offset + sent.stop, sent.text))
        offset += len(line) + 1
    doc.envelop_sent_tokens()


def _sentence(sent, nlp: NLP) -> Sentence:
    """Convert one natasha sentence, with heads as indexes into the sentence."""
    tokens = []
    for token in sent.tokens:
        feats = tuple(sorted((token.feats or {}).items()))
        lemma = _lemma(nlp.morph_vocab, token.text, token.pos, feats)
        lemmas = (lemma, *(c for c in nlp.lemmatizer.candidates(token.text) if c != lemma))
        head = int(token.head_id.split("_")[1]) - 1 if token.head_id else -1
        tokens.append(
            Token(
                start=token.start,
                stop=token.stop,
                text=token.text,
                lemma=lemma,
                pos=token.pos or "",
                feats=feats,
                head=head,
                rel=token.rel or "",
                lemmas=lemmas,
                common=nlp.lemmatizer.is_common(token.text),
            )
        )
    return Sentence(sent.start, sent.stop, sent.text, tuple(tokens))


@lru_cache(maxsize=200_000)  # words repeat across documents; natasha's own parse cache holds only 10,000 words
def _lemma(vocab: MorphVocab, word: str, pos: str | None, feats: tuple[tuple[str, str], ...]) -> str:
    """The folded contextual lemma, as natasha's `DocToken.lemmatize` finds it."""
    return fold(vocab.lemmatize(word, pos, dict(feats)) or word)
