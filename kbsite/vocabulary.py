"""The controlled vocabulary (types, themes, laws) and the bibliography, read from YAML.

Both live in ``kb/_data/``: one file each, so a theme or a study is added in one place.
YAML mapping keys must be unique: PyYAML silently keeps the last duplicate, which would
hide a clash between two editors' entries, so the loader below refuses duplicates.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem

VOCABULARY_FILE = "kb/_data/vocabulaire.yaml"
BIBLIOGRAPHY_FILE = "kb/_data/bibliografie.yaml"

BIB_FIELDS = {"authors", "year", "date", "title", "publisher", "kind", "url", "note", "found_in", "seed", "names"}
BIB_REQUIRED = {"authors", "year", "title"}


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that records duplicate mapping keys instead of overwriting silently."""

    duplicates: list[tuple[str, int]]


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            loader.duplicates.append((str(key), key_node.start_mark.line + 1))
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str, path: str) -> tuple[Any, list[Problem]]:
    """Parse YAML ``text``; return the data and problems (syntax errors, duplicate keys)."""
    loader = _UniqueKeyLoader(text)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        if "mapping values are not allowed" in reason:
            reason += " (staat er een ': ' in een waarde? zet de waarde dan tussen aanhalingstekens)"
        return None, [Problem(path, f"ongeldige YAML: {reason}", line)]
    finally:
        loader.dispose()
    problems = [Problem(path, f"sleutel '{key}' komt dubbel voor", line) for key, line in loader.duplicates]
    return data, problems


@dataclass
class Vocabulary:
    """Allowed values for front matter, with Dutch labels for display."""

    types: dict[str, dict[str, str]] = field(default_factory=dict)
    themes: dict[str, dict[str, str]] = field(default_factory=dict)
    laws: dict[str, dict[str, str]] = field(default_factory=dict)
    bibliography: dict[str, dict[str, Any]] = field(default_factory=dict)

    def type_label(self, key: str, plural: bool = False) -> str:
        entry = self.types.get(key, {})
        return entry.get("meervoud" if plural else "label", key)

    def theme_label(self, key: str) -> str:
        return self.themes.get(key, {}).get("label", key)

    def law_label(self, key: str) -> str:
        return self.laws.get(key, {}).get("label", key)


def _read(root: Path, rel: str) -> tuple[Any, list[Problem]]:
    path = root / rel
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(rel, "bestand ontbreekt")]
    except UnicodeDecodeError as exc:
        return None, [Problem(rel, f"geen geldige UTF-8 (byte {exc.start})")]
    return load_yaml(text, rel)


def _labelled(data: Any, section: str, rel: str) -> tuple[dict[str, dict[str, str]], list[Problem]]:
    if not isinstance(data, dict) or not isinstance(data.get(section), dict):
        return {}, [Problem(rel, f"'{section}' moet een mapping zijn van sleutel naar {{label: ...}}")]
    out: dict[str, dict[str, str]] = {}
    problems = []
    for key, entry in data[section].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str):
            problems.append(Problem(rel, f"'{section}.{key}' heeft geen label"))
            continue
        out[str(key)] = {k: str(v) for k, v in entry.items()}
    return out, problems


def _check_bib_entry(key: str, entry: Any, rel: str) -> list[Problem]:
    if not isinstance(entry, dict):
        return [Problem(rel, f"bron '{key}' moet een mapping zijn")]
    problems = []
    for name in sorted(set(entry) - BIB_FIELDS):
        problems.append(Problem(rel, f"bron '{key}': onbekend veld '{name}' (toegestaan: {', '.join(sorted(BIB_FIELDS))})"))
    for name in sorted(BIB_REQUIRED - set(entry)):
        problems.append(Problem(rel, f"bron '{key}': verplicht veld '{name}' ontbreekt"))
    authors = entry.get("authors")
    if "authors" in entry and (not isinstance(authors, list) or not authors or not all(isinstance(a, str) for a in authors)):
        problems.append(Problem(rel, f"bron '{key}': 'authors' moet een niet-lege lijst van namen zijn"))
    year = entry.get("year")
    if year is not None and not isinstance(year, int):
        problems.append(Problem(rel, f"bron '{key}': 'year' moet een jaartal of null zijn"))
    return problems


def load_vocabulary(root: Path) -> tuple[Vocabulary, list[Problem]]:
    """Read vocabulary and bibliography under ``root``; problems are returned, not raised."""
    problems: list[Problem] = []
    vocab = Vocabulary()
    data, found = _read(root, VOCABULARY_FILE)
    problems += found
    if data is not None:
        for section in ("types", "themes", "laws"):
            values, found = _labelled(data, section, VOCABULARY_FILE)
            setattr(vocab, section, values)
            problems += found
    bib, found = _read(root, BIBLIOGRAPHY_FILE)
    problems += found
    if bib is not None:
        if not isinstance(bib, dict):
            problems.append(Problem(BIBLIOGRAPHY_FILE, "de bibliografie moet een mapping van sleutel naar bron zijn"))
        else:
            for key, entry in bib.items():
                entry_problems = _check_bib_entry(str(key), entry, BIBLIOGRAPHY_FILE)
                problems += entry_problems
                if isinstance(entry, dict):
                    vocab.bibliography[str(key)] = entry
    return vocab, problems
