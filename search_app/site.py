"""The built static site (``settings.site_dir``, normally ``_build/html``) under ``/``.

Paths are resolved with ``send_from_directory`` (no escaping the site directory);
hidden files (``.buildinfo``, ``.doctrees``) are never served. Without a built site,
``/`` leads to the search page so the app is still useful.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, send_from_directory, url_for
from werkzeug.security import safe_join

from .errors import HTTPError, MESSAGES

bp = Blueprint("site", __name__)


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
    target = Path(full)
    if target.is_dir():
        return redirect("/" + path.rstrip("/") + "/", code=308)
    if not target.is_file():
        if path == "index.html":
            return redirect(url_for("search.search_page"))
        raise HTTPError(404, MESSAGES[404])
    return send_from_directory(site_dir, path)
