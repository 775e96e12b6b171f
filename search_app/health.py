"""``/healthz``: is a valid index loaded, and which one (for monitoring and deploys)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from .errors import HTTPError
from .service import SearchService

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    service: SearchService = current_app.extensions["search"]
    snapshot = service.current()
    if snapshot is None:
        raise HTTPError(503, f"Geen geldige zoekindex geladen: {service.error}")
    manifest = snapshot.manifest
    body: dict[str, Any] = {
        "status": "ok",
        "passages": snapshot.passage_count,
        "embedder": manifest.get("embedder"),
        "built_at": manifest.get("built_at"),
        "content_hash": manifest.get("content_hash"),
        "format_version": manifest.get("format_version"),
        "loaded_at": datetime.fromtimestamp(snapshot.loaded_at, timezone.utc).isoformat(timespec="seconds"),
    }
    if service.error:  # the previous index still serves; a newer one failed to load
        body["warning"] = service.error
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response
