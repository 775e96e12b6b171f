"""Cite a page from its top: the "Citeer" control under the title, the date and the changes.

Added as doctree nodes right after the page title (no theme template is overridden, so the
theme can change): APA 7 text with a copy button, BibTeX and RIS downloads, "Laatst
gewijzigd" and a short list of the page's changes from the history (kbsite/history.py).

When the build finishes, every knowledge-base page gets its ``.bib`` and ``.ris`` file next
to its HTML, and ``citations.json`` records, per page, what citing it and its parts takes
(title, URL, date, changes, studies, anchors with their sections): `kb cursus` reads it, so
course packs cite exactly what the site cites.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from posixpath import basename
from typing import Any
from urllib.parse import urljoin

from docutils import nodes
from markupsafe import Markup, escape
from sphinx.application import Sphinx

from . import apa, reference_files
from .collect import is_kb_doc, vocabulary
from .permalinks import page_url, public_base

CITATIONS_FILE = "citations.json"
CITATIONS_FORMAT = 1


def _parts_html(parts: apa.Parts) -> Markup:
    return Markup("").join(Markup("<em>{}</em>").format(t) if italic else escape(t) for t, italic in parts)


def changes_html(page: dict[str, Any]) -> Markup:
    date = dt.date.fromisoformat(page["date"])
    stamp = Markup('<time datetime="{}">{}</time>').format(date.isoformat(), apa.long_date(date))
    changes = page.get("changes") or []
    if not page.get("history_known"):
        return Markup('<p class="kb-gewijzigd">Laatst gewijzigd: {} <span class="kb-uitleg">(datum van het '
                      'bestand: de wijzigingsgeschiedenis zit niet in deze kopie van de kennisbank)</span></p>'
                      ).format(stamp)
    items = Markup("").join(
        Markup('<li><time datetime="{}">{}</time>: {}</li>').format(d, apa.long_date(dt.date.fromisoformat(d)), s)
        for d, s in changes)
    return Markup('<p class="kb-gewijzigd">Laatst gewijzigd: {}</p>'
                  '<details class="kb-wijzigingen"><summary>Wijzigingen</summary>'
                  '<ul>{}</ul></details>').format(stamp, items)


def top_html(page: dict[str, Any], docname: str, url: str) -> str:
    """The block under the title: "Citeer" (APA, copy, BibTeX, RIS) and the changes."""
    date = dt.date.fromisoformat(page["date"])
    citation = apa.page_citation_parts(page.get("title", docname), date, url)
    stem = basename(docname)
    return str(Markup(
        '<div class="kb-paginakop">'
        '<details class="kb-paginacitaat"><summary>Citeer</summary>'
        '<div class="kb-paneel">'
        '<p class="kb-paneel-kop">Citeer deze pagina (APA 7)</p>'
        '<p id="kb-citaat-pagina" class="kb-citaat">{citation}</p>'
        '<button type="button" class="kb-kopieer" data-kopieer="kb-citaat-pagina" aria-live="polite" hidden>Kopieer citatie</button>'
        '<p class="kb-paneel-kop">Voor je literatuurbeheer (Zotero, EndNote, Mendeley)</p>'
        '<p><a href="{stem}.bib" download="{stem}.bib">BibTeX (.bib)</a> · '
        '<a href="{stem}.ris" download="{stem}.ris">RIS (.ris)</a></p>'
        '<p class="kb-uitleg">Eén alinea citeren of doorsturen: open het teken ¶ naast die alinea.</p>'
        '</div></details>'
        '{changes}'
        '</div>').format(citation=_parts_html(citation), stem=stem, changes=changes_html(page)))


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    page = app.env.kb_pages.get(docname) if is_kb_doc(docname) else None  # type: ignore[attr-defined]
    top = next(iter(doctree.findall(nodes.section)), None)
    if page is None or top is None or not len(top) or not isinstance(top[0], nodes.title):
        return
    top.insert(1, nodes.raw("", top_html(page, docname, page_url(app, docname)), format="html"))


# Internal links as Sphinx writes them; the print style sheet prints data-url after the text.
_INTERNAL_LINK = re.compile(r'<a class="reference internal" href="([^"]*)"')


def absolute_links(body: str, page_url_: str) -> str:
    """Add ``data-url`` (the public URL) to internal links, except glossary terms and in-page anchors."""
    def add(match: re.Match[str]) -> str:
        href = match.group(1)
        if href.startswith("#") or "#term-" in href:
            return match.group(0)
        return f'{match.group(0)} data-url="{escape(urljoin(page_url_, href))}"'
    return _INTERNAL_LINK.sub(add, body)


def on_html_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                         doctree: nodes.document | None) -> None:
    if doctree is None or "body" not in context or not public_base(app):
        return
    context["body"] = absolute_links(context["body"], page_url(app, pagename))


def _toctree_order(app: Sphinx) -> list[str]:
    env = app.env
    seen: list[str] = []

    def visit(doc: str) -> None:
        if doc in seen:
            return
        seen.append(doc)
        for child in env.toctree_includes.get(doc, []):
            visit(child)

    visit(app.config.root_doc)
    rest = sorted(d for d in env.found_docs if d not in seen)
    return [d for d in seen + rest if is_kb_doc(d) and d in env.kb_pages]  # type: ignore[attr-defined]


def _write(path: Path, text: str, newline: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline=newline) as fh:
        fh.write(text)
    os.replace(tmp, path)


def citation_record(app: Sphinx, docname: str, page: dict[str, Any]) -> dict[str, Any]:
    vocab = vocabulary(app)
    sources = [{"key": key, "reference": apa.plain(apa.reference_parts(vocab.bibliography[key]))}
               for key in page.get("sources", []) if key in vocab.bibliography]
    if page.get("source") in vocab.bibliography and not sources:
        sources = [{"key": page["source"], "reference": apa.plain(apa.reference_parts(vocab.bibliography[page["source"]]))}]
    units, with_id = app.env.kb_id_counts.get(docname, (0, 0))  # type: ignore[attr-defined]
    return {
        "label": page.get("label"), "title": page.get("title", docname), "type": page["type"],
        "path": app.builder.get_target_uri(docname), "url": page_url(app, docname),
        "date": page["date"], "changes": page.get("changes", []), "history_known": page.get("history_known", False),
        "sources": sources, "anchors": app.env.kb_anchors.get(docname, {}),  # type: ignore[attr-defined]
        "paragraph_ids": {"units": units, "with_id": with_id},
    }


def write_citation_files(app: Sphinx, exception: Exception | None) -> None:
    """``.bib`` and ``.ris`` beside every page, and ``citations.json`` for course packs."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    pages: dict[str, Any] = {}
    for docname in _toctree_order(app):
        page = app.env.kb_pages[docname]  # type: ignore[attr-defined]
        if not page.get("label"):
            continue
        record = citation_record(app, docname, page)
        pages[docname] = record
        date = dt.date.fromisoformat(page["date"])
        _write(out / f"{docname}.bib", reference_files.bibtex(page["label"], record["title"], date, record["url"]))
        _write(out / f"{docname}.ris", reference_files.ris(record["title"], date, record["url"]), newline="")
    data = {"format": CITATIONS_FORMAT, "base_url": public_base(app), "order": list(pages), "pages": pages}
    _write(out / CITATIONS_FILE, json.dumps(data, ensure_ascii=False, indent=1))
