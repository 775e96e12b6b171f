"""Dutch text analysis shared by the BM25 index, the query side and the app's highlighting.

One function turns text into the terms BM25 counts, so the index, the search and the
highlighting in the app can never disagree about what matches: lower-case, accents
folded (people type *client* for *cliënt*), Dutch stop words removed, Snowball stem.

Compound splitting (*wijkteammedewerker* → *wijkteam* + *medewerker*) needs a lexicon of
known words; the index builds one from its own passages (`build_lexicon`) and keeps it
beside the BM25 arrays. The extra part-terms are added next to the whole word, so a
question with the whole compound still matches it exactly.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_DUTCH

#: Snowball algorithm. "dutch_porter" (the classic Porter-style Dutch stemmer) keeps
#: *gezin* and *generalist* intact; Snowball 3's "dutch" strips a leading *ge-*
#: (gezin → zin). Chosen by measurement, see docs/quality.md.
STEMMER_ALGORITHM = "dutch_porter"

_EXTRA_STOP_WORDS = frozenset(
    # question words and fillers that the Snowball list lacks but every question has
    "welke welk waarom wanneer waar hoeveel volgens zijn worden kunnen hoe wat wie".split()
)
STOP_WORDS = frozenset(STOPWORDS_DUTCH) | _EXTRA_STOP_WORDS

_WORD = re.compile(r"\w+", re.UNICODE)
_LINKERS = ("s", "e", "en")  # Dutch linking morphemes: samenwerking-s-proces, ouder-en-zorg
_MIN_PART = 4  # shorter parts ("ge", "zorg"-like stubs) split too eagerly
_MIN_COMPOUND = 2 * _MIN_PART + 1

_stemmer = Stemmer.Stemmer(STEMMER_ALGORITHM)


@lru_cache(maxsize=200_000)
def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Lower-cased, accent-folded words of ``text`` (hyphens and punctuation split words)."""
    return [_fold(w) for w in _WORD.findall(text.lower())]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


class Lexicon(frozenset):
    """Known words (and their stems) that compounds may split into, with a split cache.

    A frozenset (so code that expects one keeps working) that carries its own cache: a
    global cache keyed by the lexicon would compare two equal lexicons element by element
    on every lookup (that made BM25 for 100k passages take 234 s instead of 40 s).
    """

    def __new__(cls, words: Iterable[str] = ()) -> "Lexicon":
        self = super().__new__(cls, words)
        self._splits = {}
        return self

    @property
    def words(self) -> frozenset[str]:
        return self

    def split(self, word: str) -> list[str] | None:
        """Cached `split_compound` (callers must not modify the returned list)."""
        try:
            return self._splits[word]
        except KeyError:
            parts = self._splits[word] = _split(word, self, depth=0)
            return parts


_WRAPPED: dict[int, tuple[frozenset[str], Lexicon]] = {}


def as_lexicon(words: frozenset[str] | set[str]) -> Lexicon:
    """A `Lexicon` for a plain set of words (remembered by identity for the next call)."""
    if isinstance(words, Lexicon):
        return words
    hit = _WRAPPED.get(id(words))
    if hit is None or hit[0] is not words:
        if len(_WRAPPED) > 16:
            _WRAPPED.clear()
        hit = _WRAPPED[id(words)] = (words, Lexicon(words))
    return hit[1]


def stem_tokens(text: str, lexicon: frozenset[str] | None = None) -> list[str]:
    """Terms of ``text`` as BM25 counts them: stems without stop words, plus compound parts.

    Without ``lexicon`` no compounds are split (the app's highlighting then marks whole
    words only); with the index's lexicon (``LoadedIndex.lexical.lexicon``) the result
    equals what the index used.
    """
    if lexicon is not None:
        lexicon = as_lexicon(lexicon)
    out: list[str] = []
    for word in words(text):
        if word in STOP_WORDS:
            continue
        out.append(stem(word))
        if lexicon is not None and len(word) >= _MIN_COMPOUND:
            parts = lexicon.split(word)
            if parts:
                out.extend(stem(p) for p in parts)
    return out


def split_compound(word: str, lexicon: frozenset[str]) -> list[str] | None:
    """Split ``word`` into known words of ``lexicon`` (longest head first), or None.

    >>> split_compound("wijkteammedewerker", frozenset({"wijkteam", "medewerker"}))
    ['wijkteam', 'medewerker']
    """
    return _split(word, lexicon, depth=0)


def _split(word: str, lexicon: frozenset[str], depth: int) -> list[str] | None:
    if depth > 3:
        return None
    for cut in range(len(word) - _MIN_PART, _MIN_PART - 1, -1):
        head, tail = word[:cut], word[cut:]
        heads = [head] + [head[: -len(s)] for s in _LINKERS
                          if head.endswith(s) and len(head) - len(s) >= _MIN_PART]
        known_head = next((h for h in heads if h in lexicon), None)
        if known_head is None:
            continue
        if tail in lexicon or stem(tail) in lexicon:
            return [known_head, tail]
        rest = _split(tail, lexicon, depth + 1) if len(tail) >= _MIN_COMPOUND else None
        if rest:
            return [known_head, *rest]
    return None


def build_lexicon(texts: Iterable[str], min_count: int = 2) -> Lexicon:
    """Words that occur on their own at least ``min_count`` times, and their stems.

    These are the parts compounds split into; the stems let an inflected last part match
    (*wijkteammedewerkers* → *wijkteam* + *medewerkers*).
    """
    counts = Counter(w for text in texts for w in words(text)
                     if len(w) >= _MIN_PART and w not in STOP_WORDS and not w.isdigit())
    known = {w for w, n in counts.items() if n >= min_count}
    return Lexicon(known | {stem(w) for w in known if len(stem(w)) >= _MIN_PART})
