"""The FAISS vector index: exact inner product for small corpora, HNSW for large ones.

Vectors are L2-normalised, so inner product is cosine similarity. Exact search
(``IndexFlatIP``) is the right answer for the knowledge base (hundreds of passages, well
under a millisecond); above ``settings.hnsw_threshold`` passages an HNSW graph keeps
queries in the low milliseconds with recall@10 ≥ 0.95 against exact search
(parameters measured in benchmarks/bench_index.py, figures in docs/benchmarks.md).
"""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

FILE = "dense.faiss"
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96


def build_dense(vectors: np.ndarray, hnsw_threshold: int) -> faiss.Index:
    """An index over ``vectors`` (float32, normalised), exact below the threshold."""
    n, dim = vectors.shape
    if n >= hnsw_threshold:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def describe(index: faiss.Index) -> dict:
    if isinstance(index, faiss.IndexHNSWFlat):
        return {"kind": "hnsw", "M": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION,
                "ef_search": HNSW_EF_SEARCH}
    return {"kind": "flat"}


class DenseIndex:
    """Nearest passages to a question vector, optionally among allowed passages only."""

    def __init__(self, index: faiss.Index, params: dict | None = None) -> None:
        self.index = index
        if isinstance(index, faiss.IndexHNSWFlat):
            index.hnsw.efSearch = int((params or {}).get("ef_search", HNSW_EF_SEARCH))

    @classmethod
    def load(cls, path: Path, params: dict | None = None) -> "DenseIndex":
        """``faiss.read_index``; call only after the file's sha256 was verified."""
        return cls(faiss.read_index(str(path)), params)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (scores, ids); ``allowed`` is an array of passage ids to search within."""
        k = min(k, self.ntotal if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            params = (faiss.SearchParametersHNSW(sel=selector, efSearch=max(self.index.hnsw.efSearch, k))
                      if isinstance(self.index, faiss.IndexHNSWFlat)
                      else faiss.SearchParameters(sel=selector))
        scores, ids = self.index.search(q, k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def scores_for(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Exact cosine of the question with the given passages (for lexical-only candidates)."""
        if len(ids) == 0:
            return np.zeros(0, np.float32)
        vectors = self.index.reconstruct_batch(np.ascontiguousarray(ids, dtype=np.int64))
        return vectors @ query.astype(np.float32)
