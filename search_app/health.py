"""``/healthz``: is a valid index loaded, and which one (for monitoring and deploys).

200 while an index serves, with ``"status": "warning"`` and a ``warning`` when the index
on disk is not the one in memory (gone, empty, unreadable, or a newer one that does not
load): the service still answers, but a restart would not. 503 when no index serves.
Reasons name no server paths; the server's log has the details.
"""
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
        raise HTTPError(503, f"Geen geldige zoekindex geladen. {service.error}")
    manifest = snapshot.manifest
    warning = service.warning
    body: dict[str, Any] = {
        "status": "warning" if warning else "ok",
        "passages": snapshot.passage_count,
        "embedder": manifest.get("embedder"),
        "built_at": manifest.get("built_at"),
        "content_hash": manifest.get("content_hash"),
        "format_version": manifest.get("format_version"),
        "loaded_at": datetime.fromtimestamp(snapshot.loaded_at, timezone.utc).isoformat(timespec="seconds"),
    }
    if warning:
        body["warning"] = warning
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response
