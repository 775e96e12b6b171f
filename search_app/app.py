"""The application factory: settings in, a ready Flask app out.

The heavy objects (index and embedder) are loaded here, once, into
``app.extensions["search"]`` (a `SearchService`); the blueprints only read them. Tests
pass their own ``searcher_factory`` so no model or built index is needed.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from kbcore.settings import Settings, load_settings

from . import api, health, search_page, site
from .cores import WorkerSeat
from .errors import init_errors
from .insights import init_insights
from .look import init_look
from .security import init_security
from .service import SearcherFactory, SearchService, default_searcher_factory

#: URL prefix of the app's own CSS and JavaScript (the site's assets live under /_static/).
STATIC_URL_PATH = "/_zoeken"


def site_link(url: str) -> str:
    """Path on this server of a site-relative URL from the index (never another host)."""
    return "/" + str(url).lstrip("/\\")


def create_app(settings: Settings | None = None,
               searcher_factory: SearcherFactory | None = None,
               reload_check_seconds: float = 2.0, seat: WorkerSeat | None = None) -> Flask:
    """Build the app; a missing or broken index makes search answer 503, not fail here.

    ``reload_check_seconds``: how often the watcher thread looks at the index on disk.
    ``seat``: this process's share of the cores when `kb serve` runs several workers.
    """
    settings = settings or load_settings()
    # The static route is added below, after the config: Flask would otherwise register it
    # in the constructor, with an automatic OPTIONS answer.
    app = Flask(__name__, static_folder=None)
    app.debug = False  # never, whatever the environment says
    app.config.update(
        KB_SETTINGS=settings,
        KB_SITE_DIR=Path(settings.site_dir).resolve(),
        SEND_FILE_MAX_AGE_DEFAULT=300,
        # Only GET and HEAD are served (docs/api.md): OPTIONS is a 405 like any other method.
        PROVIDE_AUTOMATIC_OPTIONS=False,
    )
    app.static_folder = "static"
    app.static_url_path = STATIC_URL_PATH
    app.add_url_rule(f"{STATIC_URL_PATH}/<path:filename>", endpoint="static",
                     view_func=app.send_static_file)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(site_link, "sitelink")

    init_security(app)
    init_errors(app)
    app.extensions["search"] = SearchService(
        settings, searcher_factory or default_searcher_factory(), reload_check_seconds, seat=seat)

    init_insights(app, settings)  # off by default: then it touches nothing
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(search_page.bp)
    init_look(app)  # shared header, footer, styles and /favicon.ico, before the site's catch-all
    app.register_blueprint(site.bp)  # last: its catch-all route must not shadow the others
    return app
