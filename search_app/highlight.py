"""Snippets: the part of a passage that best matches the question, words marked.

A word is marked when, as a whole word, it has the stem of a whole word of the question,
using the indexer's own `stem_tokens`: *samenwerking* is marked for *samenwerken*. The
search also counts the parts of compounds (with the index's lexicon), but marking a word
for one of its parts misleads the eye: *Hogeschool* is not about *school*, so parts are
never marked (neither a part of a passage word nor a part of a question word). Safety by construction: the HTML is built from escaped pieces of
the passage text with only ``<mark>`` and ``</mark>`` added between them; nothing from the
passage or the question is ever inserted unescaped.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from markupsafe import Markup, escape

from indexer.textproc import stem_tokens

T = TypeVar("T")
SNIPPET_WORDS = 32
ELLIPSIS = "…"
_TOKEN = re.compile(r"\w+", re.UNICODE)
_SPACES = re.compile(r"\s+")


class StemMatcher:
    """Stems of words and questions as the index sees them (with its compound lexicon).

    One per loaded index; word stems are cached, as the same words recur in every result.
    """

    CACHE_SIZE = 100_000
    #: Passage analyses kept (`per_passage`): the same passages answer many questions, and
    #: finding the words of a passage cost about a third of making its snippet.
    PASSAGE_CACHE_SIZE = 2048

    def __init__(self, lexicon: frozenset[str] | None = None) -> None:
        self.lexicon = lexicon
        self._cache: dict[str, frozenset[str]] = {}
        self._whole: dict[str, frozenset[str]] = {}
        self.per_passage = lru_cache(maxsize=self.PASSAGE_CACHE_SIZE)(self._per_passage)

    def word_stems(self, word: str) -> frozenset[str]:
        stems = self._cache.get(word)
        if stems is None:
            stems = frozenset(stem_tokens(word, self.lexicon))
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.clear()
            self._cache[word] = stems
        return stems

    def whole_word_stems(self, word: str) -> frozenset[str]:
        """The stem of ``word`` itself, without compound parts (empty for a stop word)."""
        stems = self._whole.get(word)
        if stems is None:
            stems = frozenset(stem_tokens(word))
            if len(self._whole) >= self.CACHE_SIZE:
                self._whole.clear()
            self._whole[word] = stems
        return stems

    def _per_passage(self, analyse: Callable[[str, StemMatcher], T], text: str) -> T:
        """``analyse(text, self)``, remembered per passage text (``analyse`` must be pure)."""
        return analyse(text, self)

    def query_stems(self, question: str) -> frozenset[str]:
        """Stems of the question's content words (stop words removed)."""
        return frozenset(stem_tokens(question, self.lexicon))

    def question_words(self, question: str) -> frozenset[str]:
        """Stems of the question's content words as whole words: what highlighting marks."""
        return frozenset(stem_tokens(question))


def passage_words(text: str, matcher: StemMatcher
                  ) -> tuple[tuple[re.Match[str], ...], tuple[frozenset[str], ...]]:
    """The words of ``text`` (as regex matches, for their positions) and their whole-word stems."""
    tokens = tuple(_TOKEN.finditer(text))
    return tokens, tuple(matcher.whole_word_stems(t.group()) for t in tokens)


@dataclass(frozen=True)
class Snippet:
    text: str  # plain text as shown, with "…" where the passage was cut
    html: Markup  # escape(text) with <mark> around matching words
    matches: int  # number of marked words


def _best_window(matched: list[frozenset[str]], size: int) -> int:
    """Start token of the ``size``-token window with most distinct matching stems.

    ``matched[i]`` holds the question stems token ``i`` matches (empty when none). A
    sliding window keeps per-stem counts, so this is linear in the passage length.
    """
    n = len(matched)
    if n <= size or not any(matched):
        return 0
    counts: dict[str, int] = {}
    hits = 0

    def add(i: int, delta: int) -> None:
        nonlocal hits
        if matched[i]:
            hits += delta
            for s in matched[i]:
                counts[s] = counts.get(s, 0) + delta
                if counts[s] == 0:
                    del counts[s]

    for i in range(size):
        add(i, 1)
    best_start, best_key = 0, (len(counts), hits)
    for start in range(1, n - size + 1):
        add(start - 1, -1)
        add(start + size - 1, 1)
        key = (len(counts), hits)
        if key > best_key:
            best_start, best_key = start, key
    # begin a few words before the first match, so it is read in context
    first = next(i for i in range(best_start, best_start + size) if matched[i])
    return max(0, min(first - 4, n - size))


def make_snippet(text: str, question_stems: frozenset[str], matcher: StemMatcher,
                 max_words: int = SNIPPET_WORDS) -> Snippet:
    """The best ``max_words``-word window of ``text``, as plain text and marked HTML.

    ``question_stems``: the question's whole-word stems (`StemMatcher.question_words`).
    """
    tokens, stems = matcher.per_passage(passage_words, text)
    if not tokens:
        plain = _SPACES.sub(" ", text).strip()
        return Snippet(plain, escape(plain), 0)
    matched = [word & question_stems for word in stems]
    marked = [bool(m) for m in matched]
    start = _best_window(matched, max_words)
    end = min(len(tokens), start + max_words)  # exclusive token index
    char_start = 0 if start == 0 else tokens[start].start()
    char_end = len(text) if end == len(tokens) else tokens[end - 1].end()

    # Build the plain text first, remembering where the marked words are in it; then
    # escape the pieces between and inside the marks (few escape calls, not one per word).
    parts: list[str] = [ELLIPSIS + " "] if start > 0 else []
    length = len(parts[0]) if parts else 0
    spans: list[tuple[int, int]] = []
    cursor = char_start
    for i in range(start, end):
        tok = tokens[i]
        gap = text[cursor:tok.start()]
        if i == 0:
            gap = _SPACES.sub(" ", gap).lstrip()
        elif gap != " ":
            gap = _SPACES.sub(" ", gap)
        word = tok.group()
        parts.append(gap)
        parts.append(word)
        length += len(gap)
        if marked[i]:
            spans.append((length, length + len(word)))
        length += len(word)
        cursor = tok.end()
    parts.append(_SPACES.sub(" ", text[cursor:char_end]).rstrip())
    if end < len(tokens):
        parts.append(" " + ELLIPSIS)
    plain = "".join(parts)

    html_parts: list[str] = []
    prev = 0
    for s_start, s_end in spans:
        html_parts.append(str(escape(plain[prev:s_start])))
        html_parts.append(f"<mark>{escape(plain[s_start:s_end])}</mark>")
        prev = s_end
    html_parts.append(str(escape(plain[prev:])))
    return Snippet(plain, Markup("".join(html_parts)), len(spans))
