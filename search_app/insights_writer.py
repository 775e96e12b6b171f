"""The one thread per process that writes insight records, so a search never waits on disk.

Requests hand over finished (already scrubbed) records with `InsightsWriter.add`, which
never blocks and never raises. The thread writes whatever has arrived in one short
transaction, applies the retention when it starts and once a day, and flushes what is
left when the process exits normally (``atexit``; `kb serve` turns SIGTERM into a normal
exit).

Trouble with the file never reaches a request and is logged once:

- **busy** (another process holds a long lock, the disk is full): records wait in memory
  (at most `MAX_PENDING`) and are written when the file is free again;
- **unusable** (not a SQLite file, damaged, no permission, a newer version): this process
  stops collecting insights until it is restarted; the file is left as it is.
"""
from __future__ import annotations

import atexit
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from . import insights_store as store
from .insights_store import FeedbackRecord, QuestionRecord

log = logging.getLogger(__name__)

#: Records kept in memory while the file is busy; beyond this the oldest are dropped.
MAX_PENDING = 10_000
#: Seconds between attempts while the file is busy.
RETRY_SECONDS = 5.0
#: The thread wakes at least this often to see whether a new day has begun.
WAKE_SECONDS = 600.0

Record = QuestionRecord | FeedbackRecord


class _Flush:
    """A marker in the queue: set once everything before it is written (or given up)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.ok = False


_STOP = object()


def _busy(exc: BaseException) -> bool:
    message = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and any(
        word in message for word in ("locked", "busy", "full"))


class InsightsWriter:
    """Appends records to the insights file from a background thread (see module docstring)."""

    def __init__(self, path: Path, retention_days: int, clock: Callable[[], date] = date.today,
                 retry_seconds: float | None = None) -> None:
        self.path = Path(path)
        self.retention_days = retention_days
        self.clock = clock
        self.retry_seconds = RETRY_SECONDS if retry_seconds is None else retry_seconds
        self.state = "starten"  # starten | ok | bezet | uit
        self.written = 0
        self.dropped = 0
        self.purged = 0
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._pending: list[Record] = []
        self._conn: sqlite3.Connection | None = None
        self._purged_on: date | None = None
        self._thread = threading.Thread(target=self._run, name="kb-inzichten", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    # -- called from requests ---------------------------------------------------------
    def add(self, record: Record) -> None:
        """Queue one record for writing; never blocks, never raises."""
        if self.state == "uit":
            return
        self._queue.put(record)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every record added before this call is written; False if not (busy, off)."""
        marker = _Flush()
        self._queue.put(marker)
        return marker.done.wait(timeout) and marker.ok

    def poke(self) -> None:
        """Wake the thread (it then checks whether a new day needs the retention applied)."""
        self.flush(timeout=10.0)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued and stop the thread (called at exit, and by tests)."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)
        atexit.unregister(self.close)

    # -- the thread -------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # a bug here must cost the insights, never the app
            log.error("Inzichten uit voor dit proces: interne fout (%s)", type(exc).__name__, exc_info=True)
            self.state = "uit"

    def _loop(self) -> None:
        self._open()
        stop = False
        while not stop:
            wait = self.retry_seconds if self._pending and self.state == "bezet" else WAKE_SECONDS
            markers: list[_Flush] = []
            try:
                item = self._queue.get(timeout=wait)
            except queue.Empty:
                item = None
            while item is not None:
                if item is _STOP:
                    stop = True
                elif isinstance(item, _Flush):
                    markers.append(item)
                else:
                    self._pending.append(item)  # type: ignore[arg-type]
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    item = None
            self._write_pending()
            self._purge_if_due()
            for marker in markers:
                marker.ok = not self._pending and self.state == "ok"
                marker.done.set()
        if self._conn is not None:
            self._conn.close()

    def _open(self) -> None:
        try:
            self._conn = store.connect(self.path)
        except (sqlite3.Error, OSError) as exc:
            if _busy(exc):
                self._note_busy()
            else:
                self._give_up(exc)
            return
        self.state = "ok"
        log.info("Inzichten aan: %s (bewaartermijn %d dagen)", self.path, self.retention_days)

    def _write_pending(self) -> None:
        if self.state == "uit":
            self.dropped += len(self._pending)
            self._pending.clear()
            return
        if self._conn is None:
            self._open()
            if self._conn is None:
                self._cap_pending()
                return
        if not self._pending:
            return
        try:
            store.append(self._conn, self._pending)
        except sqlite3.Error as exc:
            if _busy(exc):
                self._note_busy()
                self._cap_pending()
            else:
                self._give_up(exc)
            return
        self.written += len(self._pending)
        self._pending.clear()
        if self.state == "bezet":
            log.info("Inzichten: %s is weer beschikbaar; de wachtende records zijn opgeslagen "
                     "(%d verloren).", self.path, self.dropped)
        self.state = "ok"

    def _purge_if_due(self) -> None:
        today = self.clock()
        if self._conn is None or self.state != "ok" or self._purged_on == today:
            return
        try:
            self.purged += store.purge(self._conn, today, self.retention_days)
        except sqlite3.Error as exc:
            if _busy(exc):
                self._note_busy()
            else:
                self._give_up(exc)
            return
        self._purged_on = today

    def _cap_pending(self) -> None:
        excess = len(self._pending) - MAX_PENDING
        if excess > 0:
            del self._pending[:excess]
            self.dropped += excess

    def _note_busy(self) -> None:
        if self.state != "bezet":
            log.warning("Inzichten: %s is bezet; records wachten en worden later geschreven. "
                        "Zoeken werkt gewoon door.", self.path)
        self.state = "bezet"

    def _give_up(self, exc: BaseException) -> None:
        if self.state != "uit":
            log.warning("Inzichten uit voor dit proces: %s is niet bruikbaar (%s: %s). Zoeken werkt "
                        "gewoon door; hernoem of verwijder het bestand en herstart om weer inzichten "
                        "te verzamelen.", self.path, type(exc).__name__, exc)
        self.state = "uit"
        self.dropped += len(self._pending)
        self._pending.clear()
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None
