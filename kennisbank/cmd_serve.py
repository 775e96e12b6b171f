"""`kb serve`: the site, the search page and the API on one production WSGI server.

Waitress, never the Flask development server and never debug mode (`search_app.server`).
The address is taken first, so a port in use or an unknown host is one Dutch line and
exit status 1. Then the index and the embedder are loaded once per worker process before
it accepts connections; a missing or broken index does not stop the server (search
answers 503 and ``/healthz`` says why) so the static site stays up and a later
`kb build` is picked up without a restart. An index that a build killed between the two
renames of its swap left aside is put back first, once it verifies, with one line
saying so (`indexer.store.recover_index`).
"""
from __future__ import annotations

import logging

import click

from kbcore.settings import Settings


def _configure_logging() -> None:
    # Access logs are off (waitress writes none): URLs carry the question. The app logs
    # questions only with the setting log_queries.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    for name in ("kennisbank", "indexer", "search_app", "waitress"):
        logging.getLogger(name).setLevel(logging.INFO)
    # "Task queue depth is N" on every burst of parallel requests is noise, not news.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


@click.command("serve")
@click.option("--host", default=None, metavar="ADRES",
              help="Adres om op te luisteren (standaard uit de instellingen: 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(0, 65535), metavar="POORT",
              help="Poort om op te luisteren (standaard uit de instellingen: 8000).")
@click.option("--threads", default=None, type=click.IntRange(1, 64), metavar="AANTAL",
              help="Aantal threads per werkproces (standaard uit de instellingen: 4).")
@click.option("--workers", default=None, type=click.IntRange(0, 64), metavar="AANTAL",
              help="Aantal werkprocessen; 0 is één per processorkern (standaard uit de instellingen: 0).")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, threads: int | None,
          workers: int | None) -> None:
    """Serveer de site, de zoekpagina (/zoeken) en de API (/api/search)."""
    from search_app.server import serve as run_server, worker_count

    settings = settings.replace(host=host, port=port, threads=threads, workers=workers)
    _configure_logging()
    run_server(settings, worker_count(settings.workers), lambda line: click.echo(line, err=True))
