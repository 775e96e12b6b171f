"""One error shape for the whole app: ``{"error": "<Dutch>", "status": N}`` or a Dutch page.

Library code raises typed errors (`BadQuery`, `IndexNotFound`, ...); views raise
`HTTPError` for conditions of their own; werkzeug raises its HTTPExceptions (404, 405,
413). All of them end here. The API and ``/healthz`` answer JSON, everything else an
HTML page with the same message. A 500 never shows a traceback, and its log entry leaves
out the exception's message, which could quote the question.
"""
from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from kbcore.errors import BadQuery, KBError

log = logging.getLogger(__name__)

MESSAGES: dict[int, str] = {
    400: "Ongeldig verzoek.",
    404: "Deze pagina bestaat niet. Zoek met een vraag of ga naar de startpagina.",
    405: "Deze methode is hier niet toegestaan. Gebruik GET.",
    413: "Het verzoek is te groot.",
    414: "Het adres is te lang.",
    431: "De kopregels van het verzoek zijn te groot.",
    500: "Er ging iets mis aan onze kant. Probeer het later opnieuw.",
    503: "De zoekassistent is tijdelijk niet beschikbaar.",
}


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
        try:
            html = render_template("fout.html", status=status, message=message)
        except Exception:  # the error page itself must never fail
            log.error("Foutpagina kon niet worden opgemaakt", exc_info=True)
            html = f"<!doctype html><title>Fout {status}</title><p>{MESSAGES.get(status, '')}</p>"
        response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _log_internal_error(exc: BaseException) -> None:
    if current_app.config["KB_SETTINGS"].log_queries:
        log.error("Interne fout bij %s %s", request.method, request.path, exc_info=exc)
        return
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.error("Interne fout bij %s %s: %s (melding weggelaten: die kan de vraag bevatten)\n%s",
              request.method, request.path, type(exc).__name__, stack.rstrip())


def handle_exception(exc: Exception) -> Response:
    if isinstance(exc, HTTPError):
        return error_response(exc.status, exc.message)
    if isinstance(exc, BadQuery):
        return error_response(400, bad_query_message(exc))
    if isinstance(exc, KBError):  # index missing, corrupt, other embedder: not the user's fault
        return error_response(503, f"{MESSAGES[503]} {exc}")
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        response = error_response(status, MESSAGES.get(status, MESSAGES[400 if status < 500 else 500]))
        allowed = getattr(exc, "valid_methods", None)
        if status == 405 and allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response
    _log_internal_error(exc)
    return error_response(500, MESSAGES[500])


def init_errors(app: Flask) -> None:
    # Registering for Exception keeps Flask's own error logging (which would include the
    # exception message) out of the way; _log_internal_error logs instead.
    app.register_error_handler(Exception, handle_exception)
