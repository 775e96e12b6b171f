"""The answer: two to four sentences copied verbatim from the best passages.

Nothing is generated. Sentences of the top results are scored by how many of the
question's stems they contain, with a small preference for higher-ranked results and
for sentences early in a passage; the best few are shown in reading order (by result,
then by position), each citing the result it came from. When no sentence shares a word
with the question (an English question that found a Dutch passage by meaning), the
opening sentences of the best passage are used: the search judged that passage the
answer, and a passage's first sentences state its point.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .highlight import StemMatcher

MIN_SENTENCES = 2
MAX_SENTENCES = 4
ANSWER_RESULTS = 3  # sentences come from at most this many top results
MAX_PER_RESULT = 2
MIN_WORDS = 5
MAX_WORDS = 70
NEAR_DUPLICATE = 0.5  # share of shared stems (Jaccard) above which a sentence repeats another

# Abbreviations after which a full stop does not end a sentence (lower case, without the
# final dot): Dutch ones common in policy texts, plus initials (handled separately).
_ABBREVIATIONS = frozenset(
    "bijv bv o.a e.a m.b.t i.p.v d.w.z t.a.v z.g.a zgn vgl etc enz incl excl resp jl nr "
    "dr mr drs ir prof ca art lid blz p pp min max tel mevr dhr st".split()
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-ZÀ-Ý0-9])")
_WORD = re.compile(r"\w+", re.UNICODE)
_LIST_MARKER = re.compile(r"^(?:[•·*–-]|\d{1,2}[.)])\s+")  # a list item's bullet is layout, not text


@dataclass(frozen=True)
class Sentence:
    text: str
    result: int  # 1-based number of the result it comes from (its citation number)
    position: int  # index of the sentence within its passage


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage; paragraph and line breaks always end a sentence."""
    sentences: list[str] = []
    for block in re.split(r"\n\s*\n|\n", text):
        block = _LIST_MARKER.sub("", " ".join(block.split()))
        start = 0
        for match in _SENTENCE_END.finditer(block):
            before = block[start:match.start()].rsplit(" ", 1)[-1].lower()
            if match.group().startswith(".") and (
                    before in _ABBREVIATIONS or before.rstrip(".") in _ABBREVIATIONS
                    or (len(before) == 1 and before.isalpha())):
                continue
            sentences.append(block[start:match.end()].strip())
            start = match.end()
        rest = block[start:].strip()
        if rest:
            sentences.append(rest)
    return [s for s in sentences if s]


def _usable(sentence: str) -> bool:
    n = len(_WORD.findall(sentence))
    return MIN_WORDS <= n <= MAX_WORDS and sentence[-1] in ".!?…)\"”’'"


def _stems(sentence: str, matcher: StemMatcher) -> frozenset[str]:
    return frozenset().union(*(matcher.word_stems(w) for w in _WORD.findall(sentence)))


def _usable_sentences(text: str, matcher: StemMatcher) -> tuple[tuple[int, str, frozenset[str]], ...]:
    """(position, sentence, stems) of the sentences of a passage that can be quoted."""
    return tuple((pos, sentence, _stems(sentence, matcher))
                 for pos, sentence in enumerate(split_sentences(text)) if _usable(sentence))


def _repeats(stems: frozenset[str], chosen: list[frozenset[str]]) -> bool:
    """True when a sentence says nearly the same as one already chosen (passages overlap)."""
    return any(len(stems & other) >= NEAR_DUPLICATE * len(stems | other) for other in chosen)


def compose_answer(passages: Sequence[dict[str, Any]], question_stems: frozenset[str],
                   matcher: StemMatcher) -> list[Sentence]:
    """Two to four verbatim sentences from ``passages`` (the ranked results to cite)."""
    candidates: list[tuple[float, Sentence, frozenset[str]]] = []
    openings: list[tuple[Sentence, frozenset[str]]] = []
    for rank, passage in enumerate(passages[:ANSWER_RESULTS], start=1):
        for pos, text, stems in matcher.per_passage(_usable_sentences, passage.get("text", "")):
            openings.append((Sentence(text, rank, pos), stems))
            overlap = len(stems & question_stems)
            if overlap:
                score = overlap / max(1, len(question_stems)) - 0.12 * (rank - 1) - 0.02 * pos
                candidates.append((score, Sentence(text, rank, pos), stems))
    candidates.sort(key=lambda c: -c[0])

    chosen: list[Sentence] = []
    chosen_stems: list[frozenset[str]] = []
    per_result: dict[int, int] = {}
    best = candidates[0][0] if candidates else 0.0
    for score, sentence, stems in candidates:
        if len(chosen) >= MAX_SENTENCES:
            break
        if len(chosen) >= MIN_SENTENCES and score < 0.5 * best:
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
