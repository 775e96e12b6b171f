"""Paragraph permalinks on the site: ids from the source markers, checks, and the ¶ control.

Reading: a transform takes the ``^p-…`` marker off the end of each paragraph and puts the
id on the paragraph (or on its list item), early, so no later step sees the marker in the
text. The source check (uniqueness, the registry of kbsite/paragraph_ids.py) runs when the
page is read; missing ids are counted, never an error, until `kb alinea-ids` has been run.

Writing: every paragraph with an id gets a small link-and-cite control, a ``<details>``
element (works by touch and keyboard and without JavaScript): the paragraph's full URL, a
link that puts the anchor in the address bar, and an APA citation of the passage.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from docutils import nodes
from markupsafe import Markup, escape
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform

from . import apa
from .collect import is_kb_doc
from .paragraph_ids import (ANY_MARKER, END_MARKER, REGISTRY_FILE, RegistryError, check_ids,
                            find_paragraphs, load_registry)
from .problems import Problem, report

#: Sections the extension adds; their paragraphs are navigation, not content.
GENERATED_CLASSES = {"kb-citeer", "kb-zie-ook", "kb-auto-listing"}
_NOT_CONTENT = (nodes.table, addnodes.glossary, nodes.footnote, nodes.citation, nodes.system_message,
                nodes.field_list, nodes.docinfo, nodes.title, nodes.raw)


def public_base(app: Sphinx) -> str:
    base = app.config.html_baseurl or ""
    return base if not base or base.endswith("/") else base + "/"


def page_url(app: Sphinx, docname: str) -> str:
    """The full public URL of a page (``html_baseurl`` + its path)."""
    return public_base(app) + app.builder.get_target_uri(docname)


# -- reading ------------------------------------------------------------------------------

def on_builder_inited(app: Sphinx) -> None:
    env = app.env
    for name in ("kb_anchors", "kb_id_counts"):
        if not hasattr(env, name):
            setattr(env, name, {})
    path = Path(app.srcdir) / REGISTRY_FILE
    try:
        app.kb_id_registry = load_registry(path)  # type: ignore[attr-defined]
    except RegistryError as exc:
        report(Problem(REGISTRY_FILE, str(exc).split(": ", 1)[-1], None, "alinea-ids"))
        app.kb_id_registry = {}  # type: ignore[attr-defined]
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        digest = "-"
    env.kb_registry_changed = getattr(env, "kb_registry_hash", None) != digest  # type: ignore[attr-defined]
    env.kb_registry_hash = digest  # type: ignore[attr-defined]


def on_env_get_outdated(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str],
                        removed: set[str]) -> list[str]:
    """A changed registry is checked against every page again."""
    if getattr(env, "kb_registry_changed", False):
        return sorted(d for d in env.found_docs if is_kb_doc(d) and d not in added | changed)
    return []


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    """Ids used twice on the page, or given to other text than the registry remembers."""
    if not is_kb_doc(docname):
        return
    registry = getattr(app, "kb_id_registry", {})
    path = str(app.env.doc2path(docname, False))
    for problem in check_ids(find_paragraphs(source[0]), registry.get(docname)):
        report(Problem(path, problem.message, problem.line, "alinea-id"))


def _excluded(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, _NOT_CONTENT) or set(parent.get("classes", [])) & GENERATED_CLASSES:
            return True
        parent = parent.parent
    return False


def _list_item(node: nodes.Node) -> nodes.list_item | None:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.list_item):
            return parent
        parent = parent.parent
    return None


def unit_of(para: nodes.paragraph) -> nodes.Element:
    """The element an id of this paragraph belongs on: the list item it opens, or itself."""
    item = _list_item(para)
    if item is not None and next(iter(item.findall(nodes.paragraph)), None) is para:
        return item
    return para


def _take_marker(para: nodes.paragraph) -> str | None:
    """Remove the end marker from the paragraph's last text and return its id."""
    for child in reversed(para.children):
        if isinstance(child, nodes.Text):
            match = END_MARKER.search(str(child))
            if match is None:
                return None
            rest = str(child)[: match.start()].rstrip()  # the space before the marker goes too
            if rest:
                para.replace(child, nodes.Text(rest))
            else:
                para.remove(child)
            return match.group(1)
        if child.astext().strip():
            return None  # the paragraph ends in visible inline content, not in a marker
    return None


def _units(doctree: nodes.document) -> list[nodes.Element]:
    """The paragraphs and list items that should carry an id (what the issue counts)."""
    units: list[nodes.Element] = []
    for node in doctree.findall(lambda n: isinstance(n, (nodes.paragraph, nodes.list_item))):
        if _excluded(node):
            continue
        if isinstance(node, nodes.paragraph):
            if _list_item(node) is not None:
                continue  # the list item is the unit
            if any(c.startswith("kb-") for c in node.get("classes", [])) or not node.astext().strip():
                continue  # generated by the extension, or empty
        units.append(node)
    return units


def _line_of(node: nodes.Node) -> int | None:
    while node is not None:
        if getattr(node, "line", None):
            return node.line
        node = node.parent
    return None


def _section_title(node: nodes.Node, top: nodes.section | None) -> str | None:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.section):
            if parent is top:
                return None
            return parent[0].astext() if len(parent) and isinstance(parent[0], nodes.title) else None
        parent = parent.parent
    return None


class ParagraphIds(SphinxTransform):
    """Source markers become ids on their paragraphs or list items."""

    default_priority = 205  # early: before anything else reads the paragraph text

    def apply(self, **kwargs: Any) -> None:
        env = self.env
        docname = env.docname
        if not is_kb_doc(docname):
            return
        path = str(env.doc2path(docname, False))
        taken = set(self.document.ids)
        assigned: set[str] = set()
        for para in list(self.document.findall(nodes.paragraph)):
            pid = _take_marker(para)
            if pid is None:
                continue
            if pid in assigned:
                continue  # reported by the source check, with both lines
            if pid in taken:
                report(Problem(path, f"alinea-id '{pid}' is ook het id van een sectie of begrip op deze pagina; "
                               "haal het weg en voer `kb alinea-ids` uit", para.line, "alinea-id"))
                continue
            target = unit_of(para)
            target["ids"].append(pid)
            target["kb_alinea"] = pid
            self.document.ids[pid] = target
            taken.add(pid)
            assigned.add(pid)
        for text in self.document.findall(nodes.Text):
            if isinstance(text.parent, (nodes.literal, nodes.literal_block, nodes.raw, nodes.comment)):
                continue
            match = ANY_MARKER.search(str(text))
            if match:
                line = _line_of(text)
                report(Problem(path, f"alinea-id '^{match.group(1)}' staat niet aan het eind van een alinea of "
                               "lijstpunt; zet het achter het laatste woord (na een eventuele bronvermelding)",
                               line, "alinea-id"))


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """Remember the page's anchors (with their sections) and count the units with an id.

    After all transforms, so sections carry their explicit labels as first id.
    """
    env = app.env
    docname = env.docname
    if not is_kb_doc(docname):
        return
    top = next(iter(doctree.findall(nodes.section)), None)
    anchors: dict[str, dict[str, Any]] = {}
    for section in doctree.findall(nodes.section):
        if section["ids"] and section is not top and not set(section.get("classes", [])) & GENERATED_CLASSES:
            title = section[0].astext() if len(section) and isinstance(section[0], nodes.title) else ""
            anchors[section["ids"][0]] = {"kind": "section", "section": title}
    for term in doctree.findall(nodes.term):
        if term["ids"]:
            anchors[term["ids"][0]] = {"kind": "term", "section": term.astext()}
    units = _units(doctree)
    for unit in units:
        if "kb_alinea" in unit:
            anchors[unit["kb_alinea"]] = {"kind": "item" if isinstance(unit, nodes.list_item) else "paragraph",
                                          "section": _section_title(unit, top)}
    env.kb_anchors[docname] = anchors  # type: ignore[attr-defined]
    env.kb_id_counts[docname] = (len(units), sum(1 for u in units if "kb_alinea" in u))  # type: ignore[attr-defined]


def on_env_purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "kb_anchors", {}).pop(docname, None)
    getattr(env, "kb_id_counts", {}).pop(docname, None)


def on_env_merge_info(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    for name in ("kb_anchors", "kb_id_counts"):
        mine, theirs = getattr(env, name), getattr(other, name, {})
        for docname in docnames:
            if docname in theirs:
                mine[docname] = theirs[docname]


# -- writing ------------------------------------------------------------------------------

def _html(parts: apa.Parts) -> Markup:
    return Markup("").join(Markup("<em>{}</em>").format(t) if italic else escape(t) for t, italic in parts)


def control_html(pid: str, kind: str, url: str, citation: apa.Parts) -> str:
    """The ¶ control of one paragraph (``kind`` 'alinea' or 'lijstpunt')."""
    what = "dit punt" if kind == "lijstpunt" else "deze alinea"
    return str(Markup(
        '<details class="kb-alinea-citeer">'
        '<summary title="Link en citatie van {what}"><span aria-hidden="true">¶</span>'
        '<span class="kb-onzichtbaar">Link en citatie van {what}</span></summary>'
        '<div class="kb-paneel">'
        '<p class="kb-paneel-kop"><a class="kb-alinea-link" href="#{pid}">Link naar {what}</a></p>'
        '<input id="kb-link-{pid}" class="kb-kopieerveld" type="text" readonly value="{url}" '
        'aria-label="Adres van {what}">'
        '<button type="button" class="kb-kopieer" data-kopieer="kb-link-{pid}" aria-live="polite" hidden>Kopieer link</button>'
        '<p class="kb-paneel-kop">Citeer {what} (APA 7)</p>'
        '<p id="kb-citaat-{pid}" class="kb-citaat">{citation}</p>'
        '<button type="button" class="kb-kopieer" data-kopieer="kb-citaat-{pid}" aria-live="polite" hidden>Kopieer citatie</button>'
        '</div></details>').format(what=what, pid=pid, url=url, citation=_html(citation)))


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give every paragraph with an id its control (after passages were taken from the page)."""
    page = app.env.kb_pages.get(docname) if is_kb_doc(docname) else None  # type: ignore[attr-defined]
    if page is None:
        return
    anchors = app.env.kb_anchors.get(docname, {})  # type: ignore[attr-defined]
    base = page_url(app, docname)
    date = dt.date.fromisoformat(page["date"])
    title = page.get("title", docname)
    for unit in list(doctree.findall(lambda n: isinstance(n, nodes.Element) and "kb_alinea" in n)):
        pid = unit["kb_alinea"]
        info = anchors.get(pid, {})
        kind = "lijstpunt" if isinstance(unit, nodes.list_item) else "alinea"
        url = f"{base}#{pid}"
        citation = apa.passage_citation_parts(title, info.get("section"), date, url)
        raw = nodes.raw("", control_html(pid, kind, url, citation), format="html")
        if isinstance(unit, nodes.list_item):
            unit["classes"].append("kb-alinea")
            first = next(iter(unit.findall(nodes.paragraph)), None)
            holder = first.parent if first is not None else unit
            index = holder.index(first) + 1 if first is not None else 0
            holder.insert(index, raw)
        else:
            box = nodes.container(classes=["kb-alinea"])
            unit.parent.replace(unit, box)  # not replace_self: that would copy the id onto the box
            box += unit
            box += raw
