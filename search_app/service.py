"""The loaded index and embedder, held once per app, and the hot swap of a new index.

`kb build` (the indexer) replaces the index directory atomically. A running app notices
that by a cheap ``stat`` of the manifest at most once per ``check_interval`` seconds and
loads the new index in a background thread. Every request takes one immutable
`IndexSnapshot` at its start and uses only that one, so a swap can never change the
index under a request in flight, and a new index that fails to load never replaces a
working one. The embedder is heavy and does not depend on the index: it is loaded once
and reused by every reload.

Searches run on one dedicated thread, not on the web server's request threads. The
embedder computes with OpenMP, which keeps one team of helper threads per calling
thread; letting each of waitress's threads call it builds as many teams, which compete
for the cores even when requests come one at a time (measured: p50 54 ms over HTTP with
4 calling threads against 33 ms with one, on 2 cores; docs/benchmarks.md).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from indexer.store import MANIFEST
from kbcore.errors import KBError
from kbcore.settings import Settings

from .facets import Vocabulary
from .highlight import StemMatcher

log = logging.getLogger(__name__)

#: Threads that run searches (see the module docstring). One: the embedder already uses
#: every core for one question, and a second thread meant a second OpenMP team, which made
#: one-client latency rise from 22 ms to 35-44 ms once a burst of 8 clients had started it
#: (8 clients: 46-51 requests/s with one thread, 47-55 with two). One pool per process,
#: shared by every app in it, so the number of calling threads stays fixed.
SEARCH_THREADS = 1
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def search_pool() -> ThreadPoolExecutor:
    """The process-wide pool of search threads, created on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=SEARCH_THREADS, thread_name_prefix="kb-search")
        return _pool


class SearcherLike(Protocol):
    """What the app needs of `indexer.search.Searcher`."""

    def search(self, query: str, k: int = 5,
               filters: dict[str, list[str]] | None = None) -> list[Any]: ...


class LoadedIndexLike(Protocol):
    """What the app needs of `indexer.store.LoadedIndex`."""

    manifest: dict[str, Any]
    passages: list[dict[str, Any]]


#: Makes a searcher for the index in ``settings.index_dir``; raises KBError when it cannot.
SearcherFactory = Callable[[Settings], tuple[SearcherLike, LoadedIndexLike]]


@dataclass(frozen=True)
class IndexSnapshot:
    """One loaded index with everything derived from it; never changed after creation."""

    searcher: SearcherLike
    manifest: dict[str, Any]
    vocabulary: Vocabulary
    passage_count: int
    matcher: StemMatcher
    pool: Executor | None = None
    loaded_at: float = field(default_factory=time.time)

    def search(self, query: str, k: int, filters: dict[str, list[str]] | None) -> list[Any]:
        """``searcher.search`` on the search threads (or directly, without a pool)."""
        if self.pool is None:
            return self.searcher.search(query, k=k, filters=filters)
        return self.pool.submit(self.searcher.search, query, k=k, filters=filters).result()


def default_searcher_factory() -> SearcherFactory:
    """The production factory: the real indexer, with the embedder loaded only once."""
    embedder_holder: list[Any] = []
    embedder_lock = threading.Lock()

    def factory(settings: Settings) -> tuple[SearcherLike, LoadedIndexLike]:
        from indexer.embedders import get_embedder
        from indexer.search import Searcher
        from indexer.store import load_index

        loaded = load_index(settings.index_dir)
        with embedder_lock:
            if not embedder_holder:
                embedder_holder.append(get_embedder(settings))
        return Searcher(loaded, embedder_holder[0], settings), loaded

    return factory


def _lexicon(searcher: SearcherLike) -> frozenset[str] | None:
    """The index's compound lexicon, so highlighting splits compounds as BM25 did."""
    lexical = getattr(getattr(searcher, "index", None), "lexical", None)
    lexicon = getattr(lexical, "lexicon", None)
    return lexicon if isinstance(lexicon, frozenset) else None


def manifest_signature(index_dir: str | os.PathLike[str]) -> tuple[int, int, int] | None:
    """Identity of the manifest file on disk: changes whenever a new index is put in place."""
    try:
        st = os.stat(Path(index_dir) / MANIFEST)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class SearchService:
    """Holds the current `IndexSnapshot` and swaps in a new one when the index changes."""

    def __init__(self, settings: Settings, factory: SearcherFactory,
                 check_interval: float = 2.0) -> None:
        self.settings = settings
        self._factory = factory
        self._check_interval = check_interval
        self._snapshot: IndexSnapshot | None = None
        self._signature: tuple[int, int, int] | None = None
        self._failed_signature: tuple[int, int, int] | None = None
        self._last_check = time.monotonic()
        self._reload_lock = threading.Lock()
        #: Why no index is loaded, or why the last reload failed (Dutch, for people).
        self.error: str | None = None
        self.reload_count = 0
        self.reload_now()

    # -- used by requests -------------------------------------------------------------
    def current(self) -> IndexSnapshot | None:
        """The snapshot a request should use; may start a background reload first."""
        self._maybe_start_reload()
        return self._snapshot

    # -- loading ------------------------------------------------------------------------
    def reload_now(self) -> bool:
        """Load the index on disk if it differs from the loaded one; True when swapped.

        Blocks until done. Only one reload runs at a time; a failed load keeps the old
        snapshot and is not retried until the manifest changes again.
        """
        with self._reload_lock:
            signature = manifest_signature(self.settings.index_dir)
            if self._snapshot is not None and signature == self._signature:
                return False
            try:
                snapshot = self._load()
            except KBError as exc:
                self._failed_signature = signature
                self._note_failure(str(exc))
                return False
            except Exception as exc:  # a broken index must not take the app down
                self._failed_signature = signature
                log.error("Zoekindex laden mislukt (%s)", type(exc).__name__, exc_info=True)
                self._note_failure(f"de zoekindex kon niet worden geladen ({type(exc).__name__})")
                return False
            self._snapshot, self._signature = snapshot, signature
            self._failed_signature = None
            self.error = None
            self.reload_count += 1
            log.info("Zoekindex geladen: %d passages, gebouwd %s",
                     snapshot.passage_count, snapshot.manifest.get("built_at", "?"))
            return True

    def _load(self) -> IndexSnapshot:
        searcher, loaded = self._factory(self.settings)
        passages = list(loaded.passages)
        return IndexSnapshot(
            searcher=searcher,
            manifest=dict(loaded.manifest),
            vocabulary=Vocabulary.from_passages(passages),
            passage_count=len(passages),
            matcher=StemMatcher(_lexicon(searcher)),
            pool=search_pool(),
        )

    def _note_failure(self, reason: str) -> None:
        if self._snapshot is None:
            self.error = reason
            log.warning("Geen zoekindex geladen: %s", reason)
        else:
            self.error = f"nieuwe zoekindex niet geladen, de vorige blijft in gebruik: {reason}"
            log.warning("Nieuwe zoekindex niet geladen, de vorige blijft in gebruik: %s", reason)

    def _maybe_start_reload(self) -> None:
        now = time.monotonic()
        if now - self._last_check < self._check_interval:
            return
        self._last_check = now
        signature = manifest_signature(self.settings.index_dir)
        if signature is None or signature in (self._signature, self._failed_signature):
            return
        if self._reload_lock.locked():
            return  # a reload is already running; this request keeps the old snapshot
        threading.Thread(target=self.reload_now, name="kb-index-reload", daemon=True).start()
