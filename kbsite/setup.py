"""Register the extension's events, directives and assets with Sphinx."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from . import citation, collect, listings, passages
from .provenance import setup_provenance

STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"


def _add_assets(app: Sphinx) -> None:
    app.config.html_static_path.append(str(STATIC))
    app.config.templates_path.insert(0, str(TEMPLATES))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(listings.kb_listing)
    app.add_node(listings.kb_bibliography)
    app.add_directive("kb-overzicht", listings.KbOverzicht)
    app.add_directive("kb-bronnenlijst", listings.KbBronnenlijst)
    setup_provenance(app)
    app.connect("config-inited", lambda app, config: _add_assets(app))
    app.connect("builder-inited", collect.on_builder_inited)
    app.connect("env-get-outdated", collect.on_env_get_outdated)
    app.connect("env-before-read-docs", collect.on_env_before_read_docs)
    app.connect("source-read", collect.on_source_read)
    # doctree-read: after Sphinx's title collector (priority 500), labels and title first,
    # then the auto-listing placeholder.
    app.connect("doctree-read", collect.on_doctree_read, priority=510)
    app.connect("doctree-read", listings.append_auto_listing, priority=530)
    app.connect("env-purge-doc", collect.on_env_purge_doc)
    app.connect("env-merge-info", collect.on_env_merge_info)
    app.connect("env-check-consistency", collect.on_env_check_consistency)
    # doctree-resolved: passages first (plain content, links resolved), then listings
    # and the citation block, which passages leave out.
    app.connect("doctree-resolved", passages.on_doctree_resolved, priority=400)
    app.connect("doctree-resolved", listings.on_doctree_resolved)
    app.connect("doctree-resolved", citation.on_doctree_resolved, priority=600)
    app.connect("build-finished", passages.write_passages)
    app.add_css_file("kb.css")
    app.add_css_file("kb-print.css", media="print")
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": False,
            "env_version": 1}
