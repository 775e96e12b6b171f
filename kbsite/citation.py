""""Zie ook" and "Citeer deze pagina": appended to every knowledge-base page when written.

Trainers copy the citation into course material, so it names the page title, the site,
the date of the page's last change and its permanent URL, followed by APA references of
the studies the page draws on (each linking to its entry in the bibliography).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from . import apa
from .collect import is_kb_doc, vocabulary
from .listings import page_item

MAX_SEE_ALSO = 8
RELATED_TYPES = {"aanbeveling", "dilemma", "praktijkvoorbeeld"}
BIBLIOGRAPHY_DOC = "kb/bronnen/index"


def see_also(pages: dict[str, dict[str, Any]], docname: str, labels: dict[str, str]) -> list[str]:
    """Related pages: explicit `related` (both directions) first, then most shared themes."""
    page = pages[docname]
    my_label = page.get("label")
    chosen: list[str] = []
    for target in page.get("related", []):
        other = labels.get(target)
        if other and other != docname and other not in chosen:
            chosen.append(other)
    for other, data in sorted(pages.items()):
        if other != docname and my_label and my_label in data.get("related", []) and other not in chosen:
            chosen.append(other)
    mine = set(page.get("themes", []))
    scored = []
    for other, data in pages.items():
        if other == docname or other in chosen or data["type"] not in RELATED_TYPES:
            continue
        shared = len(mine & set(data.get("themes", [])))
        if shared:
            scored.append((-shared, data.get("title", other).lower(), other))
    chosen += [other for _, _, other in sorted(scored)]
    return chosen[:max(MAX_SEE_ALSO, len(page.get("related", [])))]


def _citation_paragraph(app: Sphinx, docname: str, page: dict[str, Any]) -> nodes.paragraph:
    base = app.config.html_baseurl or ""
    if base and not base.endswith("/"):
        base += "/"
    url = base + app.builder.get_target_uri(docname)
    parts = apa.page_citation_parts(page.get("title", docname), dt.date.fromisoformat(page["date"]), url)
    para = nodes.paragraph(classes=["kb-citaat"])
    for text, italic in parts:
        para += nodes.emphasis("", text) if italic else nodes.Text(text)
    return para


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    env = app.env
    page = env.kb_pages.get(docname) if is_kb_doc(docname) else None  # type: ignore[attr-defined]
    top = next(iter(doctree.findall(nodes.section)), None)
    if page is None or top is None or not page.get("label"):
        return
    label = page["label"]
    pages = env.kb_pages  # type: ignore[attr-defined]
    if page["type"] != "overzicht":
        labels = {p.get("label"): d for d, p in pages.items() if p.get("label")}
        related = see_also(pages, docname, labels)
        if related:
            section = nodes.section(ids=[f"{label}-zie-ook"], classes=["kb-zie-ook"])
            section += nodes.title("", "Zie ook")
            items = nodes.bullet_list()
            for other in related:
                items += page_item(app, docname, other, pages[other])
            section += items
            top += section

    section = nodes.section(ids=[f"{label}-citeer"], classes=["kb-citeer"])
    section += nodes.title("", "Citeer deze pagina")
    section += _citation_paragraph(app, docname, page)
    vocab = vocabulary(app)
    sources = [s for s in page.get("sources", []) if s in vocab.bibliography]
    if sources:
        section += nodes.paragraph("", "Deze pagina steunt op:")
        items = nodes.bullet_list(classes=["kb-bronnen"])
        for key in sources:
            para = nodes.paragraph()
            for text, italic in apa.reference_parts(vocab.bibliography[key]):
                para += nodes.emphasis("", text) if italic else nodes.Text(text)
            if BIBLIOGRAPHY_DOC in env.found_docs:
                uri = app.builder.get_relative_uri(docname, BIBLIOGRAPHY_DOC) + f"#bron-{key}"
                para += nodes.Text(" ")
                para += nodes.reference("", "(in de bibliografie)", internal=True, refuri=uri)
            items += nodes.list_item("", para)
        section += items
    top += section
