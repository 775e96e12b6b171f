"""The one look of the site and the search page: header, footer, colours, type, favicon.

The static site (Sphinx, ``kbsite``) and the search page (Flask, ``search_app``) both take
their header and footer from ``templates/`` and their base styles from ``static/``, so a
professional moving between a page and ``/zoeken`` sees one site. Both partials ask the
page that includes them for the same few names:

``kb_href(docname)``
    URL of a page of the site (``"kb/themas/index"``), relative in Sphinx, absolute in Flask.
``kb_static(filename)``
    URL of a file in ``static/``.
``kb_zoek_url``
    URL of the search page.
``kb_actief``
    Key of the section the page belongs to (marks the menu item), or ``""``.
``kb_kopzoek``
    Whether the header shows the question box (not where the page has a bigger one).
``kb_max_vraag``
    Longest question accepted, in characters.
"""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

#: The professionals' menu: (section key, label, docname of the section's first page).
MENU: tuple[tuple[str, str, str], ...] = (
    ("themas", "Thema's", "kb/themas/index"),
    ("aanbevelingen", "Aanbevelingen", "kb/aanbevelingen/index"),
    ("dilemmas", "Dilemma's", "kb/dilemmas/index"),
    ("praktijkvoorbeelden", "Praktijkvoorbeelden", "kb/praktijkvoorbeelden/index"),
    ("wetten", "Per wet", "kb/wetten/index"),
    ("feiten", "Feiten en cijfers", "kb/feiten"),
    ("begrippen", "Begrippen", "kb/begrippen"),
    ("bronnen", "Bronnen", "kb/bronnen/index"),
)

__all__ = ["HERE", "MENU", "STATIC", "TEMPLATES"]
