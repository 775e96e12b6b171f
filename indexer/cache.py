"""Embedding cache: vectors kept by (embedder, sha256 of the embedded text).

Embedding is by far the slowest step of a build (about 5 passages a second with the
bundled model on two cores), so a rebuild after one edited page must embed only that
page's passages. One file per embedder, a NumPy structured array (key, vector) saved
without pickle and replaced atomically; a damaged or foreign file is ignored (the
vectors are simply computed again), never trusted.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """Vectors of one embedder under ``cache_dir/embeddings/``."""

    def __init__(self, cache_dir: str | os.PathLike[str], embedder_info: dict) -> None:
        self.dim = int(embedder_info["dim"])
        ident = json.dumps(embedder_info, sort_keys=True).encode("utf-8")
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", str(embedder_info["id"]))[:60]
        self.path = Path(cache_dir) / "embeddings" / f"{slug}-{hashlib.sha256(ident).hexdigest()[:12]}.npy"
        self._dtype = np.dtype([("key", "S32"), ("vector", "<f4", (self.dim,))])
        self._vectors: dict[bytes, np.ndarray] = {}
        self.hits = 0
        self.misses = 0
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            table = np.load(self.path, allow_pickle=False)
            if table.dtype != self._dtype or table.ndim != 1:
                raise ValueError(f"onverwacht formaat {table.dtype}")
        except (OSError, ValueError, EOFError) as exc:
            log.warning("Embeddingcache %s wordt genegeerd (%s); de vectoren worden opnieuw berekend",
                        self.path, exc)
            return
        self._vectors = {bytes(row["key"]): row["vector"] for row in table}

    def lookup(self, keys: list[bytes]) -> tuple[np.ndarray, list[int]]:
        """Vectors for ``keys`` (zeros where missing) and the positions that are missing."""
        out = np.zeros((len(keys), self.dim), dtype=np.float32)
        missing = []
        for i, key in enumerate(keys):
            vec = self._vectors.get(key)
            if vec is None:
                missing.append(i)
            else:
                out[i] = vec
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        return out, missing

    def save(self, keys: list[bytes], vectors: np.ndarray) -> None:
        """Keep the vectors of this build, plus older ones up to as many again (for undo/edits)."""
        current = dict(zip(keys, vectors))
        older = [k for k in self._vectors if k not in current][: len(current)]
        table = np.empty(len(current) + len(older), dtype=self._dtype)
        for i, key in enumerate(list(current) + older):
            table[i] = (key, current[key] if key in current else self._vectors[key])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".npy")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, table, allow_pickle=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
