"""Sentences of a passage, and their vectors: one home for both, so they always agree.

The answer quotes whole sentences (`search_app.answer`), and chooses them partly by how
close each sentence's own vector is to the question: a passage vector says the passage is
about the question, a sentence vector says which of its sentences answers it (measured:
docs/quality.md). The build gets them from the passage's own encoding ("late
chunking": the mean of the final token states of the sentence's tokens, after the model
has read the whole passage, `indexer.embedders.Embedder.embed_with_parts`), cached with
the passage's hash, and stores them in the index as ``sentences.npy`` (float16, one row per sentence, in passage order) with
``sentence_offsets.npy`` (passage i owns rows ``offsets[i]:offsets[i + 1]``). The app
splits with the same function, so row j of a passage is its sentence j.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .passages import embedding_text

VECTORS_FILE = "sentences.npy"
OFFSETS_FILE = "sentence_offsets.npy"
FILES = (VECTORS_FILE, OFFSETS_FILE)
#: Part of the index recipe (`indexer.build.content_hash`): change it when the split or
#: the embedded text changes, so every index is rebuilt with matching rows.
RECIPE = "late-chunking/1"

# Abbreviations after which a full stop does not end a sentence (lower case, without the
# final dot): Dutch ones common in policy texts, plus initials (handled separately).
_ABBREVIATIONS = frozenset(
    "bijv bv o.a e.a m.b.t i.p.v d.w.z t.a.v z.g.a zgn vgl etc enz incl excl resp jl nr "
    "dr mr drs ir prof ca art lid blz p pp min max tel mevr dhr st".split()
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-ZÀ-Ý0-9])")
#: After a "?" or "!": a parenthesis and then a lower-case word means the question mark
#: ended a title ("Voor Wat belemmert en helpt wijkteams? (Engbersen e.a., 2021) zochten").
_TITLE_CONTINUES = re.compile(r"\s+(?:\([^)]{0,80}\)\s+)?[a-zà-ÿ]")
_LIST_MARKER = re.compile(r"^(?:[•·*–-]|\d{1,2}[.)])\s+")  # a list item's bullet is layout, not text


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text`` in ``text`` itself; `split_sentences` gives
    the same sentences with white space collapsed. Paragraph and line breaks always end a
    sentence; a list item's bullet is layout, not text, and stays outside the span.

    The offsets let the build pool a sentence's own tokens out of the passage's encoding
    (`indexer.embedders.Embedder.embed_with_parts`).
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        block, base = line.group(), line.start()
        lead = len(block) - len(block.lstrip())
        marker = _LIST_MARKER.match(block, lead)
        first = marker.end() if marker else lead
        start = first
        for match in _SENTENCE_END.finditer(block, first):
            before = re.split(r"\s", block[start:match.start()])[-1].lower()
            mark = match.group()[0]
            if mark == "." and (
                    before in _ABBREVIATIONS or before.rstrip(".") in _ABBREVIATIONS
                    or (len(before) == 1 and before.isalpha())):
                continue
            if mark in "?!" and _TITLE_CONTINUES.match(block, match.end()):
                continue
            spans.append(_trimmed(block, start, match.end(), base))
            start = match.end()
        spans.append(_trimmed(block, start, len(block), base))
    return [(a, b) for a, b in spans if b > a]


def _trimmed(block: str, start: int, end: int, base: int) -> tuple[int, int]:
    piece = block[start:end]
    a = start + len(piece) - len(piece.lstrip())
    b = start + len(piece.rstrip())
    return (base + a, base + max(a, b))


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage, white space collapsed (see `sentence_spans`)."""
    return [" ".join(text[a:b].split()) for a, b in sentence_spans(text)]


def sentence_cuts(passage: dict) -> list[int]:
    """Where `indexer.passages.embedding_text` is cut before each sentence, in UTF-8 bytes.

    The cut sits where the white space before the sentence starts, so each part's tokens
    are exactly those of the whole text (the tokenizer marks a word start by the space in
    front of it); part 0 is the heading, part j + 1 holds sentence j.
    """
    text = embedding_text(passage)
    offset = len(text) - len(passage["text"])  # the passage text is the end of it
    cuts = []
    for start, _ in sentence_spans(passage["text"]):
        cut = len(text[:offset + start].rstrip())
        cuts.append(len(text[:cut].encode("utf-8")))
    return cuts


class SentenceVectors:
    """The sentence vectors of an index; ``cosines`` gives a question's score per sentence."""

    def __init__(self, vectors: np.ndarray, offsets: np.ndarray) -> None:
        if vectors.ndim != 2 or offsets.ndim != 1 or len(offsets) < 1:
            raise ValueError(f"zinvectoren met vorm {vectors.shape} en offsets {offsets.shape}")
        if offsets[0] != 0 or offsets[-1] != len(vectors) or np.any(np.diff(offsets) < 0):
            raise ValueError(f"offsets passen niet bij {len(vectors)} zinvectoren")
        self.vectors = vectors
        self.offsets = offsets

    @classmethod
    def from_rows(cls, rows: Sequence[np.ndarray], dim: int) -> "SentenceVectors":
        """From one (sentences × dim) array per passage."""
        counts = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        stacked = [r for r in rows if len(r)]
        vectors = (np.concatenate(stacked) if stacked else np.zeros((0, dim))).astype(np.float16)
        return cls(vectors, offsets)

    @property
    def passage_count(self) -> int:
        return len(self.offsets) - 1

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def save(self, directory: Path) -> list[str]:
        np.save(Path(directory) / VECTORS_FILE, self.vectors, allow_pickle=False)
        np.save(Path(directory) / OFFSETS_FILE, self.offsets, allow_pickle=False)
        return list(FILES)

    @classmethod
    def load(cls, directory: Path) -> "SentenceVectors":
        """Read both files; call only after their sha256 was verified (`indexer.store`)."""
        vectors = np.load(Path(directory) / VECTORS_FILE, allow_pickle=False)
        offsets = np.load(Path(directory) / OFFSETS_FILE, allow_pickle=False)
        if vectors.dtype != np.float16 or offsets.dtype != np.int64:
            raise ValueError(f"zinvectoren van type {vectors.dtype}/{offsets.dtype}")
        return cls(vectors, offsets)

    def cosines(self, vector: np.ndarray, numbers: Sequence[int]) -> list[np.ndarray]:
        """For each passage number, the cosine of ``vector`` with each of its sentences.

        One gather and one matrix product for all passages (vectors are unit length).
        """
        if not len(numbers):
            return []
        starts, ends = self.offsets[list(numbers)], self.offsets[np.asarray(numbers) + 1]
        rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)])
        scores = (self.vectors[rows].astype(np.float32) @ np.asarray(vector, dtype=np.float32)
                  if len(rows) else np.zeros(0, np.float32))
        bounds = np.cumsum(ends - starts)[:-1]
        return np.split(scores, bounds)
