"""Where mentions sit among a sentence's tokens, for rules that read token patterns."""

from __future__ import annotations

import bisect
from collections import defaultdict

from kg.types import Mention, Sentence

TokenSpan = tuple[int, int, Mention]  # first token, stop token (exclusive), mention
OPENING_QUOTES = {"«", '"', "„", "“"}
CLOSING_QUOTES = {"»", '"', "“", "”"}


def in_quotes(text: str, start: int, stop: int) -> bool:
    """Whether text[start:stop] is the whole of a quotation, as the name of a club, company or newspaper is
    («Барселона», «Казахстанская правда»)."""
    return text[start - 1 : start] in OPENING_QUOTES and text[stop : stop + 1] in CLOSING_QUOTES


class MentionIndex:
    """Mentions by sentence and token position."""

    def __init__(self, sentences: tuple[Sentence, ...], mentions: list[Mention]) -> None:
        self.by_sentence: dict[int, list[TokenSpan]] = defaultdict(list)
        for mention in mentions:
            if mention.sentence < 0:
                continue
            tokens = sentences[mention.sentence].tokens
            starts = [t.start for t in tokens]
            first = bisect.bisect_left(starts, mention.start)
            stop = bisect.bisect_left(starts, mention.stop)
            if first < stop:
                self.by_sentence[mention.sentence].append((first, stop, mention))
        for spans in self.by_sentence.values():
            spans.sort(key=lambda s: (s[0], -s[1], s[2].key))

    def in_sentence(self, sentence: int) -> list[TokenSpan]:
        """The sentence's mentions, left to right, outermost first."""
        return self.by_sentence.get(sentence, [])

    def ending_at(self, sentence: int, stop: int) -> TokenSpan | None:
        """The longest mention whose last token is right before token `stop`."""
        ending = [s for s in self.in_sentence(sentence) if s[1] == stop]
        return min(ending, key=lambda s: s[0]) if ending else None

    def starting_at(self, sentence: int, first: int) -> TokenSpan | None:
        """The longest mention that begins at token `first`."""
        starting = [s for s in self.in_sentence(sentence) if s[0] == first]
        return max(starting, key=lambda s: s[1]) if starting else None

    def covering(self, sentence: int, token: int) -> TokenSpan | None:
        """The innermost mention that contains token `token`."""
        covering = [s for s in self.in_sentence(sentence) if s[0] <= token < s[1]]
        return min(covering, key=lambda s: s[1] - s[0]) if covering else None
