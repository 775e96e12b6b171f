"""Reading a search request from the URL: the question, ``k``, ``offset`` and the filters.

The API and the search page share these rules, so the same URL means the same search in
both. Every problem becomes a `BadQuery` with a Dutch message that says what to change;
messages never repeat the question itself (it may hold personal details).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlencode

from indexer.search import check_query
from kbcore.errors import BadQuery

from .facets import FACET_KEYS, Vocabulary

DEFAULT_K = 5
MAX_K = 50
#: The most results one search reaches over all its pages: the facets count these, so a
#: count never promises what "meer resultaten" cannot show.
MAX_RESULTS = 50
MAX_OFFSET = MAX_RESULTS - 1
_K_PATTERN = re.compile(r"[0-9]{1,3}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_MAX_SHOWN_VALUE = 40
_FILTER_WORDS = {"type": "soort pagina", "theme": "thema", "law": "wet"}


class MultiArgs(Protocol):
    """The part of werkzeug's ``request.args`` (a MultiDict) the parser uses."""

    def get(self, key: str) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: normalised question, results per page, where the page starts, filters.

    ``offset`` is the number of results skipped (0 for the first page); a search with an
    offset is the same question as the one without, asked again for its next results.
    """

    q: str
    k: int = DEFAULT_K
    filters: dict[str, list[str]] = field(default_factory=dict)
    offset: int = 0

    def url_params(self, **changes: object) -> str:
        """Query string of this search (shareable), optionally with changed parts.

        Other filters make other results: give ``offset=0`` with ``filters``.
        """
        q = changes.get("q", self.q)
        k = changes.get("k", self.k)
        filters = changes.get("filters", self.filters)
        offset = changes.get("offset", self.offset)
        pairs: list[tuple[str, str]] = [("q", str(q))]
        if k != DEFAULT_K:
            pairs.append(("k", str(k)))
        for key in FACET_KEYS:
            pairs.extend((key, v) for v in filters.get(key, []))  # type: ignore[union-attr]
        if offset:
            pairs.append(("offset", str(offset)))
        return urlencode(pairs)

    def toggled(self, key: str, value: str) -> str:
        """Query string with ``value`` added to or removed from filter ``key``."""
        filters = {k: list(v) for k, v in self.filters.items()}
        current = filters.setdefault(key, [])
        if value in current:
            current.remove(value)
        else:
            current.append(value)
        return self.url_params(filters={k: v for k, v in filters.items() if v}, offset=0)


def normalise_question(raw: str, max_chars: int) -> str:
    """The question from a URL: NUL refused, NFC, control characters out, then `check_query`."""
    if "\x00" in raw:
        raise BadQuery("de vraag bevat een ongeldig teken (NUL); typ de vraag opnieuw")
    return check_query(_CONTROL.sub(" ", unicodedata.normalize("NFC", raw)), max_chars)


def parse_k(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_K
    text = raw.strip()
    if not _K_PATTERN.fullmatch(text) or not 1 <= int(text) <= MAX_K:
        raise BadQuery(f"Ongeldige waarde voor k: gebruik een geheel getal van 1 tot en met {MAX_K}.")
    return int(text)


def parse_offset(raw: str | None) -> int:
    if raw is None:
        return 0
    text = raw.strip()
    if not _K_PATTERN.fullmatch(text) or int(text) > MAX_OFFSET:
        raise BadQuery(f"Ongeldige waarde voor offset: gebruik een geheel getal van 0 tot en met "
                       f"{MAX_OFFSET} (het aantal resultaten dat je overslaat; een zoekvraag "
                       f"bereikt er hoogstens {MAX_RESULTS}).")
    return int(text)


def parse_filters(args: MultiArgs) -> dict[str, list[str]]:
    """Filter values per facet from repeated (``type=a&type=b``) or comma-separated params."""
    filters: dict[str, list[str]] = {}
    for key in FACET_KEYS:
        values: list[str] = []
        for raw in args.getlist(key):
            for value in raw.split(","):
                value = value.strip()
                if value and value not in values:
                    values.append(value)
        if values:
            filters[key] = values
    return filters


def check_filters(filters: Mapping[str, list[str]], vocabulary: Vocabulary) -> None:
    """Raise BadQuery for a filter value that no passage in the index has."""
    for key, values in filters.items():
        known = vocabulary.labels.get(key, {})
        for value in values:
            if value not in known:
                shown = value if len(value) <= _MAX_SHOWN_VALUE else value[:_MAX_SHOWN_VALUE] + "…"
                choices = ", ".join(known) or "(geen)"
                raise BadQuery(f"Onbekende waarde voor {key} ({_FILTER_WORDS[key]}): '{shown}'. "
                               f"Kies uit: {choices}.")


def parse_search_request(args: MultiArgs, max_chars: int) -> SearchRequest:
    """Validate the URL parameters of a search; the filters are checked later, per index."""
    return SearchRequest(
        q=normalise_question(args.get("q") or "", max_chars),
        k=parse_k(args.get("k")),
        filters=parse_filters(args),
        offset=parse_offset(args.get("offset")),
    )
