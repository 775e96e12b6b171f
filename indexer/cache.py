"""Embedding cache: vectors kept by (embedder, sha256 of the embedded text).

Embedding is by far the slowest step of a build (about 5 passages a second with the
bundled model on two cores), so a rebuild after one edited page must embed only that
page's passages. One file per embedder, a NumPy structured array (key, vector) saved
without pickle and replaced atomically; a damaged or foreign file is ignored (the
vectors are simply computed again), never trusted.

Keys are the 32 raw bytes of a sha256, stored as ``uint8[32]``. The first format used
NumPy ``S32``, which drops trailing NUL bytes, so a key ending in 0x00 (one in 256)
never matched and its passage was embedded again on every build. Such files are still
read: the dropped bytes can only have been NULs, so padding restores every key exactly;
the next save writes the new format.

A save writes a ``.tmp-*.npy`` file beside the cache and renames it; a kill halfway
leaves that file behind, so loading and saving remove the ones no running save holds
(saves take a lock file in the same folder).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from kbcore.atomicdir import lock

log = logging.getLogger(__name__)

KEY_BYTES = 32
TMP_GLOB = ".tmp-*.npy"
LOCK_NAME = "save.lock"


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """Vectors of one embedder under ``cache_dir/embeddings/``."""

    def __init__(self, cache_dir: str | os.PathLike[str], embedder_info: dict) -> None:
        self.dim = int(embedder_info["dim"])
        ident = json.dumps(embedder_info, sort_keys=True).encode("utf-8")
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", str(embedder_info["id"]))[:60]
        self.path = Path(cache_dir) / "embeddings" / f"{slug}-{hashlib.sha256(ident).hexdigest()[:12]}.npy"
        self._dtype = np.dtype([("key", "u1", (KEY_BYTES,)), ("vector", "<f4", (self.dim,))])
        #: The first format (keys as S32, trailing NULs lost), read and converted on load.
        self._legacy_dtype = np.dtype([("key", f"S{KEY_BYTES}"), ("vector", "<f4", (self.dim,))])
        self._vectors: dict[bytes, np.ndarray] = {}
        self.hits = 0
        self.misses = 0
        self._load()

    def _load(self) -> None:
        self._remove_leftovers(wait=False)
        if not self.path.exists():
            return
        try:
            table = np.load(self.path, allow_pickle=False)
            if table.ndim != 1 or table.dtype not in (self._dtype, self._legacy_dtype):
                raise ValueError(f"onverwacht formaat {table.dtype}")
        except (OSError, ValueError, EOFError) as exc:
            log.warning("Embeddingcache %s wordt genegeerd (%s); de vectoren worden opnieuw berekend",
                        self.path, exc)
            return
        if table.dtype == self._legacy_dtype:
            # S32 dropped trailing NUL bytes only, so padding gives back the exact key
            self._vectors = {bytes(row["key"]).ljust(KEY_BYTES, b"\0"): row["vector"] for row in table}
        else:
            self._vectors = {row["key"].tobytes(): row["vector"] for row in table}

    @contextlib.contextmanager
    def _locked(self, wait: bool) -> Iterator[bool]:
        """Hold the folder's save lock (True), or yield False when ``wait`` is off and it is taken."""
        with contextlib.ExitStack() as stack:
            try:
                held = stack.enter_context(lock(self.path.parent / LOCK_NAME, wait))
            except OSError:  # a read-only cache folder: nothing to write, nothing to clean
                held = False
            yield held

    def _remove_leftovers(self, wait: bool) -> None:
        """Remove temp files of killed saves (not those of a save running now)."""
        if not self.path.parent.is_dir():
            return
        with self._locked(wait) as held:
            if held:
                self._unlink_temps()

    def _unlink_temps(self) -> None:
        for path in self.path.parent.glob(TMP_GLOB):
            try:
                path.unlink()
                log.info("Restant van een afgebroken opslag van de embeddingcache verwijderd: %s", path)
            except OSError:
                pass

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
        order = list(current) + older
        if any(len(key) != KEY_BYTES for key in order):
            raise ValueError(f"elke sleutel van de embeddingcache is {KEY_BYTES} bytes (sha256)")
        table = np.empty(len(order), dtype=self._dtype)
        if order:
            table["key"] = np.frombuffer(b"".join(order), dtype=np.uint8).reshape(len(order), KEY_BYTES)
            table["vector"] = np.stack([current[k] if k in current else self._vectors[k] for k in order])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked(wait=True):
            self._unlink_temps()
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
