"""The page model: typed front matter of every page under ``kb/``, validated.

Validation is a pure function of the page source and the vocabulary so it can be
tested without Sphinx; the Sphinx side only reports the problems it returns.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .problems import Problem
from .vocabulary import Vocabulary, load_yaml

CONTENT_TYPES = ("aanbeveling", "dilemma", "praktijkvoorbeeld")
FIELDS = {"type", "themes", "laws", "sources", "summary", "related", "theme", "source"}
MAX_SUMMARY = 400


@dataclass
class PageMeta:
    """Validated front matter of one page."""

    docname: str
    type: str
    summary: str
    themes: list[str] = field(default_factory=list)
    laws: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    theme: str | None = None
    source: str | None = None
    related_lines: dict[str, int] = field(default_factory=dict)


def split_front_matter(text: str) -> tuple[str | None, int]:
    """Return the YAML between the opening and closing ``---`` and the line it starts on."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None, 0
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), 2
    return "\n".join(lines[1:]), 2


def _key_lines(yaml_text: str, first_line: int) -> dict[str, int]:
    try:
        node = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + first_line for k, _ in node.value}


def _allowed(values: dict[str, Any]) -> str:
    return ", ".join(sorted(values)) or "(geen)"


def parse_page(text: str, path: str, docname: str, vocab: Vocabulary) -> tuple[PageMeta | None, list[Problem]]:
    """Validate the front matter of a ``kb/`` page; return its metadata or the problems."""
    yaml_text, first = split_front_matter(text)
    if yaml_text is None:
        return None, [Problem(path, "front matter ontbreekt: begin de pagina met '---', de velden en '---'", 1)]
    data, problems = load_yaml(yaml_text, path)
    if problems:
        return None, [Problem(p.path, p.message, (p.line or 0) + first - 1 if p.line else first) for p in problems]
    if not isinstance(data, dict):
        return None, [Problem(path, "front matter moet velden bevatten (sleutel: waarde)", first)]
    lines = _key_lines(yaml_text, first)
    problems = []

    def bad(name: str, message: str) -> None:
        problems.append(Problem(path, message, lines.get(name, first), name))

    for name in sorted(set(data) - FIELDS):
        bad(name, f"onbekend veld (toegestaan: {', '.join(sorted(FIELDS))})")

    page_type = data.get("type")
    if page_type is None:
        bad("type", f"verplicht veld ontbreekt (toegestaan: {_allowed(vocab.types)})")
    elif page_type not in vocab.types:
        bad("type", f"onbekend type '{page_type}' (toegestaan: {_allowed(vocab.types)})")

    summary = data.get("summary")
    if summary is None:
        bad("summary", "verplicht veld ontbreekt: één of twee zinnen over de pagina")
    elif not isinstance(summary, str) or not summary.strip():
        bad("summary", "moet een niet-lege tekst zijn")
    elif len(summary) > MAX_SUMMARY:
        bad("summary", f"te lang ({len(summary)} tekens, hoogstens {MAX_SUMMARY})")

    def str_list(name: str, allowed: dict[str, Any] | None, what: str) -> list[str]:
        value = data.get(name)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            bad(name, f"moet een lijst van {what} zijn, bijvoorbeeld [{next(iter(allowed or {'a': 0}))}]")
            return []
        if allowed is not None:
            for v in value:
                if v not in allowed:
                    bad(name, f"onbekende waarde '{v}' (toegestaan: {_allowed(allowed)})")
        if len(set(value)) != len(value):
            bad(name, "bevat een waarde dubbel")
        return [v for v in value if allowed is None or v in allowed]

    themes = str_list("themes", vocab.themes, "thema's")
    laws = str_list("laws", vocab.laws, "wetten")
    sources = str_list("sources", vocab.bibliography, "bronsleutels uit kb/_data/bibliografie.yaml")
    related = str_list("related", None, "paginalabels")

    if page_type in CONTENT_TYPES:
        if "themes" not in data:
            bad("themes", f"verplicht voor type '{page_type}' (toegestaan: {_allowed(vocab.themes)})")
        if "sources" not in data:
            bad("sources", f"verplicht voor type '{page_type}': sleutels uit kb/_data/bibliografie.yaml")
    theme = data.get("theme")
    if page_type == "thema":
        if theme not in vocab.themes:
            bad("theme", f"verplicht voor type 'thema', een van: {_allowed(vocab.themes)}")
    elif theme is not None:
        bad("theme", "alleen toegestaan bij type 'thema'")
    source = data.get("source")
    if page_type == "bron":
        if source not in vocab.bibliography:
            bad("source", "verplicht voor type 'bron': de sleutel van het brondocument in kb/_data/bibliografie.yaml")
    elif source is not None:
        bad("source", "alleen toegestaan bij type 'bron'")

    if problems:
        return None, problems
    return PageMeta(
        docname=docname, type=page_type, summary=summary.strip(), themes=themes, laws=laws,
        sources=sources, related=related, theme=theme, source=source,
        related_lines={r: lines.get("related", first) for r in related},
    ), []
