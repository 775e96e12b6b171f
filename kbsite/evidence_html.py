"""How locators and the editors' text look on the site: a "bron" note per locator, an editorial box.

A note opens without JavaScript (``<details>``) to the quote, the study in APA form (linked to
its entry in the bibliography) and the source document with the section the words stand in.
Builders other than HTML show the editorial text and leave the notes out.
"""
from __future__ import annotations

from typing import Any

from docutils import nodes
from markupsafe import escape
from sphinx.application import Sphinx

from . import apa
from .provenance import EDITORIAL_LABEL, kb_evidence, kb_locator, kb_locator_ref, kb_redactie, kb_verwijzingen

BIBLIOGRAPHY_DOC = "kb/bronnen/index"


def _parts_html(parts: apa.Parts) -> str:
    return "".join(f"<em>{escape(text)}</em>" if italic else str(escape(text)) for text, italic in parts)


def _seed_entry(bibliography: dict[str, dict[str, Any]], seed: str) -> tuple[str, dict[str, Any]] | None:
    for key, entry in bibliography.items():
        if entry.get("seed") == seed:
            return key, entry
    return None


def note_html(translator: Any, locator: kb_locator) -> str:
    """The ``<details>`` note of one locator."""
    builder = translator.builder
    bibliography = builder.env.kb_vocab.bibliography
    key = locator["key"]
    entry = bibliography.get(key, {})
    docname = builder.current_docname
    study = _parts_html(apa.reference_parts(entry))
    if BIBLIOGRAPHY_DOC in builder.env.found_docs:
        uri = builder.get_relative_uri(docname, BIBLIOGRAPHY_DOC) + f"#bron-{key}"
        study = f'<a href="{escape(uri)}">{study}</a>'
    number = locator.get("number")
    anchor = f' id="kb-bron-{number}"' if number else ""
    label = f"bron {number}: " if number else "bron: "
    html = [f'<details class="kb-bron"{anchor}><summary>{escape(label)}{escape(apa.short_citation(entry))}</summary>',
            f'<blockquote class="kb-bron-citaat"><p>“{escape(locator["quote"])}”</p></blockquote>',
            f'<p class="kb-bron-studie">{study}</p>']
    seed = locator.get("seed")
    if seed:
        found = _seed_entry(bibliography, seed)
        where = ""
        if locator.get("heading"):
            where = f", onder “{escape(locator['heading'])}”"
        if found and found[0] != key:
            doc = escape(apa.short_citation(found[1]))
            html.append(f'<p class="kb-bron-document">Aangehaald in {doc}{where}.</p>')
        elif where:
            html.append(f'<p class="kb-bron-document">In de brontekst{where}.</p>')
    elif locator.get("verified") is False:
        html.append('<p class="kb-bron-document">(Niet gecontroleerd: de bronteksten waren niet aanwezig bij het bouwen.)</p>')
    html.append("</details>")
    return "".join(html)


def visit_locator_ref_html(translator: Any, node: kb_locator_ref) -> None:
    number = node["number"]
    translator.body.append(f'<sup class="kb-bron-ref"><a href="#kb-bron-{number}" '
                           f'aria-label="bron {number}">{number}</a></sup>')
    raise nodes.SkipNode


def visit_evidence_html(translator: Any, node: kb_evidence) -> None:
    notes = "".join(note_html(translator, locator) for locator in node.findall(kb_locator))
    translator.body.append(f'<div class="kb-bronnen-noten">{notes}</div>\n')
    raise nodes.SkipNode


def visit_redactie_html(translator: Any, node: kb_redactie) -> None:
    translator.body.append(f'<div class="kb-redactie" role="note"><p class="kb-redactie-kop">'
                           f'{escape(EDITORIAL_LABEL)}</p>\n')


def depart_redactie_html(translator: Any, node: kb_redactie) -> None:
    translator.body.append("</div>\n")


def visit_verwijzingen_html(translator: Any, node: kb_verwijzingen) -> None:
    translator.body.append('<div class="kb-verwijzingen">\n')


def _skip(translator: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def _pass(translator: Any, node: nodes.Node) -> None:
    pass


def add_nodes(app: Sphinx) -> None:
    others = ("latex", "text", "man", "texinfo", "xml")
    app.add_node(kb_locator, html=(_skip, None), **{b: (_skip, None) for b in others})
    app.add_node(kb_locator_ref, html=(visit_locator_ref_html, None), **{b: (_skip, None) for b in others})
    app.add_node(kb_evidence, html=(visit_evidence_html, None), **{b: (_skip, None) for b in others})
    app.add_node(kb_redactie, html=(visit_redactie_html, depart_redactie_html),
                 **{b: (_pass, _pass) for b in others})
    app.add_node(kb_verwijzingen, html=(visit_verwijzingen_html, depart_redactie_html),
                 **{b: (_pass, _pass) for b in others})
