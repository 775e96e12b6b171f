"""The site's look on the app's own pages: the shared header, footer, styles and favicon.

``/zoeken`` and the error pages include the same header and footer as the static site
(``kbcore/huisstijl/templates``) and load the same base styles, so a professional moving
between a page of the site and the search page sees one site. The files are served from
``kbcore/huisstijl/static`` under ``/_huisstijl/``, so the search page keeps its look even
before a site has been built; ``/favicon.ico`` comes from there too.
"""
from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, send_from_directory, url_for
from jinja2 import ChoiceLoader, FileSystemLoader

from kbcore import huisstijl

bp = Blueprint("huisstijl", __name__, static_folder=str(huisstijl.STATIC),
               static_url_path="/_huisstijl")


@bp.get("/favicon.ico")
def favicon() -> Response:
    return send_from_directory(huisstijl.STATIC, "favicon.ico", mimetype="image/vnd.microsoft.icon")


def site_href(docname: str) -> str:
    """URL on this server of a page of the built site, by its docname."""
    return "/" if docname == "index" else f"/{docname}.html"


def look_context() -> dict[str, object]:
    """The names the shared header and footer ask for (see kbcore/huisstijl)."""
    return {"kb_href": site_href,
            "kb_static": lambda filename: url_for("huisstijl.static", filename=filename),
            "kb_zoek_url": "/zoeken", "kb_menu": huisstijl.MENU, "kb_actief": "zoeken",
            "kb_kopzoek": False, "kb_bijgewerkt": None,
            "kb_max_vraag": current_app.config["KB_SETTINGS"].max_query_chars}


def init_look(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(str(huisstijl.TEMPLATES))])
    app.context_processor(look_context)
    app.register_blueprint(bp)
