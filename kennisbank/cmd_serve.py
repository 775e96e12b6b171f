"""`kb serve`: the site, the search page and the API on one production WSGI server.

Waitress, never the Flask development server and never debug mode. The index and the
embedder are loaded once before the server accepts connections; a missing or broken index
does not stop the server (search answers 503 and ``/healthz`` says why) so the static site
stays up and a later `kb build` is picked up without a restart.
"""
from __future__ import annotations

import logging
import signal

import click

from kbcore.settings import Settings

# Waitress limits, deliberately above the app's own (search_app.security): requests
# between the two get the app's Dutch 413 in the usual error shape; waitress only stops
# what is far too large to read at all.
MAX_REQUEST_HEADER_SIZE = 64 * 1024
MAX_REQUEST_BODY_SIZE = 1024 * 1024
CHANNEL_TIMEOUT_SECONDS = 30
CONNECTION_LIMIT = 200


def _configure_logging() -> None:
    # Access logs are off (waitress writes none): URLs carry the question. The app logs
    # questions only with the setting log_queries.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    for name in ("kennisbank", "indexer", "search_app", "waitress"):
        logging.getLogger(name).setLevel(logging.INFO)
    # "Task queue depth is N" on every burst of parallel requests is noise, not news.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


@click.command("serve")
@click.option("--host", default=None, help="Adres om op te luisteren (standaard uit de instellingen: 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(0, 65535),
              help="Poort om op te luisteren (standaard uit de instellingen: 8000).")
@click.option("--threads", default=None, type=click.IntRange(1, 64),
              help="Aantal workerthreads (standaard uit de instellingen: 4).")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, threads: int | None) -> None:
    """Serveer de site, de zoekpagina (/zoeken) en de API (/api/search)."""
    import waitress

    from search_app import create_app

    settings = settings.replace(host=host, port=port, threads=threads)
    _configure_logging()
    app = create_app(settings)  # loads index and embedder once; a missing index is logged, not fatal
    server = waitress.create_server(
        app,
        host=settings.host,
        port=settings.port,
        threads=settings.threads,
        ident="kennisbank",
        max_request_header_size=MAX_REQUEST_HEADER_SIZE,
        max_request_body_size=MAX_REQUEST_BODY_SIZE,
        channel_timeout=CHANNEL_TIMEOUT_SECONDS,
        connection_limit=CONNECTION_LIMIT,
        clear_untrusted_proxy_headers=True,
        expose_tracebacks=False,
    )
    click.echo(f"Kennisbank op http://{settings.host}:{server.effective_port}/ "
               f"({settings.threads} threads; stoppen: Ctrl+C)", err=True)
    signal.signal(signal.SIGTERM, _exit_quietly)  # service managers stop us with SIGTERM
    try:
        server.run()
    finally:
        server.close()


def _exit_quietly(signum: int, frame: object) -> None:
    raise SystemExit(0)
