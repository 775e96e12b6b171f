"""Register the extension's events, directives, theme and assets with Sphinx."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from kbcore import huisstijl

from . import citation, collect, listings, pagecite, passages, permalinks
from .glossary_az import setup_glossary_az
from .homepage import setup_homepage
from .incremental import setup_incremental
from .pagecontext import setup_pagecontext
from .provenance import setup_provenance
from .translations import setup_translations

STATIC = Path(__file__).parent / "static"
THEME = Path(__file__).parent / "theme" / "kennisbank"


def _add_assets(app: Sphinx) -> None:
    # New lists, never appends: an option left at its default shares Sphinx's default list
    # with every later build in the same process, which then saw a changed configuration
    # (templates_path) and rewrote every page.
    def extended(values: list[str], *extra: str) -> list[str]:
        return [*values, *(e for e in extra if e not in values)]

    app.config.html_static_path = extended(app.config.html_static_path, str(huisstijl.STATIC), str(STATIC))
    app.config.templates_path = extended(app.config.templates_path, str(huisstijl.TEMPLATES))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_html_theme("kennisbank", str(THEME))
    app.add_node(listings.kb_listing)
    app.add_node(listings.kb_bibliography)
    app.add_directive("kb-overzicht", listings.KbOverzicht)
    app.add_directive("kb-bronnenlijst", listings.KbBronnenlijst)
    setup_provenance(app)
    setup_homepage(app)
    setup_glossary_az(app)
    setup_pagecontext(app)
    setup_translations(app)
    setup_incremental(app)
    app.connect("config-inited", lambda app, config: _add_assets(app))
    app.connect("builder-inited", collect.on_builder_inited)
    app.connect("builder-inited", permalinks.on_builder_inited)
    app.connect("env-get-outdated", permalinks.on_env_get_outdated)
    app.connect("source-read", permalinks.on_source_read)
    app.add_transform(permalinks.ParagraphIds)
    app.connect("env-purge-doc", permalinks.on_env_purge_doc)
    app.connect("env-merge-info", permalinks.on_env_merge_info)
    app.connect("env-get-outdated", collect.on_env_get_outdated)
    app.connect("env-before-read-docs", collect.on_env_before_read_docs)
    app.connect("source-read", collect.on_source_read)
    # doctree-read: after Sphinx's title collector (priority 500), labels and title first,
    # then the auto-listing placeholder.
    app.connect("doctree-read", permalinks.on_doctree_read, priority=400)
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
    # then the cite controls (raw HTML, after passages were taken from the page)
    app.connect("doctree-resolved", permalinks.on_doctree_resolved, priority=650)
    app.connect("doctree-resolved", pagecite.on_doctree_resolved, priority=660)
    app.connect("html-page-context", pagecite.on_html_page_context)
    app.connect("build-finished", passages.write_passages)
    app.connect("build-finished", pagecite.write_citation_files)
    app.add_css_file("huisstijl.css", priority=300)
    app.add_css_file("kb.css", priority=310)
    app.add_css_file("kb-citeer.css", priority=320)
    app.add_css_file("kb-print.css", media="print")
    app.add_js_file("huisstijl.js", priority=300, defer="defer")
    app.add_js_file("kb-citeer.js", priority=310, defer="defer")
    app.add_js_file("kb-markeer.js", priority=320, defer="defer")
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": False,
            "env_version": 2}

