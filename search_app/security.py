"""Security headers and request size limits, for every response the app sends.

The Content-Security-Policy allows scripts only from this site (no inline script, no
eval), so even a snippet that escaped escaping could not run. Pages of the static site
may carry inline ``style`` attributes from Sphinx, so only for them styles may be inline.
Requests are small by nature (a question of at most a few hundred characters in the URL);
anything much larger is refused with 413 before any work is done.
"""
from __future__ import annotations

from flask import Flask, Response, request

from .errors import HTTPError, MESSAGES

#: Largest request body accepted (the app only serves GET; bodies are never read).
MAX_CONTENT_LENGTH = 16 * 1024
#: Largest query string accepted; a 500-character question percent-encoded fits easily.
MAX_QUERY_STRING = 32 * 1024

_CSP_COMMON = ("default-src 'self'; script-src 'self'; img-src 'self' data:; font-src 'self' data:; "
               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'none'")
CSP_APP = _CSP_COMMON + "; style-src 'self'"
CSP_SITE = _CSP_COMMON + "; style-src 'self' 'unsafe-inline'"

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def limit_request_size() -> None:
    if request.content_length is not None and request.content_length > MAX_CONTENT_LENGTH:
        raise HTTPError(413, MESSAGES[413])
    if len(request.query_string) > MAX_QUERY_STRING:
        raise HTTPError(413, MESSAGES[413] + " Stel een kortere vraag.")


def add_security_headers(response: Response) -> Response:
    is_site_page = request.blueprint == "site"
    response.headers.setdefault("Content-Security-Policy", CSP_SITE if is_site_page else CSP_APP)
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_security(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH
    app.before_request(limit_request_size)
    app.after_request(add_security_headers)
