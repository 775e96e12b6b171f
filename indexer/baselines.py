"""Baselines that the fused search must beat, measured on the same passages.

- `PlainBM25`: BM25 as anyone would set it up with bm25s: Snowball Dutch stemmer,
  Snowball Dutch stop words, passage text only, no compound splitting, no headings.
- The Sphinx built-in search lives in `indexer.sphinx_search` (a port of searchtools.js).
"""
from __future__ import annotations

import logging

import bm25s
import numpy as np
import Stemmer

logging.getLogger("bm25s").setLevel(logging.WARNING)


class PlainBM25:
    """Out-of-the-box bm25s over the passage texts, for `kb eval`'s baseline column."""

    def __init__(self, texts: list[str]) -> None:
        self.stemmer = Stemmer.Stemmer("dutch")
        tokens = bm25s.tokenize(texts, stopwords="nl", stemmer=self.stemmer, show_progress=False)
        self.retriever = bm25s.BM25()
        self.retriever.index(tokens, show_progress=False)
        self.n = len(texts)

    def top(self, query: str, k: int = 10) -> list[int]:
        """Indices of the best ``k`` passages (fewer if fewer match at all)."""
        tokens = bm25s.tokenize([query], stopwords="nl", stemmer=self.stemmer,
                                show_progress=False, return_ids=False)[0]
        known = [t for t in tokens if t in self.retriever.vocab_dict]
        if not known:
            return []
        scores = self.retriever.get_scores(known)
        order = np.argsort(-scores, kind="stable")[:k]
        return [int(i) for i in order if scores[i] > 0]
