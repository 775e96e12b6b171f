"""The production server: waitress around the app, in one or several worker processes.

- **Listening** happens first, before the index and the model load, so a port in use or
  an unknown host is one Dutch line (`ServeError`) within a second, not a traceback.
- **Waitress's own replies** (431 for a request line or headers over the limit, 413 for a
  body over it, 400 for a request it cannot parse) come in the app's error shape, in
  Dutch, with the security headers (`KBErrorTask`). Waitress writes them before the app
  sees the request, so they are always JSON: the request may be unreadable.
- **Its log lines carry no paths**: two of them ("Client disconnected while serving
  <path>", "Exception while serving <path>") would write what a person typed.
- **Workers**: the search is CPU-bound and the index is read-only, so more cores are
  used by more processes, each a whole app with its own index and watcher, all
  accepting on the one listening socket (the kernel hands each connection to one of
  them). The supervising process forks them before anything heavy is loaded (no OpenMP
  runtime, no threads), restarts one that dies, and stops them all on SIGTERM or Ctrl+C.
  The workers split the cores between the questions in flight (`search_app.cores`).
"""
from __future__ import annotations

import atexit
import errno
import json
import logging
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask

from kbcore.errors import ServeError
from kbcore.settings import Settings

from .cores import CoreShare, WorkerSeat, available_cores
from .errors import MESSAGES
from .security import CSP_APP, STATIC_HEADERS

log = logging.getLogger(__name__)

# Waitress limits, deliberately above the app's own (search_app.security): requests
# between the two get the app's Dutch 413 with its advice; waitress only stops what is
# far too large to read at all, and answers that in the same shape (`KBErrorTask`).
MAX_REQUEST_HEADER_SIZE = 64 * 1024
MAX_REQUEST_BODY_SIZE = 1024 * 1024
CHANNEL_TIMEOUT_SECONDS = 30
CONNECTION_LIMIT = 200
#: Most worker processes that ``workers = 0`` (one per core) starts.
MAX_AUTO_WORKERS = 8
#: A worker that dies sooner than this after its start counts as failing to start.
QUICK_DEATH_SECONDS = 10.0
#: After this many quick deaths in a row the supervisor gives up (exit status 1).
MAX_QUICK_DEATHS = 5

WAITRESS_MESSAGES: dict[int, str] = {
    400: "Ongeldig verzoek: de server kon het verzoek niet lezen (de eerste regel of een kopregel "
         "klopt niet).",
    413: f"Het verzoek is te groot: de inhoud is groter dan {MAX_REQUEST_BODY_SIZE // (1024 * 1024)} MB. "
         "Zoeken gaat met GET, zonder inhoud.",
    431: f"Het verzoek is te groot: het adres (met de vraag) en de kopregels zijn samen groter dan "
         f"{MAX_REQUEST_HEADER_SIZE // 1024} KB. Stel een kortere vraag.",
}


# -- waitress's own replies and log lines ----------------------------------------------------

def waitress_error_body(status: int) -> bytes:
    message = WAITRESS_MESSAGES.get(status) or MESSAGES.get(status) or MESSAGES[500 if status >= 500 else 400]
    return json.dumps({"error": message, "status": status}, ensure_ascii=False).encode("utf-8")


class KBErrorTask(ErrorTask):
    """An error waitress answers itself, in the app's shape: ``{"error", "status"}``."""

    def execute(self) -> None:
        error = self.request.error
        body = waitress_error_body(error.code)
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend([
            ("Content-Type", "application/json; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Content-Security-Policy", CSP_APP),
            *STATIC_HEADERS.items(),
        ])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class KBChannel(HTTPChannel):
    error_task_class = KBErrorTask


class PathFreeLog(logging.Filter):
    """Rewrites waitress's log lines that would name the request's path.

    Waitress formats the path into the message before logging, so the record is changed
    here; an exception keeps its type and stack but loses its message (it can quote the
    path too), as in `search_app.errors`.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        if message.startswith("Client disconnected while serving"):
            record.msg, record.args = "Client verbrak de verbinding tijdens een antwoord (pad weggelaten)", ()
            record.exc_info = record.exc_text = None
        elif message.startswith("Exception while serving"):
            kind, stack = "?", ""
            if record.exc_info and record.exc_info[1] is not None:
                kind = type(record.exc_info[1]).__name__
                stack = "".join(traceback.format_tb(record.exc_info[2])).rstrip()
            record.msg = "Fout bij het serveren van een verzoek: %s (melding en pad weggelaten)\n%s"
            record.args = (kind, stack)
            record.exc_info = record.exc_text = None
        return True


def install_log_filter() -> None:
    waitress_log = logging.getLogger("waitress")
    if not any(isinstance(f, PathFreeLog) for f in waitress_log.filters):
        waitress_log.addFilter(PathFreeLog())


# -- listening ---------------------------------------------------------------------------------

def listen_sockets(host: str, port: int) -> list[socket.socket]:
    """Bound sockets for ``host:port`` (one per address the name has); ServeError when not.

    Waitress calls ``listen`` on them. ``port`` 0 picks a free port.
    """
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        raise ServeError(f"het adres '{host}' is onbekend; gebruik een IP-adres van deze machine, "
                         "bijvoorbeeld 127.0.0.1 (alleen deze machine) of 0.0.0.0 (alle netwerken), "
                         "met --host of de instelling host") from None
    sockets: list[socket.socket] = []
    seen: set[tuple] = set()
    try:
        for family, kind, proto, _canon, address in infos:
            if (family, address[:2]) in seen or family not in (socket.AF_INET, socket.AF_INET6):
                continue
            seen.add((family, address[:2]))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                raise ServeError(_bind_message(exc, host, port)) from None
            if port == 0:  # the other addresses of the name take the same free port
                port = sock.getsockname()[1]
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    if not sockets:
        raise ServeError(f"het adres '{host}' geeft geen IPv4- of IPv6-adres om op te luisteren")
    return sockets


def _bind_message(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"poort {port} op {host} is al in gebruik (draait `kb serve` al?); kies een andere "
                "poort met --port of stop het programma dat de poort gebruikt")
    if exc.errno == errno.EADDRNOTAVAIL:
        return (f"het adres {host} hoort niet bij deze machine; gebruik 127.0.0.1 (alleen deze "
                "machine), 0.0.0.0 (alle netwerken) of een adres van een van de netwerkkaarten")
    if exc.errno == errno.EACCES:
        return (f"geen toestemming om op poort {port} te luisteren (poorten onder 1024 vragen "
                "beheerrechten); kies een poort vanaf 1024 en zet er een reverse proxy voor")
    return f"kan niet luisteren op {host}:{port} ({os.strerror(exc.errno or 0) or type(exc).__name__})"


def make_server(app: Callable, sockets: list[socket.socket], threads: int):
    """A waitress server on ``sockets`` that answers its own errors in the app's shape."""
    server = create_server(
        app,
        sockets=sockets,
        threads=threads,
        ident="kennisbank",
        max_request_header_size=MAX_REQUEST_HEADER_SIZE,
        max_request_body_size=MAX_REQUEST_BODY_SIZE,
        channel_timeout=CHANNEL_TIMEOUT_SECONDS,
        connection_limit=CONNECTION_LIMIT,
        clear_untrusted_proxy_headers=True,
        expose_tracebacks=False,
    )
    # One TcpWSGIServer per socket, all in the server's socket map: each makes its
    # connections with our channel class.
    socket_map = getattr(server, "map", None) or getattr(server, "_map", {})
    for dispatcher in list(socket_map.values()):
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = KBChannel
    return server


# -- workers -----------------------------------------------------------------------------------

def worker_count(setting: int) -> int:
    """The ``workers`` setting as a number of processes: 0 means one per core (at most 8)."""
    if setting > 0:
        return setting
    return max(1, min(available_cores(), MAX_AUTO_WORKERS))


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def run_worker(settings: Settings, sockets: list[socket.socket], seat: WorkerSeat | None) -> None:
    """One worker: load the app (index and model) and serve until told to stop."""
    from .app import create_app

    app = create_app(settings, seat=seat)  # a missing index is logged and answered 503, not fatal
    server = make_server(app, sockets, settings.threads)
    try:
        server.run()
    finally:
        server.close()


def serve(settings: Settings, workers: int, announce: Callable[[str], None]) -> None:
    """Listen, then serve in ``workers`` processes (1: in this process). Blocks until stopped."""
    from indexer.store import recover_index, recovery_line

    install_log_filter()
    sockets = listen_sockets(settings.host, settings.port)
    restored = recover_index(settings.index_dir)  # once, before the workers load it
    if restored is not None:
        announce(recovery_line(settings.index_dir, restored))
    host, port = sockets[0].getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    if workers > 1 and not hasattr(os, "fork"):
        log.warning("Meerdere werkprocessen kan alleen op Linux en macOS; er draait er één")
        workers = 1
    announce(f"Kennisbank op http://{shown_host}:{port}/ ({workers} werkproces{'sen' if workers > 1 else ''}, "
             f"{settings.threads} threads per proces; stoppen: Ctrl+C)")
    if workers == 1:
        signal.signal(signal.SIGTERM, _stop_on_sigterm)  # service managers stop us with SIGTERM
        run_worker(settings, sockets, None)
        return
    Supervisor(settings, sockets, workers).run()


class Supervisor:
    """Forks the workers, restarts one that dies, stops them all on SIGTERM / SIGINT."""

    def __init__(self, settings: Settings, sockets: list[socket.socket], workers: int) -> None:
        self.settings = settings
        self.sockets = sockets
        self.share = CoreShare(workers)
        self.children: dict[int, tuple[int, float]] = {}  # pid -> (worker number, started)
        self.stopping = False
        self.quick_deaths = 0

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for number in range(self.share.workers):
            self._spawn(number)
        failed = False
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            number, started = self.children.pop(pid, (None, 0.0))
            if number is None or self.stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            quick = time.monotonic() - started < QUICK_DEATH_SECONDS
            self.quick_deaths = self.quick_deaths + 1 if quick else 0
            if self.quick_deaths >= MAX_QUICK_DEATHS:
                log.error("Werkproces %d stopt steeds kort na de start (status %s); kb serve stopt",
                          number, code)
                failed = True
                self._stop(signal.SIGTERM, None)
                continue
            log.warning("Werkproces %d stopte onverwacht (status %s) en wordt opnieuw gestart", number, code)
            if quick:
                time.sleep(min(5.0, 0.5 * self.quick_deaths))
            self._spawn(number)
        for sock in self.sockets:
            sock.close()
        if failed:
            raise ServeError("de werkprocessen konden niet starten; zie de meldingen hierboven")

    def _spawn(self, number: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches us through the supervisor
                signal.signal(signal.SIGTERM, _stop_on_sigterm)
                run_worker(self.settings, self.sockets, self.share.seat(number))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
            except BaseException:
                log.error("Werkproces %d gestopt door een fout", number, exc_info=True)
                code = 1
            finally:
                # os._exit skips atexit, where parts of the app finish their work (the insights
                # writer flushes there), so run those first, as a normal exit would.
                atexit._run_exitfuncs()
                logging.shutdown()
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.children[pid] = (number, time.monotonic())

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
