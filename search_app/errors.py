"""One error shape for the whole app: ``{"error": "<Dutch>", "status": N}`` or a Dutch page.

Library code raises typed errors (`BadQuery`, `IndexNotFound`, ...); views raise
`HTTPError` for conditions of their own; werkzeug raises its HTTPExceptions (404, 405,
413). All of them end here. The API and ``/healthz`` answer JSON, everything else an
HTML page with the same message. A 500 never shows a traceback, and its log entry leaves
out the exception's message, which could quote the question, and the path, which can
carry text a person typed (it names the route instead).

Why an index cannot be used is told to clients without server paths (`index_problem`):
the full message, with the file that is wrong, goes to the log and to the `kb` commands.
"""
from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.globals import request_ctx
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from kbcore.errors import (BadQuery, EmbedderUnavailable, IndexCorrupt, IndexMismatch,
                           IndexNotFound, KBError)

log = logging.getLogger(__name__)

MESSAGES: dict[int, str] = {
    400: "Ongeldig verzoek.",
    404: "Deze pagina bestaat niet. Zoek met een vraag of ga naar de startpagina.",
    405: "Deze methode is hier niet toegestaan. Gebruik GET.",
    413: "Het verzoek is te groot.",
    414: "Het adres is te lang.",
    431: "De kopregels van het verzoek zijn te groot.",
    500: "Er ging iets mis aan onze kant. Probeer het later opnieuw.",
    501: "Deze manier van verzenden ondersteunt de server niet.",
    503: "De zoekassistent is tijdelijk niet beschikbaar.",
}

_SEE_LOG = "Beheerder: de details staan in het logboek van de server."
#: Why an index cannot be used, as clients may read it: no paths, no file names.
INDEX_PROBLEMS: tuple[tuple[type[KBError], str], ...] = (
    (IndexNotFound, "Er is geen zoekindex gevonden. Beheerder: voer `kb build` uit."),
    (IndexCorrupt, "De zoekindex is beschadigd of onvolledig. Beheerder: voer `kb build` uit; "
                   "de details staan in het logboek van de server."),
    (IndexMismatch, "De zoekindex is gemaakt met een andere versie of een ander embeddingmodel "
                    "(embedder) dan nu is ingesteld. Beheerder: voer `kb build` uit; de details "
                    "staan in het logboek van de server."),
    (EmbedderUnavailable, "Het embeddingmodel kon niet worden geladen. " + _SEE_LOG),
)


class HTTPError(Exception):
    """An error a view reports with its own Dutch message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_query_message(exc: BadQuery) -> str:
    """The message of a BadQuery as a sentence (library messages start lower case: the CLI prefixes "Fout: ")."""
    message = str(exc)
    return message[:1].upper() + message[1:]


def index_problem(exc: BaseException) -> str:
    """What a client may read about an index that cannot be used: the kind, never the path."""
    for kind, message in INDEX_PROBLEMS:
        if isinstance(exc, kind):
            return message
    return "De zoekindex kon niet worden geladen. " + _SEE_LOG


def wants_json() -> bool:
    path = request.path
    if path.startswith("/api/") or path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def error_response(status: int, message: str) -> Response:
    """The error, as JSON for the API or as a Dutch HTML page for people."""
    if wants_json():
        response = jsonify(error=message, status=status)
        response.status_code = status
    else:
        response = Response(error_page(status, message), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def minimal_error_page(status: int, message: str) -> str:
    """The error as a page of its own, for when the templates cannot be used."""
    return (f'<!doctype html>\n<html lang="nl">\n<head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Fout {status} · Wijkteam Kennisbank</title></head>\n"
            f"<body><h1>Er ging iets mis (fout {status})</h1>\n<p>{escape(message)}</p>\n"
            f'<p><a href="/zoeken">Stel een vraag</a> of ga naar de <a href="/">startpagina</a>.</p>'
            f"</body>\n</html>\n")


def error_page(status: int, message: str) -> str:
    """The Dutch error page; the minimal one when the request could not even be routed.

    A Host header that is no valid host name (300 characters, say) leaves Flask without a
    URL adapter, so ``url_for`` in the templates cannot work: that is the client's bad
    request, not a fault of ours to log.
    """
    if request_ctx.url_adapter is None:
        return minimal_error_page(status, message)
    try:
        return render_template("fout.html", status=status, message=message)
    except Exception as exc:  # the error page itself must never fail
        log.error("Foutpagina kon niet worden opgemaakt (%s)", type(exc).__name__)
        return minimal_error_page(status, message)


def route_of_request() -> str:
    """The route that matched (``/<path:path>``), not the path: a path can carry typed text."""
    rule = request.url_rule
    return rule.rule if rule is not None else "(geen route)"


def _log_internal_error(exc: BaseException) -> None:
    if current_app.config["KB_SETTINGS"].log_queries:
        log.error("Interne fout bij %s %s", request.method, request.path, exc_info=exc)
        return
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.error("Interne fout bij %s %s: %s (melding en pad weggelaten: die kunnen de vraag bevatten)\n%s",
              request.method, route_of_request(), type(exc).__name__, stack.rstrip())


def handle_exception(exc: Exception) -> Response:
    if isinstance(exc, HTTPError):
        return error_response(exc.status, exc.message)
    if isinstance(exc, BadQuery):
        return error_response(400, bad_query_message(exc))
    if isinstance(exc, KBError):  # index missing, corrupt, other embedder: not the user's fault
        log.warning("Zoekindex niet bruikbaar: %s", exc)
        return error_response(503, f"{MESSAGES[503]} {index_problem(exc)}")
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        response = error_response(status, MESSAGES.get(status, MESSAGES[400 if status < 500 else 500]))
        allowed = getattr(exc, "valid_methods", None)
        if status == 405 and allowed:
            response.headers["Allow"] = ", ".join(sorted(allowed))
        return response
    _log_internal_error(exc)
    return error_response(500, MESSAGES[500])


def init_errors(app: Flask) -> None:
    # Registering for Exception keeps Flask's own error logging (which would include the
    # exception message) out of the way; _log_internal_error logs instead.
    app.register_error_handler(Exception, handle_exception)
