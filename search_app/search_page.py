"""``/zoeken``: the search page for people, server-rendered, usable without JavaScript.

The same URL parameters as the API (``q``, ``k``, ``type``, ``theme``, ``law``), so a
search can be shared by copying the address. Problems with the question are shown on the
page itself, next to the search box, with a 4xx status.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from kbcore.errors import BadQuery

from .errors import MESSAGES, bad_query_message
from .facets import FACET_KEYS, FACET_TITLES
from .insights import record_search
from .public_links import link_base, public_citation
from .query import parse_search_request
from .results import run_search
from .service import SearchService

bp = Blueprint("search", __name__)
bp.add_app_template_filter(public_citation, "openbare_citatie")


def _render(status: int = 200, **context: Any) -> tuple[str, int, dict[str, str]]:
    settings = current_app.config["KB_SETTINGS"]
    context.setdefault("q", "")
    context.setdefault("outcome", None)
    context.setdefault("error", None)
    context.setdefault("theme_pages", ())
    html = render_template("zoeken.html", base_url=link_base(settings),
                           max_query_chars=settings.max_query_chars,
                           facet_keys=FACET_KEYS, facet_titles=FACET_TITLES, **context)
    return html, status, {"Cache-Control": "no-store"}


@bp.get("/zoeken")
def search_page() -> tuple[str, int, dict[str, str]]:
    settings = current_app.config["KB_SETTINGS"]
    if "q" not in request.args:
        return _render()
    shown_q = (request.args.get("q") or "")[: settings.max_query_chars]
    try:
        search_request = parse_search_request(request.args, settings.max_query_chars)
    except BadQuery as exc:
        return _render(400, q=shown_q.replace("\x00", ""), error=bad_query_message(exc))
    service: SearchService = current_app.extensions["search"]
    snapshot = service.current()
    if snapshot is None:
        return _render(503, q=search_request.q,
                       error=f"{MESSAGES[503]} Probeer het later opnieuw, of blader via de thema's.")
    try:
        outcome = run_search(snapshot, search_request, settings)
    except BadQuery as exc:
        return _render(400, q=search_request.q, error=bad_query_message(exc))
    record_search(outcome)
    return _render(q=search_request.q, outcome=outcome,
                   theme_pages=snapshot.vocabulary.theme_pages)
