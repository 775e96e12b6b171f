"""The FAISS vector index: exact search for small corpora, HNSW for large ones, in float16.

Vectors are L2-normalised, so inner product is cosine similarity. Exact search is the
right answer for the knowledge base (hundreds of passages, well under a millisecond);
from ``settings.hnsw_threshold`` passages on, an HNSW graph keeps a question in the low
milliseconds with recall@10 ≥ 0.95 against exact search. Both store the vectors as
float16 (faiss scalar quantizer): half the memory of float32 (the index must stay under
5 KB per passage), cosines change by less than 1e-4, and exact search even got faster.
Parameters and figures: benchmarks/bench_index.py, docs/benchmarks.md.
"""
from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np

FILE = "dense.faiss"
#: Threads per query. One: a server answers several questions at once in its own threads,
#: and on a busy two-core machine OpenMP's second thread made a 10k-passage search 12x
#: slower (25 ms instead of 2 ms, benchmarks/bench_index.py). Builds use every core.
SEARCH_THREADS = 1
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 160
HNSW_EF_SEARCH = 256


def build_dense(vectors: np.ndarray, hnsw_threshold: int) -> faiss.Index:
    """An index over ``vectors`` (float32, normalised), exact below the threshold."""
    n, dim = vectors.shape
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    fp16 = faiss.ScalarQuantizer.QT_fp16
    if n >= hnsw_threshold:
        index = faiss.IndexHNSWSQ(dim, fp16, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexScalarQuantizer(dim, fp16, faiss.METRIC_INNER_PRODUCT)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index.train(vectors[: min(n, 1000)])  # fp16 needs no statistics; faiss wants the call
    index.add(vectors)
    return index


def describe(index: faiss.Index) -> dict:
    if isinstance(index, faiss.IndexHNSW):
        return {"kind": "hnsw", "storage": "float16", "M": HNSW_M,
                "ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": HNSW_EF_SEARCH}
    return {"kind": "flat", "storage": "float16"}


class DenseIndex:
    """Nearest passages to a question vector, optionally among allowed passages only."""

    def __init__(self, index: faiss.Index, params: dict | None = None) -> None:
        self.index = index
        if isinstance(index, faiss.IndexHNSW):
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
        faiss.omp_set_num_threads(SEARCH_THREADS)  # per calling thread (OpenMP), so set it each time
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            params = (faiss.SearchParametersHNSW(sel=selector, efSearch=max(self.index.hnsw.efSearch, k))
                      if isinstance(self.index, faiss.IndexHNSW)
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
