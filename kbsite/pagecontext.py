"""What the page layout needs beyond Sphinx's own context: description, section, menus.

Connected to ``html-page-context``. Every page gets:

- ``kb_description``: the page's ``summary`` (front matter), otherwise the first sentences of
  its first paragraph, for ``<meta name="description">``;
- ``kb_actief`` and ``kb_soort``: the section the page belongs to, which marks the menu item;
- ``kb_sectienav``: the pages of that section (its index page's toctree), shown beside the
  text, and ``kb_vorige`` / ``kb_volgende`` within the same section only;
- ``kb_kruimels``: the path back to the home page, ``kb_optoc``: the page's own headings;
- the names the shared header and footer ask for (kbcore/huisstijl).

Guides for editors, IT staff and integrators (``docs/``, except the professionals' guide)
form a section of their own that the professionals' menu does not show.
"""
from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from kbcore import huisstijl

#: Section of a page by docname prefix: (prefix, section key, docname of the section's index).
SECTIONS: tuple[tuple[str, str, str | None], ...] = (
    ("kb/aanbevelingen/", "aanbevelingen", "kb/aanbevelingen/index"),
    ("kb/dilemmas/", "dilemmas", "kb/dilemmas/index"),
    ("kb/praktijkvoorbeelden/", "praktijkvoorbeelden", "kb/praktijkvoorbeelden/index"),
    ("kb/themas/", "themas", "kb/themas/index"),
    ("kb/wetten/", "wetten", "kb/wetten/index"),
    ("kb/bronnen/", "bronnen", "kb/bronnen/index"),
    ("kb/feiten", "feiten", None),
    ("kb/begrippen", "begrippen", None),
    ("kb/index", "kennisbank", None),
    ("docs/professionals", "hulp", None),
    ("docs/", "handleidingen", "docs/index"),
)
MAX_DESCRIPTION = 300
#: Descriptions of pages Sphinx makes itself (no source file).
SPECIAL_DESCRIPTIONS = {
    "search": "Zoek op woorden in alle pagina's van de Wijkteam Kennisbank.",
    "genindex": "Index van de begrippen en onderwerpen van de Wijkteam Kennisbank.",
}


def section_of(docname: str, root_doc: str = "index") -> tuple[str, str | None]:
    """(section key, docname of the section's index page or None) of a page."""
    if docname == root_doc:
        return "start", None
    for prefix, key, index in SECTIONS:
        if docname == prefix or docname.startswith(prefix):
            return key, index
    return "overig", None


def description(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """Whole sentences of ``text`` up to ``limit`` characters (at least the first, cut at a word)."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    sentences = re.split(r"(?<=[.!?])\s+", text)
    out = ""
    for sentence in sentences:
        if len(out) + len(sentence) + 1 > limit:
            break
        out = f"{out} {sentence}".strip()
    if out:
        return out
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _first_paragraph(doctree: nodes.document | None) -> str:
    if doctree is None:
        return ""
    for para in doctree.findall(nodes.paragraph):
        if isinstance(para.parent, (nodes.section, nodes.document)):
            text = para.astext().strip()
            if text:
                return text
    return ""


def _page_description(app: Sphinx, pagename: str, doctree: nodes.document | None) -> str:
    if pagename in SPECIAL_DESCRIPTIONS:
        return SPECIAL_DESCRIPTIONS[pagename]
    page = getattr(app.env, "kb_pages", {}).get(pagename)
    if page and page.get("summary"):
        return description(page["summary"])
    return description(_first_paragraph(doctree))


def _title(app: Sphinx, docname: str) -> str:
    title = app.env.titles.get(docname)
    return title.astext() if title is not None else docname


def _section_nav(app: Sphinx, pagename: str, index: str | None, pathto: Any) -> dict[str, Any] | None:
    if index is None or index not in app.env.found_docs:
        return None
    children = [d for d in app.env.toctree_includes.get(index, []) if d in app.env.found_docs]
    if not children:
        return None
    return {"title": _title(app, index), "link": pathto(index), "current": pagename == index,
            "pages": [{"title": _title(app, d), "link": pathto(d), "current": d == pagename}
                      for d in children]}


def _neighbours(app: Sphinx, pagename: str, index: str | None, pathto: Any) -> tuple[dict | None, dict | None]:
    """Previous and next page inside the section: its index page first, then its pages."""
    if index is None:
        return None, None
    order = [index] + [d for d in app.env.toctree_includes.get(index, []) if d in app.env.found_docs]
    if pagename not in order:
        return None, None
    at = order.index(pagename)

    def link(docname: str) -> dict[str, str]:
        return {"title": _title(app, docname), "link": pathto(docname)}

    prev = link(order[at - 1]) if at > 0 else None
    nxt = link(order[at + 1]) if at + 1 < len(order) else None
    return prev, nxt


def on_html_page_context(app: Sphinx, pagename: str, templatename: str,
                         context: dict[str, Any], doctree: nodes.document | None) -> None:
    pathto = context["pathto"]
    root = app.config.root_doc
    key, index = section_of(pagename, root)
    prev, nxt = _neighbours(app, pagename, index, pathto)
    toc = context.get("toc", "")
    # Sphinx's local toc is the page title with its sections beneath; show only the sections.
    has_sections = doctree is not None and pagename != root and toc.count("<li>") > 1
    context.update(
        kb_description=_page_description(app, pagename, doctree),
        kb_actief=key,
        kb_soort=key,
        kb_menu=huisstijl.MENU,
        kb_kopzoek=pagename != root,
        kb_max_vraag=app.config.kb_max_query_chars,
        kb_sectienav=_section_nav(app, pagename, index, pathto),
        kb_vorige=prev,
        kb_volgende=nxt,
        kb_kruimels=([{"title": "Start", "link": pathto(root)}] + list(context.get("parents", []))
                     if pagename != root else []),
        kb_optoc=_inner_toc(toc) if has_sections else "",
    )


def _inner_toc(toc: str) -> str:
    """Sphinx's local toc without its outer item (the page title): the list of sections."""
    match = re.search(r"<ul>\s*<li>.*?(<ul>.*</ul>)\s*</li>\s*</ul>\s*$", toc, flags=re.S)
    return match.group(1) if match else ""


def setup_pagecontext(app: Sphinx) -> None:
    app.add_config_value("kb_max_query_chars", 500, "html", types=(int,))
    app.connect("html-page-context", on_html_page_context)
