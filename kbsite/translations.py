"""Sphinx's Dutch strings without ``new Function``: our catalogue and a CSP-safe translations.js.

Sphinx ships the messages for its scripts as ``_static/translations.js``, which calls
``Documentation.addTranslations``; that function compiles the catalogue's plural rule with
``new Function(...)``, which the site's Content-Security-Policy (no ``unsafe-eval``) rightly
blocks, so the Dutch strings never load and the page throws. The rule is known when the site
is built, so after Sphinx has copied its file we write our own: the same messages (with our
corrections from ``locale/nl/LC_MESSAGES/sphinx.po``) and the plural rule as a plain arrow
function in the file itself. Nothing is evaluated from a string at run time.

The same ``sphinx.po`` is a catalogue Sphinx reads itself (``locale_dirs`` in conf.py), for
strings it writes into pages from Python, such as the title of a heading's link.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from babel.messages.pofile import read_po
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).parent / "locale"
#: A gettext plural rule is C arithmetic on n; anything else is not written into a script.
_PLURAL_RULE = re.compile(r"^[\sn0-9()!=<>&|?:%+\-*/]+$")
_FALLBACK_RULE = "n != 1"


def sphinx_messages(js_file: Path) -> tuple[dict[str, object], str, str]:
    """Messages, plural rule and locale of one of Sphinx's ``sphinx.js`` catalogues."""
    text = js_file.read_text(encoding="utf-8")
    catalog = json.loads(text[text.index("(") + 1:text.rindex(")")])
    return dict(catalog.get("messages", {})), catalog.get("plural_expr", _FALLBACK_RULE), catalog.get("locale", "")


def our_messages(language: str) -> dict[str, object]:
    """Our corrections: msgid -> Dutch text, or [singular, plural] for plural messages."""
    po_file = LOCALE_DIR / language / "LC_MESSAGES" / "sphinx.po"
    if not po_file.is_file():
        return {}
    with po_file.open("rb") as f:
        catalog = read_po(f, locale=language)
    out: dict[str, object] = {}
    for message in catalog:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            out[message.id[0]] = list(message.string)
        else:
            out[message.id] = message.string
    return out


def plural_function(rule: str) -> str:
    """The plural rule as a JavaScript arrow function returning the form's index."""
    rule = rule.strip().rstrip(";")
    if not _PLURAL_RULE.match(rule):
        logger.warning("meervoudsregel %r van de Sphinx-catalogus niet herkend; 'n != 1' gebruikt", rule)
        rule = _FALLBACK_RULE
    return f"(n) => Number({rule})"


def translations_script(messages: dict[str, object], rule: str, locale: str) -> str:
    # An empty translation would print nothing: leave those out, so Sphinx shows its own text.
    kept = {k: v for k, v in sorted(messages.items())
            if v and not (isinstance(v, list) and not all(v))}
    body = json.dumps(kept, ensure_ascii=False, indent=2)
    return ("// Sphinx's translations for its scripts, written by kbsite/translations.py at build time.\n"
            "// The plural rule is a plain function here: Sphinx's own file has it compiled from a\n"
            "// string at run time, which the Content-Security-Policy blocks.\n"
            "(() => {\n"
            f"  Object.assign(Documentation.TRANSLATIONS, {body});\n"
            f"  Documentation.PLURAL_EXPR = {plural_function(rule)};\n"
            f"  Documentation.LOCALE = {json.dumps(locale)};\n"
            "})();\n")


def write_translations(app: Sphinx, exception: Exception | None) -> None:
    """Replace Sphinx's ``_static/translations.js`` (copied during the build) with ours."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "translations.js"
    source = app.builder._get_translations_js() if hasattr(app.builder, "_get_translations_js") else None
    if source is None or not target.exists():
        return
    messages, rule, locale = sphinx_messages(Path(source))
    messages.update(our_messages(app.config.language))
    target.write_text(translations_script(messages, rule, locale or app.config.language), encoding="utf-8")


def setup_translations(app: Sphinx) -> None:
    app.connect("build-finished", write_translations)
