"""Passages for the search index, taken from the doctree Sphinx renders.

One passage per section that has an id in the HTML (so every hit links to
``page.html#anchor``), long sections split at paragraph boundaries, glossary entries
as passages of their own. Collected when a page is read (kept in the environment for
incremental builds) and written as ``passages.jsonl`` when the build finishes.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any, Iterator

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx

from . import apa
from .collect import is_kb_doc, vocabulary
from .listings import kb_listing
from .provenance import kb_evidence, kb_locator, kb_redactie, kb_verwijzingen

MAX_WORDS = 250
MIN_WORDS = 80
PASSAGE_TYPES_SKIPPED = {"overzicht"}
# Sections the extension adds (citation, "Zie ook", generated listings) are navigation, not content.
GENERATED_SECTIONS = {"kb-citeer", "kb-zie-ook", "kb-auto-listing"}
_SKIP = (nodes.comment, nodes.target, nodes.system_message, nodes.substitution_definition,
         nodes.title, nodes.raw, kb_listing, addnodes.glossary, nodes.image)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _block_text(node: nodes.Node) -> str:
    """Plain text of one block, keeping list items and table rows apart."""
    if isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
        return "\n".join("• " + _clean(item.astext()) for item in node.children)
    if isinstance(node, nodes.table):
        rows = []
        for row in node.findall(nodes.row):
            rows.append(" | ".join(_clean(entry.astext()) for entry in row.children))
        return "\n".join(rows)
    if isinstance(node, nodes.compound) and "toctree-wrapper" in node.get("classes", []):
        return ""
    return _clean(node.astext())


def _locators(node: nodes.Node) -> list[dict[str, str]]:
    """The locators in a block: study key, quote and the sentence they support (not in the text)."""
    return [{"key": loc["key"], "quote": loc["quote"], "sentence": loc.get("sentence", "")}
            for loc in node.findall(kb_locator) if loc.get("key")]


class Block:
    """One block of a section: its plain text, its locators, and whether the editors wrote it."""

    def __init__(self, text: str, locators: list[dict[str, str]], editorial: bool = False) -> None:
        self.text = text
        self.locators = locators
        self.editorial = editorial


def _own_blocks(section: nodes.Element, editorial: bool = False) -> list[Block]:
    blocks: list[Block] = []
    for child in section.children:
        if isinstance(child, (nodes.section,) + _SKIP):
            continue
        if isinstance(child, kb_redactie):
            blocks.extend(_own_blocks(child, editorial=True))
            continue
        if isinstance(child, kb_verwijzingen):
            blocks.extend(_own_blocks(child, editorial))
            continue
        if isinstance(child, kb_evidence):
            # The notes of the paragraph before: its locators, no text of their own.
            if blocks:
                blocks[-1].locators.extend(_locators(child))
            continue
        text = _block_text(child)
        if text:
            blocks.append(Block(text, _locators(child), editorial))
    return blocks


def _group(blocks: list[Any], text_of: Any, max_words: int = MAX_WORDS, min_words: int = MIN_WORDS) -> list[list[Any]]:
    """Group blocks into chunks of at most ``max_words``, never cutting inside a block."""
    chunks: list[list[Any]] = []
    current: list[Any] = []
    count = 0
    for block in blocks:
        words = len(text_of(block).split())
        if current and count + words > max_words and count >= min_words:
            chunks.append(current)
            current, count = [], 0
        current.append(block)
        count += words
    if current:
        last_words = sum(len(text_of(b).split()) for b in chunks[-1]) if chunks else 0
        if chunks and count < min_words // 2 and last_words + count <= max_words * 1.2:
            chunks[-1].extend(current)
        else:
            chunks.append(current)
    return chunks


def _sections(node: nodes.Element, path: list[str]) -> Iterator[tuple[nodes.section, list[str]]]:
    for child in node.children:
        if isinstance(child, nodes.section):
            title = _clean(child[0].astext()) if len(child) else ""
            yield child, path + [title]
            yield from _sections(child, path + [title])


def extract_passages(doctree: nodes.document, docname: str, page: dict[str, Any], page_uri: str,
                     labels: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Passages of one page; ``labels`` maps 'types'/'themes'/'laws' keys to display labels."""
    base = {
        "page_url": page_uri,
        "title": page.get("title", docname),
        "page_type": page["type"],
        "page_type_label": labels["types"].get(page["type"], page["type"]),
        "themes": list(page.get("themes") or ([page["theme"]] if page.get("theme") else [])),
        "laws": list(page.get("laws", [])),
        "sources": list(page.get("sources", [])),
        "summary": page.get("summary", ""),
        "citation": page.get("citation", ""),
    }
    base["theme_labels"] = [labels["themes"].get(t, t) for t in base["themes"]]
    base["law_labels"] = [labels["laws"].get(t, t) for t in base["laws"]]
    passages: list[dict[str, Any]] = []
    for section, path in _sections(doctree, []):
        if not section["ids"] or set(section.get("classes", [])) & GENERATED_SECTIONS:
            continue
        anchor = section["ids"][0]
        chunks = _group(_own_blocks(section), lambda b: b.text)
        for part, chunk in enumerate(chunks, start=1):
            passages.append({
                "id": f"{docname}#{anchor}" + (f"~{part}" if part > 1 else ""),
                "url": f"{page_uri}#{anchor}",
                "anchor": anchor,
                **base,
                "section": " › ".join(path),
                "section_path": path,
                "text": "\n\n".join(b.text for b in chunk),
                "locators": [loc for b in chunk for loc in b.locators],
                "editorial": [b.text for b in chunk if b.editorial],
                "navigation": "kb-verwijzingen" in section.get("classes", []),
            })
        for glossary in _own_glossaries(section):
            passages.extend(_glossary_passages(glossary, docname, page_uri, path, base))
    return passages


def _own_glossaries(section: nodes.Element) -> Iterator[nodes.Element]:
    """Glossaries in ``section`` itself, not in its subsections (those yield their own)."""
    for child in section.children:
        if isinstance(child, addnodes.glossary):
            yield child
        elif not isinstance(child, nodes.section) and isinstance(child, nodes.Element):
            yield from _own_glossaries(child)


def _glossary_passages(glossary: nodes.Element, docname: str, page_uri: str, path: list[str],
                       base: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for item in glossary.findall(nodes.definition_list_item):
        terms = [t for t in item.children if isinstance(t, nodes.term)]
        definition = next((d for d in item.children if isinstance(d, nodes.definition)), None)
        if not terms or definition is None or not terms[0]["ids"]:
            continue
        anchor = terms[0]["ids"][0]
        name = " / ".join(_clean(t.astext()) for t in terms)
        text = "\n\n".join(t for t in (_block_text(child) for child in definition.children) if t)
        out.append({
            "id": f"{docname}#{anchor}", "url": f"{page_uri}#{anchor}", "anchor": anchor, **base,
            "section": " › ".join(path + [name]), "section_path": path + [name],
            "text": f"{name}: {text}", "locators": _locators(definition), "editorial": [],
            "navigation": False,
        })
    return out


def page_citation(app: Sphinx, title: str, date_iso: str, page_uri: str) -> str:
    base = app.config.html_baseurl or ""
    if base and not base.endswith("/"):
        base += "/"
    return apa.plain(apa.page_citation_parts(title, dt.date.fromisoformat(date_iso), base + page_uri))


def _store(app: Sphinx) -> Path:
    return Path(app.doctreedir) / "kb_passages"


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Collect a page's passages once its references are resolved (so links read as titles).

    Runs before the listings and citation blocks are filled in. The passages are kept
    beside the doctrees, one JSON file per page, so an incremental build that rewrites
    only changed pages still writes every page's passages at the end.
    """
    env = app.env
    target = _store(app) / f"{docname}.json"
    target.unlink(missing_ok=True)
    page = env.kb_pages.get(docname) if is_kb_doc(docname) else None  # type: ignore[attr-defined]
    if page is None or page["type"] in PASSAGE_TYPES_SKIPPED:
        return
    page_uri = app.builder.get_target_uri(docname)
    page = {**page, "citation": page_citation(app, page.get("title", docname), page["date"], page_uri)}
    vocab = vocabulary(app)
    labels = {
        "types": {k: v["label"] for k, v in vocab.types.items()},
        "themes": {k: v["label"] for k, v in vocab.themes.items()},
        "laws": {k: v["label"] for k, v in vocab.laws.items()},
    }
    found = extract_passages(doctree, docname, page, page_uri, labels)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")


def write_passages(app: Sphinx, exception: Exception | None) -> None:
    """Write ``passages.jsonl`` into the output directory, atomically."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "passages.jsonl"
    tmp = target.with_suffix(".jsonl.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for docname in sorted(app.env.found_docs):
            stored = _store(app) / f"{docname}.json"
            if docname not in app.env.kb_pages or not stored.is_file():  # type: ignore[attr-defined]
                continue
            for passage in json.loads(stored.read_text(encoding="utf-8")):
                fh.write(json.dumps(passage, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
