"""Dutch BM25: bm25s computes the score matrix, we keep it as plain .npy arrays.

bm25s precomputes, for every term, the BM25 contribution to every passage that has it
(a sparse term × passage matrix), so a query is a sum of a few columns. bm25s's own
``save`` writes in place into one directory; we take its arrays and write them ourselves
inside the index's atomic build (``np.save(..., allow_pickle=False)``, vocabulary in JSON).
"""
from __future__ import annotations

import json
from pathlib import Path

import logging

import bm25s
import numpy as np

from . import textproc

# bm25s logs every index build at DEBUG/INFO; our own log says what was built.
logging.getLogger("bm25s").setLevel(logging.WARNING)

K1 = 1.2
B = 0.75
METHOD = "lucene"

FILES = ("bm25_data.npy", "bm25_indices.npy", "bm25_indptr.npy", "bm25_vocab.json")
#: A question term the index does not know, of at least this many characters, is read as
#: the index's most frequent term one edit away ("ontwikeltafel" -> "ontwikkeltafel";
#: measured on the typo questions, docs/quality.md). 0 turns this off.
TYPO_MIN_CHARS = 6
LEXICON_FILE = "bm25_lexicon.json"


class LexicalIndex:
    """BM25 scores of every passage for a question, from the precomputed matrix."""

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 vocab: list[str], num_docs: int, lexicon: textproc.Lexicon | None) -> None:
        self.data, self.indices, self.indptr = data, indices, indptr
        self.vocab = {term: i for i, term in enumerate(vocab)}
        self._terms = vocab
        self.num_docs = num_docs
        self.lexicon = lexicon
        self.typo_min_chars = TYPO_MIN_CHARS
        self._deletions: dict[str, list[int]] | None = None

    @classmethod
    def build(cls, texts: list[str], split_compounds: bool = True) -> "LexicalIndex":
        lexicon = textproc.build_lexicon(texts) if split_compounds else None
        corpus = [textproc.stem_tokens(t, lexicon) or [""] for t in texts]
        retriever = bm25s.BM25(k1=K1, b=B, method=METHOD)
        retriever.index(corpus, show_progress=False)
        s = retriever.scores
        # bm25s appends an empty "" term after the matrix; keep only terms with a column
        vocab = [""] * (len(s["indptr"]) - 1)
        for term, i in retriever.vocab_dict.items():
            if i < len(vocab):
                vocab[i] = term
        return cls(np.asarray(s["data"], dtype=np.float32), np.asarray(s["indices"], dtype=np.int32),
                   np.asarray(s["indptr"], dtype=np.int64), vocab, int(s["num_docs"]), lexicon)

    def params(self) -> dict:
        return {"k1": K1, "b": B, "method": METHOD, "stemmer": textproc.STEMMER_ALGORITHM,
                "compounds": self.lexicon is not None, "num_docs": self.num_docs,
                "vocab_size": len(self._terms)}

    def save(self, directory: Path) -> list[str]:
        """Write the arrays into ``directory``; returns the file names written."""
        np.save(directory / "bm25_data.npy", self.data, allow_pickle=False)
        np.save(directory / "bm25_indices.npy", self.indices, allow_pickle=False)
        np.save(directory / "bm25_indptr.npy", self.indptr, allow_pickle=False)
        (directory / "bm25_vocab.json").write_text(json.dumps(self._terms, ensure_ascii=False), "utf-8")
        names = list(FILES)
        if self.lexicon is not None:
            (directory / LEXICON_FILE).write_text(
                json.dumps(sorted(self.lexicon.words), ensure_ascii=False), "utf-8")
            names.append(LEXICON_FILE)
        return names

    @classmethod
    def load(cls, directory: Path, params: dict) -> "LexicalIndex":
        """Read the arrays (checksums were verified by the caller); ValueError if inconsistent."""
        data = np.load(directory / "bm25_data.npy", allow_pickle=False)
        indices = np.load(directory / "bm25_indices.npy", allow_pickle=False)
        indptr = np.load(directory / "bm25_indptr.npy", allow_pickle=False)
        vocab = json.loads((directory / "bm25_vocab.json").read_text("utf-8"))
        lexicon = None
        if params.get("compounds"):
            lexicon = textproc.Lexicon(json.loads((directory / LEXICON_FILE).read_text("utf-8")))
        num_docs = int(params["num_docs"])
        if (data.shape != indices.shape or indptr.shape != (len(vocab) + 1,)
                or int(indptr[-1]) != len(data) or (len(indices) and int(indices.max()) >= num_docs)):
            raise ValueError("BM25-bestanden passen niet bij elkaar")
        return cls(data, indices, indptr, vocab, num_docs, lexicon)

    def analyze(self, text: str) -> list[str]:
        return textproc.stem_tokens(text, self.lexicon)

    def _deletion_index(self) -> dict[str, list[int]]:
        """Every known term with one character left out -> the terms it comes from (built once)."""
        if self._deletions is None:
            index: dict[str, list[int]] = {}
            for i, term in enumerate(self._terms):
                if len(term) >= self.typo_min_chars - 1:
                    for k in range(len(term)):
                        index.setdefault(term[:k] + term[k + 1:], []).append(i)
            self._deletions = index
        return self._deletions

    def _df(self, i: int) -> int:
        return int(self.indptr[i + 1] - self.indptr[i])

    def term_id(self, term: str) -> int | None:
        """The column of ``term``, or of the most frequent known term one edit away (a typo)."""
        i = self.vocab.get(term)
        if i is not None or not self.typo_min_chars or len(term) < self.typo_min_chars:
            return i
        deletions = self._deletion_index()
        candidates = set(deletions.get(term, ()))  # a letter missing in the question
        for k in range(len(term)):
            shorter = term[:k] + term[k + 1:]
            if shorter in self.vocab:  # a letter too many
                candidates.add(self.vocab[shorter])
            candidates.update(deletions.get(shorter, ()))  # a letter swapped or wrong
        return max(candidates, key=lambda c: (self._df(c), -c)) if candidates else None

    def term_ids(self, query: str) -> list[int]:
        """The distinct known columns of the query's terms (typos mapped), sorted."""
        return sorted({i for i in (self.term_id(t) for t in self.analyze(query) if t) if i is not None})

    def scores(self, query: str, ids: list[int] | None = None) -> np.ndarray:
        """BM25 score of every passage (float32, length num_docs); zeros when no term is known.

        ``ids``: the query's `term_ids`, when the caller already has them."""
        ids = self.term_ids(query) if ids is None else ids
        if not ids:
            return np.zeros(self.num_docs, dtype=np.float32)
        spans = [(self.indptr[i], self.indptr[i + 1]) for i in ids]
        docs = np.concatenate([self.indices[a:b] for a, b in spans])
        weights = np.concatenate([self.data[a:b] for a, b in spans])
        return np.bincount(docs, weights=weights, minlength=self.num_docs).astype(np.float32)
