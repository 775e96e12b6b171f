"""Passages of a loaded index, kept compact in memory: `PassageStore`.

A search server holds every passage in memory. As plain dicts that costs about 3.5 KB per
passage (the page's summary, citation and labels repeat in each passage; one curly quote
makes Python store a whole text at two bytes per character). Here each page's fields are
kept once, and each passage's own fields (id, url, anchor, section, text) as compact UTF-8
JSON, decoded when a passage is asked for: about 1.3 KB per passage. It behaves as a
read-only list of dicts (index, iterate, len); every access returns a fresh dict.
"""
from __future__ import annotations

import json
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

#: Fields that belong to the page and repeat in each of its passages.
PAGE_FIELDS = ("page_url", "title", "page_type", "page_type_label", "themes", "theme_labels",
               "laws", "law_labels", "sources", "summary", "citation")


def page_key(passage: dict) -> str:
    return passage.get("page_url") or passage["url"].split("#")[0]


class PassageStore(Sequence):
    """Read-only sequence of passage dicts with shared page fields."""

    def __init__(self, passages: Iterable[dict]) -> None:
        self._pages: list[dict] = []
        self._page_index: dict[str, int] = {}
        self._page_of = array("I")
        self._own: list[bytes] = []
        for passage in passages:
            key = page_key(passage)
            number = self._page_index.get(key)
            if number is None:
                number = self._page_index[key] = len(self._pages)
                self._pages.append({f: passage[f] for f in PAGE_FIELDS if f in passage})
            page = self._pages[number]
            own = {k: v for k, v in passage.items() if k not in page or page[k] != v}
            self._page_of.append(number)
            self._own.append(json.dumps(own, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))

    def __len__(self) -> int:
        return len(self._own)

    @overload
    def __getitem__(self, i: int) -> dict: ...
    @overload
    def __getitem__(self, i: slice) -> list[dict]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        own = json.loads(self._own[i])  # IndexError for a bad index, like a list
        return {**self._pages[self._page_of[i]], **own}

    def __iter__(self) -> Iterator[dict]:
        for i in range(len(self)):
            yield self[i]

    def page(self, i: int) -> dict:
        """The page fields of passage ``i`` without decoding its text (for facets). Do not modify."""
        return self._pages[self._page_of[i]]

    def pages(self) -> list[dict]:
        """Every page's fields once, in order of first appearance. Do not modify."""
        return self._pages
