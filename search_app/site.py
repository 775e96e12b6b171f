"""The built static site (``settings.site_dir``, normally ``_build/html``) under ``/``.

Paths are resolved with ``send_from_directory`` (no escaping the site directory);
hidden files (``.buildinfo``, ``.doctrees``) are never served. Without a built site,
``/`` leads to the search page so the app is still useful.

A path the file system cannot even look up (a segment over 255 bytes, a path over
PATH_MAX: ``ENAMETOOLONG``) is a page that does not exist: 404, and nothing in the log,
because a path can carry text a person typed.
"""
from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, send_from_directory, url_for
from werkzeug.security import safe_join

from .errors import HTTPError, MESSAGES

bp = Blueprint("site", __name__)
log = logging.getLogger(__name__)


def file_kind(path: str) -> str | None:
    """``"dir"``, ``"file"`` or None (absent, not a regular file, or not looked up at all).

    ``Path.is_dir`` raises for errors other than "not there" (``ENAMETOOLONG``, ``EACCES``);
    for a request every one of them means the same: there is no page to send.
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else None


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
def page(path: str) -> Response:
    site_dir: Path = current_app.config["KB_SITE_DIR"]
    if any(part.startswith(".") for part in path.split("/")):
        raise HTTPError(404, MESSAGES[404])
    if path == "" or path.endswith("/"):
        path += "index.html"
    full = safe_join(str(site_dir), path)
    if full is None:
        raise HTTPError(404, MESSAGES[404])
    kind = file_kind(full)
    if kind == "dir":
        return redirect("/" + path.rstrip("/") + "/", code=308)
    if kind is None:
        if path == "index.html":
            return redirect(url_for("search.search_page"))
        raise HTTPError(404, MESSAGES[404])
    try:
        return send_from_directory(site_dir, path)
    except OSError as exc:  # there but unreadable (permissions): a fault of the server's files
        log.warning("Een bestand van de site is niet leesbaar (%s; het pad blijft uit het log, "
                    "zoek het met: find %s ! -readable)", type(exc).__name__, site_dir)
        raise HTTPError(404, MESSAGES[404]) from None
