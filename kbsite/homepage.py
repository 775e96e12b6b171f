"""``{kb-vraagvak}``: the big question box of the home page, with example questions.

The directive's content is the list of example questions, one per line, so editors choose
them in ``index.md``. Each example is a link that asks that question, so it works without
JavaScript. The form sends the question to the search assistant (``/zoeken``); other
builders than HTML leave the box out.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from docutils import nodes
from markupsafe import escape
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

MAX_EXAMPLES = 6


class kb_vraagvak(nodes.General, nodes.Element):
    """The question box; ``examples`` holds the example questions."""


class KbVraagvak(SphinxDirective):
    has_content = True

    def run(self) -> list[nodes.Node]:
        examples = [line.strip() for line in self.content if line.strip()]
        if len(examples) > MAX_EXAMPLES:
            raise self.error(f"kb-vraagvak: hoogstens {MAX_EXAMPLES} voorbeeldvragen (nu {len(examples)})")
        return [kb_vraagvak(examples=examples)]


def search_url(docname: str) -> str:
    """Path of the search page relative to the page ``docname`` (the site is served at /)."""
    return "../" * docname.count("/") + "zoeken"


def vraagvak_html(docname: str, examples: list[str], max_chars: int) -> str:
    action = search_url(docname)
    html = ['<section class="kb-vraagvak" aria-labelledby="kb-vraagvak-kop">',
            '<h2 id="kb-vraagvak-kop">Stel je vraag</h2>',
            f'<form method="get" action="{escape(action)}" role="search" aria-label="Vraag aan de kennisbank">',
            '<label for="kb-vraag-groot">Typ je vraag in gewone woorden</label>',
            '<div class="kb-zoekregel">',
            f'<input type="search" id="kb-vraag-groot" name="q" maxlength="{max_chars}" '
            'autocomplete="off" required aria-describedby="kb-vraag-uitleg">',
            '<button type="submit">Zoeken</button>',
            '</div>',
            '<p id="kb-vraag-uitleg" class="kb-uitleg">Het antwoord bestaat uit zinnen uit de kennisbank, '
            'elk met een link naar de passage waar het staat. Laat namen en andere gegevens van cliënten '
            'weg uit je vraag.</p>',
            '</form>']
    if examples:
        html.append('<p class="kb-voorbeelden-kop" id="kb-voorbeelden-kop">Of kies een voorbeeldvraag:</p>')
        html.append('<ul class="kb-voorbeelden" aria-labelledby="kb-voorbeelden-kop">')
        for question in examples:
            html.append(f'<li><a href="{escape(action)}?q={escape(quote_plus(question))}">{escape(question)}</a></li>')
        html.append("</ul>")
    html.append("</section>\n")
    return "".join(html)


def visit_vraagvak_html(translator: Any, node: kb_vraagvak) -> None:
    builder = translator.builder
    translator.body.append(vraagvak_html(builder.current_docname, node["examples"],
                                         builder.config.kb_max_query_chars))
    raise nodes.SkipNode


def _skip(translator: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def setup_homepage(app: Sphinx) -> None:
    others = {b: (_skip, None) for b in ("latex", "text", "man", "texinfo", "xml")}
    app.add_node(kb_vraagvak, html=(visit_vraagvak_html, None), **others)
    app.add_directive("kb-vraagvak", KbVraagvak)
