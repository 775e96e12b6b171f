"""An A-Z index on the glossary: one heading per letter and a row of letters to jump to.

The glossary is one long ``{glossary}`` list (``:sorted:``). When the page is written, the
list is split into one list per first letter, each under a heading ``A``, ``B``, …, and a
row of letters above it links to those headings (letters without terms are shown, not
linked). The entries themselves are untouched, so their ids and the passages built from
them stay the same; passages are collected before this runs.
"""
from __future__ import annotations

import string
import unicodedata
from typing import Any

from docutils import nodes
from markupsafe import escape
from sphinx import addnodes
from sphinx.application import Sphinx

LETTERS = string.ascii_uppercase
OTHER = "#"  # terms that start with a digit or a sign


class kb_az(nodes.General, nodes.Element):
    """The row of letters; ``letters`` are the letters that have terms."""


def first_letter(term: str) -> str:
    """A-Z letter a term sorts under, without accents (Één -> E); digits and signs under #."""
    plain = unicodedata.normalize("NFKD", term.strip()).encode("ascii", "ignore").decode("ascii")
    letter = plain[:1].upper()
    return letter if letter in LETTERS else OTHER


def letter_id(letter: str) -> str:
    return "letter-overig" if letter == OTHER else f"letter-{letter.lower()}"


def _heading_level(node: nodes.Node) -> int:
    """One level below the section the glossary stands in (h2 under the page title)."""
    depth, parent = 0, node.parent
    while parent is not None:
        if isinstance(parent, nodes.section):
            depth += 1
        parent = parent.parent
    return min(depth + 1, 6)


def _split(glossary: addnodes.glossary) -> tuple[list[str], list[nodes.Node]] | None:
    dlist = next(iter(glossary.findall(nodes.definition_list)), None)
    if dlist is None:
        return None
    groups: dict[str, list[nodes.Node]] = {}
    for item in dlist.children:
        term = next(iter(item.findall(nodes.term)), None)
        if term is None:
            return None
        groups.setdefault(first_letter(term.astext()), []).append(item)
    level = _heading_level(glossary)
    order = [l for l in [OTHER, *LETTERS] if l in groups]
    out: list[nodes.Node] = []
    for letter in order:
        heading = nodes.rubric("", letter, ids=[letter_id(letter)], classes=["kb-az-letter"])
        heading["heading-level"] = level
        part = addnodes.glossary()
        part["sorted"] = glossary.get("sorted", False)
        part += nodes.definition_list("", *groups[letter], classes=dlist["classes"])
        out += [heading, part]
    return order, out


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for glossary in list(doctree.findall(addnodes.glossary)):
        split = _split(glossary)
        if split is None or len(split[0]) < 2:
            continue
        letters, parts = split
        glossary.replace_self([kb_az(letters=letters), *parts])


def visit_az_html(translator: Any, node: kb_az) -> None:
    have = set(node["letters"])
    items = []
    for letter in [*LETTERS, OTHER] if OTHER in have else LETTERS:
        if letter in have:
            items.append(f'<li><a href="#{letter_id(letter)}">{escape(letter)}</a></li>')
        else:
            items.append(f'<li class="kb-az-leeg"><span>{escape(letter)}</span></li>')
    translator.body.append('<nav class="kb-az" aria-label="Begrippen van A tot Z"><ul>'
                           + "".join(items) + "</ul></nav>\n")
    raise nodes.SkipNode


def _skip(translator: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def setup_glossary_az(app: Sphinx) -> None:
    others = {b: (_skip, None) for b in ("latex", "text", "man", "texinfo", "xml")}
    app.add_node(kb_az, html=(visit_az_html, None), **others)
    app.connect("doctree-resolved", on_doctree_resolved, priority=650)
