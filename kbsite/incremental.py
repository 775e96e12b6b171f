"""Incremental builds: after an edit, rewrite only the pages whose output changes.

Other pages show a page's title, summary, type, themes, sources and labels (listings, "Zie
ook", the bibliography, the navigation, cross-references). When an edit changes none of
that, as when a sentence in the body changes, only the edited page is read and written
again; when it does change (or a page comes or goes), every page is written again from
the stored doctrees, without being read again. The test is a signature per page: what
other pages can see of it (`page_signature`), compared before and after reading.

Outputs built from the pages written in a build would shrink to those pages in an
incremental one: ``passages.jsonl`` (kept per page beside the doctrees, see
kbsite/passages.py), ``sitemap.xml`` of sphinx-sitemap and the index entries (glossary
terms) of Sphinx's ``searchindex.js``. The last two are kept here beside the doctrees
(``kb_sitemap.json``, ``kb_search_entries.json``) and put back before they are written.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

#: Fields of a page record (env.kb_pages) that only the page itself shows; a change in any
#: other field changes what other pages show.
PAGE_LOCAL_FIELDS = frozenset({"docname", "locators", "unsourced", "unmarked", "related_lines",
                               "date", "changes", "history_known"})
SITEMAP_STORE = "kb_sitemap.json"
SEARCH_ENTRIES_STORE = "kb_search_entries.json"


def _by_doc(env: BuildEnvironment) -> dict[str, dict[str, list]]:
    """Labels and objects (glossary terms, ...) of the standard domain, per document."""
    out: dict[str, dict[str, list]] = {}
    std = env.domains.standard_domain
    for name, (docname, labelid, title) in std.labels.items():
        out.setdefault(docname, {"labels": [], "objects": []})["labels"].append([name, labelid, title])
    for (objtype, name), (docname, labelid) in std.objects.items():
        out.setdefault(docname, {"labels": [], "objects": []})["objects"].append([objtype, name, labelid])
    return out


def page_signature(env: BuildEnvironment, docname: str, std: dict[str, dict[str, list]]) -> str:
    """A hash of everything other pages can show of ``docname``."""
    record = getattr(env, "kb_pages", {}).get(docname, {})
    toc = env.tocs.get(docname)
    title = env.titles.get(docname)
    data: dict[str, Any] = {
        "record": {k: v for k, v in record.items() if k not in PAGE_LOCAL_FIELDS},
        "title": title.astext() if title is not None else None,
        "toc": toc.astext() if toc is not None else None,
        "includes": env.toctree_includes.get(docname, []),
        "std": {k: sorted(v) for k, v in std.get(docname, {}).items()},
    }
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def on_env_get_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Every page to rewrite when what other pages show of some page changed; else none."""
    std = _by_doc(env)
    new = {d: page_signature(env, d, std) for d in sorted(env.found_docs)}
    old = getattr(env, "kb_signatures", None)
    env.kb_signatures = new  # type: ignore[attr-defined]  (pickled right after this event)
    sitemap_incomplete = "sphinx_sitemap" in app.extensions and not set(new) <= set(stored_sitemap(app))
    if old != new or sitemap_incomplete:
        # (a fresh environment has no signatures yet: then every page is written anyway)
        return sorted(env.found_docs)
    return []


# -- sitemap ------------------------------------------------------------------------------

def stored_sitemap(app: Sphinx) -> dict[str, Any]:
    """Page name -> its sitemap entry (None for a page without one), from earlier builds."""
    try:
        stored = json.loads((Path(app.doctreedir) / SITEMAP_STORE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


class _SitemapLinks:
    """Stands in for sphinx-sitemap's queue (pages are written one after the other here)
    and remembers which page each link belongs to."""

    def __init__(self) -> None:
        self.page: str | None = None
        self.written: dict[str, Any] = {}
        self._items: list[Any] = []

    def put(self, item: Any) -> None:
        if self.page is not None:
            self.written[self.page] = list(item)

    def start_page(self, pagename: str) -> None:
        self.page = pagename
        self.written[pagename] = None  # until sphinx-sitemap puts its entry

    def empty(self) -> bool:
        return not self._items

    def get_nowait(self) -> Any:
        import queue
        if not self._items:
            raise queue.Empty
        return self._items.pop(0)

    def fill(self, items: list[Any]) -> None:
        self._items = [tuple(item) for item in items]


def on_builder_inited(app: Sphinx) -> None:
    if app.builder.format == "html" and hasattr(app, "sitemap_links"):
        app.sitemap_links = _SitemapLinks()  # type: ignore[attr-defined]


def on_html_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    links = getattr(app, "sitemap_links", None)
    if isinstance(links, _SitemapLinks):
        links.start_page(pagename)


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    """Merge this build's sitemap entries with the stored ones of pages not written now."""
    links = getattr(app, "sitemap_links", None)
    if not isinstance(links, _SitemapLinks):
        return
    store = Path(app.doctreedir) / SITEMAP_STORE
    stored = stored_sitemap(app)
    outdir = Path(app.outdir)
    # pages that still exist: documents, plus generated pages (genindex, search) whose
    # output is still there
    entries = {page: item for page, item in stored.items()
               if page in app.env.found_docs or (outdir / app.builder.get_target_uri(page)).is_file()}
    entries.update(links.written)
    if exception is None:
        tmp = store.with_name(store.name + ".tmp")
        tmp.write_text(json.dumps(entries, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(tmp, store)
    links.fill([entries[page] for page in sorted(entries) if entries[page] is not None])


# -- index entries of the search index ---------------------------------------------------------

def on_env_updated(app: Sphinx, env: BuildEnvironment) -> None:
    """Put back the search index's index entries (glossary terms) of pages not written now.

    Sphinx 9 collects them while writing, after the environment was saved, and does not
    read them back from searchindex.js, so an incremental build lost those of every page
    it did not write.
    """
    entries = getattr(env, "_search_index_index_entries", None)
    if not isinstance(entries, dict):
        return
    try:
        stored = json.loads((Path(app.doctreedir) / SEARCH_ENTRIES_STORE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(stored, dict):
        return
    for docname, items in stored.items():
        if docname in env.found_docs and docname not in entries and isinstance(items, list):
            entries[docname] = [tuple(item) for item in items]


def save_search_entries(app: Sphinx, exception: Exception | None) -> None:
    entries = getattr(app.env, "_search_index_index_entries", None)
    if exception is not None or not isinstance(entries, dict) or app.builder.format != "html":
        return
    store = Path(app.doctreedir) / SEARCH_ENTRIES_STORE
    tmp = store.with_name(store.name + ".tmp")
    kept = {d: [list(item) for item in items] for d, items in entries.items() if d in app.env.found_docs}
    tmp.write_text(json.dumps(kept, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(tmp, store)


def setup_incremental(app: Sphinx) -> None:
    app.connect("env-updated", on_env_updated)
    app.connect("build-finished", save_search_entries)
    app.connect("env-get-updated", on_env_get_updated)
    app.connect("builder-inited", on_builder_inited, priority=900)  # after sphinx-sitemap's queue
    app.connect("html-page-context", on_html_page_context, priority=100)  # before its link
    app.connect("build-finished", on_build_finished, priority=100)  # before it writes the file
