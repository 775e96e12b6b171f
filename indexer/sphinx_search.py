"""A port of Sphinx's built-in search (``searchtools.js``), for `kb eval`'s baseline.

The site ships Sphinx's own search page; the assistant has to beat it. This module reads
the site's ``searchindex.js`` and ranks exactly as ``searchtools.js`` of Sphinx 8/9 does:
Snowball-stemmed terms with the Dutch stop words, *every* term must occur in a page
(partial matches of terms longer than two letters count), scores 15 for a title match, 5
for a text match (7 / 2 partial), the page keeps its best term score; titles that contain
the whole question rank first. Ties are broken by title as the JavaScript does.

Sphinx returns pages (and section titles); a page result counts as answering when any
passage of that page answers, which favours the baseline, since a person would still
have to find the passage on the page.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from kbcore.errors import ContentError

# Scorer constants of searchtools.js
TITLE, PARTIAL_TITLE, TERM, PARTIAL_TERM = 15, 7, 5, 2
_SPLIT = re.compile(r"[^\w]+", re.UNICODE)


def read_search_index(site_dir: Path) -> dict:
    path = Path(site_dir) / "searchindex.js"
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ContentError(f"{path} ontbreekt; bouw eerst de site met `kb build`") from None
    start, end = text.find("("), text.rfind(")")
    try:
        return json.loads(text[start + 1:end])
    except ValueError as exc:
        raise ContentError(f"{path} is geen geldige Sphinx-zoekindex ({exc})") from None


class SphinxSearch:
    """Sphinx's search over one built site; `search` returns (docname, anchor, title, score)."""

    def __init__(self, site_dir: Path, language: str = "nl") -> None:
        from sphinx.search import languages

        self.index = read_search_index(site_dir)
        lang_class = languages[language]
        if isinstance(lang_class, str):  # "package.module.Class" in Sphinx 8/9
            import importlib

            module, _, name = lang_class.replace(":", ".").rpartition(".")
            lang_class = getattr(importlib.import_module(module), name)
        self.lang = lang_class(None)
        self.stopwords = set(self.lang.stopwords)
        if self.index.get("objects"):
            raise ContentError("de Sphinx-zoekindex bevat objecten; deze port ondersteunt alleen tekst en titels")

    def _parse(self, query: str) -> tuple[set[str], set[str]]:
        search, excluded = set(), set()
        for term in (t for t in _SPLIT.split(query.strip()) if t):
            lower = term.lower()
            if lower in self.stopwords or re.fullmatch(r"\d+", term):
                continue
            word = self.lang.stem(lower)
            if word.startswith("-"):
                excluded.add(word[1:])
            else:
                search.add(word)
        return search, excluded

    def search(self, query: str) -> list[tuple[str, str, str, int]]:
        """Results best first, as the search page lists them."""
        idx = self.index
        docnames, titles = idx["docnames"], idx["titles"]
        normal: list[tuple[str, str, str, int]] = []
        non_main: list[tuple[str, str, str, int]] = []
        query_lower = query.lower().strip()
        for title, found in idx.get("alltitles", {}).items():
            if query_lower in title.lower().strip() and len(query_lower) >= len(title) / 2:
                for file, anchor in found:
                    score = round(TITLE * len(query_lower) / len(title)) + (1 if titles[file] == title else 0)
                    shown = title if titles[file] == title else f"{titles[file]} > {title}"
                    normal.append((docnames[file], shown, f"#{anchor}" if anchor is not None else "", score))
        for entry, found in idx.get("indexentries", {}).items():
            if query_lower in entry and len(query_lower) >= len(entry) / 2:
                for file, anchor, is_main in found:
                    item = (docnames[file], titles[file], f"#{anchor}" if anchor else "",
                            round(100 * len(query_lower) / len(entry)))
                    (normal if is_main else non_main).append(item)
        search, excluded = self._parse(query)
        normal.extend(self._terms_search(search, excluded))
        key = _ScoreThenName
        results = sorted(non_main, key=key) + sorted(normal, key=key)
        seen, unique = set(), []
        for item in reversed(results):  # keep the highest-scoring duplicate
            sig = item[:3]
            if sig not in seen:
                seen.add(sig)
                unique.append(item)
        return unique  # already best first (the JS pops from the end of the reversed list)

    def _terms_search(self, search: set[str], excluded: set[str]) -> list[tuple[str, str, str, int]]:
        idx = self.index
        terms, title_terms = idx["terms"], idx["titleterms"]
        scores: dict[int, dict[str, int]] = {}
        files_of: dict[int, list[str]] = {}
        for word in search:
            records = [(terms.get(word), TERM), (title_terms.get(word), TITLE)]
            if len(word) > 2:
                if word not in terms:
                    records += [(files, PARTIAL_TERM) for t, files in terms.items() if word in t]
                if word not in title_terms:
                    records += [(files, PARTIAL_TITLE) for t, files in title_terms.items() if word in t]
            if all(files is None for files, _ in records):
                continue
            found = []
            for files, score in records:
                if files is None:
                    continue
                files = files if isinstance(files, list) else [files]
                found.extend(files)
                for f in files:
                    scores.setdefault(f, {})[word] = score  # the last record wins, as in the JS Map
            for f in found:
                words = files_of.setdefault(f, [])
                if word not in words:
                    words.append(word)
        required = len([t for t in search if len(t) > 2])
        results = []
        for f, words in files_of.items():
            if len(words) != len(search) and len(words) != required:
                continue
            if any(_contains(terms.get(t), f) or _contains(title_terms.get(t), f) for t in excluded):
                break  # sic: searchtools.js stops at the first excluded file
            results.append((idx["docnames"][f], idx["titles"][f], "", max(scores[f][w] for w in words)))
        return results


def _contains(files, f: int) -> bool:
    return files == f or (isinstance(files, list) and f in files)


class _ScoreThenName:
    """Sort key equal to searchtools.js's _orderResultsByScoreThenName (ascending; best last)."""

    def __init__(self, item: tuple[str, str, str, int]) -> None:
        self.score, self.title = item[3], item[1].lower()

    def __lt__(self, other: "_ScoreThenName") -> bool:
        if self.score != other.score:
            return self.score < other.score
        return self.title > other.title  # inverted on purpose, as in the JavaScript


def passages_for_results(results: list[tuple[str, str, str, int]], passages: list[dict]) -> list[list[dict]]:
    """Each Sphinx result as the passages it shows: one section, or every passage of the page."""
    by_page: dict[str, list[dict]] = {}
    by_anchor: dict[tuple[str, str], dict] = {}
    for p in passages:
        page = p.get("page_url") or p["url"].split("#")[0]
        by_page.setdefault(page, []).append(p)
        by_anchor[(page, p.get("anchor", ""))] = p
    out = []
    for docname, _title, anchor, _score in results:
        page = f"{docname}.html"
        if anchor and (page, anchor[1:]) in by_anchor:
            out.append([by_anchor[(page, anchor[1:])]])
        elif page in by_page:
            out.append(by_page[page])
    return out
