"""Building the index from the site's passages.jsonl: `build_index`.

Steps: read and check the passages (nothing is touched if they are broken), embed the
passages the cache does not know yet, build BM25 and FAISS, write everything into a
temporary sibling directory and swap it in (see `indexer.store`). An index whose
content hash matches the passages, embedder and format is left as it is.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from kennisbank import __version__
from kbcore.errors import KBError
from kbcore.settings import Settings

from . import store
from .cache import EmbeddingCache, text_key
from .dense import DenseIndex, build_dense, describe
from .embedders import Embedder, get_embedder
from .lexical import LexicalIndex
from .passages import embedding_text, lexical_text, read_passages
from .sentences import RECIPE as SENTENCE_RECIPE
from .sentences import SentenceVectors, sentence_cuts

log = logging.getLogger(__name__)

#: Whether BM25 also counts the parts of Dutch compounds (measured: docs/quality.md).
SPLIT_COMPOUNDS = True


def content_hash(raw_passages: bytes, embedder: Embedder, hnsw_threshold: int) -> str:
    """Everything the index depends on: passages, embedder, format, analysis and FAISS choice."""
    digest = hashlib.sha256()
    digest.update(raw_passages)
    recipe = {"format": store.FORMAT_VERSION, "embedder": embedder.describe(),
              "compounds": SPLIT_COMPOUNDS, "hnsw_threshold": hnsw_threshold,
              "embedding_text": "heading+text/1", "lexical_text": "heading+text/1",
              "sentences": SENTENCE_RECIPE}
    digest.update(json.dumps(recipe, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def build_index(settings: Settings, progress: bool = True, embedder: Embedder | None = None,
                force: bool = False) -> dict:
    """Build ``settings.index_dir`` from ``settings.passages_file``; returns the manifest.

    The returned dict is the manifest plus ``"status"``: ``"built"`` or ``"unchanged"``
    (the index already matched; never with ``force``), ``"stats"`` with timings and cache
    use, and ``"recovered"``: the old index a killed swap had left aside and this build put
    back first (`store.recovery_line`), or None. ``force`` writes a new index even when the
    existing one matches (`kb build --clean`); the embedding cache is still used, its keys
    are the texts' own hashes.
    """
    started = time.perf_counter()
    passages, raw = read_passages(settings.passages_file)
    embedder = embedder or get_embedder(settings)
    wanted = content_hash(raw, embedder, settings.hnsw_threshold)
    index_dir = Path(settings.index_dir)
    with store.build_lock(index_dir):
        recovered, removed = store.clean_leftovers(index_dir)
        for path in removed:
            log.info("Restant van een afgebroken build verwijderd: %s", path)
        current = _current_manifest(index_dir)
        if not force and current is not None and current.get("content_hash") == wanted:
            seconds = round(time.perf_counter() - started, 3)
            return {**current, "status": "unchanged", "recovered": recovered,
                    "stats": {"embedded": 0, "from_cache": 0, "seconds": {"total": seconds}}}

        timings: dict[str, float] = {}
        cache = EmbeddingCache(settings.cache_dir, embedder.describe())
        t0 = time.perf_counter()
        texts = [embedding_text(p) for p in passages]
        cuts = [sentence_cuts(p) for p in passages]
        keys = [text_key(embedder.passage_prefix + t) for t in texts]
        # a sentence vector depends on its whole passage: keyed by the passage text and its place
        sentence_keys = [[text_key(f"{SENTENCE_RECIPE}\0{j}\0{embedder.passage_prefix}{t}")
                          for j in range(len(c))] for t, c in zip(texts, cuts)]
        flat_keys = [k for ks in sentence_keys for k in ks]
        vectors, missing = cache.lookup(keys)
        flat_vectors, missing_sentences = cache.lookup(flat_keys)
        owner = np.repeat(np.arange(len(passages)), [len(c) for c in cuts])
        todo = sorted(set(missing) | set(owner[missing_sentences].tolist()))
        bounds = np.cumsum([len(c) for c in cuts])[:-1]
        rows = np.split(flat_vectors, bounds) if passages else []
        if todo:
            new_vectors, parts = embedder.embed_with_parts([texts[i] for i in todo], [cuts[i] for i in todo],
                                                           progress=progress, label="Embeddings")
            for i, vector, part in zip(todo, new_vectors, parts):
                vectors[i] = vector
                rows[i] = part[1:]  # part 0 is the heading
            flat = np.concatenate(rows) if rows else flat_vectors
            cache.save(keys + flat_keys, np.concatenate([vectors, flat]))
        sentences = SentenceVectors.from_rows(rows, embedder.dim)
        timings["embed"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        lexical = LexicalIndex.build([lexical_text(p) for p in passages], SPLIT_COMPOUNDS)
        timings["bm25"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        dense = DenseIndex(build_dense(vectors, settings.hnsw_threshold))
        timings["faiss"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        with store.atomic_directory(index_dir) as tmp:
            with open(tmp / store.PASSAGES, "w", encoding="utf-8") as fh:
                for passage in passages:
                    fh.write(json.dumps(passage, ensure_ascii=False) + "\n")
            dense.save(tmp / "dense.faiss")
            names = [store.PASSAGES, "dense.faiss", *lexical.save(tmp), *sentences.save(tmp)]
            manifest = {
                "format_version": store.FORMAT_VERSION,
                "embedder": embedder.describe(),
                "passage_count": len(passages),
                "sentence_count": len(sentences.vectors),
                "content_hash": wanted,
                "files": {name: store.sha256_file(tmp / name) for name in names},
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "built_by": f"wijkteam-kennisbank {__version__}",
                "source": str(settings.passages_file),
                "dense": describe(dense.index),
                "lexical": lexical.params(),
            }
            (tmp / store.MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), "utf-8")
        timings["write"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - started
    stats = {"embedded": len(missing), "from_cache": len(passages) - len(missing),
             "passages_encoded": len(todo), "sentences_embedded": len(missing_sentences),
             "sentences_from_cache": len(sentences.vectors) - len(missing_sentences),
             "seconds": {k: round(v, 3) for k, v in timings.items()}}
    log.info("Index gebouwd in %s: %d passages (%d nieuw ingebed)", index_dir, len(passages), len(todo))
    return {**manifest, "status": "built", "recovered": recovered, "stats": stats}


def _current_manifest(index_dir: Path) -> dict | None:
    """The manifest of a whole, verified existing index, or None (then we rebuild)."""
    try:
        manifest = store.read_manifest(index_dir)
        store.verify_files(index_dir, manifest)
    except KBError:
        return None
    return manifest
