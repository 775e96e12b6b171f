"""Security headers and request size limits, for every response the app sends.

The Content-Security-Policy allows scripts only from this site (no inline script, no
eval), so even a snippet that escaped escaping could not run. Pages of the static site
come from Sphinx and the Furo theme: they carry inline ``style`` attributes, and Furo puts
one fixed inline script in every page (restoring the chosen light/dark theme). For those
pages styles may be inline and that one script is allowed by its hash, nothing else.
Requests are small by nature (a question of at most a few hundred characters in the URL);
anything much larger is refused with 413 before any work is done.
"""
from __future__ import annotations

import base64
import hashlib

from flask import Flask, Response, request

from .errors import HTTPError, MESSAGES

#: Largest request body accepted (the app only serves GET; bodies are never read).
MAX_CONTENT_LENGTH = 16 * 1024
#: Largest query string accepted; a 500-character question percent-encoded fits easily.
MAX_QUERY_STRING = 32 * 1024

#: Inline scripts of the built site that may run, byte for byte. Our theme has none (its
#: scripts are files in _static); list one here, by its exact text, only if a page needs it.
SITE_INLINE_SCRIPTS: tuple[str, ...] = ()


def script_hash(source: str) -> str:
    """CSP source expression for one inline script: 'sha256-<base64 digest>'."""
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


_CSP_COMMON = ("default-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
CSP_APP = _CSP_COMMON + "; script-src 'self'; style-src 'self'"
CSP_SITE = (_CSP_COMMON + "; script-src " + " ".join(["'self'", *map(script_hash, SITE_INLINE_SCRIPTS)])
            + "; style-src 'self' 'unsafe-inline'")

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
