"""One search, as both the API and the search page show it.

`run_search` asks the searcher once for a pool of the best passages (enough to count
facets on), keeps the first ``k`` as results, adds a highlighted snippet to each and
composes the answer. The JSON of a result is `indexer.search.hit_to_json` (the same
objects `kb ask --json` prints) plus ``snippet_html``.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from indexer.search import hit_to_json
from kbcore.settings import Settings

from .answer import Sentence, compose_answer
from .facets import FacetValue, count_facets
from .highlight import Snippet, make_snippet
from .query import SearchRequest, check_filters
from .sentence_links import sentence_link
from .service import IndexSnapshot

log = logging.getLogger(__name__)

#: Facet counts are taken over this many best passages (after the filters).
FACET_POOL = 50


@dataclass(frozen=True)
class ResultItem:
    number: int  # 1-based; the citation number in the answer
    passage: dict[str, Any]
    snippet: Snippet
    data: dict[str, Any]  # the API object


@dataclass(frozen=True)
class SearchOutcome:
    request: SearchRequest
    found: bool
    sentences: list[Sentence]
    results: list[ResultItem]
    facets: dict[str, list[FacetValue]]
    best_score: float = 0.0  # of the best passage, also below the threshold (for insights)

    def sentence_link(self, sentence: Sentence) -> str:
        """Link (relative to the site) to ``sentence`` on the page it was quoted from, marked."""
        return sentence_link(self.results[sentence.result - 1].passage.get("url", ""), sentence.text)

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.request.q,
            "answer": {"found": self.found,
                       "sentences": [{"text": s.text, "result": s.result, "link": self.sentence_link(s)}
                                     for s in self.sentences]},
            "results": [item.data for item in self.results],
            "facets": {key: [f.to_json() for f in values] for key, values in self.facets.items()},
        }


def run_search(snapshot: IndexSnapshot, request: SearchRequest, settings: Settings) -> SearchOutcome:
    """Search, compose the answer and count facets; raises BadQuery for unknown filters."""
    started = time.perf_counter()
    check_filters(request.filters, snapshot.vocabulary)
    hits = snapshot.search(request.q, k=max(request.k, FACET_POOL), filters=request.filters or None)
    threshold = settings.answer_threshold
    found = bool(hits) and hits[0].score >= threshold
    matcher = snapshot.matcher
    stems = matcher.query_stems(request.q)
    marked = matcher.question_words(request.q)  # highlighting: whole words only
    results: list[ResultItem] = []
    sentences: list[Sentence] = []
    pool: list[dict[str, Any]] = []
    if found:
        for number, hit in enumerate(hits[:request.k], start=1):
            snippet = make_snippet(hit.passage.get("text", ""), marked, matcher)
            data = dict(hit_to_json(hit))
            data["snippet_html"] = str(snippet.html)
            results.append(ResultItem(number, hit.passage, snippet, data))
        sentences = compose_answer([item.passage for item in results], stems, matcher)
        pool = [hit.page for hit in hits if hit.score >= threshold]
    facets = count_facets(pool, snapshot.vocabulary, request.filters)
    if settings.log_queries:
        log.info("Zoekvraag %r: %d resultaten, antwoord %s, %.1f ms", request.q, len(results),
                 "ja" if found else "nee", (time.perf_counter() - started) * 1000)
    return SearchOutcome(request, found and bool(sentences), sentences, results, facets,
                         best_score=float(hits[0].score) if hits else 0.0)
