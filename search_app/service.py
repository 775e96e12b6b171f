"""The loaded index and embedder, held once per app, and the hot swap of a new index.

`kb build` (the indexer) replaces the index directory atomically. A watcher thread of the
app looks at the index on disk every ``check_interval`` seconds (a few ``stat`` calls, not
a request's business) and loads a new index when its files changed. Every request takes
one immutable `IndexSnapshot` at its start and uses only that one, so a swap can never
change the index under a request in flight, and a new index that fails to load never
replaces a working one. The embedder is heavy and does not depend on the index: it is
loaded once and reused by every reload.

When the index directory is missing and a build killed between the two renames of its
swap left a whole old index beside it, the loader puts that one back first
(`indexer.store.recover_index`) and logs one line saying so.

The watcher also says when the index on disk is no longer the one that serves: gone,
empty, unreadable, or changed into something that does not load. The old index keeps
serving from memory, but a restart would answer 503, so ``/healthz`` reports a warning
(`SearchService.warning`) until the index on disk is whole again.

Searches run on one dedicated thread per process, not on the web server's request
threads. The embedder computes with OpenMP, which keeps one team of helper threads per
calling thread; letting each of waitress's threads call it builds as many teams, which
compete for the cores even when requests come one at a time (measured: p50 54 ms over
HTTP with 4 calling threads against 33 ms with one, on 2 cores; docs/benchmarks.md).
More cores are used by more worker processes (`search_app.server`), each with its own
search thread.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from indexer.store import MANIFEST, recover_index, recovery_line
from kbcore.errors import KBError
from kbcore.settings import Settings

from .answer import TermWeights
from .cores import WorkerSeat
from .errors import index_problem
from .facets import Vocabulary
from .highlight import StemMatcher
from .sentence_links import PageTexts

log = logging.getLogger(__name__)

#: Threads that run searches (see the module docstring). One: the embedder already uses
#: every core it is given for one question, and a second thread meant a second OpenMP
#: team, which made one-client latency rise from 22 ms to 35-44 ms once a burst of 8
#: clients had started it (8 clients: 46-51 requests/s with one thread, 47-55 with two).
#: One pool per process, shared by every app in it, so the number of calling threads
#: stays fixed.
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
    seat: WorkerSeat | None = None
    loaded_at: float = field(default_factory=time.time)
    #: Rarity of the index's stems, for choosing answer sentences (search_app.answer).
    weights: TermWeights = field(default_factory=TermWeights)
    page_texts: PageTexts | None = None  # for links to answer sentences (sentence_links)

    def search(self, query: str, k: int, filters: dict[str, list[str]] | None) -> list[Any]:
        """``searcher.search`` on the search threads (or directly, without a pool)."""
        if self.pool is None:
            return self._search(query, k, filters)
        return self.pool.submit(self._search, query, k, filters).result()

    def _search(self, query: str, k: int, filters: dict[str, list[str]] | None) -> list[Any]:
        if self.seat is None:
            return self.searcher.search(query, k=k, filters=filters)
        with self.seat.computing():  # this worker's share of the cores (search_app.cores)
            return self.searcher.search(query, k=k, filters=filters)


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


def make_snapshot(searcher: SearcherLike, loaded: LoadedIndexLike, pool: Executor | None = None,
                  seat: WorkerSeat | None = None) -> IndexSnapshot:
    """The snapshot of one loaded index, as the app serves it (`kb eval` makes its own)."""
    passages = list(loaded.passages)
    return IndexSnapshot(
        searcher=searcher,
        manifest=dict(loaded.manifest),
        vocabulary=Vocabulary.from_passages(passages),
        passage_count=len(passages),
        matcher=StemMatcher(_lexicon(searcher)),
        pool=pool,
        seat=seat,
        weights=TermWeights.from_lexical(getattr(getattr(searcher, "index", None), "lexical", None)),
        page_texts=PageTexts(loaded.passages, passages),
    )


# -- the index on disk ----------------------------------------------------------------------

@dataclass(frozen=True)
class DiskProblem:
    """Why the index on disk cannot be loaded as it is: for the log and for clients."""

    detail: str  # may name paths: for the log only
    public: str  # Dutch sentences without paths: for /healthz and the API


@dataclass(frozen=True)
class DiskState:
    """What one look at the index directory found."""

    signature: tuple | None  # identity of the manifest and every file it lists
    problem: DiskProblem | None = None


def _problem(index_dir: Path, what: str, public: str) -> DiskState:
    return DiskState(None, DiskProblem(f"de zoekindex op schijf ({index_dir}) {what}", public))


def probe_index_dir(index_dir: str | os.PathLike[str]) -> DiskState:
    """Look at the index on disk without loading it: cheap enough for every few seconds.

    The signature is the (inode, mtime, size) of the manifest and of every file the
    manifest lists, so a new index, and a file replaced or truncated in place, both change
    it. Each listed file is opened once (not read): a file that is there but cannot be
    opened makes the index as unusable as a missing one.
    """
    index_dir = Path(index_dir)
    manifest_path = index_dir / MANIFEST
    try:
        st = os.stat(index_dir)
    except FileNotFoundError:
        return _problem(index_dir, "ontbreekt", "De zoekindex op schijf ontbreekt.")
    except OSError as exc:
        return _problem(index_dir, f"is niet leesbaar ({type(exc).__name__})",
                        "De zoekindex op schijf is niet leesbaar.")
    if not os.path.isdir(index_dir):
        return _problem(index_dir, "is geen map", "De zoekindex op schijf is niet leesbaar.")
    try:
        with open(manifest_path, "rb") as fh:
            mst = os.fstat(fh.fileno())
            raw = fh.read(1 << 20)
    except FileNotFoundError:
        try:
            with os.scandir(index_dir) as entries:
                empty = next(entries, None) is None
        except OSError:
            empty = False
        if empty:
            return _problem(index_dir, "is leeg", "De zoekindex op schijf is leeg.")
        return _problem(index_dir, f"heeft geen {MANIFEST}",
                        "De zoekindex op schijf is onvolledig (het manifest ontbreekt).")
    except OSError as exc:
        return _problem(index_dir, f"heeft een onleesbaar {MANIFEST} ({type(exc).__name__})",
                        "De zoekindex op schijf is niet leesbaar.")
    signature: list[tuple] = [(MANIFEST, mst.st_ino, mst.st_mtime_ns, mst.st_size)]
    try:
        files = json.loads(raw).get("files")
    except (ValueError, UnicodeDecodeError, AttributeError):
        files = None  # the load says what is wrong with the manifest
    for name in sorted(files) if isinstance(files, dict) else ():
        if not isinstance(name, str) or "/" in name or name.startswith("."):
            continue  # the load refuses such a manifest
        path = index_dir / name
        try:
            with open(path, "rb") as fh:
                fst = os.fstat(fh.fileno())
        except FileNotFoundError:
            return DiskState(None, DiskProblem(f"{path} ontbreekt",
                                               "De zoekindex op schijf is onvolledig (een bestand ontbreekt)."))
        except OSError as exc:
            return DiskState(None, DiskProblem(f"{path} is niet leesbaar ({type(exc).__name__})",
                                               "De zoekindex op schijf is niet leesbaar."))
        signature.append((name, fst.st_ino, fst.st_mtime_ns, fst.st_size))
    return DiskState((st.st_ino, *signature))


# -- the service -----------------------------------------------------------------------------

class SearchService:
    """Holds the current `IndexSnapshot` and swaps in a new one when the index changes.

    ``error`` says (to clients) why no index serves; ``warning`` why the one that serves
    is not the one on disk. Both are free of server paths; the log has the details.
    """

    def __init__(self, settings: Settings, factory: SearcherFactory,
                 check_interval: float = 2.0, watch: bool = True,
                 seat: WorkerSeat | None = None) -> None:
        self.settings = settings
        self._factory = factory
        self._seat = seat
        self.check_interval = check_interval
        self._snapshot: IndexSnapshot | None = None
        self._signature: tuple | None = None
        self._failed_signature: tuple | None = None
        self._failure: DiskProblem | None = None  # why the failed signature did not load
        self._disk: DiskState = DiskState(None)
        self._reload_lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._logged: str | None = None
        self.reload_count = 0
        self.last_check: float = 0.0
        self.reload_now()
        if watch:
            self.start_watching()

    # -- used by requests -------------------------------------------------------------
    def current(self) -> IndexSnapshot | None:
        """The snapshot a request should use (never does any work of its own)."""
        return self._snapshot

    @property
    def error(self) -> str | None:
        """Why no index is loaded (for clients: no paths), or None when one serves."""
        if self._snapshot is not None:
            return None
        if self._disk.problem is not None:
            return f"{self._disk.problem.public} Beheerder: voer `kb build` uit."
        if self._failure is not None:
            return self._failure.public
        return "De zoekindex is nog niet geladen."

    @property
    def warning(self) -> str | None:
        """Why the index that serves is not the one on disk (for clients), or None."""
        if self._snapshot is None:
            return None
        if self._disk.problem is not None:
            return (f"{self._disk.problem.public} De geladen zoekindex blijft in gebruik tot een "
                    "herstart; daarna zou zoeken 503 geven. Beheerder: voer `kb build` uit.")
        if self._failure is not None and self._disk.signature == self._failed_signature:
            return ("Een nieuwe zoekindex op schijf kon niet worden geladen; de vorige blijft in "
                    f"gebruik. {self._failure.public}")
        return None

    # -- loading ------------------------------------------------------------------------
    def check(self) -> bool:
        """Look at the index on disk once; load it when it changed. True when swapped."""
        return self.reload_now()

    def reload_now(self) -> bool:
        """Load the index on disk if it differs from the loaded one; True when swapped.

        Blocks until done. Only one reload runs at a time; a failed load keeps the old
        snapshot and is not retried until the index on disk changes again.
        """
        with self._reload_lock:
            self.last_check = time.monotonic()
            restored = recover_index(self.settings.index_dir)  # a build killed mid-swap left it aside
            if restored is not None:
                log.warning("%s", recovery_line(self.settings.index_dir, restored))
            disk = probe_index_dir(self.settings.index_dir)
            self._disk = disk
            swapped = False
            changed = self._snapshot is None or disk.signature != self._signature
            failed_before = self._failure is not None and disk.signature == self._failed_signature
            if disk.problem is None and changed and not failed_before:
                swapped = self._try_load(disk.signature)
            self._log_state()
            return swapped

    def _try_load(self, signature: tuple | None) -> bool:
        try:
            snapshot = self._load()
        except KBError as exc:
            self._failed_signature = signature
            self._failure = DiskProblem(str(exc), index_problem(exc))
            return False
        except Exception as exc:  # a broken index must not take the app down
            self._failed_signature = signature
            log.error("Zoekindex laden mislukt (%s)", type(exc).__name__, exc_info=True)
            self._failure = DiskProblem(f"de zoekindex kon niet worden geladen ({type(exc).__name__})",
                                        index_problem(exc))
            return False
        self._snapshot, self._signature = snapshot, signature
        self._failed_signature = self._failure = None
        self.reload_count += 1
        log.info("Zoekindex geladen: %d passages, gebouwd %s",
                 snapshot.passage_count, snapshot.manifest.get("built_at", "?"))
        return True

    def _load(self) -> IndexSnapshot:
        searcher, loaded = self._factory(self.settings)
        return make_snapshot(searcher, loaded, pool=search_pool(), seat=self._seat)

    def _log_state(self) -> None:
        """One log line when the state changes, not one every few seconds."""
        problem = self._disk.problem or (self._failure if self._disk.signature == self._failed_signature
                                         else None)
        if problem is None:
            self._logged = None
            return
        if self._snapshot is None:
            line = f"Geen zoekindex geladen: {problem.detail}"
        elif self._disk.problem is not None:
            line = (f"De zoekindex op schijf is niet bruikbaar, de geladen index blijft in gebruik "
                    f"(een herstart zou 503 geven): {problem.detail}")
        else:
            line = f"Nieuwe zoekindex niet geladen, de vorige blijft in gebruik: {problem.detail}"
        if line != self._logged:
            log.warning("%s", line)
            self._logged = line

    # -- the watcher thread -------------------------------------------------------------
    def start_watching(self) -> None:
        """Start the thread that checks the index on disk every ``check_interval`` seconds.

        The thread holds the service only weakly, so an app that is dropped (tests make
        many) takes its watcher with it at the next tick.
        """
        if self._watcher is not None:
            return
        service_ref = weakref.ref(self)
        stop, interval = self._stop, max(0.01, float(self.check_interval))

        def watch() -> None:
            while not stop.wait(interval):
                service = service_ref()
                if service is None:
                    return
                try:
                    service.check()
                except Exception:  # the watcher must outlive any one bad look at the disk
                    log.error("Controle van de zoekindex mislukt", exc_info=True)
                del service

        self._watcher = threading.Thread(target=watch, name="kb-index-watch", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        """Stop the watcher thread (the snapshot stays usable)."""
        self._stop.set()
