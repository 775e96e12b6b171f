"""Listing pages generated from front matter: per type, theme, law and source.

A directive leaves a placeholder when a page is read; the placeholder is filled when
the page is written, after every page's front matter is known. Theme and source pages
get their listing appended automatically, so no editor maintains a list by hand.
"""
from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from . import apa
from .collect import is_kb_doc, vocabulary

TYPE_ORDER = ("aanbeveling", "dilemma", "praktijkvoorbeeld", "thema", "bron", "feiten", "begrippen")
LISTED_TYPES = set(TYPE_ORDER)


class kb_listing(nodes.General, nodes.Element):
    """Placeholder for a generated list; ``filter`` is type/theme/law/source/group."""


class kb_bibliography(nodes.General, nodes.Element):
    """Placeholder for the bibliography with the pages that draw on each study."""


class KbOverzicht(SphinxDirective):
    """``{kb-overzicht}`` with one option: :type:, :theme:, :law:, :source: or :group: themes."""

    option_spec = {"type": directives.unchanged, "theme": directives.unchanged,
                   "law": directives.unchanged, "source": directives.unchanged,
                   "group": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        if len(self.options) != 1:
            raise self.error("kb-overzicht: geef precies één optie: :type:, :theme:, :law:, :source: of :group:")
        (key, value), = self.options.items()
        vocab = self.env.kb_vocab  # type: ignore[attr-defined]
        allowed = {"type": vocab.types, "theme": vocab.themes, "law": vocab.laws,
                   "source": vocab.bibliography, "group": {"themes": 1}}[key]
        if value not in allowed:
            raise self.error(f"kb-overzicht: onbekende waarde '{value}' voor :{key}: "
                             f"(toegestaan: {', '.join(sorted(allowed))})")
        return [kb_listing(filter=key, value=value)]


class KbBronnenlijst(SphinxDirective):
    """``{kb-bronnenlijst}``: every study in the bibliography with the pages citing it."""

    def run(self) -> list[nodes.Node]:
        return [kb_bibliography()]


def _matches(page: dict[str, Any], key: str, value: str) -> bool:
    if key == "type":
        return page["type"] == value
    if key == "theme":
        return value in page.get("themes", [])
    if key == "law":
        return value in page.get("laws", [])
    if key == "source":
        return value in page.get("sources", []) or page.get("source") == value
    return False


def _link(app: Sphinx, fromdoc: str, todoc: str, text: str, anchor: str = "") -> nodes.reference:
    uri = app.builder.get_relative_uri(fromdoc, todoc) + (f"#{anchor}" if anchor else "")
    return nodes.reference("", text, internal=True, refuri=uri)


def page_item(app: Sphinx, fromdoc: str, docname: str, page: dict[str, Any]) -> nodes.list_item:
    para = nodes.paragraph()
    para += _link(app, fromdoc, docname, page.get("title", docname))
    if page.get("summary"):
        para += nodes.Text(" — " + page["summary"])
    return nodes.list_item("", para)


def _sorted_pages(app: Sphinx, docnames: list[str]) -> list[str]:
    pages = app.env.kb_pages  # type: ignore[attr-defined]
    return sorted(docnames, key=lambda d: pages[d].get("title", d).lower())


def grouped_list(app: Sphinx, fromdoc: str, key: str, value: str) -> list[nodes.Node]:
    """Pages matching ``key == value``, grouped by type with a count per group."""
    pages = app.env.kb_pages  # type: ignore[attr-defined]
    vocab = vocabulary(app)
    out: list[nodes.Node] = []
    for page_type in TYPE_ORDER:
        if key == "type" and page_type != value:
            continue
        found = [d for d, p in pages.items() if d != fromdoc and p["type"] == page_type and _matches(p, key, value)]
        if not found:
            continue
        if key != "type":
            out.append(nodes.rubric("", f"{vocab.type_label(page_type, plural=True)} ({len(found)})"))
        items = nodes.bullet_list(classes=["kb-overzicht"])
        for docname in _sorted_pages(app, found):
            items += page_item(app, fromdoc, docname, pages[docname])
        out.append(items)
    if not out:
        out.append(nodes.paragraph("", "Er zijn nog geen pagina's in deze categorie."))
    return out


def themes_list(app: Sphinx, fromdoc: str) -> list[nodes.Node]:
    pages = app.env.kb_pages  # type: ignore[attr-defined]
    vocab = vocabulary(app)
    items = nodes.bullet_list(classes=["kb-overzicht"])
    for slug, entry in vocab.themes.items():
        theme_page = next((d for d, p in pages.items() if p["type"] == "thema" and p.get("theme") == slug), None)
        count = sum(1 for p in pages.values() if p["type"] != "thema" and slug in p.get("themes", []))
        para = nodes.paragraph()
        if theme_page:
            para += _link(app, fromdoc, theme_page, entry["label"])
        else:
            para += nodes.Text(entry["label"])
        para += nodes.Text(f" ({count} pagina's)")
        items += nodes.list_item("", para)
    return [items]


def bibliography_list(app: Sphinx, fromdoc: str) -> list[nodes.Node]:
    pages = app.env.kb_pages  # type: ignore[attr-defined]
    vocab = vocabulary(app)
    entries = sorted(vocab.bibliography.items(), key=lambda kv: apa.plain(apa.reference_parts(kv[1])).lower())
    items = nodes.bullet_list(classes=["kb-bibliografie"])
    for key, entry in entries:
        para = nodes.paragraph(ids=[f"bron-{key}"])
        for text, italic in apa.reference_parts(entry):
            para += nodes.emphasis("", text) if italic else nodes.Text(text)
        item = nodes.list_item("", para)
        citing = [d for d, p in pages.items() if key in p.get("sources", []) and p["type"] != "bron"]
        if citing:
            sub = nodes.bullet_list()
            for docname in _sorted_pages(app, citing):
                sub += page_item(app, fromdoc, docname, pages[docname])
            item += nodes.paragraph("", f"Pagina's die op deze studie steunen ({len(citing)}):")
            item += sub
        else:
            item += nodes.paragraph("", "Nog geen pagina's steunen op deze studie.")
        items += item
    return [items]


def append_auto_listing(app: Sphinx, doctree: nodes.document) -> None:
    """Theme and source pages end with the generated list of pages that belong to them."""
    docname = app.env.docname
    page = app.env.kb_pages.get(docname) if is_kb_doc(docname) else None  # type: ignore[attr-defined]
    if page is None or page["type"] not in ("thema", "bron"):
        return
    top = next(iter(doctree.findall(nodes.section)), None)
    label = page.get("label")
    if top is None or not label:
        return
    key, value, title = (("theme", page["theme"], "Pagina's over dit thema") if page["type"] == "thema"
                         else ("source", page["source"], "Pagina's die op deze bron steunen"))
    section = nodes.section(ids=[f"{label}-paginas"], names=[], classes=["kb-auto-listing"])
    section += nodes.title("", title)
    section += kb_listing(filter=key, value=value)
    top += section


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(kb_listing)):
        if node["filter"] == "group":
            node.replace_self(themes_list(app, docname))
        else:
            node.replace_self(grouped_list(app, docname, node["filter"], node["value"]))
    for node in list(doctree.findall(kb_bibliography)):
        node.replace_self(bibliography_list(app, docname))
