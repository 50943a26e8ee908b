"""natasha in, our records out: sentences, tokens with lemmas and syntax, NER spans with normal forms."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial

from natasha import (
    Doc,
    MorphVocab,
    NewsEmbedding,
    NewsMorphTagger,
    NewsNERTagger,
    NewsSyntaxParser,
    Segmenter,
)
from natasha.doc import (
    DocSent,
    DocToken,
    adapt_spans,
    inject_morph,
    inject_syntax,
    offset_syntax,
    sent_words,
)
from natasha.ner import adapt_markup
from slovnet.markup import BIOMarkup

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
    return annotate_many([document], nlp)[0]


def annotate_many(documents: Sequence[Document], nlp: NLP) -> list[AnnotatedDocument]:
    """Segment, tag, parse and NER-tag documents together, each as `annotate` would alone.

    natasha pads each batch of 8 sentences (or texts, for NER) to its longest, so the sentences of all the
    documents are tagged and parsed in one order of length, and the texts NER-tagged in order of length: ~20% less
    time than one document at a time (bench/ corpora). Padding is masked, so the markup is the same either way.
    """
    docs = [Doc(document.text) for document in documents]
    for doc in docs:
        _segment(doc, nlp.segmenter)
    sents = [sent for doc in docs for sent in doc.sents]
    words = [sent_words(sent) for sent in sents]
    for sent, markup in zip(sents, _in_length_order(nlp.morph_tagger.map, words), strict=True):
        inject_morph(sent.tokens, markup.tokens)
    for sent, markup in zip(sents, _in_length_order(nlp.syntax_parser.map, words), strict=True):
        inject_syntax(sent.tokens, markup.tokens)
    for doc in docs:
        for number, sent in enumerate(doc.sents):
            offset_syntax(number + 1, sent.tokens)
    tagged = [doc for doc in docs if doc.text.strip()]
    markups = _in_length_order(partial(_ner, nlp.ner_tagger), tagged, lambda doc: len(doc.tokens))
    for doc, markup in zip(tagged, markups, strict=True):
        doc.spans = list(adapt_spans(doc, markup.spans))
        doc.envelop_span_tokens()
        doc.envelop_sent_spans()
    return [_annotated(document, doc, nlp) for document, doc in zip(documents, docs, strict=True)]


def _annotated(document: Document, doc: Doc, nlp: NLP) -> AnnotatedDocument:
    """Our records of one annotated natasha Doc."""
    sentences = tuple(_sentence(sent, nlp) for sent in doc.sents)
    spans = []
    for span in doc.spans or []:
        span.normalize(nlp.morph_vocab)
        spans.append(NerSpan(span.start, span.stop, span.type, span.text, span.normal or span.text))
    return AnnotatedDocument(document, sentences, tuple(spans))


def _in_length_order(run: Callable[[list], Iterable], items: Sequence, size: Callable = len) -> list:
    """What `run` gives for each item (a sentence's words, or a document), in input order, computed in order of
    `size`."""
    order = sorted(range(len(items)), key=lambda i: size(items[i]))
    markups: list = [None] * len(items)
    for index, markup in zip(order, run([items[i] for i in order]), strict=True):
        markups[index] = markup
    return markups


def _ner(tagger: NewsNERTagger, docs: list[Doc]) -> Iterator:
    """natasha's NER markup of segmented documents.

    `NERTagger.map` would tokenize each text again with the same razdel tokenizer (~8% of the annotation time);
    the words the segmenter found are fed to its model instead.
    """
    words = [[token.text for token in doc.tokens] for doc in docs]
    infer = tagger.infer
    preds = infer.decoder(infer.process(infer.encoder(words)))
    for doc, item, pred in zip(docs, words, preds, strict=True):
        yield adapt_markup(BIOMarkup.from_tuples(zip(item, pred, strict=True)).to_span(doc.text))


def _segment(doc: Doc, segmenter: Segmenter) -> None:
    """Tokens and sentences, where a line break always ends a sentence (titles and paragraphs have no period)."""
    doc.tokens = [DocToken(t.start, t.stop, t.text) for t in segmenter.tokenize(doc.text)]
    doc.sents = []
    offset = 0
    for line in doc.text.split("\n"):
        for sent in segmenter.sentenize(line):
            if sent.text.strip():  # a line of spaces is no sentence, and a batch of such makes natasha's parser fail
                doc.sents.append(DocSent(offset + sent.start, offset + sent.stop, sent.text))
        offset += len(line) + 1
    doc.envelop_sent_tokens()


def _sentence(sent, nlp: NLP) -> Sentence:
    """Convert one natasha sentence, with heads as indexes into the sentence."""
    tokens = []
    for token in sent.tokens:
        feats = tuple(sorted((token.feats or {}).items()))
        lemma, lemmas, common = _word(nlp.morph_vocab, nlp.lemmatizer, token.text, token.pos, feats)
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
                common=common,
            )
        )
    return Sentence(sent.start, sent.stop, sent.text, tuple(tokens))


# Words repeat across documents: 97% of the bench corpus's tokens hit. ~480 bytes a word; a worker's word caches
# together stay under ~135 MB however many documents it reads (bench/word_caches.py).
@lru_cache(maxsize=100_000)
def _word(
    vocab: MorphVocab, lemmatizer: Lemmatizer, word: str, pos: str | None, feats: tuple[tuple[str, str], ...]
) -> tuple[str, tuple[str, ...], bool]:
    """A word's folded contextual lemma (as natasha's `DocToken.lemmatize` finds it), its lemma candidates with
    that lemma first, and whether it is a common dictionary word."""
    lemma = fold(vocab.lemmatize(word, pos, dict(feats)) or word)
    lemmas = (lemma, *(c for c in lemmatizer.candidates(word) if c != lemma))
    return lemma, lemmas, lemmatizer.is_common(word)
