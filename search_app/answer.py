"""The answer: two to four sentences copied verbatim from the best passages.

Nothing is generated. The sentences of the top results are scored on how well they carry
the answer, not on how often they repeat the question (measured: docs/quality.md):

- **lexical evidence, weighted by rarity**: the question's stems a sentence contains,
  each counted by its inverse document frequency in the index (`TermWeights`), so the
  rare word that names the subject ("ZorgMail", "Tiel") weighs more than "wijkteam";
  measured against the question words the sources contain at all (the names and side
  remarks of a long case description do not dilute it);
- **the sentence's role**: a question that asks how many wants a sentence with a figure,
  "why" a sentence that gives a cause, "which" a list or a colon; a sentence that only
  points elsewhere ("Zie het dilemma …") is never an answer; a quoted question counts as
  an item of the list that "welke vragen …" asks for;
- **meaning**: the question's cosine with the sentence's own vector (built with the index,
  `indexer.sentences`), so the sentence that answers in other words ("eerst moet de
  caseload omlaag") beats the one that only repeats the question's words; a sentence
  that shares no word with the question is quoted only when it is very close in meaning;
- **the passage's rank** and the sentence's place in it (small penalties);
- English questions are matched through the Dutch domain words of `indexer.english`.

Passages of cross-reference sections (``navigation``) are not answer sources. A sentence
that says nearly the same as one already chosen (the same finding on two pages) is
skipped. The best few are shown in reading order (by result, then position), each citing
the result it came from. When no sentence shares a word with the question, the opening
sentences of the best passage are used: the search judged that passage the answer.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from indexer.english import dutch_terms
from indexer.sentences import split_sentences

from .highlight import StemMatcher

MIN_SENTENCES = 2
MAX_SENTENCES = 4
ANSWER_RESULTS = 4  # sentences come from at most this many top results
MAX_PER_RESULT = 2
MIN_WORDS = 5
MAX_WORDS = 70
NEAR_DUPLICATE = 0.5  # share of shared stems (Jaccard) above which a sentence repeats another
#: Score penalties per result rank below the first and per sentence position in a passage.
RANK_PENALTY = 0.09
POSITION_PENALTY = 0.01
#: Added when the sentence has what the question asks for (a figure, a cause, a list).
ROLE_BONUS = 0.35
#: A sentence is kept only if it scores at least this share of the best one.
KEEP_SHARE = 0.3
#: Weight of the sentence's own cosine with the question (its sentence vector), stretched
#: from [SENTENCE_FLOOR, SENTENCE_CEIL] to [0, 1]; a sentence that shares no word with the
#: question is a candidate when that term alone reaches DENSE_ALONE (measured).
DENSE_WEIGHT = 0.5
SENTENCE_FLOOR = 0.80
SENTENCE_CEIL = 0.90
DENSE_ALONE = 0.35
#: Measure evidence against the question words that occur in the sources at all.
FOUND_WORDS_ONLY = True

_WORD = re.compile(r"\w+", re.UNICODE)

#: A sentence that only sends the reader elsewhere.
_POINTER = re.compile(r"^(?:Zie (?:ook )?|Meer (?:hierover |daarover )?(?:staat|leest|lees) |Lees (?:ook |verder )?)")

# What a question asks for, and the sentences that have it.
_ASKS_NUMBER = re.compile(
    r"\b(hoeveel|hoe ?vaak|hoe groot|hoe klein|hoe lang|welk percentage|procent|percentage|aandeel|"
    r"how many|how much|how often|what share|what percentage|fte)\b", re.IGNORECASE)
_HAS_NUMBER = re.compile(
    r"\d|%|\b(een paar|enkele|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|twaalf|twintig|"
    r"helft|derde|kwart|meerderheid|minderheid)\b", re.IGNORECASE)
_ASKS_CAUSE = re.compile(r"\b(waarom|waardoor|hoe komt|oorzaak|oorzaken|why|cause|reason)\b", re.IGNORECASE)
_HAS_CAUSE = re.compile(
    r"\b(omdat|doordat|daardoor|dankzij|door de|door het|door die|door dat|oorzaak|oorzaken|verklaring|"
    r"verklaart|redenen?|vanwege|komt door|komt dat|leidt|leiden|gevolg|daarom|want)\b", re.IGNORECASE)
#: A quoted question ("Tot hoever ga je?") is the list a "welke vragen" question asks for.
_QUOTED_QUESTION = re.compile(r"[“\"‘'][^”\"’']{3,}\?[”\"’']")
_ASKS_LIST = re.compile(
    r"\b(welke|which|what are|what were|wat zijn|wat waren|noem|voorwaarden|oplossingen|suggesties|"
    r"maatregelen|lessen|tips|conditions|solutions|suggest|belangrijkste|most important)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Sentence:
    text: str
    result: int  # 1-based number of the result it comes from (its citation number)
    position: int  # index of the sentence within its passage


@dataclass(frozen=True)
class TermWeights:
    """Inverse document frequency of the index's stems: rare question words count more."""

    idf: Mapping[str, float] = field(default_factory=dict)
    default: float = 1.0

    @classmethod
    def from_lexical(cls, lexical: Any) -> "TermWeights":
        """From a `indexer.lexical.LexicalIndex` (document frequency = entries of a term's column)."""
        vocab = getattr(lexical, "vocab", None)
        indptr = getattr(lexical, "indptr", None)
        n = int(getattr(lexical, "num_docs", 0) or 0)
        if not isinstance(vocab, dict) or indptr is None or n <= 0:
            return cls()
        idf = {}
        for term, i in vocab.items():
            df = int(indptr[i + 1] - indptr[i])
            idf[term] = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        return cls(idf, max(idf.values(), default=1.0))

    def weight(self, stem: str) -> float:
        return self.idf.get(stem, self.default) if self.idf else 1.0


def _usable(sentence: str) -> bool:
    n = len(_WORD.findall(sentence))
    return (MIN_WORDS <= n <= MAX_WORDS and sentence[-1] in ".!?…)\"”’';"
            and not _POINTER.match(sentence))


def _stems(sentence: str, matcher: StemMatcher) -> frozenset[str]:
    return frozenset().union(*(matcher.word_stems(w) for w in _WORD.findall(sentence)))


def _usable_sentences(text: str, matcher: StemMatcher) -> tuple[tuple[int, str, frozenset[str]], ...]:
    """(position, sentence, stems) of the sentences of a passage that can be quoted."""
    return tuple((pos, sentence, _stems(sentence, matcher))
                 for pos, sentence in enumerate(split_sentences(text)) if _usable(sentence))


def _repeats(stems: frozenset[str], chosen: list[frozenset[str]]) -> bool:
    """True when a sentence says nearly the same as one already chosen (passages overlap)."""
    return any(len(stems & other) >= NEAR_DUPLICATE * len(stems | other) for other in chosen)


def _stretch(cosine: float) -> float:
    return min(1.0, max(0.0, (float(cosine) - SENTENCE_FLOOR) / (SENTENCE_CEIL - SENTENCE_FLOOR)))


def _role_bonus(question: str, sentence: str) -> float:
    """ROLE_BONUS when the sentence has what the question asks for."""
    if not question:
        return 0.0
    if _ASKS_NUMBER.search(question) and _HAS_NUMBER.search(sentence):
        return ROLE_BONUS
    if _ASKS_CAUSE.search(question) and _HAS_CAUSE.search(sentence):
        return ROLE_BONUS
    if _ASKS_LIST.search(question) and (":" in sentence or sentence.endswith(";")
                                        or _QUOTED_QUESTION.search(sentence)):
        return ROLE_BONUS
    return 0.0


def answer_sources(passages: Sequence[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """(result number, passage) of the results the answer may quote: no cross-reference sections."""
    numbered = list(enumerate(passages, start=1))
    own = [(n, p) for n, p in numbered if not p.get("navigation")]
    return (own or numbered)[:ANSWER_RESULTS]


def compose_answer(passages: Sequence[dict[str, Any]], question_stems: frozenset[str],
                   matcher: StemMatcher, question: str = "",
                   weights: TermWeights | None = None,
                   dense: Sequence[Sequence[float] | None] | None = None) -> list[Sentence]:
    """Two to four verbatim sentences from ``passages`` (the ranked results to cite).

    ``question`` (its text) lets the answer look for what is asked (a figure, a cause) and
    add the Dutch words of an English question; ``weights`` weigh the question's stems.
    """
    weights = weights or TermWeights()
    if question:
        extra = dutch_terms(question)
        if extra:
            question_stems = question_stems | matcher.query_stems(extra)
    sources = answer_sources(passages)
    if FOUND_WORDS_ONLY:
        # Evidence is measured against the question words the sources have at all: a long
        # case description's names and side remarks would otherwise dilute every sentence.
        found = frozenset().union(*(stems for _, p in sources
                                    for _, _, stems in matcher.per_passage(_usable_sentences, p.get("text", ""))))
        relevant = question_stems & found or question_stems
    else:
        relevant = question_stems
    total = sum(weights.weight(t) for t in relevant) or 1.0
    candidates: list[tuple[float, Sentence, frozenset[str]]] = []
    openings: list[tuple[Sentence, frozenset[str]]] = []
    for rank, (number, passage) in enumerate(sources, start=1):
        cosines = dense[number - 1] if dense is not None and number - 1 < len(dense) else None
        for pos, text, stems in matcher.per_passage(_usable_sentences, passage.get("text", "")):
            sentence = Sentence(text, number, pos)
            openings.append((sentence, stems))
            shared = stems & question_stems
            meaning = (DENSE_WEIGHT * _stretch(cosines[pos])
                       if cosines is not None and pos < len(cosines) else 0.0)
            if shared or meaning >= DENSE_ALONE:
                score = (sum(weights.weight(t) for t in shared) / total + meaning
                         + _role_bonus(question, text)
                         - RANK_PENALTY * (rank - 1) - POSITION_PENALTY * pos)
                candidates.append((score, sentence, stems))
    candidates.sort(key=lambda c: -c[0])

    chosen: list[Sentence] = []
    chosen_stems: list[frozenset[str]] = []
    per_result: dict[int, int] = {}
    best = candidates[0][0] if candidates else 0.0
    for score, sentence, stems in candidates:
        if len(chosen) >= MAX_SENTENCES:
            break
        if len(chosen) >= MIN_SENTENCES and score < KEEP_SHARE * best:
            break
        if per_result.get(sentence.result, 0) >= MAX_PER_RESULT or _repeats(stems, chosen_stems):
            continue
        chosen.append(sentence)
        chosen_stems.append(stems)
        per_result[sentence.result] = per_result.get(sentence.result, 0) + 1

    # Too few matching sentences: complete with the opening sentences of the best passages
    # (``openings`` is in rank order, then passage order).
    for sentence, stems in openings:
        if len(chosen) >= MIN_SENTENCES:
            break
        if sentence not in chosen and not _repeats(stems, chosen_stems):
            chosen.append(sentence)
            chosen_stems.append(stems)
    chosen.sort(key=lambda s: (s.result, s.position))
    return chosen
