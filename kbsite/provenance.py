"""Provenance in the page model: source locators, the editors' own text, and the check of both.

A finding on a page carries a locator, written at the end of the sentence it supports::

    ... maakt professionals soms afwachtend {bron}`kluft-2016: Wie vergoedt mijn uren?`.

The key names a study in the bibliography; the words after the colon are the source's own,
checked against the source text the study is read in (its ``seed``, or the ``seed`` of a
document listed under ``found_in`` for a study known only through another). The editors' own
explanation and advice goes into a ``{redactie}`` block, shown as "Toelichting van de redactie".

When a page is read, every locator is checked and every sentence that cites a study is
looked for a locator in its paragraph (or list item, or glossary definition). The sections
"De vraag zoals professionals die stellen" and "Hoe pak je … aan?" need a locator or the
editors' mark on every paragraph. Problems are reported one line each (see problems.py);
at the end of the build ``provenance.json`` lists every quote and every unsourced sentence.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst.states import Inliner
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from .claims import CitationFinder, split_sentences
from .collect import is_kb_doc, vocabulary
from .problems import Problem, report
from .seeds import SeedLibrary, quote_words

logger = logging.getLogger("kbsite")

MAX_QUOTE_WORDS = 30
ROLE_SYNTAX = "schrijf {bron}`sleutel: letterlijke woorden uit de bron`"
#: Sections where every paragraph or step needs a locator or the editors' mark.
EVERY_PARAGRAPH_SECTIONS = re.compile(r"^(De vraag zoals professionals die stellen|Hoe pakt? )")
EDITORIAL_LABEL = "Toelichting van de redactie"


class kb_locator(nodes.Inline, nodes.Element):
    """A source locator: attributes ``key``, ``quote`` and, once checked, ``seed``/``heading``.

    It has no text children, so the quote never becomes part of the paragraph's text (nor of
    the passages for search); the note showing it is rendered after the paragraph.
    """


class kb_locator_ref(nodes.Inline, nodes.Element):
    """Where a locator stood in its sentence: a small number linking to its note (no text)."""


class kb_evidence(nodes.General, nodes.Element):
    """The notes for the locators of one paragraph, placed right after it."""


class kb_redactie(nodes.General, nodes.Element):
    """The editors' own explanation or advice: no finding of a study, and marked as such."""


class kb_verwijzingen(nodes.General, nodes.Element):
    """Links to other pages ("Verder lezen", "Welke dilemma's …"): navigation, not content.

    Its section gets the class ``kb-verwijzingen``; passages of such a section are marked
    ``navigation`` so the search app does not quote them as an answer.
    """


# --- reading ---------------------------------------------------------------------------------

def bron_role(name: str, rawtext: str, text: str, lineno: int, inliner: Inliner,
              options: dict[str, Any] | None = None, content: list[str] | None = None
              ) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``{bron}`key: quote``` -> a kb_locator node; a malformed one is reported when checked."""
    key, sep, quote = text.partition(":")
    node = kb_locator(rawtext, key=key.strip(), quote=re.sub(r"\s+", " ", quote).strip(),
                      malformed=not sep)
    node.line = lineno
    node.source = inliner.document.current_source if inliner is not None else None
    return [node], []


class RedactieDirective(SphinxDirective):
    """``:::{redactie}`` … ``:::``: a block of the editors' own text."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        node = kb_redactie()
        self.set_source_info(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


class VerwijzingenDirective(SphinxDirective):
    """``:::{verwijzingen}`` … ``:::`` around the links of a cross-reference section."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        node = kb_verwijzingen()
        self.set_source_info(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def mark_navigation_sections(doctree: nodes.document) -> None:
    """Give the section around a {verwijzingen} block the class ``kb-verwijzingen``."""
    for block in doctree.findall(kb_verwijzingen):
        section = block.parent
        while section is not None and not isinstance(section, nodes.section):
            section = section.parent
        if section is not None and "kb-verwijzingen" not in section["classes"]:
            section["classes"].append("kb-verwijzingen")


def seed_library(app: Sphinx) -> SeedLibrary:
    env = app.env
    lib = getattr(env, "kb_seed_library", None)
    wanted = Path(app.srcdir, app.config.kb_seeds_dir).resolve()
    if lib is None or lib.directory != wanted:
        lib = SeedLibrary(wanted)
        env.kb_seed_library = lib  # type: ignore[attr-defined]
    return lib


def _unit(node: nodes.Node) -> nodes.Element:
    """The paragraph-like unit a node belongs to: list item, glossary definition, table cell or paragraph."""
    current = node.parent
    paragraph = None
    while current is not None and not isinstance(current, (nodes.section, nodes.document)):
        if isinstance(current, (nodes.list_item, nodes.definition, nodes.entry, nodes.field_body)):
            return current
        if isinstance(current, nodes.paragraph) and paragraph is None:
            paragraph = current
        current = current.parent
    return paragraph if paragraph is not None else node.parent


def _inside(node: nodes.Node, cls: type) -> bool:
    current = node.parent
    while current is not None:
        if isinstance(current, cls):
            return True
        current = current.parent
    return False


def _section_title(node: nodes.Node) -> str:
    current = node.parent
    while current is not None and not isinstance(current, nodes.section):
        current = current.parent
    if current is None or not len(current) or not isinstance(current[0], nodes.title):
        return ""
    return current[0].astext()


def _sentence_before(locator: kb_locator) -> str:
    """The sentence a locator stands after: the last one of its paragraph's text before it."""
    paragraph = locator.parent
    text = []
    for child in paragraph.children:
        if child is locator:
            break
        if not isinstance(child, kb_locator):
            text.append(child.astext())
    sentences = split_sentences("".join(text))
    return sentences[-1] if sentences else ""


def _seed_names(key: str, bibliography: dict[str, dict[str, Any]]) -> list[str]:
    """The source texts a study is read in: its own seed, else the seeds of the documents citing it."""
    entry = bibliography.get(key) or {}
    if entry.get("seed"):
        return [str(entry["seed"])]
    names = []
    for other in entry.get("found_in") or []:
        seed = (bibliography.get(other) or {}).get("seed")
        if seed:
            names.append(str(seed))
    return names


def _check_locator(app: Sphinx, locator: kb_locator, path: str, line: int | None) -> Problem | None:
    """Check one locator against the bibliography and its source text; set seed/heading on it."""
    bibliography = vocabulary(app).bibliography
    key, quote = locator["key"], locator["quote"]
    if locator.get("malformed") or not key:
        return Problem(path, f"{{bron}} zonder bronsleutel: {ROLE_SYNTAX}", line, "bron")
    if key not in bibliography:
        some = ", ".join(sorted(bibliography)[:4])
        return Problem(path, f"onbekende bronsleutel '{key}' (toegestaan: de sleutels in "
                             f"kb/_data/bibliografie.yaml, zoals {some})", line, "bron")
    if not quote:
        return Problem(path, f"{{bron}} '{key}' zonder citaat: {ROLE_SYNTAX}", line, "bron")
    words = quote_words(quote)
    if words > MAX_QUOTE_WORDS:
        return Problem(path, f"citaat van {words} woorden bij '{key}' (hoogstens {MAX_QUOTE_WORDS}): kies het "
                             f"kortste stuk dat de bewering draagt: \"{quote}\"", line, "bron")
    seeds = _seed_names(key, bibliography)
    if not seeds:
        return Problem(path, f"bron '{key}' heeft geen brontekst om het citaat in te controleren: geef in "
                             f"kb/_data/bibliografie.yaml 'seed' (de tekst in de bronnenmap) of 'found_in' "
                             f"(een bron met een 'seed' die deze studie aanhaalt)", line, "bron")
    library = seed_library(app)
    if not library.present:
        locator["verified"] = False
        return None
    for name in seeds:
        text = library.get(name)
        if text is None:
            continue
        match = text.find(quote)
        if match is not None:
            locator["verified"] = True
            locator["seed"] = match.seed
            locator["seed_line"] = match.line
            locator["heading"] = match.heading or ""
            return None
    missing = [name for name in seeds if library.get(name) is None]
    if missing and len(missing) == len(seeds):
        return Problem(path, f"brontekst '{missing[0]}' van '{key}' ontbreekt in {library.directory}", line, "bron")
    return Problem(path, f"citaat bij '{key}' niet gevonden in {' of '.join(seeds)}: \"{quote}\" (neem de woorden "
                         f"letterlijk over; '…' voor weggelaten woorden)", line, "bron")


def _line(node: nodes.Node, fallback: int | None) -> int | None:
    line = getattr(node, "line", None)
    if line:
        return line
    current = node.parent
    while current is not None:
        if getattr(current, "line", None):
            return current.line
        current = current.parent
    return fallback


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """Check locators and citing sentences of a kb page; move each paragraph's notes after it."""
    env = app.env
    docname = env.docname
    if not is_kb_doc(docname):
        return
    path = str(env.doc2path(docname, False))
    record = env.kb_pages.get(docname)  # type: ignore[attr-defined]
    strict = app.config.kb_provenance_strict
    finder = CitationFinder(vocabulary(app).bibliography)
    quotes: list[dict[str, Any]] = []
    unsourced: list[dict[str, Any]] = []
    unmarked: list[dict[str, Any]] = []

    for locator in list(doctree.findall(kb_locator)):
        line = _line(locator, None)
        problem = _check_locator(app, locator, path, line)
        if problem is not None:
            report(problem)
            continue
        locator["sentence"] = _sentence_before(locator) if isinstance(locator.parent, nodes.paragraph) else ""
        quotes.append({"page": path, "line": line, "key": locator["key"], "seed": locator.get("seed"),
                       "quote": locator["quote"], "verified": bool(locator.get("verified")),
                       "heading": locator.get("heading") or None, "sentence": locator["sentence"]})

    units: dict[int, tuple[nodes.Element, list[nodes.paragraph]]] = {}
    for paragraph in doctree.findall(nodes.paragraph):
        if _inside(paragraph, kb_redactie):
            for sentence, citations in finder.citing_sentences(paragraph.astext()):
                report(Problem(path, f"toelichting van de redactie noemt een studie ({citations[0].text}): "
                                     f"zet de bevinding met een {{bron}} buiten het {{redactie}}-blok",
                               _line(paragraph, None), "redactie"))
            continue
        unit = _unit(paragraph.children[0] if paragraph.children else paragraph)
        units.setdefault(id(unit), (unit, []))[1].append(paragraph)

    for unit, paragraphs in units.values():
        has_locator = any(True for _ in unit.findall(kb_locator))
        if has_locator:
            continue
        line = _line(paragraphs[0], None)
        for paragraph in paragraphs:
            for sentence, citations in finder.citing_sentences(paragraph.astext()):
                entry = {"page": path, "line": _line(paragraph, line), "text": sentence,
                         "cites": [c.text for c in citations]}
                unsourced.append(entry)
                if strict:
                    report(Problem(path, f"zin noemt een studie ({citations[0].text}) maar de alinea heeft geen "
                                         f"{{bron}}: \"{sentence[:120]}\" ({ROLE_SYNTAX}, of zet eigen tekst in "
                                         f"een {{redactie}}-blok zonder bronvermelding)", entry["line"], "bron"))
        title = _section_title(paragraphs[0])
        if EVERY_PARAGRAPH_SECTIONS.match(title) and not any(u["line"] == line for u in unsourced):
            text = " ".join(p.astext() for p in paragraphs)
            unmarked.append({"page": path, "line": line, "text": text[:200], "section": title})
            if strict:
                report(Problem(path, f"in '{title}' heeft elke alinea of stap een {{bron}} nodig, of hoort in een "
                                     f"{{redactie}}-blok: \"{text[:100]}\"", line, "bron"))

    _move_notes(doctree)
    mark_navigation_sections(doctree)
    if record is not None:
        record["locators"] = quotes
        record["unsourced"] = unsourced
        record["unmarked"] = unmarked


def _move_notes(doctree: nodes.document) -> None:
    """Put the locators of each paragraph into one kb_evidence node right after it.

    In the sentence a locator leaves a numbered reference to its note (``kb_locator_ref``),
    so a reader sees which sentence a note belongs to; it has no text of its own, so the
    passages for search read the sentence as written.
    """
    number = 0
    for paragraph in list(doctree.findall(nodes.paragraph)):
        found = [child for child in paragraph.children if isinstance(child, kb_locator)]
        if not found or paragraph.parent is None:
            continue
        for locator in found:
            number += 1
            locator["number"] = number
            _replace_locator(paragraph, locator, kb_locator_ref(number=number))
        evidence = kb_evidence()
        evidence.extend(found)
        parent = paragraph.parent
        parent.insert(parent.index(paragraph) + 1, evidence)


def _replace_locator(paragraph: nodes.paragraph, locator: kb_locator, ref: nodes.Node) -> None:
    """Put ``ref`` where the locator stood, right after the word before it ("afwachtend¹.").

    Children are found by identity: Text nodes compare as strings, so ``paragraph.replace`` of a
    line break before the locator would replace the paragraph's first line break instead
    (and join "in de" and "inventarisatie" far from the locator).
    """
    index = next(i for i, child in enumerate(paragraph.children) if child is locator)
    before = paragraph[index - 1] if index > 0 else None
    paragraph[index] = ref
    if isinstance(before, nodes.Text) and before.endswith((" ", "\n")):
        after = paragraph[index + 1] if index + 1 < len(paragraph) else None
        if after is None or (isinstance(after, nodes.Text) and (after[:1] in {".", ",", ";", ":", "!", "?", ")"}
                                                               or after[:1].isspace())):
            paragraph[index - 1] = nodes.Text(before.rstrip())


def on_env_get_outdated(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str],
                        removed: set[str]) -> list[str]:
    """Check every page again when a source text or the strictness changed."""
    state = (seed_library(app).fingerprint(), bool(app.config.kb_provenance_strict))
    previous = getattr(env, "kb_provenance_state", None)
    env.kb_provenance_state = state  # type: ignore[attr-defined]
    if previous is not None and previous != state:
        return sorted(d for d in env.found_docs if is_kb_doc(d) and d not in added | changed)
    return []


def provenance_file(app: Sphinx) -> Path:
    """``provenance.json`` beside the output directory (``_build/provenance.json`` for ``_build/html``)."""
    return Path(app.outdir).parent / "provenance.json"


def write_report(app: Sphinx, exception: Exception | None) -> None:
    """Write ``provenance.json``: every quote, every unsourced sentence, and the counts."""
    if exception is not None or app.builder.format != "html":
        return
    quotes: list[dict[str, Any]] = []
    unsourced: list[dict[str, Any]] = []
    unmarked: list[dict[str, Any]] = []
    for docname in sorted(app.env.kb_pages):  # type: ignore[attr-defined]
        record = app.env.kb_pages[docname]  # type: ignore[attr-defined]
        quotes += record.get("locators", [])
        unsourced += record.get("unsourced", [])
        unmarked += record.get("unmarked", [])
    library = seed_library(app)
    report_data = {
        "seeds_dir": str(library.directory),
        "seeds_present": library.present,
        "counts": {"quotes": len(quotes), "verified": sum(1 for q in quotes if q["verified"]),
                   "unsourced": len(unsourced), "unmarked": len(unmarked)},
        "quotes": quotes,
        "unsourced": unsourced,
        "unmarked": unmarked,
    }
    target = provenance_file(app)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(report_data, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)


def setup_provenance(app: Sphinx) -> None:
    from . import evidence_html

    app.add_config_value("kb_seeds_dir", "../shared/seeds", "env", [str])
    app.add_config_value("kb_provenance_strict", True, "env", [bool])
    app.add_role("bron", bron_role)
    app.add_directive("redactie", RedactieDirective)
    app.add_directive("verwijzingen", VerwijzingenDirective)
    evidence_html.add_nodes(app)
    # After the page record and labels exist (collect: 510), before the listing placeholder.
    app.connect("doctree-read", on_doctree_read, priority=520)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.connect("build-finished", write_report)
