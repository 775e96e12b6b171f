"""``GET /api/search``: the JSON API (contract in docs/api.md)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from .errors import HTTPError, MESSAGES
from .insights import record_search
from .public_links import link_base, public_citation
from .query import parse_search_request
from .results import run_search
from .service import SearchService

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search() -> Response:
    settings = current_app.config["KB_SETTINGS"]
    search_request = parse_search_request(request.args, settings.max_query_chars)
    service: SearchService = current_app.extensions["search"]
    snapshot = service.current()
    if snapshot is None:
        raise HTTPError(503, f"{MESSAGES[503]} {service.error}")
    outcome = run_search(snapshot, search_request, settings)
    record_search(outcome)
    data = outcome.to_json()
    base = link_base(settings)
    for result in data["results"]:
        result["citation"] = public_citation(result.get("citation", ""), base)
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"  # questions can be personal
    return response
