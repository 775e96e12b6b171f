"""Facets: the types, themes and laws a search can be narrowed by, with their counts.

The known values and their Dutch labels come from the loaded index itself (the passages
carry ``page_type_label``, ``theme_labels`` and ``law_labels``), so the app never reads
the source vocabulary and a filter value is valid exactly when some passage has it.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: Facet keys, as in the URL and in the Searcher's filters.
FACET_KEYS: tuple[str, ...] = ("type", "theme", "law")
FACET_TITLES: dict[str, str] = {"type": "Soort pagina", "theme": "Thema", "law": "Wet"}


def passage_values(passage: Mapping[str, Any], key: str) -> list[tuple[str, str]]:
    """(value, label) pairs of one passage for facet ``key``."""
    if key == "type":
        value = passage.get("page_type")
        return [(value, passage.get("page_type_label") or value)] if value else []
    values = passage.get("themes" if key == "theme" else "laws") or []
    labels = passage.get("theme_labels" if key == "theme" else "law_labels") or []
    return [(v, labels[i] if i < len(labels) else v) for i, v in enumerate(values)]


@dataclass(frozen=True)
class Vocabulary:
    """Every facet value present in an index, with its label, in a stable order."""

    labels: dict[str, dict[str, str]]  # facet key -> value -> label
    theme_pages: tuple[tuple[str, str], ...]  # (page_url, title) of the theme pages

    @classmethod
    def from_passages(cls, passages: Iterable[Mapping[str, Any]]) -> "Vocabulary":
        labels: dict[str, dict[str, str]] = {key: {} for key in FACET_KEYS}
        theme_pages: dict[str, str] = {}
        for passage in passages:
            for key in FACET_KEYS:
                for value, label in passage_values(passage, key):
                    labels[key].setdefault(value, label)
            if passage.get("page_type") == "thema" and passage.get("page_url"):
                theme_pages.setdefault(passage["page_url"], passage.get("title", ""))
        ordered = {key: dict(sorted(vals.items(), key=lambda kv: kv[1].lower()))
                   for key, vals in labels.items()}
        pages = tuple(sorted(theme_pages.items(), key=lambda kv: kv[1].lower()))
        return cls(labels=ordered, theme_pages=pages)

    def label(self, key: str, value: str) -> str:
        return self.labels.get(key, {}).get(value, value)


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, "count": self.count,
                "selected": self.selected}


def count_facets(passages: Iterable[Mapping[str, Any]], vocabulary: Vocabulary,
                 selected: Mapping[str, list[str]]) -> dict[str, list[FacetValue]]:
    """Counts per facet value over ``passages``; selected values always appear.

    Values are sorted by count (highest first), then by label, so the most useful
    narrowing comes first.
    """
    counters: dict[str, Counter[str]] = {key: Counter() for key in FACET_KEYS}
    for passage in passages:
        for key in FACET_KEYS:
            for value, _label in passage_values(passage, key):
                counters[key][value] += 1
    facets: dict[str, list[FacetValue]] = {}
    for key, counter in counters.items():
        chosen = set(selected.get(key, ()))
        values = set(counter) | chosen
        items = [FacetValue(v, vocabulary.label(key, v), counter.get(v, 0), v in chosen)
                 for v in values]
        items.sort(key=lambda f: (-f.count, f.label.lower()))
        facets[key] = items
    return facets
